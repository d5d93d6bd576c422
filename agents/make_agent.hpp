// make_agent: builds the algorithm a config names (PPO, DQN or SAC). Kept apart from agent.hpp
// so that the Agent interface, which every algorithm includes, does not include the algorithms.
#pragma once
#include <memory>

#include "agents/agent.hpp"
#include "agents/config.hpp"

namespace rlforge::agents {

std::unique_ptr<Agent> make_agent(const AgentConfig& config);

}  // namespace rlforge::agents
