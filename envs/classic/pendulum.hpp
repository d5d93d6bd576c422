// pendulum.hpp: Pendulum-v1 dynamics as inline functions on an explicit state.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/pendulum.py (PendulumEnv). The
// state is float64; the action is float32 and numpy keeps `3.0 * u` and `0.001 * u**2` in
// float32 (NEP 50 promotion), which is reproduced here.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "envs/classic/classic_env.hpp"
#include "envs/classic/fast_math.hpp"

namespace rlforge::classic::pendulum {

inline constexpr double kMaxSpeed = 8;
inline constexpr double kMaxTorque = 2.0;
inline constexpr double kDt = 0.05;
inline constexpr double kMass = 1.0;
inline constexpr double kLength = 1.0;
inline constexpr double kPi = 3.141592653589793;

struct State {
  double th, thdot;  // angle from upright [rad], angular velocity [rad/s]
};

struct Params {
  double g = 10.0;  // gravity [m/s^2]
};

// Python's (and numpy's) floored modulo of float64: the result has the divisor's sign.
inline double floored_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = std::copysign(0.0, b);
  }
  return m;
}

inline double angle_normalize(double x) { return floored_mod(x + kPi, 2 * kPi) - kPi; }

// th uniform in [-x_init, x_init), thdot uniform in [-y_init, y_init).
inline State reset(Rng& rng, double x_init, double y_init) {
  State s;
  s.th = rng.uniform(-x_init, x_init);
  s.thdot = rng.uniform(-y_init, y_init);
  return s;
}

template <bool kTrigInRange = false>
inline Outcome step(State& s, float action, const Params& p) {
  const float u = std::min(std::max(action, static_cast<float>(-kMaxTorque)),
                           static_cast<float>(kMaxTorque));
  const double an = angle_normalize(s.th);
  const float u_cost = 0.001f * (u * u);  // float32, as numpy computes it
  const double costs = an * an + 0.1 * (s.thdot * s.thdot) + static_cast<double>(u_cost);
  const float torque_term = static_cast<float>(3.0 / (kMass * (kLength * kLength))) * u;
  double newthdot =
      s.thdot + (3 * p.g / (2 * kLength) * sincos_of<kTrigInRange>(s.th).sin +
                 static_cast<double>(torque_term)) *
                    kDt;
  newthdot = std::min(std::max(newthdot, -kMaxSpeed), kMaxSpeed);
  const double newth = s.th + newthdot * kDt;
  s.th = newth;
  s.thdot = newthdot;
  return {-costs, false};
}

inline void observe(const State& s, float* obs) {  // obs[3]: cos th, sin th, thdot
  const SinCos sc = fast_sincos(s.th);
  obs[0] = static_cast<float>(sc.cos);
  obs[1] = static_cast<float>(sc.sin);
  obs[2] = static_cast<float>(s.thdot);
}

struct Model {
  using State = pendulum::State;
  using Params = pendulum::Params;
  using Action = float;
  static constexpr int kStateDim = 2, kPublicStateDim = 2;
  static constexpr std::size_t kObsDim = 3;
  static Params params(const JsonObject& kwargs);
  static Space observation_space(const Params&);
  static Space action_space(const Params&);
  static State reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id);
  template <bool kTrigInRange>
  static Outcome step(State& s, Action a, const Params& p) {
    return pendulum::step<kTrigInRange>(s, a, p);
  }
  static bool trig_in_range(const State& s) { return in_fast_trig_range(s.th); }
  static void observe(const State& s, float* obs) { pendulum::observe(s, obs); }
  static void save(const State& s, double* v) { v[0] = s.th, v[1] = s.thdot; }
  static State load(const double* v) { return {v[0], v[1]}; }
  // gymnasium's render() picture (the .cpp says what differs)
  static void draw(const State& s, const Params& p, const Action* last_action, Frame& f);
};

}  // namespace rlforge::classic::pendulum

namespace rlforge::classic {
using PendulumEnv = ClassicEnv<pendulum::Model>;
}
