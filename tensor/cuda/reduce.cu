// CUDA kernels along axes: sum/max over an axis mask (one block per output element, tree
// reduction in shared memory), argmax, and softmax / log-softmax forward and backward (one
// thread per row: RL action rows are short, and the row order keeps argmax's tie rule).
#include <cfloat>

#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

constexpr int kReduceThreads = 128;

using layout::ReducePlan;
ReducePlan plan(const TensorImpl* x, std::uint32_t mask) { return layout::reduce_plan(x, mask); }

// Sums in double whatever T is (as the CPU reference does for long float32 runs).
template <class T>
__global__ void sum_k(ReducePlan p, const T* x, T* out, double scale) {
  __shared__ double part[kReduceThreads];
  for (int64_t o = blockIdx.x; o < p.n_out; o += gridDim.x) {
    const int64_t base = at(unravel(o, p.kept), p.lk);
    double acc = 0;
    for (int64_t r = threadIdx.x; r < p.n_red; r += blockDim.x) acc += static_cast<double>(x[base + at(unravel(r, p.red), p.lr)]);
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
      if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = math::scaled_sum<T>(part[0], scale);  // one rounding, as the CPU
    __syncthreads();
  }
}

template <class T>
__global__ void max_k(ReducePlan p, const T* x, T* out) {
  __shared__ T part[kReduceThreads];
  for (int64_t o = blockIdx.x; o < p.n_out; o += gridDim.x) {
    const int64_t base = at(unravel(o, p.kept), p.lk);
    T m = -INFINITY;
    for (int64_t r = threadIdx.x; r < p.n_red; r += blockDim.x) m = math::max_step(m, x[base + at(unravel(r, p.red), p.lr)]);
    part[threadIdx.x] = m;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
      if (threadIdx.x < w) part[threadIdx.x] = math::max_step(part[threadIdx.x], part[threadIdx.x + w]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[o] = part[0];
    __syncthreads();
  }
}

struct Rows {
  int64_t outer, len, inner;
};
Rows rows_of(const Shape& s, int axis) {
  Rows r{1, s[axis], 1};
  for (int d = 0; d < axis; ++d) r.outer *= s[d];
  for (int d = axis + 1; d < s.ndim(); ++d) r.inner *= s[d];
  return r;
}

template <class T>
__global__ void argmax_k(Rows r, const T* x, int64_t* out) {
  for (int64_t row = thread_index(); row < r.outer * r.inner; row += thread_stride()) {
    const int64_t a = row / r.inner, b = row % r.inner;
    const T* px = x + a * r.len * r.inner + b;
    int64_t best = 0;
    for (int64_t k = 1; k < r.len; ++k) {
      if (math::argmax_takes(px[best * r.inner], px[k * r.inner])) best = k;
    }
    out[row] = best;
  }
}

template <class T>
__global__ void softmax_k(Rows r, const T* x, T* out, bool log) {
  for (int64_t row = thread_index(); row < r.outer * r.inner; row += thread_stride()) {
    const int64_t a = row / r.inner, b = row % r.inner;
    const T* px = x + a * r.len * r.inner + b;
    T* po = out + a * r.len * r.inner + b;
    T mx = -INFINITY;
    for (int64_t k = 0; k < r.len; ++k) mx = px[k * r.inner] > mx ? px[k * r.inner] : mx;
    T sum = 0;
    for (int64_t k = 0; k < r.len; ++k) {
      const T e = exp(px[k * r.inner] - mx);
      sum += e;
      if (!log) po[k * r.inner] = e;
    }
    if (log) {
      const T lse = mx + ::log(sum);
      for (int64_t k = 0; k < r.len; ++k) po[k * r.inner] = px[k * r.inner] - lse;
    } else {
      const T inv = T(1) / sum;
      for (int64_t k = 0; k < r.len; ++k) po[k * r.inner] *= inv;
    }
  }
}

template <class T>
__global__ void softmax_bwd_k(Rows r, const T* g, const T* y, T* dx, bool log) {
  for (int64_t row = thread_index(); row < r.outer * r.inner; row += thread_stride()) {
    const int64_t base = (row / r.inner) * r.len * r.inner + row % r.inner;
    T dot = 0;
    for (int64_t k = 0; k < r.len; ++k) {
      const int64_t i = base + k * r.inner;
      dot += math::softmax_dot_term(g[i], y[i], log);
    }
    for (int64_t k = 0; k < r.len; ++k) {
      const int64_t i = base + k * r.inner;
      dx[i] = math::softmax_grad(g[i], y[i], dot, log);
    }
  }
}

unsigned reduce_blocks(int64_t n_out) { return static_cast<unsigned>(n_out < 65535 ? (n_out < 1 ? 1 : n_out) : 65535); }

}  // namespace

void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale) {
  const ReducePlan p = plan(x, mask);
  if (p.n_out == 0) return;
  by_float(x->dtype, [&](auto tag) {
    using T = decltype(tag);
    sum_k<T><<<reduce_blocks(p.n_out), kReduceThreads>>>(p, x->ptr<T>(), out->ptr<T>(), scale);
  });
  check_launch("sum");
}

void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out) {
  const ReducePlan p = plan(x, mask);
  if (p.n_out == 0) return;
  by_float(x->dtype, [&](auto tag) {
    using T = decltype(tag);
    max_k<T><<<reduce_blocks(p.n_out), kReduceThreads>>>(p, x->ptr<T>(), out->ptr<T>());
  });
  check_launch("max");
}

void argmax(const TensorImpl* x, int axis, TensorImpl* out) {
  const Rows r = rows_of(x->shape, axis);
  if (r.outer * r.inner == 0) return;
  by_float(x->dtype, [&](auto tag) {
    using T = decltype(tag);
    argmax_k<T><<<blocks_for(r.outer * r.inner), kThreads>>>(r, x->ptr<T>(), out->ptr<int64_t>());
  });
  check_launch("argmax");
}

void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out) {
  const Rows r = rows_of(x->shape, axis);
  if (r.outer * r.inner * r.len == 0) return;
  by_float(x->dtype, [&](auto tag) {
    using T = decltype(tag);
    softmax_k<T><<<blocks_for(r.outer * r.inner), kThreads>>>(r, x->ptr<T>(), out->ptr<T>(), log);
  });
  check_launch(log ? "log_softmax" : "softmax");
}

void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx) {
  const Rows r = rows_of(y->shape, axis);
  if (r.outer * r.inner * r.len == 0) return;
  by_float(y->dtype, [&](auto tag) {
    using T = decltype(tag);
    softmax_bwd_k<T><<<blocks_for(r.outer * r.inner), kThreads>>>(r, g->ptr<T>(), y->ptr<T>(), dx->ptr<T>(), log);
  });
  check_launch(log ? "log_softmax backward" : "softmax backward");
}

}  // namespace rlforge::tensor::cuda
