// Weight initializers (in place, under no-grad), all drawing from an Rng the caller owns. Fan-in and
// fan-out follow torch.nn.init: for a [out, in] weight, fan_in = in and fan_out = out.
#pragma once
#include "core/rng.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor::nn {

// U(low, high) and N(mean, std) fills.
void uniform_(Tensor& w, Rng& gen, double low, double high);
void normal_(Tensor& w, Rng& gen, double mean, double std);
// Kaiming (He) uniform with leaky-relu slope `a`: bound = sqrt(6 / ((1 + a^2) fan_in)).
// a = sqrt(5) is torch.nn.Linear's default weight init (bound 1 / sqrt(fan_in)).
void kaiming_uniform_(Tensor& w, Rng& gen, double a = 0.0);
// Kaiming normal: std = sqrt(2 / ((1 + a^2) fan_in)).
void kaiming_normal_(Tensor& w, Rng& gen, double a = 0.0);
// Xavier (Glorot) uniform: bound = gain sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& w, Rng& gen, double gain = 1.0);
// A (semi-)orthogonal matrix times gain, from the QR of a Gaussian matrix with the signs of R's
// diagonal folded in (torch.nn.init.orthogonal_'s construction). w must be 2-D; throws ShapeError.
void orthogonal_(Tensor& w, Rng& gen, double gain = 1.0);

}  // namespace rlforge::tensor::nn
