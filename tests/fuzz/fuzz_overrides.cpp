// libFuzzer target: `--set` overrides (agents::load_config with arbitrary override strings, one
// per input line) on a shipped config. Bad overrides must end in ConfigError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agents/config.hpp"
#include "core/error.hpp"

#ifndef RLFORGE_SOURCE_DIR
#error "RLFORGE_SOURCE_DIR must name the source tree (the configs are read from it)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the config, so PPO, DQN and SAC sections are all overridden.
  static const char* const kConfigs[] = {"cartpole_ppo.json", "cartpole_dqn.json", "pendulum_sac.json"};
  if (size == 0) return 0;
  const std::string config = std::string(RLFORGE_SOURCE_DIR "/experiments/configs/") + kConfigs[data[0] % 3];
  std::vector<std::string> overrides(1);
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == '\n')
      overrides.emplace_back();
    else
      overrides.back() += static_cast<char>(data[i]);
  }
  try {
    (void)rlforge::agents::to_json(rlforge::agents::load_config(config, overrides));
  } catch (const rlforge::ConfigError&) {
  }
  return 0;
}
