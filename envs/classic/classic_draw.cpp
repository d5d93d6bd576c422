// classic_draw.cpp: the pygame-like drawing helpers and the mountain-car picture both mountain cars share.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/mountain_car.py (render).
#include "envs/classic/classic_draw.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace rlforge::classic::draw {

void begin_pygame_canvas(Frame& f, int w, int h) {
  f.begin(w, h, kWhite);
  // canvas = (x + 0.5, h - (y + 0.5)): pixel centres, then gymnasium's final vertical flip.
  f.set_transform(1.0, 1.0, 0.5, 0.5, /*y_up=*/true);
}

Point rotate(Point p, double angle) {
  constexpr double kQuarter = 1.5707963267948966, kEps = 1e-6;
  const double quarters = std::round(angle / kQuarter);
  if (std::abs(angle - quarters * kQuarter) < kEps) {
    // A whole number of quarter turns, done exactly.
    const long k = static_cast<long>(std::fmod(quarters, 4.0) + 4.0) % 4;
    if (k == 1) return {-p.y, p.x};
    if (k == 2) return {-p.x, -p.y};
    if (k == 3) return {p.y, -p.x};
    return p;
  }
  const double c = std::cos(angle), s = std::sin(angle);
  return {p.x * c - p.y * s, p.x * s + p.y * c};
}

std::array<Vec2, 4> rotated_box(double l, double r, double b, double t, double angle, Point at) {
  const Point corners[4] = {{l, b}, {l, t}, {r, t}, {r, b}};
  std::array<Vec2, 4> out;
  for (int i = 0; i < 4; ++i) {
    const Point q = rotate(corners[i], angle);
    out[static_cast<std::size_t>(i)] = to_vec2({q.x + at.x, q.y + at.y});
  }
  return out;
}

void solid_polygon(Frame& f, std::span<const Vec2> pts, Color c) {
  // gfxdraw takes int() of every vertex; a fixed array, so that drawing allocates nothing.
  std::array<Vec2, kMaxPolygon> px;
  if (pts.size() > px.size())
    throw InvalidArgument("draw::solid_polygon: " + std::to_string(pts.size()) +
                          " points, at most " + std::to_string(px.size()));
  for (std::size_t i = 0; i < pts.size(); ++i) px[i] = {std::trunc(pts[i].x), std::trunc(pts[i].y)};
  const std::span<const Vec2> v(px.data(), pts.size());
  f.fill_polygon(v, c);
  f.stroke_polygon(v, c, 1.0f);
}

void solid_circle(Frame& f, int cx, int cy, int r, Color c) {
  const Vec2 centre{static_cast<float>(cx), static_cast<float>(cy)};
  f.fill_circle(centre, r + 0.5, c);
}

void pixel_hline(Frame& f, int x0, int x1, int y, Color c) {
  // Pixel centres x0..x1, so the 1-pixel-wide stroke runs half a pixel past each.
  f.line({x0 - 0.5f, static_cast<float>(y)}, {x1 + 0.5f, static_cast<float>(y)}, c, 1.0f);
}

void pixel_vline(Frame& f, int x, int y0, int y1, Color c) {
  f.line({static_cast<float>(x), y0 - 0.5f}, {static_cast<float>(x), y1 + 0.5f}, c, 1.0f);
}

namespace {
constexpr double kMinPosition = -1.2, kMaxPosition = 0.6;
constexpr int kWidth = 600, kHeight = 400;
double hill_height(double x) { return std::sin(3 * x) * 0.45 + 0.55; }
}  // namespace

void mountain_car_scene(Frame& f, double position, double goal_position) {
  begin_pygame_canvas(f, kWidth, kHeight);
  const double scale = kWidth / (kMaxPosition - kMinPosition);
  constexpr double carwidth = 40, carheight = 20, clearance = 10;

  // The hill: np.linspace(min, max, 100) through the height, as one anti-aliased polyline.
  constexpr int kHillPoints = 100;
  std::array<Vec2, kHillPoints> hill;
  const double step = (kMaxPosition - kMinPosition) / (kHillPoints - 1);
  for (int i = 0; i < kHillPoints; ++i) {
    const double x = i == kHillPoints - 1 ? kMaxPosition : kMinPosition + i * step;
    hill[static_cast<std::size_t>(i)] = {static_cast<float>((x - kMinPosition) * scale),
                                         static_cast<float>(hill_height(x) * scale)};
  }
  f.polyline(hill, kBlack, 1.0f);

  // The car body, tilted by cos(3 * position) (gymnasium's choice, not the hill's slope).
  const double tilt = std::cos(3 * position);
  const Point at{(position - kMinPosition) * scale, clearance + hill_height(position) * scale};
  const auto body = rotated_box(-carwidth / 2, carwidth / 2, 0, carheight, tilt, at);
  solid_polygon(f, body, kBlack);

  constexpr Color kWheel{128, 128, 128, 255};
  const Point wheels[2] = {{carwidth / 4, 0}, {-carwidth / 4, 0}};
  for (const Point w : wheels) {
    const Point c = rotate(w, tilt);
    solid_circle(f, static_cast<int>(c.x + at.x), static_cast<int>(c.y + at.y),
                 static_cast<int>(carheight / 2.5), kWheel);
  }

  // The flag: a pole of 50 pixels from the hill at the goal, and a yellow pennant at its top.
  const int flagx = static_cast<int>((goal_position - kMinPosition) * scale);
  const int flagy1 = static_cast<int>(hill_height(goal_position) * scale);
  const int flagy2 = flagy1 + 50;
  pixel_vline(f, flagx, flagy1, flagy2, kBlack);
  const float fx = static_cast<float>(flagx), fy = static_cast<float>(flagy2);
  const Vec2 pennant[3] = {{fx, fy}, {fx, fy - 10}, {fx + 25, fy - 5}};
  solid_polygon(f, pennant, Color{204, 204, 0, 255});
}

}  // namespace rlforge::classic::draw
