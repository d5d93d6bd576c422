// The training run around an agent: run folder, evaluation schedule, metrics CSV, checkpoints
// (latest and best; atomic, versioned, checksummed state files), resume, stop at the target.
//
// Run folder DIR: config.json (fully resolved), metrics.csv (one row per iteration: step,
// wall_seconds, updates, train_return, eval_return, eval_std, the agent's loss_names(), lr;
// eval columns empty between evaluations),
// checkpoints/latest.ckpt and checkpoints/best.ckpt, policy.rlft (final parameters, a
// tensor/serialization file). A checkpoint holds the config, the trainer's counters and
// metrics, and the agent's whole state (parameters, Adam, RNG, normalizers, env states), so a
// resumed run ends with exactly the parameters of an uninterrupted one.
// Throws ConfigError naming the file for a missing, corrupt or mismatched checkpoint.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agents/config.hpp"
#include "agents/agent.hpp"

namespace rlforge::agents {

struct TrainOptions {
  std::string out_dir;                          // created if missing
  std::int64_t stop_after_updates = 0;          // > 0: stop after this many updates in this call (checkpointed)
  const std::atomic<bool>* interrupt = nullptr; // set asynchronously (Ctrl-C): checkpoint and stop
  bool progress = true;                         // live progress line on stderr
  bool force = false;                           // train(): replace the run files of another run in out_dir
};

struct TrainResult {
  std::int64_t steps = 0, updates = 0;
  double seconds = 0;                 // wall-clock of the run, summed over resumes, evals included
  std::optional<EvalResult> final_eval;
  bool reached_target = false;
  std::int64_t steps_to_target = -1;  // env steps at the evaluation that reached the target
  double seconds_to_target = -1;
  bool stopped = false;               // interrupted or stop_after_updates: resumable
};

// Starts a new run in options.out_dir. The agent is built (env id, kwargs, algorithm against the
// spaces checked) before anything is written. A folder that is missing, empty, or holds this very
// run (the same config.json and nothing else) is used; one holding another run or other files
// throws Error naming it and writes nothing, unless options.force (then the run files —
// config.json, metrics.csv, learning_curve.svg, policy.rlft, checkpoints/ — are replaced and
// other files left alone). Stale temporaries of killed writers are removed.
TrainResult train(const AgentConfig& config, const TrainOptions& options);
// Throws as train() would for this folder and config; changes nothing.
void check_run_folder(const std::string& out_dir, const std::string& config_json, bool force);
// Continues the run in options.out_dir from checkpoints/latest.ckpt.
TrainResult resume(const TrainOptions& options);

// A checkpoint's agent (built from the config inside it, its state loaded).
std::unique_ptr<Agent> load_checkpoint(const std::string& path);
// `path` is a checkpoint file or a run folder (its best checkpoint, else the latest).
std::string resolve_checkpoint(const std::string& path);

// Seed of the k-th evaluation's envs (k = 0, 1, ...): fixed by the config seed alone.
std::uint64_t eval_seed(std::uint64_t seed, std::int64_t k);

}  // namespace rlforge::agents
