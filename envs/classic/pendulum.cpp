// pendulum.cpp: Pendulum's spaces, kwargs (g) and reset options (x_init, y_init), its picture, and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/pendulum.py.
#include "envs/classic/pendulum.hpp"

#include <array>
#include <cmath>

#include "core/registry.hpp"
#include "envs/classic/classic_draw.hpp"

namespace rlforge::classic::pendulum {

Params Model::params(const JsonObject& kwargs) { return {kwargs.get_double("g", 10.0)}; }

Space Model::observation_space(const Params&) {
  return Space::box({-1.0, -1.0, -kMaxSpeed}, {1.0, 1.0, kMaxSpeed}, Shape{3}, DType::float32);
}

Space Model::action_space(const Params&) {
  return Space::box(-kMaxTorque, kMaxTorque, Shape{1}, DType::float32);
}

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  check_reset_keys(options, {"x_init", "y_init"}, id);
  const double x = reset_option(options, "x_init", kPi, id);
  const double y = reset_option(options, "y_init", 1.0, id);
  return pendulum::reset(rng, x, y);
}

namespace {
constexpr int kCanvas = 500;
constexpr int kOffset = kCanvas / 2;  // the pivot, in pixels

// The torque arrow. gymnasium blits its picture assets/clockwise.png (329 x 312 pixels: a
// black ring of radius 151.3 and width 9.8 about (173.1, 156.0) from the top clockwise round to
// the left, where an arrowhead points up), smooth-scaled to S x S pixels with
// S = int(scale * |u| / 2), centred on the pivot, mirrored left-right when u > 0. Here the same
// ring and head are drawn as primitives at the same place and size, measured off that picture;
// what differs: the head is a 4-point polygon and the ring a 40-point polyline (no image
// resampling), so edge pixels differ slightly; colour and extent are the same.
void draw_torque_arrow(Frame& f, float u) {
  constexpr double kImageW = 329, kImageH = 312;
  const int size = static_cast<int>(kCanvas / 4.4 * std::abs(u) / 2);
  if (size < 1) return;  // gymnasium's picture scales to nothing
  // Image pixel (ix, iy), y down, to world. The image's top-left lands at screen (x0, y0);
  // world y is pre-flip (y up, pixel centres), so a screen point (sx, sy) is (sx - .5, H - sy - .5).
  const double kx = size / kImageW, ky = size / kImageH;
  const double x0 = kOffset - size / 2, y0 = kOffset + size / 2 - size;
  const bool mirror = u > 0;
  auto to_world = [&](double ix, double iy) {
    const double sx = mirror ? x0 + size - ix * kx : x0 + ix * kx;
    const double sy = y0 + iy * ky;
    return Vec2{static_cast<float>(sx - 0.5), static_cast<float>(kCanvas - sy - 0.5)};
  };
  constexpr double kDeg = 3.141592653589793 / 180;
  constexpr double cx = 173.1, cy = 156.0, r = 151.3, ring_width = 9.8;
  constexpr double from = -91.5 * kDeg, to = 182.0 * kDeg;  // image angles, clockwise on screen
  constexpr int kArcPoints = 40;
  std::array<Vec2, kArcPoints> arc;
  for (int i = 0; i < kArcPoints; ++i) {
    const double a = from + (to - from) * i / (kArcPoints - 1);
    arc[static_cast<std::size_t>(i)] = to_world(cx + r * std::cos(a), cy + r * std::sin(a));
  }
  const float width = static_cast<float>(ring_width * (kx + ky) / 2);
  f.polyline(arc, draw::kBlack, width);
  const Vec2 head[4] = {to_world(21.5, 110.5), to_world(45.0, 168.0), to_world(21.5, 152.0),
                        to_world(-0.5, 169.0)};
  f.fill_polygon(head, draw::kBlack);
}
}  // namespace

// 500x500, the pivot in the middle, 2.2 m from it to each edge; the rod is 1 m long and 0.2 m
// wide with round ends; th = 0 points up and positive th turns counter-clockwise.
void Model::draw(const State& s, const Params&, const Action* last_action, Frame& f) {
  draw::begin_pygame_canvas(f, kCanvas, kCanvas);
  constexpr double scale = kCanvas / (2.2 * 2);
  constexpr double rod_length = 1 * scale, rod_width = 0.2 * scale;
  constexpr Color kRod{204, 77, 77, 255};
  const draw::Point pivot{kOffset, kOffset};
  const double angle = s.th + kPi / 2;
  const auto rod = draw::rotated_box(0, rod_length, -rod_width / 2, rod_width / 2, angle, pivot);
  draw::solid_polygon(f, rod, kRod);
  draw::solid_circle(f, kOffset, kOffset, static_cast<int>(rod_width / 2), kRod);
  const draw::Point end = draw::rotate({rod_length, 0.0}, angle);
  draw::solid_circle(f, static_cast<int>(end.x + kOffset), static_cast<int>(end.y + kOffset),
                     static_cast<int>(rod_width / 2), kRod);
  // gymnasium's last_u: the last torque, clipped as step() clips it; none right after reset.
  if (last_action) {
    const float u = std::min(std::max(*last_action, float(-kMaxTorque)), float(kMaxTorque));
    draw_torque_arrow(f, u);
  }
  draw::solid_circle(f, kOffset, kOffset, static_cast<int>(0.05 * scale), draw::kBlack);  // axle
}

}  // namespace rlforge::classic::pendulum

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(PendulumEnv, {.id = "Pendulum-v1",
                          .max_episode_steps = 200,
                          .reward_threshold = std::nullopt,
                          .render_fps = 30,
                          .kwargs = R"({"g": 10.0})",
                          .entry_point = "PendulumEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
