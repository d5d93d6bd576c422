// CUDA loss kernels: mean squared error and Huber (mean over all elements, accumulated in double
// by one block), and their gradient, scaled by the output gradient read on the device.
#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

constexpr int kLossThreads = 256;

template <class T, bool kHuber>
__global__ void loss_k(int64_t n, const T* p, const T* t, T delta, T* out) {
  __shared__ double part[kLossThreads];
  double acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const T d = p[i] - t[i];
    acc += static_cast<double>(kHuber ? math::huber(d, delta) : math::squared_error(d));
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = static_cast<T>(part[0] / static_cast<double>(n));
}

template <class T, bool kHuber>
__global__ void loss_bwd_k(int64_t n, const T* p, const T* t, T delta, const T* g, T* dp) {
  const T scale = static_cast<T>(static_cast<double>(g[0]) / static_cast<double>(n));
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const T d = p[i] - t[i];
    dp[i] = scale * (kHuber ? math::huber_grad(d, delta) : math::squared_error_grad(d));
  }
}

template <bool kHuber>
void loss_any(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out) {
  const int64_t n = pred->shape.numel();
  by_float(pred->dtype, [&](auto tag) {
    using T = decltype(tag);
    loss_k<T, kHuber><<<1, kLossThreads>>>(n, pred->ptr<T>(), target->ptr<T>(), T(delta), out->ptr<T>());
  });
  check_launch(kHuber ? "huber_loss" : "mse_loss");
}

}  // namespace

void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out) {
  loss_any<false>(pred, target, 0.0, out);
}
void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out) {
  loss_any<true>(pred, target, delta, out);
}

void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta, const TensorImpl* g,
                   TensorImpl* dpred) {
  const int64_t n = pred->shape.numel();
  if (n == 0) return;
  by_float(pred->dtype, [&](auto tag) {
    using T = decltype(tag);
    if (op == OpKind::HuberLoss) {
      loss_bwd_k<T, true><<<blocks_for(n), kThreads>>>(n, pred->ptr<T>(), target->ptr<T>(), T(delta), g->ptr<T>(),
                                                        dpred->ptr<T>());
    } else {
      loss_bwd_k<T, false><<<blocks_for(n), kThreads>>>(n, pred->ptr<T>(), target->ptr<T>(), T(delta), g->ptr<T>(),
                                                         dpred->ptr<T>());
    }
  });
  check_launch(op == OpKind::HuberLoss ? "huber_loss backward" : "mse_loss backward");
}

}  // namespace rlforge::tensor::cuda
