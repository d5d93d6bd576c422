// CPU kernels along axes: sum/max reductions, softmax and log-softmax (forward and backward),
// gather and its adjoint scatter-add, and the mean-reduced losses.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "tensor/cpu/kernels.hpp"
#include "tensor/cpu/strided_loop.hpp"
#include "tensor/kernels/elementwise_math.hpp"

namespace rlforge::tensor::cpu {
namespace {

using std::int64_t;

// A loop over x's shape with operand 0 = out (stride 0 on reduced dims), operand 1 = x.
StridedLoop reduce_loop(const TensorImpl* x, std::uint32_t mask) {
  int64_t st[kMaxOperands][kMaxDims] = {};
  int64_t run = 1;
  for (int d = x->shape.ndim() - 1; d >= 0; --d) {
    if (mask & (1u << d)) {
      st[0][d] = 0;
    } else {
      st[0][d] = x->shape[d] == 1 ? 0 : run;
      run *= x->shape[d];
    }
    st[1][d] = x->shape[d] == 1 ? 0 : x->strides[d];
  }
  StridedLoop L;
  L.init(x->shape, 2, st);
  return L;
}

// kLanes independent double partial sums: the compiler keeps them in vector registers without
// reassociating anything, so the order of additions (and the result) is fixed by the size alone.
constexpr int kLanes = 16;
struct LaneSum {
  double acc[kLanes] = {};
  // Adds term(0..n-1); element i goes to lane i % kLanes of this call.
  template <class G>
  void add(int64_t n, G&& term) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) acc[j] += term(i + j);
    }
    for (int j = 0; i < n; ++i, ++j) acc[j] += term(i);
  }
  template <class T>
  void add_run(const T* x, int64_t n, int64_t s) {
    if (s == 1) add(n, [x](int64_t i) { return static_cast<double>(x[i]); });
    else add(n, [x, s](int64_t i) { return static_cast<double>(x[i * s]); });
  }
  double total() const {  // a fixed pairwise tree over the lanes
    double t[kLanes];
    for (int j = 0; j < kLanes; ++j) t[j] = acc[j];
    for (int w = kLanes / 2; w >= 1; w /= 2) {
      for (int j = 0; j < w; ++j) t[j] += t[j + w];
    }
    return t[0];
  }
};

// Sum of the flat elements [begin, end) of x (operand 1 of L) in double: lane sums over kChunk
// pieces, then the pieces' partials in order; the pieces run in parallel when the range is
// large. Same result for any thread count.
template <class T>
double sum_range(const StridedLoop& L, const T* xp, int64_t begin, int64_t end) {
  auto piece = [&](int64_t b, int64_t e) {
    LaneSum acc;
    L.run_rows(b, e, [&](const int64_t* off, int64_t rows, int64_t n, const int64_t* rs, const int64_t* s) {
      for (int64_t r = 0; r < rows; ++r) acc.add_run(xp + off[1] + r * rs[1], n, s[1]);
    });
    return acc.total();
  };
  const int64_t len = end - begin, pieces = (len + kChunk - 1) / kChunk;
  if (pieces <= 1) return piece(begin, end);
  auto bounds = [&](int64_t k) { return std::min(end, begin + (k + 1) * kChunk); };
  double total = 0;
  if (len < kParallelMin) {
    for (int64_t k = 0; k < pieces; ++k) {
      const double p = piece(begin + k * kChunk, bounds(k));
      total = k == 0 ? p : total + p;
    }
    return total;
  }
  std::vector<double> part(static_cast<std::size_t>(pieces));  // large sums only: no per-step allocation
  tbb::parallel_for(int64_t{0}, pieces, [&](int64_t k) { part[static_cast<std::size_t>(k)] = piece(begin + k * kChunk, bounds(k)); });
  total = part[0];
  for (int64_t k = 1; k < pieces; ++k) total += part[static_cast<std::size_t>(k)];
  return total;
}

// out[c0 .. c0+K) = sums over rows r of x[r * rs + c], accumulated in T row by row. K is fixed
// so the K running sums stay in registers (a bias gradient: x [R, C] summed over axis 0).
template <int K, class T>
void column_block(const T* __restrict x, int64_t R, int64_t rs, T* __restrict o, double scale) {
  T acc[K] = {};
  for (int64_t r = 0; r < R; ++r) {
    const T* px = x + r * rs;
    for (int j = 0; j < K; ++j) acc[j] += px[j];
  }
  for (int j = 0; j < K; ++j) o[j] = scale == 1.0 ? acc[j] : static_cast<T>(acc[j] * scale);
}

// o[0 .. w) = column sums of x rows of width w, streamed row by row (wide rows: one pass over
// memory beats register blocks that re-walk every row); the same T additions in the same order.
template <class T>
void column_range(const T* __restrict x, int64_t R, int64_t w, int64_t rs, T* __restrict o, double scale) {
  for (int64_t j = 0; j < w; ++j) o[j] = T(0);
  for (int64_t r = 0; r < R; ++r) {
    const T* px = x + r * rs;
    for (int64_t j = 0; j < w; ++j) o[j] += px[j];
  }
  if (scale != 1.0) {
    for (int64_t j = 0; j < w; ++j) o[j] = static_cast<T>(o[j] * scale);
  }
}

// All C columns. Narrow rows (bias gradients of RL-sized layers): blocks of 64 in registers, the
// rest in blocks of 32, 16, ..., 1. Wide rows: one streamed range of columns per thread (a
// single pass over memory; re-walking every row per 256-column block measured 25% slower). Each
// column's sum is the same whichever block holds it, so blocking by thread count is safe here.
template <class T>
void column_sums(const T* x, int64_t R, int64_t C, int64_t rs, T* o, double scale) {
  constexpr int64_t kCols = 64, kWide = 256;
  const bool parallel = R * C >= kParallelMin;
  if (C > kWide) {
    const int64_t threads = parallel ? std::max(1, tbb::this_task_arena::max_concurrency()) : 1;
    const int64_t width = ((C + threads - 1) / threads + 15) / 16 * 16;
    auto range = [&](int64_t k) {
      const int64_t c0 = k * width;
      column_range(x + c0, R, std::min(width, C - c0), rs, o + c0, scale);
    };
    const int64_t ranges = (C + width - 1) / width;
    if (ranges > 1) tbb::parallel_for(int64_t{0}, ranges, range);
    else range(0);
    return;
  }
  const int64_t blocks = C / kCols;
  auto full = [&](int64_t k) { column_block<kCols>(x + k * kCols, R, rs, o + k * kCols, scale); };
  if (parallel && blocks > 1) {
    tbb::parallel_for(int64_t{0}, blocks, full);
  } else {
    for (int64_t k = 0; k < blocks; ++k) full(k);
  }
  int64_t c = blocks * kCols;
  const int64_t w = C - c;
  auto part = [&](auto width_tag) {
    constexpr int K = decltype(width_tag)::value;
    if (w & K) {
      column_block<K>(x + c, R, rs, o + c, scale);
      c += K;
    }
  };
  part(std::integral_constant<int, 32>{});
  part(std::integral_constant<int, 16>{});
  part(std::integral_constant<int, 8>{});
  part(std::integral_constant<int, 4>{});
  part(std::integral_constant<int, 2>{});
  part(std::integral_constant<int, 1>{});
}

template <class T>
void reduce_sum_t(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale) {
  T* o = out->ptr<T>();
  const T* xp = x->ptr<T>();
  const int64_t n_out = out->shape.numel();
  const StridedLoop L = reduce_loop(x, mask);
  const int64_t total = L.numel();
  const int last = L.nd - 1;
  if (total > 0 && (L.nd == 0 || (L.st[0][last] == 0 && (L.nd == 1 || (L.nd == 2 && L.st[0][0] == 1))))) {
    // Every output is one run of the innermost (merged) dim: a full sum or row sums, in double
    // (long float32 sums, a batch of 4096, lose digits otherwise).
    const int64_t run = L.nd == 0 ? 1 : L.shape[last];
    auto one = [&](int64_t k) { o[k] = math::scaled_sum<T>(sum_range(L, xp, k * run, (k + 1) * run), scale); };
    if (n_out > 1 && total >= kParallelMin && run < kParallelMin) {
      tbb::parallel_for(int64_t{0}, n_out, one);
    } else {
      for (int64_t k = 0; k < n_out; ++k) one(k);
    }
    return;
  }
  if (total > 0 && L.nd == 2 && L.st[0][0] == 0 && L.st[0][1] == 1 && L.st[1][1] == 1) {
    column_sums(xp, L.shape[0], L.shape[1], L.st[1][0], o, scale);
    return;
  }
  for (int64_t i = 0; i < n_out; ++i) o[i] = T(0);
  reduce_loop(x, mask).run([&](const int64_t* off, int64_t n, const int64_t* s) {
    if (s[0] == 0) {
      double acc = 0;
      for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(xp[off[1] + i * s[1]]);
      o[off[0]] += static_cast<T>(acc);
    } else {
      for (int64_t i = 0; i < n; ++i) o[off[0] + i * s[0]] += xp[off[1] + i * s[1]];
    }
  });
  if (scale != 1.0) {
    for (int64_t i = 0; i < n_out; ++i) o[i] = static_cast<T>(o[i] * scale);
  }
}

template <class T>
void reduce_max_t(const TensorImpl* x, std::uint32_t mask, TensorImpl* out) {
  T* o = out->ptr<T>();
  const T* xp = x->ptr<T>();
  const int64_t n_out = out->shape.numel();
  for (int64_t i = 0; i < n_out; ++i) o[i] = -std::numeric_limits<T>::infinity();
  // NaN wins, as in torch.
  reduce_loop(x, mask).run([&](const int64_t* off, int64_t n, const int64_t* s) {
    for (int64_t i = 0; i < n; ++i) {
      const T v = xp[off[1] + i * s[1]];
      T& r = o[off[0] + i * s[0]];
      r = math::max_step(r, v);
    }
  });
}

// outer x axis x inner decomposition of a contiguous shape.
void split_axis(const Shape& s, int axis, int64_t& outer, int64_t& len, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (int d = axis + 1; d < s.ndim(); ++d) inner *= s[d];
  len = s[axis];
}

template <class T>
void softmax_t(const TensorImpl* x, int axis, bool log, TensorImpl* out) {
  int64_t outer, len, inner;
  split_axis(x->shape, axis, outer, len, inner);
  const T* xp = x->ptr<T>();
  T* o = out->ptr<T>();
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t b = 0; b < inner; ++b) {
      const T* px = xp + a * len * inner + b;
      T* po = o + a * len * inner + b;
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < len; ++k) mx = px[k * inner] > mx ? px[k * inner] : mx;
      T sum = 0;
      for (int64_t k = 0; k < len; ++k) {
        const T e = std::exp(px[k * inner] - mx);
        sum += e;
        if (!log) po[k * inner] = e;
      }
      if (log) {
        const T lse = mx + std::log(sum);
        for (int64_t k = 0; k < len; ++k) po[k * inner] = px[k * inner] - lse;
      } else {
        const T inv = T(1) / sum;
        for (int64_t k = 0; k < len; ++k) po[k * inner] *= inv;
      }
    }
  }
}

template <class T>
void argmax_t(const TensorImpl* x, int axis, TensorImpl* out) {
  int64_t outer, len, inner;
  split_axis(x->shape, axis, outer, len, inner);
  const T* xp = x->ptr<T>();
  int64_t* o = out->ptr<int64_t>();
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t b = 0; b < inner; ++b) {
      const T* px = xp + a * len * inner + b;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        if (math::argmax_takes(px[best * inner], px[k * inner])) best = k;
      }
      o[a * inner + b] = best;
    }
  }
}

template <class T>
void softmax_backward_t(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx) {
  int64_t outer, len, inner;
  split_axis(y->shape, axis, outer, len, inner);
  const T* gp = g->ptr<T>();
  const T* yp = y->ptr<T>();
  T* o = dx->ptr<T>();
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t b = 0; b < inner; ++b) {
      const int64_t base = a * len * inner + b;
      T dot = 0;
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = base + k * inner;
        dot += math::softmax_dot_term(gp[i], yp[i], log);
      }
      for (int64_t k = 0; k < len; ++k) {
        const int64_t i = base + k * inner;
        o[i] = math::softmax_grad(gp[i], yp[i], dot, log);
      }
    }
  }
}

// Visits every element of a contiguous 4-D padded shape, passing its multi-index.
template <class F>
void for_each_index(const Shape& s, F&& f) {
  int64_t dims[kMaxDims] = {1, 1, 1, 1};
  const int shift = kMaxDims - s.ndim();
  for (int d = 0; d < s.ndim(); ++d) dims[d + shift] = s[d];
  int64_t flat = 0;
  int64_t idx[kMaxDims];
  for (idx[0] = 0; idx[0] < dims[0]; ++idx[0])
    for (idx[1] = 0; idx[1] < dims[1]; ++idx[1])
      for (idx[2] = 0; idx[2] < dims[2]; ++idx[2])
        for (idx[3] = 0; idx[3] < dims[3]; ++idx[3]) f(flat++, idx + shift);
}

template <class T, bool kScatter>
void gather_t(const TensorImpl* x_or_dx, int axis, const TensorImpl* index, const TensorImpl* out_or_g) {
  // Gather: out[idx] = x[idx with idx[axis] = index[idx]]. Scatter-add: dx[...] += g[idx].
  const int64_t* ip = index->ptr<int64_t>();
  T* xp = x_or_dx->ptr<T>();
  T* op = out_or_g->ptr<T>();
  const int nd = index->shape.ndim();
  const int64_t len = x_or_dx->shape[axis];
  for_each_index(index->shape, [&](int64_t flat, const int64_t* idx) {
    const int64_t k = ip[flat];
    if (k < 0 || k >= len) {
      throw ShapeError(std::string(kScatter ? "gather backward" : "gather") + ": index " +
                       std::to_string(k) + " at flat position " + std::to_string(flat) +
                       " is out of range for axis " + std::to_string(axis) + " of size " +
                       std::to_string(len) + " (input shape " + x_or_dx->shape.str() + ")");
    }
    int64_t xo = 0;
    for (int d = 0; d < nd; ++d) xo += (d == axis ? k : idx[d]) * x_or_dx->strides[d];
    if constexpr (kScatter) xp[xo] += op[flat];
    else op[flat] = xp[xo];
  });
}

template <class T, bool kAdd>
void index_rows_t(const TensorImpl* big, int axis, const TensorImpl* index, const TensorImpl* small) {
  // select: small[o, k, i] = big[o, index[k], i]; add: big[o, index[k], i] += small[o, k, i].
  int64_t outer, len, inner;
  split_axis(big->shape, axis, outer, len, inner);
  const int64_t K = index->shape.numel();
  const int64_t* ip = index->ptr<int64_t>();
  for (int64_t k = 0; k < K; ++k) {
    if (ip[k] < 0 || ip[k] >= len) {
      throw ShapeError(std::string(kAdd ? "index_select backward" : "index_select") + ": index " +
                       std::to_string(ip[k]) + " at position " + std::to_string(k) + " is out of range for axis " +
                       std::to_string(axis) + " of size " + std::to_string(len) + " (input shape " +
                       big->shape.str() + ")");
    }
  }
  T* bp = big->ptr<T>();
  T* sp = small->ptr<T>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < K; ++k) {
      T* b = bp + (o * len + ip[k]) * inner;
      T* s = sp + (o * K + k) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if constexpr (kAdd) b[i] += s[i];
        else s[i] = b[i];
      }
    }
  }
}

template <class T>
double loss_value(OpKind op, const TensorImpl* p, const TensorImpl* t, double delta) {
  const T* pp = p->ptr<T>();
  const T* tp = t->ptr<T>();
  const int64_t n = p->shape.numel();
  LaneSum acc;
  if (op == OpKind::MseLoss) {
    acc.add(n, [pp, tp](int64_t i) { return static_cast<double>(math::squared_error(pp[i] - tp[i])); });
  } else {
    const T dl = T(delta);
    acc.add(n, [pp, tp, dl](int64_t i) { return static_cast<double>(math::huber(pp[i] - tp[i], dl)); });
  }
  return acc.total() / static_cast<double>(n);
}

template <class T>
void loss_backward_t(OpKind op, const TensorImpl* p, const TensorImpl* t, double delta, double gscale,
                     TensorImpl* dp) {
  const T* pp = p->ptr<T>();
  const T* tp = t->ptr<T>();
  T* o = dp->ptr<T>();
  const int64_t n = p->shape.numel();
  const T scale = static_cast<T>(gscale / static_cast<double>(n));
  for (int64_t i = 0; i < n; ++i) {
    const T d = pp[i] - tp[i];
    o[i] = scale * (op == OpKind::MseLoss ? math::squared_error_grad(d) : math::huber_grad(d, T(delta)));
  }
}

}  // namespace

void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale) {
  if (x->dtype == DType::float32) reduce_sum_t<float>(x, mask, out, scale);
  else reduce_sum_t<double>(x, mask, out, scale);
}

void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out) {
  if (x->dtype == DType::float32) reduce_max_t<float>(x, mask, out);
  else reduce_max_t<double>(x, mask, out);
}

void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out) {
  if (x->dtype == DType::float32) softmax_t<float>(x, axis, log, out);
  else softmax_t<double>(x, axis, log, out);
}

void argmax(const TensorImpl* x, int axis, TensorImpl* out) {
  if (x->dtype == DType::float32) argmax_t<float>(x, axis, out);
  else argmax_t<double>(x, axis, out);
}

void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx) {
  if (y->dtype == DType::float32) softmax_backward_t<float>(g, y, axis, log, dx);
  else softmax_backward_t<double>(g, y, axis, log, dx);
}

void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  if (x->dtype == DType::float32) gather_t<float, false>(x, axis, index, out);
  else gather_t<double, false>(x, axis, index, out);
}

void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  if (dx->dtype == DType::float32) gather_t<float, true>(dx, axis, index, g);
  else gather_t<double, true>(dx, axis, index, g);
}

void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  if (x->dtype == DType::float32) index_rows_t<float, false>(x, axis, index, out);
  else index_rows_t<double, false>(x, axis, index, out);
}

void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  if (dx->dtype == DType::float32) index_rows_t<float, true>(dx, axis, index, g);
  else index_rows_t<double, true>(dx, axis, index, g);
}

void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out) {
  if (pred->dtype == DType::float32) *out->ptr<float>() = static_cast<float>(loss_value<float>(OpKind::MseLoss, pred, target, 0));
  else *out->ptr<double>() = loss_value<double>(OpKind::MseLoss, pred, target, 0);
}

void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out) {
  if (pred->dtype == DType::float32) *out->ptr<float>() = static_cast<float>(loss_value<float>(OpKind::HuberLoss, pred, target, delta));
  else *out->ptr<double>() = loss_value<double>(OpKind::HuberLoss, pred, target, delta);
}

void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta,
                   double gscale, TensorImpl* dpred) {
  if (pred->dtype == DType::float32) loss_backward_t<float>(op, pred, target, delta, gscale, dpred);
  else loss_backward_t<double>(op, pred, target, delta, gscale, dpred);
}

}  // namespace rlforge::tensor::cpu
