// Action distributions for the agents, built from differentiable ops: Categorical over logits,
// diagonal Normal, and the tanh-squashed Normal of SAC with its log-det-Jacobian correction.
// Batch-first: parameters are [B, A] (Categorical) or [B, D] (Normal); log_prob and entropy
// return [B]. Sampling draws from an Rng the caller owns and records nothing on the tape
// except rsample, which is reparameterized (gradients flow to mean and log_std).
#pragma once
#include <utility>

#include "core/rng.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor::dist {

class Categorical {
 public:
  // logits [B, A] (unnormalized log-probabilities). Throws ShapeError unless 2-D.
  explicit Categorical(const Tensor& logits);
  const Tensor& log_probs() const { return log_probs_; }  // [B, A], log_softmax(logits)
  Tensor probs() const;                                   // [B, A]
  // actions: int64 [B] (values in [0, A)); returns [B]. Throws ShapeError on a batch mismatch.
  Tensor log_prob(const Tensor& actions) const;
  Tensor entropy() const;                      // [B]
  Tensor sample(Rng& gen) const;         // int64 [B], inverse CDF on one uniform per row
  Tensor mode() const;                         // int64 [B], argmax (first index on ties)

 private:
  Tensor log_probs_;
};

class Normal {
 public:
  // mean [B, D]; log_std [B, D] or [D] (a state-independent parameter, as in PPO). Throws
  // ShapeError if they do not broadcast to mean's shape.
  Normal(const Tensor& mean, const Tensor& log_std);
  const Tensor& mean() const { return mean_; }
  Tensor stddev() const;
  Tensor log_prob(const Tensor& x) const;      // [B], summed over D
  Tensor entropy() const;                      // [B], summed over D
  Tensor rsample(Rng& gen) const;        // [B, D], mean + std * eps (differentiable)
  Tensor sample(Rng& gen) const;         // [B, D], detached

 private:
  Tensor mean_, log_std_;
};

// a = tanh(u), u ~ Normal(mean, std). log p(a) = log N(u) - sum log(1 - tanh(u)^2), with the
// correction computed stably as 2 (log 2 - u - softplus(-2u)).
class TanhNormal {
 public:
  TanhNormal(const Tensor& mean, const Tensor& log_std);
  // Reparameterized sample and its log-prob from the pre-squash value (no atanh round trip).
  std::pair<Tensor, Tensor> rsample_with_log_prob(Rng& gen) const;  // ([B, D], [B])
  // log p(a) for actions in (-1, 1); a is clamped to +-(1 - 1e-6) before atanh.
  Tensor log_prob(const Tensor& action) const;
  Tensor mode() const;  // tanh(mean), the deterministic policy's action

 private:
  Tensor log_prob_from_pre_tanh(const Tensor& u) const;
  Normal base_;
};

}  // namespace rlforge::tensor::dist
