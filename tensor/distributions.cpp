// Categorical, diagonal Normal and tanh-squashed Normal distributions over batched parameters.
#include "tensor/distributions.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor::dist {
namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;  // 0.5 log(2 pi)
constexpr double kLog2 = 0.69314718055994530942;

template <class F>
Tensor per_row_index(const Tensor& p, F&& pick) {
  // p: [B, A] float32/float64 values; pick(row pointer, A) -> index. Sampling draws from the host
  // Rng, so CUDA rows come to the host (B x A numbers) and the indices go back.
  const std::int64_t B = p.size(0), A = p.size(1);
  Tensor out = Tensor::empty({B}, DType::int64);
  std::int64_t* o = out.data<std::int64_t>();
  const Tensor c = p.detach().to(Device::cpu()).contiguous();
  for (std::int64_t b = 0; b < B; ++b) {
    if (c.dtype() == DType::float32) o[b] = pick(c.data<float>() + b * A, A);
    else o[b] = pick(c.data<double>() + b * A, A);
  }
  return out.to(p.device());
}

}  // namespace

Categorical::Categorical(const Tensor& logits) {
  if (!logits.defined() || logits.ndim() != 2) {
    throw ShapeError("Categorical: logits must be [B, A], got " + (logits.defined() ? logits.shape().str() : std::string("undefined")));
  }
  log_probs_ = log_softmax(logits, -1);
}

Tensor Categorical::probs() const { return exp(log_probs_); }

Tensor Categorical::log_prob(const Tensor& actions) const {
  const std::int64_t B = log_probs_.size(0);
  if (!actions.defined() || actions.dtype() != DType::int64 || actions.numel() != B) {
    throw ShapeError("Categorical::log_prob: actions must be int64 [" + std::to_string(B) + "], got " +
                     (actions.defined() ? actions.str() : std::string("undefined")) + " for logits " +
                     log_probs_.shape().str());
  }
  return gather(log_probs_, 1, actions.reshape({B, 1})).reshape({B});
}

Tensor Categorical::entropy() const { return -sum(exp(log_probs_) * log_probs_, -1); }

Tensor Categorical::sample(Rng& gen) const {
  NoGradGuard no_grad;
  const Tensor p = exp(log_probs_);
  return per_row_index(p, [&](const auto* row, std::int64_t A) {
    const double u = gen.uniform();
    double cum = 0;
    std::int64_t last = 0;
    for (std::int64_t a = 0; a < A; ++a) {
      if (row[a] > 0) last = a;
      cum += static_cast<double>(row[a]);
      if (u < cum && row[a] > 0) return a;
    }
    return last;  // u beyond the rounded total: the last action with mass
  });
}

Tensor Categorical::mode() const { return argmax(log_probs_, -1); }

Normal::Normal(const Tensor& mean, const Tensor& log_std) : mean_(mean), log_std_(log_std) {
  if (!mean.defined() || !log_std.defined() || mean.ndim() != 2) {
    throw ShapeError("Normal: mean must be [B, D] and log_std [B, D] or [D]");
  }
  const Shape& s = log_std.shape();
  const bool ok = (s == mean.shape()) || (s.ndim() == 1 && s[0] == mean.size(1));
  if (!ok) {
    throw ShapeError("Normal: log_std " + s.str() + " does not fit mean " + mean.shape().str() +
                     " (expected the same shape or [D])");
  }
}

Tensor Normal::stddev() const { return exp(log_std_); }

Tensor Normal::log_prob(const Tensor& x) const {
  if (!x.defined() || x.shape() != mean_.shape()) {
    throw ShapeError("Normal::log_prob: value " + (x.defined() ? x.shape().str() : std::string("undefined")) +
                     " must have the mean's shape " + mean_.shape().str());
  }
  const Tensor z = (x - mean_) * exp(-log_std_);
  return sum(-0.5 * (z * z) - log_std_ - kHalfLog2Pi, -1);
}

Tensor Normal::entropy() const {
  // Per dim 0.5 + 0.5 log(2 pi) + log_std, broadcast to [B, D] before summing over D.
  const Tensor per_dim = log_std_ + Tensor::zeros(mean_.shape(), mean_.dtype(), mean_.device());
  return sum(per_dim + (0.5 + kHalfLog2Pi), -1);
}

Tensor Normal::rsample(Rng& gen) const {
  // Noise from the host Rng (one stream for every device), moved next to the mean.
  const Tensor eps = Tensor::randn(mean_.shape(), gen, mean_.dtype()).to(mean_.device());
  return mean_ + exp(log_std_) * eps;
}

Tensor Normal::sample(Rng& gen) const {
  NoGradGuard no_grad;
  return rsample(gen);
}

TanhNormal::TanhNormal(const Tensor& mean, const Tensor& log_std) : base_(mean, log_std) {}

Tensor TanhNormal::log_prob_from_pre_tanh(const Tensor& u) const {
  // log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)): exact, and finite for large |u|.
  const Tensor log_det = 2.0 * (kLog2 - u - softplus(-2.0 * u));
  return base_.log_prob(u) - sum(log_det, -1);
}

std::pair<Tensor, Tensor> TanhNormal::rsample_with_log_prob(Rng& gen) const {
  const Tensor u = base_.rsample(gen);
  return {tanh(u), log_prob_from_pre_tanh(u)};
}

Tensor TanhNormal::log_prob(const Tensor& action) const {
  const Tensor a = clamp(action, -1.0 + 1e-6, 1.0 - 1e-6);
  const Tensor u = 0.5 * log((1.0 + a) / (1.0 - a));  // atanh
  return log_prob_from_pre_tanh(u);
}

Tensor TanhNormal::mode() const { return tanh(base_.mean()); }

}  // namespace rlforge::tensor::dist
