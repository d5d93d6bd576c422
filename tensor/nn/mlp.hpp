// nn: Linear, Conv2d, Flatten, activations, Sequential (a value-typed list of layers, no virtual calls) and the MLP
// builder; parameter lists, copy and Polyak averaging for target networks.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/rng.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor::nn {

// How Linear layers start. TorchDefault: weight kaiming_uniform(a = sqrt 5), bias U(+-1/sqrt(in))
// (torch.nn.Linear). Orthogonal: weight orthogonal(gain), bias 0 (SB3/CleanRL). Kaiming: weight
// kaiming_uniform(a = 0), bias 0. Xavier: weight xavier_uniform(gain), bias 0.
enum class Init : std::uint8_t { TorchDefault, Orthogonal, Kaiming, Xavier };

// y = x @ weight^T + bias; weight [out, in], bias [out]; x [B, in] -> y [B, out].
struct Linear {
  Tensor weight;
  Tensor bias;  // undefined when built without bias
  Linear() = default;
  Linear(std::int64_t in, std::int64_t out, Rng& gen, Init init = Init::TorchDefault, double gain = 1.0,
         bool with_bias = true, DType dtype = DType::float32);
  Tensor forward(const Tensor& x) const;
};

// y = conv2d(x, weight, bias, stride, padding); x [N, C, H, W], weight [O, C, KH, KW], bias [O].
// Init as Linear, with fan_in = C * KH * KW.
struct Conv2d {
  Tensor weight;
  Tensor bias;
  std::array<int, 2> stride{1, 1};
  std::array<int, 2> padding{0, 0};
  Conv2d() = default;
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::array<std::int64_t, 2> kernel, Rng& gen,
         std::array<int, 2> stride = {1, 1}, std::array<int, 2> padding = {0, 0}, Init init = Init::TorchDefault,
         double gain = 1.0, bool with_bias = true, DType dtype = DType::float32);
  Tensor forward(const Tensor& x) const;
};

// [N, d1, d2, ...] -> [N, d1 * d2 * ...] (a view when contiguous), between conv and linear layers.
struct Flatten {
  Tensor forward(const Tensor& x) const;
};

enum class Activation : std::uint8_t { Identity, ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Softplus };
Tensor activate(Activation a, const Tensor& x);
const char* activation_name(Activation a);

class Sequential {
 public:
  using Layer = std::variant<Linear, Conv2d, Flatten, Activation>;
  Sequential& add(Linear l);
  Sequential& add(Conv2d c);
  Sequential& add(Flatten f);
  Sequential& add(Activation a);
  Tensor forward(const Tensor& x) const;
  std::size_t size() const { return layers_.size(); }
  const Layer& layer(std::size_t i) const { return layers_[i]; }
  Layer& layer(std::size_t i) { return layers_[i]; }
  // Parameters in layer order (weight then bias), as shared handles: updating them updates the
  // network. Names follow torch's state_dict keys: "0.weight", "0.bias", "2.weight", ...
  std::vector<Tensor> parameters() const;
  std::vector<std::string> parameter_names() const;
  // A deep copy with its own storage (parameters require grad as in the original).
  Sequential clone() const;
  // The same deep copy with every parameter on `dev` (an explicit transfer, e.g. to
  // Device::cuda() before building the optimizer). Throws DeviceError as Tensor::to.
  Sequential to(Device dev) const;

 private:
  Sequential copy_to(const Device* dev) const;  // dev == nullptr: each parameter's own device
  std::vector<Layer> layers_;
};

struct MlpOptions {
  Activation hidden = Activation::ReLU;
  Activation output = Activation::Identity;
  Init init = Init::TorchDefault;
  double hidden_gain = 1.0;  // gain for Orthogonal/Xavier hidden layers (sqrt 2 in SB3 PPO)
  double output_gain = 1.0;  // gain for the last layer (0.01 for PPO policy heads)
  DType dtype = DType::float32;
};
// sizes = {in, h1, ..., out}: Linear layers with `hidden` after each but the last, `output`
// after the last (omitted when Identity). Throws std::invalid_argument for < 2 sizes.
Sequential mlp(std::span<const std::int64_t> sizes, Rng& gen, const MlpOptions& opt = {});
Sequential mlp(std::initializer_list<std::int64_t> sizes, Rng& gen, const MlpOptions& opt = {});

// dst[i] = src[i] (target network hard update). Throws ShapeError on count or shape mismatch.
void copy_parameters(std::span<const Tensor> src, std::span<const Tensor> dst);
// dst[i] = (1 - tau) dst[i] + tau src[i] (soft update), tau in [0, 1].
void polyak_update(std::span<const Tensor> src, std::span<const Tensor> dst, double tau);

}  // namespace rlforge::tensor::nn
