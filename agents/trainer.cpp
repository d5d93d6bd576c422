// train / resume: the iteration loop with evaluation, metrics, checkpoints and progress.
#include "agents/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <regex>
#include <sstream>

#include "agents/checkpoint_io.hpp"
#include "agents/episode_player.hpp"
#include "agents/learning_curve.hpp"
#include "render/video.hpp"
#include "agents/make_agent.hpp"
#include "core/atomic_file.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/registry.hpp"
#include "core/state_file.hpp"

namespace rlforge::agents {

namespace fs = std::filesystem;

namespace {

// 2: PPO embeds its normalizers as core/wrappers/vector_normalize state.
constexpr const char* kCheckpointKind = "rlforge.checkpoint/2";
constexpr std::size_t kRecentEpisodes = 20;

std::string metrics_header(const Agent& agent) {
  std::string h = "step,wall_seconds,updates,train_return,eval_return,eval_std";
  for (const auto& n : agent.loss_names()) h += "," + n;
  return h + ",lr\n";
}

// Everything the loop keeps besides the agent; saved in every checkpoint.
struct RunState {
  std::int64_t evals_done = 0;
  std::int64_t next_eval_step = 0;
  double best_eval = -std::numeric_limits<double>::infinity();
  double seconds = 0;
  std::uint8_t reached_target = 0;
  std::int64_t steps_to_target = -1;
  double seconds_to_target = -1;
  double last_eval_mean = 0, last_eval_std = 0;
  std::int64_t last_eval_step = -1;
  std::vector<double> recent;  // last kRecentEpisodes-ish training episode returns (means per update)
  std::string metrics;  // metrics.csv, header included
};

std::string encode(const RunState& rs, const Agent& agent) {
  ByteWriter w;
  w.str(agent.config_json());
  w.pod(rs.evals_done);
  w.pod(rs.next_eval_step);
  w.pod(rs.best_eval);
  w.pod(rs.seconds);
  w.pod(rs.reached_target);
  w.pod(rs.steps_to_target);
  w.pod(rs.seconds_to_target);
  w.pod(rs.last_eval_mean);
  w.pod(rs.last_eval_std);
  w.pod(rs.last_eval_step);
  w.vec(rs.recent);
  w.str(rs.metrics);
  w.str(agent.save_state());
  return w.data();
}

struct Loaded {
  RunState rs;
  std::unique_ptr<Agent> agent;
};

void check_finite(const char* field, double v, bool allow_minus_inf = false) {
  if (std::isfinite(v) || (allow_minus_inf && v == -std::numeric_limits<double>::infinity())) return;
  throw ConfigError("checkpoint: field '" + std::string(field) + "' is " + std::to_string(v) + ", expected a finite number");
}

// The loop's counters against the agent's (already checked against the config): a damaged
// next_eval_step would otherwise spin `while (next_eval_step <= step)` for ages, a negative
// evals_done reuse evaluation seeds, a metrics text of another length misnumber the CSV.
void check_run_state(const RunState& rs, const Agent& agent) {
  const std::int64_t step = agent.global_step(), updates = agent.updates_done();
  const std::int64_t every = agent.run_config().eval_every_steps;
  check_field("run.evals_done", rs.evals_done, 0, updates, "at most one evaluation per update");
  // After every update the loop evaluates once step >= next_eval_step and then moves it past
  // step by whole eval.every_steps, so it lies in (step, step + every_steps].
  check_field("run.next_eval_step", rs.next_eval_step, step + 1, step + every,
              "above the env step " + std::to_string(step) + " by at most eval.every_steps");
  if (rs.next_eval_step % every != 0)
    throw ConfigError("checkpoint: field 'run.next_eval_step' is " + std::to_string(rs.next_eval_step) +
                      ", expected a multiple of eval.every_steps = " + std::to_string(every));
  check_field("run.reached_target", rs.reached_target, 0, 1, "a flag");
  if (rs.reached_target)
    check_field("run.steps_to_target", rs.steps_to_target, 0, step, "an env step of this run");
  else
    check_field("run.steps_to_target", rs.steps_to_target, -1, -1, "-1 until the target is reached");
  if (rs.evals_done == 0)
    check_field("run.last_eval_step", rs.last_eval_step, -1, -1, "-1 before the first evaluation");
  else
    check_field("run.last_eval_step", rs.last_eval_step, 0, step, "an env step of this run");
  check_finite("run.seconds", rs.seconds);
  if (rs.seconds < 0) throw ConfigError("checkpoint: field 'run.seconds' is " + std::to_string(rs.seconds) + ", expected >= 0");
  check_finite("run.best_eval", rs.best_eval, true);
  check_finite("run.last_eval_mean", rs.last_eval_mean);
  check_finite("run.last_eval_std", rs.last_eval_std);
  check_finite("run.seconds_to_target", rs.seconds_to_target);
  check_field("run.recent", static_cast<std::int64_t>(rs.recent.size()), 0, static_cast<std::int64_t>(kRecentEpisodes),
              "the last training returns kept");
  const std::string header = metrics_header(agent);
  if (rs.metrics.compare(0, header.size(), header) != 0)
    throw ConfigError("checkpoint: field 'run.metrics' does not start with this agent's metrics.csv header");
  check_field("run.metrics rows", static_cast<std::int64_t>(std::count(rs.metrics.begin(), rs.metrics.end(), '\n')) - 1,
              updates, updates, "one row per update");
}

Loaded decode(const std::string& path) {
  const std::string payload = load_state_file(path, kCheckpointKind);
  try {
    ByteReader r(payload);
    Loaded l;
    const std::string config_text = r.str();
    const AgentConfig cfg = config_from_json(JsonObject::parse(config_text, path + " (config inside the checkpoint)"));
    l.rs.evals_done = r.pod<std::int64_t>();
    l.rs.next_eval_step = r.pod<std::int64_t>();
    l.rs.best_eval = r.pod<double>();
    l.rs.seconds = r.pod<double>();
    l.rs.reached_target = r.pod<std::uint8_t>();
    l.rs.steps_to_target = r.pod<std::int64_t>();
    l.rs.seconds_to_target = r.pod<double>();
    l.rs.last_eval_mean = r.pod<double>();
    l.rs.last_eval_std = r.pod<double>();
    l.rs.last_eval_step = r.pod<std::int64_t>();
    l.rs.recent = r.vec<double>();
    l.rs.metrics = r.str();
    l.agent = make_agent(cfg);
    l.agent->load_state(r.str());
    if (!r.at_end()) throw ConfigError("unexpected bytes after the agent state");
    check_run_state(l.rs, *l.agent);
    return l;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    if (msg.rfind(path, 0) == 0) throw;
    throw ConfigError(path + ": " + msg);
  }
}

void save_checkpoint(const std::string& path, const RunState& rs, const Agent& agent) {
  save_state_file(path, kCheckpointKind, encode(rs, agent));
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt("%.1fs", s);
  if (s < 3600) return fmt("%.0fm", std::floor(s / 60)) + fmt("%02.0fs", std::fmod(s, 60));
  return fmt("%.0fh", std::floor(s / 3600)) + fmt("%02.0fm", std::fmod(s / 60, 60));
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

// The config's "video" asks for something this env and build can give: checked before a run
// writes anything (a missing codec must not end a long run at its first evaluation).
void check_eval_video(const RunConfig& cfg) {
  if (cfg.video_every_evals <= 0) return;
  const auto env = make(cfg.env_id, cfg.env_kwargs);
  if (!env->renders())
    throw ConfigError("config key 'video.every_evals' asks for evaluation videos, but " + cfg.env_id +
                      " does not render (its class defines no draw(Frame&)); remove \"video\" from the config");
  render::require_video_format("eval." + cfg.video_format);
}

// One episode of the deterministic policy, seeded like that evaluation's first episode, into
// videos/eval_<k>_step_<global step>.<format>. The file is the run's own: a resumed run that
// evaluates at the same step again writes it again.
void record_eval_video(const Agent& agent, const fs::path& dir, std::int64_t eval_index, std::uint64_t seed) {
  const RunConfig& cfg = agent.run_config();
  auto env = make(cfg.env_id, cfg.env_kwargs);
  const double fps = env->spec().frame_rate();
  EpisodePlayer player(std::move(env), act_fn(agent), {}, seed);
  fs::create_directories(dir / "videos");
  const std::string path = (dir / "videos" / ("eval_" + std::to_string(eval_index) + "_step_" +
                                              std::to_string(agent.global_step()) + "." + cfg.video_format))
                               .string();
  auto video = player.open_video(path, fps, /*overwrite=*/true);
  record_episodes(player, 1, video.get());
  video->close();
}

TrainResult run_loop(RunState& rs, Agent& agent, const TrainOptions& opt) {
  const RunConfig& cfg = agent.run_config();
  const fs::path dir(opt.out_dir);
  const std::string latest = (dir / "checkpoints" / "latest.ckpt").string();
  const std::string best = (dir / "checkpoints" / "best.ckpt").string();
  const bool tty = opt.progress && isatty(2);
  const auto start = std::chrono::steady_clock::now();
  const double base_seconds = rs.seconds;
  auto now_s = [&] {
    return base_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::int64_t step0 = agent.global_step();
  const std::int64_t total = agent.num_updates();
  const std::int64_t total_steps = total * agent.steps_per_update();
  std::int64_t done_here = 0;
  const std::string plot_title = JsonObject::parse(agent.config_json(), "config").get_string("algo") + " on " +
                                 cfg.env_id + ", seed " + std::to_string(cfg.seed);
  TrainResult res;
  std::deque<double> recent(rs.recent.begin(), rs.recent.end());
  double last_print = -1;

  auto checkpoint = [&] {
    rs.seconds = now_s();
    rs.recent.assign(recent.begin(), recent.end());
    save_checkpoint(latest, rs, agent);
    write_file_atomic((dir / "metrics.csv").string(), rs.metrics);
    write_file_atomic((dir / "learning_curve.svg").string(), learning_curve_svg(rs.metrics, plot_title, cfg.target_return));
    write_file_atomic((dir / "learning_curve.png").string(), learning_curve_png(rs.metrics, plot_title, cfg.target_return));
  };

  while (agent.updates_done() < total && !rs.reached_target) {
    if (opt.interrupt && opt.interrupt->load()) {
      res.stopped = true;
      break;
    }
    const UpdateStats us = agent.update();
    ++done_here;
    if (us.episodes > 0) {
      recent.push_back(us.mean_return);
      while (recent.size() > kRecentEpisodes) recent.pop_front();
    }
    const double train_return = mean_of({recent.begin(), recent.end()});
    const bool last = agent.updates_done() == total;
    std::string eval_cols = ",";
    bool evaluated = false;
    if (agent.global_step() >= rs.next_eval_step || last) {
      const EvalResult ev = agent.evaluate(cfg.eval_episodes, eval_seed(cfg.seed, rs.evals_done));
      ++rs.evals_done;
      while (rs.next_eval_step <= agent.global_step()) rs.next_eval_step += cfg.eval_every_steps;
      rs.last_eval_mean = ev.mean;
      rs.last_eval_std = ev.std;
      rs.last_eval_step = agent.global_step();
      eval_cols = fmt("%.4f", ev.mean) + "," + fmt("%.4f", ev.std);
      evaluated = true;

      if (cfg.target_return && ev.mean >= *cfg.target_return) {
        rs.reached_target = 1;
        rs.steps_to_target = agent.global_step();
        rs.seconds_to_target = now_s();
      }
    }
    std::string losses;
    for (double v : us.losses) losses += fmt("%.6g", v) + ",";
    rs.metrics += std::to_string(agent.global_step()) + "," + fmt("%.4f", now_s()) + "," +
                  std::to_string(agent.updates_done()) + "," +
                  (std::isnan(train_return) ? std::string() : fmt("%.4f", train_return)) + "," + eval_cols + "," +
                  losses + fmt("%.6g", us.lr) + "\n";
    if (evaluated) {
      const bool improved = rs.last_eval_mean > rs.best_eval;
      if (improved) rs.best_eval = rs.last_eval_mean;
      checkpoint();
      if (improved) save_checkpoint(best, rs, agent);
      // After the checkpoint: a recording that fails (a full disk) loses no training; --resume
      // continues from here.
      if (cfg.video_every_evals > 0 && (rs.evals_done - 1) % cfg.video_every_evals == 0)
        record_eval_video(agent, dir, rs.evals_done, eval_seed(cfg.seed, rs.evals_done - 1));
    }
    const double t = now_s();
    if (opt.progress && (evaluated || (tty && t - last_print > 0.2))) {
      last_print = t;
      const double sps = static_cast<double>(agent.global_step() - step0) / std::max(1e-9, t - base_seconds);
      const double eta = static_cast<double>(total_steps - agent.global_step()) / std::max(1e-9, sps);
      std::string line = "step " + std::to_string(agent.global_step()) + "/" +
                         std::to_string(total_steps) + "  " + fmt("%.0f", sps) + " steps/s  return " +
                         (std::isnan(train_return) ? std::string("-") : fmt("%.1f", train_return)) + "  eval " +
                         (rs.last_eval_step < 0 ? std::string("-") : fmt("%.1f", rs.last_eval_mean)) + "  ETA " +
                         duration(eta);
      if (tty)
        std::cerr << "\r" << line << "\033[K" << std::flush;
      else if (evaluated)
        std::cerr << line << "\n";
    }
    if (opt.stop_after_updates > 0 && done_here >= opt.stop_after_updates && agent.updates_done() < total &&
        !rs.reached_target) {
      res.stopped = true;
      break;
    }
  }
  if (tty) std::cerr << "\n";
  checkpoint();
  if (!res.stopped) {
    tensor::save_tensors((dir / "policy.rlft").string(), agent.named_parameters());
    EvalResult fe;
    fe.mean = rs.last_eval_mean;
    fe.std = rs.last_eval_std;
    res.final_eval = fe;
  }
  res.steps = agent.global_step();
  res.updates = agent.updates_done();
  res.seconds = rs.seconds;
  res.reached_target = rs.reached_target != 0;
  res.steps_to_target = rs.steps_to_target;
  res.seconds_to_target = rs.seconds_to_target;
  return res;
}

}  // namespace

std::uint64_t eval_seed(std::uint64_t seed, std::int64_t k) {
  return seed * 0x9E3779B97F4A7C15ULL + 1000003ULL * static_cast<std::uint64_t>(k + 1);
}

void check_run_folder(const std::string& out_dir, const std::string& config_json, bool force) {
  const fs::path dir(out_dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw Error(out_dir + ": the run folder is a file, not a folder; choose another --out (nothing was written)");
  static const std::regex temp_name(R"(^.+\.tmp\.\d+\.\d+$)");
  std::vector<std::string> ours, others;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool run_file = name == "config.json" || name == "metrics.csv" || name == "learning_curve.svg" ||
                          name == "learning_curve.png" || name == "policy.rlft" ||
                          ((name == "checkpoints" || name == "videos") && e.is_directory(ec));
    if (std::regex_match(name, temp_name)) continue;
    (run_file ? ours : others).push_back(name);
  }
  if (ours.empty() && others.empty()) return;
  // The same run started again (the quick start's main job does this): its files are replaced.
  const fs::path cfg = dir / "config.json";
  if (!force && others.empty() && fs::exists(cfg, ec)) {
    std::ifstream in(cfg, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text == config_json) return;
  }
  if (force) return;
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < 5; ++i) out += (i ? ", " : "") + v[i];
    return out + (v.size() > 5 ? ", ..." : "");
  };
  if (!others.empty())
    throw Error(out_dir + " holds files that are not a run's (" + list(others) + "); nothing was written. "
                "Choose another --out, or give --force to write this run's files beside them");
  throw Error(out_dir + (fs::exists(cfg, ec) ? " holds another run (its config.json differs from this one)"
                                             : " holds run files without a config.json (" + list(ours) + ")") +
              "; nothing was written. Continue that run with --resume " + out_dir +
              ", replace its run files with --force, or choose another --out");
}

// --resume continues the checkpoint's run; an edited config.json would otherwise be ignored
// without a word (or name another algorithm than the checkpoint's), so it is refused.
static void check_config_unchanged(const std::string& out_dir, const std::string& checkpoint_config) {
  const fs::path cfg = fs::path(out_dir) / "config.json";
  std::ifstream in(cfg, std::ios::binary);
  if (!in) return;  // nothing to disagree with: the checkpoint holds the config
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text == checkpoint_config) return;
  // A config.json written by an earlier build lacks keys added since ("device", with its
  // default): what must agree is the config as resolved, so the file is resolved the same way.
  try {
    text = to_json(config_from_json(JsonObject::parse(text, cfg.string())));
  } catch (const std::exception&) {  // not a config at all: the text comparison below says where
  }
  if (text == checkpoint_config) return;
  std::istringstream a(text), b(checkpoint_config);
  std::string la, lb;
  int line = 0;
  while (true) {
    ++line;
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga || !gb || la != lb) break;
  }
  throw Error(cfg.string() + " differs from the config in its checkpoint (line " + std::to_string(line) +
              ": '" + la + "' in the file, '" + lb + "' in the checkpoint); --resume continues the "
              "checkpoint's run as it was configured: restore config.json, or train the edited config "
              "into a new run folder");
}

TrainResult train(const AgentConfig& config, const TrainOptions& options) {
  // Everything is checked before anything is written: the agent (env id, kwargs, algorithm
  // against the spaces) is built first, then the folder is checked.
  const auto agent = make_agent(config);
  check_eval_video(run_config(config));
  const std::string config_json = to_json(config);
  check_run_folder(options.out_dir, config_json, options.force);
  const RunConfig& cfg = run_config(config);
  const std::int64_t steps = agent->num_updates() * agent->steps_per_update();
  if (steps != cfg.total_steps)
    std::cerr << "rlforge: total_steps " << cfg.total_steps << " is not a whole number of iterations of "
              << agent->steps_per_update() << " env steps; the run takes " << agent->num_updates()
              << " iterations, " << steps << " steps\n";
  const fs::path dir(options.out_dir);
  fs::create_directories(dir / "checkpoints");
  remove_stale_temps(dir.string());
  remove_stale_temps((dir / "checkpoints").string());
  std::error_code ec;
  fs::remove(dir / "checkpoints" / "best.ckpt", ec);
  fs::remove(dir / "policy.rlft", ec);
  fs::remove_all(dir / "videos", ec);  // an earlier run's evaluation videos (--force, or this run again)
  write_file_atomic((dir / "config.json").string(), config_json);
  RunState rs;
  rs.next_eval_step = run_config(config).eval_every_steps;
  rs.metrics = metrics_header(*agent);
  return run_loop(rs, *agent, options);
}

TrainResult resume(const TrainOptions& options) {
  const std::string latest = (fs::path(options.out_dir) / "checkpoints" / "latest.ckpt").string();
  Loaded l = decode(latest);
  check_config_unchanged(options.out_dir, l.agent->config_json());
  check_eval_video(l.agent->run_config());  // this build may lack the codec the run records with
  remove_stale_temps(options.out_dir);
  remove_stale_temps((fs::path(options.out_dir) / "checkpoints").string());
  return run_loop(l.rs, *l.agent, options);
}

std::unique_ptr<Agent> load_checkpoint(const std::string& path) { return std::move(decode(path).agent); }

std::string resolve_checkpoint(const std::string& path) {
  const fs::path p(path);
  if (!fs::is_directory(p)) {
    // policy.rlft (the run's final parameters) is a tensor file: without the config and the
    // normalizer statistics it cannot act, so it is named for what it is instead of "bad magic".
    std::ifstream in(p, std::ios::binary);
    char magic[8] = {};
    if (in.read(magic, sizeof magic) && std::string_view(magic, sizeof magic) == "RLFTENSR")
      throw ConfigError(path + ": this is a tensor file (a run's final parameters, policy.rlft), not a "
                        "checkpoint; give the run folder (" + (p.has_parent_path() ? p.parent_path().string() : ".") +
                        ") or one of its checkpoints/*.ckpt, which hold the config and normalizer state too");
    return path;
  }
  for (const char* name : {"best.ckpt", "latest.ckpt"})
    if (fs::exists(p / "checkpoints" / name)) return (p / "checkpoints" / name).string();
  throw ConfigError(path + ": no checkpoints/best.ckpt or checkpoints/latest.ckpt in this run folder");
}

}  // namespace rlforge::agents
