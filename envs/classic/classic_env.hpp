// classic_env.hpp: the Env and structure-of-arrays BatchedEnv shells that every classic-control model plugs into.
//
// A model (cartpole::Model, pendulum::Model, ...) is a struct of static functions around its
// explicit State and Params; the dynamics themselves are inline functions in the env's header.
// ClassicEnv runs one copy of the model, ClassicBatched runs n copies with each state
// variable in its own array, calling the very same inline step, so both give bit-identical
// results. A model provides:
//   types State, Params, Action (std::int64_t or float); constants kStateDim, kObsDim;
//   static Params params(const JsonObject& kwargs);
//   static Space observation_space(const Params&), action_space(const Params&);
//   static State reset(Rng&, const JsonObject* options, const Params&, const std::string& id);
//   template <bool kTrigInRange> static Outcome step(State&, Action, const Params&);
//   static bool trig_in_range(const State&);  // step<true> may be used for this state
//   static void observe(const State&, float* obs);
//   static void save(const State&, double* v); static State load(const double* v);
//   static constexpr int kPublicStateDim;      // how many of save()'s values get_state shows
//   static void draw(const State&, const Params&, const Action* last_action, Frame&);
//     the picture (gymnasium's render()); last_action: the last action stepped since reset, or
//     null (only Pendulum draws it, as gymnasium's torque arrow `last_u`)
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"

namespace rlforge::classic {

// (double)(float)x, where gymnasium stores a value as float32. The volatile keeps the round
// trip from GCC 12.2's SLP vectorizer, which with -march=native (AVX-512) drops it when
// several such conversions sit side by side (Acrobot's four reset draws came out unrounded).
inline double round_to_float32(double x) {
  volatile float f = static_cast<float>(x);
  return f;
}

// What one step returns besides the new state and observation.
struct Outcome {
  double reward;
  bool terminated;
};

// gymnasium's utils.maybe_parse_reset_bounds: options "low" and "high" (numbers) replace the
// defaults; throws InvalidArgument naming the env id when one is not a number or low > high.
struct ResetBounds {
  double low, high;
};
ResetBounds reset_bounds(const JsonObject* options, double default_low, double default_high,
                         const std::string& id);
// Throws InvalidArgument naming the env id and the accepted keys for any other reset option
// (gymnasium ignores unknown keys; a typo there would silently change nothing).
void check_reset_keys(const JsonObject* options, std::initializer_list<const char*> accepted,
                      const std::string& id);
// A finite numeric reset option (Pendulum's x_init / y_init), or `fallback` when absent.
double reset_option(const JsonObject* options, const char* key, double fallback,
                    const std::string& id);
// get_state/set_state size check: throws InvalidArgument naming the env id and both sizes.
void check_state_size(const std::string& id, std::size_t got, std::size_t want);

template <class Model>
class ClassicBatched final : public BatchedEnv {
 public:
  using State = typename Model::State;
  using Action = typename Model::Action;
  static constexpr int kDim = Model::kStateDim;
  static constexpr std::size_t kObsDim = Model::kObsDim;

  ClassicBatched(int n, typename Model::Params params, std::string id)
      : n_(n), params_(params), id_(std::move(id)) {
    for (auto& c : cols_) c.assign(static_cast<std::size_t>(n), 0.0);
  }
  int num_envs() const override { return n_; }

  void reset(int i, Rng& rng, const JsonObject* options, std::byte* obs_row) override {
    const State s = Model::reset(rng, options, params_, id_);
    store(s, static_cast<std::size_t>(i));
    Model::observe(s, reinterpret_cast<float*>(obs_row));
  }

  // Classic-control steps are deterministic: the lanes' streams are used only by reset.
  bool step_draws_random() const override { return false; }
  void step(int begin, int end, const std::byte* actions, Rng*, std::byte* obs, double* reward,
            std::uint8_t* terminated) override {
    double* c[4] = {};
    for (int j = 0; j < kDim; ++j) c[j] = cols_[static_cast<std::size_t>(j)].data();
    const Lanes l{begin, end, c[0], c[1], c[2], c[3], reinterpret_cast<const Action*>(actions),
                  reinterpret_cast<float*>(obs), reward, terminated, params_};
    // The same loop compiled for each ISA (core/isa.hpp); all give bit-identical values.
    switch (active_isa()) {
      case Isa::avx512: step_avx512(l); break;
      case Isa::avx2: step_avx2(l); break;
      case Isa::baseline: step_lanes(l); break;
    }
  }

  // All kStateDim values of lane i (internal ones included), for checkpoints.
  std::vector<double> get_state(int i) const override {
    std::vector<double> v(kDim);
    for (int j = 0; j < kDim; ++j) v[static_cast<std::size_t>(j)] = cols_[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
    return v;
  }
  void set_state(int i, std::span<const double> state) override {
    check_state_size(id_, state.size(), static_cast<std::size_t>(kDim));
    for (int j = 0; j < kDim; ++j) cols_[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] = state[static_cast<std::size_t>(j)];
  }

 private:
  void store(const State& s, std::size_t i) {
    double v[kDim];
    Model::save(s, v);
    for (int j = 0; j < kDim; ++j) cols_[static_cast<std::size_t>(j)][i] = v[j];
  }

  struct Lanes {
    int begin, end;
    double *c0, *c1, *c2, *c3;  // the state columns (unused ones null)
    const Action* a;
    float* o;
    double* r;
    std::uint8_t* t;
    typename Model::Params params;
  };
  RLFORGE_TARGET_AVX512 static void step_avx512(const Lanes& l) { step_lanes(l); }
  RLFORGE_TARGET_AVX2 static void step_avx2(const Lanes& l) { step_lanes(l); }

  // One pass to see whether every lane's trig arguments are small, then a branch-free loop
  // (the common case) or the general one; both compute the same values. Always inlined, so
  // that each ISA's caller vectorizes it for its own vector width.
  [[gnu::always_inline]] static inline void step_lanes(const Lanes& l) {
    // A count, not a bool: GCC vectorizes the integer sum (the &= of bools stayed scalar, 9%
    // of an AVX2 CartPole step).
    std::int64_t out_of_range = 0;
    for (int i = l.begin; i < l.end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      double v[kDim];
      v[0] = l.c0[k];
      if constexpr (kDim > 1) v[1] = l.c1[k];
      if constexpr (kDim > 2) v[2] = l.c2[k];
      if constexpr (kDim > 3) v[3] = l.c3[k];
      out_of_range += Model::trig_in_range(Model::load(v)) ? 0 : 1;
    }
    if (out_of_range == 0)
      lanes_restrict<true>(l.begin, l.end, l.c0, l.c1, l.c2, l.c3, l.a, l.o, l.r, l.t, l.params);
    else
      lanes_restrict<false>(l.begin, l.end, l.c0, l.c1, l.c2, l.c3, l.a, l.o, l.r, l.t, l.params);
  }

  // The loop the compiler vectorizes: every array is a separate restrict pointer and the
  // params a local copy, so a store to one array cannot change what another load reads
  // (a uint8_t store may alias anything, including this object's members).
  template <bool kInRange>
  [[gnu::always_inline]] static inline void lanes_restrict(
      int begin, int end, double* __restrict c0, double* __restrict c1, double* __restrict c2,
      double* __restrict c3, const Action* __restrict a, float* __restrict o,
      double* __restrict r, std::uint8_t* __restrict t, const typename Model::Params params) {
    static_assert(kDim >= 1 && kDim <= 4, "ClassicBatched holds up to 4 state variables");
    for (int i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      double v[kDim];
      v[0] = c0[k];
      if constexpr (kDim > 1) v[1] = c1[k];
      if constexpr (kDim > 2) v[2] = c2[k];
      if constexpr (kDim > 3) v[3] = c3[k];
      State s = Model::load(v);
      const Outcome out = Model::template step<kInRange>(s, a[k], params);
      Model::save(s, v);
      c0[k] = v[0];
      if constexpr (kDim > 1) c1[k] = v[1];
      if constexpr (kDim > 2) c2[k] = v[2];
      if constexpr (kDim > 3) c3[k] = v[3];
      Model::observe(s, o + k * kObsDim);
      r[k] = out.reward;
      t[k] = out.terminated;
    }
  }

  int n_;
  typename Model::Params params_;
  std::string id_;
  std::array<std::vector<double>, kDim> cols_;  // cols_[j][i]: state variable j of env i
};

template <class Model>
class ClassicEnv final : public Env {
 public:
  using State = typename Model::State;
  using Action = typename Model::Action;

  explicit ClassicEnv(const JsonObject& kwargs) : ClassicEnv(Model::params(kwargs)) {}

  std::vector<double> get_state() const override {
    double v[Model::kStateDim];
    Model::save(state_, v);
    return std::vector<double>(v, v + Model::kPublicStateDim);
  }
  void set_state(std::span<const double> state) override {
    check_state_size(id(), state.size(), Model::kPublicStateDim);
    double v[Model::kStateDim] = {};
    for (std::size_t j = 0; j < state.size(); ++j) v[j] = state[j];
    state_ = Model::load(v);
  }
  // All kStateDim values (internal ones included), as the batched twin's lanes save them.
  std::vector<double> checkpoint_state() const override {
    std::vector<double> v(Model::kStateDim);
    Model::save(state_, v.data());
    return v;
  }
  void restore_checkpoint_state(std::span<const double> state) override {
    check_state_size(id(), state.size(), Model::kStateDim);
    state_ = Model::load(state.data());
  }
  std::unique_ptr<BatchedEnv> make_batched(int n) const override {
    return std::make_unique<ClassicBatched<Model>>(n, params_, id());
  }
  const typename Model::Params& params() const { return params_; }

  bool renders() const override { return true; }
  void draw(Frame& frame) const override {
    Model::draw(state_, params_, has_last_action_ ? &last_action_ : nullptr, frame);
  }

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info&) override {
    state_ = Model::reset(rng, options, params_, id());
    has_last_action_ = false;
    Model::observe(state_, reinterpret_cast<float*>(obs.data()));
  }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info&) override {
    last_action_ = *static_cast<const Action*>(action);
    has_last_action_ = true;
    const Outcome out = Model::template step<false>(state_, last_action_, params_);
    Model::observe(state_, reinterpret_cast<float*>(obs.data()));
    return {out.reward, out.terminated, false};
  }

 private:
  explicit ClassicEnv(typename Model::Params p)
      : Env(Model::observation_space(p), Model::action_space(p)), params_(p) {}
  typename Model::Params params_;
  State state_{};
  // Picture-only, not dynamic state: the last action stepped since reset (gymnasium's Pendulum
  // keeps it as `last_u` just to draw it). get_state, checkpoints and the batched lanes leave it
  // out and set_state keeps it, as assigning gymnasium's env.state keeps last_u.
  Action last_action_{};
  bool has_last_action_ = false;
};

}  // namespace rlforge::classic
