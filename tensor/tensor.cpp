// Tensor, Storage, TensorImpl and Node: construction, reference counting, factories,
// element access, device transfer and the autograd entry points.
#include "tensor/tensor.hpp"

#include <cstdio>
#include <cstring>
#include <type_traits>
#include <new>

#include "core/rng.hpp"
#include "tensor/autograd/engine.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/detail/memory_pool.hpp"
#include "tensor/detail/tensor_impl.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/ops.hpp"

// The CUDA runtime is reached only through the CUDA library's table (kernels/cuda_loader.hpp),
// loaded when a CUDA device is first asked for: CPU-only users never map cudart.
#include "tensor/kernels/cuda_loader.hpp"

namespace rlforge::tensor {

using detail::TensorImpl;

std::string Device::str() const {
  return type == DeviceType::CPU ? std::string("cpu") : "cuda:" + std::to_string(index);
}

void release_cached_memory() noexcept {
  detail::pool_trim();
  if (const cuda::Backend* gpu = kern::cuda_loaded()) gpu->device_trim();  // never loads it just to trim
}

bool cuda_built() noexcept { return kern::cuda_compiled(); }

bool cuda_available() noexcept {
  try {
    kern::cuda_backend().require_device(0);  // loads the CUDA library on the first call
    return true;
  } catch (const DeviceError&) {
    return false;
  }
}

// ---------------- Storage / TensorImpl / Node ----------------
namespace detail {

Storage* storage_new(std::size_t bytes, Device dev) {
  if (dev.type != DeviceType::CPU) {
    // Header from the host pool, data from the device cache (both recycled, no per-op malloc).
    // The first CUDA storage loads the CUDA library; without it this throws DeviceError.
    void* data = kern::cuda_backend().device_alloc(bytes, dev.index);
    auto* s = new (pool_alloc(sizeof(Storage))) Storage();
    s->device = dev;
    s->bytes = bytes;
    s->data = data;
    return s;
  }
  void* block = pool_alloc(sizeof(Storage) + bytes);
  auto* s = new (block) Storage();
  s->device = dev;
  s->bytes = bytes;
  s->data = static_cast<char*>(block) + sizeof(Storage);
  return s;
}

// Drops one reference; true when it was the last. A count of 1 is read without the atomic
// read-modify-write: the caller holds that only reference, so no other thread can be taking a
// new one from it (copying a handle needs a handle). Most releases are of such unshared
// temporaries, and the locked decrement was the largest cost of a small op.
inline bool drop_ref(std::atomic<std::int32_t>& refs) {
  if (refs.load(std::memory_order_acquire) == 1) return true;
  return refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

void storage_release(Storage* s) noexcept {
  if (drop_ref(s->refs)) {
    const std::size_t bytes = s->bytes;
    if (s->device.type == DeviceType::CUDA) {
      kern::cuda_loaded()->device_free(s->data, bytes, s->device.index);  // it made the storage
      s->~Storage();
      pool_free(s, sizeof(Storage));
      return;
    }
    s->~Storage();
    pool_free(s, sizeof(Storage) + bytes);
  }
}

void contiguous_strides(const Shape& s, std::int64_t* strides) {
  std::int64_t run = 1;
  for (int d = s.ndim() - 1; d >= 0; --d) {
    strides[d] = run;
    run *= s[d];
  }
}

bool TensorImpl::contiguous() const {
  std::int64_t run = 1;
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != run) return false;
    run *= shape[d];
  }
  return true;
}

TensorImpl* impl_new(const Shape& s, DType d, Device dev) {
  // Every tensor's storage is made here, so these two checks guard the whole library: the
  // kernels index at most 4 dims and know three dtypes.
  if (s.ndim() > kMaxDims) {
    throw ShapeError("tensor of shape " + s.str() + ": tensors have at most " + std::to_string(kMaxDims) + " dims");
  }
  if (d != DType::float32 && d != DType::float64 && d != DType::int64) {
    throw DTypeError("tensor of dtype " + std::string(dtype_name(d)) + " (shape " + s.str() +
                     "): tensors hold float32, float64 or int64");
  }
  for (std::int64_t v : s) {
    if (v < 0) throw ShapeError("tensor: negative dimension in shape " + s.str());
  }
  Storage* st = storage_new(static_cast<std::size_t>(s.numel()) * dtype_size(d), dev);
  auto* t = new (pool_alloc(sizeof(TensorImpl))) TensorImpl();
  t->dtype = d;
  t->shape = s;
  contiguous_strides(s, t->strides);
  t->storage = st;
  return t;
}

TensorImpl* impl_view(const TensorImpl* base, const Shape& s, const std::int64_t* strides,
                      std::int64_t offset) {
  auto* t = new (pool_alloc(sizeof(TensorImpl))) TensorImpl();
  t->dtype = base->dtype;
  t->shape = s;
  for (int d = 0; d < s.ndim(); ++d) t->strides[d] = strides[d];
  t->offset = offset;
  t->storage = base->storage;
  storage_retain(t->storage);
  return t;
}

void impl_release(TensorImpl* t) noexcept {
  if (!drop_ref(t->refs)) return;
  if (t->storage) storage_release(t->storage);
  if (t->grad) impl_release(t->grad);
  if (t->pending) impl_release(t->pending);
  if (t->grad_fn) node_release(t->grad_fn);
  t->~TensorImpl();
  pool_free(t, sizeof(TensorImpl));
}

Node* node_new(OpKind op, int n_inputs) {
  auto* n = new (pool_alloc(sizeof(Node))) Node();
  n->op = op;
  n->n_inputs = n_inputs;
  if (n_inputs > kInlineInputs) {
    n->inputs = static_cast<TensorImpl**>(pool_alloc(sizeof(TensorImpl*) * n_inputs));
  }
  for (int i = 0; i < n_inputs; ++i) n->inputs[i] = nullptr;
  return n;
}

void node_release(Node* n) noexcept {
  if (!drop_ref(n->refs)) return;
  for (int i = 0; i < n->n_inputs; ++i) {
    if (n->inputs[i]) impl_release(n->inputs[i]);
  }
  if (n->inputs != n->inline_inputs) pool_free(n->inputs, sizeof(TensorImpl*) * n->n_inputs);
  for (TensorImpl* s : n->saved) {
    if (s) impl_release(s);
  }
  n->~Node();
  pool_free(n, sizeof(Node));
}

}  // namespace detail

// ---------------- Tensor: lifetime ----------------

Tensor::Tensor(const Tensor& o) : p_(o.p_) {
  if (p_) detail::impl_retain(p_);
}

Tensor& Tensor::operator=(const Tensor& o) {
  if (o.p_) detail::impl_retain(o.p_);
  if (p_) detail::impl_release(p_);
  p_ = o.p_;
  return *this;
}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    if (p_) detail::impl_release(p_);
    p_ = o.p_;
    o.p_ = nullptr;
  }
  return *this;
}

Tensor::~Tensor() {
  if (p_) detail::impl_release(p_);
}

namespace {
const TensorImpl& need(const Tensor& t, const char* what) {
  if (!t.defined()) throw TensorError(std::string(what) + ": the tensor is undefined (default-constructed)");
  return *t.impl();
}
}  // namespace

// ---------------- factories ----------------

Tensor Tensor::empty(const Shape& s, DType d, Device dev) {
  if (dev.type == DeviceType::CPU) dev.index = 0;  // one CPU device: any index means "here"
  return Tensor(detail::impl_new(s, d, dev));
}

Tensor Tensor::zeros(const Shape& s, DType d, Device dev) { return full(s, 0.0, d, dev); }
Tensor Tensor::ones(const Shape& s, DType d, Device dev) { return full(s, 1.0, d, dev); }

Tensor Tensor::full(const Shape& s, double v, DType d, Device dev) {
  Tensor t = empty(s, d, dev);
  kern::fill(t.p_, v);
  return t;
}

Tensor Tensor::scalar(double v, DType d, Device dev) { return full(Shape{}, v, d, dev); }

namespace {
template <class T>
Tensor from_values(std::span<const T> values, const Shape& s, DType d) {
  if (static_cast<std::int64_t>(values.size()) != s.numel()) {
    throw ShapeError("Tensor::from_data: " + std::to_string(values.size()) + " values do not fill shape " +
                     s.str() + " (" + std::to_string(s.numel()) + " elements)");
  }
  Tensor t = Tensor::empty(s, d);
  if (!values.empty()) std::memcpy(t.impl()->raw(), values.data(), values.size() * sizeof(T));
  return t;
}
}  // namespace

Tensor Tensor::from_data(std::span<const float> v, const Shape& s) { return from_values(v, s, DType::float32); }
Tensor Tensor::from_data(std::span<const double> v, const Shape& s) { return from_values(v, s, DType::float64); }
Tensor Tensor::from_data(std::span<const std::int64_t> v, const Shape& s) {
  return from_values(v, s, DType::int64);
}

Tensor Tensor::arange(std::int64_t n, DType d) {
  Tensor t = empty(Shape{n}, d);
  for (std::int64_t i = 0; i < n; ++i) {
    if (d == DType::float32) t.data<float>()[i] = static_cast<float>(i);
    else if (d == DType::float64) t.data<double>()[i] = static_cast<double>(i);
    else t.data<std::int64_t>()[i] = i;
  }
  return t;
}

Tensor Tensor::randn(const Shape& s, Rng& gen, DType d) {
  Tensor t = empty(s, d);
  const std::int64_t n = s.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = gen.normal();
    if (d == DType::float32) t.data<float>()[i] = static_cast<float>(v);
    else t.data<double>()[i] = v;
  }
  return t;
}

Tensor Tensor::rand(const Shape& s, Rng& gen, double low, double high, DType d) {
  Tensor t = empty(s, d);
  const std::int64_t n = s.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = gen.uniform(low, high);
    if (d == DType::float32) t.data<float>()[i] = static_cast<float>(v);
    else t.data<double>()[i] = v;
  }
  return t;
}

// ---------------- metadata and access ----------------

const Shape& Tensor::shape() const { return need(*this, "shape").shape; }
std::int64_t Tensor::numel() const { return shape().numel(); }
DType Tensor::dtype() const { return need(*this, "dtype").dtype; }
Device Tensor::device() const { return need(*this, "device").storage->device; }
bool Tensor::is_contiguous() const { return need(*this, "is_contiguous").contiguous(); }

std::int64_t Tensor::size(int dim) const {
  const Shape& s = shape();
  const int d = dim < 0 ? dim + s.ndim() : dim;
  if (d < 0 || d >= s.ndim()) {
    throw ShapeError("size(" + std::to_string(dim) + "): no such dim in shape " + s.str());
  }
  return s[d];
}

std::int64_t Tensor::stride(int dim) const {
  const int d = dim < 0 ? dim + ndim() : dim;
  if (d < 0 || d >= ndim()) throw ShapeError("stride(" + std::to_string(dim) + "): no such dim in shape " + shape().str());
  return p_->strides[d];
}

std::string Tensor::str() const {
  if (!p_) return "Tensor(undefined)";
  return "Tensor(" + std::string(dtype_name(p_->dtype)) + ", " + p_->shape.str() + ", " + device().str() + ")";
}

std::string Tensor::format(int edge) const {
  if (!p_) return str();
  const std::vector<double> v = to_vector<double>();
  const Shape& s = p_->shape;
  std::string out = str() + " ";
  // Recursive walk over dims with the flat offset of the current row-major block.
  auto walk = [&](auto& self, int dim, std::int64_t base, std::int64_t block) -> void {
    if (dim >= s.ndim() || dim >= kMaxDims) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", v[static_cast<std::size_t>(base)]);
      out += buf;
      return;
    }
    const std::int64_t n = s[dim], inner = n == 0 ? 0 : block / n;
    out += "[";
    for (std::int64_t i = 0; i < n; ++i) {
      if (n > 2 * edge && i == edge) {
        out += "..., ";
        i = n - edge - 1;
        continue;
      }
      self(self, dim + 1, base + i * inner, inner);
      if (i + 1 < n) out += ", ";
    }
    out += "]";
  };
  walk(walk, 0, 0, s.numel());
  return out;
}

namespace {
template <class T>
void check_access(const Tensor& t) {
  need(t, "data");
  if (t.device().type != DeviceType::CPU) {
    throw DeviceError("data<" + std::string(dtype_name(dtype_of<T>())) + ">() on a " + t.device().str() +
                      " tensor of shape " + t.shape().str() +
                      ": host pointers exist only for CPU tensors (use to(Device::cpu()) or to_vector())");
  }
  if (t.dtype() != dtype_of<T>()) {
    throw DTypeError("data<" + std::string(dtype_name(dtype_of<T>())) + ">() on a " + std::string(dtype_name(t.dtype())) +
                     " tensor of shape " + t.shape().str());
  }
}
}  // namespace

template <class T>
T* Tensor::data() {
  check_access<T>(*this);
  return p_->ptr<T>();
}
template <class T>
const T* Tensor::data() const {
  check_access<T>(*this);
  return p_->ptr<T>();
}
template float* Tensor::data<float>();
template double* Tensor::data<double>();
template std::int64_t* Tensor::data<std::int64_t>();
template const float* Tensor::data<float>() const;
template const double* Tensor::data<double>() const;
template const std::int64_t* Tensor::data<std::int64_t>() const;

double Tensor::item() const {
  if (numel() != 1) throw ShapeError("item(): needs exactly one element, the tensor has shape " + shape().str());
  // One element crosses; detach() because reading a value (loss.item()) is not a recorded transfer.
  if (device().type != DeviceType::CPU) return detach().to(Device::cpu()).item();
  return load_as_double(p_->raw(), p_->dtype, 0);
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  need(*this, "to_vector");
  Tensor c = Tensor::empty(shape(), dtype_of<T>());
  kern::copy(p_, c.p_);  // converts, and brings CUDA data to the host
  const T* p = c.p_->ptr<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

// ---------------- views and copies (recorded through ops) ----------------

Tensor Tensor::reshape(const Shape& s) const { return tensor::reshape(*this, s); }
Tensor Tensor::reshape(std::initializer_list<std::int64_t> dims) const { return tensor::reshape(*this, dims); }
Tensor Tensor::t() const {
  if (ndim() != 2) throw ShapeError("t(): needs a 2-D tensor, got shape " + shape().str() + " (use transpose(d0, d1))");
  return tensor::transpose(*this, 0, 1);
}
Tensor Tensor::transpose(int d0, int d1) const { return tensor::transpose(*this, d0, d1); }
Tensor Tensor::narrow(int dim, std::int64_t start, std::int64_t length) const {
  return tensor::narrow(*this, dim, start, length);
}
Tensor Tensor::detach() const { return tensor::detach(*this); }

Tensor Tensor::to(Device dev) const {
  need(*this, "to(Device)");
  // One CPU device: any CPU index means "here".
  if (dev == device() || (dev.type == DeviceType::CPU && device().type == DeviceType::CPU)) return *this;
  // A transfer is an explicit copy and is not recorded on the tape: gradients do not flow
  // across devices. Moving a leaf keeps requires_grad (parameters moved before training);
  // moving a tensor with history would silently cut the graph, so that is refused.
  if (p_->grad_fn != nullptr && p_->requires_grad && is_grad_enabled()) {
    throw AutogradError("to(" + dev.str() + "): " + str() + " was made by '" + op_name(p_->grad_fn->op) +
                        "' and transfers are not recorded; move the inputs or parameters instead, or detach()");
  }
  if (dev.type == DeviceType::CUDA && device().type == DeviceType::CUDA) {
    return to(Device::cpu()).to(dev);  // between GPUs through the host: no peer access assumed
  }
  Tensor out;
  try {
    out = empty(shape(), dtype(), dev);
  } catch (const DeviceError& e) {  // no device, or no CUDA in this build: say what was moved
    throw DeviceError("to(" + dev.str() + ") of " + str() + ": " + e.what());
  }
  kern::copy(p_, out.p_);
  if (p_->grad_fn == nullptr) out.p_->requires_grad = p_->requires_grad;
  return out;
}

// ---------------- autograd ----------------

bool Tensor::requires_grad() const { return need(*this, "requires_grad").requires_grad; }
bool Tensor::is_leaf() const { return need(*this, "is_leaf").grad_fn == nullptr; }

Tensor& Tensor::requires_grad_(bool on) {
  need(*this, "requires_grad_");
  if (p_->grad_fn != nullptr) {
    throw AutogradError("requires_grad_(): only leaf tensors can be marked; this " + shape().str() +
                        " tensor was made by '" + op_name(p_->grad_fn->op) + "' (use detach() first)");
  }
  if (on && p_->dtype == DType::int64) {
    throw AutogradError("requires_grad_(): an int64 tensor of shape " + shape().str() + " cannot have gradients");
  }
  p_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  need(*this, "grad");
  if (p_->grad == nullptr) return Tensor();
  if (p_->grad_stale) {
    kern::fill(p_->grad, 0.0);
    p_->grad_stale = false;
  }
  return detail::share(p_->grad);
}

void Tensor::set_grad(const Tensor& g) {
  need(*this, "set_grad");
  if (g.defined() && (g.shape() != shape() || g.dtype() != dtype())) {
    throw ShapeError("set_grad: gradient " + g.str() + " does not match tensor " + str());
  }
  if (p_->grad) detail::impl_release(p_->grad);
  p_->grad = nullptr;
  p_->grad_stale = false;
  if (g.defined()) {
    p_->grad = detail::impl_new(shape(), dtype(), device());
    kern::copy(g.p_, p_->grad);
  }
}

void Tensor::zero_grad() {
  need(*this, "zero_grad");
  if (p_->grad == nullptr) return;
  // Nobody else holds the buffer: defer the fill (backward overwrites it anyway).
  if (p_->grad->refs.load(std::memory_order_acquire) == 1) p_->grad_stale = true;
  else kern::fill(p_->grad, 0.0);
}

void Tensor::backward() const {
  need(*this, "backward");
  if (numel() != 1) {
    throw AutogradError("backward(): called without a seed gradient on a tensor of shape " + shape().str() +
                        "; only a single-element (scalar) output has an implicit seed of 1 -- reduce it "
                        "(sum/mean) or pass backward(seed) with the same shape");
  }
  detail::run_backward(p_, Tensor::ones(shape(), dtype(), device()));
}

void Tensor::backward(const Tensor& seed) const {
  need(*this, "backward");
  need(seed, "backward(seed)");
  if (seed.shape() != shape() || seed.dtype() != dtype()) {
    throw ShapeError("backward(seed): seed " + seed.str() + " does not match output " + str());
  }
  if (seed.device() != device()) {
    throw DeviceError("backward(seed): seed " + seed.str() + " is on " + seed.device().str() + " but the output " +
                      str() + " is on " + device().str());
  }
  detail::run_backward(p_, seed);
}

void Tensor::copy_(const Tensor& src) {
  need(*this, "copy_");
  need(src, "copy_");
  if (src.shape() != shape()) {
    throw ShapeError("copy_: source shape " + src.shape().str() + " differs from destination " + shape().str());
  }
  if (is_grad_enabled() && p_->requires_grad) {
    throw AutogradError("copy_: in-place write to a tensor that requires grad (" + str() +
                        ") while grad mode is on; wrap it in NoGradGuard");
  }
  if (src.p_->storage == p_->storage) {
    // Views of one buffer may overlap (x[1:] = x[:-1]); the copy kernels assume they do not,
    // so the source goes through a temporary first.
    NoGradGuard no_grad;
    const Tensor staged = src.clone();
    kern::copy(staged.p_, p_);
  } else {
    kern::copy(src.p_, p_);  // across devices too (an explicit, synchronous transfer)
  }
  bump_version();
}

void Tensor::bump_version() { need(*this, "bump_version").storage->version++; }
std::uint32_t Tensor::version() const { return need(*this, "version").storage->version; }

void Tensor::fill_(double v) {
  need(*this, "fill_");
  if (is_grad_enabled() && p_->requires_grad) {
    throw AutogradError("fill_: in-place write to a tensor that requires grad (" + str() +
                        ") while grad mode is on; wrap it in NoGradGuard");
  }
  kern::fill(p_, v);
  bump_version();
}

}  // namespace rlforge::tensor
