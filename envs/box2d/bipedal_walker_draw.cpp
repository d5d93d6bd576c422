// bipedal_walker_draw.cpp: BipedalWalker's picture (gymnasium's render(): sky, clouds, terrain,
// one lidar ray, bodies, flag) as Frame primitives.
// Reference: gymnasium 1.4 gymnasium/envs/box2d/bipedal_walker.py (BipedalWalker.render).
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "envs/box2d/bipedal_walker.hpp"
#include "envs/classic/classic_draw.hpp"

namespace rlforge::box2d::walker {

namespace {
constexpr Color kBlack{0, 0, 0, 255};
Vec2 px(double x, double y) { return {static_cast<float>(x * kScale), static_cast<float>(y * kScale)}; }

// A fixture's polygon in surface pixels: pybox2d's `trans * v * SCALE`, in float32 as there.
std::size_t polygon_pixels(const b2Body* body, const b2PolygonShape& shape, std::array<Vec2, 8>& out) {
  const b2Transform& xf = body->GetTransform();
  const auto n = static_cast<std::size_t>(std::min(shape.m_count, 8));
  for (std::size_t k = 0; k < n; ++k) {
    const b2Vec2 w = static_cast<float>(kScale) * b2Mul(xf, shape.m_vertices[k]);
    out[k] = {w.x, w.y};
  }
  return n;
}
}  // namespace

// gymnasium's render(): a surface 600 + scroll * 30 pixels wide (int()), y up, of which the last
// 600 columns are returned after the vertical flip. World here = that surface's pixels, so
// gymnasium's numbers read as they are; the transform shifts by the hidden columns and flips.
void BipedalWalkerEnv::draw(Frame& f) const {
  if (!world_) throw StateError(id() + ": draw() before reset()");
  const double scroll = scroll_;
  const int surf_w = static_cast<int>(kViewportW + std::max(0.0, scroll) * kScale);
  const double hidden = surf_w - kViewportW;
  f.begin(kViewportW, kViewportH, kBlack);  // a new pygame Surface is black
  f.set_transform(1.0, 1.0, 0.5 - hidden, 0.5, /*y_up=*/true);
  const double view_l = hidden - 2, view_r = hidden + kViewportW + 2;  // culling, in pixels

  // pygame.draw.polygon fills the whole pixels from int(x0) to int(x1), both included.
  const float sx0 = std::trunc(static_cast<float>(scroll * kScale)) - 0.5f;
  const float sx1 = std::trunc(static_cast<float>(scroll * kScale + kViewportW)) + 0.5f;
  const float top = kViewportH + 0.5f;
  f.fill_polygon({{sx0, -0.5f}, {sx1, -0.5f}, {sx1, top}, {sx0, top}}, Color{215, 215, 255, 255});

  for (const Cloud& c : clouds_) {
    if (c.x2 < scroll / 2) continue;
    if (c.x1 > scroll / 2 + kViewportW / kScale) continue;
    std::array<Vec2, 5> pts;
    for (std::size_t k = 0; k < 5; ++k)
      pts[k] = {static_cast<float>(c.poly[k].x * kScale + scroll * kScale / 2),
                static_cast<float>(c.poly[k].y * kScale)};
    classic::draw::solid_polygon(f, pts, Color{255, 255, 255, 255});
  }

  for (int i = 0; i + 1 < kTerrainLength; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (terrain_.x[k + 1] < scroll) continue;
    if (terrain_.x[k] > scroll + kViewportW / kScale) continue;
    const std::array<Vec2, 4> poly = {px(terrain_.x[k], terrain_.y[k]),
                                      px(terrain_.x[k + 1], terrain_.y[k + 1]),
                                      px(terrain_.x[k + 1], 0), px(terrain_.x[k], 0)};
    classic::draw::solid_polygon(f, poly, Color{102, 153, 76, 255});
  }

  // gymnasium advances its lidar counter once per render() call; this picture shows what a
  // render() after reset and after every step shows (counter = steps + 1).
  const long shown = (steps_ + 1) % 100;
  if (shown < 2 * kLidarRays) {
    const Ray& r = lidar_[static_cast<std::size_t>(shown < kLidarRays ? shown : 2 * kLidarRays - 1 - shown)];
    f.line(px(r.p1x, r.p1y), px(r.p2x, r.p2y), Color{255, 0, 0, 255}, 1.0f);
  }

  // The drawlist: terrain reversed (edges last to first, then obstacles), legs, hull.
  const std::size_t n_obstacles = terrain_.obstacles.size();
  for (std::size_t j = ground_.size(); j-- > 0;) {
    const b2Body* body = ground_[j];
    const b2Shape* shape = body->GetFixtureList()->GetShape();
    if (j >= n_obstacles) {
      const std::size_t i = j - n_obstacles;
      if (terrain_.x[i + 1] * kScale < view_l || terrain_.x[i] * kScale > view_r) continue;
      const auto* e = static_cast<const b2EdgeShape*>(shape);
      const Color c{76, static_cast<std::uint8_t>(i % 2 == 0 ? 255 : 204), 76, 255};
      f.line({e->m_vertex1.x * float(kScale), e->m_vertex1.y * float(kScale)},
             {e->m_vertex2.x * float(kScale), e->m_vertex2.y * float(kScale)}, c, 1.0f);
    } else {
      const auto& q = terrain_.obstacles[j];
      double lo = q[0].x, hi = q[0].x;
      for (const Point& p : q) lo = std::min(lo, p.x), hi = std::max(hi, p.x);
      if (hi * kScale < view_l || lo * kScale > view_r) continue;
      draw_polygon_body(f, body, Color{255, 255, 255, 255}, Color{153, 153, 153, 255});
    }
  }
  for (std::size_t k = 0; k < 4; ++k) {
    const int i = k < 2 ? -1 : +1;
    const Color c1{static_cast<std::uint8_t>(153 - i * 25), static_cast<std::uint8_t>(76 - i * 25),
                   static_cast<std::uint8_t>(127 - i * 25), 255};
    const Color c2{static_cast<std::uint8_t>(102 - i * 25), static_cast<std::uint8_t>(51 - i * 25),
                   static_cast<std::uint8_t>(76 - i * 25), 255};
    draw_polygon_body(f, legs_[k], c1, c2);
  }
  draw_polygon_body(f, hull_, Color{127, 51, 229, 255}, Color{76, 76, 127, 255});

  // The flag at the start.
  const double flagy1 = kTerrainHeight * kScale, flagy2 = flagy1 + 50;
  const double x = kTerrainStep * 3 * kScale;
  const float fx = static_cast<float>(x), fy = static_cast<float>(flagy2);
  f.line({fx, static_cast<float>(flagy1)}, {fx, fy}, kBlack, 1.0f);
  const Vec2 flag[3] = {{fx, fy}, {fx, fy - 10}, {fx + 25, fy - 5}};
  f.fill_polygon(flag, Color{230, 51, 0, 255});
  f.stroke_polygon(flag, kBlack, 1.0f);
}

// A body's polygon fixtures as gymnasium draws them: filled and anti-aliased in color1, then a
// 1-pixel outline and anti-aliased outline in color2.
void BipedalWalkerEnv::draw_polygon_body(Frame& f, const b2Body* body, Color c1, Color c2) {
  for (const b2Fixture* fx = body->GetFixtureList(); fx; fx = fx->GetNext()) {
    if (fx->GetType() != b2Shape::e_polygon) continue;
    std::array<Vec2, 8> pts;
    const std::size_t n = polygon_pixels(body, *static_cast<const b2PolygonShape*>(fx->GetShape()), pts);
    const std::span<const Vec2> v(pts.data(), n);
    classic::draw::solid_polygon(f, v, c1);
    std::array<Vec2, 8> whole;
    for (std::size_t k = 0; k < n; ++k) whole[k] = {std::trunc(pts[k].x), std::trunc(pts[k].y)};
    f.stroke_polygon(std::span<const Vec2>(whole.data(), n), c2, 1.0f);
  }
}

}  // namespace rlforge::box2d::walker
