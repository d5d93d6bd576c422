// Device dispatch for every kernel (see dispatch.hpp). The same code with and without CUDA in the
// build: a tensor is on a CUDA device only once the CUDA library was loaded (storage_new loads
// it), so a CUDA branch always finds the table, and without CUDA it is never taken.
#include "tensor/kernels/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/isa.hpp"
#include "tensor/cpu/gemm.hpp"
#include "tensor/cpu/strided_loop.hpp"

#include "tensor/kernels/cuda_loader.hpp"

namespace rlforge::tensor::kern {
namespace {

bool on_cuda(const TensorImpl* t) { return t->storage->device.type == DeviceType::CUDA; }
bool on_cuda(Device d) { return d.type == DeviceType::CUDA; }
int device_index(const TensorImpl* t) { return t->storage->device.index; }
int device_index(Device d) { return d.index; }
// The table (loaded: see the file comment), with `where`'s device made current on this thread
// first. Kernels, cuBLAS and copies run on the thread's current device, which is device 0 on a
// thread that never allocated, so every CUDA call goes through here, not only allocation.
template <class Where>
const cuda::Backend& gpu(const Where& where) {
  const cuda::Backend& b = *cuda_loaded();
  b.require_device(device_index(where));  // a thread-local compare once the device is current
  return b;
}
#define RLF_DISPATCH(where, call) \
  if (on_cuda(where)) {           \
    gpu(where).call;              \
  } else {                        \
    cpu::call;                    \
  }

template <class T, class... Ep>
void cpu_gemm_batched(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const void* A,
                      std::int64_t lda, std::int64_t sa, const void* B, std::int64_t ldb, std::int64_t sb,
                      double beta, void* C, std::int64_t ldc, std::int64_t sc, std::int64_t batch, const Ep&... ep) {
  for (std::int64_t i = 0; i < batch; ++i) {
    cpu::gemm(ta, tb, M, N, K, static_cast<T>(alpha), static_cast<const T*>(A) + i * sa, lda,
              static_cast<const T*>(B) + i * sb, ldb, static_cast<T>(beta), static_cast<T*>(C) + i * sc, ldc, ep...);
  }
}

// src and dst on different devices: convert/broadcast into a contiguous staging tensor on the
// source device, move the bytes, and scatter into dst's layout on its device if dst is a view.
void cross_device_copy(const TensorImpl* src, TensorImpl* dst) {
  const Tensor stage = detail::adopt(detail::impl_new(dst->shape, dst->dtype, src->storage->device));
  copy(src, stage.impl());
  const std::size_t bytes = static_cast<std::size_t>(dst->shape.numel()) * dtype_size(dst->dtype);
  Tensor landing;
  TensorImpl* target = dst;
  if (!dst->contiguous()) {
    landing = detail::adopt(detail::impl_new(dst->shape, dst->dtype, dst->storage->device));
    target = landing.impl();
  }
  if (on_cuda(dst)) gpu(dst).copy_to_device(target->raw(), stage.impl()->raw(), bytes);
  else gpu(src).copy_to_host(target->raw(), stage.impl()->raw(), bytes);
  if (target != dst) copy(target, dst);
}

// body(begin, end) over [0, n): in cpu::kChunk pieces on the caller's TBB arena once n reaches
// min_parallel. Only for element-wise updates, where the split cannot change a result.
template <class F>
void for_chunks(std::int64_t n, std::int64_t min_parallel, F&& body) {
  if (n < min_parallel) {
    body(std::int64_t{0}, n);
    return;
  }
  tbb::parallel_for(std::int64_t{0}, (n + cpu::kChunk - 1) / cpu::kChunk,
                    [&](std::int64_t k) { body(k * cpu::kChunk, std::min(n, (k + 1) * cpu::kChunk)); });
}

// dst = a dst + b src. __restrict lets the loop vectorize without overlap checks; clipping
// passes dst as its own src, which gets a one-pointer loop.
template <class T>
void axpby_run(T* __restrict p, T a, const T* __restrict s, T b, std::int64_t n) {
  if (static_cast<const T*>(p) == s) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = math::axpby(a, p[i], b, p[i]);
  } else {
    for (std::int64_t i = 0; i < n; ++i) p[i] = math::axpby(a, p[i], b, s[i]);
  }
}
template <class T>
void axpby_cpu(T* p, T a, const T* s, T b, std::int64_t n) {
  for_chunks(n, cpu::kParallelMin, [&](std::int64_t i0, std::int64_t i1) { axpby_run(p + i0, a, s + i0, b, i1 - i0); });
}

}  // namespace

void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1) {
  RLF_DISPATCH(out, unary_forward(op, x, out, p0, p1));
}
void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y, TensorImpl* dx,
                    double p0, double p1) {
  RLF_DISPATCH(dx, unary_backward(op, g, x, y, dx, p0, p1));
}
void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  RLF_DISPATCH(out, binary_forward(op, a, b, out));
}
void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a, const TensorImpl* b,
                     const TensorImpl* y, TensorImpl* d) {
  RLF_DISPATCH(d, binary_backward(op, which_b, g, a, b, y, d));
}
void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  RLF_DISPATCH(out, compare(k, a, b, out));
}
void where(const TensorImpl* cond, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  RLF_DISPATCH(out, where(cond, a, b, out));
}
void copy(const TensorImpl* src, TensorImpl* dst) {
  if (src->storage->device.type != dst->storage->device.type) {
    cross_device_copy(src, dst);
    return;
  }
  RLF_DISPATCH(dst, copy(src, dst));
}
void fill(TensorImpl* dst, double v) { RLF_DISPATCH(dst, fill(dst, v)); }
void add_inplace(TensorImpl* dst, const TensorImpl* src) { RLF_DISPATCH(dst, add_inplace(dst, src)); }
void axpby(TensorImpl* dst, double a, const TensorImpl* src, double b) {
  if (on_cuda(dst)) {
    gpu(dst).axpby(dst, a, src, b);
    return;
  }
  // On the CPU the callers' data is contiguous (checked by them); the formula is shared.
  const std::int64_t n = dst->shape.numel();
  if (dst->dtype == DType::float32) axpby_cpu(dst->ptr<float>(), static_cast<float>(a), src->ptr<float>(), static_cast<float>(b), n);
  else axpby_cpu(dst->ptr<double>(), a, src->ptr<double>(), b, n);
}
std::int64_t find_non_finite(const TensorImpl* t) {
  if (on_cuda(t)) return gpu(t).find_non_finite(t);
  return cpu::find_non_finite(t);
}
void argmax(const TensorImpl* x, int axis, TensorImpl* out) { RLF_DISPATCH(out, argmax(x, axis, out)); }
void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale) {
  RLF_DISPATCH(out, reduce_sum(x, mask, out, scale));
}
void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out) {
  RLF_DISPATCH(out, reduce_max(x, mask, out));
}
void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out) { RLF_DISPATCH(out, softmax(x, axis, log, out)); }
void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx) {
  RLF_DISPATCH(dx, softmax_backward(g, y, axis, log, dx));
}
void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  RLF_DISPATCH(out, gather(x, axis, index, out));
}
void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  RLF_DISPATCH(dx, scatter_add(g, axis, index, dx));
}
void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  RLF_DISPATCH(out, index_select(x, axis, index, out));
}
void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  RLF_DISPATCH(dx, index_add(g, axis, index, dx));
}
void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out) {
  RLF_DISPATCH(out, mse_loss(pred, target, out));
}
void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out) {
  RLF_DISPATCH(out, huber_loss(pred, target, delta, out));
}
void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta, const TensorImpl* g,
                   TensorImpl* dpred) {
  if (on_cuda(dpred)) {
    gpu(dpred).loss_backward(op, pred, target, delta, g, dpred);
    return;
  }
  const double gscale = g->dtype == DType::float32 ? static_cast<double>(*g->ptr<float>()) : *g->ptr<double>();
  cpu::loss_backward(op, pred, target, delta, gscale, dpred);
}

void gemm(Device dev, DType d, bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
          const void* A, std::int64_t lda, std::int64_t sa, const void* B, std::int64_t ldb, std::int64_t sb,
          double beta, void* C, std::int64_t ldc, std::int64_t sc, std::int64_t batch, const void* bias, bool relu,
          const void* mask, std::int64_t ldm) {
  if ((bias != nullptr || relu || mask != nullptr) && !gemm_epilogue_supported(dev, d)) {
    throw TensorError(std::string("internal: gemm bias/relu/mask epilogue requested for ") + std::string(dtype_name(d)) + " on " +
                      dev.str() + " (CPU float32 only)");
  }
  if (on_cuda(dev)) {
    gpu(dev).gemm(d, ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
    return;
  }
  if (d == DType::float32) {
    const cpu::Epilogue ep{static_cast<const float*>(bias), relu, static_cast<const float*>(mask), ldm};
    cpu_gemm_batched<float>(ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch, ep);
  } else {
    cpu_gemm_batched<double>(ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
  }
}

bool gemm_epilogue_supported(Device dev, DType d) { return dev.type == DeviceType::CPU && d == DType::float32; }

void conv2d_forward(Device dev, DType d, const void* x, const void* w, const void* b, const ConvGeometry& g,
                    void* cols, void* out) {
  if (on_cuda(dev)) {
    gpu(dev).conv2d_forward(d, x, w, b, g, cols, out);
    return;
  }
  if (d == DType::float32) {
    cpu::conv2d_forward(static_cast<const float*>(x), static_cast<const float*>(w), static_cast<const float*>(b), g,
                        static_cast<float*>(cols), static_cast<float*>(out));
  } else {
    cpu::conv2d_forward(static_cast<const double*>(x), static_cast<const double*>(w), static_cast<const double*>(b),
                        g, static_cast<double*>(cols), static_cast<double*>(out));
  }
}

void conv2d_backward(Device dev, DType d, const void* gout, const void* x, const void* w, const ConvGeometry& g,
                     void* cols, void* dcols, void* dx, void* dw, void* db) {
  if (on_cuda(dev)) {
    gpu(dev).conv2d_backward(d, gout, x, w, g, cols, dcols, dx, dw, db);
    return;
  }
  if (d == DType::float32) {
    cpu::conv2d_backward(static_cast<const float*>(gout), static_cast<const float*>(x), static_cast<const float*>(w),
                         g, static_cast<float*>(cols), static_cast<float*>(dcols), static_cast<float*>(dx),
                         static_cast<float*>(dw), static_cast<float*>(db));
  } else {
    cpu::conv2d_backward(static_cast<const double*>(gout), static_cast<const double*>(x),
                         static_cast<const double*>(w), g, static_cast<double*>(cols), static_cast<double*>(dcols),
                         static_cast<double*>(dx), static_cast<double*>(dw), static_cast<double*>(db));
  }
}

namespace {
// The scalars of one Adam step, rounded to T exactly as the update uses them (so the CUDA
// kernel, which receives them as doubles, sees the same values as the CPU loop).
template <class T>
struct AdamScalars {
  T lr, b1, b2, eps, wd, bc1, bc2_sqrt;
};
template <class T>
AdamScalars<T> adam_scalars(double lr, double b1, double b2, double eps, double wd, std::int64_t step) {
  // Every parameter tensor of one optimizer step asks for the same beta^t: two pow() calls per
  // tensor cost as much as the update of a 64-element bias, so the last pair is remembered.
  thread_local struct {
    double b1 = -1, b2 = -1;
    std::int64_t step = -1;
    double p1 = 0, p2 = 0;
  } memo;
  if (memo.step != step || memo.b1 != b1 || memo.b2 != b2) {
    const auto t = static_cast<double>(step);
    memo = {b1, b2, step, std::pow(b1, t), std::pow(b2, t)};
  }
  return {static_cast<T>(lr), static_cast<T>(b1), static_cast<T>(b2), static_cast<T>(eps), static_cast<T>(wd),
          T(1) - static_cast<T>(memo.p1), static_cast<T>(std::sqrt(1.0 - memo.p2))};
}
// The CPU Adam loop. __restrict: the four arrays are distinct tensors, so it vectorizes with no
// overlap checks. Once sqrt(1 - beta2^t) rounds to 1 (float32: after ~17k steps) the division by it
// is exact and dropped, saving one of the loop's two divisions.
// Always inlined into one caller per ISA (core/isa.hpp), each vectorizing it for its own vector
// width; no FMA contraction, so every ISA computes the same values.
template <class T, bool kUnitBc2>
[[gnu::always_inline]] inline void adam_lanes(T* __restrict p, const T* __restrict g, T* __restrict m,
                                              T* __restrict v, std::int64_t n, const AdamScalars<T>& s) {
  const T bc2 = kUnitBc2 ? T(1) : s.bc2_sqrt;  // a constant 1 the compiler divides by for free
  for (std::int64_t i = 0; i < n; ++i) {
    p[i] = math::adam_update(p[i], g[i], m[i], v[i], s.lr, s.b1, s.b2, s.eps, s.wd, s.bc1, bc2);
  }
}
template <class T, bool kUnitBc2>
RLFORGE_TARGET_AVX512 void adam_avx512(T* p, const T* g, T* m, T* v, std::int64_t n, const AdamScalars<T>& s) {
  adam_lanes<T, kUnitBc2>(p, g, m, v, n, s);
}
template <class T, bool kUnitBc2>
RLFORGE_TARGET_AVX2 void adam_avx2(T* p, const T* g, T* m, T* v, std::int64_t n, const AdamScalars<T>& s) {
  adam_lanes<T, kUnitBc2>(p, g, m, v, n, s);
}
template <class T, bool kUnitBc2>
void adam_cpu(T* p, const T* g, T* m, T* v, std::int64_t n, const AdamScalars<T>& s) {
  switch (active_isa()) {
    case Isa::avx512: adam_avx512<T, kUnitBc2>(p, g, m, v, n, s); break;
    case Isa::avx2: adam_avx2<T, kUnitBc2>(p, g, m, v, n, s); break;
    case Isa::baseline: adam_lanes<T, kUnitBc2>(p, g, m, v, n, s); break;
  }
}
template <class T>
void adam_t(Device dev, void* pv, const void* gv, void* mv, void* vv, std::int64_t n, const AdamScalars<T>& s) {
  if (on_cuda(dev)) {
    gpu(dev).adam_step(std::is_same_v<T, float> ? DType::float32 : DType::float64, pv, gv, mv, vv, n, s.lr, s.b1, s.b2,
                    s.eps, s.wd, s.bc1, s.bc2_sqrt);
    return;
  }
  T* p = static_cast<T*>(pv);
  const T* g = static_cast<const T*>(gv);
  T* m = static_cast<T*>(mv);
  T* v = static_cast<T*>(vv);
  // A division and a square root an element: worth a second thread from 2^15 elements.
  for_chunks(n, cpu::kParallelMinCostly, [&](std::int64_t i0, std::int64_t i1) {
    if (s.bc2_sqrt == T(1)) adam_cpu<T, true>(p + i0, g + i0, m + i0, v + i0, i1 - i0, s);
    else adam_cpu<T, false>(p + i0, g + i0, m + i0, v + i0, i1 - i0, s);
  });
}
template <class T>
void sgd_run(T* __restrict p, const T* __restrict g, T* __restrict buf, bool first, std::int64_t n, T lr, T mom,
             T damp, T wd, bool nesterov) {
  for (std::int64_t i = 0; i < n; ++i) p[i] = math::sgd_update(p[i], g[i], buf[i], first, lr, mom, damp, wd, nesterov);
}
template <class T>
void sgd_cpu(T* p, const T* g, T* buf, bool first, std::int64_t n, T lr, T mom, T damp, T wd, bool nesterov) {
  for_chunks(n, cpu::kParallelMin, [&](std::int64_t i0, std::int64_t i1) {
    sgd_run(p + i0, g + i0, buf + i0, first, i1 - i0, lr, mom, damp, wd, nesterov);
  });
}
}  // namespace

void adam_step(Device dev, DType d, void* p, const void* g, void* m, void* v, std::int64_t n, double lr, double beta1,
               double beta2, double eps, double weight_decay, std::int64_t step) {
  if (d == DType::float32) adam_t<float>(dev, p, g, m, v, n, adam_scalars<float>(lr, beta1, beta2, eps, weight_decay, step));
  else adam_t<double>(dev, p, g, m, v, n, adam_scalars<double>(lr, beta1, beta2, eps, weight_decay, step));
}

void sgd_step(Device dev, DType d, void* p, const void* g, void* buf, bool first, std::int64_t n, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov) {
  if (on_cuda(dev)) {
    gpu(dev).sgd_step(d, p, g, buf, first, n, lr, momentum, dampening, weight_decay, nesterov);
    return;
  }
  if (d == DType::float32) {
    sgd_cpu<float>(static_cast<float*>(p), static_cast<const float*>(g), static_cast<float*>(buf), first, n,
                   static_cast<float>(lr), static_cast<float>(momentum), static_cast<float>(dampening),
                   static_cast<float>(weight_decay), nesterov);
  } else {
    sgd_cpu<double>(static_cast<double*>(p), static_cast<const double*>(g), static_cast<double*>(buf), first, n, lr,
                    momentum, dampening, weight_decay, nesterov);
  }
}

}  // namespace rlforge::tensor::kern
