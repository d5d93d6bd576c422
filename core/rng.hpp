// Rng: the random generator every env, space, wrapper, agent and tensor initializer owns
// (xoshiro256**, seeded by splitmix64).
#pragma once
#include <cmath>
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace rlforge {

// A small value type (32 bytes) so that each env, and each lane of a batched env, owns its
// own stream: results then never depend on thread scheduling. Not numpy's PCG64: sampled
// values differ from gymnasium's for the same seed, distributions are the same.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { this->seed(seed); }

  void seed(std::uint64_t seed) {
    std::uint64_t z = seed;
    for (auto& w : s_) w = splitmix64(z);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (Box-Muller, one value per call so the stream has no hidden cache).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Exponential with rate 1.
  double exponential() { return -std::log(1.0 - uniform()); }
  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). n must be > 0.
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  bool operator==(const Rng&) const = default;
  // Raw state, for checkpoints.
  const std::uint64_t* state() const { return s_; }
  std::uint64_t* state() { return s_; }
  // Continues a saved stream: set_state(state()) picks up exactly where it was. Throws
  // InvalidArgument on the all-zero state, a fixed point xoshiro256** never leaves.
  void set_state(std::span<const std::uint64_t, 4> words) {
    if ((words[0] | words[1] | words[2] | words[3]) == 0)
      throw InvalidArgument("Rng::set_state: the all-zero state is not a valid xoshiro256** state");
    for (int i = 0; i < 4; ++i) s_[i] = words[static_cast<std::size_t>(i)];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& z) {
    std::uint64_t r = (z += 0x9e3779b97f4a7c15ULL);
    r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ULL;
    r = (r ^ (r >> 27)) * 0x94d049bb133111ebULL;
    return r ^ (r >> 31);
  }
  std::uint64_t s_[4];
};

// A seed from the OS, for reset() without a seed on a never-seeded env (as gymnasium does).
std::uint64_t entropy_seed();

}  // namespace rlforge
