// car_racing.cpp: CarRacing-v3: reset, step, contact listener, checkpoint replay and its
// registration (see car_racing.hpp; the picture is car_picture.cpp).
// Reference: gymnasium 1.4 gymnasium/envs/box2d/car_racing.py.
#include "envs/box2d/car_racing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlforge::box2d {

namespace {
constexpr double kFps = 50;
constexpr int kContinuousComps = 3, kDiscreteComps = 1;
constexpr std::size_t kHeader = 13;  // tag, comps, drew colours, 9 colours, n

Space action_space_for(bool continuous) {
  if (!continuous) return Space::discrete(5);  // nothing, right, left, gas, brake
  return Space::box({-1.0, 0.0, 0.0}, {1.0, 1.0, 1.0}, Shape{3}, DType::float32);
}

double kwarg_percent(const JsonObject& kw) {
  const double p = kw.get_double("lap_complete_percent", 0.95);
  if (!(p >= 0.0 && p <= 1.0))
    throw InvalidArgument("CarRacing-v3: lap_complete_percent = " + std::to_string(p) +
                          " is not in [0, 1] (the share of tiles a lap needs)");
  return p;
}

// A circle holding the quad, for culling (car_picture.cpp).
CarRacingEnv::Bound bound_of(const car::Quad& q) {
  double cx = 0, cy = 0;
  for (const Point& p : q) cx += p.x / 4, cy += p.y / 4;
  double r = 0;
  for (const Point& p : q) r = std::max(r, std::hypot(p.x - cx, p.y - cy));
  return {cx, cy, r};
}
}  // namespace

CarRacingEnv::CarRacingEnv(const JsonObject& kwargs)
    : Env(Space::box(0, 255, Shape{kStateH, kStateW, 3}, DType::uint8),
          action_space_for(kwargs.get_bool("continuous", true))),
      lap_complete_percent_(kwarg_percent(kwargs)),
      domain_randomize_(kwargs.get_bool("domain_randomize", false)),
      continuous_(kwargs.get_bool("continuous", true)) {
  (void)kwargs.get_bool("verbose", false);  // gymnasium's prints; accepted, nothing printed
  init_once();
}

CarRacingEnv::~CarRacingEnv() {
  car_.reset();
  world_.reset();  // a world's destructor calls no listener
}

void CarRacingEnv::contact(b2Contact* c, bool begin) {
  // gymnasium's FrictionDetector._contact.
  b2Fixture* fa = c->GetFixtureA();
  b2Fixture* fb = c->GetFixtureB();
  b2Fixture* tile = nullptr;
  b2Body* obj = nullptr;
  if (tag_kind(fa->GetBody()) == car::kTagTile) tile = fa, obj = fb->GetBody();
  if (tag_kind(fb->GetBody()) == car::kTagTile) tile = fb, obj = fa->GetBody();
  if (!tile) return;
  const auto idx = static_cast<std::size_t>(tile->GetUserData().pointer);
  // `tile.color[:] = self.env.road_color`: any contact (the hull's too) drops the tile's shade,
  // in the picture, for the rest of the episode.
  tile_shade_[idx] = 0.0;
  if (tag_kind(obj) != car::kTagWheel) return;
  car::Wheel& w = car_->wheels()[tag_index(obj)];
  if (!begin) {
    --w.tiles;
    return;
  }
  ++w.tiles;
  if (visited_[idx]) return;
  visited_[idx] = 1;
  const double n = static_cast<double>(track_.points.size());
  reward_ += 1000.0 / n;
  ++tile_visited_count_;
  // A lap is complete when enough of the track was covered (on tile 0).
  if (idx == 0 && tile_visited_count_ / n > lap_complete_percent_) new_lap_ = true;
}

void CarRacingEnv::start_episode(bool randomize_colors) {
  car_.reset();
  world_ = make_world(0, 0);
  world_->SetContactListener(&listener_);
  reward_ = prev_reward_ = t_ = 0;
  tile_visited_count_ = 0;
  new_lap_ = false;

  if (domain_randomize_ && randomize_colors) {
    for (double& c : road_color_) c = log_.uniform(0, 210);
    for (double& c : bg_color_) c = log_.uniform(0, 210);
    grass_color_ = bg_color_;
    grass_color_[static_cast<std::size_t>(log_.integers(0, 3))] += 20;
  }
  for (;;) {  // gymnasium retries until a try closes its loop
    std::array<double, car::kDrawsPerTry> draws;
    for (int c = 0; c < car::kCheckpoints; ++c) {
      draws[static_cast<std::size_t>(2 * c)] = log_.uniform(0, car::kNoiseHigh);
      draws[static_cast<std::size_t>(2 * c + 1)] = log_.uniform(car::kRadLow, car::kRadHigh);
    }
    if (auto t = car::make_track(draws)) {
      track_ = std::move(*t);
      break;
    }
  }

  // Tiles: sensor fixtures (the tile index in their user data) of one static body at the
  // origin, each quad in world coordinates. gymnasium makes one static body per tile; one body
  // gives the same broadphase proxies in the same order, so the same contacts, and spares
  // b2World::Step its passes over ~300 bodies, which were a fifth of a step with 64 envs.
  const std::size_t n = track_.points.size();
  tile_shade_.resize(n);
  visited_.assign(n, 0);
  tile_bounds_.resize(n);
  kerb_bounds_.resize(n);
  b2Body* road = add_static_body(*world_);
  set_tag(road, car::kTagTile, 0);
  for (std::size_t i = 0; i < n; ++i) {
    add_polygon(road, track_.tiles[i], {.sensor = true})->GetUserData().pointer = i;
    tile_shade_[i] = 0.01 * static_cast<double>(i % 3) * 255;
    tile_bounds_[i] = bound_of(track_.tiles[i]);
    kerb_bounds_[i] = bound_of(track_.kerbs[i]);
  }
  const car::TrackPoint& p0 = track_.points[0];
  car_.emplace(*world_, p0.beta, p0.x, p0.y);
  physics_step();  // reset's step(None): no action, no reward bookkeeping
}

void CarRacingEnv::physics_step() {
  car_->step(1.0 / kFps);
  box2d::step(*world_);
  t_ += 1.0 / kFps;
}

void CarRacingEnv::set_hull_info(Info& info) const {
  const b2Body* h = car_->hull();
  info.set("hull_x", h->GetPosition().x);
  info.set("hull_y", h->GetPosition().y);
  info.set("hull_angle", h->GetAngle());
  info.set("hull_vx", h->GetLinearVelocity().x);
  info.set("hull_vy", h->GetLinearVelocity().y);
  info.set("hull_angular_velocity", h->GetAngularVelocity());
  info.set("wheel0_joint_angle", car_->wheels()[0].joint->GetJointAngle());
}

void CarRacingEnv::do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                            Info& info) {
  bool randomize = true;
  if (options) {
    for (const std::string& k : options->keys())
      if (k != "randomize")
        throw InvalidArgument(id() + ": unknown reset option \"" + k +
                              "\" (accepted: \"randomize\", a bool)");
    randomize = options->get_bool("randomize", true);
  }
  // gymnasium's __init__ draws the randomized colours from an unseeded generator; here the
  // first reset draws them from the env's stream even when told not to randomize.
  const bool draw_colors = domain_randomize_ && (randomize || !colors_drawn_);
  log_.start(rng, 64 + 3 * 1000);
  start_episode(draw_colors);
  if (draw_colors) colors_drawn_ = true;
  drew_colors_ = draw_colors;

  double sums[4] = {};
  int borders = 0;
  for (std::size_t i = 0; i < track_.points.size(); ++i) {
    const car::TrackPoint& p = track_.points[i];
    sums[0] += p.alpha, sums[1] += p.beta, sums[2] += p.x, sums[3] += p.y;
    borders += track_.border[i];
  }
  info.set("track_tiles", static_cast<double>(track_.points.size()));
  info.set("track_borders", borders);
  info.set("track_first_beta", track_.points[0].beta);
  info.set("track_first_x", track_.points[0].x);
  info.set("track_first_y", track_.points[0].y);
  info.set("track_sum_alpha", sums[0]);
  info.set("track_sum_beta", sums[1]);
  info.set("track_sum_x", sums[2]);
  info.set("track_sum_y", sums[3]);
  set_hull_info(info);

  draw_picture(obs_frame_, kWindowW, kWindowH, kStateW, kStateH, false);
  raster_.draw(obs_frame_,
               std::span(reinterpret_cast<std::uint8_t*>(obs.data()), obs.size()), kStateW,
               kStateH);
}

CarRacingEnv::Control CarRacingEnv::decode(const void* action) {
  if (continuous_) {
    const float* a = static_cast<const float*>(action);
    const double steer = log_.action(a[0]), gas = log_.action(a[1]), brake = log_.action(a[2]);
    return {-steer, gas, brake};
  }
  const auto a = static_cast<double>(*static_cast<const std::int64_t*>(action));
  const double k = log_.action(a);
  return {-0.6 * (k == 1) + 0.6 * (k == 2), 0.2 * (k == 3), 0.8 * (k == 4)};
}

CarRacingEnv::Control CarRacingEnv::replay_action() {
  auto refuse = [&](double v) {
    return InvalidArgument("checkpoint state of " + id() + ": logged action value " +
                           std::to_string(v) + " is not in the action space " +
                           action_space().repr());
  };
  if (continuous_) {
    float a[3];
    for (int j = 0; j < 3; ++j) {
      const double v = log_.action(0);
      const double lo = j == 0 ? -1.0 : 0.0;
      if (!(v >= lo && v <= 1.0) || static_cast<double>(static_cast<float>(v)) != v) throw refuse(v);
      a[j] = static_cast<float>(v);
    }
    return {-static_cast<double>(a[0]), a[1], a[2]};
  }
  const double k = log_.action(0);
  if (!(k >= 0 && k <= 4 && k == std::floor(k))) throw refuse(k);
  return {-0.6 * (k == 1) + 0.6 * (k == 2), 0.2 * (k == 3), 0.8 * (k == 4)};
}

StepResult CarRacingEnv::apply(const Control& c, std::span<std::byte> obs, Info* info) {
  car_->steer(c.steer);
  car_->gas(c.gas);
  car_->brake(c.brake);
  physics_step();
  if (info) {  // gymnasium renders the state before the reward (its text shows the old total)
    draw_picture(obs_frame_, kWindowW, kWindowH, kStateW, kStateH, false);
    raster_.draw(obs_frame_,
                 std::span(reinterpret_cast<std::uint8_t*>(obs.data()), obs.size()), kStateW,
                 kStateH);
  }
  reward_ -= 0.1;
  double step_reward = reward_ - prev_reward_;
  prev_reward_ = reward_;
  bool terminated = false;
  if (tile_visited_count_ == static_cast<int>(track_.points.size()) || new_lap_) {
    terminated = true;  // the lap is finished
    if (info) info->set("lap_finished", 1);
  }
  const b2Vec2 pos = car_->hull()->GetPosition();
  if (std::abs(static_cast<double>(pos.x)) > car::kPlayfield ||
      std::abs(static_cast<double>(pos.y)) > car::kPlayfield) {
    terminated = true;
    if (info) info->set("lap_finished", 0);
    step_reward = -100;
  }
  if (info) set_hull_info(*info);
  return {step_reward, terminated, false};
}

StepResult CarRacingEnv::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  if (!car_) throw StateError(id() + ": step before reset");
  return apply(decode(action), obs, &info);
}

std::vector<double> CarRacingEnv::get_state() const {
  if (!car_) throw StateError(id() + ": get_state before reset");
  const auto& v = log_.values();
  std::vector<double> s;
  s.reserve(kHeader + v.size());
  s.push_back(kStateTag);
  s.push_back(continuous_ ? kContinuousComps : kDiscreteComps);
  s.push_back(drew_colors_ ? 1 : 0);
  for (const auto* c : {&road_color_, &bg_color_, &grass_color_}) s.insert(s.end(), c->begin(), c->end());
  s.push_back(static_cast<double>(v.size()));
  s.insert(s.end(), v.begin(), v.end());
  return s;
}

void CarRacingEnv::set_state(std::span<const double> state) {
  const std::string what = "checkpoint state of " + id();
  auto refuse = [&](const std::string& why) { return InvalidArgument(what + ": " + why); };
  if (state.size() < kHeader)
    throw refuse(std::to_string(state.size()) + " values, fewer than its " +
                 std::to_string(kHeader) + "-value header");
  if (state[0] != kStateTag)
    throw refuse("tag " + std::to_string(state[0]) + ", expected " + std::to_string(kStateTag) +
                 " (a state of another env?)");
  const double comps = continuous_ ? kContinuousComps : kDiscreteComps;
  if (state[1] != comps)
    throw refuse(std::to_string(state[1]) + " action components per step, this env (continuous=" +
                 (continuous_ ? "true" : "false") + ") has " + std::to_string(comps));
  if (state[2] != 0 && state[2] != 1) throw refuse("colour flag " + std::to_string(state[2]));
  for (std::size_t i = 3; i < 12; ++i)
    if (!(state[i] >= 0 && state[i] < 231)) throw refuse("colour " + std::to_string(state[i]));
  if (state[12] != static_cast<double>(state.size() - kHeader))
    throw refuse("log length " + std::to_string(state[12]) + " but " +
                 std::to_string(state.size() - kHeader) + " values follow");
  if (state[2] == 1 && !domain_randomize_) throw refuse("colours drawn but domain_randomize is off");

  // Replay into this env; on any error, put the previous episode back the same way.
  const std::vector<double> previous = car_ ? get_state() : std::vector<double>{};
  const bool previous_colors_drawn = colors_drawn_;
  auto replay = [&](std::span<const double> s) {
    for (std::size_t i = 0; i < 3; ++i) {
      road_color_[i] = s[3 + i];
      bg_color_[i] = s[6 + i];
      grass_color_[i] = s[9 + i];
    }
    const bool drew = s[2] == 1;
    log_.start_replay(s.subspan(kHeader), what);
    start_episode(drew);
    drew_colors_ = drew;
    for (std::size_t i = 0; drew && i < 3; ++i)
      if (road_color_[i] != s[3 + i] || bg_color_[i] != s[6 + i] || grass_color_[i] != s[9 + i])
        throw refuse("its colours differ from its logged colour draws");
    while (!log_.replay_done()) {
      const Control c = replay_action();
      apply(c, {}, nullptr);
    }
    log_.resume(rng());
  };
  try {
    replay(state);
    if (state[2] == 1) colors_drawn_ = true;
  } catch (const InvalidArgument&) {
    colors_drawn_ = previous_colors_drawn;
    if (previous.empty()) {
      car_.reset();
      world_.reset();
    } else {
      replay(previous);
    }
    throw;
  }
}

void CarRacingEnv::draw(Frame& frame) const {
  if (!car_) throw StateError(id() + ": draw before reset");
  draw_picture(frame, kVideoW, kVideoH, kVideoW, kVideoH, true);
}

RLFORGE_REGISTER_ENV(CarRacingEnv, {.id = "CarRacing-v3",
                                    .max_episode_steps = 1000,
                                    .reward_threshold = 900,
                                    .render_fps = 50,
                                    .kwargs = R"({"lap_complete_percent": 0.95, "domain_randomize": false, "continuous": true, "verbose": false})",
                                    .entry_point = "CarRacingEnv",
                                    .exposes_state = true});

}  // namespace rlforge::box2d
