// MLP helpers shared by the agents: building, the forward pass (with a faster tanh) and tensor
// state I/O.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "agents/binary_io.hpp"
#include "tensor/nn/mlp.hpp"

namespace rlforge::agents {

// net.forward(x), except that tanh layers run as 1 - 2 / (exp(2x) + 1): tensor's tanh kernel
// calls libm's scalar tanhf per element, which made tanh 70% of a CartPole PPO run; the exp
// kernel is several times cheaper. Same function; rounding differs by a few ulps.
// x [B, in] -> [B, out].
tensor::Tensor forward(const tensor::nn::Sequential& net, tensor::Tensor x);

// An MLP in -> hidden... -> out with "relu" or "tanh" hidden layers (the configs' activation
// key); `options` supplies the rest (init, gains). Every agent builds its networks here.
tensor::nn::Sequential build_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                                 const std::string& activation, tensor::Generator& gen,
                                 tensor::nn::MlpOptions options = {});

// A tensor's dtype, element count and values (f32 or i64), and the checked restore into an
// existing tensor of the same dtype and size (ConfigError naming `name` otherwise).
void write_tensor(ByteWriter& w, const tensor::Tensor& t);
void read_tensor_into(ByteReader& r, tensor::Tensor& t, const std::string& name);

}  // namespace rlforge::agents
