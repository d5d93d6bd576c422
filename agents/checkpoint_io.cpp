// Checkpoint pieces shared by PPO, DQN and SAC (see checkpoint_io.hpp).
#include "agents/checkpoint_io.hpp"

#include <cstdint>
#include <iostream>

#include "agents/network.hpp"
#include "core/error.hpp"

namespace rlforge::agents {

void check_field(const char* field, std::int64_t value, std::int64_t lo, std::int64_t hi, const std::string& why) {
  if (value >= lo && value <= hi) return;
  throw ConfigError("checkpoint: field '" + std::string(field) + "' is " + std::to_string(value) + ", expected " +
                    (lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi)) +
                    (why.empty() ? std::string() : " (" + why + ")"));
}

void write_tensors(ByteWriter& w, const std::vector<tensor::NamedTensor>& tensors) {
  w.pod(static_cast<std::uint64_t>(tensors.size()));
  for (const auto& t : tensors) {
    w.str(t.name);
    write_tensor(w, t.value);
  }
}

void read_tensors_into(ByteReader& r, const std::vector<tensor::NamedTensor>& tensors) {
  const auto count = r.pod<std::uint64_t>();
  if (count != tensors.size())
    throw ConfigError("checkpoint: holds " + std::to_string(count) + " tensors where the agent has " +
                      std::to_string(tensors.size()));
  for (const auto& t : tensors) {
    const std::string name = r.str();
    if (name != t.name) throw ConfigError("checkpoint: found tensor '" + name + "' where '" + t.name + "' was expected");
    tensor::Tensor value = t.value;
    read_tensor_into(r, value, name);
  }
}

void write_episode_returns(ByteWriter& w, const std::vector<double>& returns) { w.vec(returns); }

void read_episode_returns(ByteReader& r, std::vector<double>& returns) {
  auto ep = r.vec<double>();
  if (ep.size() != returns.size())
    throw ConfigError("checkpoint: holds " + std::to_string(ep.size()) + " envs, the config has " +
                      std::to_string(returns.size()));
  returns = std::move(ep);
}

void write_env_state_last(ByteWriter& w, const VectorEnv& envs) { w.str(envs.save_state()); }

void read_env_state_last(ByteReader& r, VectorEnv& envs, std::vector<double>& ep_return) {
  const std::string blob = r.str();
  if (!r.at_end()) throw ConfigError("checkpoint: unexpected bytes after the agent state");
  int restarted = 0;
  try {
    restarted = envs.load_state(blob);
  } catch (const InvalidArgument& e) {
    throw ConfigError(std::string("checkpoint: ") + e.what());
  }
  if (restarted == 0) return;
  for (std::size_t i = 0; i < ep_return.size(); ++i) ep_return[i] = 0.0;
  std::cerr << "rlforge: resume: " << envs.spec().id << " does not expose its state "
            << "(EnvSpec::exposes_state is false), so its " << restarted
            << " training envs start new episodes; this run is not bit-identical to an "
               "uninterrupted one\n";
}

}  // namespace rlforge::agents
