// mountain_car.hpp: MountainCar-v0 dynamics as inline functions on an explicit state.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/mountain_car.py (MountainCarEnv);
// the state stays float64 throughout, the observation is float32.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "envs/classic/classic_env.hpp"
#include "envs/classic/fast_math.hpp"

namespace rlforge::classic::mountain_car {

inline constexpr double kMinPosition = -1.2;
inline constexpr double kMaxPosition = 0.6;
inline constexpr double kMaxSpeed = 0.07;
inline constexpr double kGoalPosition = 0.5;
inline constexpr double kForce = 0.001;
inline constexpr double kGravity = 0.0025;

struct State {
  double position, velocity;
};

struct Params {
  double goal_velocity = 0.0;
};

// Position uniform in [low, high), velocity 0.
inline State reset(Rng& rng, double low, double high) { return {rng.uniform(low, high), 0.0}; }

// Actions: 0 accelerate left, 1 no push, 2 accelerate right.
template <bool kTrigInRange = false>
inline Outcome step(State& s, std::int64_t action, const Params& p) {
  double velocity = s.velocity + (static_cast<double>(action - 1) * kForce +
                                  sincos_of<kTrigInRange>(3 * s.position).cos * (-kGravity));
  velocity = std::min(std::max(velocity, -kMaxSpeed), kMaxSpeed);
  double position = s.position + velocity;
  position = std::min(std::max(position, kMinPosition), kMaxPosition);
  velocity = (position == kMinPosition) & (velocity < 0) ? 0.0 : velocity;
  const bool terminated = (position >= kGoalPosition) & (velocity >= p.goal_velocity);
  s.position = position;
  s.velocity = velocity;
  return {-1.0, terminated};
}

inline void observe(const State& s, float* obs) {  // obs[2]: position, velocity
  obs[0] = static_cast<float>(s.position);
  obs[1] = static_cast<float>(s.velocity);
}

struct Model {
  using State = mountain_car::State;
  using Params = mountain_car::Params;
  using Action = std::int64_t;
  static constexpr int kStateDim = 2, kPublicStateDim = 2;
  static constexpr std::size_t kObsDim = 2;
  static Params params(const JsonObject& kwargs);
  static Space observation_space(const Params&);
  static Space action_space(const Params&);
  static State reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id);
  template <bool kTrigInRange>
  static Outcome step(State& s, Action a, const Params& p) {
    return mountain_car::step<kTrigInRange>(s, a, p);
  }
  static bool trig_in_range(const State& s) { return in_fast_trig_range(3 * s.position); }
  static void observe(const State& s, float* obs) { mountain_car::observe(s, obs); }
  static void save(const State& s, double* v) { v[0] = s.position, v[1] = s.velocity; }
  static State load(const double* v) { return {v[0], v[1]}; }
  // gymnasium's render() picture
  static void draw(const State& s, const Params& p, const Action* last_action, Frame& f);
};

}  // namespace rlforge::classic::mountain_car

namespace rlforge::classic {
using MountainCarEnv = ClassicEnv<mountain_car::Model>;
}
