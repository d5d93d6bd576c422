// Fused optimizer kernels: one launch per parameter tensor updates the parameter and its moment
// buffers in place with the same per-element formulas as the CPU (elementwise_math.hpp).
#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

template <class T>
__global__ void adam_k(int64_t n, T* p, const T* g, T* m, T* v, T lr, T b1, T b2, T eps, T wd, T bc1, T bc2_sqrt) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    p[i] = math::adam_update(p[i], g[i], m[i], v[i], lr, b1, b2, eps, wd, bc1, bc2_sqrt);
  }
}

template <class T>
__global__ void sgd_k(int64_t n, T* p, const T* g, T* buf, bool first, T lr, T mom, T damp, T wd, bool nesterov) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    p[i] = math::sgd_update(p[i], g[i], buf[i], first, lr, mom, damp, wd, nesterov);
  }
}

}  // namespace

void adam_step(DType d, void* p, const void* g, void* m, void* v, std::int64_t n, double lr, double beta1,
               double beta2, double eps, double weight_decay, double bc1, double bc2_sqrt) {
  if (n == 0) return;
  by_float(d, [&](auto tag) {
    using T = decltype(tag);
    adam_k<T><<<blocks_for(n), kThreads>>>(n, static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(m),
                                           static_cast<T*>(v), T(lr), T(beta1), T(beta2), T(eps), T(weight_decay),
                                           T(bc1), T(bc2_sqrt));
  });
  check_launch("adam_step");
}

void sgd_step(DType d, void* p, const void* g, void* buf, bool first, std::int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov) {
  if (n == 0) return;
  by_float(d, [&](auto tag) {
    using T = decltype(tag);
    sgd_k<T><<<blocks_for(n), kThreads>>>(n, static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(buf), first,
                                          T(lr), T(momentum), T(dampening), T(weight_decay), nesterov);
  });
  check_launch("sgd_step");
}

}  // namespace rlforge::tensor::cuda
