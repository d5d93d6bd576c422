// StridedLoop: walks up to 4 operands over a common (broadcast) shape of up to 4 dims, handing
// the innermost run to a typed kernel. Adjacent dims are merged when every operand allows it,
// so contiguous tensors become one flat run.
#pragma once
#include <cstdint>

#include "tensor/tensor.hpp"

namespace rlforge::tensor::cpu {

constexpr int kMaxOperands = 4;

struct StridedLoop {
  int nd = 0;  // dims after merging (0 means a single element)
  int nops = 0;
  bool empty = false;  // some dim is 0: nothing to visit
  std::int64_t shape[kMaxDims] = {1, 1, 1, 1};
  std::int64_t st[kMaxOperands][kMaxDims] = {};  // elements; 0 where an operand broadcasts

  // Operand strides are given against `shape` (already right-aligned and broadcast-expanded:
  // size-1 dims carry stride 0). Merges dims and drops size-1 dims.
  void init(const TensorShape& s, int n_operands, const std::int64_t (*strides)[kMaxDims]) {
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
inline void broadcast_strides(const TensorShape& out, const TensorShape& ts, const std::int64_t* tst,
                              std::int64_t* res) {
  const int shift = out.ndim() - ts.ndim();
  for (int d = 0; d < out.ndim(); ++d) {
    const int td = d - shift;
    res[d] = (td < 0 || ts[td] == 1) ? 0 : tst[td];
  }
}

}  // namespace rlforge::tensor::cpu
