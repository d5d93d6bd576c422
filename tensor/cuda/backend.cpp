// The table librlforge_tensor_cuda.so hands to the loader (see backend.hpp). Built into that
// library only, with -Werror=missing-field-initializers so that no entry can be left null.
#include "tensor/cuda/backend.hpp"

namespace rlforge::tensor::cuda {
namespace {

constexpr Backend kBackend{
    .version = kBackendVersion,
    .require_device = &require_device,
    .device_alloc = &device_alloc,
    .device_free = &device_free,
    .device_trim = &device_trim,
    .device_cache_stats = &device_cache_stats,
    .copy_to_device = &copy_to_device,
    .copy_to_host = &copy_to_host,
    .unary_forward = &unary_forward,
    .unary_backward = &unary_backward,
    .binary_forward = &binary_forward,
    .binary_backward = &binary_backward,
    .compare = &compare,
    .where = &where,
    .copy = &copy,
    .fill = &fill,
    .add_inplace = &add_inplace,
    .axpby = &axpby,
    .find_non_finite = &find_non_finite,
    .reduce_sum = &reduce_sum,
    .reduce_max = &reduce_max,
    .argmax = &argmax,
    .softmax = &softmax,
    .softmax_backward = &softmax_backward,
    .gather = &gather,
    .scatter_add = &scatter_add,
    .index_select = &index_select,
    .index_add = &index_add,
    .mse_loss = &mse_loss,
    .huber_loss = &huber_loss,
    .loss_backward = &loss_backward,
    .gemm = &gemm,
    .conv2d_forward = &conv2d_forward,
    .conv2d_backward = &conv2d_backward,
    .adam_step = &adam_step,
    .sgd_step = &sgd_step,
};

}  // namespace
}  // namespace rlforge::tensor::cuda

extern "C" const rlforge::tensor::cuda::Backend* rlforge_tensor_cuda_backend() {
  return &rlforge::tensor::cuda::kBackend;
}
