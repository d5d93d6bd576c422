// The narrow GEMM paths of cpu/gemm_narrow.hpp.
#include "tensor/cpu/gemm.hpp"
// Everything below is compiled for one ISA (this file is built once per ISA).
#include "tensor/cpu/kernel_isa.hpp"
#include "tensor/cpu/gemm_narrow.hpp"
#include "tensor/cpu/simd.hpp"

namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS {
namespace {

using std::int64_t;
using namespace simd;

inline float finish(float dot, float alpha, float beta, float c) {
  return beta == 0.0f ? alpha * dot : alpha * dot + beta * c;
}

// Finishes R x NC dot products whose sums over k < k0 are dots[r * NC + c]: adds the products
// past k0 (K not a multiple of the vector width) and stores C(r, c) through the epilogue.
template <int R, int NC>
void finish_dots(const float* dots, int64_t k0, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                 int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep, int64_t j0) {
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < NC; ++c) {
      float d = dots[r * NC + c];
      for (int64_t kk = k0; kk < K; ++kk) d += A[r * lda + kk] * B[c * ldb + kk];
      float& out = C[r * ldc + c];
      out = ep.apply(finish(d, alpha, beta, out), j0 + c);
    }
  }
}

// An R x NC tile of dot products: R rows of A against NC rows of B, R * NC vector accumulators
// (8 at 4 x 2: enough independent FMA chains to cover their latency).
template <int R, int NC>
void dot_tile(int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
              int64_t ldc, const Epilogue& ep, int64_t j0) {
  vf acc[R][NC];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < NC; ++c) acc[r][c] = zero();
  }
  int64_t k = 0;
  for (; k + kVL <= K; k += kVL) {
    vf b[NC];
    for (int c = 0; c < NC; ++c) b[c] = load(B + c * ldb + k);
    for (int r = 0; r < R; ++r) {
      const vf a = load(A + r * lda + k);
      for (int c = 0; c < NC; ++c) acc[r][c] = fma(a, b[c], acc[r][c]);
    }
  }
  float dots[R * NC];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < NC; ++c) dots[r * NC + c] = hsum(acc[r][c]);
  }
  finish_dots<R, NC>(dots, k, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, j0);
}

// kVL dot products at once, R rows x NC columns (R * NC == kVL), reduced together by
// sum_lanes_of: for narrow outputs one separate horizontal sum per output cost more than the
// FMAs. Result lane r * NC + c is C(r, c).
template <int R, int NC>
void dot_block(int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc, const Epilogue& ep, int64_t j0, const float* bias_lanes) {
  static_assert(R * NC == kVL);
  vf acc[kVL];
#pragma GCC unroll 16
  for (int i = 0; i < kVL; ++i) acc[i] = zero();
  int64_t k = 0;
  for (; k + kVL <= K; k += kVL) {
    vf b[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) b[c] = load(B + c * ldb + k);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const vf a = load(A + r * lda + k);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) acc[r * NC + c] = fma(a, b[c], acc[r * NC + c]);
    }
  }
  const vf sums = sum_lanes_of(acc);
  if (k == K && ldc == NC) {
    // The block is kVL consecutive floats of C: the epilogue runs on the vector.
    vf out = mul(set1(alpha), sums);
    if (beta != 0.0f) out = add(out, mul(set1(beta), load(C)));
    if (ep.bias) out = add(out, load(bias_lanes));
    if (ep.relu) out = max(out, zero());
    store(C, out);
    return;
  }
  alignas(64) float dots[kVL];
  store(dots, sums);
  finish_dots<R, NC>(dots, k, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, j0);
}

template <int R>
void dot_rows(int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
              float* C, int64_t ldc, const Epilogue& ep) {
  int64_t j = 0;
  for (; j + 2 <= N; j += 2) dot_tile<R, 2>(K, alpha, A, lda, B + j * ldb, ldb, beta, C + j, ldc, ep, j);
  if (j < N) dot_tile<R, 1>(K, alpha, A, lda, B + j * ldb, ldb, beta, C + j, ldc, ep, j);
}

// R rows of C, NV vectors of columns at a time: R * NV independent FMA chains.
template <int R, int NV, bool kPlain>
void rows_chunk(int64_t K, float alpha, const float* A, int64_t a_rs, int64_t a_cs, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const Epilogue& ep, int64_t j0, const float* mask) {
  // Fully unrolled so the accumulators stay in registers (left as loops, GCC kept them on the
  // stack, and the stores and reloads cost more than the FMAs at K = 2). kPlain (alpha 1, beta
  // 0: every product the ops make) starts the sums at the bias and skips the scaling: at K = 2
  // to 8 the epilogue's vector ops were as many as the FMAs.
  vf acc[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = kPlain && ep.bias ? load(ep.bias + j0 + v * kVL) : zero();
  }
  for (int64_t k = 0; k < K; ++k) {
    vf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = load(B + k * ldb + v * kVL);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const vf a = set1(A[r * a_rs + k * a_cs]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = fma(a, b[v], acc[r][v]);
    }
  }
  const vf va = set1(alpha), vb = set1(beta);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* c = C + r * ldc + v * kVL;
      vf out = acc[r][v];
      if constexpr (!kPlain) {
        out = mul(va, out);
        if (beta != 0.0f) out = add(out, mul(vb, load(c)));
        if (ep.bias) out = add(out, load(ep.bias + j0 + v * kVL));
      }
      if (ep.relu) out = max(out, zero());
      if (mask) out = mul(out, step01(load(mask + r * ep.ldm + v * kVL)));
      store(c, out);
    }
  }
}

template <int R>
void rows_tile(int64_t N, int64_t K, float alpha, const float* A, int64_t a_rs, int64_t a_cs, const float* B,
               int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep, const float* mask) {
  int64_t j = 0;
  const bool plain = alpha == 1.0f && beta == 0.0f;
  for (; j + 4 * kVL <= N; j += 4 * kVL) {
    if (plain) rows_chunk<R, 4, true>(K, alpha, A, a_rs, a_cs, B + j, ldb, beta, C + j, ldc, ep, j, mask ? mask + j : nullptr);
    else rows_chunk<R, 4, false>(K, alpha, A, a_rs, a_cs, B + j, ldb, beta, C + j, ldc, ep, j, mask ? mask + j : nullptr);
  }
  for (; j + kVL <= N; j += kVL) {
    if (plain) rows_chunk<R, 1, true>(K, alpha, A, a_rs, a_cs, B + j, ldb, beta, C + j, ldc, ep, j, mask ? mask + j : nullptr);
    else rows_chunk<R, 1, false>(K, alpha, A, a_rs, a_cs, B + j, ldb, beta, C + j, ldc, ep, j, mask ? mask + j : nullptr);
  }
  for (; j < N; ++j) {
    for (int r = 0; r < R; ++r) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += A[r * a_rs + k * a_cs] * B[k * ldb + j];
      float& c = C[r * ldc + j];
      c = ep.apply(finish(acc, alpha, beta, c), j);
      if (mask) c *= mask[r * ep.ldm + j] > 0.0f ? 1.0f : 0.0f;
    }
  }
}

template <int NC>
void dot_narrow_cols(int64_t M, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                     float beta, float* C, int64_t ldc, const Epilogue& ep, int64_t j0) {
  constexpr int R = kVL / NC;
  alignas(64) float bias_lanes[kVL];  // lane r * NC + c holds bias[j0 + c]
  for (int l = 0; l < kVL; ++l) bias_lanes[l] = ep.bias ? ep.bias[j0 + l % NC] : 0.0f;
  int64_t i = 0;
  for (; i + R <= M; i += R) {
    dot_block<R, NC>(K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc, ep, j0, bias_lanes);
  }
  for (; i < M; ++i) {
    for (int c = 0; c < NC; ++c) {
      dot_tile<1, 1>(K, alpha, A + i * lda, lda, B + c * ldb, ldb, beta, C + i * ldc + c, ldc, ep, j0 + c);
    }
  }
}

// Rows [0, M) of C against columns [0, N) for N < kVL: blocks of kVL outputs, NC = 4, 2 or 1
// columns wide; rows left over go through dot_tile.
void dot_narrow(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const Epilogue& ep) {
  int64_t j = 0;
  for (; j + 4 <= N; j += 4) dot_narrow_cols<4>(M, K, alpha, A, lda, B + j * ldb, ldb, beta, C + j, ldc, ep, j);
  for (; j + 2 <= N; j += 2) dot_narrow_cols<2>(M, K, alpha, A, lda, B + j * ldb, ldb, beta, C + j, ldc, ep, j);
  for (; j < N; ++j) dot_narrow_cols<1>(M, K, alpha, A, lda, B + j * ldb, ldb, beta, C + j, ldc, ep, j);
}

}  // namespace

void gemm_dot(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
              float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (N < kVL && M >= kVL) {
    dot_narrow(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    return;
  }
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) dot_rows<4>(N, K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc, ep);
  switch (M - i) {
    case 3: dot_rows<3>(N, K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc, ep); break;
    case 2: dot_rows<2>(N, K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc, ep); break;
    case 1: dot_rows<1>(N, K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc, ep); break;
    default: break;
  }
}

void gemm_rows(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t a_rs, int64_t a_cs,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  auto row_mask = [&](int64_t i) { return ep.mask ? ep.mask + i * ep.ldm : nullptr; };
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) rows_tile<4>(N, K, alpha, A + i * a_rs, a_rs, a_cs, B, ldb, beta, C + i * ldc, ldc, ep, row_mask(i));
  switch (M - i) {
    case 3: rows_tile<3>(N, K, alpha, A + i * a_rs, a_rs, a_cs, B, ldb, beta, C + i * ldc, ldc, ep, row_mask(i)); break;
    case 2: rows_tile<2>(N, K, alpha, A + i * a_rs, a_rs, a_cs, B, ldb, beta, C + i * ldc, ldc, ep, row_mask(i)); break;
    case 1: rows_tile<1>(N, K, alpha, A + i * a_rs, a_rs, a_cs, B, ldb, beta, C + i * ldc, ldc, ep, row_mask(i)); break;
    default: break;
  }
}

}  // namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS
