// mountain_car_continuous.hpp: MountainCarContinuous-v0 dynamics as inline functions on an explicit state.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/continuous_mountain_car.py
// (Continuous_MountainCarEnv). Its precision is mixed, and reproduced exactly: reset() stores
// a float64 state, but step() stores `np.array([position, velocity], dtype=np.float32)`, so
// from the second step on numpy computes in float32 wherever a float32 meets a Python float
// (NEP 50: the Python float is rounded to float32, comparisons too), and `force * power` is
// float32 on every step.
#pragma once
#include <algorithm>
#include <string>

#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "envs/classic/classic_env.hpp"
#include "envs/classic/fast_math.hpp"

namespace rlforge::classic::mountain_car_continuous {

inline constexpr double kMinAction = -1.0;
inline constexpr double kMaxAction = 1.0;
inline constexpr double kMinPosition = -1.2;
inline constexpr double kMaxPosition = 0.6;
inline constexpr double kMaxSpeed = 0.07;
inline constexpr double kGoalPosition = 0.45;
inline constexpr double kPower = 0.0015;

struct State {
  double position, velocity;
  bool is_float32;  // false right after reset()/set_state(), true after any step()
};

struct Params {
  double goal_velocity = 0.0;
};

// Position uniform in [low, high), velocity 0, held in float64.
inline State reset(Rng& rng, double low, double high) {
  return {rng.uniform(low, high), 0.0, false};
}

namespace detail {
// The step from a float64 state (the first step of an episode): float64 arithmetic except
// for the float32 terms numpy produces.
inline bool step_from_float64(double& position, double& velocity, float force, double goal_velocity,
                              double cos3p) {
  const float thrust = force * static_cast<float>(kPower);
  const float dv = thrust - static_cast<float>(0.0025 * cos3p);
  velocity = velocity + static_cast<double>(dv);
  if (velocity > kMaxSpeed) velocity = kMaxSpeed;
  if (velocity < -kMaxSpeed) velocity = -kMaxSpeed;
  position = position + velocity;
  if (position > kMaxPosition) position = kMaxPosition;
  if (position < kMinPosition) position = kMinPosition;
  if (position == kMinPosition && velocity < 0) velocity = 0;
  return position >= kGoalPosition && velocity >= goal_velocity;
}

// A value that is a numpy float32 until the code assigns it a Python float.
struct Mixed {
  double value;
  bool is_f32;
  bool gt(double c) const { return is_f32 ? static_cast<float>(value) > static_cast<float>(c) : value > c; }
  bool lt(double c) const { return is_f32 ? static_cast<float>(value) < static_cast<float>(c) : value < c; }
  bool ge(double c) const { return is_f32 ? static_cast<float>(value) >= static_cast<float>(c) : value >= c; }
  bool eq(double c) const { return is_f32 ? static_cast<float>(value) == static_cast<float>(c) : value == c; }
};

// The step from a float32 state: every np.float32 (op) Python float is done in float32.
inline bool step_from_float32(double& position_io, double& velocity_io, float force,
                              double goal_velocity, double cos3p) {
  const float thrust = force * static_cast<float>(kPower);
  const float dv = thrust - static_cast<float>(0.0025 * cos3p);
  Mixed velocity{static_cast<double>(static_cast<float>(velocity_io) + dv), true};
  if (velocity.gt(kMaxSpeed)) velocity = {kMaxSpeed, false};
  if (velocity.lt(-kMaxSpeed)) velocity = {-kMaxSpeed, false};
  // position (float32) += velocity: float32 + float32, or float32 + Python float -> float32.
  Mixed position{static_cast<double>(static_cast<float>(position_io) +
                                     static_cast<float>(velocity.value)),
                 true};
  if (position.gt(kMaxPosition)) position = {kMaxPosition, false};
  if (position.lt(kMinPosition)) position = {kMinPosition, false};
  if (position.eq(kMinPosition) && velocity.lt(0.0)) velocity = {0.0, false};
  const bool terminated = position.ge(kGoalPosition) && velocity.ge(goal_velocity);
  position_io = position.value;
  velocity_io = velocity.value;
  return terminated;
}
}  // namespace detail

template <bool kTrigInRange = false>
inline Outcome step(State& s, float action, const Params& p) {
  const float force = std::min(std::max(action, static_cast<float>(kMinAction)),
                               static_cast<float>(kMaxAction));
  // math.cos(3 * position): 3 * position is float32 when position is.
  const double arg = s.is_float32 ? static_cast<double>(3.0f * static_cast<float>(s.position))
                                  : 3 * s.position;
  const double cos3p = sincos_of<kTrigInRange>(arg).cos;
  const bool terminated =
      s.is_float32 ? detail::step_from_float32(s.position, s.velocity, force, p.goal_velocity, cos3p)
                   : detail::step_from_float64(s.position, s.velocity, force, p.goal_velocity, cos3p);
  // self.state = np.array([position, velocity], dtype=np.float32)
  s.position = round_to_float32(s.position);
  s.velocity = round_to_float32(s.velocity);
  s.is_float32 = true;
  const double a = static_cast<double>(action);
  const double reward = (terminated ? 100.0 : 0.0) - (a * a) * 0.1;
  return {reward, terminated};
}

inline void observe(const State& s, float* obs) {  // obs[2]: position, velocity
  obs[0] = static_cast<float>(s.position);
  obs[1] = static_cast<float>(s.velocity);
}

struct Model {
  using State = mountain_car_continuous::State;
  using Params = mountain_car_continuous::Params;
  using Action = float;
  // The third value (is_float32) is internal: get_state shows position and velocity, and
  // set_state starts from float64, as after reset().
  static constexpr int kStateDim = 3, kPublicStateDim = 2;
  static constexpr std::size_t kObsDim = 2;
  static Params params(const JsonObject& kwargs);
  static Space observation_space(const Params&);
  static Space action_space(const Params&);
  static State reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id);
  template <bool kTrigInRange>
  static Outcome step(State& s, Action a, const Params& p) {
    return mountain_car_continuous::step<kTrigInRange>(s, a, p);
  }
  static bool trig_in_range(const State& s) { return in_fast_trig_range(3 * s.position); }
  static void observe(const State& s, float* obs) { mountain_car_continuous::observe(s, obs); }
  static void save(const State& s, double* v) {
    v[0] = s.position, v[1] = s.velocity, v[2] = s.is_float32 ? 1.0 : 0.0;
  }
  static State load(const double* v) { return {v[0], v[1], v[2] != 0.0}; }
  // gymnasium's render() picture
  static void draw(const State& s, const Params& p, const Action* last_action, Frame& f);
};

}  // namespace rlforge::classic::mountain_car_continuous

namespace rlforge::classic {
using MountainCarContinuousEnv = ClassicEnv<mountain_car_continuous::Model>;
}
