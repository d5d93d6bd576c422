// `rlforge eval`: runs a checkpoint's deterministic policy and prints the mean ± std return.
#include <cstdio>
#include <iostream>
#include <limits>

#include "agents/trainer.hpp"
#include "experiments/cli/command.hpp"

namespace rlforge::cli {

namespace {

constexpr OptionSpec kOptions[] = {
    {"PATH", "", "A run folder (its best checkpoint, else the latest) or a .ckpt file", true, ""},
    {"--episodes", "N", "Episodes, one per env", false, "10"},
    {"--seed", "S", "Env i is seeded with S + i", false, "12345"},
};

int run_eval(const Args& args) {
  const int episodes = static_cast<int>(args.get_int("--episodes", 1, 1000000));
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, std::numeric_limits<std::int64_t>::max()));
  const std::string path = agents::resolve_checkpoint(args.get("PATH"));
  const auto agent = agents::load_checkpoint(path);
  const agents::EvalResult r = agent->evaluate(episodes, seed);
  char line[256];
  std::snprintf(line, sizeof line, "%s: %.2f ± %.2f return over %d episodes (checkpoint %s, step %lld)\n",
                agent->run_config().env_id.c_str(), r.mean, r.std, episodes, path.c_str(),
                static_cast<long long>(agent->global_step()));
  std::cout << line;
  return 0;
}

}  // namespace

const Command& eval_command() {
  static const Command cmd{
      "eval",
      "Evaluate a trained checkpoint's deterministic policy",
      "DIR|CHECKPOINT [--episodes N] [--seed S]",
      "",
      kOptions,
      run_eval,
  };
  return cmd;
}

}  // namespace rlforge::cli
