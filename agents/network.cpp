// build_mlp, build_network with its image input, observation conversion, and tensor state I/O for the agents.
#include "agents/network.hpp"

#include <algorithm>
#include <cstring>
#include <variant>

#include "core/error.hpp"
#include "tensor/errors.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/ops.hpp"
#include "tensor/serialization.hpp"

namespace rlforge::agents {

namespace T = rlforge::tensor;

T::Device agent_device(const std::string& device, const char* algo) {
  if (device == "cpu") return T::Device::cpu();
  const int index = device.size() > 5 ? std::stoi(device.substr(5)) : 0;  // "cuda" or "cuda:N" (config-checked)
  const T::Device dev = T::Device::cuda(index);
  if (!T::cuda_built()) {
    throw T::DeviceError(std::string(algo) + ": config \"device\": \"" + device +
                         "\" but this build has no CUDA kernels (nvcc was not found or RLFORGE_CUDA=OFF); use \"cpu\"");
  }
  if (!T::cuda_available()) {
    throw T::DeviceError(std::string(algo) + ": config \"device\": \"" + device +
                         "\" but no GPU was found (the CUDA runtime reports no usable device); use \"cpu\"");
  }
  try {
    (void)T::Tensor::zeros({1}, DType::float32, dev);  // names a missing index (cuda:3 on a 1-GPU machine)
  } catch (const T::DeviceError& e) {
    throw T::DeviceError(std::string(algo) + ": config \"device\": \"" + device + "\": " + e.what());
  }
  return dev;
}

T::nn::Sequential build_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                            const std::string& activation, Rng& gen, T::nn::MlpOptions options) {
  std::vector<std::int64_t> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  options.hidden = activation == "relu" ? T::nn::Activation::ReLU : T::nn::Activation::Tanh;
  return T::nn::mlp(sizes, gen, options);
}

bool is_image_space(const Space& s) {
  const DType d = s.dtype();
  return (s.kind() == Space::Kind::Box || s.kind() == Space::Kind::MultiBinary) && s.shape().ndim() == 3 &&
         (d == DType::uint8 || d == DType::int8 || d == DType::float32);
}

T::Tensor ImageInput::forward(const T::Tensor& x) const {
  // [N, H*W*C] -> [N, H, W, C] -> [N, C, W, H] -> [N, C, H, W]; contiguous() is the one copy.
  T::Tensor img = x.reshape({x.size(0), h, w, c}).transpose(1, 3).transpose(2, 3).contiguous();
  return scale == 1.0 ? img : img * scale;
}

namespace {
std::string conv_layer_text(const ConvLayerConfig& l) {
  return "{channels " + std::to_string(l.channels) + ", kernel " + std::to_string(l.kernel) + ", stride " +
         std::to_string(l.stride) + ", padding " + std::to_string(l.padding) + "}";
}
}  // namespace

Network build_network(const Space& obs, const std::vector<ConvLayerConfig>& conv, const char* conv_key,
                      const std::vector<std::int64_t>& hidden, std::int64_t out, const std::string& activation,
                      Rng& gen, T::nn::MlpOptions options) {
  if (conv.empty()) return {std::nullopt, build_mlp(obs.numel(), hidden, out, activation, gen, options)};
  if (!is_image_space(obs))
    throw ConfigError(std::string("config key '") + conv_key +
                      "': a conv torso needs an image observation Box (H, W, C) of uint8, int8 or float32; "
                      "this env's observation is " + obs.repr());
  Network net;
  const Shape& s = obs.shape();
  // sb3's is_image_space: a uint8 Box whose bounds are all [0, 255] holds pixels, scaled to [0, 1];
  // anything else (a 0/1 grid such as MinAtar's, a float picture) is used as is.
  const bool pixels = obs.dtype() == DType::uint8 && !obs.high().empty() &&
                      std::all_of(obs.low().begin(), obs.low().end(), [](double v) { return v == 0.0; }) &&
                      std::all_of(obs.high().begin(), obs.high().end(), [](double v) { return v == 255.0; });
  const double scale = pixels ? 1.0 / 255.0 : 1.0;
  net.image = ImageInput{s[0], s[1], s[2], scale};
  const T::nn::Activation act = activation == "relu" ? T::nn::Activation::ReLU : T::nn::Activation::Tanh;
  std::int64_t c = s[2], h = s[0], w = s[1];
  for (std::size_t i = 0; i < conv.size(); ++i) {
    const ConvLayerConfig& l = conv[i];
    const std::int64_t oh = (h + 2 * l.padding - l.kernel) / l.stride + 1;
    const std::int64_t ow = (w + 2 * l.padding - l.kernel) / l.stride + 1;
    if (h + 2 * l.padding < l.kernel || w + 2 * l.padding < l.kernel)
      throw ConfigError(std::string("config key '") + conv_key + "[" + std::to_string(i) + "]': layer " +
                        conv_layer_text(l) + " does not fit its input " + std::to_string(h) + "x" + std::to_string(w) +
                        " (observation " + obs.shape().str() + "): the kernel is larger than the padded picture");
    const int st = static_cast<int>(l.stride), pd = static_cast<int>(l.padding);
    net.layers.add(T::nn::Conv2d(c, l.channels, {l.kernel, l.kernel}, gen, {st, st}, {pd, pd}, options.init,
                                 options.hidden_gain, true, options.dtype));
    net.layers.add(act);
    c = l.channels, h = oh, w = ow;
  }
  net.layers.add(T::nn::Flatten{});
  T::nn::Sequential head = build_mlp(c * h * w, hidden, out, activation, gen, options);
  for (std::size_t i = 0; i < head.size(); ++i) {
    const auto& l = head.layer(i);
    if (const auto* lin = std::get_if<T::nn::Linear>(&l)) net.layers.add(*lin);
    else if (const auto* a = std::get_if<T::nn::Activation>(&l)) net.layers.add(*a);
  }
  return net;
}

std::span<const float> observations_as_float(std::span<const std::byte> bytes, DType dtype, std::vector<float>& scratch) {
  if (dtype == DType::float32)
    return {reinterpret_cast<const float*>(bytes.data()), bytes.size() / sizeof(float)};
  const std::size_t n = bytes.size() / dtype_size(dtype);
  scratch.resize(n);
  const auto* b = bytes.data();
  switch (dtype) {  // the image dtypes in one pass each; anything else element by element
    case DType::uint8: for (std::size_t i = 0; i < n; ++i) scratch[i] = static_cast<float>(std::to_integer<std::uint8_t>(b[i])); break;
    case DType::int8: for (std::size_t i = 0; i < n; ++i) scratch[i] = static_cast<float>(static_cast<std::int8_t>(b[i])); break;
    default: for (std::size_t i = 0; i < n; ++i) scratch[i] = static_cast<float>(load_as_double(b, dtype, i));
  }
  return scratch;
}

void write_tensor(ByteWriter& w, const T::Tensor& t) {
  w.pod(T::file_dtype_code(t.dtype()));
  w.pod(static_cast<std::uint64_t>(t.numel()));
  if (t.dtype() == DType::int64) {
    const auto v = t.to_vector<std::int64_t>();
    w.bytes(v.data(), v.size() * sizeof(std::int64_t));
  } else {
    const auto v = t.to_vector<float>();
    w.bytes(v.data(), v.size() * sizeof(float));
  }
}

void read_tensor_into(ByteReader& r, T::Tensor& t, const std::string& name) {
  const auto code = r.pod<std::uint8_t>();
  const auto n = r.pod<std::uint64_t>();
  DType dtype{};
  if (!T::dtype_of_file_code(code, &dtype))
    throw ConfigError("checkpoint tensor '" + name + "' has an unknown dtype code " + std::to_string(code));
  if (dtype != t.dtype() || n != static_cast<std::uint64_t>(t.numel()))
    throw ConfigError("checkpoint tensor '" + name + "' holds " + std::to_string(n) + " " +
                      std::string(dtype_name(dtype)) + " values, the agent built from the config expects " + t.str());
  if (!t.is_contiguous()) throw ConfigError("checkpoint: tensor '" + name + "' is not contiguous");
  if (t.device().type != T::DeviceType::CPU) {  // a CUDA agent: read on the host, copy across once
    T::Tensor host = T::Tensor::empty(t.shape(), t.dtype());
    if (t.dtype() == DType::int64)
      r.bytes(host.data<std::int64_t>(), n * sizeof(std::int64_t));
    else
      r.bytes(host.data<float>(), n * sizeof(float));
    T::NoGradGuard ng;
    t.copy_(host);
    return;
  }
  if (t.dtype() == DType::int64)
    r.bytes(t.data<std::int64_t>(), n * sizeof(std::int64_t));
  else
    r.bytes(t.data<float>(), n * sizeof(float));
  t.bump_version();
}

}  // namespace rlforge::agents
