// car_picture.cpp: CarRacing's picture, gymnasium's _render: the observation's 1000x800 window
// (rasterized to 96x96) and the 600x400 rgb_array picture. Reference: gymnasium 1.4
// gymnasium/envs/box2d/car_racing.py (_render, _render_road, _render_indicators) and
// car_dynamics.py (Car.draw).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "envs/box2d/car_racing.hpp"

namespace rlforge::box2d {

namespace {
constexpr double kZoom = 2.7;  // camera zoom
constexpr double kGrassDim = car::kPlayfield / 20.0;

Color rgb(double r, double g, double b) {  // pygame truncates float colours
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b),
          255};
}
}  // namespace

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

}  // namespace rlforge::box2d
