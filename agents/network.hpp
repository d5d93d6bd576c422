// MLP helpers shared by the agents: building (forward is the network's own, with linear and
// activation fused) and tensor state I/O.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/binary_io.hpp"
#include "tensor/nn/mlp.hpp"

namespace rlforge::agents {

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
