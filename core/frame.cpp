#include "core/frame.hpp"

#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace rlforge {

namespace {
// A non-finite coordinate is a bug upstream (a diverged state), not something to draw
// somewhere arbitrary: refuse it, naming the primitive and point.
void check_finite(double v, const char* what, std::size_t index) {
  if (!std::isfinite(v)) {
    throw InvalidArgument("Frame: " + std::string(what) + " point " + std::to_string(index) +
                          " is " + (std::isnan(v) ? "NaN" : "infinite") +
                          "; a frame's coordinates must be finite");
  }
}
// Canvas coordinates and radii up to 1e18 pixels: far beyond any picture, yet small enough that
// scaling to a 16384-pixel output and the tessellation's arithmetic stay finite in float.
constexpr double kFar = 1e18;
void check_canvas(double v, const char* what, std::size_t index) {
  check_finite(v, what, index);
  if (std::abs(v) > kFar) {
    throw InvalidArgument("Frame: " + std::string(what) + " point " + std::to_string(index) + " is " +
                          std::to_string(v) + " pixels; a frame's canvas coordinates must be within +-1e18");
  }
}
}  // namespace

void Frame::begin(int width, int height, Color background) {
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
    throw InvalidArgument("Frame::begin: canvas " + std::to_string(width) + "x" +
                          std::to_string(height) + " is not in 1..16384 x 1..16384 pixels");
  }
  width_ = width;
  height_ = height;
  background_ = background;
  prims_.clear();
  points_.clear();
  chars_.clear();
  set_transform(1.0, 1.0, 0.0, 0.0, false);
}

void Frame::set_viewport(double x0, double y0, double x1, double y1, bool y_up) {
  if (!(std::isfinite(x0) && std::isfinite(x1) && std::isfinite(y0) && std::isfinite(y1)) ||
      x1 == x0 || y1 == y0) {
    throw InvalidArgument("Frame::set_viewport: world rectangle [" + std::to_string(x0) + ", " +
                          std::to_string(x1) + "] x [" + std::to_string(y0) + ", " +
                          std::to_string(y1) + "] must be finite with non-zero extent");
  }
  const double sx = width_ / (x1 - x0), sy = height_ / (y1 - y0);
  set_transform(sx, sy, -x0 * sx, -y0 * sy, y_up);
}

void Frame::set_transform(double scale_x, double scale_y, double offset_x, double offset_y,
                          bool y_up) {
  sx_ = scale_x;
  sy_ = scale_y;
  ox_ = offset_x;
  oy_ = offset_y;
  flip_ = y_up;
}

Vec2 Frame::to_canvas(Vec2 w) const {
  const double x = w.x * sx_ + ox_;
  double y = w.y * sy_ + oy_;
  if (flip_) y = height_ - y;
  return {static_cast<float>(x), static_cast<float>(y)};
}

std::uint32_t Frame::push_points(std::span<const Vec2> pts) {
  if (!begun()) throw StateError("Frame: draw call before Frame::begin(width, height, background)");
  const auto first = static_cast<std::uint32_t>(points_.size());
  for (std::size_t i = 0; i < pts.size(); ++i) {
    check_finite(pts[i].x, "x of", i);
    check_finite(pts[i].y, "y of", i);
    const Vec2 c = to_canvas(pts[i]);
    check_canvas(c.x, "canvas x of", i);  // finite world * huge scale can overflow float
    check_canvas(c.y, "canvas y of", i);
    points_.push_back(c);
  }
  return first;
}

void Frame::push(Primitive::Kind k, Color c, float width, float radius, std::uint32_t first,
                 std::uint32_t count, bool closed) {
  if (!(width >= 0.0f) || !std::isfinite(width) || width > kFar) {
    throw InvalidArgument("Frame: stroke width " + std::to_string(width) + " must be finite, >= 0 and at most 1e18");
  }
  Primitive p;
  p.kind = k;
  p.color = c;
  p.width = width;
  p.radius = radius;
  p.first = first;
  p.count = count;
  p.closed = closed;
  prims_.push_back(p);
}

void Frame::fill_polygon(std::span<const Vec2> pts, Color c) {
  const auto first = push_points(pts);
  push(Primitive::Kind::FillPolygon, c, 0.0f, 0.0f, first, static_cast<std::uint32_t>(pts.size()));
}

void Frame::stroke_polygon(std::span<const Vec2> pts, Color c, float width) {
  const auto first = push_points(pts);
  push(Primitive::Kind::StrokePolyline, c, width, 0.0f, first,
       static_cast<std::uint32_t>(pts.size()), true);
}

void Frame::polyline(std::span<const Vec2> pts, Color c, float width) {
  const auto first = push_points(pts);
  push(Primitive::Kind::StrokePolyline, c, width, 0.0f, first,
       static_cast<std::uint32_t>(pts.size()), false);
}

void Frame::line(Vec2 a, Vec2 b, Color c, float width) {
  const Vec2 pts[2] = {a, b};
  polyline(pts, c, width);
}

void Frame::fill_rect(Vec2 lo, Vec2 hi, Color c) {
  fill_polygon({{lo.x, lo.y}, {hi.x, lo.y}, {hi.x, hi.y}, {lo.x, hi.y}}, c);
}

namespace {
float canvas_radius(double r, double scale, const char* who) {
  const double v = r * std::abs(scale);
  if (!std::isfinite(v) || v < 0.0 || v > kFar) {
    throw InvalidArgument(std::string("Frame::") + who + ": radius " + std::to_string(r) +
                          " must be finite, >= 0 and at most 1e18 canvas pixels");
  }
  return static_cast<float>(v);
}
}  // namespace

void Frame::fill_circle(Vec2 centre, double radius, Color c) {
  const float r = canvas_radius(radius, sx_, "fill_circle");
  const auto first = push_points(std::span(&centre, 1));
  push(Primitive::Kind::FillCircle, c, 0.0f, r, first, 1);
}

void Frame::stroke_circle(Vec2 centre, double radius, Color c, float width) {
  const float r = canvas_radius(radius, sx_, "stroke_circle");
  const auto first = push_points(std::span(&centre, 1));
  push(Primitive::Kind::StrokeCircle, c, width, r, first, 1);
}

void Frame::text(Vec2 anchor, std::string_view s, Color c, float height, TextAlign align) {
  if (!(height > 0.0f) || !std::isfinite(height) || height > 16384.0f) {
    throw InvalidArgument("Frame::text: height " + std::to_string(height) + " must be in (0, 16384] pixels");
  }
  const auto first = push_points(std::span(&anchor, 1));
  const auto text_first = static_cast<std::uint32_t>(chars_.size());
  chars_.append(s);
  push(Primitive::Kind::Text, c, 0.0f, height, first, 1);
  prims_.back().align = align;
  prims_.back().text_first = text_first;
  prims_.back().text_count = static_cast<std::uint32_t>(s.size());
}

std::size_t Frame::capacity_bytes() const {
  return prims_.capacity() * sizeof(Primitive) + points_.capacity() * sizeof(Vec2) +
         chars_.capacity();
}

}  // namespace rlforge
