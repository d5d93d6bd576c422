// Weight initializers: uniform/normal fills, Kaiming, Xavier and orthogonal (Gram-Schmidt QR).
#include "tensor/nn/init.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "tensor/autograd/grad_mode.hpp"

namespace rlforge::tensor::nn {
namespace {

void fans(const Tensor& w, const char* who, double& fan_in, double& fan_out) {
  if (w.ndim() < 1) throw ShapeError(std::string(who) + ": needs at least a 1-D tensor, got " + w.shape().str());
  if (w.ndim() == 1) {
    fan_in = fan_out = static_cast<double>(w.size(0));
    return;
  }
  // [out, in, k...]: the receptive field multiplies both fans (conv weights).
  double field = 1;
  for (int d = 2; d < w.ndim(); ++d) field *= static_cast<double>(w.size(d));
  fan_in = static_cast<double>(w.size(1)) * field;
  fan_out = static_cast<double>(w.size(0)) * field;
}

void write(Tensor& w, const std::vector<double>& v) {
  NoGradGuard no_grad;
  Tensor src = Tensor::from_data(std::span<const double>(v), w.shape()).to(w.dtype());
  w.copy_(src);
}

}  // namespace

void uniform_(Tensor& w, Rng& gen, double low, double high) {
  std::vector<double> v(static_cast<std::size_t>(w.numel()));
  for (double& x : v) x = gen.uniform(low, high);
  write(w, v);
}

void normal_(Tensor& w, Rng& gen, double mean, double std) {
  std::vector<double> v(static_cast<std::size_t>(w.numel()));
  for (double& x : v) x = mean + std * gen.normal();
  write(w, v);
}

void kaiming_uniform_(Tensor& w, Rng& gen, double a) {
  double fi, fo;
  fans(w, "kaiming_uniform_", fi, fo);
  const double bound = std::sqrt(6.0 / ((1.0 + a * a) * fi));
  uniform_(w, gen, -bound, bound);
}

void kaiming_normal_(Tensor& w, Rng& gen, double a) {
  double fi, fo;
  fans(w, "kaiming_normal_", fi, fo);
  normal_(w, gen, 0.0, std::sqrt(2.0 / ((1.0 + a * a) * fi)));
}

void xavier_uniform_(Tensor& w, Rng& gen, double gain) {
  double fi, fo;
  fans(w, "xavier_uniform_", fi, fo);
  const double bound = gain * std::sqrt(6.0 / (fi + fo));
  uniform_(w, gen, -bound, bound);
}

void orthogonal_(Tensor& w, Rng& gen, double gain) {
  if (w.ndim() != 2) throw ShapeError("orthogonal_: needs a 2-D weight, got " + w.shape().str());
  const std::int64_t rows = w.size(0), cols = w.size(1);
  // Orthonormalize the columns of a tall n x m Gaussian matrix (n >= m), then transpose back
  // when the weight is wide, so rows or columns (whichever are fewer) are orthonormal.
  const bool wide = rows < cols;
  const std::int64_t n = wide ? cols : rows, m = wide ? rows : cols;
  std::vector<double> a(static_cast<std::size_t>(n * m));
  for (double& x : a) x = gen.normal();
  auto at = [&](std::int64_t i, std::int64_t j) -> double& { return a[static_cast<std::size_t>(i * m + j)]; };
  // Modified Gram-Schmidt: q_j = (a_j - sum_k <q_k, a_j> q_k) / r_jj with r_jj > 0, which is
  // QR with R's diagonal made positive -- the sign fix torch applies.
  for (std::int64_t j = 0; j < m; ++j) {
    for (std::int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (std::int64_t i = 0; i < n; ++i) dot += at(i, k) * at(i, j);
      for (std::int64_t i = 0; i < n; ++i) at(i, j) -= dot * at(i, k);
    }
    double norm = 0;
    for (std::int64_t i = 0; i < n; ++i) norm += at(i, j) * at(i, j);
    norm = std::sqrt(norm);
    for (std::int64_t i = 0; i < n; ++i) at(i, j) /= norm;
  }
  std::vector<double> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      out[static_cast<std::size_t>(r * cols + c)] = gain * (wide ? at(c, r) : at(r, c));
    }
  }
  write(w, out);
}

}  // namespace rlforge::tensor::nn
