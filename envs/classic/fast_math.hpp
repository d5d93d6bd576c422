// fast_math.hpp: deterministic double-precision sin/cos for the classic-control envs, branch-free so loops vectorize.
//
// Why not std::sin/std::cos: they are opaque libm calls, so a loop that calls them never
// vectorizes, and the batched CartPole must. These functions are plain arithmetic (no FMA,
// no table lookups on the fast path), so the single env and the batched SIMD loop compute
// bit-identical values. Accuracy: within 1 ulp of the exact result over the whole double
// range (tested against std::sin/std::cos in tests/test_classic_envs.cpp).
//
// Method: |x| < kFastTrigLimit: Cody-Waite reduction by pi/2 split in three 33-bit parts plus
// a tail (each n * part is exact for |n| < 2^20), carried as a double-double r = hi + lo;
// larger |x|: Payne-Hanek reduction with 1280 bits of 2/pi (fast_math.cpp). Then Taylor
// polynomials on |r| <= pi/4 (through r^17 for sin, r^16 for cos, so the truncation error is
// below 2^-62 relative) and the quadrant's swap/sign.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace rlforge::classic {

struct SinCos {
  double sin;
  double cos;
};

// Arguments below this magnitude take the branch-free Cody-Waite path.
inline constexpr double kFastTrigLimit = 0x1p20;

inline bool in_fast_trig_range(double x) { return std::fabs(x) < kFastTrigLimit; }

namespace trig_detail {
// pi/2 = kPio2Part1 + kPio2Part2 + kPio2Part3 + kPio2Tail (+ < 2^-157); the parts have 33
// significant bits, derived from pi by exact integer arithmetic (Machin's formula).
inline constexpr double kPio2Part1 = 0x1.921fb544p+0;
inline constexpr double kPio2Part2 = 0x1.0b4611a6p-34;
inline constexpr double kPio2Part3 = 0x1.3198a2ep-69;
inline constexpr double kPio2Tail = 0x1.b839a252049c1p-104;
inline constexpr double kInvPio2 = 0x1.45f306dc9c883p-1;  // 2/pi rounded
inline constexpr double kRoundMagic = 0x1.8p52;           // t + 1.5*2^52 rounds t to an integer

// Taylor coefficients (-1)^k / (2k+1)! and (-1)^k / (2k)!, each the double nearest the rational.
inline constexpr double kS3 = -0x1.5555555555555p-3, kS5 = 0x1.1111111111111p-7,
                        kS7 = -0x1.a01a01a01a01ap-13, kS9 = 0x1.71de3a556c734p-19,
                        kS11 = -0x1.ae64567f544e4p-26, kS13 = 0x1.6124613a86d09p-33,
                        kS15 = -0x1.ae7f3e733b81fp-41, kS17 = 0x1.952c77030ad4ap-49;
inline constexpr double kC4 = 0x1.5555555555555p-5, kC6 = -0x1.6c16c16c16c17p-10,
                        kC8 = 0x1.a01a01a01a01ap-16, kC10 = -0x1.27e4fb7789f5cp-22,
                        kC12 = 0x1.1eed8eff8d898p-29, kC14 = -0x1.93974a8c07c9dp-37,
                        kC16 = 0x1.ae7f3e733b81fp-45;

// s + e == a + b exactly (Knuth's TwoSum, valid for any magnitudes).
inline void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  const double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}

// sin(x + y) for |x| <= ~pi/4, |y| <= ulp(x): sin x + y cos x, with cos x ~ 1 - x^2/2.
inline double kernel_sin(double x, double y) {
  const double z = x * x;
  const double p =
      kS3 + z * (kS5 + z * (kS7 + z * (kS9 + z * (kS11 + z * (kS13 + z * (kS15 + z * kS17))))));
  return x + ((x * z) * p + (y - (0.5 * z) * y));
}

// cos(x + y) for |x| <= ~pi/4: 1 - x^2/2 + x^4 q(x^2) - x y; the rounding error of
// 1 - x^2/2 is recovered and added back.
inline double kernel_cos(double x, double y) {
  const double z = x * x;
  const double q = kC4 + z * (kC6 + z * (kC8 + z * (kC10 + z * (kC12 + z * (kC14 + z * kC16)))));
  const double hz = 0.5 * z;
  const double w = 1.0 - hz;
  return w + (((1.0 - w) - hz) + (z * (z * q) - x * y));
}

// Applies quadrant q (x = q*pi/2 + r, only q mod 4 matters) to sin r and cos r.
inline SinCos by_quadrant(double s, double c, std::uint64_t q) {
  const bool swap = (q & 1) != 0;
  const double sn = swap ? c : s;
  const double cs = swap ? s : c;
  const std::uint64_t sin_flip = (q & 2) << 62;
  const std::uint64_t cos_flip = ((q + 1) & 2) << 62;
  return {std::bit_cast<double>(std::bit_cast<std::uint64_t>(sn) ^ sin_flip),
          std::bit_cast<double>(std::bit_cast<std::uint64_t>(cs) ^ cos_flip)};
}

// Payne-Hanek: x = q*pi/2 + (hi + lo) for any finite x; in fast_math.cpp.
void reduce_large(double x, double& hi, double& lo, std::uint64_t& q);
}  // namespace trig_detail

// sin and cos of x for |x| < kFastTrigLimit (or NaN). No branches: use inside SIMD loops.
inline SinCos fast_sincos_in_range(double x) {
  using namespace trig_detail;
  const double t = x * kInvPio2 + kRoundMagic;
  const double n = t - kRoundMagic;                                    // nearest integer to x*2/pi
  const std::uint64_t q = std::bit_cast<std::uint64_t>(t);             // low bits: n mod 4
  const double r0 = x - n * kPio2Part1;                                // exact (Sterbenz)
  double r1, e1, r2, e2;
  two_sum(r0, -(n * kPio2Part2), r1, e1);
  two_sum(r1, -(n * kPio2Part3), r2, e2);
  const double tail = (e1 + e2) - n * kPio2Tail;
  const double hi = r2 + tail;
  const double lo = (r2 - hi) + tail;
  SinCos out = by_quadrant(kernel_sin(hi, lo), kernel_cos(hi, lo), q);
  // Below 2^-27, sin x == x and cos x == 1 after rounding; this also keeps sin(-0.0) == -0.0.
  const bool tiny = std::fabs(x) < 0x1p-27;
  out.sin = tiny ? x : out.sin;
  out.cos = tiny ? 1.0 : out.cos;
  return out;
}

// sin and cos of any x (NaN and +-inf give NaN).
SinCos fast_sincos_large(double x);
inline SinCos fast_sincos(double x) {
  if (!in_fast_trig_range(x)) [[unlikely]]
    return fast_sincos_large(x);
  return fast_sincos_in_range(x);
}

// kInRange: the caller has checked in_fast_trig_range(x) (a batched loop checks all lanes
// first), so the branch to the large-argument path can be left out.
template <bool kInRange>
inline SinCos sincos_of(double x) {
  if constexpr (kInRange)
    return fast_sincos_in_range(x);
  else
    return fast_sincos(x);
}

inline double fast_sin(double x) { return fast_sincos(x).sin; }
inline double fast_cos(double x) { return fast_sincos(x).cos; }

}  // namespace rlforge::classic
