// build_mlp and tensor state I/O for the agents.
#include "agents/network.hpp"


#include "core/error.hpp"
#include "tensor/ops.hpp"
#include "tensor/serialization.hpp"

namespace rlforge::agents {

namespace T = rlforge::tensor;

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
  if (t.dtype() == DType::int64)
    r.bytes(t.data<std::int64_t>(), n * sizeof(std::int64_t));
  else
    r.bytes(t.data<float>(), n * sizeof(float));
  t.bump_version();
}

}  // namespace rlforge::agents
