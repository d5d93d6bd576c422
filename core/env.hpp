// Env: the environment interface (gymnasium 1.x semantics) and EnvSpec, its registration data.
//
// An env implements do_reset/do_step on its own state. Episode bookkeeping (action validation,
// seeding, TimeLimit, "needs reset") has one owner: the public reset/step here for an env used
// on its own, VectorEnv for its lanes. Owners call reset_unchecked/step_unchecked, which run
// the env and nothing else; wrappers chain through them, so the TimeLimit is applied once.
// Outputs go into buffers the caller owns: obs must be observation_space().nbytes() bytes.
// Throws: InvalidAction (action not in the space: dtype, shape, bounds, NaN), StateError
// (step before reset or after the episode ended), InvalidArgument (wrong obs buffer size).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/episode.hpp"
#include "core/frame.hpp"
#include "core/info.hpp"
#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"

namespace rlforge {

struct EnvSpec {
  std::string id;                           // "CartPole-v1": name, a dash, a version
  std::optional<int> max_episode_steps;     // TimeLimit truncation, applied by the core
  std::optional<double> reward_threshold;   // return at which the task counts as solved
  int render_fps = 0;                       // 0: the env does not render
  std::string kwargs = "{}";                // JSON object: every accepted kwarg, with its default
  std::string entry_point;                  // C++ class name, for listings
  // The env's get_state()/set_state() capture its whole dynamic state, so VectorEnv
  // checkpoints restore it exactly. Without it a resumed run re-seeds the env (and says so).
  bool exposes_state = false;

  // The rate its frames are shown and recorded at: render_fps, or 30 for an env that left it 0.
  double frame_rate() const { return render_fps > 0 ? render_fps : 30.0; }
};

struct StepResult {
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;
};

class BatchedEnv;

class Env {
 public:
  virtual ~Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  const Space& observation_space() const { return observation_space_; }
  const Space& action_space() const { return action_space_; }
  const EnvSpec& spec() const { return spec_; }
  const std::string& id() const { return spec_.id; }

  // Starts an episode. A seed reseeds the env's RNG; without one the RNG continues (a
  // never-seeded env draws a seed from the OS first). `options` may be null.
  void reset(std::optional<std::uint64_t> seed, std::span<std::byte> obs, Info& info,
             const JsonObject* options = nullptr);
  StepResult step(const ConstArray& action, std::span<std::byte> obs, Info& info);

  // Typed conveniences: the span's element type must be the observation dtype.
  template <class T>
  void reset(std::optional<std::uint64_t> seed, std::span<T> obs, Info& info,
             const JsonObject* options = nullptr) {
    check_obs_type(dtype_of<T>());
    reset(seed, std::as_writable_bytes(obs), info, options);
  }
  template <class T>
  StepResult step(const ConstArray& action, std::span<T> obs, Info& info) {
    check_obs_type(dtype_of<T>());
    return step(action, std::as_writable_bytes(obs), info);
  }

  // For an env used on its own (reset/step above): steps taken in the current episode, and
  // whether it has ended. An env inside a VectorEnv is counted by the VectorEnv instead.
  StepCount elapsed_steps() const { return elapsed_steps_; }
  bool needs_reset() const { return needs_reset_; }
  // The stream the env draws from (a wrapper's is its inner env's): seeded by reset(seed),
  // saved and restored by VectorEnv checkpoints.
  virtual Rng& rng() { return rng_; }

  // For owners of the bookkeeping (VectorEnv, wrappers): run do_reset with rng() / do_step
  // with an action already known to be in action_space(). Nothing is validated or counted.
  void reset_unchecked(const JsonObject* options, std::span<std::byte> obs, Info& info) {
    info.clear();
    do_reset(rng(), options, obs, info);
  }
  StepResult step_unchecked(const void* action, std::span<std::byte> obs, Info& info) {
    info.clear();
    return do_step(action, obs, info);
  }

  // The env's dynamic state as numbers (e.g. CartPole's x, x_dot, theta, theta_dot in
  // double precision), for tests against a reference and for planners. Envs that can
  // expose it override both; others throw InvalidArgument saying so.
  virtual std::vector<double> get_state() const;
  virtual void set_state(std::span<const double> state);
  // What a checkpoint stores: get_state() plus any internal values it leaves out (a wrapper's
  // frames or statistics, a model's hidden flag). Defaults to get_state()/set_state().
  virtual std::vector<double> checkpoint_state() const { return get_state(); }
  virtual void restore_checkpoint_state(std::span<const double> state) { set_state(state); }

  // The current state as a picture (render/ turns it into pixels, a window or video): begin
  // the frame at the env's nominal size, then add primitives. Must not change the env, and
  // after the first call should allocate nothing (Frame keeps its capacity). An env that
  // renders overrides it and sets EnvSpec::render_fps; the default throws UnsupportedRender.
  virtual void draw(Frame& frame) const;
  // draw() for the renderers: an error inside it is rethrown with the env id in front, and a
  // frame it left empty is UnsupportedRender ("... draws nothing").
  void draw_frame(Frame& frame) const;
  // Whether draw() is overridden (render_mode="rgb_array" is refused up front otherwise).
  virtual bool renders() const { return false; }

  // An env whose step costs nanoseconds may return a native structure-of-arrays
  // implementation of n copies of itself (same kwargs); VectorEnv then uses it. It must
  // give exactly this env's results for the same seeds and actions. Default: none.
  virtual std::unique_ptr<BatchedEnv> make_batched(int n) const;

  // Sets the spec (and with it the TimeLimit); make() calls this after construction.
  void set_spec(EnvSpec spec) { spec_ = std::move(spec); }

 protected:
  Env(Space observation_space, Space action_space);
  // Draw the initial state from rng and write the first observation.
  virtual void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                        Info& info) = 0;
  // `action` is in action_space()'s dtype and shape, already validated.
  virtual StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) = 0;

  // Wrappers change their spaces after construction.
  Space observation_space_;
  Space action_space_;

 private:
  void check_obs_type(DType t) const;
  void check_obs_size(std::size_t n) const;
  EnvSpec spec_;
  Rng rng_;
  bool seeded_ = false;
  bool needs_reset_ = true;
  StepCount elapsed_steps_ = 0;
  // Actions of a castable dtype (int32 for an int64 space) are converted here; sized once.
  std::vector<std::byte> action_scratch_;
};

// N copies of one env as structure-of-arrays, for envs whose step is a few dozen flops.
// VectorEnv owns the per-env RNGs (one stream per lane, so a stochastic env's lane i draws
// exactly what the single env i would), TimeLimit counters and autoreset; this class owns only
// the dynamic state. Rows are in the spaces' dtypes: obs [n, obs...], actions [n, act...].
class BatchedEnv {
 public:
  virtual ~BatchedEnv() = default;
  virtual int num_envs() const = 0;
  // Resets env i from `rng` (consumed exactly as the single env's reset consumes it)
  // and writes its observation row.
  virtual void reset(int i, Rng& rng, const JsonObject* options, std::byte* obs_row) = 0;
  // Steps envs [begin, end) with their action rows, writing obs rows, rewards and
  // terminated flags for those envs; lane i draws only from rngs[i], in the order the single
  // env's step draws. The pointers are to row 0 of the full batch arrays (rngs [n] too).
  // Called concurrently on disjoint ranges.
  virtual void step(int begin, int end, const std::byte* actions, Rng* rngs, std::byte* obs,
                    double* reward, std::uint8_t* terminated) = 0;
  // Whether step() draws from `rngs`. VectorEnv then keeps the streams of lanes it only resets
  // (stepped, outputs discarded) as they were; an env whose step is deterministic says false
  // and spares that work.
  virtual bool step_draws_random() const { return true; }
  // Lane i's full dynamic state as numbers, and its restore (checkpoints: VectorEnv::save_state).
  // Default: throws InvalidArgument saying the env does not expose its state.
  virtual std::vector<double> get_state(int i) const;
  virtual void set_state(int i, std::span<const double> state);
};

}  // namespace rlforge
