// acrobot.hpp: Acrobot-v1 dynamics (book variant, RK4) as inline functions on an explicit state.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/acrobot.py (AcrobotEnv, rk4, wrap,
// bound). reset() draws float64 values and stores them as float32 (`.astype(np.float32)`);
// step() works and stores in float64. Expression order follows the reference term by term.
#pragma once
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "envs/classic/classic_env.hpp"
#include "envs/classic/fast_math.hpp"

namespace rlforge::classic::acrobot {

inline constexpr double kPi = 3.141592653589793;
inline constexpr double kDt = 0.2;
inline constexpr double kLinkLength1 = 1.0;
inline constexpr double kLinkMass1 = 1.0;
inline constexpr double kLinkMass2 = 1.0;
inline constexpr double kLinkComPos1 = 0.5;
inline constexpr double kLinkComPos2 = 0.5;
inline constexpr double kLinkMoi = 1.0;
inline constexpr double kMaxVel1 = 4 * kPi;
inline constexpr double kMaxVel2 = 9 * kPi;
inline constexpr double kAvailTorque[3] = {-1.0, 0.0, 1.0};

struct State {
  double theta1, theta2, dtheta1, dtheta2;  // [rad], [rad], [rad/s], [rad/s]
};

struct Params {};

// Four uniform draws in [low, high), rounded to float32 as gymnasium stores them.
inline State reset(Rng& rng, double low, double high) {
  State s;
  s.theta1 = round_to_float32(rng.uniform(low, high));
  s.theta2 = round_to_float32(rng.uniform(low, high));
  s.dtheta1 = round_to_float32(rng.uniform(low, high));
  s.dtheta2 = round_to_float32(rng.uniform(low, high));
  return s;
}

// Time derivative of (theta1, theta2, dtheta1, dtheta2) under torque a (AcrobotEnv._dsdt, "book").
inline void dsdt(const double* s, double a, double* d) {
  constexpr double m1 = kLinkMass1, m2 = kLinkMass2, l1 = kLinkLength1, lc1 = kLinkComPos1,
                   lc2 = kLinkComPos2, I1 = kLinkMoi, I2 = kLinkMoi, g = 9.8;
  const double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
  const SinCos t2 = fast_sincos(theta2);
  const double d1 =
      m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * t2.cos) + I1 + I2;
  const double d2 = m2 * ((lc2 * lc2) + l1 * lc2 * t2.cos) + I2;
  const double phi2 = m2 * lc2 * g * fast_cos(theta1 + theta2 - kPi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * t2.sin -
                      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * t2.sin +
                      (m1 * lc1 + m2 * l1) * g * fast_cos(theta1 - kPi / 2) + phi2;
  const double ddtheta2 =
      (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * t2.sin - phi2) /
      (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  d[0] = dtheta1;
  d[1] = dtheta2;
  d[2] = ddtheta1;
  d[3] = ddtheta2;
}

// gymnasium's wrap(x, -pi, pi) and bound(x, m, M) = min(max(x, m), M) with Python's min/max.
inline double wrap(double x, double m, double big_m) {
  const double diff = big_m - m;
  while (x > big_m) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}
inline double bound(double x, double m, double big_m) {
  const double lo = m > x ? m : x;
  return big_m < lo ? big_m : lo;
}

// One RK4 step of length kDt (gymnasium's rk4 over t = [0, dt]); actions 0, 1, 2 apply
// torque -1, 0, +1.
template <bool kTrigInRange = false>
inline Outcome step(State& st, std::int64_t action, const Params&) {
  const double torque = kAvailTorque[action];
  const double y0[4] = {st.theta1, st.theta2, st.dtheta1, st.dtheta2};
  constexpr double dt = kDt - 0.0, dt2 = dt / 2.0;
  double k1[4], k2[4], k3[4], k4[4], y[4];
  dsdt(y0, torque, k1);
  for (int j = 0; j < 4; ++j) y[j] = y0[j] + dt2 * k1[j];
  dsdt(y, torque, k2);
  for (int j = 0; j < 4; ++j) y[j] = y0[j] + dt2 * k2[j];
  dsdt(y, torque, k3);
  for (int j = 0; j < 4; ++j) y[j] = y0[j] + dt * k3[j];
  dsdt(y, torque, k4);
  double ns[4];
  for (int j = 0; j < 4; ++j) ns[j] = y0[j] + dt / 6.0 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
  st.theta1 = wrap(ns[0], -kPi, kPi);
  st.theta2 = wrap(ns[1], -kPi, kPi);
  st.dtheta1 = bound(ns[2], -kMaxVel1, kMaxVel1);
  st.dtheta2 = bound(ns[3], -kMaxVel2, kMaxVel2);
  const bool terminated = -fast_cos(st.theta1) - fast_cos(st.theta2 + st.theta1) > 1.0;
  return {terminated ? 0.0 : -1.0, terminated};
}

inline void observe(const State& s, float* obs) {  // obs[6]: cos/sin theta1, cos/sin theta2, velocities
  const SinCos a = fast_sincos(s.theta1), b = fast_sincos(s.theta2);
  obs[0] = static_cast<float>(a.cos);
  obs[1] = static_cast<float>(a.sin);
  obs[2] = static_cast<float>(b.cos);
  obs[3] = static_cast<float>(b.sin);
  obs[4] = static_cast<float>(s.dtheta1);
  obs[5] = static_cast<float>(s.dtheta2);
}

struct Model {
  using State = acrobot::State;
  using Params = acrobot::Params;
  using Action = std::int64_t;
  static constexpr int kStateDim = 4, kPublicStateDim = 4;
  static constexpr std::size_t kObsDim = 6;
  static Params params(const JsonObject& kwargs);
  static Space observation_space(const Params&);
  static Space action_space(const Params&);
  static State reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id);
  // RK4's intermediate angles are not known in advance: always the general trig path.
  template <bool kTrigInRange>
  static Outcome step(State& s, Action a, const Params& p) {
    return acrobot::step<false>(s, a, p);
  }
  static bool trig_in_range(const State&) { return false; }
  static void observe(const State& s, float* obs) { acrobot::observe(s, obs); }
  static void save(const State& s, double* v) {
    v[0] = s.theta1, v[1] = s.theta2, v[2] = s.dtheta1, v[3] = s.dtheta2;
  }
  static State load(const double* v) { return {v[0], v[1], v[2], v[3]}; }
  // gymnasium's render() picture
  static void draw(const State& s, const Params& p, const Action* last_action, Frame& f);
};

}  // namespace rlforge::classic::acrobot

namespace rlforge::classic {
using AcrobotEnv = ClassicEnv<acrobot::Model>;
}
