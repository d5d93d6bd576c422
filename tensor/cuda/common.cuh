// Helpers shared by the .cu files: layouts of strided views seen from an iteration shape,
// index unravelling on the device, grid sizing and the launch check.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "tensor/cuda/kernels.hpp"
#include "tensor/cuda/runtime.hpp"
#include "tensor/kernels/elementwise_math.hpp"

namespace rlforge::tensor::cuda {

using std::int64_t;

// An iteration shape padded to 4 dims (leading 1s) and a view's element strides over it, with
// stride 0 where the view broadcasts (missing dim or size 1). Passed to kernels by value.
struct Shape4 {
  int64_t d[kMaxDims];
};
struct Layout {
  int64_t st[kMaxDims];
};

inline Shape4 shape4(const TensorShape& s) {
  Shape4 r{{1, 1, 1, 1}};
  const int shift = kMaxDims - s.ndim();
  for (int i = 0; i < s.ndim(); ++i) r.d[shift + i] = s[i];
  return r;
}

// t's strides as seen from any iteration shape t broadcasts to (shapes aligned right).
inline Layout layout(const TensorImpl* t) {
  Layout l{{0, 0, 0, 0}};
  const int shift = kMaxDims - t->shape.ndim();
  for (int i = 0; i < t->shape.ndim(); ++i) l.st[shift + i] = t->shape[i] == 1 ? 0 : t->strides[i];
  return l;
}

// Multi-index of a flat row-major position in s.
struct Index4 {
  int64_t i[kMaxDims];
};
__device__ __forceinline__ Index4 unravel(int64_t flat, const Shape4& s) {
  Index4 r;
#pragma unroll
  for (int d = kMaxDims - 1; d >= 0; --d) {
    r.i[d] = flat % s.d[d];
    flat /= s.d[d];
  }
  return r;
}
__device__ __forceinline__ int64_t at(const Index4& ix, const Layout& l) {
  return ix.i[0] * l.st[0] + ix.i[1] * l.st[1] + ix.i[2] * l.st[2] + ix.i[3] * l.st[3];
}

constexpr int kThreads = 256;
// Grid-stride loops cover any n; the grid is capped so tiny launches stay tiny and huge ones
// do not overflow gridDim.
inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}
__device__ __forceinline__ int64_t thread_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t thread_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Runs f(float{}) or f(double{}) for a float dtype.
template <class F>
void by_float(DType d, F&& f) {
  if (d == DType::f32) f(float{});
  else f(double{});
}

}  // namespace rlforge::tensor::cuda
