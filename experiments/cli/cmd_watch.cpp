// `rlforge watch`: plays episodes of an env — a trained checkpoint's deterministic policy, or
// random actions without one — in a window with an overlay, or headless; --record writes them
// to a GIF or MP4 as they play (frame by frame, never held in memory).
#include <csignal>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

#include "agents/episode_player.hpp"
#include "agents/policy.hpp"
#include "core/error.hpp"
#include "core/plugin.hpp"
#include "core/registry.hpp"
#include "experiments/cli/command.hpp"
#include "experiments/cli/output_file.hpp"
#include "render/png.hpp"
#include "render/raster.hpp"
#include "render/video.hpp"
#if RLFORGE_HAS_WINDOW
#include "render/window.hpp"
#endif

namespace rlforge::cli {

namespace {

constexpr OptionSpec kOptions[] = {
    {"--env", "ID", "Env to watch (with --checkpoint: defaults to the run's env, and must match it)", false, ""},
    {"--checkpoint", "PATH", "A run folder (its best checkpoint, else the latest) or a .ckpt: its deterministic policy acts; without it, random actions", false, ""},
    {"--kwargs", "JSON", "Env kwargs as a JSON object (with --checkpoint: the run's)", false, ""},
    {"--episodes", "N", "Episodes to play (the k-th, from 1, is reset with seed S + k - 1)", false, "1"},
    {"--fps", "F", "Frames per second of the window and the video (default: the env's render_fps)", false, ""},
    {"--seed", "S", "Seed of the first episode and of the random actions", false, "0"},
    {"--record", "FILE", "Write the episodes to FILE.gif or FILE.mp4 as they play", false, ""},
    {"--force", "", "Let --record and --screenshot replace an existing file", false, ""},
    {"--headless", "", "No window: play (and record) without a display", false, ""},
    {"--screenshot", "FILE.png", "Save the window (picture and overlay) as a PNG when watching ends", false, ""},
    {"--plugin", "LIB...", "Load the envs of a plugin (as rlforge --plugin); repeatable", false, ""},
};

double parse_fps(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 0.1 && v <= 1000.0))
    throw UsageError("--fps must be a number in [0.1, 1000], got '" + text + "'");
  return v;
}

struct Watch {
  std::unique_ptr<agents::EpisodePlayer> player;
  std::optional<agents::Policy> policy;
  std::string env_id, policy_label;
  double fps = 30.0;
};

Watch prepare(const Args& args) {
  for (const std::string& lib : args.get_all("--plugin")) load_plugin(lib);
  Watch w;
  std::string kwargs = args.get("--kwargs");
  if (args.has("--checkpoint")) {
    w.policy.emplace(agents::load_policy(args.get("--checkpoint")));
    const agents::RunConfig& rc = w.policy->run_config();
    if (args.has("--env") && args.get("--env") != rc.env_id)
      throw UsageError("--env " + args.get("--env") + " does not match the checkpoint's env " + rc.env_id +
                       " (" + w.policy->checkpoint() + ")");
    if (args.has("--kwargs") && kwargs != rc.env_kwargs)
      throw UsageError("--kwargs cannot change the env of a checkpoint (" + w.policy->checkpoint() +
                       " was trained with " + rc.env_kwargs + ")");
    w.env_id = rc.env_id;
    kwargs = rc.env_kwargs;
    w.policy_label = w.policy->algo() + " (" + w.policy->checkpoint() + ")";
  } else {
    if (!args.has("--env")) throw UsageError("give --env ID (random actions) or --checkpoint RUN_DIR (its policy)");
    w.env_id = args.get("--env");
  }
  auto env = make(w.env_id, kwargs.empty() ? "{}" : kwargs);
  if (!env->renders())
    throw UnsupportedRender(w.env_id + ": this env does not render (its class defines no draw(Frame&)), so there is nothing to watch");
  w.fps = args.has("--fps") ? parse_fps(args.get("--fps")) : env->spec().frame_rate();
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, std::numeric_limits<std::int64_t>::max()));
  agents::ActFn act;
  agents::ReadoutFn readout;
  if (w.policy) {
    const agents::Policy* p = &*w.policy;
    act = [p](std::span<const float> o, int n, std::span<std::int64_t> d, std::span<float> b) { p->act(o, n, d, b); };
    readout = [p](std::span<const float> o, agents::PolicyReadout& r) { p->readout(o, r); };
  }
  w.player = std::make_unique<agents::EpisodePlayer>(std::move(env), std::move(act), std::move(readout), seed);
  return w;
}

void print_episode(const Watch& w, std::int64_t episode, double ret, std::int64_t steps) {
  char line[256];
  std::snprintf(line, sizeof line, "%s episode %lld: return %.2f, %lld steps\n", w.env_id.c_str(),
                static_cast<long long>(episode), ret, static_cast<long long>(steps));
  std::cout << line << std::flush;
}

// Ctrl-C: the playing stops after the current step and the recording so far is closed (a file
// that plays), not left as a temporary; a second Ctrl-C ends the process at once.
std::atomic<bool> g_interrupt{false};
extern "C" void on_watch_sigint(int) {
  g_interrupt.store(true);
  std::signal(SIGINT, SIG_DFL);
}

int run_headless(const Args& args, Watch& w, render::VideoWriter* video) {
  const int episodes = static_cast<int>(args.get_int("--episodes", 1, 1000000));
  std::int64_t k = 0;
  agents::record_episodes(*w.player, episodes, video,
                          [&](const agents::EpisodeSummary& s) { print_episode(w, ++k, s.episode_return, s.steps); },
                          &g_interrupt);
  return 0;
}

#if RLFORGE_HAS_WINDOW
int run_window(const Args& args, Watch& w, render::VideoWriter* video) {
  const int episodes = static_cast<int>(args.get_int("--episodes", 1, 1000000));
  agents::EpisodePlayer& p = *w.player;
  Frame frame;
  p.reset();
  p.env().draw_frame(frame);
  // The overlay in a panel beside the picture, so it hides none of it.
  render::Window win("rlforge watch: " + w.env_id, frame.width(), std::max(frame.height(), 480), w.fps, 360);
  render::ReturnHistory returns;
  agents::FrameRecorder recorder(video);
  auto record = [&] { recorder.add(frame); };
  record();
  bool finished = false;
  for (;;) {
    const render::WindowCommands cmd = win.poll();
    if (cmd.quit || g_interrupt.load()) break;
    if (cmd.reset) {
      p.restart();  // the same episode from its own seed: the seeds of later episodes stay S + k - 1
      p.env().draw_frame(frame);
      record();
    } else if (cmd.advance()) {
      if (p.step()) {
        print_episode(w, p.episode(), p.episode_return(), p.steps());
        returns.push(p.episode_return());
        p.env().draw_frame(frame);
        record();  // the final frame
        if (p.episode() >= episodes) {
          finished = true;  // shown once more below, with its final numbers, then the loop ends
        } else {
          p.reset();
          p.env().draw_frame(frame);
          record();
        }
      } else {
        p.env().draw_frame(frame);
        record();
      }
    }
    render::Overlay o;
    o.env_id = w.env_id;
    o.episode = p.episode();
    o.step = p.steps();
    o.episode_return = p.episode_return();
    o.returns = &returns;
    o.observation = p.observation();
    if (w.policy) {
      // What the policy makes of the state on screen, and the action it takes there next (the
      // deterministic policy's: the most probable action, the largest Q-value, its action vector).
      o.policy = w.policy_label;
      const agents::PolicyReadout* r = p.readout();
      if (r->kind == agents::PolicyReadout::Kind::Action) {
        o.action = r->values;
      } else {
        if (r->kind == agents::PolicyReadout::Kind::Probabilities) o.action_probs = r->values;
        else o.q_values = r->values;
        o.chosen_action = static_cast<int>(std::max_element(r->values.begin(), r->values.end()) - r->values.begin());
      }
      o.value = r->value;
    } else if (p.steps() > 0 && !p.discrete()) {
      o.action = p.last_box_action();  // random actions: the one just taken
    }
    win.show(frame, o);
    if (finished) break;
  }
  if (args.has("--screenshot") && !win.is_open()) {
    // Not an exception: the recording, if any, is still closed and kept by the caller.
    std::cerr << "rlforge: error: --screenshot " << args.get("--screenshot")
              << ": the window was closed (Esc) before watching ended, so there was nothing to save; "
                 "nothing was written\n";
    return 1;
  }
  if (args.has("--screenshot")) {
    const render::RgbImage shot = win.screenshot();
    render::write_png(args.get("--screenshot"), shot.rgb.data(), shot.width, shot.height, args.has("--force"));
    std::cout << "wrote " << args.get("--screenshot") << " (" << shot.width << "x" << shot.height << ")\n";
  }
  return 0;
}
#endif

int run_watch(const Args& args) {
  if (!args.has("--headless")) {
#if RLFORGE_HAS_WINDOW
    const std::string problem = render::display_problem();
    if (!problem.empty())
      throw UnsupportedRender("cannot open a window: " + problem + "; use --headless to play (and --record) without one");
#else
    throw UnsupportedRender("this rlforge was built without the window (SFML/ImGui/OpenGL not found): use --headless");
#endif
  }
  if (args.has("--screenshot") && args.has("--headless"))
    throw UsageError("--screenshot saves the window: it needs a window, not --headless (--record writes frames)");
  if (args.has("--screenshot")) {
    namespace fs = std::filesystem;
    const fs::path shot(args.get("--screenshot"));
    std::string ext = shot.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (ext != ".png") throw UsageError("--screenshot " + shot.string() + ": the file name must end in .png");
    // (.png only: so it can never be the --record file, which is .gif or .mp4)
    check_output_file("--screenshot", shot.string(), args.has("--force"));
  }
  Watch w = prepare(args);
  // Before the recording's temporary exists: a Ctrl-C from here on closes it cleanly.
  g_interrupt.store(false);
  std::signal(SIGINT, on_watch_sigint);
  auto video = args.has("--record") ? w.player->open_video(args.get("--record"), w.fps, args.has("--force")) : nullptr;
  int rc = 0;
#if RLFORGE_HAS_WINDOW
  rc = args.has("--headless") ? run_headless(args, w, video.get()) : run_window(args, w, video.get());
#else
  rc = run_headless(args, w, video.get());
#endif
  std::signal(SIGINT, SIG_DFL);
  if (g_interrupt.load()) std::cerr << "rlforge watch: interrupted\n";
  if (video) {
    video->close();
    char line[512];
    std::snprintf(line, sizeof line, "wrote %s (%d frames, %dx%d, %.4g fps)\n", video->path().c_str(), video->frames(),
                  video->width(), video->height(), video->fps());
    std::cout << line;
  }
  return g_interrupt.load() ? 130 : rc;
}

}  // namespace

const Command& watch_command() {
  static const Command cmd{
      "watch",
      "Watch an env played by a checkpoint's policy (or random actions); record GIF/MP4",
      "--env ID | --checkpoint RUN_DIR|FILE [--episodes N] [--fps F] [--seed S] [--record out.gif|out.mp4] "
      "[--force] [--headless] [--screenshot FILE.png] [--kwargs JSON] [--plugin LIB]",
      "Opens a window (SFML) with an overlay: episode, step, return, recent returns, the policy's\n"
      "action probabilities or Q-values and value estimate, the observation. Space pauses, Right\n"
      "steps once while paused, R restarts the episode from its seed, Esc quits; a slider sets the\n"
      "speed. --headless plays without a display (to record, or to print returns).",
      kOptions,
      run_watch,
  };
  return cmd;
}

}  // namespace rlforge::cli
