// CUDA element-wise kernels: unary and broadcasting binary ops with their derivatives, comparisons,
// where, copies (any layouts, dtype conversion), fill, accumulation, axpby and the non-finite scan.
// One thread per output element over a grid-stride loop; the arithmetic is elementwise_math.hpp.
#include <string>

#include "tensor/cuda/common.cuh"
#include "tensor/kernels/element_type.hpp"

namespace rlforge::tensor::cuda {
namespace {

[[noreturn]] void bad_op(const char* where, OpKind op) {
  throw TensorError(std::string("internal: CUDA ") + where + " has no kernel for op '" + op_name(op) + "'");
}

template <class T, class F>
__global__ void unary_fwd_k(Shape4 s, int64_t n, const T* x, Layout lx, T* o, Layout lo, T p0, T p1) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    o[at(ix, lo)] = F::f(x[at(ix, lx)], p0, p1);
  }
}

template <class T, class F>
__global__ void unary_bwd_k(Shape4 s, int64_t n, const T* g, Layout lg, const T* x, Layout lx, const T* y,
                            Layout ly, T* o, Layout lo, T p0, T p1) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    o[at(ix, lo)] = g[at(ix, lg)] * F::df(x[at(ix, lx)], y[at(ix, ly)], p0, p1);
  }
}

template <class T, class F>
__global__ void binary_fwd_k(Shape4 s, int64_t n, const T* a, Layout la, const T* b, Layout lb, T* o, Layout lo) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    o[at(ix, lo)] = F::f(a[at(ix, la)], b[at(ix, lb)]);
  }
}

template <class T, class F>
__global__ void binary_bwd_k(Shape4 s, int64_t n, bool which_b, const T* g, Layout lg, const T* a, Layout la,
                             const T* b, Layout lb, const T* y, Layout ly, T* o, Layout lo) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    const T av = a[at(ix, la)], bv = b[at(ix, lb)], yv = y[at(ix, ly)];
    o[at(ix, lo)] = g[at(ix, lg)] * (which_b ? F::db(av, bv, yv) : F::da(av, bv, yv));
  }
}

template <class T>
__global__ void compare_k(Shape4 s, int64_t n, math::CompareKind k, const T* a, Layout la, const T* b, Layout lb,
                          T* o, Layout lo) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    o[at(ix, lo)] = math::compare(k, a[at(ix, la)], b[at(ix, lb)]);
  }
}

template <class T>
__global__ void where_k(Shape4 s, int64_t n, const T* c, Layout lc, const T* a, Layout la, const T* b, Layout lb,
                        T* o, Layout lo) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    o[at(ix, lo)] = c[at(ix, lc)] != T(0) ? a[at(ix, la)] : b[at(ix, lb)];
  }
}

template <class S, class D>
__global__ void copy_k(Shape4 s, int64_t n, const S* src, Layout ls, D* dst, Layout ld) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    dst[at(ix, ld)] = static_cast<D>(src[at(ix, ls)]);
  }
}

template <class T>
__global__ void fill_k(Shape4 s, int64_t n, T* dst, Layout ld, T v) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) dst[at(unravel(i, s), ld)] = v;
}

template <class T>
__global__ void axpby_k(Shape4 s, int64_t n, T* dst, Layout ld, T a, const T* src, Layout ls, T b) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    const Index4 ix = unravel(i, s);
    T& d = dst[at(ix, ld)];
    d = math::axpby(a, d, b, src[at(ix, ls)]);
  }
}

template <class T>
__global__ void scale_k(Shape4 s, int64_t n, T* dst, Layout ld, double c) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    T& d = dst[at(unravel(i, s), ld)];
    d = math::scale(d, c);
  }
}

// The smallest flat position holding NaN/Inf, via atomicMin on an unsigned (n if none).
template <class T>
__global__ void non_finite_k(Shape4 s, int64_t n, const T* x, Layout lx, unsigned long long* first) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    if (!isfinite(x[at(unravel(i, s), lx)])) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

// Launch geometry of an element-wise kernel over `iter`.
struct Launch {
  Shape4 s;
  int64_t n;
  unsigned blocks;
};
Launch over(const Shape& iter) {
  const int64_t n = iter.numel();
  return {shape4(iter), n, blocks_for(n)};
}

template <class S, class D>
void copy_t(const TensorImpl* src, TensorImpl* dst) {
  const Launch L = over(dst->shape);
  if (L.n == 0) return;
  copy_k<S, D><<<L.blocks, kThreads>>>(L.s, L.n, src->ptr<S>(), layout(src), dst->ptr<D>(), layout(dst));
  check_launch("copy");
}

}  // namespace

void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1) {
  const Launch L = over(out->shape);
  if (L.n == 0) return;
  const bool known = math::with_unary_functor(op, [&](auto f) {
    using F = decltype(f);
    by_float(x->dtype, [&](auto tag) {
      using T = decltype(tag);
      unary_fwd_k<T, F><<<L.blocks, kThreads>>>(L.s, L.n, x->ptr<T>(), layout(x), out->ptr<T>(), layout(out), T(p0),
                                                T(p1));
    });
  });
  if (!known) bad_op("unary_forward", op);
  check_launch(op_name(op));
}

void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y,
                    TensorImpl* dx, double p0, double p1) {
  const Launch L = over(dx->shape);
  if (L.n == 0) return;
  const bool known = math::with_unary_functor(op, [&](auto f) {
    using F = decltype(f);
    by_float(x->dtype, [&](auto tag) {
      using T = decltype(tag);
      unary_bwd_k<T, F><<<L.blocks, kThreads>>>(L.s, L.n, g->ptr<T>(), layout(g), x->ptr<T>(), layout(x),
                                                y->ptr<T>(), layout(y), dx->ptr<T>(), layout(dx), T(p0), T(p1));
    });
  });
  if (!known) bad_op("unary_backward", op);
  check_launch(op_name(op));
}

void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  const Launch L = over(out->shape);
  if (L.n == 0) return;
  const bool known = math::with_binary_functor(op, [&](auto f) {
    using F = decltype(f);
    by_float(a->dtype, [&](auto tag) {
      using T = decltype(tag);
      binary_fwd_k<T, F><<<L.blocks, kThreads>>>(L.s, L.n, a->ptr<T>(), layout(a), b->ptr<T>(), layout(b),
                                                 out->ptr<T>(), layout(out));
    });
  });
  if (!known) bad_op("binary_forward", op);
  check_launch(op_name(op));
}

void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a,
                     const TensorImpl* b, const TensorImpl* y, TensorImpl* d) {
  const Launch L = over(d->shape);
  if (L.n == 0) return;
  const bool known = math::with_binary_functor(op, [&](auto f) {
    using F = decltype(f);
    by_float(a->dtype, [&](auto tag) {
      using T = decltype(tag);
      binary_bwd_k<T, F><<<L.blocks, kThreads>>>(L.s, L.n, which_b, g->ptr<T>(), layout(g), a->ptr<T>(), layout(a),
                                                 b->ptr<T>(), layout(b), y->ptr<T>(), layout(y), d->ptr<T>(),
                                                 layout(d));
    });
  });
  if (!known) bad_op("binary_backward", op);
  check_launch(op_name(op));
}

void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  const Launch L = over(out->shape);
  if (L.n == 0) return;
  by_float(a->dtype, [&](auto tag) {
    using T = decltype(tag);
    compare_k<T><<<L.blocks, kThreads>>>(L.s, L.n, k, a->ptr<T>(), layout(a), b->ptr<T>(), layout(b), out->ptr<T>(),
                                         layout(out));
  });
  check_launch("compare");
}

void where(const TensorImpl* c, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  const Launch L = over(out->shape);
  if (L.n == 0) return;
  by_float(a->dtype, [&](auto tag) {
    using T = decltype(tag);
    where_k<T><<<L.blocks, kThreads>>>(L.s, L.n, c->ptr<T>(), layout(c), a->ptr<T>(), layout(a), b->ptr<T>(),
                                       layout(b), out->ptr<T>(), layout(out));
  });
  check_launch("where");
}

void copy(const TensorImpl* src, TensorImpl* dst) {
  // Any pair of the three element types converts.
  with_element_type(src->dtype, [&](auto s) {
    with_element_type(dst->dtype, [&](auto d) { copy_t<decltype(s), decltype(d)>(src, dst); });
  });
}

void fill(TensorImpl* dst, double v) {
  const Launch L = over(dst->shape);
  if (L.n == 0) return;
  auto go = [&](auto tag) {
    using T = decltype(tag);
    fill_k<T><<<L.blocks, kThreads>>>(L.s, L.n, dst->ptr<T>(), layout(dst), static_cast<T>(v));
  };
  if (dst->dtype == DType::float32) go(float{});
  else if (dst->dtype == DType::float64) go(double{});
  else go(int64_t{});
  check_launch("fill");
}

void add_inplace(TensorImpl* dst, const TensorImpl* src) { axpby(dst, 1.0, src, 1.0); }

void axpby(TensorImpl* dst, double a, const TensorImpl* src, double b) {
  const Launch L = over(dst->shape);
  if (L.n == 0) return;
  by_float(dst->dtype, [&](auto tag) {
    using T = decltype(tag);
    if (b == 0.0 && src == dst) {  // dst *= a (gradient clipping): math::scale, as the CPU clips
      scale_k<T><<<L.blocks, kThreads>>>(L.s, L.n, dst->ptr<T>(), layout(dst), a);
      return;
    }
    axpby_k<T><<<L.blocks, kThreads>>>(L.s, L.n, dst->ptr<T>(), layout(dst), T(a), src->ptr<T>(), layout(src), T(b));
  });
  check_launch("axpby");
}

std::int64_t find_non_finite(const TensorImpl* t) {
  const Launch L = over(t->shape);
  if (L.n == 0 || t->dtype == DType::int64) return -1;
  const int dev = t->storage->device.index;
  auto* first = static_cast<unsigned long long*>(device_alloc(sizeof(unsigned long long), dev));
  const auto none = static_cast<unsigned long long>(L.n);
  copy_to_device(first, &none, sizeof none);
  by_float(t->dtype, [&](auto tag) {
    using T = decltype(tag);
    non_finite_k<T><<<L.blocks, kThreads>>>(L.s, L.n, t->ptr<T>(), layout(t), first);
  });
  unsigned long long found = none;
  try {
    check_launch("find_non_finite");
    copy_to_host(&found, first, sizeof found);
  } catch (...) {
    device_free(first, sizeof(unsigned long long), dev);
    throw;
  }
  device_free(first, sizeof(unsigned long long), dev);
  return found == none ? -1 : static_cast<std::int64_t>(found);
}

}  // namespace rlforge::tensor::cuda
