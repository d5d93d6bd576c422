// Ppo: proximal policy optimization over a VectorEnv (Discrete: Categorical policy; Box:
// diagonal Gaussian with a state-independent log std), with GAE, the clipped surrogate,
// optional value clipping, an entropy bonus, advantage normalization, minibatch epochs,
// global grad-norm clipping, LR annealing and vector-level observation/reward normalization.
//
// Rollouts use SameStep autoreset: a step that ends an episode returns the next episode's
// first observation, and a truncated step's reward gets + gamma * V(final observation), so
// truncation is bootstrapped, never treated as terminal. All randomness comes from one Rng
// seeded by the config, and the envs give identical results for any thread count, so the same
// config and seed give bit-identical parameters whatever env.num_threads is.
// Throws: rlforge::InvalidArgument for unsupported spaces (obs must be a 1-D float32 Box, or an
// (H, W, C) image with a "policy.conv" torso; actions Discrete or a 1-D float32 Box), ConfigError
// for a conv torso that does not fit the observation or a bad checkpoint.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/agent.hpp"
#include "agents/config.hpp"
#include "agents/network.hpp"
#include "core/rng.hpp"
#include "core/vector_env.hpp"
#include "core/wrappers/vector_normalize.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/optim/optimizers.hpp"
#include "tensor/serialization.hpp"

namespace rlforge::agents {

class Ppo final : public Agent {
 public:
  explicit Ppo(PpoConfig config);
  ~Ppo();
  Ppo(const Ppo&) = delete;
  Ppo& operator=(const Ppo&) = delete;

  const PpoConfig& config() const { return cfg_; }
  const RunConfig& run_config() const override { return cfg_; }
  std::string config_json() const override { return to_json(cfg_); }
  std::int64_t global_step() const override { return global_step_; }
  std::int64_t updates_done() const override { return updates_; }
  std::int64_t num_updates() const override { return cfg_.num_updates(); }
  std::int64_t steps_per_update() const override { return cfg_.batch_size(); }
  // policy_loss, value_loss, entropy, approx_kl, clip_fraction (means over the minibatches).
  std::vector<std::string> loss_names() const override;
  bool is_discrete() const { return discrete_; }
  int obs_dim() const { return obs_dim_; }
  int act_dim() const { return act_dim_; }  // Discrete: number of actions; Box: its size

  // One rollout of num_steps on every env, then the epochs of minibatch updates.
  UpdateStats update() override;

  // `episodes` episodes (one per env) of the deterministic policy on fresh envs seeded with
  // seed + i; observation statistics are used frozen. Rewards are raw.
  EvalResult evaluate(int episodes, std::uint64_t seed) const override;

  // Deterministic actions for raw observations obs [n, obs_dim] (normalized here with the
  // current statistics). Discrete: out_discrete [n]; Box: out_box [n, act_dim], clipped to the
  // bounds. The other output may be empty.
  void act(std::span<const float> obs, int n, std::span<std::int64_t> out_discrete,
           std::span<float> out_box) const;

  // Action probabilities (Discrete) or the deterministic action (Box), and V(s), of one raw
  // observation [obs_dim].
  void readout(std::span<const float> obs, PolicyReadout& out) const;

  // Parameters (actor, critic, log_std) with names, as shared handles.
  std::vector<tensor::NamedTensor> named_parameters() const override;
  // Everything needed to continue exactly: parameters, Adam state, RNG, normalizers, env
  // states, counters. load_state needs an agent built from the same config.
  std::string save_state() const override;
  void load_state(std::string_view blob) override;

 private:
  tensor::Tensor obs_tensor(std::span<const float> raw, int n, bool update_stats);
  void normalize_obs(std::span<const float> raw, int n, std::span<float> out) const;
  tensor::Tensor values_of(const tensor::Tensor& obs) const;  // [n]

  PpoConfig cfg_;
  bool discrete_ = true;
  int obs_dim_ = 0, act_dim_ = 0;
  std::vector<float> act_low_, act_high_;
  std::unique_ptr<VectorEnv> envs_;
  Network actor_, critic_;  // separate torsos: conv layers (if any), flatten, MLP
  tensor::Tensor log_std_;  // [act_dim], Box only
  tensor::Device dev_;      // config "device": networks, Adam state and their inputs live here
  std::unique_ptr<tensor::optim::Adam> opt_;
  tensor::optim::LrSchedule schedule_;
  Rng rng_;
  // Applied to the VectorEnv's outputs after every step; present only when the config enables them.
  std::optional<VectorNormalizeObservation> obs_norm_;
  std::optional<VectorNormalizeReward> rew_norm_;
  std::vector<double> ep_return_;  // [N] raw, for statistics
  std::int64_t global_step_ = 0, updates_ = 0;

  // Rollout storage, [T, N, ...] time-major.
  std::vector<float> b_obs_, b_act_, b_logp_, b_val_, b_rew_, b_done_, b_adv_, b_ret_;
  std::vector<std::int64_t> b_act_i_;
  std::vector<float> scratch_obs_;
  DType obs_dtype_ = DType::float32;           // the env's; non-float32 observations are converted
  std::vector<float> obs_f_, final_f_;         // those conversions (current, final observations)
  std::vector<double> scratch_rew_;  // [N] normalized rewards
};

}  // namespace rlforge::agents
