// Tensor: a reference-counted handle to a strided view (up to 4-D) over pooled storage, with
// dtype, device tag and autograd state. Ops live in tensor/ops.hpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "core/shape.hpp"
#include "tensor/errors.hpp"

namespace rlforge {
class Rng;  // core/rng.hpp
}

namespace rlforge::tensor {

// Element types are core's DType. Tensors take three of them: float32, the working type;
// float64, for gradient checks; int64, for indices (gather), with creation, copies and views but
// no math. Creating a tensor of another dtype throws DTypeError naming it.

enum class DeviceType : std::uint8_t { CPU, CUDA };
// A device tag carried by every tensor. CUDA tensors exist when rlforge was built with nvcc and
// the CUDA runtime finds a device; otherwise creating one throws DeviceError (see Tensor::to).
struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  bool operator==(const Device&) const = default;
  std::string str() const;  // "cpu" or "cuda:0"
};

// Tensors have 0 to 4 dims (core's Shape holds up to 6): an op whose result would have more
// throws ShapeError naming the shape. A 0-d shape is a scalar.
constexpr int kMaxDims = 4;

namespace detail {
struct TensorImpl;  // tensor/detail/tensor_impl.hpp
}

class Tensor {
 public:
  Tensor() = default;  // undefined (defined() == false)
  Tensor(const Tensor& o);
  Tensor(Tensor&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Tensor& operator=(const Tensor& o);
  Tensor& operator=(Tensor&& o) noexcept;
  ~Tensor();
  explicit Tensor(detail::TensorImpl* adopt) : p_(adopt) {}  // takes over one reference

  // ---- factories (storage from the pool; contents of empty() are unspecified) ----
  static Tensor empty(const Shape& s, DType d = DType::float32, Device dev = Device::cpu());
  static Tensor zeros(const Shape& s, DType d = DType::float32, Device dev = Device::cpu());
  static Tensor ones(const Shape& s, DType d = DType::float32, Device dev = Device::cpu());
  static Tensor full(const Shape& s, double v, DType d = DType::float32,
                     Device dev = Device::cpu());
  static Tensor scalar(double v, DType d = DType::float32, Device dev = Device::cpu());  // 0-d
  // Copies `values` (row-major) into a new tensor; throws ShapeError if counts differ.
  static Tensor from_data(std::span<const float> values, const Shape& s);
  static Tensor from_data(std::span<const double> values, const Shape& s);
  static Tensor from_data(std::span<const std::int64_t> values, const Shape& s);
  static Tensor from_data(std::initializer_list<float> values, const Shape& s) {
    return from_data(std::span<const float>(values.begin(), values.size()), s);
  }
  static Tensor arange(std::int64_t n, DType d = DType::float32);
  // N(0,1) and U[low,high) samples drawn in row-major order from `gen`.
  static Tensor randn(const Shape& s, Rng& gen, DType d = DType::float32);
  static Tensor rand(const Shape& s, Rng& gen, double low = 0.0, double high = 1.0,
                     DType d = DType::float32);
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

  // ---- metadata ----
  bool defined() const { return p_ != nullptr; }
  const Shape& shape() const;
  int ndim() const { return shape().ndim(); }
  std::int64_t size(int dim) const;  // negative dims count from the end
  std::int64_t numel() const;
  std::int64_t stride(int dim) const;  // in elements
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  std::string str() const;  // "Tensor(float32, (2, 3), cpu)"
  // str() plus the values, nested by dim, eliding the middle of dims longer than 2*edge
  // ("[[1, 2, ..., 9, 10], ...]"); for logs and test failure messages.
  std::string format(int edge = 3) const;

  // ---- element access. data<T>() throws DTypeError if T is not the dtype, DeviceError on a
  // CUDA tensor (no host pointer); item() and to_vector() copy CUDA data to the host. ----
  template <class T>
  T* data();
  template <class T>
  const T* data() const;
  double item() const;  // the single element as double; throws ShapeError if numel() != 1
  // A row-major copy of the values (any view layout), converted to T.
  template <class T>
  std::vector<T> to_vector() const;

  // ---- views (share storage; no copy) and copies ----
  // reshape: a view when contiguous, else a copy. Recorded by autograd. In the list form one
  // dim may be -1, inferred from the element count (a Shape holds no negative dims).
  Tensor reshape(const Shape& s) const;
  Tensor reshape(std::initializer_list<std::int64_t> dims) const;
  Tensor t() const;                           // 2-D transpose view
  Tensor transpose(int d0, int d1) const;     // view with two dims swapped
  Tensor narrow(int dim, std::int64_t start, std::int64_t length) const;  // view
  Tensor slice_rows(std::int64_t begin, std::int64_t end) const { return narrow(0, begin, end - begin); }
  Tensor contiguous() const;  // self if contiguous, else a copy (recorded)
  Tensor clone() const;       // a contiguous copy (recorded)
  // Same device: returns *this. Else an explicit, synchronous copy on `dev` (contiguous). Not
  // recorded by autograd: a leaf keeps requires_grad (move parameters before training), a
  // tensor with history throws AutogradError while grad mode is on. Throws DeviceError
  // "no CUDA device available: <cuda error>" when the runtime has no GPU, or a DeviceError
  // naming the build when rlforge was compiled without CUDA.
  Tensor to(Device dev) const;
  Tensor to(DType d) const;  // converting copy (recorded between float32 and float64)

  // ---- autograd ----
  bool requires_grad() const;
  // Marks a leaf as a parameter; throws AutogradError on a non-leaf or an int64 tensor.
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;  // accumulated gradient of a leaf (undefined before any backward)
  void set_grad(const Tensor& g);
  void zero_grad();  // fills the existing gradient with zeros (keeps its storage)
  // Reverse-mode sweep from this tensor. Without a seed it must hold exactly one element
  // (else AutogradError); with a seed, `seed` must have this tensor's shape.
  void backward() const;
  void backward(const Tensor& seed) const;
  Tensor detach() const;  // shares storage, no history, requires_grad false

  // In-place helpers for optimizers and init (never recorded; throw AutogradError if grad
  // mode is on and this tensor requires grad, since the tape would be invalidated).
  void copy_(const Tensor& src);  // same shape and dtype
  void fill_(double v);
  // Writes through data<T>() are invisible to autograd: after one, call bump_version() so a
  // graph that saved this tensor refuses to backward with stale values (AutogradError).
  void bump_version();
  std::uint32_t version() const;

  detail::TensorImpl* impl() const { return p_; }
  detail::TensorImpl* release() {
    detail::TensorImpl* p = p_;
    p_ = nullptr;
    return p;
  }

 private:
  detail::TensorImpl* p_ = nullptr;
};

// Tensor storage, tensors and tape nodes are recycled through a per-thread pool that keeps the
// thread's peak working set. This returns the calling thread's cached blocks to the system
// (e.g. after a large evaluation batch); blocks still in use are unaffected.
// (With CUDA, the device blocks cached by the allocator are returned to the driver too.)
void release_cached_memory() noexcept;

// Whether this build contains the CUDA kernels (nvcc was found and RLFORGE_CUDA was on), and
// whether the CUDA runtime also reports a device now (false without a GPU or driver). Neither
// throws; use them to choose Device::cuda() or to skip GPU work.
bool cuda_built() noexcept;
bool cuda_available() noexcept;

}  // namespace rlforge::tensor
