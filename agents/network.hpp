// The agents' networks: MLPs and conv torsos for image observations (forward is Sequential's,
// with linear and activation fused), the image input step, and tensor state I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/config.hpp"
#include "core/binary_io.hpp"
#include "core/space.hpp"
#include "tensor/nn/mlp.hpp"

namespace rlforge::agents {

// The first step of a conv network's forward: channels-last observations x [N, H*W*C] (the
// env's raw values as float32, the agents' observation format) -> [N, C, H, W] float32 times
// `scale` (1/255 for a uint8 Box with bounds [0, 255], else 1). Tensor ops, so it runs on the
// network's device.
struct ImageInput {
  std::int64_t h = 0, w = 0, c = 0;
  double scale = 1.0;
  tensor::Tensor forward(const tensor::Tensor& x) const;
};

// An agent's network: the image input when it has a conv torso, then Sequential's layers
// (conv, activation, ..., flatten, linear, ...). Parameters and their names are the layers'
// ("0.weight" is the first conv or linear), so an MLP network's checkpoint names are unchanged.
struct Network {
  std::optional<ImageInput> image;
  tensor::nn::Sequential layers;
  tensor::Tensor forward(const tensor::Tensor& x) const { return layers.forward(image ? image->forward(x) : x); }
  std::vector<tensor::Tensor> parameters() const { return layers.parameters(); }
  std::vector<std::string> parameter_names() const { return layers.parameter_names(); }
  Network clone() const { return {image, layers.clone()}; }
  Network to(tensor::Device dev) const { return {image, layers.to(dev)}; }
};

// in -> [conv + activation]... -> flatten -> hidden... -> out for the observation space `obs`
// (1-D Box without conv; (H, W, C) image Box with it). `conv_key` names the config key in errors
// ("policy.conv"): a conv list on an observation that is not (H, W, C), or one whose layers
// shrink the picture below 1x1, is a ConfigError naming the key, the layer and the shape.
// Conv layers are initialized like the hidden layers (options.init, options.hidden_gain).
Network build_network(const Space& obs, const std::vector<ConvLayerConfig>& conv, const char* conv_key,
                      const std::vector<std::int64_t>& hidden, std::int64_t out, const std::string& activation,
                      Rng& gen, tensor::nn::MlpOptions options = {});

// The observation spaces the networks read: a 1-D float32 Box (an MLP) or, with a conv torso, an
// (H, W, C) Box or MultiBinary of uint8, int8 or float32 (core has no bool dtype: 0/1 grids are uint8/int8).
bool is_image_space(const Space& s);

// The env's observation bytes [n, ...] of `dtype` as float32 values (uint8 0..255 stay 0..255:
// scaling is the network's). float32 is returned in place; other dtypes are converted into
// `scratch`.
std::span<const float> observations_as_float(std::span<const std::byte> bytes, DType dtype, std::vector<float>& scratch);

// An MLP in -> hidden... -> out with "relu" or "tanh" hidden layers (the configs' activation
// key); `options` supplies the rest (init, gains). Every agent builds its networks here.
tensor::nn::Sequential build_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                                 const std::string& activation, Rng& gen,
                                 tensor::nn::MlpOptions options = {});

// The device a run's networks live on, from the config's "device" ("cpu", "cuda", "cuda:N").
// A CUDA device is checked here, so a run fails before any env is made: DeviceError naming the
// device and saying no GPU was found (or that the build has no CUDA kernels).
tensor::Device agent_device(const std::string& device, const char* algo);

// A tensor's dtype, element count and values (float32 or int64), and the checked restore into an
// existing tensor of the same dtype and size (ConfigError naming `name` otherwise).
void write_tensor(ByteWriter& w, const tensor::Tensor& t);
void read_tensor_into(ByteReader& r, tensor::Tensor& t, const std::string& name);

}  // namespace rlforge::agents
