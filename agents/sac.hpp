// Sac: soft actor-critic over a VectorEnv for 1-D float32 Box actions: twin Q critics with
// Polyak targets, a tanh-squashed Gaussian actor (state-dependent mean and log std, clamped to
// [log_std_min, log_std_max]), automatic entropy temperature, actions rescaled from (-1, 1) to
// the env's bounds, uniform actions until learning_starts, gradient_steps per iteration (UTD).
//
// Collection uses SameStep autoreset (final observations stored, only termination zeroes the
// bootstrap). Sampling noise comes from the agent's own Rng, which checkpoints save (the
// initialization Rng is a local of the constructor), so runs are reproducible and resumable
// exactly, for any env thread count. Throws InvalidArgument for unsupported spaces or an unbounded action space.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "agents/replay_buffer.hpp"
#include "core/rng.hpp"
#include "core/vector_env.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/optim/optimizers.hpp"

namespace rlforge::agents {

class Sac final : public Agent {
 public:
  explicit Sac(SacConfig config);
  ~Sac() override;

  const SacConfig& config() const { return cfg_; }
  const RunConfig& run_config() const override { return cfg_; }
  std::string config_json() const override { return to_json(cfg_); }
  std::int64_t global_step() const override { return global_step_; }
  std::int64_t updates_done() const override { return updates_; }
  std::int64_t num_updates() const override { return cfg_.num_iterations(); }
  std::int64_t steps_per_update() const override { return cfg_.steps_per_iteration(); }
  // critic_loss, actor_loss, alpha (means over the iteration's gradient steps).
  std::vector<std::string> loss_names() const override;
  UpdateStats update() override;
  EvalResult evaluate(int episodes, std::uint64_t seed) const override;
  // Deterministic actions tanh(mean), rescaled to the bounds: obs [n, obs_dim] -> out [n, act_dim].
  void act(std::span<const float> obs, int n, std::span<float> out) const;
  // The deterministic action of one observation [obs_dim] and min(Q1, Q2) at it.
  void readout(std::span<const float> obs, PolicyReadout& out) const;
  double alpha() const;
  std::vector<tensor::NamedTensor> named_parameters() const override;
  std::string save_state() const override;
  void load_state(std::string_view blob) override;

 private:
  // Reparameterized squashed sample for obs x [B, obs_dim]: action [B, A] in (-1, 1), log-prob [B].
  // Standard normal noise [B, A] is drawn from the Rng, or taken from `noise` when given.
  std::pair<tensor::Tensor, tensor::Tensor> sample(const tensor::Tensor& x, const float* noise = nullptr);
  tensor::Tensor q_value(const tensor::nn::Sequential& q, const tensor::Tensor& x, const tensor::Tensor& a) const;
  void train_step(double& critic_loss, double& actor_loss);
  std::vector<tensor::NamedTensor> state_tensors() const;

  SacConfig cfg_;
  int obs_dim_ = 0, act_dim_ = 0;
  std::vector<float> low_, high_;
  double target_entropy_ = 0;
  std::unique_ptr<VectorEnv> envs_;
  tensor::nn::Sequential actor_, q1_, q2_, q1_target_, q2_target_;
  tensor::Tensor log_alpha_;  // [1]
  tensor::Device dev_;        // config "device": networks, Adam state, log alpha and their inputs
  std::unique_ptr<tensor::optim::Adam> actor_opt_, critic_opt_, alpha_opt_;
  Rng rng_;
  // Replay ring: actions in (-1, 1) [act_dim] per transition.
  std::unique_ptr<ReplayBuffer<float>> replay_;
  std::vector<double> ep_return_;
  std::vector<float> held_noise_, held_uniform_;  // [N, A], redrawn every noise_hold_steps
  std::int64_t global_step_ = 0, updates_ = 0, vector_steps_ = 0;
};

}  // namespace rlforge::agents
