// fast_math.cpp: the large-argument path of fast_sincos (Payne-Hanek reduction with a 2/pi bit table).
#include "envs/classic/fast_math.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

namespace rlforge::classic {
namespace trig_detail {
namespace {

// The binary expansion of 2/pi, 64 bits per word, preceded by one zero word so that windows
// starting a little before the binary point read zeros. Computed with exact integer
// arithmetic from Machin's formula; 1280 bits cover the largest double exponent plus the
// 192-bit window.
constexpr std::uint64_t kTwoOverPiBits[21] = {
    0x0000000000000000ULL, 0xa2f9836e4e441529ULL, 0xfc2757d1f534ddc0ULL, 0xdb6295993c439041ULL,
    0xfe5163abdebbc561ULL, 0xb7246e3a424dd2e0ULL, 0x06492eea09d1921cULL, 0xfe1deb1cb129a73eULL,
    0xe88235f52ebb4484ULL, 0xe99c7026b45f7e41ULL, 0x3991d639835339f4ULL, 0x9c845f8bbdf9283bULL,
    0x1ff897ffde05980fULL, 0xef2f118b5a0a6d1fULL, 0x6d367ecf27cb09b7ULL, 0x4f463f669e5fea2dULL,
    0x7527bac7ebe5f17bULL, 0x3d0739f78a5292eaULL, 0x6bfb5fb11f8d5d08ULL, 0x56033046fc7b6babULL,
    0xf0cfbc209af4361dULL};

// Bits i .. i+63 of 2/pi after the binary point (bit 1 is the first), MSB first; bits at
// i <= 0 are zero. Valid for -63 <= i <= 1216.
std::uint64_t two_over_pi_bits(int i) {
  const int g = i + 63;  // position in the table's bit stream
  const int word = g / 64, shift = g % 64;
  const std::uint64_t a = kTwoOverPiBits[word];
  if (shift == 0) return a;
  return (a << shift) | (kTwoOverPiBits[word + 1] >> (64 - shift));
}

// a * b = p + e exactly (Dekker's product with Veltkamp splitting; no FMA needed).
void two_prod(double a, double b, double& p, double& e) {
  auto split = [](double v, double& h, double& l) {
    const double c = 134217729.0 * v;  // 2^27 + 1
    h = c - (c - v);
    l = v - h;
  };
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  p = a * b;
  e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

constexpr double kPio2Hi = 0x1.921fb54442d18p+0;  // pi/2 = kPio2Hi + kPio2Lo + O(2^-108)
constexpr double kPio2Lo = 0x1.1a62633145c07p-54;

}  // namespace

void reduce_large(double x, double& hi, double& lo, std::uint64_t& q) {
  using u128 = unsigned __int128;
  const double ax = std::fabs(x);
  int exp2 = 0;
  const double frac = std::frexp(ax, &exp2);  // ax = frac * 2^exp2, frac in [0.5, 1)
  const auto m = static_cast<std::uint64_t>(std::ldexp(frac, 53));  // 53-bit integer
  const int e = exp2 - 53;                                           // ax = m * 2^e
  // Bits of 2/pi before i0 contribute multiples of 4 to m * 2^e * 2/pi and are dropped;
  // a 192-bit window from i0 gives x*2/pi = m * W * 2^-190 (mod 4) to about 2^-137.
  const int i0 = e - 1;
  const std::uint64_t w2 = two_over_pi_bits(i0), w1 = two_over_pi_bits(i0 + 64),
                      w0 = two_over_pi_bits(i0 + 128);
  const u128 p0 = static_cast<u128>(m) * w0, p1 = static_cast<u128>(m) * w1,
             p2 = static_cast<u128>(m) * w2;
  const u128 s1 = static_cast<u128>(static_cast<std::uint64_t>(p1)) + (p0 >> 64);
  const std::uint64_t word0 = static_cast<std::uint64_t>(p0);
  const std::uint64_t word1 = static_cast<std::uint64_t>(s1);
  const u128 s2 = static_cast<u128>(static_cast<std::uint64_t>(p2)) +
                  static_cast<std::uint64_t>((s1 >> 64) + (p1 >> 64));
  const std::uint64_t word2 = static_cast<std::uint64_t>(s2);
  // Product bits 190..191 are the quadrant, bits 62..189 the fraction f in [0, 1).
  std::uint64_t quadrant = (word2 >> 62) & 3;
  const std::uint64_t f_hi = (word1 >> 62) | (word2 << 2);
  const std::uint64_t f_lo = (word0 >> 62) | (word1 << 2);
  auto f = static_cast<__int128>((static_cast<u128>(f_hi) << 64) | f_lo);  // f - 1 when f >= 1/2
  if (f < 0) quadrant += 1;
  const bool negative = f < 0;
  u128 mag = negative ? static_cast<u128>(-f) : static_cast<u128>(f);
  if (mag == 0) {
    hi = lo = 0.0;
  } else {
    const auto top0 = static_cast<std::uint64_t>(mag >> 64);
    const int lz = top0 ? std::countl_zero(top0)
                        : 64 + std::countl_zero(static_cast<std::uint64_t>(mag));
    mag <<= lz;
    const auto top = static_cast<std::uint64_t>(mag >> 64);
    const auto bottom = static_cast<std::uint64_t>(mag);
    const double fh = std::ldexp(static_cast<double>(top >> 11), -53 - lz);
    const double fl =
        std::ldexp(static_cast<double>(((top & 0x7FF) << 53) | (bottom >> 11)), -117 - lz);
    // r = (fh + fl) * pi/2 in double-double.
    double p, err;
    two_prod(fh, kPio2Hi, p, err);
    err += fh * kPio2Lo + fl * kPio2Hi;
    hi = p + err;
    lo = (p - hi) + err;
    if (negative) {
      hi = -hi;
      lo = -lo;
    }
  }
  if (x < 0) {
    hi = -hi;
    lo = -lo;
    quadrant = 0 - quadrant;
  }
  q = quadrant & 3;
}

}  // namespace trig_detail

SinCos fast_sincos_large(double x) {
  if (!std::isfinite(x)) return {x - x, x - x};
  if (std::fabs(x) < kFastTrigLimit) return fast_sincos_in_range(x);  // NaN handled above
  double hi, lo;
  std::uint64_t q;
  trig_detail::reduce_large(x, hi, lo, q);
  return trig_detail::by_quadrant(trig_detail::kernel_sin(hi, lo), trig_detail::kernel_cos(hi, lo),
                                  q);
}

}  // namespace rlforge::classic
