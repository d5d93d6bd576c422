// CUDA indexing kernels: gather and its adjoint scatter-add (atomicAdd), index_select and its
// adjoint index_add. Indices are checked on the device; a bad one is reported after a sync with
// the same ShapeError text as the CPU kernels. concat/narrow go through copy (elementwise.cu).
#include <string>

#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

// Records the smallest flat position of an out-of-range index (n if none).
__device__ __forceinline__ void flag_bad(unsigned long long* bad, int64_t pos) {
  atomicMin(bad, static_cast<unsigned long long>(pos));
}

// gather: out[flat] = x[idx with idx[axis] = index[flat]]; scatter: dx[...] += g[flat].
template <class T, bool kScatter>
__global__ void gather_k(Shape4 s, int64_t n, int axis4, int64_t len, const int64_t* index, T* x, Layout lx,
                         T* small, unsigned long long* bad) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    Index4 ix = unravel(i, s);
    const int64_t k = index[i];
    if (k < 0 || k >= len) {
      flag_bad(bad, i);
      continue;
    }
    ix.i[axis4] = k;
    if constexpr (kScatter) atomicAdd(&x[at(ix, lx)], small[i]);
    else small[i] = x[at(ix, lx)];
  }
}

// select: small[o, k, i] = big[o, index[k], i]; add: big[o, index[k], i] += small[o, k, i].
template <class T, bool kAdd>
__global__ void index_rows_k(int64_t outer, int64_t len, int64_t K, int64_t inner, const int64_t* index, T* big,
                             T* small, unsigned long long* bad) {
  const int64_t n = outer * K * inner;
  for (int64_t e = thread_index(); e < n; e += thread_stride()) {
    const int64_t i = e % inner, k = (e / inner) % K, o = e / (inner * K);
    const int64_t row = index[k];
    if (row < 0 || row >= len) {
      flag_bad(bad, k);
      continue;
    }
    T* b = big + (o * len + row) * inner + i;
    if constexpr (kAdd) atomicAdd(b, small[e]);
    else small[e] = *b;
  }
}

// Device flag for the index check; throws the CPU kernels' ShapeError when it was set.
class BadIndex {
 public:
  BadIndex(int device, int64_t none) : dev_(device), none_(static_cast<unsigned long long>(none)) {
    p_ = static_cast<unsigned long long*>(device_alloc(sizeof(unsigned long long), dev_));
    try {
      copy_to_device(p_, &none_, sizeof none_);
    } catch (...) {
      device_free(p_, sizeof(unsigned long long), dev_);
      throw;
    }
  }
  ~BadIndex() { device_free(p_, sizeof(unsigned long long), dev_); }
  BadIndex(const BadIndex&) = delete;
  BadIndex& operator=(const BadIndex&) = delete;
  unsigned long long* get() const { return p_; }
  // Syncs; if an index was out of range, reads it and throws.
  void check(const char* op, const char* what, const TensorImpl* index, int axis, int64_t len,
             const Shape& input) const {
    unsigned long long pos = none_;
    copy_to_host(&pos, p_, sizeof pos);
    if (pos == none_) return;
    int64_t value = 0;
    copy_to_host(&value, index->ptr<int64_t>() + pos, sizeof value);
    throw ShapeError(std::string(op) + ": index " + std::to_string(value) + " at " + what + " " +
                     std::to_string(pos) + " is out of range for axis " + std::to_string(axis) + " of size " +
                     std::to_string(len) + " (input shape " + input.str() + ")");
  }

 private:
  int dev_;
  unsigned long long none_;
  unsigned long long* p_ = nullptr;
};

template <bool kScatter>
void gather_any(const TensorImpl* x, int axis, const TensorImpl* index, const TensorImpl* small) {
  const int64_t n = index->shape.numel();
  if (n == 0) return;
  const int64_t len = x->shape[axis];
  const BadIndex bad(x->storage->device.index, n);
  const int axis4 = kMaxDims - x->shape.ndim() + axis;
  by_float(x->dtype, [&](auto tag) {
    using T = decltype(tag);
    gather_k<T, kScatter><<<blocks_for(n), kThreads>>>(shape4(index->shape), n, axis4, len, index->ptr<int64_t>(),
                                                       x->ptr<T>(), layout(x), small->ptr<T>(), bad.get());
  });
  check_launch(kScatter ? "gather backward" : "gather");
  bad.check(kScatter ? "gather backward" : "gather", "flat position", index, axis, len, x->shape);
}

template <bool kAdd>
void index_rows(const TensorImpl* big, int axis, const TensorImpl* index, const TensorImpl* small) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= big->shape[d];
  for (int d = axis + 1; d < big->shape.ndim(); ++d) inner *= big->shape[d];
  const int64_t len = big->shape[axis], K = index->shape.numel();
  const int64_t n = outer * K * inner;
  if (n == 0) return;
  const BadIndex bad(big->storage->device.index, K);
  by_float(big->dtype, [&](auto tag) {
    using T = decltype(tag);
    index_rows_k<T, kAdd><<<blocks_for(n), kThreads>>>(outer, len, K, inner, index->ptr<int64_t>(), big->ptr<T>(),
                                                       small->ptr<T>(), bad.get());
  });
  check_launch(kAdd ? "index_select backward" : "index_select");
  bad.check(kAdd ? "index_select backward" : "index_select", "position", index, axis, len, big->shape);
}

}  // namespace

void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  gather_any<false>(x, axis, index, out);
}
void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  gather_any<true>(dx, axis, index, g);
}
void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out) {
  index_rows<false>(x, axis, index, out);
}
void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx) {
  index_rows<true>(dx, axis, index, g);
}

}  // namespace rlforge::tensor::cuda
