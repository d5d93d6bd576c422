// CPU element-wise kernels: unary, binary (broadcasting), comparisons, where, copy, fill,
// in-place accumulation and the non-finite scan. The arithmetic is kernels/elementwise_math.hpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "tensor/cpu/kernels.hpp"
#include "tensor/cpu/strided_loop.hpp"
#include "tensor/kernels/element_type.hpp"
#include "tensor/kernels/elementwise_math.hpp"

namespace rlforge::tensor::cpu {
namespace {

using std::int64_t;

[[noreturn]] void bad_op(const char* where, OpKind op) {
  throw TensorError(std::string("internal: ") + where + " has no kernel for op '" + op_name(op) + "'");
}

// Fills a StridedLoop for operands (out first) all broadcast against out's shape.
StridedLoop make_loop(const TensorImpl* out, std::initializer_list<const TensorImpl*> ins) {
  int64_t st[kMaxOperands][kMaxDims] = {};
  int n = 0;
  broadcast_strides(out->shape, out->shape, out->strides, st[n++]);
  for (const TensorImpl* t : ins) broadcast_strides(out->shape, t->shape, t->strides, st[n++]);
  StridedLoop L;
  L.init(out->shape, n, st);
  return L;
}

// Unary ops whose element costs a few cycles; the others (libm calls) split over threads sooner.
template <class F>
constexpr bool kCheap = std::is_same_v<F, math::NegF> || std::is_same_v<F, math::AbsF> ||
                        std::is_same_v<F, math::ClampF> || std::is_same_v<F, math::ReluF> ||
                        std::is_same_v<F, math::LeakyReluF> || std::is_same_v<F, math::SqrtF>;
template <class F>
constexpr std::int64_t kUnaryParallelMin = kCheap<F> ? kParallelMin : kParallelMinCostly;

// The inner loops below take __restrict pointers so the compiler vectorizes them without
// runtime overlap checks. Outputs are fresh tensors or (in-place callers) exactly an input,
// never a partial overlap, and an element-wise loop reads element i before writing it.

// dst[i] = op(dst[i], src[i]) over dst's shape (src broadcast), for unary ops, copies and
// in-place adds. kPure: dst's old value is not read, so when one short src row repeats into
// contiguous rows the first output row is computed once and then doubled with memcpy (a [2]
// bias into [64, 2] is 6 copies, not 64 two-element loops; rows of 16 or more loop faster).
template <class D, class S, bool kPure, class Op>
void map_into(TensorImpl* dst, const TensorImpl* src, Op op, int64_t min_parallel = kParallelMin) {
  D* o = dst->ptr<D>();
  const S* sp = src->ptr<S>();
  auto contiguous = [op](D* __restrict po, const S* __restrict ps, int64_t n) {
    for (int64_t i = 0; i < n; ++i) po[i] = op(po[i], ps[i]);
  };
  make_loop(dst, {src}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                              const int64_t* s) {
    if (kPure && rows > 1 && n < 16 && s[0] == 1 && s[1] == 1 && rs[0] == n && rs[1] == 0) {
      D* po = o + off[0];
      contiguous(po, sp + off[1], n);
      const int64_t total = rows * n;
      for (int64_t done = n; done < total; done *= 2) {
        std::memcpy(po + done, po, static_cast<std::size_t>(std::min(done, total - done)) * sizeof(D));
      }
      return;
    }
    for (int64_t r = 0; r < rows; ++r) {
      D* po = o + off[0] + r * rs[0];
      const S* ps = sp + off[1] + r * rs[1];
      if (s[0] == 1 && s[1] == 1) {
        contiguous(po, ps, n);
      } else {
        for (int64_t i = 0; i < n; ++i) po[i * s[0]] = op(po[i * s[0]], ps[i * s[1]]);
      }
    }
  }, min_parallel);
}

template <class T, class F>
void unary_fwd(const TensorImpl* x, TensorImpl* out, T p0, T p1) {
  map_into<T, T, true>(out, x, [p0, p1](T, T v) { return F::f(v, p0, p1); }, kUnaryParallelMin<F>);
}

template <class T, class F>
void unary_bwd(const TensorImpl* g, const TensorImpl* x, const TensorImpl* y, TensorImpl* dx, T p0,
               T p1) {
  T* o = dx->ptr<T>();
  const T* gp = g->ptr<T>();
  const T* xp = x->ptr<T>();
  const T* yp = y->ptr<T>();
  auto contiguous = [p0, p1](T* __restrict po, const T* __restrict pg, const T* __restrict px,
                             const T* __restrict py, int64_t n) {
    for (int64_t i = 0; i < n; ++i) po[i] = pg[i] * F::df(px[i], py[i], p0, p1);
  };
  make_loop(dx, {g, x, y}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                                 const int64_t* s) {
    for (int64_t r = 0; r < rows; ++r) {
      T* po = o + off[0] + r * rs[0];
      const T *pg = gp + off[1] + r * rs[1], *px = xp + off[2] + r * rs[2], *py = yp + off[3] + r * rs[3];
      if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1) {  // the common all-contiguous case
        contiguous(po, pg, px, py, n);
      } else {
        for (int64_t i = 0; i < n; ++i) po[i * s[0]] = pg[i * s[1]] * F::df(px[i * s[2]], py[i * s[3]], p0, p1);
      }
    }
  }, kUnaryParallelMin<F>);
}

// out = op(a, b), broadcast: binary ops and comparisons.
template <class T, class Op>
void map_binary(const TensorImpl* a, const TensorImpl* b, TensorImpl* out, Op op) {
  T* o = out->ptr<T>();
  const T* ap = a->ptr<T>();
  const T* bp = b->ptr<T>();
  // The three layouts MLP code hits (same shape, row + bias, tensor op scalar) get loops the
  // compiler vectorizes; anything else takes the general strided loop.
  auto same = [op](T* __restrict po, const T* __restrict pa, const T* __restrict pb, int64_t n) {
    for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
  };
  auto b_scalar = [op](T* __restrict po, const T* __restrict pa, const T bv, int64_t n) {
    for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], bv);
  };
  auto a_scalar = [op](T* __restrict po, const T av, const T* __restrict pb, int64_t n) {
    for (int64_t i = 0; i < n; ++i) po[i] = op(av, pb[i]);
  };
  make_loop(out, {a, b}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                               const int64_t* s) {
    for (int64_t r = 0; r < rows; ++r) {
      T* po = o + off[0] + r * rs[0];
      const T* pa = ap + off[1] + r * rs[1];
      const T* pb = bp + off[2] + r * rs[2];
      if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
        same(po, pa, pb, n);
      } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
        b_scalar(po, pa, pb[0], n);
      } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
        a_scalar(po, pa[0], pb, n);
      } else {
        for (int64_t i = 0; i < n; ++i) po[i * s[0]] = op(pa[i * s[1]], pb[i * s[2]]);
      }
    }
  });
}

template <class T, class F>
void binary_fwd(const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  map_binary<T>(a, b, out, [](T x, T y) { return F::f(x, y); });
}

template <class T, class F>
void binary_bwd(bool which_b, const TensorImpl* g, const TensorImpl* a, const TensorImpl* b,
                const TensorImpl* y, TensorImpl* d) {
  T* o = d->ptr<T>();
  const T* gp = g->ptr<T>();
  const T* ap = a->ptr<T>();
  const T* bp = b->ptr<T>();
  const T* yp = y->ptr<T>();
  auto same = [which_b](T* __restrict po, const T* __restrict pg, const T* __restrict pa, const T* __restrict pb,
                        const T* __restrict py, int64_t n) {
    if (which_b) {
      for (int64_t i = 0; i < n; ++i) po[i] = pg[i] * F::db(pa[i], pb[i], py[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = pg[i] * F::da(pa[i], pb[i], py[i]);
    }
  };
  // Five operands do not fit the loop; y always has d's shape and layout is contiguous like d.
  make_loop(d, {g, a, b}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                                const int64_t* s) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t od = off[0] + r * rs[0];
      const T *pg = gp + off[1] + r * rs[1], *pa = ap + off[2] + r * rs[2], *pb = bp + off[3] + r * rs[3];
      if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1) {  // same shapes, all contiguous
        same(o + od, pg, pa, pb, yp + od, n);
        continue;
      }
      for (int64_t i = 0; i < n; ++i) {
        const T av = pa[i * s[2]], bv = pb[i * s[3]], yv = yp[od + i * s[0]];
        o[od + i * s[0]] = pg[i * s[1]] * (which_b ? F::db(av, bv, yv) : F::da(av, bv, yv));
      }
    }
  });
}

template <class T>
void compare_t(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  map_binary<T>(a, b, out, [k](T x, T y) { return math::compare(k, x, y); });
}

template <class T>
void where_t(const TensorImpl* c, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  T* o = out->ptr<T>();
  const T* cp = c->ptr<T>();
  const T* ap = a->ptr<T>();
  const T* bp = b->ptr<T>();
  make_loop(out, {c, a, b}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                                  const int64_t* s) {
    for (int64_t r = 0; r < rows; ++r) {
      T* po = o + off[0] + r * rs[0];
      const T *pc = cp + off[1] + r * rs[1], *pa = ap + off[2] + r * rs[2], *pb = bp + off[3] + r * rs[3];
      for (int64_t i = 0; i < n; ++i) po[i * s[0]] = pc[i * s[1]] != T(0) ? pa[i * s[2]] : pb[i * s[3]];
    }
  });
}

// Also the bias broadcast of linear ([OUT] into every row of [B, OUT]).
template <class S, class D>
void copy_t(const TensorImpl* src, TensorImpl* dst) {
  map_into<D, S, true>(dst, src, [](D, S v) { return static_cast<D>(v); });
}

template <class T>
void add_inplace_t(TensorImpl* dst, const TensorImpl* src) {
  map_into<T, T, false>(dst, src, [](T d, T v) { return d + v; });
}

template <class T>
int64_t find_non_finite_t(const TensorImpl* t) {
  const T* p = t->ptr<T>();
  int64_t found = -1, flat = 0;
  make_loop(t, {}).run([&](const int64_t* off, int64_t n, const int64_t* s) {
    for (int64_t i = 0; i < n && found < 0; ++i) {
      if (!std::isfinite(p[off[0] + i * s[0]])) found = flat + i;
    }
    flat += n;
  });
  return found;
}

}  // namespace

void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1) {
  const bool known = math::with_unary_functor(op, [&](auto f) {
    using F = decltype(f);
    if (x->dtype == DType::float32) unary_fwd<float, F>(x, out, float(p0), float(p1));
    else unary_fwd<double, F>(x, out, p0, p1);
  });
  if (!known) bad_op("unary_forward", op);
}

void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y,
                    TensorImpl* dx, double p0, double p1) {
  const bool known = math::with_unary_functor(op, [&](auto f) {
    using F = decltype(f);
    if (x->dtype == DType::float32) unary_bwd<float, F>(g, x, y, dx, float(p0), float(p1));
    else unary_bwd<double, F>(g, x, y, dx, p0, p1);
  });
  if (!known) bad_op("unary_backward", op);
}

void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  const bool known = math::with_binary_functor(op, [&](auto f) {
    using F = decltype(f);
    if (a->dtype == DType::float32) binary_fwd<float, F>(a, b, out);
    else binary_fwd<double, F>(a, b, out);
  });
  if (!known) bad_op("binary_forward", op);
}

void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a,
                     const TensorImpl* b, const TensorImpl* y, TensorImpl* d) {
  const bool known = math::with_binary_functor(op, [&](auto f) {
    using F = decltype(f);
    if (a->dtype == DType::float32) binary_bwd<float, F>(which_b, g, a, b, y, d);
    else binary_bwd<double, F>(which_b, g, a, b, y, d);
  });
  if (!known) bad_op("binary_backward", op);
}

void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  if (a->dtype == DType::float32) compare_t<float>(k, a, b, out);
  else compare_t<double>(k, a, b, out);
}

void where(const TensorImpl* c, const TensorImpl* a, const TensorImpl* b, TensorImpl* out) {
  if (a->dtype == DType::float32) where_t<float>(c, a, b, out);
  else where_t<double>(c, a, b, out);
}

void copy(const TensorImpl* src, TensorImpl* dst) {
  // Any pair of the three element types converts.
  with_element_type(src->dtype, [&](auto s) {
    with_element_type(dst->dtype, [&](auto d) { copy_t<decltype(s), decltype(d)>(src, dst); });
  });
}

void fill(TensorImpl* dst, double v) {
  auto go = [&](auto tag) {
    using T = decltype(tag);
    T* o = dst->ptr<T>();
    const T tv = static_cast<T>(v);
    make_loop(dst, {}).run_rows_parallel([&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs,
                                             const int64_t* s) {
      for (int64_t r = 0; r < rows; ++r) {
        T* po = o + off[0] + r * rs[0];
        if (s[0] == 1) std::fill(po, po + n, tv);
        else for (int64_t i = 0; i < n; ++i) po[i * s[0]] = tv;
      }
    });
  };
  if (dst->dtype == DType::float32) go(float{});
  else if (dst->dtype == DType::float64) go(double{});
  else go(int64_t{});
}

void add_inplace(TensorImpl* dst, const TensorImpl* src) {
  if (dst->dtype == DType::float32) add_inplace_t<float>(dst, src);
  else add_inplace_t<double>(dst, src);
}

std::int64_t find_non_finite(const TensorImpl* t) {
  if (t->dtype == DType::float32) return find_non_finite_t<float>(t);
  if (t->dtype == DType::float64) return find_non_finite_t<double>(t);
  return -1;
}

}  // namespace rlforge::tensor::cpu
