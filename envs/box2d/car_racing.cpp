// car_racing.cpp: CarRacing-v3: reset, step, contact listener, checkpoint replay, the picture
// (see car_racing.hpp). Reference: gymnasium 1.4 gymnasium/envs/box2d/car_racing.py.
#include "envs/box2d/car_racing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlforge::box2d {

namespace {
constexpr double kFps = 50;
constexpr double kZoom = 2.7;  // camera zoom
constexpr double kGrassDim = car::kPlayfield / 20.0;
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

Color rgb(double r, double g, double b) {  // pygame truncates float colours
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b),
          255};
}

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

// gymnasium's _render: the road and the car drawn in window pixels (y up, pygame then flips
// the surface), then the dashboard in screen pixels (y down). The view turns with the car.
void CarRacingEnv::draw_picture(Frame& f, int canvas_w, int canvas_h, int out_w, int out_h,
                                bool skid_marks) const {
  const double sx = static_cast<double>(canvas_w) / kWindowW;
  const double sy = static_cast<double>(canvas_h) / kWindowH;

  const b2Body* hull = car_->hull();
  const double px = hull->GetPosition().x, py = hull->GetPosition().y;
  const double angle = -static_cast<double>(hull->GetAngle());
  // The zoom animation of the first second.
  const double zoom = 0.1 * car::kScale * std::max(1 - t_, 0.0) + kZoom * car::kScale * std::min(t_, 1.0);
  const double c = std::cos(angle), s = std::sin(angle);
  const double scroll_x = -px * zoom, scroll_y = -py * zoom;
  const double tx = kWindowW / 2.0 + (c * scroll_x - s * scroll_y);
  const double ty = kWindowH / 4.0 + (s * scroll_x + c * scroll_y);
  auto win = [&](double x, double y) {
    return Vec2{static_cast<float>((c * x - s * y) * zoom + tx),
                static_cast<float>((s * x + c * y) * zoom + ty)};
  };
  auto quad = [&](const car::Quad& q, Color col) {
    const Vec2 v[4] = {win(q[0].x, q[0].y), win(q[1].x, q[1].y), win(q[2].x, q[2].y),
                       win(q[3].x, q[3].y)};
    f.fill_polygon(v, col);
  };
  // Tiles and kerbs abut. gymnasium draws them crisply at 1000x800 and then averages, so their
  // shared edges show no background; exact-area coverage at the output size would leave a faint
  // seam where two partial coverages meet (the background shows through both). So each is
  // stretched by half an output pixel over the neighbour drawn after it (forwards along the track;
  // a kerb also inwards over the road). The shift is a twentieth of a pixel in the picture.
  const double seam = 0.5 * std::max(double(kWindowW) / out_w, double(kWindowH) / out_h);  // window px
  auto stretched = [&](const car::Quad& q, Color col, bool inwards) {
    Vec2 v[4] = {win(q[0].x, q[0].y), win(q[1].x, q[1].y), win(q[2].x, q[2].y),
                 win(q[3].x, q[3].y)};
    auto push = [&](int a, int b, int c, int d) {  // move v[a], v[b] away from v[c], v[d]
      const double dx = (v[a].x + v[b].x - v[c].x - v[d].x) / 2;
      const double dy = (v[a].y + v[b].y - v[c].y - v[d].y) / 2;
      const double len = std::hypot(dx, dy);
      if (!(len > 1e-9)) return;
      // (at most a quarter of the shape: zoomed out, a tile is smaller than a pixel anyway)
      const double by = std::min(seam, 0.25 * len);
      const auto ex = static_cast<float>(dx / len * by), ey = static_cast<float>(dy / len * by);
      v[a].x += ex, v[a].y += ey, v[b].x += ex, v[b].y += ey;
    };
    push(0, 1, 3, 2);                // the end at track point i, forwards
    if (inwards) push(0, 3, 1, 2);   // a kerb's road side
    f.fill_polygon(v, col);
  };
  // Culling: a shape is drawn when its bounding circle, mapped to the window, overlaps the
  // window. One that does not has no pixel there; gymnasium's looser test (any vertex within
  // MAX_SHAPE_DIM of the window) draws it anyway, off-screen, so the pixels are the same.
  auto visible = [&](double x, double y, double r) {
    const Vec2 w = win(x, y);
    const double rz = r * zoom + seam;  // (+ the stretch of tiles and kerbs, above)
    return w.x >= -rz && w.x <= kWindowW + rz && w.y >= -rz && w.y <= kWindowH + rz;
  };

  // The field (gymnasium's unclipped background quad) nearly always covers the whole window;
  // then it is the frame's background colour, which spares the rasterizer a full-frame pass.
  const double b = car::kPlayfield;
  const Color bg = rgb(bg_color_[0], bg_color_[1], bg_color_[2]);
  bool field_covers = true;
  for (const auto& [wx, wy] : {std::pair{0.0, 0.0}, {1.0 * kWindowW, 0.0}, {0.0, 1.0 * kWindowH},
                               {1.0 * kWindowW, 1.0 * kWindowH}}) {
    // window -> world: the inverse of win()
    const double dx = (wx - tx) / zoom, dy = (wy - ty) / zoom;
    const double x = c * dx + s * dy, y = -s * dx + c * dy;
    field_covers &= std::abs(x) < b && std::abs(y) < b;
  }
  f.begin(canvas_w, canvas_h, field_covers ? bg : Color{0, 0, 0, 255});
  f.set_transform(sx, sy, 0, 0, true);
  if (!field_covers) quad({{{b, b}, {b, -b}, {-b, -b}, {-b, b}}}, bg);
  const Color grass = rgb(grass_color_[0], grass_color_[1], grass_color_[2]);
  const double g = kGrassDim, grass_r = kGrassDim * std::sqrt(2.0) / 2;
  for (int x = -20; x < 20; x += 2)
    for (int y = -20; y < 20; y += 2)
      if (visible(g * x + g / 2, g * y + g / 2, grass_r))
        quad({{{g * x + g, g * y + 0}, {g * x + 0, g * y + 0}, {g * x + 0, g * y + g},
               {g * x + g, g * y + g}}},
             grass);
  for (std::size_t i = 0; i < track_.tiles.size(); ++i) {
    const Bound& tb = tile_bounds_[i];
    if (visible(tb.x, tb.y, tb.r)) {
      const double sh = tile_shade_[i];
      stretched(track_.tiles[i], rgb(road_color_[0] + sh, road_color_[1] + sh, road_color_[2] + sh),
                false);
    }
    const Bound& kb = kerb_bounds_[i];
    if (track_.border[i] && visible(kb.x, kb.y, kb.r))
      stretched(track_.kerbs[i], i % 2 == 0 ? Color{255, 255, 255, 255} : Color{255, 0, 0, 255},
                true);
  }

  // Skid marks, oldest first (gymnasium draws them in its human and rgb_array pictures only).
  if (skid_marks) {
    const std::uint64_t made = car_->particles_made();
    const std::uint64_t first = made > car::Car::kMaxParticles ? made - car::Car::kMaxParticles + 1 : 1;
    for (std::uint64_t id = first; id <= made; ++id) {
      const car::Particle& p = car_->particles()[(id - 1) % car::Car::kMaxParticles];
      if (p.id != id) continue;
      Vec2 pts[car::Particle::kMaxPoints];
      for (int k = 0; k < p.count; ++k) pts[k] = win(p.poly[static_cast<std::size_t>(k)].x, p.poly[static_cast<std::size_t>(k)].y);
      f.polyline(std::span<const Vec2>(pts, static_cast<std::size_t>(p.count)),
                 p.grass ? Color{102, 102, 0, 255} : Color{0, 0, 0, 255},
                 static_cast<float>(2 * std::min(sx, sy)));
    }
  }

  // The car: wheels (black, with the grey stripe that shows their spin), then the hull.
  auto body_point = [&](const b2Body* body, b2Vec2 local) {
    const b2Vec2 w = b2Mul(body->GetTransform(), local);  // pybox2d's `trans * v`, in float
    return win(w.x, w.y);
  };
  auto fixtures = [&](const b2Body* body, Color col) {
    for (const b2Fixture* fx = body->GetFixtureList(); fx; fx = fx->GetNext()) {
      const auto* shape = static_cast<const b2PolygonShape*>(fx->GetShape());
      Vec2 v[b2_maxPolygonVertices];
      for (int k = 0; k < shape->m_count; ++k) v[k] = body_point(body, shape->m_vertices[k]);
      f.fill_polygon(std::span<const Vec2>(v, static_cast<std::size_t>(shape->m_count)), col);
    }
  };
  for (const car::Wheel& w : car_->wheels()) {
    fixtures(w.body, Color{0, 0, 0, 255});
    const double a1 = w.phase, a2 = w.phase + 1.2;
    const double s1 = std::sin(a1), s2 = std::sin(a2);
    double c1 = std::cos(a1), c2 = std::cos(a2);
    if (s1 > 0 && s2 > 0) continue;
    if (s1 > 0) c1 = c1 > 0 ? 1.0 : (c1 < 0 ? -1.0 : 0.0);
    if (s2 > 0) c2 = c2 > 0 ? 1.0 : (c2 < 0 ? -1.0 : 0.0);
    using car::kSize, car::kWheelR, car::kWheelW;
    auto lv = [](double x, double y) { return b2Vec2(static_cast<float>(x), static_cast<float>(y)); };
    const Vec2 v[4] = {body_point(w.body, lv(-kWheelW * kSize, +kWheelR * c1 * kSize)),
                       body_point(w.body, lv(+kWheelW * kSize, +kWheelR * c1 * kSize)),
                       body_point(w.body, lv(+kWheelW * kSize, +kWheelR * c2 * kSize)),
                       body_point(w.body, lv(-kWheelW * kSize, +kWheelR * c2 * kSize))};
    f.fill_polygon(v, Color{77, 77, 77, 255});
  }
  fixtures(hull, Color{204, 0, 0, 255});

  // The dashboard (after pygame's flip: screen pixels, y down).
  f.set_transform(sx, sy, 0, 0, false);
  constexpr double W = kWindowW, H = kWindowH, is = W / 40.0, ih = H / 40.0;
  f.fill_polygon({{W, H}, {W, H - 5 * ih}, {0, H - 5 * ih}, {0, H}}, Color{0, 0, 0, 255});
  auto vertical_ind = [&](double place, double val, double value, Color col) {
    if (!(std::abs(value) > 1e-4)) return;
    const auto y0 = static_cast<float>(H - (ih + ih * val)), y1 = static_cast<float>(H - ih);
    const auto x0 = static_cast<float>(place * is), x1 = static_cast<float>((place + 1) * is);
    f.fill_polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, col);
  };
  auto horiz_ind = [&](double place, double val, double value, Color col) {
    if (!(std::abs(value) > 1e-4)) return;
    const auto x0 = static_cast<float>((place + 0) * is), x1 = static_cast<float>((place + val) * is);
    const auto y0 = static_cast<float>(H - 4 * ih), y1 = static_cast<float>(H - 2 * ih);
    f.fill_polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, col);
  };
  const double vx = hull->GetLinearVelocity().x, vy = hull->GetLinearVelocity().y;
  const double true_speed = std::sqrt(vx * vx + vy * vy);
  vertical_ind(5, 0.02 * true_speed, true_speed, Color{255, 255, 255, 255});
  const auto& wh = car_->wheels();
  const Color abs_colors[4] = {{0, 0, 255, 255}, {0, 0, 255, 255}, {51, 0, 255, 255}, {51, 0, 255, 255}};
  for (std::size_t k = 0; k < 4; ++k)
    vertical_ind(7 + static_cast<double>(k), 0.01 * wh[k].omega, wh[k].omega, abs_colors[k]);
  const double joint_angle = wh[0].joint->GetJointAngle();
  horiz_ind(20, -10.0 * joint_angle, joint_angle, Color{0, 255, 0, 255});
  const double spin = hull->GetAngularVelocity();
  horiz_ind(30, -0.8 * spin, spin, Color{255, 0, 0, 255});

  // The total reward, "%04.0f", white, centred on (60, 750); render's built-in font stands in
  // for pygame's freesansbold 42 px.
  char text[32];
  std::snprintf(text, sizeof text, "%04.0f", reward_);
  // pygame's freesansbold at 42 px draws digits ~34 px tall; the built-in font's digits are
  // ~0.58 of its height, so 58 px gives digits of the same height (window pixels).
  constexpr double kTextH = 58.0;
  f.text({60.0f, static_cast<float>(H - H * 2.5 / 40.0 - kTextH / 2)}, text,
         Color{255, 255, 255, 255}, static_cast<float>(kTextH * sy), TextAlign::Center);
}

RLFORGE_REGISTER_ENV(CarRacingEnv, {.id = "CarRacing-v3",
                                    .max_episode_steps = 1000,
                                    .reward_threshold = 900,
                                    .render_fps = 50,
                                    .kwargs = R"({"lap_complete_percent": 0.95, "domain_randomize": false, "continuous": true, "verbose": false})",
                                    .entry_point = "CarRacingEnv",
                                    .exposes_state = true});

}  // namespace rlforge::box2d
