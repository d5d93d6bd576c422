// make_agent: the one place that knows every algorithm.
#include "agents/make_agent.hpp"

#include <variant>

#include "agents/dqn.hpp"
#include "agents/ppo.hpp"
#include "agents/sac.hpp"

namespace rlforge::agents {

std::unique_ptr<Agent> make_agent(const AgentConfig& config) {
  if (const auto* p = std::get_if<PpoConfig>(&config)) return std::make_unique<Ppo>(*p);
  if (const auto* d = std::get_if<DqnConfig>(&config)) return std::make_unique<Dqn>(*d);
  return std::make_unique<Sac>(std::get<SacConfig>(config));
}

}  // namespace rlforge::agents
