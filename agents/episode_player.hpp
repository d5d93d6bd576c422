// EpisodePlayer: one env played episode after episode by a deterministic policy or by uniformly
// random actions, one step at a time, for people watching it: `rlforge watch` (window or
// headless), the training run's evaluation videos, and record_episodes() below.
//
// Episode k (from 0) is reset with seed + k, and random actions come from a stream seeded with
// `seed`, so a watch is reproducible. The observation is also kept as float (for the overlay),
// and, with a readout function, what the policy makes of it before each step.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "core/env.hpp"
#include "core/frame.hpp"

namespace rlforge::render {
class Rasterizer;
class VideoWriter;
}

namespace rlforge::agents {


class EpisodePlayer {
 public:
  // `act` empty: random actions (the action space's own sample()). A policy needs a 1-D float32
  // or an (H, W, C) image observation (a conv policy); otherwise InvalidArgument naming the env.
  EpisodePlayer(std::unique_ptr<Env> env, ActFn act, ReadoutFn readout, std::uint64_t seed);

  // A video for these episodes, sized to the env's canvas: one picture of the env reset with the
  // first episode's seed (which that episode resets with again) tells the size. Opened before
  // anything plays, so a bad path, an existing file or a missing codec is reported first.
  std::unique_ptr<render::VideoWriter> open_video(const std::string& path, double fps, bool overwrite);

  // Starts the next episode (the first call starts episode 1, seeded `seed`).
  void reset();
  // Starts the current episode again from its own seed (a viewer's "reset"): no episode is
  // counted, so episode k stays seeded seed + k - 1.
  void restart();
  // One action; returns whether the episode ended (terminated or truncated).
  bool step();

  Env& env() { return *env_; }
  const Env& env() const { return *env_; }
  std::int64_t episode() const { return episode_; }      // episodes started, counting this one
  std::int64_t steps() const { return steps_; }          // steps into this episode
  double episode_return() const { return return_; }
  bool done() const { return done_; }
  bool terminated() const { return terminated_; }
  std::span<const float> observation() const { return obs_f_; }  // flattened, as float
  // What the policy makes of the current observation; computed when first asked for it in a
  // step (a headless recording never pays for this second forward pass).
  const PolicyReadout* readout() const;
  bool has_policy() const { return static_cast<bool>(act_); }
  // The last action taken: the Discrete index, or the continuous vector (empty before a step).
  std::int64_t last_discrete_action() const { return act_i_[0]; }
  std::span<const float> last_box_action() const { return act_f_; }
  bool discrete() const { return discrete_; }

 private:
  void observe();  // refreshes obs_f_; the readout goes stale
  std::unique_ptr<Env> env_;
  ActFn act_;
  ReadoutFn readout_;
  std::uint64_t seed_;
  Rng action_rng_;
  bool discrete_ = false;
  std::vector<std::byte> obs_, act_raw_;
  std::vector<float> obs_f_, act_f_;
  std::vector<std::int64_t> act_i_{0};
  mutable PolicyReadout last_readout_;
  mutable bool readout_fresh_ = false;
  Info info_;
  std::int64_t episode_ = 0, steps_ = 0;
  double return_ = 0.0;
  bool done_ = true, terminated_ = false;
};

// Frames into a video: rasterized at the frame's canvas size (which must be the video's) and
// written at once. Does nothing without a video. Its buffers are kept between frames.
class FrameRecorder {
 public:
  explicit FrameRecorder(render::VideoWriter* video);
  ~FrameRecorder();
  void add(const Frame& frame);

 private:
  render::VideoWriter* video_;
  std::unique_ptr<render::Rasterizer> raster_;
  std::vector<std::uint8_t> rgb_;
};

struct EpisodeSummary {
  double episode_return = 0.0;
  std::int64_t steps = 0;
  bool terminated = false;
};

// Plays `episodes` whole episodes, every frame (the reset frame and one per step) rasterized at
// the env's canvas size into `video` (may be null: play only). Returns each episode's summary;
// `on_episode` (may be empty) hears of each as it ends. A set `stop` (Ctrl-C) ends the playing
// after the current step: the episodes so far are returned, the video holds their frames.
std::vector<EpisodeSummary> record_episodes(EpisodePlayer& player, int episodes, render::VideoWriter* video,
                                            const std::function<void(const EpisodeSummary&)>& on_episode = {},
                                            const std::atomic<bool>* stop = nullptr);

}  // namespace rlforge::agents
