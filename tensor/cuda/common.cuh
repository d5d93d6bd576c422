// Helpers shared by the .cu files: the layout arithmetic (kernels/layout.hpp), grid sizing,
// thread indexing and dtype dispatch.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "tensor/cuda/kernels.hpp"
#include "tensor/cuda/runtime.hpp"
#include "tensor/kernels/elementwise_math.hpp"
#include "tensor/kernels/layout.hpp"

namespace rlforge::tensor::cuda {

using std::int64_t;

// Index arithmetic shared with the CPU tests (kernels/layout.hpp).
using layout::Index4;
using layout::Layout;
using layout::Shape4;
using layout::at;
using layout::shape4;
using layout::unravel;
inline Layout layout(const TensorImpl* t) { return layout::of(t); }

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
  if (d == DType::float32) f(float{});
  else f(double{});
}

}  // namespace rlforge::tensor::cuda
