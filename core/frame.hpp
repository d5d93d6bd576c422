// Frame: an env's picture as 2-D primitives (filled/outlined polygons, circles, lines and
// polylines, text) on a canvas of a nominal size, with a world-to-canvas viewport.
//
// Envs fill a Frame in draw(Frame&) const and never see pixels: render/ turns a Frame into an
// RGB buffer (the CPU rasterizer), a window (SFML) or video. Coordinates are stored already
// mapped to canvas pixels (origin top-left, y down, x in [0, width], y in [0, height]), so every
// backend reads the same numbers and only scales canvas -> output size. Non-finite values, and
// canvas coordinates, radii or widths beyond 1e18 pixels, are refused (InvalidArgument).
//
// Why one flat vector of primitives plus one shared point/character pool: clear() keeps every
// capacity, so after the first frame an env's draw() allocates nothing (render's tests count).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rlforge {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;  // a: opacity, 255 = opaque
  friend bool operator==(const Color&, const Color&) = default;
};

struct Vec2 {
  float x = 0.0f, y = 0.0f;
  friend bool operator==(const Vec2&, const Vec2&) = default;
};

enum class TextAlign : std::uint8_t { Left, Center, Right };

// One primitive. Its points are [first, first + count) in Frame::points(); a Text's characters
// are [text_first, text_first + text_count) of the frame's character pool (Frame::chars(p)).
// Width is a stroke width in canvas pixels; radius is in canvas pixels; for Text, `radius`
// holds the glyph height in canvas pixels.
struct Primitive {
  enum class Kind : std::uint8_t {
    FillPolygon,     // a simple polygon, filled (non-zero winding); >= 3 points
    StrokePolyline,  // a polyline of `width`; closed when `closed` (an outlined polygon)
    FillCircle,      // centre = points[first], radius
    StrokeCircle,    // centre = points[first], radius, ring of `width`
    Text,            // anchor = points[first] (the text's top), chars, height = radius
  };
  Kind kind = Kind::FillPolygon;
  bool closed = false;
  TextAlign align = TextAlign::Left;
  Color color;
  float width = 1.0f;
  float radius = 0.0f;
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t text_first = 0;
  std::uint32_t text_count = 0;
};

class Frame {
 public:
  // Starts a picture: canvas size in pixels (the env's nominal render size, e.g. 600x400 for
  // CartPole), background colour; drops the previous primitives (keeps capacity) and sets the
  // identity viewport (world = canvas pixels, y down).
  void begin(int width, int height, Color background);

  // Maps world rectangle [x0, x1] x [y0, y1] onto the whole canvas. With y_up (the usual
  // physics convention, gymnasium's pictures) world y0 is the canvas bottom.
  void set_viewport(double x0, double y0, double x1, double y1, bool y_up = true);
  // Or a scale and offset: canvas = (world * scale + offset), then flipped when y_up.
  void set_transform(double scale_x, double scale_y, double offset_x, double offset_y, bool y_up);

  // Shapes in world coordinates. Lengths (radius) are world lengths, scaled by the viewport's
  // x scale; stroke widths and text heights are canvas pixels.
  void fill_polygon(std::span<const Vec2> pts, Color c);
  void fill_polygon(std::initializer_list<Vec2> pts, Color c) { fill_polygon(std::span(pts.begin(), pts.size()), c); }
  void stroke_polygon(std::span<const Vec2> pts, Color c, float width = 1.0f);
  void stroke_polygon(std::initializer_list<Vec2> pts, Color c, float width = 1.0f) {
    stroke_polygon(std::span(pts.begin(), pts.size()), c, width);
  }
  void polyline(std::span<const Vec2> pts, Color c, float width = 1.0f);
  void line(Vec2 a, Vec2 b, Color c, float width = 1.0f);
  void fill_rect(Vec2 lo, Vec2 hi, Color c);  // axis-aligned in world coordinates
  void fill_circle(Vec2 centre, double radius, Color c);
  void stroke_circle(Vec2 centre, double radius, Color c, float width = 1.0f);
  // Text with its top edge at `anchor` (world), `height` canvas pixels tall (render's built-in
  // font, render/font.hpp: printable ASCII; other bytes draw as "?").
  void text(Vec2 anchor, std::string_view s, Color c, float height = 12.0f,
            TextAlign align = TextAlign::Left);

  // World -> canvas, as the shapes above apply it.
  Vec2 to_canvas(Vec2 world) const;
  double length_scale() const { return sx_; }

  int width() const { return width_; }
  int height() const { return height_; }
  Color background() const { return background_; }
  bool begun() const { return width_ > 0; }
  bool empty() const { return prims_.empty(); }
  std::span<const Primitive> primitives() const { return prims_; }
  std::span<const Vec2> points() const { return points_; }
  std::span<const Vec2> points(const Primitive& p) const {
    return std::span(points_).subspan(p.first, p.count);
  }
  std::string_view chars(const Primitive& p) const {
    return std::string_view(chars_).substr(p.text_first, p.text_count);
  }
  // Capacity in bytes held by the frame's pools (tests check it stops growing).
  std::size_t capacity_bytes() const;

 private:
  std::uint32_t push_points(std::span<const Vec2> pts);
  void push(Primitive::Kind k, Color c, float width, float radius, std::uint32_t first,
            std::uint32_t count, bool closed = false);

  int width_ = 0, height_ = 0;
  Color background_{255, 255, 255, 255};
  double sx_ = 1.0, sy_ = 1.0, ox_ = 0.0, oy_ = 0.0;
  bool flip_ = false;
  std::vector<Primitive> prims_;
  std::vector<Vec2> points_;
  std::string chars_;
};

}  // namespace rlforge
