// Policy: a trained agent's deterministic policy loaded from a run folder or a checkpoint, with its env's spaces.
//
// load_policy(path) takes what `rlforge eval` takes: a run folder (its checkpoints/best.ckpt,
// else latest.ckpt) or a .ckpt file. The checkpoint holds the resolved config and the agent's
// whole state (observation normalizer statistics included), so act() gives exactly the actions
// of the agent's own evaluation. Used by the Python bindings (rlforge.load_policy).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "agents/agent.hpp"
#include "core/space.hpp"

namespace rlforge::agents {

class Policy {
 public:
  explicit Policy(std::unique_ptr<Agent> agent, std::string checkpoint = {});
  ~Policy();
  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;

  const std::string& algo() const { return algo_; }  // "ppo" | "dqn" | "sac"
  const RunConfig& run_config() const { return agent_->run_config(); }
  std::string config_json() const { return agent_->config_json(); }
  const std::string& checkpoint() const { return checkpoint_; }  // the file it was loaded from
  std::int64_t global_step() const { return agent_->global_step(); }
  // The env's single observation space (a 1-D float32 Box, or an (H, W, C) image for a conv
  // policy) and action space (Discrete or Box).
  const Space& observation_space() const { return obs_space_; }
  const Space& action_space() const { return act_space_; }
  bool is_discrete() const { return act_space_.kind() == Space::Kind::Discrete; }

  // Deterministic actions for raw observations obs [n, obs_dim] (the env's values as float32; an
  // image flattened channels-last, uint8 as 0..255): Discrete into out_discrete [n],
  // Box into out_box [n, action numel]. Throws InvalidArgument when a span's size does not fit n.
  void act(std::span<const float> obs, int n, std::span<std::int64_t> out_discrete, std::span<float> out_box) const;
  // What the policy makes of one raw observation [obs_dim]: action probabilities (PPO,
  // Discrete), Q-values (DQN) or the action (continuous), and the value estimate.
  void readout(std::span<const float> obs, PolicyReadout& out) const;
  // The agent's own evaluation (as `rlforge eval`): `episodes` fresh envs seeded seed + i.
  EvalResult evaluate(int episodes, std::uint64_t seed) const { return agent_->evaluate(episodes, seed); }

 private:
  std::unique_ptr<Agent> agent_;
  std::string checkpoint_, algo_;
  Space obs_space_, act_space_;
  ActFn act_;
  ReadoutFn readout_;
};

// The policy of a run folder or checkpoint file (see resolve_checkpoint). Throws ConfigError
// naming the path for a missing, corrupt or mismatched checkpoint.
Policy load_policy(const std::string& path);

}  // namespace rlforge::agents
