// The blocked CPU GEMM. B is read as column panels of kNR: in place when it is stored
// untransposed and small (RL layers: packing would copy it for one use), else packed into
// zero-padded panels (transposed operands through 8x8 in-register transposes). A is read in place
// through (row, column) strides, so transposed A costs nothing, and an MR x NR register tile of
// FMA accumulators does the work. Narrow outputs take shapes that do not pad a panel with zeros
// (cpu/gemm_narrow.cpp). float64 (used only by gradient checks) takes a simple cache-friendly loop.
#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "tensor/cpu/gemm.hpp"
#include "tensor/detail/memory_pool.hpp"
// Everything below is compiled for one ISA (this file is built once per ISA).
#include "tensor/cpu/kernel_isa.hpp"
#include "tensor/cpu/gemm_narrow.hpp"
#include "tensor/cpu/simd.hpp"

namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS {
namespace {

using std::int64_t;
using namespace simd;

// Rows per register tile: 2 * kMR accumulators plus 3 working registers fit even AVX2's 16
// registers. (8 rows on AVX-512 measured no faster at 64^3 and 9% slower at 1024^3.)
constexpr int kMR = 6;
constexpr int kNR = 2 * kVL;   // columns per register tile (two vectors)
constexpr int64_t kKC = 256;   // depth of one B block (kKC x kNC floats fit in L2)
constexpr int64_t kNC = 1024;  // width of one B block
constexpr int64_t kMC = 120;   // rows of A swept per B block (a multiple of kMR)
// Untransposed B blocks up to this many floats (rows x leading dim) are read in place: they stay
// in L1/L2 across the row tiles, and packing them cost as much as the multiply at 64 x 64 x 64.
// Larger ones are packed: at 256 x 256 in place was 6% slower (rows 1 KiB apart share L1 sets).
constexpr int64_t kDirectB = 32 * 1024;
// Multiply-adds per B block below which threads cost more than they save (RL layers at
// batch <= 256 stay serial: 256 x 256 x 256 is 16.7M and does go parallel).
constexpr int64_t kParallelWork = int64_t{1} << 22;

// Element (i, k) of an operand read in place is p[i * rs + k * cs].
struct Strided {
  const float* p;
  int64_t rs, cs;
};

// Packs op(B)[k0:k0+kc, j0:j0+nc] into panels of kNR columns: panel p holds, for each k, kNR
// consecutive values (zero beyond column nc).
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
      continue;
    }
    // B^T: stored row j of B becomes panel column j.
    const float* src = B + (j0 + jp) * ldb + k0;
    int64_t k = 0;
    if (w == kNR) {
      for (; k + 8 <= kc; k += 8) {
        for (int64_t j = 0; j < kNR; j += 8) transpose8x8(src + j * ldb + k, ldb, panel + k * kNR + j, kNR);
      }
    }
    for (int64_t j = 0; j < w; ++j) {
      for (int64_t kk = k; kk < kc; ++kk) panel[kk * kNR + j] = src[j * ldb + kk];
    }
    for (int64_t j = w; j < kNR; ++j) {
      for (int64_t kk = k; kk < kc; ++kk) panel[kk * kNR + j] = 0.0f;
    }
  }
}

// What every register tile of one B panel shares, built once per panel and passed by reference:
// passed by value, these arguments went through the stack on every call, and reading them back
// (a struct copied as one 16-byte load after 8-byte stores) stalled each call.
struct PanelJob {
  int64_t kc;          // depth of the K block
  int64_t a_rs, a_cs;  // A(i, k) = a[i * a_rs + k * a_cs]
  const float* bp;     // B panel: row k at bp + k * bs
  int64_t bs;
  int64_t crs, ccs;    // C tile element (r, j) at c[r * crs + j * ccs]
  int64_t ncols;       // valid columns of the panel
  float alpha, beta;
  bool first;          // first K block: C = alpha acc + beta C, else C += alpha acc
  Epilogue ep;         // applied on the last K block, bias already offset to the panel
};

// The general store of a register tile (a ragged last panel, or C written transposed), element
// by element from `tile` (rows x kNR, alpha applied). Out of line on purpose: inlined into the
// kernel, GCC vectorized this loop with masks into code 10x slower than the plain loop.
[[gnu::noinline]] void store_tile(const float* tile, int rows, const PanelJob& job, float* C, const float* mask) {
  for (int r = 0; r < rows; ++r) {
    float* c = C + r * job.crs;
    const float* t = tile + r * kNR;
    for (int64_t j = 0; j < job.ncols; ++j) {
      float& cj = c[j * job.ccs];
      float v = job.ep.apply(!job.first ? cj + t[j] : job.beta == 0.0f ? t[j] : t[j] + job.beta * cj, j);
      if (mask) v *= mask[r * job.ep.ldm + j] > 0.0f ? 1.0f : 0.0f;
      cj = v;
    }
  }
}

// acc[R x kNR] = sum_k A(i, k) * B panel(k, :), then stored into the C tile as `job` says;
// mask: the epilogue's mask at this tile's first element (null for none).
template <int R>
void micro_kernel(const PanelJob& job, const float* a, float* C, const float* mask) {
  vf acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) {
    acc0[r] = zero();
    acc1[r] = zero();
  }
  const int64_t kc = job.kc, a_rs = job.a_rs, a_cs = job.a_cs, bs = job.bs;
  const float* Bp = job.bp;
  for (int64_t k = 0; k < kc; ++k) {
    const vf b0 = load(Bp + k * bs);
    const vf b1 = load(Bp + k * bs + kVL);
    const float* ak = a + k * a_cs;
    for (int r = 0; r < R; ++r) {
      const vf av = set1(ak[r * a_rs]);
      acc0[r] = fma(av, b0, acc0[r]);
      acc1[r] = fma(av, b1, acc1[r]);
    }
  }
  const vf va = set1(job.alpha);
  const float beta = job.beta;
  const Epilogue& ep = job.ep;
  if (job.ncols == kNR && job.ccs == 1) {
    const vf vb = set1(beta);
    for (int r = 0; r < R; ++r) {
      float* c = C + r * job.crs;
      vf o0 = mul(va, acc0[r]), o1 = mul(va, acc1[r]);
      if (!job.first) {
        o0 = add(o0, load(c));
        o1 = add(o1, load(c + kVL));
      } else if (beta != 0.0f) {
        o0 = add(o0, mul(vb, load(c)));
        o1 = add(o1, mul(vb, load(c + kVL)));
      }
      if (ep.bias) {
        o0 = add(o0, load(ep.bias));
        o1 = add(o1, load(ep.bias + kVL));
      }
      if (ep.relu) {
        o0 = max(o0, zero());
        o1 = max(o1, zero());
      }
      if (mask) {
        const float* m = mask + r * ep.ldm;
        o0 = mul(o0, step01(load(m)));
        o1 = mul(o1, step01(load(m + kVL)));
      }
      store(c, o0);
      store(c + kVL, o1);
    }
    return;
  }
  alignas(64) float tile[R * kNR];
  for (int r = 0; r < R; ++r) {
    store(tile + r * kNR, mul(va, acc0[r]));
    store(tile + r * kNR + kVL, mul(va, acc1[r]));
  }
  store_tile(tile, R, job, C, mask);
}

void micro_dispatch(int rows, const PanelJob& job, const float* a, float* C, const float* mask) {
  switch (rows) {
    case 6: micro_kernel<6>(job, a, C, mask); break;
    case 5: micro_kernel<5>(job, a, C, mask); break;
    case 4: micro_kernel<4>(job, a, C, mask); break;
    case 3: micro_kernel<3>(job, a, C, mask); break;
    case 2: micro_kernel<2>(job, a, C, mask); break;
    default: micro_kernel<1>(job, a, C, mask); break;
  }
}

// A scratch buffer from the pool, returned on scope exit.
struct Scratch {
  float* p = nullptr;
  std::size_t bytes = 0;
  explicit Scratch(std::size_t n) {
    if (n > 0) p = static_cast<float*>(detail::pool_alloc(n * sizeof(float))), bytes = n * sizeof(float);
  }
  ~Scratch() {
    if (p) detail::pool_free(p, bytes);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// C (element (i, j) at C[i * crs + j * ccs]) = ep(alpha * A op(B) + beta * C); ep is applied
// as the last K block is stored.
void blocked(int64_t M, int64_t N, int64_t K, float alpha, Strided a, const float* B, bool tb, int64_t ldb,
             float beta, float* C, int64_t crs, int64_t ccs, const Epilogue& ep = {}) {
  const int64_t nc_max = std::min(N, kNC);
  const int64_t kc_max = std::min(K, kKC);
  const bool direct = !tb && kc_max * ldb <= kDirectB;
  const int64_t panels = (nc_max + kNR - 1) / kNR;
  // In place, only a ragged last panel is packed (a full-width load would run past B's row).
  Scratch bp(static_cast<std::size_t>(kc_max * kNR * (direct ? (N % kNR != 0 ? 1 : 0) : panels)));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      const int64_t full = nc / kNR * kNR;  // columns in whole panels
      if (!direct) pack_b(tb, B, ldb, pc, kc, jc, nc, bp.p);
      else if (full < nc) pack_b(false, B, ldb, pc, kc, jc + full, nc - full, bp.p);
      const bool first = pc == 0, last = pc + kc >= K;
      // One row block of C against the B block. Blocks touch disjoint rows of C and each
      // element is summed in the same order whoever runs it, so results do not depend on the
      // thread count.
      auto row_block = [&](int64_t ic) {
        const int64_t mc = std::min(kMC, M - ic);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int64_t ncols = std::min<int64_t>(kNR, nc - jr);
          PanelJob job{kc, a.rs, a.cs, bp.p + jr * kc, kNR, crs, ccs, ncols, alpha, beta, first, Epilogue{}};
          if (direct) {
            if (jr < full) job.bp = B + pc * ldb + jc + jr, job.bs = ldb;
            else job.bp = bp.p;
          }
          if (last) job.ep = Epilogue{ep.bias ? ep.bias + jc + jr : nullptr, ep.relu, nullptr, ep.ldm};
          const bool masked = last && ep.mask != nullptr;  // only for C stored row-major (ccs == 1)
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int rows = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
            const int64_t i = ic + ir;
            micro_dispatch(rows, job, a.p + i * a.rs + pc * a.cs, C + i * crs + (jc + jr) * ccs,
                           masked ? ep.mask + i * ep.ldm + jc + jr : nullptr);
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

// The epilogue as a pass over a finished C, for the paths that cannot apply it in registers.
void epilogue_pass(int64_t M, int64_t N, float* C, int64_t ldc, const Epilogue& ep) {
  if (!ep.any()) return;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = ep.apply(C[i * ldc + j], i, j);
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
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    }
    epilogue_pass(M, N, C, ldc, ep);
    return;
  }
  const int64_t a_rs = ta ? 1 : lda, a_cs = ta ? lda : 1;
  if (!tb && M <= 4) {
    gemm_rows(M, N, K, alpha, A, a_rs, a_cs, B, ldb, beta, C, ldc, ep);
    return;
  }
  if (K <= 8 && M * N * K < kParallelWork) {
    // A shallow product is K rank-1 updates: stream rows of C against B, kept in L1 (B^T is
    // first copied to [K, N]); register tiles would spend more on their epilogue than on FMAs.
    if (!tb) {
      gemm_rows(M, N, K, alpha, A, a_rs, a_cs, B, ldb, beta, C, ldc, ep);
    } else {
      Scratch bt(static_cast<std::size_t>(K * N));
      for (int64_t j = 0; j < N; ++j) {
        for (int64_t k = 0; k < K; ++k) bt.p[k * N + j] = B[j * ldb + k];
      }
      gemm_rows(M, N, K, alpha, A, a_rs, a_cs, bt.p, N, beta, C, ldc, ep);
    }
    return;
  }
  if (!ta && tb && (N < kVL || M <= 4)) {
    // x W^T with few outputs (value and policy heads) or few rows (acting on one observation).
    // (A mask, which only backward products ask for, runs as a pass here.)
    gemm_dot(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, Epilogue{ep.bias, ep.relu});
    epilogue_pass(M, N, C, ldc, Epilogue{nullptr, false, ep.mask, ep.ldm});
    return;
  }
  if (ta && !tb && N <= 4 && M >= kNR) {
    // g^T x with a handful of columns (the first layer's weight gradient at a small
    // observation): C^T = B^T A, with M along the vectors and A ([K, M]) read in place, lands
    // in a scratch and is copied out transposed.
    Scratch t(static_cast<std::size_t>(N * M));
    gemm_rows(N, M, K, alpha, B, 1, ldb, A, lda, 0.0f, t.p, M, Epilogue{});
    const float* __restrict tp = t.p;
    for (int64_t i = 0; i < M; ++i) {
      float* __restrict c = C + i * ldc;
      for (int64_t j = 0; j < N; ++j) c[j] = beta == 0.0f ? tp[j * M + i] : tp[j * M + i] + beta * c[j];
    }
    epilogue_pass(M, N, C, ldc, ep);
    return;
  }
  if (ta && !tb && N < kNR && M >= kNR) {
    // g^T x with few columns (the first layer's weight gradient): C^T = B^T A has M along the
    // vectors instead of padding N to a panel; A, stored [K, M], is then read in place. The
    // epilogue (bias per column of C, mask) runs as a pass over C.
    blocked(N, M, K, alpha, Strided{B, 1, ldb}, A, false, lda, beta, C, 1, ldc);
    epilogue_pass(M, N, C, ldc, ep);
    return;
  }
  blocked(M, N, K, alpha, Strided{A, a_rs, a_cs}, B, tb, ldb, beta, C, ldc, 1, ep);
}

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  gemm_simple<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS
