#include "render/tessellate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace rlforge::render {

namespace {

// Segments for an arc of radius r (pixels) whose chords stay within 1/8 pixel of it. Capped:
// a huge circle is mostly off the picture, and its error is still far below a pixel near the
// visible part for any radius the cap allows exactly (r <~ 5e5).
int circle_segments(double r) {
  if (r <= 1.0) return 8;
  const double n = std::numbers::pi / std::acos(1.0 - 0.125 / r);  // inf for a huge r: capped first
  return static_cast<int>(std::clamp(std::ceil(n), 8.0, 4096.0));
}

// An ellipse (rx, ry) as one contour; counter-clockwise in the shoelace sense when ccw, so a
// ring's inner contour (clockwise) cancels its outer one under the non-zero rule.
// The vertices sit slightly outside the arc, so the polygon's area is the ellipse's (an inscribed
// n-gon would lose 2/3 of a sagitta along the whole perimeter: 0.5% of a 30 px circle).
void add_ellipse(Vec2 c, double rx, double ry, bool ccw, Path& out) {
  const int n = circle_segments(std::max(rx, ry));
  const double k_area = std::sqrt(2.0 * std::numbers::pi / (n * std::sin(2.0 * std::numbers::pi / n)));
  rx *= k_area;
  ry *= k_area;
  for (int k = 0; k < n; ++k) {
    const double t = 2.0 * std::numbers::pi * (ccw ? k : n - k) / n;
    out.points.push_back({static_cast<float>(c.x + rx * std::cos(t)),
                          static_cast<float>(c.y + ry * std::sin(t))});
  }
  out.close_contour();
}

// One stroke segment a-b, half width h, as a quad whose shoelace area is positive for every
// direction (the normal is the direction turned by +90 degrees), like the joins' discs.
void add_segment(Vec2 a, Vec2 b, double h, Path& out) {
  const double dx = double(b.x) - a.x, dy = double(b.y) - a.y;
  const double len = std::hypot(dx, dy);
  if (!(len > 0.0)) return;
  const double nx = -dy / len * h, ny = dx / len * h;
  auto p = [](double x, double y) { return Vec2{static_cast<float>(x), static_cast<float>(y)}; };
  out.points.push_back(p(a.x - nx, a.y - ny));
  out.points.push_back(p(b.x - nx, b.y - ny));
  out.points.push_back(p(b.x + nx, b.y + ny));
  out.points.push_back(p(a.x + nx, a.y + ny));
  out.close_contour();
}

}  // namespace

void tessellate(const Frame& frame, const Primitive& p, float sx, float sy, Path& out) {
  const auto pts = frame.points(p);
  auto scaled = [&](Vec2 v) { return Vec2{v.x * sx, v.y * sy}; };
  switch (p.kind) {
    case Primitive::Kind::FillPolygon: {
      if (pts.size() < 3) return;
      for (Vec2 v : pts) out.points.push_back(scaled(v));
      out.close_contour();
      return;
    }
    case Primitive::Kind::StrokePolyline: {
      const double h = 0.5 * p.width * std::sqrt(double(sx) * sy);
      if (!(h > 0.0) || pts.size() < 2) return;
      const std::size_t n = pts.size();
      const std::size_t segs = p.closed && n > 2 ? n : n - 1;
      for (std::size_t i = 0; i < segs; ++i) add_segment(scaled(pts[i]), scaled(pts[(i + 1) % n]), h, out);
      // Round joins where segments meet; below ~1.5 px the gap a join fills is sub-pixel.
      if (h >= 0.75) {
        const std::size_t first = p.closed && n > 2 ? 0 : 1;
        const std::size_t last = p.closed && n > 2 ? n : n - 1;
        for (std::size_t i = first; i < last; ++i) add_ellipse(scaled(pts[i]), h, h, true, out);
      }
      return;
    }
    case Primitive::Kind::FillCircle: {
      if (!(p.radius > 0.0f)) return;
      add_ellipse(scaled(pts[0]), double(p.radius) * sx, double(p.radius) * sy, true, out);
      return;
    }
    case Primitive::Kind::StrokeCircle: {
      const double h = 0.5 * p.width;
      if (!(p.radius > 0.0f) || !(h > 0.0)) return;
      const Vec2 c = scaled(pts[0]);
      const double ro = p.radius + h, ri = std::max(0.0, double(p.radius) - h);
      add_ellipse(c, ro * sx, ro * sy, true, out);
      if (ri > 0.0) add_ellipse(c, ri * sx, ri * sy, false, out);
      return;
    }
    case Primitive::Kind::Text:
      return;  // glyphs are drawn from the font atlas, not as contours
  }
}

}  // namespace rlforge::render
