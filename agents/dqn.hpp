// Dqn: deep Q-learning over a VectorEnv with a replay buffer, a target network (hard copy or
// Polyak), double-DQN targets, a linear epsilon schedule, Huber or MSE loss, train frequency and
// gradient steps per iteration. Discrete actions; 1-D float32 Box observations, or (H, W, C)
// images with a "network.conv" torso (the replay ring keeps them as float32 values).
//
// Collection uses SameStep autoreset: the stored next observation of a step that ended an
// episode is its final observation, and only termination (not truncation) zeroes the bootstrap.
// All randomness (exploration, minibatches) comes from one Rng seeded by the config; the envs give
// identical results for any thread count. Throws InvalidArgument for unsupported spaces.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "agents/network.hpp"
#include "agents/replay_buffer.hpp"
#include "core/rng.hpp"
#include "core/vector_env.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/optim/optimizers.hpp"

namespace rlforge::agents {

class Dqn final : public Agent {
 public:
  explicit Dqn(DqnConfig config);
  ~Dqn() override;

  const DqnConfig& config() const { return cfg_; }
  const RunConfig& run_config() const override { return cfg_; }
  std::string config_json() const override { return to_json(cfg_); }
  std::int64_t global_step() const override { return global_step_; }
  std::int64_t updates_done() const override { return updates_; }
  std::int64_t num_updates() const override { return cfg_.num_iterations(); }
  std::int64_t steps_per_update() const override { return cfg_.steps_per_iteration(); }
  // loss (mean over the iteration's gradient steps), q_mean (mean Q of the taken actions), epsilon.
  std::vector<std::string> loss_names() const override;
  UpdateStats update() override;
  EvalResult evaluate(int episodes, std::uint64_t seed) const override;
  // Greedy actions for obs [n, obs_dim] into out [n].
  void act(std::span<const float> obs, int n, std::span<std::int64_t> out) const;
  // Q(s, a) for every action of one observation [obs_dim]; value = the largest.
  void readout(std::span<const float> obs, PolicyReadout& out) const;
  double epsilon() const;  // at the current global step
  std::vector<tensor::NamedTensor> named_parameters() const override;
  std::string save_state() const override;
  void load_state(std::string_view blob) override;

 private:
  double train_step();
  void update_target();
  // Parameters, target parameters, Adam state: the tensors of a checkpoint.
  std::vector<tensor::NamedTensor> state_tensors() const;

  DqnConfig cfg_;
  int obs_dim_ = 0, n_actions_ = 0;
  std::int64_t action_start_ = 0;
  std::unique_ptr<VectorEnv> envs_;
  Network q_, q_target_;
  tensor::Device dev_;  // config "device": the Q networks, Adam state and their inputs
  std::unique_ptr<tensor::optim::Adam> opt_;
  Rng rng_;
  // Replay ring: the action index (minus the space's start) of each transition.
  std::unique_ptr<ReplayBuffer<std::int64_t>> replay_;
  std::vector<double> ep_return_;
  std::int64_t global_step_ = 0, updates_ = 0, vector_steps_ = 0;
  double q_mean_ = 0;
  DType obs_dtype_ = DType::float32;              // the env's; non-float32 observations are converted
  std::vector<float> next_f_, final_f_;           // those conversions (next, final observations)  // scratch for the stats of the current iteration
};

}  // namespace rlforge::agents
