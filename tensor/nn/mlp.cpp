// nn implementation: Linear init and forward, activations, Sequential, the MLP builder, and
// parameter copy / Polyak averaging.
#include "tensor/nn/mlp.hpp"

#include <cmath>
#include <stdexcept>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/detail/tensor_impl.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/nn/init.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor::nn {

namespace {
void init_layer(Tensor& weight, Tensor& bias, double fan_in, Rng& gen, Init init, double gain);
}  // namespace

Linear::Linear(std::int64_t in, std::int64_t out, Rng& gen, Init init, double gain, bool with_bias,
               DType dtype) {
  if (in <= 0 || out <= 0) {
    throw ShapeError("Linear(" + std::to_string(in) + ", " + std::to_string(out) + "): sizes must be positive");
  }
  weight = Tensor::zeros({out, in}, dtype);
  if (with_bias) bias = Tensor::zeros({out}, dtype);
  init_layer(weight, bias, static_cast<double>(in), gen, init, gain);
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

namespace {
// Shared by Linear and Conv2d: weight and bias init by scheme, then both marked as parameters.
void init_layer(Tensor& weight, Tensor& bias, double fan_in, Rng& gen, Init init, double gain) {
  switch (init) {
    case Init::TorchDefault:
      kaiming_uniform_(weight, gen, std::sqrt(5.0));
      if (bias.defined()) {
        const double bound = 1.0 / std::sqrt(fan_in);
        uniform_(bias, gen, -bound, bound);
      }
      break;
    case Init::Orthogonal: {
      // Orthogonal over the flattened [O, C*KH*KW] view (torch flattens trailing dims too).
      Tensor flat = weight.reshape({weight.size(0), -1});
      orthogonal_(flat, gen, gain);
      break;
    }
    case Init::Kaiming: kaiming_uniform_(weight, gen, 0.0); break;
    case Init::Xavier: xavier_uniform_(weight, gen, gain); break;
  }
  weight.requires_grad_();
  if (bias.defined()) bias.requires_grad_();
}
}  // namespace

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::array<std::int64_t, 2> kernel,
               Rng& gen, std::array<int, 2> stride_, std::array<int, 2> padding_, Init init, double gain,
               bool with_bias, DType dtype)
    : stride(stride_), padding(padding_) {
  if (in_channels <= 0 || out_channels <= 0 || kernel[0] <= 0 || kernel[1] <= 0) {
    throw ShapeError("Conv2d(" + std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", [" +
                     std::to_string(kernel[0]) + ", " + std::to_string(kernel[1]) + "]): sizes must be positive");
  }
  weight = Tensor::zeros({out_channels, in_channels, kernel[0], kernel[1]}, dtype);
  if (with_bias) bias = Tensor::zeros({out_channels}, dtype);
  init_layer(weight, bias, static_cast<double>(in_channels * kernel[0] * kernel[1]), gen, init, gain);
}

Tensor Conv2d::forward(const Tensor& x) const { return conv2d(x, weight, bias, stride, padding); }

Tensor Flatten::forward(const Tensor& x) const {
  if (x.ndim() < 1) throw ShapeError("Flatten: needs a batch dim, got shape " + x.shape().str());
  return x.reshape({x.size(0), -1});
}

Tensor activate(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::Identity: return x;
    case Activation::ReLU: return relu(x);
    case Activation::LeakyReLU: return leaky_relu(x, 0.01);
    case Activation::ELU: return elu(x, 1.0);
    case Activation::Tanh: return tanh(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::Softplus: return softplus(x);
  }
  return x;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Identity: return "identity";
    case Activation::ReLU: return "relu";
    case Activation::LeakyReLU: return "leaky_relu";
    case Activation::ELU: return "elu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Softplus: return "softplus";
  }
  return "?";
}

Sequential& Sequential::add(Linear l) {
  layers_.emplace_back(std::move(l));
  return *this;
}

Sequential& Sequential::add(Conv2d c) {
  layers_.emplace_back(std::move(c));
  return *this;
}

Sequential& Sequential::add(Flatten f) {
  layers_.emplace_back(f);
  return *this;
}

Sequential& Sequential::add(Activation a) {
  layers_.emplace_back(a);
  return *this;
}

namespace {
// The activation linear() fuses for a Linear layer followed by `next`; OpKind::Linear for none.
OpKind fusable_activation(const Sequential::Layer* next) {
  const Activation* a = next ? std::get_if<Activation>(next) : nullptr;
  if (a == nullptr) return OpKind::Linear;
  switch (*a) {
    case Activation::ReLU: return OpKind::Relu;
    case Activation::Tanh: return OpKind::Tanh;
    case Activation::Sigmoid: return OpKind::Sigmoid;
    default: return OpKind::Linear;
  }
}
}  // namespace

Tensor Sequential::forward(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    if (const Linear* lin = std::get_if<Linear>(&l)) {
      // Linear + relu/tanh/sigmoid run as one fused op (same values, one node).
      const OpKind act = fusable_activation(i + 1 < layers_.size() ? &layers_[i + 1] : nullptr);
      h = linear(h, lin->weight, lin->bias, act);
      if (act != OpKind::Linear) ++i;
    } else if (const Conv2d* conv = std::get_if<Conv2d>(&l)) h = conv->forward(h);
    else if (const Flatten* fl = std::get_if<Flatten>(&l)) h = fl->forward(h);
    else h = activate(std::get<Activation>(l), h);
  }
  return h;
}

std::vector<Tensor> Sequential::parameters() const {
  std::vector<Tensor> ps;
  for (const Layer& l : layers_) {
    const Tensor* w = nullptr;
    const Tensor* b = nullptr;
    if (const Linear* lin = std::get_if<Linear>(&l)) w = &lin->weight, b = &lin->bias;
    if (const Conv2d* conv = std::get_if<Conv2d>(&l)) w = &conv->weight, b = &conv->bias;
    if (w) {
      ps.push_back(*w);
      if (b->defined()) ps.push_back(*b);
    }
  }
  return ps;
}

std::vector<std::string> Sequential::parameter_names() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Tensor* b = nullptr;
    if (const Linear* lin = std::get_if<Linear>(&layers_[i])) b = &lin->bias;
    if (const Conv2d* conv = std::get_if<Conv2d>(&layers_[i])) b = &conv->bias;
    if (b) {
      names.push_back(std::to_string(i) + ".weight");
      if (b->defined()) names.push_back(std::to_string(i) + ".bias");
    }
  }
  return names;
}

namespace {
// A parameter copy with its own storage on `dev` (t's device when null), keeping requires_grad.
Tensor param_copy(const Tensor& t, const Device* dev) {
  Tensor c = (dev == nullptr || *dev == t.device()) ? t.clone() : t.detach().to(*dev);
  c.requires_grad_(t.requires_grad());
  return c;
}
}  // namespace

Sequential Sequential::clone() const { return copy_to(nullptr); }
Sequential Sequential::to(Device dev) const { return copy_to(&dev); }

Sequential Sequential::copy_to(const Device* dev) const {
  Sequential s;
  NoGradGuard no_grad;
  for (const Layer& l : layers_) {
    if (const Linear* lin = std::get_if<Linear>(&l)) {
      Linear c;
      c.weight = param_copy(lin->weight, dev);
      if (lin->bias.defined()) c.bias = param_copy(lin->bias, dev);
      s.add(std::move(c));
    } else if (const Conv2d* conv = std::get_if<Conv2d>(&l)) {
      Conv2d c = *conv;
      c.weight = param_copy(conv->weight, dev);
      if (conv->bias.defined()) c.bias = param_copy(conv->bias, dev);
      s.add(std::move(c));
    } else if (std::holds_alternative<Flatten>(l)) {
      s.add(Flatten{});
    } else {
      s.add(std::get<Activation>(l));
    }
  }
  return s;
}

Sequential mlp(std::span<const std::int64_t> sizes, Rng& gen, const MlpOptions& opt) {
  if (sizes.size() < 2) throw std::invalid_argument("mlp: needs at least {in, out} sizes");
  Sequential s;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const bool last = i + 2 == sizes.size();
    s.add(Linear(sizes[i], sizes[i + 1], gen, opt.init, last ? opt.output_gain : opt.hidden_gain, true, opt.dtype));
    const Activation a = last ? opt.output : opt.hidden;
    if (a != Activation::Identity) s.add(a);
  }
  return s;
}

Sequential mlp(std::initializer_list<std::int64_t> sizes, Rng& gen, const MlpOptions& opt) {
  return mlp(std::span<const std::int64_t>(sizes.begin(), sizes.size()), gen, opt);
}

namespace {
void check_pairs(const char* who, std::span<const Tensor> src, std::span<const Tensor> dst) {
  if (src.size() != dst.size()) {
    throw ShapeError(std::string(who) + ": " + std::to_string(src.size()) + " source parameters vs " +
                     std::to_string(dst.size()) + " destination parameters");
  }
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i].shape() != dst[i].shape() || src[i].dtype() != dst[i].dtype()) {
      throw ShapeError(std::string(who) + ": parameter " + std::to_string(i) + " is " + src[i].str() +
                       " in the source but " + dst[i].str() + " in the destination");
    }
  }
}
}  // namespace

void copy_parameters(std::span<const Tensor> src, std::span<const Tensor> dst) {
  check_pairs("copy_parameters", src, dst);
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < src.size(); ++i) {
    Tensor d = dst[i];
    d.copy_(src[i]);
  }
}

void polyak_update(std::span<const Tensor> src, std::span<const Tensor> dst, double tau) {
  if (!(tau >= 0.0 && tau <= 1.0)) throw std::invalid_argument("polyak_update: tau must be in [0, 1], got " + std::to_string(tau));
  check_pairs("polyak_update", src, dst);
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < src.size(); ++i) {
    Tensor d = dst[i];
    if (d.device() != src[i].device()) {
      throw DeviceError("polyak_update: parameter " + std::to_string(i) + " is on " + src[i].device().str() +
                        " but its target is on " + d.device().str() + " (shape " + d.shape().str() + ")");
    }
    if (!d.is_contiguous() || !src[i].is_contiguous()) {
      d.copy_(d * (1.0 - tau) + src[i] * tau);
      continue;
    }
    // In place, element by element (one kernel on CUDA): no temporaries for the per-step update.
    kern::axpby(d.impl(), 1.0 - tau, src[i].impl(), tau);
    d.bump_version();
  }
}

}  // namespace rlforge::tensor::nn
