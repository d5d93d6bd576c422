// Index arithmetic of the CUDA kernels, written once with RLF_HD so the CPU tests run it: strided
// views seen from a (broadcast) iteration shape, flat-index unravelling, the kept/reduced split of
// a reduction, and the row-major -> column-major (cuBLAS) GEMM argument mapping.
#pragma once
#include <cstdint>

#include "tensor/detail/tensor_impl.hpp"
#include "tensor/kernels/elementwise_math.hpp"

namespace rlforge::tensor::layout {

using std::int64_t;

// An iteration shape padded to 4 dims with leading 1s, and a view's element strides over it
// (0 where the view broadcasts: a missing leading dim or a size-1 dim). Passed to kernels by value.
struct Shape4 {
  int64_t d[kMaxDims];
};
struct Layout {
  int64_t st[kMaxDims];
};
struct Index4 {
  int64_t i[kMaxDims];
};

inline Shape4 shape4(const Shape& s) {
  Shape4 r{{1, 1, 1, 1}};
  const int shift = kMaxDims - s.ndim();
  for (int i = 0; i < s.ndim(); ++i) r.d[shift + i] = s[i];
  return r;
}

// t's strides as seen from any iteration shape t broadcasts to (shapes aligned right).
inline Layout of(const detail::TensorImpl* t) {
  Layout l{{0, 0, 0, 0}};
  const int shift = kMaxDims - t->shape.ndim();
  for (int i = 0; i < t->shape.ndim(); ++i) l.st[shift + i] = t->shape[i] == 1 ? 0 : t->strides[i];
  return l;
}

// Multi-index of a flat row-major position in s (every dim of s >= 1).
RLF_HD Index4 unravel(int64_t flat, const Shape4& s) {
  Index4 r{};
  for (int d = kMaxDims - 1; d >= 0; --d) {
    r.i[d] = flat % s.d[d];
    flat /= s.d[d];
  }
  return r;
}
RLF_HD int64_t at(const Index4& ix, const Layout& l) {
  return ix.i[0] * l.st[0] + ix.i[1] * l.st[1] + ix.i[2] * l.st[2] + ix.i[3] * l.st[3];
}

// A reduction of x over `mask` split into kept dims (output element o, contiguous output) and
// reduced dims (r = 0 .. n_red-1): x's element is at(unravel(o, kept), lk) + at(unravel(r, red), lr).
struct ReducePlan {
  Shape4 kept, red;
  Layout lk, lr;
  int64_t n_out, n_red;
};
inline ReducePlan reduce_plan(const detail::TensorImpl* x, std::uint32_t mask) {
  Shape ks, rs;
  int64_t kst[kMaxDims], rst[kMaxDims];
  int nk = 0, nr = 0;
  for (int d = 0; d < x->shape.ndim(); ++d) {
    if (mask & (1u << d)) {
      rst[nr++] = x->strides[d];
      rs.push_back(x->shape[d]);
    } else {
      kst[nk++] = x->strides[d];
      ks.push_back(x->shape[d]);
    }
  }
  ReducePlan p{shape4(ks), shape4(rs), {{0, 0, 0, 0}}, {{0, 0, 0, 0}}, ks.numel(), rs.numel()};
  for (int i = 0; i < nk; ++i) p.lk.st[kMaxDims - nk + i] = kst[i];
  for (int i = 0; i < nr; ++i) p.lr.st[kMaxDims - nr + i] = rst[i];
  return p;
}

// Row-major C[M,N] = op(A) op(B) is column-major C^T[N,M] = op(B)^T op(A)^T. A row-major X read
// column-major is X^T, so cuBLAS gets B as its first operand and A as its second, each with the
// caller's own transpose flag, m = N, n = M, and the same leading dimensions.
struct ColMajorGemm {
  bool trans_first, trans_second;  // cuBLAS opA, opB
  int64_t m, n, k;
};
inline ColMajorGemm col_major_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K) {
  return {trans_b, trans_a, N, M, K};
}

}  // namespace rlforge::tensor::layout
