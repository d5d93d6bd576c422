// StridedLoop: walks up to 4 operands over a common (broadcast) shape of up to 4 dims, handing
// the innermost run to a typed kernel. Adjacent dims are merged when every operand allows it,
// so contiguous tensors become one flat run. Large loops split over the caller's TBB arena in
// chunks whose boundaries depend only on the element count.
#pragma once
#include <algorithm>
#include <cstdint>

#include <tbb/parallel_for.h>

#include "tensor/tensor.hpp"

namespace rlforge::tensor::cpu {

constexpr int kMaxOperands = 4;
// Element-wise loops and reductions of at least this many elements run on the caller's TBB
// arena. Measured on the 2-core dev box with the other core busy (relu, mul, sum): at 2^16 the
// fork still loses (2.5 us serial vs 4.2 us), at 2^17 it wins (7.7 vs 5.6 us).
constexpr std::int64_t kParallelMin = std::int64_t{1} << 17;
// The same for ops that cost tens of cycles an element (libm exp/tanh/log...): sigmoid over 2^15
// elements took 162 us serial, 69 us on two threads.
constexpr std::int64_t kParallelMinCostly = std::int64_t{1} << 15;
// The unit of parallel work, fixed so that chunk boundaries (and so a reduction's partial sums)
// depend only on sizes, never on the thread count.
constexpr std::int64_t kChunk = std::int64_t{1} << 14;

struct StridedLoop {
  int nd = 0;  // dims after merging (0 means a single element)
  int nops = 0;
  bool empty = false;  // some dim is 0: nothing to visit
  std::int64_t shape[kMaxDims] = {1, 1, 1, 1};
  std::int64_t st[kMaxOperands][kMaxDims] = {};  // elements; 0 where an operand broadcasts

  // Operand strides are given against `shape` (already right-aligned and broadcast-expanded:
  // size-1 dims carry stride 0). Merges dims and drops size-1 dims.
  void init(const Shape& s, int n_operands, const std::int64_t (*strides)[kMaxDims]) {
    nops = n_operands;
    nd = 0;
    empty = false;
    for (int d = 0; d < s.ndim(); ++d) {
      if (s[d] == 0) empty = true;
      if (s[d] == 1) continue;
      if (nd > 0) {
        bool merge = true;
        for (int o = 0; o < nops; ++o) {
          if (st[o][nd - 1] != strides[o][d] * s[d]) merge = false;
        }
        if (merge) {
          shape[nd - 1] *= s[d];
          for (int o = 0; o < nops; ++o) st[o][nd - 1] = strides[o][d];
          continue;
        }
      }
      shape[nd] = s[d];
      for (int o = 0; o < nops; ++o) st[o][nd] = strides[o][d];
      ++nd;
    }
  }

  std::int64_t numel() const {
    if (empty) return 0;
    std::int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= shape[d];
    return n;
  }

  // Visits the flat elements [begin, end) (row-major over the merged dims) as blocks of `rows`
  // runs of `n` elements: f(offsets, rows, n, row_strides, inner_strides), offsets per operand.
  // Rows are the second-innermost dim, so a 2-D contiguous or row-broadcast op is one call.
  template <class F>
  void run_rows(std::int64_t begin, std::int64_t end, F&& f) const {
    const std::int64_t n = nd >= 1 ? shape[nd - 1] : 1;
    const std::int64_t R = nd >= 2 ? shape[nd - 2] : 1;
    std::int64_t inner[kMaxOperands] = {0, 0, 0, 0}, row_st[kMaxOperands] = {0, 0, 0, 0};
    for (int o = 0; o < nops; ++o) {
      if (nd >= 1) inner[o] = st[o][nd - 1];
      if (nd >= 2) row_st[o] = st[o][nd - 2];
    }
    std::int64_t e = begin;
    while (e < end) {
      // (Divisions cost ~20 ns per op at RL sizes: a whole 1-D or 2-D loop starts at 0 and never
      // divides.)
      const std::int64_t c = e == 0 ? 0 : e % n, rr = e == 0 ? 0 : e / n, r = rr == 0 ? 0 : rr % R;
      // Offsets of run rr: unravel the outer index over dims nd-3..0, plus row r.
      std::int64_t off[kMaxOperands] = {0, 0, 0, 0};
      std::int64_t outer = rr < R ? 0 : rr / R;
      for (int d = nd - 3; d >= 0 && outer > 0; --d) {
        const std::int64_t i = outer % shape[d];
        outer /= shape[d];
        for (int o = 0; o < nops; ++o) off[o] += i * st[o][d];
      }
      for (int o = 0; o < nops; ++o) off[o] += r * row_st[o] + c * inner[o];
      if (c != 0 || end - e < n) {  // a partial run at a chunk edge
        const std::int64_t len = std::min(n - c, end - e);
        f(off, std::int64_t{1}, len, row_st, inner);
        e += len;
      } else {
        const std::int64_t k = end - e >= (R - r) * n ? R - r : (end - e) / n;
        f(off, k, n, row_st, inner);
        e += k * n;
      }
    }
  }

  // run_rows over every element; on the caller's TBB arena in kChunk pieces when large. f must
  // only write elements it is handed (the pieces run concurrently).
  template <class F>
  void run_rows_parallel(F&& f, std::int64_t min_parallel = kParallelMin) const {
    const std::int64_t total = numel();
    if (total < min_parallel) {
      run_rows(0, total, f);
      return;
    }
    tbb::parallel_for(std::int64_t{0}, (total + kChunk - 1) / kChunk, [&](std::int64_t k) {
      run_rows(k * kChunk, std::min(total, (k + 1) * kChunk), f);
    });
  }

  // Calls f(offsets, n, inner_strides) for every innermost run; offsets are per operand.
  template <class F>
  void run(F&& f) const {
    if (empty) return;
    std::int64_t off[kMaxOperands] = {0, 0, 0, 0};
    if (nd == 0) {
      const std::int64_t one[kMaxOperands] = {0, 0, 0, 0};
      f(off, std::int64_t{1}, one);
      return;
    }
    const int last = nd - 1;
    const std::int64_t* inner = nullptr;
    std::int64_t inner_st[kMaxOperands] = {0, 0, 0, 0};
    for (int o = 0; o < nops; ++o) inner_st[o] = st[o][last];
    inner = inner_st;
    std::int64_t idx[kMaxDims] = {0, 0, 0, 0};
    while (true) {
      f(off, shape[last], inner);
      int d = last - 1;
      for (; d >= 0; --d) {
        ++idx[d];
        for (int o = 0; o < nops; ++o) off[o] += st[o][d];
        if (idx[d] < shape[d]) break;
        for (int o = 0; o < nops; ++o) off[o] -= st[o][d] * shape[d];
        idx[d] = 0;
      }
      if (d < 0) return;
    }
  }
};

// Strides of `t` (shape ts, strides tst) seen against the broadcast shape `out`: right-aligned,
// 0 for dims that t lacks or where t has size 1.
inline void broadcast_strides(const Shape& out, const Shape& ts, const std::int64_t* tst,
                              std::int64_t* res) {
  const int shift = out.ndim() - ts.ndim();
  for (int d = 0; d < out.ndim(); ++d) {
    const int td = d - shift;
    res[d] = (td < 0 || ts[td] == 1) ? 0 : tst[td];
  }
}

}  // namespace rlforge::tensor::cpu
