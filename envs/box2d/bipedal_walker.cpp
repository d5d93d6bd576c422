// bipedal_walker.cpp: BipedalWalker's terrain and clouds, bodies, step (motors, lidar, reward),
// checkpoint replay, and its two registrations (the picture: bipedal_walker_draw.cpp).
// Reference: gymnasium 1.4 gymnasium/envs/box2d/bipedal_walker.py (BipedalWalker).
#include "envs/box2d/bipedal_walker.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlforge::box2d::walker {

namespace {
double np_sign(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }
}  // namespace

void generate_terrain(ReplayLog& log, bool hardcore, Terrain& out) {
  enum State : std::int64_t { kGrass = 0, kStump, kStairs, kPit, kStates };
  constexpr double TS = kTerrainStep;
  std::int64_t state = kGrass;
  double velocity = 0.0, y = kTerrainHeight;
  std::int64_t counter = kTerrainStartpad;
  bool oneshot = false;
  std::int64_t stair_steps = 0, stair_width = 0, stair_height = 0;
  double original_y = 0;
  out.obstacles.clear();
  for (int i = 0; i < kTerrainLength; ++i) {
    const double x = i * TS;
    out.x[static_cast<std::size_t>(i)] = x;
    if (state == kGrass && !oneshot) {
      velocity = 0.8 * velocity + 0.01 * np_sign(kTerrainHeight - y);
      if (i > kTerrainStartpad) velocity += log.uniform(-1, 1) / kScale;
      y += velocity;
    } else if (state == kPit && oneshot) {
      counter = log.integers(3, 5);
      const std::array<Point, 4> poly = {
          Point{x, y}, Point{x + TS, y}, Point{x + TS, y - 4 * TS}, Point{x, y - 4 * TS}};
      out.obstacles.push_back(poly);
      std::array<Point, 4> far = poly;
      for (Point& p : far) p.x = p.x + TS * static_cast<double>(counter);
      out.obstacles.push_back(far);
      counter += 2;
      original_y = y;
    } else if (state == kPit && !oneshot) {
      y = original_y;
      if (counter > 1) y -= 4 * TS;
    } else if (state == kStump && oneshot) {
      counter = log.integers(1, 3);
      const double c = static_cast<double>(counter);
      out.obstacles.push_back(
          {Point{x, y}, Point{x + c * TS, y}, Point{x + c * TS, y + c * TS}, Point{x, y + c * TS}});
    } else if (state == kStairs && oneshot) {
      stair_height = log.random() > 0.5 ? +1 : -1;
      stair_width = log.integers(4, 5);
      stair_steps = log.integers(3, 5);
      original_y = y;
      for (std::int64_t s = 0; s < stair_steps; ++s) {
        const auto d = [](std::int64_t v) { return static_cast<double>(v); };
        const double xl = x + d(s * stair_width) * TS, xr = x + d((1 + s) * stair_width) * TS;
        const double yt = y + d(s * stair_height) * TS, yb = y + d(-1 + s * stair_height) * TS;
        out.obstacles.push_back({Point{xl, yt}, Point{xr, yt}, Point{xr, yb}, Point{xl, yb}});
      }
      counter = stair_steps * stair_width;
    } else if (state == kStairs && !oneshot) {
      const std::int64_t s = stair_steps * stair_width - counter - stair_height;
      const double n = static_cast<double>(s) / static_cast<double>(stair_width);  // true division
      y = original_y + (n * static_cast<double>(stair_height)) * TS;
    }
    oneshot = false;
    out.y[static_cast<std::size_t>(i)] = y;
    counter -= 1;
    if (counter == 0) {
      counter = log.integers(kTerrainGrass / 2, kTerrainGrass);
      if (state == kGrass && hardcore) {
        state = log.integers(1, kStates);
      } else {
        state = kGrass;
      }
      oneshot = true;
    }
  }
}

void generate_clouds(ReplayLog& log, std::array<Cloud, kClouds>& out) {
  for (Cloud& c : out) {
    const double x = log.uniform(0, kTerrainLength) * kTerrainStep;
    const double y = kViewportH / kScale * 3 / 4;
    for (int a = 0; a < 5; ++a) {
      // Python evaluates the tuple's x (and its draw) before y.
      const double px = x + 15 * kTerrainStep * std::sin(3.14 * 2 * a / 5) +
                        log.uniform(0, 5 * kTerrainStep);
      const double py = y + 5 * kTerrainStep * std::cos(3.14 * 2 * a / 5) +
                        log.uniform(0, 5 * kTerrainStep);
      c.poly[static_cast<std::size_t>(a)] = {px, py};
    }
    c.x1 = c.x2 = c.poly[0].x;
    for (const Point& p : c.poly) c.x1 = std::min(c.x1, p.x), c.x2 = std::max(c.x2, p.x);
  }
}

// gymnasium's ContactDetector: the hull touching anything ends the game; the lower legs report
// ground contact (EndContact clears it even if another contact remains, as gymnasium's does).
class BipedalWalkerEnv::Contacts : public b2ContactListener {
 public:
  explicit Contacts(BipedalWalkerEnv& env) : env_(env) {}
  void BeginContact(b2Contact* c) override { mark(c, true); }
  void EndContact(b2Contact* c) override { mark(c, false); }

 private:
  void mark(b2Contact* c, bool begin) {
    const b2Body* a = c->GetFixtureA()->GetBody();
    const b2Body* b = c->GetFixtureB()->GetBody();
    if (begin && (env_.hull_ == a || env_.hull_ == b)) env_.game_over_ = true;
    for (std::size_t k : {std::size_t{1}, std::size_t{3}})
      if (env_.legs_[k] && (env_.legs_[k] == a || env_.legs_[k] == b)) env_.ground_contact_[k] = begin;
  }
  BipedalWalkerEnv& env_;
};

namespace {
Space walker_observation_space() {
  constexpr double pi = 3.141592653589793;
  std::vector<double> low = {-pi, -5, -5, -5, -pi, -5, -pi, -5, -0.0, -pi, -5, -pi, -5, -0.0};
  std::vector<double> high = {pi, 5, 5, 5, pi, 5, pi, 5, 5, pi, 5, pi, 5, 5};
  low.resize(24, -1.0);
  high.resize(24, 1.0);
  return Space::box(low, high, Shape{24}, DType::float32);
}

// The lidar: the nearest hit along the ray among category-1 fixtures (the ground). Returning
// the fraction clips the ray, so the last report is the nearest whatever the tree's order.
struct LidarCallback : b2RayCastCallback {
  double fraction = 1.0;
  b2Vec2 point{};
  bool hit = false;
  float ReportFixture(b2Fixture* fixture, const b2Vec2& p, const b2Vec2&, float f) override {
    if ((fixture->GetFilterData().categoryBits & 1) == 0) return -1;
    point = p;
    fraction = f;
    hit = true;
    return f;
  }
};

constexpr std::uint32_t kStateTag = 2;
constexpr float kNoHit = 2.0f;  // above any fraction
constexpr std::size_t kResetDrawsReserve = 1024;  // terrain <= ~300, clouds 110, push 1
}  // namespace

// The nearest ground hit of the ray p1 -> p2 as b2World::RayCast reports it to LidarCallback:
// each fixture's b2Fixture::RayCast gives the same fraction whatever maxFraction it is asked
// with (that only rejects), so the nearest is the smallest, however the fixtures are visited.
// Returns 1 (the callback's start value) when nothing is hit; `point` as b2World computes it.
double BipedalWalkerEnv::cast_ray(const b2Vec2& p1, const b2Vec2& p2, b2Vec2* point) const {
  const float lo = std::min(p1.x, p2.x), hi = std::max(p1.x, p2.x);
  const float ylo = std::min(p1.y, p2.y), yhi = std::max(p1.y, p2.y);
  b2RayCastInput input;
  input.p1 = p1;
  input.p2 = p2;
  input.maxFraction = 1.0f;
  float best = kNoHit;
  // Boxes starting left of lo - widest cannot reach lo; the scan stops at the first one starting past hi.
  auto it = std::lower_bound(ground_boxes_.begin(), ground_boxes_.end(), lo - ground_box_width_,
                             [](const GroundBox& g, float x) { return g.x0 < x; });
  for (; it != ground_boxes_.end() && it->x0 <= hi; ++it) {
    if (it->x1 < lo || it->y1 < ylo || it->y0 > yhi) continue;
    b2RayCastOutput out;
    if (it->fixture->RayCast(&out, input, 0) && out.fraction <= best) {
      best = out.fraction;
      input.maxFraction = best;  // as the callback's return value clips the ray
    }
  }
  if (best == kNoHit) return 1.0;
  *point = (1.0f - best) * p1 + best * p2;
  return best;
}

std::array<double, kLidarRays> BipedalWalkerEnv::lidar_by_world_ray_cast() const {
  if (!hull_) throw StateError(id() + ": no episode yet (call reset first)");
  std::array<double, kLidarRays> out{};
  const b2Vec2 pos = hull_->GetPosition();
  for (int i = 0; i < kLidarRays; ++i) {
    const double p2x = pos.x + std::sin(1.5 * i / 10.0) * kLidarRange;
    const double p2y = pos.y - std::cos(1.5 * i / 10.0) * kLidarRange;
    LidarCallback cb;
    world_->RayCast(&cb, pos, to_b2(p2x, p2y));
    out[static_cast<std::size_t>(i)] = cb.fraction;
  }
  return out;
}

BipedalWalkerEnv::BipedalWalkerEnv(const JsonObject& kwargs)
    : Env(walker_observation_space(), Space::box(-1.0, 1.0, Shape{4}, DType::float32)),
      hardcore_(kwargs.get_bool("hardcore", false)),
      contacts_(std::make_unique<Contacts>(*this)) {
  init_once();
  terrain_.obstacles.reserve(kTerrainLength * 2);
  ground_.reserve(kTerrainLength * 3);
  ground_boxes_.reserve(kTerrainLength * 3);
}

BipedalWalkerEnv::~BipedalWalkerEnv() {
  if (world_) world_->SetContactListener(nullptr);
}

std::string BipedalWalkerEnv::what() const {
  return "checkpoint state of " + (id().empty() ? std::string("BipedalWalker") : id());
}

void BipedalWalkerEnv::build_episode(float* obs) {
  game_over_ = false;
  prev_shaping_.reset();
  scroll_ = 0;
  steps_ = 0;
  ground_contact_ = {};
  legs_ = {};
  joints_ = {};
  hull_ = nullptr;
  ground_.clear();
  // A fresh world per episode (gymnasium reuses one): the same calls then give the same
  // floats, which is what makes a replayed checkpoint continue exactly.
  if (world_) world_->SetContactListener(nullptr);
  world_ = make_world(0.0, -10.0);
  world_->SetContactListener(contacts_.get());

  generate_terrain(log_, hardcore_, terrain_);
  const FixtureParams ground{.friction = kFriction, .category = 0x0001};
  for (const auto& quad : terrain_.obstacles) {
    b2Body* t = add_static_body(*world_);
    add_polygon(t, quad, ground);
    ground_.push_back(t);
  }
  for (int i = 0; i + 1 < kTerrainLength; ++i) {
    const auto k = static_cast<std::size_t>(i);
    b2Body* t = add_static_body(*world_);
    add_edge(t, {terrain_.x[k], terrain_.y[k]}, {terrain_.x[k + 1], terrain_.y[k + 1]}, ground);
    ground_.push_back(t);
  }
  ground_boxes_.clear();
  ground_box_width_ = 0;
  for (b2Body* b : ground_)
    for (b2Fixture* f = b->GetFixtureList(); f; f = f->GetNext()) {
      b2AABB box;
      f->GetShape()->ComputeAABB(&box, b->GetTransform(), 0);
      ground_boxes_.push_back({box.lowerBound.x, box.upperBound.x, box.lowerBound.y, box.upperBound.y, f});
      ground_box_width_ = std::max(ground_box_width_, box.upperBound.x - box.lowerBound.x);
    }
  std::sort(ground_boxes_.begin(), ground_boxes_.end(),
            [](const GroundBox& a, const GroundBox& b) { return a.x0 < b.x0; });
  generate_clouds(log_, clouds_);

  const double init_x = kTerrainStep * kTerrainStartpad / 2;
  const double init_y = kTerrainHeight + 2 * kLegH;
  hull_ = add_dynamic_body(*world_, {init_x, init_y});
  constexpr double kHull[5][2] = {{-30, 9}, {6, 9}, {34, 1}, {34, -8}, {-30, -8}};
  std::array<Point, 5> hull_pts;
  for (std::size_t k = 0; k < 5; ++k) hull_pts[k] = {kHull[k][0] / kScale, kHull[k][1] / kScale};
  const FixtureParams body{.density = 5.0, .friction = 0.1, .category = 0x0020, .mask = 0x001};
  add_polygon(hull_, hull_pts, body);
  hull_->ApplyForceToCenter(to_b2(log_.uniform(-kInitialRandom, kInitialRandom), 0.0), true);

  const FixtureParams leg{.density = 1.0, .category = 0x0020, .mask = 0x001};
  for (int side = 0; side < 2; ++side) {
    const int i = side == 0 ? -1 : +1;
    const auto k = static_cast<std::size_t>(2 * side);
    b2Body* upper = add_dynamic_body(*world_, {init_x, init_y - kLegH / 2 - kLegDown}, i * 0.05);
    add_box(upper, kLegW / 2, kLegH / 2, leg);
    legs_[k] = upper;
    joints_[k] = add_revolute(*world_, hull_, upper,
                              {.anchor_a = {0, kLegDown}, .anchor_b = {0, kLegH / 2},
                               .enable_motor = true, .enable_limit = true, .lower = -0.8,
                               .upper = 1.1, .max_motor_torque = kMotorsTorque,
                               .motor_speed = static_cast<double>(i)});
    b2Body* lower = add_dynamic_body(*world_, {init_x, init_y - kLegH * 3 / 2 - kLegDown}, i * 0.05);
    add_box(lower, 0.8 * kLegW / 2, kLegH / 2, leg);
    legs_[k + 1] = lower;
    joints_[k + 1] = add_revolute(*world_, upper, lower,
                                  {.anchor_a = {0, -kLegH / 2}, .anchor_b = {0, kLegH / 2},
                                   .enable_motor = true, .enable_limit = true, .lower = -1.6,
                                   .upper = -0.1, .max_motor_torque = kMotorsTorque,
                                   .motor_speed = 1});
  }
  // gymnasium's reset returns step(np.array([0, 0, 0, 0]))[0]; its reward is dropped, but it
  // sets prev_shaping, so the first real step's reward is relative to it.
  physics_step({0.f, 0.f, 0.f, 0.f}, obs);
  steps_ = 0;
}

StepResult BipedalWalkerEnv::physics_step(const std::array<float, 4>& a, float* obs) {
  for (std::size_t k = 0; k < 4; ++k) {
    const double speed = k % 2 == 0 ? kSpeedHip : kSpeedKnee;
    const float s = a[k] > 0 ? 1.f : (a[k] < 0 ? -1.f : 0.f);
    joints_[k]->SetMotorSpeed(static_cast<float>(speed) * s);
    // float32, as numpy computes MOTORS_TORQUE * np.clip(np.abs(a), 0, 1).
    joints_[k]->SetMaxMotorTorque(static_cast<float>(kMotorsTorque) * std::clamp(std::abs(a[k]), 0.f, 1.f));
  }
  box2d::step(*world_);

  const b2Vec2 pos = hull_->GetPosition();
  const b2Vec2 vel = hull_->GetLinearVelocity();
  const double px = pos.x, py = pos.y;
  for (int i = 0; i < kLidarRays; ++i) {
    Ray& r = lidar_[static_cast<std::size_t>(i)];
    r.p1x = px, r.p1y = py;
    r.p2x = px + std::sin(1.5 * i / 10.0) * kLidarRange;
    r.p2y = py - std::cos(1.5 * i / 10.0) * kLidarRange;
    b2Vec2 point;
    r.fraction = cast_ray(pos, to_b2(r.p2x, r.p2y), &point);
    if (r.fraction < 1.0) r.p2x = point.x, r.p2y = point.y;
  }

  double s[24];
  s[0] = hull_->GetAngle();
  s[1] = 2.0 * hull_->GetAngularVelocity() / kFps;
  s[2] = 0.3 * vel.x * (kViewportW / kScale) / kFps;
  s[3] = 0.3 * vel.y * (kViewportH / kScale) / kFps;
  for (std::size_t side = 0; side < 2; ++side) {
    const b2RevoluteJoint* hip = joints_[2 * side];
    const b2RevoluteJoint* knee = joints_[2 * side + 1];
    double* o = s + 4 + 5 * side;
    o[0] = hip->GetJointAngle();
    o[1] = hip->GetJointSpeed() / kSpeedHip;
    o[2] = knee->GetJointAngle() + 1.0;
    o[3] = knee->GetJointSpeed() / kSpeedKnee;
    o[4] = ground_contact_[2 * side + 1] ? 1.0 : 0.0;
  }
  for (std::size_t i = 0; i < kLidarRays; ++i) s[14 + i] = lidar_[i].fraction;
  for (int i = 0; i < 24; ++i) obs[i] = static_cast<float>(s[i]);

  scroll_ = px - kViewportW / kScale / 5;
  double shaping = 130 * px / kScale;
  shaping -= 5.0 * std::abs(s[0]);
  double reward = 0;
  if (prev_shaping_) {
    // gymnasium subtracts numpy float32 costs from a Python float, which makes the reward a
    // float32 (NEP 50): reproduced, so rewards match to the last bit of a float32.
    float r = static_cast<float>(shaping - *prev_shaping_);
    for (float ak : a)
      r = r - static_cast<float>(0.00035 * kMotorsTorque) * std::clamp(std::abs(ak), 0.f, 1.f);
    reward = r;
  }
  prev_shaping_ = shaping;

  bool terminated = false;
  if (game_over_ || px < 0) {
    reward = -100;
    terminated = true;
  }
  if (px > (kTerrainLength - kTerrainGrass) * kTerrainStep) terminated = true;
  return {reward, terminated, false};
}

void BipedalWalkerEnv::do_reset(Rng& rng, const JsonObject*, std::span<std::byte> obs, Info&) {
  // gymnasium's reset takes no options; any given are ignored, as there.
  const int max_steps = spec().max_episode_steps.value_or(2000);
  log_.start(rng, kResetDrawsReserve + 4 * static_cast<std::size_t>(std::max(max_steps, 0)));
  float o[24];
  build_episode(o);
  std::memcpy(obs.data(), o, sizeof o);
}

StepResult BipedalWalkerEnv::do_step(const void* action, std::span<std::byte> obs, Info&) {
  std::array<float, 4> a;
  std::memcpy(a.data(), action, sizeof a);
  for (float& v : a) v = static_cast<float>(log_.action(v));
  float o[24];
  const StepResult r = physics_step(a, o);
  std::memcpy(obs.data(), o, sizeof o);
  ++steps_;
  return r;
}

std::vector<double> BipedalWalkerEnv::get_state() const {
  if (!world_) throw StateError(id() + ": get_state() before reset()");
  const std::vector<double>& log = log_.values();
  std::vector<double> out;
  out.reserve(log.size() + 2);
  out.push_back(kStateTag);
  out.push_back(hardcore_ ? 1.0 : 0.0);
  out.insert(out.end(), log.begin(), log.end());
  return out;
}

void BipedalWalkerEnv::replay(std::span<const double> values) {
  log_.start_replay(values, what());
  float o[24];
  build_episode(o);
  bool ended = false;
  while (!log_.replay_done()) {
    if (ended)
      throw InvalidArgument(what() + ": the log goes on after its episode ended at step " +
                            std::to_string(steps_));
    std::array<float, 4> a;
    for (float& ak : a) {
      const double v = log_.action(0.0);
      if (!(v >= -1.0 && v <= 1.0) || static_cast<double>(static_cast<float>(v)) != v)
        throw InvalidArgument(what() + ": action component " + std::to_string(v) + " at step " +
                              std::to_string(steps_) + " is not a float32 in [-1, 1]");
      ak = static_cast<float>(v);
    }
    ended = physics_step(a, o).terminated;
    ++steps_;
  }
  log_.resume(rng());
  const int max_steps = spec().max_episode_steps.value_or(2000);
  log_.reserve(kResetDrawsReserve + 4 * static_cast<std::size_t>(std::max(max_steps, 0)));
}

void BipedalWalkerEnv::set_state(std::span<const double> state) {
  if (state.size() < 2 || state[0] != kStateTag || !(state[1] == 0.0 || state[1] == 1.0))
    throw InvalidArgument(what() + ": expected [" + std::to_string(kStateTag) +
                          ", hardcore 0|1, reset draws, actions...] (" +
                          std::to_string(state.size()) + " values, first " +
                          (state.empty() ? std::string("none") : std::to_string(state[0])) + ")");
  if ((state[1] == 1.0) != hardcore_)
    throw InvalidArgument(what() + ": the state is of an episode with hardcore=" +
                          (state[1] == 1.0 ? "true" : "false") + ", this env has hardcore=" +
                          (hardcore_ ? "true" : "false"));
  // A refused log leaves the env as it was: the episode it held is replayed again.
  const std::vector<double> previous = log_.values();
  const bool had_episode = world_ != nullptr;
  try {
    replay(state.subspan(2));
  } catch (...) {
    if (had_episode) {
      replay(previous);
    } else {
      if (world_) world_->SetContactListener(nullptr);
      world_.reset();
      hull_ = nullptr;
      legs_ = {};
      joints_ = {};
      ground_.clear();
    }
    throw;
  }
}

}  // namespace rlforge::box2d::walker

namespace rlforge::box2d {
using walker::BipedalWalkerEnv;
RLFORGE_REGISTER_ENV(BipedalWalkerEnv, {.id = "BipedalWalker-v3",
                                        .max_episode_steps = 1600,
                                        .reward_threshold = 300.0,
                                        .render_fps = walker::kFps,
                                        .kwargs = R"({"hardcore": false})",
                                        .entry_point = "BipedalWalkerEnv",
                                        .exposes_state = true});
RLFORGE_REGISTER_ENV(BipedalWalkerEnv, {.id = "BipedalWalkerHardcore-v3",
                                        .max_episode_steps = 2000,
                                        .reward_threshold = 300.0,
                                        .render_fps = walker::kFps,
                                        .kwargs = R"({"hardcore": true})",
                                        .entry_point = "BipedalWalkerEnv",
                                        .exposes_state = true});
}  // namespace rlforge::box2d
