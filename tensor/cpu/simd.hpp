// The float vector type of the ISA a kernel file is compiled for (cpu/kernel_isa.hpp) for
// hand-written CPU kernels (GEMM): AVX-512, AVX2+FMA, or a 4-wide GCC vector fallback, behind one
// small set of inline functions so a kernel is written once. Each op is a single instruction where
// the ISA has it. Included once per kernel file, after kernel_isa.hpp (no include guard: its
// namespace is that ISA's).
#include <cstdint>
#include <cstring>

#if defined(RLFORGE_SIMD_AVX512) || defined(RLFORGE_SIMD_AVX2)
#include <immintrin.h>
#endif

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() through, and once inlined here it
// reports that value as uninitialized (a false positive of its own headers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS::simd {

#if defined(RLFORGE_SIMD_AVX512)
constexpr int kVL = 16;
using vf = __m512;
inline vf load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf set1(float x) { return _mm512_set1_ps(x); }
inline vf zero() { return _mm512_setzero_ps(); }
inline vf fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf add(vf a, vf b) { return _mm512_add_ps(a, b); }
// b where a is NaN (the second operand wins), so max(x, 0) is relu's 0 for NaN.
inline vf max(vf a, vf b) { return _mm512_max_ps(a, b); }
// 1 where m > 0, else 0 (NaN gives 0), as relu's derivative.
inline vf step01(vf m) {
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(m, _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_set1_ps(1.0f));
}
#elif defined(RLFORGE_SIMD_AVX2)
constexpr int kVL = 8;
using vf = __m256;
inline vf load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf set1(float x) { return _mm256_set1_ps(x); }
inline vf zero() { return _mm256_setzero_ps(); }
inline vf fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf add(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf max(vf a, vf b) { return _mm256_max_ps(a, b); }
inline vf step01(vf m) { return _mm256_and_ps(_mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_set1_ps(1.0f)); }
#else
// Portable fallback: GCC vector extensions (mul + add; no FMA contraction in this build).
constexpr int kVL = 4;
typedef float vf __attribute__((vector_size(16)));
inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
inline vf set1(float x) { return vf{x, x, x, x}; }
inline vf zero() { return vf{0, 0, 0, 0}; }
inline vf fma(vf a, vf b, vf c) { return a * b + c; }
inline vf mul(vf a, vf b) { return a * b; }
inline vf add(vf a, vf b) { return a + b; }
inline vf max(vf a, vf b) { return a > b ? a : b; }
inline vf step01(vf m) { return m > vf{0, 0, 0, 0} ? vf{1, 1, 1, 1} : vf{0, 0, 0, 0}; }
#endif

// Sum of the lanes as a halving tree: a fixed order (the same on every call, whatever the
// data) and a short dependency chain, unlike a lane-by-lane loop.
inline float hsum(vf v) {
#if defined(RLFORGE_SIMD_AVX512)
  const __m256 lo = _mm512_castps512_ps256(v);
  const __m256 hi = _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m256 s8 = _mm256_add_ps(lo, hi);
#elif defined(RLFORGE_SIMD_AVX2)
  const __m256 s8 = v;
#endif
#if defined(RLFORGE_SIMD_AVX2) || defined(RLFORGE_SIMD_AVX512)
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  s4 = _mm_add_ss(s4, _mm_movehdup_ps(s4));
  return _mm_cvtss_f32(s4);
#else
  return (v[0] + v[2]) + (v[1] + v[3]);
#endif
}

// Lane i of the result = the sum of the lanes of a[i], for kVL vectors at once: a transpose-add
// tree (log2(kVL) levels of shuffles and adds), several times cheaper than kVL separate hsums.
// The order of additions is fixed, as hsum's.
inline vf sum_lanes_of(const vf* a) {
#if defined(RLFORGE_SIMD_AVX512) || defined(RLFORGE_SIMD_AVX2)
  // Level 1 and 2 work inside 128-bit lanes: four vectors -> one holding, per 128-bit lane,
  // [sum of a, b, c, d over that lane's 4 floats].
  vf q[kVL / 4];
  for (int i = 0; i < kVL / 4; ++i) {
    const vf* x = a + 4 * i;
#if defined(RLFORGE_SIMD_AVX512)
    const vf t0 = _mm512_add_ps(_mm512_unpacklo_ps(x[0], x[1]), _mm512_unpackhi_ps(x[0], x[1]));
    const vf t1 = _mm512_add_ps(_mm512_unpacklo_ps(x[2], x[3]), _mm512_unpackhi_ps(x[2], x[3]));
    q[i] = _mm512_add_ps(_mm512_shuffle_ps(t0, t1, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 2, 3, 2)));
#else
    const vf t0 = _mm256_add_ps(_mm256_unpacklo_ps(x[0], x[1]), _mm256_unpackhi_ps(x[0], x[1]));
    const vf t1 = _mm256_add_ps(_mm256_unpacklo_ps(x[2], x[3]), _mm256_unpackhi_ps(x[2], x[3]));
    q[i] = _mm256_add_ps(_mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 2, 3, 2)));
#endif
  }
  // Then across 128-bit lanes: pairs of vectors fold their lane quarters together.
#if defined(RLFORGE_SIMD_AVX512)
  const vf h0 = _mm512_add_ps(_mm512_shuffle_f32x4(q[0], q[1], _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(q[0], q[1], _MM_SHUFFLE(3, 1, 3, 1)));
  const vf h1 = _mm512_add_ps(_mm512_shuffle_f32x4(q[2], q[3], _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(q[2], q[3], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_ps(_mm512_shuffle_f32x4(h0, h1, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(h0, h1, _MM_SHUFFLE(3, 1, 3, 1)));
#else
  return _mm256_add_ps(_mm256_permute2f128_ps(q[0], q[1], 0x20), _mm256_permute2f128_ps(q[0], q[1], 0x31));
#endif
#else
  vf r;
  for (int i = 0; i < kVL; ++i) r[i] = hsum(a[i]);
  return r;
#endif
}

// dst[r * ldd + c] = src[c * lds + r] for an 8 x 8 block: the in-register transpose behind the
// GEMM's transposed-B packing (scalar scatter stores cost 5x more there).
inline void transpose8x8(const float* src, std::int64_t lds, float* dst, std::int64_t ldd) {
#if defined(RLFORGE_SIMD_AVX2)
  __m256 r[8], t[8], s[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(s[i], s[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(s[i], s[i + 4], 0x31));
  }
#else
  for (int c = 0; c < 8; ++c) {
    for (int r = 0; r < 8; ++r) dst[r * ldd + c] = src[c * lds + r];
  }
#endif
}

}  // namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS::simd

#pragma GCC diagnostic pop
