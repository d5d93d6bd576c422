#include "render/raster.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "render/font.hpp"

namespace rlforge::render {

namespace {

// Columns per dirty bit. The sweep passes a tile no edge touched in one step: the running
// coverage is constant across it (0 outside a shape: skipped; inside: filled), so a long thin
// shape — a terrain line across the picture — costs its edges, not its bounding box.
constexpr int kTile = 16;

// x / 255 rounded to nearest, exactly, for x in [0, 255 * 255].
inline int div255(int x) { return ((x + 128) * 257) >> 16; }

inline void blend(std::uint8_t* px, Color c, int a) {  // a: 0..255 opacity of c over px
  px[0] = static_cast<std::uint8_t>(div255(c.r * a + px[0] * (255 - a)));
  px[1] = static_cast<std::uint8_t>(div255(c.g * a + px[1] * (255 - a)));
  px[2] = static_cast<std::uint8_t>(div255(c.b * a + px[2] * (255 - a)));
}

// Coverage of a shape: the signed area each edge leaves in every pixel it crosses, accumulated
// per row (stride W + 2: an edge's last contribution can fall one or two columns right of the
// picture); a row's running sum is then the pixel's winding coverage.
struct Accumulator {
  float* acc;
  int stride, width, height;
  std::uint64_t* dirty;  // per row, one bit per kTile columns holding a contribution
  int words;             // 64-bit words per row of `dirty`

  void mark(int y, int x0, int x1) {  // columns [x0, x1] of row y
    std::uint64_t* row = dirty + static_cast<std::ptrdiff_t>(y) * words;
    for (int t = x0 / kTile; t <= x1 / kTile; ++t) row[t >> 6] |= std::uint64_t{1} << (t & 63);
  }

  // A segment already inside x in [0, W], y in [0, H].
  void edge(double x0, double y0, double x1, double y1) {
    if (y0 == y1) return;
    float dir = 1.0f;
    if (y0 > y1) {
      std::swap(x0, x1);
      std::swap(y0, y1);
      dir = -1.0f;
    }
    const double dxdy = (x1 - x0) / (y1 - y0);
    double x = x0;
    const int ys = static_cast<int>(std::floor(y0));
    const int ye = std::min(height, static_cast<int>(std::ceil(y1)));
    for (int y = ys; y < ye; ++y) {
      float* row = acc + static_cast<std::ptrdiff_t>(y) * stride;
      const double dy = std::min(double(y + 1), y1) - std::max(double(y), y0);
      // Stepping x row by row can round a hair past the picture's sides: kept inside [0, W],
      // which the clipping guarantees exactly, so no index leaves the row.
      const double xnext = std::clamp(x + dxdy * dy, 0.0, double(width));
      const float d = static_cast<float>(dy) * dir;
      const double xl = std::min(x, xnext), xr = std::max(x, xnext);
      const double xl_floor = std::floor(xl);
      const int xli = static_cast<int>(xl_floor);
      const double xr_ceil = std::ceil(xr);
      const int xri = static_cast<int>(xr_ceil);
      mark(y, xli, std::max(xli + 1, xri));
      if (xri <= xli + 1) {
        // Within one pixel column: the part of d left of the edge's mean x stays in it.
        const float xmf = static_cast<float>(0.5 * (x + xnext) - xl_floor);
        row[xli] += d - d * xmf;
        row[xli + 1] += d * xmf;
      } else {
        const float s = static_cast<float>(1.0 / (xr - xl));
        const float xlf = static_cast<float>(xl - xl_floor);
        const float a0 = 0.5f * s * (1.0f - xlf) * (1.0f - xlf);
        const float xrf = static_cast<float>(xr - xr_ceil + 1.0);
        const float am = 0.5f * s * xrf * xrf;
        row[xli] += d * a0;
        if (xri == xli + 2) {
          row[xli + 1] += d * (1.0f - a0 - am);
        } else {
          const float a1 = s * (1.5f - xlf);
          row[xli + 1] += d * (a1 - a0);
          for (int xi = xli + 2; xi < xri - 1; ++xi) row[xi] += d * s;
          const float a2 = a1 + static_cast<float>(xri - xli - 3) * s;
          row[xri - 1] += d * (1.0f - a2 - am);
        }
        row[xri] += d * am;
      }
      x = xnext;
    }
  }

  // Any segment: clipped to the rows, then split at x = 0 and x = W; the parts outside are
  // moved onto those borders, which keeps their winding for the pixels inside exactly.
  void segment(double x0, double y0, double x1, double y1) {
    if (y0 == y1) return;
    const double ylo = std::min(y0, y1), yhi = std::max(y0, y1);
    if (yhi <= 0.0 || ylo >= height) return;
    auto x_at = [&](double y) { return x0 + (x1 - x0) * ((y - y0) / (y1 - y0)); };
    if (ylo < 0.0) {
      const double xc = x_at(0.0);
      if (y0 < y1) { x0 = xc; y0 = 0.0; } else { x1 = xc; y1 = 0.0; }
    }
    if (yhi > height) {
      const double xc = x_at(height);
      if (y0 > y1) { x0 = xc; y0 = height; } else { x1 = xc; y1 = height; }
    }
    split_x(x0, y0, x1, y1);
  }

  void split_x(double x0, double y0, double x1, double y1) {
    const double w = width;
    auto y_at = [&](double x) { return y0 + (y1 - y0) * ((x - x0) / (x1 - x0)); };
    for (const double border : {0.0, w}) {
      if ((x0 < border) != (x1 < border) && x0 != border && x1 != border) {
        const double yc = y_at(border);
        split_x(x0, y0, border, yc);
        split_x(border, yc, x1, y1);
        return;
      }
    }
    edge(std::clamp(x0, 0.0, w), y0, std::clamp(x1, 0.0, w), y1);
  }
};

}  // namespace

namespace {

struct Box {
  int x0, y0, x1, y1;  // pixels [x0, x1) x [y0, y1); empty when x0 >= x1 or y0 >= y1
};

Box bounds(std::span<const Vec2> pts, int width, int height) {
  float xmin = pts[0].x, xmax = pts[0].x, ymin = pts[0].y, ymax = pts[0].y;
  for (Vec2 p : pts) {
    xmin = std::min(xmin, p.x);
    xmax = std::max(xmax, p.x);
    ymin = std::min(ymin, p.y);
    ymax = std::max(ymax, p.y);
  }
  auto clampi = [](double v, int lo, int hi) {
    return static_cast<int>(std::clamp(v, double(lo), double(hi)));
  };
  // Left of the picture still winds the pixels to its right: x0 then starts at 0.
  return {clampi(std::floor(xmin), 0, width), clampi(std::floor(ymin), 0, height),
          clampi(std::ceil(xmax) + 1.0, 0, width), clampi(std::ceil(ymax), 0, height)};
}

}  // namespace

void Rasterizer::draw(const Frame& frame, std::span<std::uint8_t> rgb, int width, int height) {
  if (!frame.begun()) throw InvalidArgument("Rasterizer::draw: the frame was never begun (Frame::begin)");
  if (width <= 0 || height <= 0 ||
      rgb.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3) {
    throw InvalidArgument("Rasterizer::draw: buffer of " + std::to_string(rgb.size()) +
                          " bytes for " + std::to_string(width) + "x" + std::to_string(height) +
                          " RGB; expected width * height * 3 = " +
                          std::to_string(std::max(0L, long(width)) * std::max(0L, long(height)) * 3));
  }
  // Background.
  const Color bg = frame.background();
  if (bg.r == bg.g && bg.g == bg.b) {
    std::memset(rgb.data(), bg.r, rgb.size());
  } else {
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
      rgb[i] = bg.r;
      rgb[i + 1] = bg.g;
      rgb[i + 2] = bg.b;
    }
  }
  const float sx = static_cast<float>(width) / frame.width();
  const float sy = static_cast<float>(height) / frame.height();
  const std::size_t stride = static_cast<std::size_t>(width) + 2;
  if (acc_.size() < stride * static_cast<std::size_t>(height)) acc_.assign(stride * height, 0.0f);
  words_ = static_cast<int>((stride + kTile - 1) / kTile + 63) / 64;
  const std::size_t dirty_words = static_cast<std::size_t>(words_) * height;
  if (dirty_.size() < dirty_words) dirty_.assign(dirty_words, 0);
  const int words = words_;

  for (const Primitive& p : frame.primitives()) {
    if (p.color.a == 0) continue;
    if (p.kind == Primitive::Kind::Text) {
      draw_text(frame, p, sx, sy, rgb, width, height);
      continue;
    }
    path_.clear();
    tessellate(frame, p, sx, sy, path_);
    if (path_.points.empty()) continue;
    // Frame bounds every coordinate (1e18), so this holds; a shape that broke it is skipped
    // whole rather than filled from a NaN edge.
    if (!std::all_of(path_.points.begin(), path_.points.end(),
                     [](Vec2 v) { return std::isfinite(v.x) && std::isfinite(v.y); }))
      continue;
    const Box b = bounds(path_.points, width, height);
    if (b.x0 >= b.x1 || b.y0 >= b.y1) continue;
    Accumulator a{acc_.data(), static_cast<int>(stride), width, height, dirty_.data(), words};
    for (std::size_t k = 0; k < path_.ends.size(); ++k) {
      const auto ring = path_.contour(k);
      for (std::size_t i = 0; i < ring.size(); ++i) {
        const Vec2 u = ring[i], v = ring[(i + 1) % ring.size()];
        a.segment(u.x, u.y, v.x, v.y);
      }
    }
    sweep(b.x0, b.y0, b.x1, b.y1, p.color, rgb, width);
  }
}

// Coverage = min(1, |winding|) times the colour's opacity, row by row over the box; the
// accumulator and its dirty bits are zeroed behind the sweep, so the next shape starts clean.
// Untouched tiles see no change of the running sum, so the pixels are those of a full sweep.
void Rasterizer::sweep(int x0, int y0, int x1, int y1, Color color, std::span<std::uint8_t> rgb, int width) {
  const struct { int x0, y0, x1, y1; } b{x0, y0, x1, y1};
  const std::size_t stride = static_cast<std::size_t>(width) + 2;
  const float opacity = color.a / 255.0f;
  const int xend = std::min(width + 2, b.x1 + 2);
  auto put = [&](std::uint8_t* px, float s) {
    const float cov = std::min(1.0f, std::abs(s)) * opacity;
    const int alpha = static_cast<int>(cov * 255.0f + 0.5f);
    if (alpha >= 255) {
      px[0] = color.r;
      px[1] = color.g;
      px[2] = color.b;
    } else if (alpha > 0) {
      blend(px, color, alpha);
    }
  };
  for (int y = b.y0; y < b.y1; ++y) {
    float* row = acc_.data() + static_cast<std::size_t>(y) * stride;
    std::uint64_t* bits = dirty_.data() + static_cast<std::size_t>(y) * words_;
    std::uint8_t* line = rgb.data() + static_cast<std::size_t>(y) * width * 3;
    float s = 0.0f;
    for (int x = b.x0; x < b.x1;) {
      const int t = x / kTile;
      const int tend = std::min(b.x1, (t + 1) * kTile);
      std::uint64_t& word = bits[t >> 6];
      const std::uint64_t bit = std::uint64_t{1} << (t & 63);
      if (word & bit) {
        for (; x < tend; ++x) {
          s += row[x];
          row[x] = 0.0f;
          put(line + x * 3, s);
        }
        if (tend == (t + 1) * kTile) word &= ~bit;  // the tile's columns past b.x1 are zeroed below
      } else {
        if (static_cast<int>(std::min(1.0f, std::abs(s)) * opacity * 255.0f + 0.5f) > 0)
          for (; x < tend; ++x) put(line + x * 3, s);
        x = tend;
      }
    }
    for (int x = b.x1; x < xend; ++x) row[x] = 0.0f;
    for (int t = b.x1 > 0 ? (b.x1 - 1) / kTile : 0; t <= (xend - 1) / kTile; ++t) bits[t >> 6] &= ~(std::uint64_t{1} << (t & 63));
  }
}

void Rasterizer::draw_text(const Frame& frame, const Primitive& p, float sx, float sy,
                           std::span<std::uint8_t> rgb, int width, int height) {
  const Font& font = Font::builtin();
  const std::string_view s = frame.chars(p);
  const Vec2 anchor = frame.points(p)[0];
  const float scale = p.radius / font.base_size();
  const float kx = scale * sx, ky = scale * sy;  // atlas pixels -> output pixels
  float pen = anchor.x * sx;
  if (p.align != TextAlign::Left) {
    const float w = font.text_width(s, p.radius) * sx;
    pen -= p.align == TextAlign::Center ? 0.5f * w : w;
  }
  const float top = anchor.y * sy;
  const std::uint8_t* atlas = font.atlas();
  const int aw = font.atlas_width();
  for (unsigned char ch : s) {
    const Glyph& g = font.glyph(ch);
    const int gw = g.u1 - g.u0, gh = g.v1 - g.v0;
    if (gw > 0 && gh > 0) {
      const float qx0 = pen + g.x0 * kx, qy0 = top + g.y0 * ky;
      const float qx1 = qx0 + gw * kx, qy1 = qy0 + gh * ky;
      // Clamped before the conversion: a glyph far off the picture (Frame allows 1e18) is no int.
      auto to_px = [](double v, int hi) { return static_cast<int>(std::clamp(v, 0.0, double(hi))); };
      const int px0 = to_px(std::floor(qx0), width), py0 = to_px(std::floor(qy0), height);
      const int px1 = to_px(std::ceil(qx1), width), py1 = to_px(std::ceil(qy1), height);
      for (int y = py0; y < py1; ++y) {
        // Bilinear sample of the glyph at the pixel centre, in atlas pixels.
        // Clamped to just around the glyph before the conversion (a tiny text's scale makes
        // these huge); outside the glyph every sample is 0 anyway.
        const float vy = std::clamp((y + 0.5f - qy0) / ky - 0.5f, -2.0f, gh + 1.0f);
        const int iy = static_cast<int>(std::floor(vy));
        const float fy = vy - iy;
        for (int x = px0; x < px1; ++x) {
          const float ux = std::clamp((x + 0.5f - qx0) / kx - 0.5f, -2.0f, gw + 1.0f);
          const int ix = static_cast<int>(std::floor(ux));
          const float fx = ux - ix;
          auto at = [&](int u, int v) -> float {
            if (u < 0 || v < 0 || u >= gw || v >= gh) return 0.0f;
            return atlas[static_cast<std::size_t>(g.v0 + v) * aw + (g.u0 + u)];
          };
          const float cov = (at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx) * (1 - fy) +
                            (at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx) * fy;
          const int alpha = static_cast<int>(cov * (p.color.a / 255.0f) + 0.5f);
          if (alpha > 0) blend(rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3, p.color, std::min(alpha, 255));
        }
      }
    }
    pen += g.advance * kx;
  }
}

std::vector<std::uint8_t> rasterize(const Frame& frame, int width, int height) {
  if (width <= 0) width = frame.width();
  if (height <= 0) height = frame.height();
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
  Rasterizer r;
  r.draw(frame, rgb, width, height);
  return rgb;
}

}  // namespace rlforge::render
