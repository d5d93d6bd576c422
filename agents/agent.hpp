// Agent: what the training loop needs from an algorithm (PPO, DQN, SAC): one iteration at a time,
// evaluation with the deterministic policy, parameters, and its whole state for checkpoints.
// Also the shared evaluation routine and the training envs (make_agent is in make_agent.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/config.hpp"
#include "tensor/serialization.hpp"

namespace rlforge {
class VectorEnv;
}

namespace rlforge::agents {

// What one iteration did. `losses` follow the agent's loss_names().
struct UpdateStats {
  double lr = 0;
  int episodes = 0;              // training episodes that ended during the iteration
  double mean_return = 0;        // their mean undiscounted return (raw rewards); 0 if none
  std::vector<double> losses;
};

// What a policy makes of one observation, for people watching it (rlforge watch's overlay).
struct PolicyReadout {
  // Probabilities: a categorical PPO head's softmax. QValues: DQN's Q(s, a) per action.
  // Action: a continuous policy's deterministic action (PPO's mean, SAC's tanh(mean)), clipped
  // to the bounds.
  enum class Kind { Probabilities, QValues, Action };
  Kind kind = Kind::Probabilities;
  std::vector<float> values;  // [actions] or [action dims]
  // The state's value estimate: PPO's critic V(s); DQN's max_a Q(s, a); SAC's
  // min(Q1, Q2)(s, deterministic action). Always present for these algorithms.
  float value = 0.0f;
};

struct EvalResult {
  double mean = 0, std = 0;
  std::vector<double> returns;   // one per episode
};

class Agent {
 public:
  virtual ~Agent() = default;
  virtual const RunConfig& run_config() const = 0;
  virtual std::string config_json() const = 0;      // the resolved config (to_json)
  virtual std::int64_t global_step() const = 0;     // env steps so far (all envs)
  virtual std::int64_t updates_done() const = 0;    // iterations so far
  virtual std::int64_t num_updates() const = 0;     // iterations in the whole run
  virtual std::int64_t steps_per_update() const = 0; // env steps per iteration
  virtual std::vector<std::string> loss_names() const = 0;
  virtual UpdateStats update() = 0;                 // one iteration: collect, then learn
  // `episodes` episodes (one per env) of the deterministic policy on fresh envs seeded seed + i.
  virtual EvalResult evaluate(int episodes, std::uint64_t seed) const = 0;
  virtual std::vector<tensor::NamedTensor> named_parameters() const = 0;
  // Everything needed to continue exactly; load_state needs an agent built from the same config.
  // load_state throws ConfigError on a state that does not fit.
  virtual std::string save_state() const = 0;
  virtual void load_state(std::string_view blob) = 0;
};

// Deterministic actions for raw observations obs [n, obs_dim] (the env's values as float32, an
// image flattened channels-last as the env writes it): Discrete into out_discrete [n],
// Box into out_box [n, act_dim].
using ActFn = std::function<void(std::span<const float> obs, int n, std::span<std::int64_t> out_discrete,
                                 std::span<float> out_box)>;
// What a policy makes of one raw observation [obs_dim] (see PolicyReadout).
using ReadoutFn = std::function<void(std::span<const float> obs, PolicyReadout& out)>;
// The deterministic policy of a PPO, DQN or SAC agent as an ActFn and a ReadoutFn (policy.cpp);
// the agent must outlive them.
ActFn act_fn(const Agent& agent);
ReadoutFn readout_fn(const Agent& agent);
// Runs `episodes` envs (one episode each, env i seeded seed + i) with `act`; raw returns.
EvalResult evaluate_policy(const RunConfig& config, const ActFn& act, int episodes, std::uint64_t seed);

// The training envs every algorithm steps: the config's env, num_envs and threads with SameStep
// autoreset (the final observation feeds the truncation bootstrap), and a 1-D float32 Box
// observation space, which is what the MLPs read; otherwise InvalidArgument naming `algo`.
// `conv_key` (e.g. "policy.conv", nullptr for SAC) is the config key of a conv torso: an image
// observation without one is refused with a hint naming it; with one, build_network checks the shape.
std::unique_ptr<VectorEnv> make_training_envs(const RunConfig& config, const char* algo, const char* conv_key = nullptr,
                                              bool has_conv = false);

}  // namespace rlforge::agents
