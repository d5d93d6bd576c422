// cuda::Backend: tensor/'s CUDA kernels and runtime services as one table of function pointers.
// The table is all the CPU side of tensor/ knows of librlforge_tensor_cuda.so, the library that
// holds them and links cudart and cuBLAS; kernels/cuda_loader.cpp loads it on first CUDA use, so
// a process that never asks for CUDA never maps the CUDA runtime. Plain C++, no CUDA headers.
#pragma once
#include "tensor/cuda/kernels.hpp"
#include "tensor/cuda/runtime.hpp"

namespace rlforge::tensor::cuda {

// Bumped whenever an entry is added, removed or changes type: the loader refuses a library whose
// table has another layout (one left over from an older build, say).
constexpr int kBackendVersion = 1;

// Each entry has the type and the contract of its namesake in cuda/runtime.hpp or
// cuda/kernels.hpp (qualified, since a member may not change the meaning of a name it uses).
struct Backend {
  int version;
  // runtime.hpp
  decltype(&cuda::require_device) require_device;
  decltype(&cuda::device_alloc) device_alloc;
  decltype(&cuda::device_free) device_free;
  decltype(&cuda::device_trim) device_trim;
  decltype(&cuda::device_cache_stats) device_cache_stats;
  decltype(&cuda::copy_to_device) copy_to_device;
  decltype(&cuda::copy_to_host) copy_to_host;
  // kernels.hpp: elementwise.cu
  decltype(&cuda::unary_forward) unary_forward;
  decltype(&cuda::unary_backward) unary_backward;
  decltype(&cuda::binary_forward) binary_forward;
  decltype(&cuda::binary_backward) binary_backward;
  decltype(&cuda::compare) compare;
  decltype(&cuda::where) where;
  decltype(&cuda::copy) copy;
  decltype(&cuda::fill) fill;
  decltype(&cuda::add_inplace) add_inplace;
  decltype(&cuda::axpby) axpby;
  decltype(&cuda::find_non_finite) find_non_finite;
  // reduce.cu
  decltype(&cuda::reduce_sum) reduce_sum;
  decltype(&cuda::reduce_max) reduce_max;
  decltype(&cuda::argmax) argmax;
  decltype(&cuda::softmax) softmax;
  decltype(&cuda::softmax_backward) softmax_backward;
  // indexing.cu
  decltype(&cuda::gather) gather;
  decltype(&cuda::scatter_add) scatter_add;
  decltype(&cuda::index_select) index_select;
  decltype(&cuda::index_add) index_add;
  // loss.cu
  decltype(&cuda::mse_loss) mse_loss;
  decltype(&cuda::huber_loss) huber_loss;
  decltype(&cuda::loss_backward) loss_backward;
  // matmul.cu, conv.cu, optim.cu
  decltype(&cuda::gemm) gemm;
  decltype(&cuda::conv2d_forward) conv2d_forward;
  decltype(&cuda::conv2d_backward) conv2d_backward;
  decltype(&cuda::adam_step) adam_step;
  decltype(&cuda::sgd_step) sgd_step;
};

}  // namespace rlforge::tensor::cuda

// The library's one entry point, looked up by this name (C linkage: no mangling) with dlsym.
extern "C" const rlforge::tensor::cuda::Backend* rlforge_tensor_cuda_backend();
