// cartpole.hpp: CartPole-v0/v1 dynamics as inline functions on an explicit state.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/cartpole.py (CartPoleEnv),
// reproduced operation by operation in float64 (the observation is the state in float32).
#pragma once
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "envs/classic/classic_env.hpp"
#include "envs/classic/fast_math.hpp"

namespace rlforge::classic::cartpole {

inline constexpr double kGravity = 9.8;
inline constexpr double kMassCart = 1.0;
inline constexpr double kMassPole = 0.1;
inline constexpr double kTotalMass = kMassPole + kMassCart;
inline constexpr double kLength = 0.5;  // half the pole's length [m]
inline constexpr double kPoleMassLength = kMassPole * kLength;
inline constexpr double kForceMag = 10.0;
inline constexpr double kTau = 0.02;  // seconds per step
inline constexpr double kPi = 3.141592653589793;
inline constexpr double kThetaThreshold = 12 * 2 * kPi / 360;  // radians
inline constexpr double kXThreshold = 2.4;

struct State {
  double x, x_dot, theta, theta_dot;  // [m], [m/s], [rad], [rad/s]
};

struct Params {
  bool sutton_barto_reward = false;  // reward 0 per step and -1 on termination
};

// Four independent uniform draws in [low, high), in gymnasium's order.
inline State reset(Rng& rng, double low, double high) {
  State s;
  s.x = rng.uniform(low, high);
  s.x_dot = rng.uniform(low, high);
  s.theta = rng.uniform(low, high);
  s.theta_dot = rng.uniform(low, high);
  return s;
}

// One Euler step with action 0 (push left) or 1 (push right). Branch-free so that the
// batched loop vectorizes; kTrigInRange: |theta| < kFastTrigLimit is known.
template <bool kTrigInRange = false>
inline Outcome step(State& s, std::int64_t action, const Params& p) {
  const double force = action == 1 ? kForceMag : -kForceMag;
  const SinCos sc = sincos_of<kTrigInRange>(s.theta);
  const double costheta = sc.cos, sintheta = sc.sin;
  const double temp =
      (force + kPoleMassLength * (s.theta_dot * s.theta_dot) * sintheta) / kTotalMass;
  const double thetaacc = (kGravity * sintheta - costheta * temp) /
                          (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
  const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;
  s.x = s.x + kTau * s.x_dot;
  s.x_dot = s.x_dot + kTau * xacc;
  s.theta = s.theta + kTau * s.theta_dot;
  s.theta_dot = s.theta_dot + kTau * thetaacc;
  const bool terminated = (s.x < -kXThreshold) | (s.x > kXThreshold) |
                          (s.theta < -kThetaThreshold) | (s.theta > kThetaThreshold);
  const double alive = p.sutton_barto_reward ? 0.0 : 1.0;
  const double last = p.sutton_barto_reward ? -1.0 : 1.0;
  return {terminated ? last : alive, terminated};
}

inline void observe(const State& s, float* obs) {  // obs[4]
  obs[0] = static_cast<float>(s.x);
  obs[1] = static_cast<float>(s.x_dot);
  obs[2] = static_cast<float>(s.theta);
  obs[3] = static_cast<float>(s.theta_dot);
}

// The glue ClassicEnv / ClassicBatched need (see classic_env.hpp).
struct Model {
  using State = cartpole::State;
  using Params = cartpole::Params;
  using Action = std::int64_t;
  static constexpr int kStateDim = 4, kPublicStateDim = 4;
  static constexpr std::size_t kObsDim = 4;
  static Params params(const JsonObject& kwargs);
  static Space observation_space(const Params&);
  static Space action_space(const Params&);
  static State reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id);
  template <bool kTrigInRange>
  static Outcome step(State& s, Action a, const Params& p) {
    return cartpole::step<kTrigInRange>(s, a, p);
  }
  static bool trig_in_range(const State& s) { return in_fast_trig_range(s.theta); }
  static void observe(const State& s, float* obs) { cartpole::observe(s, obs); }
  static void save(const State& s, double* v) {
    v[0] = s.x, v[1] = s.x_dot, v[2] = s.theta, v[3] = s.theta_dot;
  }
  static State load(const double* v) { return {v[0], v[1], v[2], v[3]}; }
  // gymnasium's render() picture
  static void draw(const State& s, const Params& p, const Action* last_action, Frame& f);
};

}  // namespace rlforge::classic::cartpole

namespace rlforge::classic {
using CartPoleEnv = ClassicEnv<cartpole::Model>;
}
