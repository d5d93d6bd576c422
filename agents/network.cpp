// build_mlp and tensor state I/O for the agents.
#include "agents/network.hpp"


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
