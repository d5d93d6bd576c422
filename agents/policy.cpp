// Policy and load_policy: a checkpoint's agent behind one deterministic act() for PPO, DQN and SAC.
#include "agents/policy.hpp"

#include <utility>

#include "agents/dqn.hpp"
#include "agents/ppo.hpp"
#include "agents/sac.hpp"
#include "agents/trainer.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlforge::agents {

Policy::Policy(std::unique_ptr<Agent> agent, std::string checkpoint)
    : agent_(std::move(agent)), checkpoint_(std::move(checkpoint)) {
  if (!agent_) throw InvalidArgument("Policy: no agent");
  if (dynamic_cast<const Ppo*>(agent_.get()))
    algo_ = "ppo";
  else if (dynamic_cast<const Dqn*>(agent_.get()))
    algo_ = "dqn";
  else if (dynamic_cast<const Sac*>(agent_.get()))
    algo_ = "sac";
  else
    throw InvalidArgument("Policy: the agent is not a PPO, DQN or SAC agent");
  // The spaces of the env the agent was trained on (same id and kwargs).
  const RunConfig& rc = agent_->run_config();
  const auto env = make(rc.env_id, rc.env_kwargs);
  obs_space_ = env->observation_space();
  act_space_ = env->action_space();
  act_ = act_fn(*agent_);
  readout_ = readout_fn(*agent_);
}

Policy::~Policy() = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;

void Policy::act(std::span<const float> obs, int n, std::span<std::int64_t> out_discrete,
                 std::span<float> out_box) const {
  const auto rows = static_cast<std::size_t>(n);
  if (n < 0 || obs.size() != rows * static_cast<std::size_t>(obs_space_.numel()))
    throw InvalidArgument("Policy::act: obs has " + std::to_string(obs.size()) + " values, expected n * " +
                          std::to_string(obs_space_.numel()) + " for n = " + std::to_string(n));
  if (is_discrete() ? out_discrete.size() < rows : out_box.size() < rows * static_cast<std::size_t>(act_space_.numel()))
    throw InvalidArgument("Policy::act: the output span is too small for " + std::to_string(n) + " actions");
  if (n == 0) return;
  act_(obs, n, out_discrete, out_box);
}

void Policy::readout(std::span<const float> obs, PolicyReadout& out) const {
  if (obs.size() != static_cast<std::size_t>(obs_space_.numel()))
    throw InvalidArgument("Policy::readout: obs has " + std::to_string(obs.size()) + " values, expected " +
                          std::to_string(obs_space_.numel()));
  readout_(obs, out);
}

// One dispatch on the algorithm for everything that runs a policy (Policy, players, videos).
ActFn act_fn(const Agent& agent) {
  if (const auto* p = dynamic_cast<const Ppo*>(&agent))
    return [p](std::span<const float> obs, int n, std::span<std::int64_t> d, std::span<float> b) { p->act(obs, n, d, b); };
  if (const auto* q = dynamic_cast<const Dqn*>(&agent))
    return [q](std::span<const float> obs, int n, std::span<std::int64_t> d, std::span<float>) { q->act(obs, n, d); };
  const auto* s = &dynamic_cast<const Sac&>(agent);
  return [s](std::span<const float> obs, int n, std::span<std::int64_t>, std::span<float> b) { s->act(obs, n, b); };
}

ReadoutFn readout_fn(const Agent& agent) {
  if (const auto* p = dynamic_cast<const Ppo*>(&agent))
    return [p](std::span<const float> obs, PolicyReadout& out) { p->readout(obs, out); };
  if (const auto* q = dynamic_cast<const Dqn*>(&agent))
    return [q](std::span<const float> obs, PolicyReadout& out) { q->readout(obs, out); };
  const auto* s = &dynamic_cast<const Sac&>(agent);
  return [s](std::span<const float> obs, PolicyReadout& out) { s->readout(obs, out); };
}

Policy load_policy(const std::string& path) {
  const std::string ckpt = resolve_checkpoint(path);
  return Policy(load_checkpoint(ckpt), ckpt);
}

}  // namespace rlforge::agents
