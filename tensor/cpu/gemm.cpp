// The blocked CPU GEMM: B is packed into zero-padded column panels of NR, A is read in place
// through (row, column) strides (so transposed operands cost nothing), and an MR x NR register
// tile of FMA accumulators does the work. f64 (used only by gradient checks) takes a simple
// cache-friendly loop.
#include <algorithm>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "tensor/cpu/gemm.hpp"
#include "tensor/detail/memory_pool.hpp"

namespace rlforge::tensor::cpu {
namespace {

using std::int64_t;

// ---- the vector type of the build target ----
#if defined(__AVX512F__)
constexpr int kVL = 16;
using vf = __m512;
inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf vset1(float x) { return _mm512_set1_ps(x); }
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kVL = 8;
using vf = __m256;
inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf vset1(float x) { return _mm256_set1_ps(x); }
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
#else
// Portable fallback: GCC vector extensions (mul + add; no FMA contraction in this build).
constexpr int kVL = 4;
typedef float vf __attribute__((vector_size(16)));
inline vf vload(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void vstore(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
inline vf vset1(float x) { return vf{x, x, x, x}; }
inline vf vzero() { return vf{0, 0, 0, 0}; }
inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
inline vf vmul(vf a, vf b) { return a * b; }
inline vf vadd(vf a, vf b) { return a + b; }
#endif

constexpr int kMR = 6;         // rows per register tile
constexpr int kNR = 2 * kVL;   // columns per register tile (two vectors)
constexpr int64_t kKC = 256;   // depth of one packed B block (kKC x kNC floats fit in L2)
constexpr int64_t kNC = 1024;  // width of one packed B block
constexpr int64_t kMC = 120;   // rows of A swept per B block (multiple of kMR)
// Multiply-adds per B block below which threads cost more than they save (RL layers at
// batch <= 256 stay serial: 256 x 256 x 256 is 16.7M and does go parallel).
constexpr int64_t kParallelWork = int64_t{1} << 22;

// Packs B[k0:k0+kc, j0:j0+nc] (op applied) into panels of kNR columns: panel p holds, for each
// k, kNR consecutive values (zero beyond column nc).
void pack_b(bool tb, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  for (int64_t jp = 0; jp < nc; jp += kNR) {
    const int64_t w = std::min<int64_t>(kNR, nc - jp);
    float* panel = dst + jp * kc;
    if (!tb) {
      for (int64_t k = 0; k < kc; ++k) {
        float* row = panel + k * kNR;
        const float* src = B + (k0 + k) * ldb + j0 + jp;
        for (int64_t j = 0; j < w; ++j) row[j] = src[j];
        for (int64_t j = w; j < kNR; ++j) row[j] = 0.0f;
      }
    } else {
      // B^T: read each stored row of B contiguously and scatter it down a panel column (the
      // panel, kc x kNR floats, stays in L1); gathering along columns was 5x slower.
      for (int64_t j = 0; j < w; ++j) {
        const float* src = B + (j0 + jp + j) * ldb + k0;
        for (int64_t k = 0; k < kc; ++k) panel[k * kNR + j] = src[k];
      }
      for (int64_t j = w; j < kNR; ++j) {
        for (int64_t k = 0; k < kc; ++k) panel[k * kNR + j] = 0.0f;
      }
    }
  }
}

// acc[R x kNR] = sum_k A(i, k) * Bp(k, :), then C tile = alpha * acc + beta * C (first K block)
// or C += alpha * acc (later blocks). A(i, k) = A[i * rs + k * cs].
template <int R>
void micro_kernel(int64_t kc, const float* A, int64_t rs, int64_t cs, const float* Bp, float* C, int64_t ldc,
                  int64_t ncols, float alpha, float beta, bool first) {
  vf acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) {
    acc0[r] = vzero();
    acc1[r] = vzero();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const vf b0 = vload(Bp + k * kNR);
    const vf b1 = vload(Bp + k * kNR + kVL);
    const float* a = A + k * cs;
    for (int r = 0; r < R; ++r) {
      const vf av = vset1(a[r * rs]);
      acc0[r] = vfma(av, b0, acc0[r]);
      acc1[r] = vfma(av, b1, acc1[r]);
    }
  }
  const vf va = vset1(alpha);
  if (ncols == kNR) {
    const vf vb = vset1(beta);
    for (int r = 0; r < R; ++r) {
      float* c = C + r * ldc;
      vf o0 = vmul(va, acc0[r]), o1 = vmul(va, acc1[r]);
      if (!first) {
        o0 = vadd(o0, vload(c));
        o1 = vadd(o1, vload(c + kVL));
      } else if (beta != 0.0f) {
        o0 = vadd(o0, vmul(vb, vload(c)));
        o1 = vadd(o1, vmul(vb, vload(c + kVL)));
      }
      vstore(c, o0);
      vstore(c + kVL, o1);
    }
    return;
  }
  alignas(64) float tile[kNR];
  for (int r = 0; r < R; ++r) {
    vstore(tile, vmul(va, acc0[r]));
    vstore(tile + kVL, vmul(va, acc1[r]));
    float* c = C + r * ldc;
    for (int64_t j = 0; j < ncols; ++j) {
      if (!first) c[j] += tile[j];
      else c[j] = beta == 0.0f ? tile[j] : tile[j] + beta * c[j];
    }
  }
}

void micro_dispatch(int rows, int64_t kc, const float* A, int64_t rs, int64_t cs, const float* Bp, float* C,
                    int64_t ldc, int64_t ncols, float alpha, float beta, bool first) {
  switch (rows) {
    case 6: micro_kernel<6>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
    case 5: micro_kernel<5>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
    case 4: micro_kernel<4>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
    case 3: micro_kernel<3>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
    case 2: micro_kernel<2>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
    default: micro_kernel<1>(kc, A, rs, cs, Bp, C, ldc, ncols, alpha, beta, first); break;
  }
}

// A packed-B scratch buffer from the pool, returned on scope exit.
struct Scratch {
  float* p;
  std::size_t bytes;
  explicit Scratch(std::size_t n) : p(static_cast<float*>(detail::pool_alloc(n * sizeof(float)))), bytes(n * sizeof(float)) {}
  ~Scratch() { detail::pool_free(p, bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Few rows of A (batch-1 inference, M <= 4): packing B would copy the whole weight matrix to
// use it once, so read B in place. trans_b (B stored [N, K], a Linear weight): one vector dot
// product per output; else C[i, :] accumulates A(i, k) * B[k, :] vector by vector.
inline float hsum(vf v) {
  alignas(64) float t[kVL];
  vstore(t, v);
  float s = 0.0f;
  for (int i = 0; i < kVL; ++i) s += t[i];
  return s;
}

void gemm_few_rows(bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                   const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    if (tb) {
      for (int64_t j = 0; j < N; ++j) {
        const float* b = B + j * ldb;
        vf acc0 = vzero(), acc1 = vzero();
        int64_t k = 0;
        for (; k + 2 * kVL <= K; k += 2 * kVL) {
          acc0 = vfma(vload(a + k), vload(b + k), acc0);
          acc1 = vfma(vload(a + k + kVL), vload(b + k + kVL), acc1);
        }
        float dot = hsum(vadd(acc0, acc1));
        for (; k < K; ++k) dot += a[k] * b[k];
        c[j] = beta == 0.0f ? alpha * dot : alpha * dot + beta * c[j];
      }
    } else {
      int64_t j = 0;
      for (; j + kVL <= N; j += kVL) {
        vf acc = vzero();
        for (int64_t k = 0; k < K; ++k) acc = vfma(vset1(a[k]), vload(B + k * ldb + j), acc);
        vf out = vmul(vset1(alpha), acc);
        if (beta != 0.0f) out = vadd(out, vmul(vset1(beta), vload(c + j)));
        vstore(c + j, out);
      }
      for (; j < N; ++j) {
        float acc = 0.0f;
        for (int64_t k = 0; k < K; ++k) acc += a[k] * B[k * ldb + j];
        c[j] = beta == 0.0f ? alpha * acc : alpha * acc + beta * c[j];
      }
    }
  }
}

template <class T>
void gemm_simple(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) c[j] = beta == T(0) ? T(0) : beta * c[j];
    for (int64_t k = 0; k < K; ++k) {
      const T a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
      if (!tb) {
        const T* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
      }
    }
  }
}

}  // namespace

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    }
    return;
  }
  if (M <= 4 && !ta) {
    gemm_few_rows(tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const int64_t rs = ta ? 1 : lda, cs = ta ? lda : 1;  // A(i, k) = A[i * rs + k * cs]
  const int64_t nc_max = std::min(N, kNC);
  const int64_t kc_max = std::min(K, kKC);
  Scratch bp(static_cast<std::size_t>(kc_max * ((nc_max + kNR - 1) / kNR) * kNR));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      pack_b(tb, B, ldb, pc, kc, jc, nc, bp.p);
      const bool first = pc == 0;
      // One row block of C against the packed B block. Blocks touch disjoint rows of C and
      // each element is summed in the same order whoever runs it, so results do not depend on
      // the thread count.
      auto row_block = [&](int64_t ic) {
        const int64_t mc = std::min(kMC, M - ic);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int64_t ncols = std::min<int64_t>(kNR, nc - jr);
          const float* panel = bp.p + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int rows = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
            const int64_t i = ic + ir;
            micro_dispatch(rows, kc, A + i * rs + pc * cs, rs, cs, panel, C + i * ldc + jc + jr, ldc, ncols, alpha,
                           beta, first);
          }
        }
      };
      const int64_t blocks = (M + kMC - 1) / kMC;
      if (blocks >= 2 && M * nc * kc >= kParallelWork) {
        // Runs in the caller's TBB arena: a caller that wants this single-threaded runs it
        // inside a one-thread tbb::task_arena.
        tbb::parallel_for(tbb::blocked_range<int64_t>(0, blocks), [&](const tbb::blocked_range<int64_t>& r) {
          for (int64_t b = r.begin(); b != r.end(); ++b) row_block(b * kMC);
        });
      } else {
        for (int64_t ic = 0; ic < M; ic += kMC) row_block(ic);
      }
    }
  }
}

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  gemm_simple<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace rlforge::tensor::cpu
