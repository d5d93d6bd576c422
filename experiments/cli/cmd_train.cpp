// `rlforge train`: trains an agent from a JSON config into a run folder; --resume continues one.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <variant>
#include <vector>

#include "agents/trainer.hpp"
#include "core/error.hpp"
#include "experiments/cli/command.hpp"

namespace rlforge::cli {

namespace {

constexpr OptionSpec kOptions[] = {
    {"CONFIG", "", "Config file (JSON), e.g. experiments/configs/cartpole_ppo.json", false, ""},
    {"--set", "KEY=VALUE...", "Override a config value by key path, e.g. --set ppo.lr=1e-3 (repeatable)", false, ""},
    {"--seed", "N", "Seed (overrides the config's)", false, ""},
    {"--out", "DIR", "Run folder (default runs/<config name>-seed<N>)", false, ""},
    {"--resume", "DIR", "Continue the run in DIR from its latest checkpoint (no CONFIG)", false, ""},
    {"--stop-after-updates", "N", "Stop after N updates, checkpointed as Ctrl-C does", false, ""},
    {"--force", "", "Replace the run files of another run in --out DIR (other files stay)", false, ""},
    {"--quiet", "", "No progress line", false, ""},
};

std::atomic<bool> g_interrupt{false};

extern "C" void on_sigint(int) {
  g_interrupt.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

int run_train(const Args& args) {
  agents::TrainOptions opt;
  opt.progress = !args.has("--quiet");
  opt.interrupt = &g_interrupt;
  if (args.has("--stop-after-updates"))
    opt.stop_after_updates = args.get_int("--stop-after-updates", 1, std::numeric_limits<std::int64_t>::max());
  const bool resume = args.has("--resume");
  if (resume == args.has("CONFIG")) throw UsageError("give either CONFIG or --resume DIR");
  if (resume && (args.has("--set") || args.has("--seed") || args.has("--out") || args.has("--force")))
    throw UsageError("--resume DIR takes no --set, --seed, --out or --force (the run folder holds its config)");
  opt.force = args.has("--force");

  std::signal(SIGINT, on_sigint);
  agents::TrainResult res;
  std::string out;
  if (resume) {
    out = args.get("--resume");
    opt.out_dir = out;
    std::cout << "resuming " << out << "\n" << std::flush;
    res = agents::resume(opt);
  } else {
    const std::string path = args.get("CONFIG");
    std::vector<std::string> sets = args.get_all("--set");
    if (args.has("--seed")) sets.push_back("seed=" + std::to_string(args.get_int("--seed", 0, std::numeric_limits<std::int64_t>::max() / 2)));
    const agents::AgentConfig cfg = agents::load_config(path, sets);
    const agents::RunConfig& run = agents::run_config(cfg);
    out = args.has("--out") ? args.get("--out")
                            : "runs/" + std::filesystem::path(path).stem().string() + "-seed" + std::to_string(run.seed);
    opt.out_dir = out;
    std::cout << "training " << run.env_id << " with " << (std::holds_alternative<agents::DqnConfig>(cfg)   ? "dqn"
                                                                : std::holds_alternative<agents::SacConfig>(cfg) ? "sac"
                                                                                                                 : "ppo")
              << ", seed " << run.seed << ", " << run.total_steps << " steps at most -> " << out << "\n" << std::flush;
    try {
      res = agents::train(cfg, opt);
    } catch (const ConfigError& e) {
      // Checks that need the env (a conv torso against its observation, videos against its
      // renderer) run when the agent is built and name only the key: add the file here.
      const std::string m = e.what();
      if (m.rfind("config key '", 0) == 0) throw ConfigError(path + ": " + m);
      throw;
    }
  }
  std::signal(SIGINT, SIG_DFL);
  char line[256];
  if (res.stopped) {
    std::cout << "stopped at step " << res.steps << " (update " << res.updates << "); checkpoint written to "
              << out << "/checkpoints/latest.ckpt\ncontinue with: rlforge train --resume " << out << "\n";
    return g_interrupt.load() ? 130 : 0;
  }
  if (res.reached_target) {
    std::snprintf(line, sizeof line, "target reached at step %lld (%.2f s)\n",
                  static_cast<long long>(res.steps_to_target), res.seconds_to_target);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, "final eval: %.2f +- %.2f return (steps %lld, %.2f s)\n", res.final_eval->mean,
                res.final_eval->std, static_cast<long long>(res.steps), res.seconds);
  std::cout << line;
  return 0;
}

}  // namespace

const Command& train_command() {
  static const Command cmd{
      "train",
      "Train an agent (PPO, DQN, SAC) from a JSON config into a run folder",
      "CONFIG [--set key.path=value ...] [--seed N] [--out DIR] | --resume DIR",
      "Writes DIR/config.json (resolved), DIR/metrics.csv, DIR/checkpoints/{latest,best}.ckpt and,\n"
      "at the end, DIR/policy.rlft. Stops at the config's target_return (evaluated every\n"
      "eval.every_steps env steps with the deterministic policy). Ctrl-C writes a checkpoint and\n"
      "exits with 130; --resume DIR then ends exactly as an uninterrupted run would.\n",
      kOptions,
      run_train,
  };
  return cmd;
}

}  // namespace rlforge::cli
