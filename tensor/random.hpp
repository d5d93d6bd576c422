// Generator: the seeded random stream tensor/ draws from (init, randn, sampling); xoshiro256**
// seeded through splitmix64. Each owner (a network's init, an agent's sampler) holds its own.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace rlforge::tensor {

// A 32-byte value type; copying it forks the stream. Same seed, same numbers on every platform.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) { this->seed(seed); }

  void seed(std::uint64_t seed) {
    std::uint64_t z = seed;
    for (auto& w : s_) {
      z += 0x9e3779b97f4a7c15ULL;
      std::uint64_t x = z;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      w = x ^ (x >> 31);
    }
  }

  // The stream's position, for checkpoints: set_state(state()) continues exactly where it was.
  std::array<std::uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<std::uint64_t, 4>& st) {
    if (st[0] == 0 && st[1] == 0 && st[2] == 0 && st[3] == 0) {
      throw std::invalid_argument("Generator::set_state: the all-zero state is not a valid xoshiro256** state");
    }
    for (int i = 0; i < 4; ++i) s_[i] = st[static_cast<std::size_t>(i)];
  }

  std::uint64_t next_u64() {
    const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }

  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal by Box-Muller, one value per call (no cached second value, so a stream's
  // position is just the number of calls).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
  }
  // Uniform integer in [0, n), n > 0, by rejection (no modulo bias).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t r;
    do {
      r = next_u64();
    } while (r >= limit);
    return r % n;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace rlforge::tensor
