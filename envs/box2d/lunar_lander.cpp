// lunar_lander.cpp: LunarLander's world, step, checkpoint replay and registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/box2d/lunar_lander.py. Expressions keep Python's
// evaluation order (left to right, in double), so that each float handed to Box2D is the one
// pybox2d hands it; draws follow numpy's Generator calls one for one (the parity test checks).
#include "envs/box2d/lunar_lander.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/classic/classic_env.hpp"

namespace rlforge::box2d {

namespace {
constexpr double kFps = 50;
constexpr double kScale = 30.0;
constexpr double kMainEnginePower = 13.0;
constexpr double kSideEnginePower = 0.6;
constexpr double kInitialRandom = 1000.0;
constexpr double kLanderPoly[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};
constexpr double kLegAway = 20, kLegDown = 18, kLegW = 2, kLegH = 8, kLegSpringTorque = 40;
constexpr double kSideEngineHeight = 14, kSideEngineAway = 12, kMainEngineYLocation = 4;
constexpr double kViewportW = 600, kViewportH = 400;
constexpr double kW = kViewportW / kScale, kH = kViewportH / kScale;
constexpr double kPi = 3.141592653589793;

// The state's layout tag: which kwargs shape the log (action values per step, wind draws).
constexpr double kLogTag = 12'001;
double log_tag(const LunarLanderParams& p) {
  return kLogTag + (p.continuous ? 1 : 0) + (p.enable_wind ? 2 : 0);
}

LunarLanderParams read_params(const JsonObject& kw) {
  LunarLanderParams p;
  p.continuous = kw.get_bool("continuous", false);
  p.gravity = kw.get_double("gravity", -10.0);
  p.enable_wind = kw.get_bool("enable_wind", false);
  p.wind_power = kw.get_double("wind_power", 15.0);
  p.turbulence_power = kw.get_double("turbulence_power", 1.5);
  // gymnasium asserts the gravity range and only warns about the other two: those are
  // accepted at any finite value, as there.
  if (!(p.gravity > -12.0 && p.gravity < 0.0))
    throw InvalidArgument("LunarLander: kwarg gravity = " + std::to_string(p.gravity) +
                          ", expected a value in (-12, 0)");
  if (!std::isfinite(p.wind_power) || !std::isfinite(p.turbulence_power))
    throw InvalidArgument("LunarLander: kwargs wind_power and turbulence_power must be finite");
  return p;
}

Space lander_observation_space() {
  return Space::box({-2.5, -2.5, -10.0, -10.0, -2 * kPi, -10.0, -0.0, -0.0},
                    {2.5, 2.5, 10.0, 10.0, 2 * kPi, 10.0, 1.0, 1.0}, Shape{8}, DType::float32);
}
Space lander_action_space(const LunarLanderParams& p) {
  return p.continuous ? Space::box(-1.0, 1.0, Shape{2}, DType::float32) : Space::discrete(4);
}

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
// np.sign
double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }
}  // namespace

LanderControl decode_discrete(std::int64_t a) {
  LanderControl c;
  if (a == 2) c.m_power = 1.0;
  if (a == 1 || a == 3) {
    c.s_power = 1.0;
    c.direction = static_cast<double>(a - 2);  // 1 is the left engine, 3 the right one
  }
  return c;
}

LanderControl decode_continuous(double main, double lateral) {
  // np.clip(action, -1, +1).astype(np.float64)
  main = clip(main, -1.0, 1.0);
  lateral = clip(lateral, -1.0, 1.0);
  LanderControl c;
  if (main > 0.0) c.m_power = (clip(main, 0.0, 1.0) + 1.0) * 0.5;  // 0.5..1.0
  if (std::abs(lateral) > 0.5) {
    c.direction = sign(lateral);
    c.s_power = clip(std::abs(lateral), 0.5, 1.0);
  }
  return c;
}

LunarLanderEnv::LunarLanderEnv(const JsonObject& kwargs) : LunarLanderEnv(read_params(kwargs), 0) {}

LunarLanderEnv::LunarLanderEnv(LunarLanderParams p, int)
    : Env(lander_observation_space(), lander_action_space(p)), params_(p) {
  init_once();
  listener_.env = this;
}

LunarLanderEnv::~LunarLanderEnv() = default;

void LunarLanderEnv::Listener::BeginContact(b2Contact* c) {
  b2Body* a = c->GetFixtureA()->GetBody();
  b2Body* b = c->GetFixtureB()->GetBody();
  if (a == env->lander_ || b == env->lander_) env->game_over_ = true;
  for (int i = 0; i < 2; ++i)
    if (a == env->legs_[i] || b == env->legs_[i]) env->ground_contact_[i] = true;
}

void LunarLanderEnv::Listener::EndContact(b2Contact* c) {
  b2Body* a = c->GetFixtureA()->GetBody();
  b2Body* b = c->GetFixtureB()->GetBody();
  for (int i = 0; i < 2; ++i)
    if (a == env->legs_[i] || b == env->legs_[i]) env->ground_contact_[i] = false;
}

void LunarLanderEnv::build_episode() {
  // The old world goes without callbacks (~b2World fires none), and its bodies with it.
  world_ = make_world(0.0, params_.gravity);
  world_->SetContactListener(&listener_);
  game_over_ = false;
  prev_shaping_.reset();
  ground_contact_ = {false, false};
  particle_count_ = 0;

  // Terrain: 12 heights drawn (all of them, though 3..7 are then the helipad's).
  std::array<double, kChunks + 1> height{};
  for (auto& h : height) h = log_.uniform(0.0, kH / 2);
  for (int i = 0; i < kChunks; ++i) chunk_x_[static_cast<std::size_t>(i)] = kW / (kChunks - 1) * i;
  helipad_x1_ = chunk_x_[kChunks / 2 - 1];
  helipad_x2_ = chunk_x_[kChunks / 2 + 1];
  helipad_y_ = kH / 4;
  for (int k = -2; k <= 2; ++k) height[static_cast<std::size_t>(kChunks / 2 + k)] = helipad_y_;
  for (int i = 0; i < kChunks; ++i) {
    // Python's height[i - 1] wraps to the last element at i = 0; the factor is 0.33, not 1/3.
    const double prev = height[static_cast<std::size_t>((i + kChunks) % (kChunks + 1))];
    smooth_y_[static_cast<std::size_t>(i)] =
        0.33 * (prev + height[static_cast<std::size_t>(i)] + height[static_cast<std::size_t>(i + 1)]);
  }

  moon_ = add_static_body(*world_);
  add_edge(moon_, {0, 0}, {kW, 0}, {});
  for (int i = 0; i < kChunks - 1; ++i) {
    const auto k = static_cast<std::size_t>(i);
    add_edge(moon_, {chunk_x_[k], smooth_y_[k]}, {chunk_x_[k + 1], smooth_y_[k + 1]},
             {.density = 0, .friction = 0.1});
  }

  const double initial_y = kViewportH / kScale, initial_x = kViewportW / kScale / 2;
  lander_ = add_dynamic_body(*world_, {initial_x, initial_y}, 0.0);
  Point poly[6];
  for (int i = 0; i < 6; ++i) poly[i] = {kLanderPoly[i][0] / kScale, kLanderPoly[i][1] / kScale};
  add_polygon(lander_, poly,
              {.density = 5.0, .friction = 0.1, .restitution = 0.0, .category = 0x0010, .mask = 0x001});
  const double fx = log_.uniform(-kInitialRandom, kInitialRandom);
  const double fy = log_.uniform(-kInitialRandom, kInitialRandom);
  lander_->ApplyForceToCenter(to_b2(fx, fy), true);
  if (params_.enable_wind) {
    wind_idx_ = log_.integers(-9999, 9999);
    torque_idx_ = log_.integers(-9999, 9999);
  }

  for (int side = 0; side < 2; ++side) {
    const double i = side == 0 ? -1.0 : 1.0;
    b2Body* leg = add_dynamic_body(*world_, {initial_x - i * kLegAway / kScale, initial_y}, i * 0.05);
    add_box(leg, kLegW / kScale, kLegH / kScale,
            {.density = 1.0, .restitution = 0.0, .category = 0x0020, .mask = 0x001});
    RevoluteParams j;
    j.anchor_a = {0, 0};
    j.anchor_b = {i * kLegAway / kScale, kLegDown / kScale};
    j.enable_motor = j.enable_limit = true;
    j.max_motor_torque = kLegSpringTorque;
    j.motor_speed = +0.3 * i;  // low enough not to jump back into the sky
    if (side == 0) {
      j.lower = +0.9 - 0.5;
      j.upper = +0.9;
    } else {
      j.lower = -0.9;
      j.upper = -0.9 + 0.5;
    }
    add_revolute(*world_, lander_, leg, j);
    legs_[static_cast<std::size_t>(side)] = leg;
  }
}

StepResult LunarLanderEnv::physics_step(const LanderControl& c, float* obs, Info& info) {
  if (params_.enable_wind && !(ground_contact_[0] || ground_contact_[1])) {
    // tanh(sin(2 k x) + sin(pi k x)), k = 0.01: never periodic.
    const double wind_mag =
        std::tanh(std::sin(0.02 * wind_idx_) + std::sin(kPi * 0.01 * wind_idx_)) * params_.wind_power;
    wind_idx_ += 1;
    lander_->ApplyForceToCenter(to_b2(wind_mag, 0.0), true);
    const double torque_mag = std::tanh(std::sin(0.02 * torque_idx_) + std::sin(kPi * 0.01 * torque_idx_)) *
                              params_.turbulence_power;
    torque_idx_ += 1;
    lander_->ApplyTorque(static_cast<float>(torque_mag), true);
  }

  const double angle = lander_->GetAngle();
  const double tip[2] = {std::sin(angle), std::cos(angle)};
  const double side[2] = {-tip[1], tip[0]};
  const double d0_raw = log_.uniform(-1.0, 1.0), d1_raw = log_.uniform(-1.0, 1.0);
  const double dispersion[2] = {d0_raw / kScale, d1_raw / kScale};
  info.set("dispersion_0", d0_raw);
  info.set("dispersion_1", d1_raw);

  if (c.m_power > 0.0) {
    const double ox = tip[0] * (kMainEngineYLocation / kScale + 2 * dispersion[0]) + side[0] * dispersion[1];
    const double oy = -tip[1] * (kMainEngineYLocation / kScale + 2 * dispersion[0]) - side[1] * dispersion[1];
    const b2Vec2 p = lander_->GetPosition();
    const double px = p.x + ox, py = p.y + oy;
    emit_particle(3.5, px, py, ox * kMainEnginePower * c.m_power, oy * kMainEnginePower * c.m_power, c.m_power);
    lander_->ApplyLinearImpulse(to_b2(-ox * kMainEnginePower * c.m_power, -oy * kMainEnginePower * c.m_power),
                                to_b2(px, py), true);
  }
  if (c.s_power > 0.0) {
    const double ox = tip[0] * dispersion[0] + side[0] * (3 * dispersion[1] + c.direction * kSideEngineAway / kScale);
    const double oy = -tip[1] * dispersion[0] - side[1] * (3 * dispersion[1] + c.direction * kSideEngineAway / kScale);
    // gymnasium's 17 where SIDE_ENGINE_HEIGHT (14) was presumably meant: an orientation-
    // dependent torque, kept as it is part of the task.
    const b2Vec2 p = lander_->GetPosition();
    const double px = p.x + ox - tip[0] * 17 / kScale, py = p.y + oy + tip[1] * kSideEngineHeight / kScale;
    emit_particle(0.7, px, py, ox * kSideEnginePower * c.s_power, oy * kSideEnginePower * c.s_power, c.s_power);
    lander_->ApplyLinearImpulse(to_b2(-ox * kSideEnginePower * c.s_power, -oy * kSideEnginePower * c.s_power),
                                to_b2(px, py), true);
  }

  box2d::step(*world_);
  move_particles();

  const b2Vec2 pos = lander_->GetPosition();
  const b2Vec2 vel = lander_->GetLinearVelocity();
  const double s[8] = {
      (pos.x - kViewportW / kScale / 2) / (kViewportW / kScale / 2),
      (pos.y - (helipad_y_ + kLegDown / kScale)) / (kViewportH / kScale / 2),
      vel.x * (kViewportW / kScale / 2) / kFps,
      vel.y * (kViewportH / kScale / 2) / kFps,
      static_cast<double>(lander_->GetAngle()),
      20.0 * lander_->GetAngularVelocity() / kFps,
      ground_contact_[0] ? 1.0 : 0.0,
      ground_contact_[1] ? 1.0 : 0.0,
  };
  for (int k = 0; k < 8; ++k) obs[k] = static_cast<float>(s[k]);

  double reward = 0;
  const double shaping = -100 * std::sqrt(s[0] * s[0] + s[1] * s[1]) - 100 * std::sqrt(s[2] * s[2] + s[3] * s[3]) -
                         100 * std::abs(s[4]) + 10 * s[6] + 10 * s[7];
  if (prev_shaping_) reward = shaping - *prev_shaping_;
  prev_shaping_ = shaping;
  reward -= c.m_power * 0.30;  // less fuel spent is better
  reward -= c.s_power * 0.03;

  bool terminated = false;
  if (game_over_ || std::abs(s[0]) >= 1.0) {
    terminated = true;
    reward = -100;
  }
  if (!lander_->IsAwake()) {  // came to rest: landed
    terminated = true;
    reward = +100;
  }
  return {reward, terminated, false};
}

void LunarLanderEnv::do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info& info) {
  classic::check_reset_keys(options, {}, id());
  // Reset draws, then per step 1 or 2 action values and 2 dispersions: reserved for the
  // whole TimeLimit, so the steps of an episode append without allocating.
  const std::size_t steps = static_cast<std::size_t>(spec().max_episode_steps.value_or(1000));
  log_.start(rng, 20 + steps * (params_.continuous ? 4 : 3));
  build_episode();
  // gymnasium's reset returns step(0)'s observation (which also sets prev_shaping).
  physics_step(LanderControl{}, reinterpret_cast<float*>(obs.data()), info);
}

StepResult LunarLanderEnv::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  LanderControl c;
  if (params_.continuous) {
    const float* a = static_cast<const float*>(action);
    const double a0 = log_.action(a[0]), a1 = log_.action(a[1]);
    c = decode_continuous(a0, a1);
  } else {
    c = decode_discrete(static_cast<std::int64_t>(log_.action(static_cast<double>(*static_cast<const std::int64_t*>(action)))));
  }
  return physics_step(c, reinterpret_cast<float*>(obs.data()), info);
}

LanderControl LunarLanderEnv::replayed_action() {
  if (params_.continuous) {
    const double a0 = log_.action(0), a1 = log_.action(0);
    return decode_continuous(a0, a1);
  }
  const double a = log_.action(0);
  if (!(a == 0 || a == 1 || a == 2 || a == 3))
    throw InvalidArgument("checkpoint state of " + id() + ": logged action " + std::to_string(a) +
                          " is not one of 0, 1, 2, 3");
  return decode_discrete(static_cast<std::int64_t>(a));
}

std::vector<double> LunarLanderEnv::get_state() const {
  if (!world_) throw StateError(id() + ": get_state before the first reset (no episode to save)");
  std::vector<double> v;
  v.reserve(log_.values().size() + 1);
  v.push_back(log_tag(params_));
  v.insert(v.end(), log_.values().begin(), log_.values().end());
  return v;
}

void LunarLanderEnv::set_state(std::span<const double> state) {
  const std::string what = "checkpoint state of " + id();
  if (state.empty() || state[0] != log_tag(params_))
    throw InvalidArgument(what + ": layout tag " + (state.empty() ? std::string("missing") : std::to_string(state[0])) +
                          ", expected " + std::to_string(log_tag(params_)) + " (continuous=" +
                          (params_.continuous ? "true" : "false") + ", enable_wind=" +
                          (params_.enable_wind ? "true" : "false") + ")");
  // Replayed into a scratch env's worth of state: on a damaged log this env is rebuilt
  // fresh from its own previous log, so a refused state changes nothing.
  const std::vector<double> previous = world_ ? log_.values() : std::vector<double>{};
  const bool had_world = world_ != nullptr;
  Info scratch_info;
  float scratch_obs[8];
  auto replay = [&](std::span<const double> values) {
    log_.start_replay(values, what);
    build_episode();
    physics_step(LanderControl{}, scratch_obs, scratch_info);
    while (!log_.replay_done()) physics_step(replayed_action(), scratch_obs, scratch_info);
    log_.resume(rng());
    particle_count_ = 0;
  };
  try {
    replay(state.subspan(1));
  } catch (const InvalidArgument&) {
    if (had_world) replay(previous);
    else world_.reset();
    throw;
  }
}

BodySnapshot LunarLanderEnv::lander() const {
  if (!lander_) throw StateError(id() + ": no episode yet (call reset first)");
  const b2Vec2 p = lander_->GetPosition(), v = lander_->GetLinearVelocity();
  return {p.x, p.y, lander_->GetAngle(), v.x, v.y, lander_->GetAngularVelocity(), lander_->IsAwake()};
}

BodySnapshot LunarLanderEnv::leg(int i) const {
  if (!lander_) throw StateError(id() + ": no episode yet (call reset first)");
  b2Body* b = legs_.at(static_cast<std::size_t>(i));
  const b2Vec2 p = b->GetPosition(), v = b->GetLinearVelocity();
  return {p.x, p.y, b->GetAngle(), v.x, v.y, b->GetAngularVelocity(), b->IsAwake()};
}

}  // namespace rlforge::box2d
