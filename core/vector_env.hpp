// VectorEnv: N envs stepped together with TBB, outputs in contiguous batch arrays.
//
// Outputs (owned here, valid until the next reset/step): obs [N, obs...] in the observation
// dtype, rewards [N] float64, terminated/truncated [N] uint8. Env i is seeded with seed + i.
// Autoreset as gymnasium's: NextStep (an env that ended is reset by the following step(),
// which ignores its action and reports reward 0) or SameStep (reset inside the same step;
// the final observation and info are kept in final_observations()/final_info()).
// Results are bit-identical for any thread count: every env owns its RNG and state, and
// nothing is reduced across envs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"

namespace rlforge {

enum class AutoresetMode { NextStep, SameStep };

struct VectorEnvOptions {
  int num_threads = 0;                          // 0: one per core
  AutoresetMode autoreset = AutoresetMode::NextStep;
  bool use_batched = true;                      // use the env's native batched path if it has one
  int chunk_size = 0;                           // envs per task; 0: chosen from N and threads
};

class VectorEnv {
 public:
  using Factory = std::function<std::unique_ptr<Env>(int index)>;

  // N copies of a registered env (kwargs as for make()).
  VectorEnv(std::string_view id, int num_envs, std::string_view kwargs_json = "{}",
            VectorEnvOptions options = {});
  // N envs from a factory (wrapped or custom envs); all must share the same spaces.
  VectorEnv(const Factory& factory, int num_envs, VectorEnvOptions options = {});
  ~VectorEnv();
  VectorEnv(const VectorEnv&) = delete;
  VectorEnv& operator=(const VectorEnv&) = delete;

  int num_envs() const { return n_; }
  // Threads that step the envs: the requested count (0: one per core), capped at what TBB grants.
  int num_threads() const { return threads_; }
  int requested_threads() const { return requested_threads_; }
  bool is_batched() const { return batched_ != nullptr; }
  AutoresetMode autoreset_mode() const { return options_.autoreset; }
  const EnvSpec& spec() const { return spec_; }
  const Space& single_observation_space() const { return obs_space_; }
  const Space& single_action_space() const { return act_space_; }

  // Resets every env (env i with seed + i when a seed is given).
  void reset(std::optional<std::uint64_t> seed = std::nullopt,
             const JsonObject* options = nullptr);
  // actions: [N, action...]; the action space's dtype, or one that casts safely to it.
  // Every row is checked before any env steps, so a bad action changes nothing.
  void step(const ConstArray& actions);

  std::span<const std::byte> observations() const { return obs_; }
  template <class T>
  const T* observations_as() const {
    check_obs_type(dtype_of<T>());
    return reinterpret_cast<const T*>(obs_.data());
  }
  const double* rewards() const { return rewards_.data(); }
  const std::uint8_t* terminated() const { return terminated_.data(); }
  const std::uint8_t* truncated() const { return truncated_.data(); }
  const Info& info(int i) const { return infos_[static_cast<std::size_t>(i)]; }
  // SameStep mode: which envs ended in the last step, their final obs rows and infos.
  const std::uint8_t* has_final() const { return has_final_.data(); }
  std::span<const std::byte> final_observations() const { return final_obs_; }
  const Info& final_info(int i) const { return final_infos_[static_cast<std::size_t>(i)]; }

  // Everything that determines future outputs (per-env dynamic state, RNGs, TimeLimit
  // counters, pending autoresets, the current output arrays) as an opaque byte string, and
  // its restore into a VectorEnv built with the same id, kwargs, num_envs and autoreset mode
  // (either path: a batched lane and a single env save the same values). An env whose spec
  // says it cannot expose its state (EnvSpec::exposes_state false) is saved without it, and
  // load_state starts a new episode in it from its restored stream: load_state returns how
  // many envs it restarted so (0: the restore is exact). A blob of another shape, or a
  // corrupt one, throws InvalidArgument naming what differs, and changes nothing.
  std::string save_state() const;
  int load_state(std::string_view blob);
  // Whether save_state captures every env's dynamic state (the batched path, or an env whose
  // spec sets exposes_state).
  bool captures_env_state() const;

  // Env i's picture (see Env::draw), on either path; renders(): whether the envs can draw.
  // Not concurrent with step()/reset() or another draw(): a batched lane is drawn by one
  // shared single env that its state is copied into.
  void draw(int i, Frame& frame) const;
  bool renders() const;

  // The single envs (empty when the batched path is used). Their reset/step bookkeeping is
  // this VectorEnv's: step them through it, not through Env::step.
  Env& env(int i);

 private:
  void init(VectorEnvOptions options);
  void check_obs_type(DType t) const;
  const std::byte* validated_actions(const ConstArray& actions);
  void step_chunk(int begin, int end, const std::byte* actions);
  Rng& lane_rng(std::size_t k) const;
  void reset_lane(std::size_t k, const JsonObject* options);
  template <class F>
  void for_each_chunk(F&& f);

  int n_ = 0;
  int threads_ = 1, requested_threads_ = 1;
  int chunk_ = 1;
  VectorEnvOptions options_;
  EnvSpec spec_;
  Space obs_space_, act_space_;
  std::size_t obs_bytes_ = 0, act_bytes_ = 0;
  std::vector<std::unique_ptr<Env>> envs_;
  std::unique_ptr<BatchedEnv> batched_;
  std::unique_ptr<Env> picture_env_;  // batched path: a single env that draws lane i's state
  struct Pool;  // the TBB arena, kept out of this header
  std::unique_ptr<Pool> pool_;

  // Episode bookkeeping of every lane, for both paths. The batched path's streams are here;
  // a single env's is its own rng().
  mutable std::vector<Rng> rngs_;
  std::vector<Rng> saved_rngs_;  // scratch: streams of lanes that only reset this step
  bool batched_draws_ = false;   // the batched env's step draws from the lanes' streams
  std::vector<StepCount> elapsed_;
  std::vector<std::uint8_t> pending_reset_;
  std::vector<std::uint8_t> reset_due_;  // scratch: envs that reset during this step
  bool seeded_ = false;
  bool was_reset_ = false;

  std::vector<std::byte> obs_, final_obs_, action_scratch_;
  std::vector<double> rewards_;
  std::vector<std::uint8_t> terminated_, truncated_, has_final_;
  std::vector<Info> infos_, final_infos_;
};

}  // namespace rlforge
