// TensorImpl, Storage and Node: the pooled, reference-counted objects behind Tensor and the tape.
// Internal to tensor/ (agents use tensor.hpp and ops.hpp).
#pragma once
#include <atomic>
#include <cstdint>

#include "tensor/autograd/op_kind.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor::detail {

// A buffer with its header in one pool block: [Storage (64 B)][data ...].
struct alignas(64) Storage {
  std::atomic<std::int32_t> refs{1};
  Device device;
  std::size_t bytes = 0;  // usable bytes after the header
  void* data = nullptr;
  // Bumped by every tracked in-place write (copy_, fill_, optimizer steps, Polyak updates);
  // backward compares it with the value recorded when an op saved this storage.
  std::uint32_t version = 0;
};
Storage* storage_new(std::size_t bytes, Device dev);
inline void storage_retain(Storage* s) { s->refs.fetch_add(1, std::memory_order_relaxed); }
void storage_release(Storage* s) noexcept;

struct Node;

struct TensorImpl {
  std::atomic<std::int32_t> refs{1};
  DType dtype = DType::float32;
  bool requires_grad = false;
  std::uint32_t visit = 0;  // backward sweep epoch, for the topological sort
  Shape shape;
  std::int64_t strides[kMaxDims] = {0, 0, 0, 0};  // elements
  std::int64_t offset = 0;                       // elements from storage->data
  Storage* storage = nullptr;                    // owned reference
  TensorImpl* grad = nullptr;                    // leaf gradient (owned)
  // zero_grad() deferred its fill: grad's contents read as zero. Backward then takes over or
  // overwrites the buffer instead of adding to zeros; grad() fills it if it is read first.
  bool grad_stale = false;
  // This gradient already went through the derivative of the relu that made the tensor it is
  // the gradient of (folded into the GEMM that produced it): that relu's backward skips its pass.
  bool relu_masked = false;
  TensorImpl* pending = nullptr;                 // gradient flowing during backward (owned)
  Node* grad_fn = nullptr;                       // op that made this tensor (owned)

  void* raw() const {
    return static_cast<char*>(storage->data) + offset * static_cast<std::int64_t>(dtype_size(dtype));
  }
  template <class T>
  T* ptr() const { return static_cast<T*>(raw()); }
  bool contiguous() const;
};

// Allocates an impl over new contiguous storage (contents uninitialized).
TensorImpl* impl_new(const Shape& s, DType d, Device dev);
// A view over `base`'s storage with the given layout (no history).
TensorImpl* impl_view(const TensorImpl* base, const Shape& s, const std::int64_t* strides,
                      std::int64_t offset);
inline void impl_retain(TensorImpl* t) { t->refs.fetch_add(1, std::memory_order_relaxed); }
void impl_release(TensorImpl* t) noexcept;
void contiguous_strides(const Shape& s, std::int64_t* strides);

// One recorded op. Inputs are held by reference; an output needed by the backward rule is
// held as a history-free alias (`saved`), so that output -> node -> output is no cycle.
constexpr int kInlineInputs = 4;
struct Node {
  std::atomic<std::int32_t> refs{1};
  OpKind op = OpKind::Add;
  std::int32_t n_inputs = 0;
  TensorImpl** inputs = inline_inputs;  // points at inline_inputs or a pool block (concat)
  TensorImpl* inline_inputs[kInlineInputs] = {};
  TensorImpl* saved[2] = {};  // owned; meaning per op (see backward_rules.cpp)
  std::uint32_t in_version[kInlineInputs] = {};  // inputs' storage versions when recorded
  std::uint32_t saved_version = 0;                 // saved[0]'s storage version when recorded
  double p[2] = {0, 0};       // scalar parameters (alpha, exponent, clamp bounds, delta)
  std::int64_t i[4] = {0, 0, 0, 0};  // integer parameters (axis mask, keepdim, dims, start)
  Shape shape;                 // a shape the rule needs (e.g. the input's)
};
Node* node_new(OpKind op, int n_inputs);
void node_release(Node* n) noexcept;

// Wraps an owned impl into a Tensor without touching the count.
inline Tensor adopt(TensorImpl* t) { return Tensor(t); }
// A new handle sharing `t` (count + 1).
inline Tensor share(TensorImpl* t) {
  impl_retain(t);
  return Tensor(t);
}

}  // namespace rlforge::tensor::detail
