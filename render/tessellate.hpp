// Tessellation: every Frame primitive but text as closed contours in output pixels — the one
// geometry both backends draw (the rasterizer fills the contours, the SFML window turns them
// into triangles), so a frame looks the same in a window and in a video.
//
// A primitive's contours are filled together with the non-zero rule and all wind the same way
// (counter-clockwise on screen): a stroke is one quad per segment plus round joins, and the
// overlaps of its pieces cover a pixel once, not twice.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/frame.hpp"

namespace rlforge::render {

struct Path {
  std::vector<Vec2> points;
  std::vector<std::uint32_t> ends;  // contour k is points [ends[k-1], ends[k])
  void clear() {
    points.clear();
    ends.clear();
  }
  void close_contour() {
    if (ends.empty() ? !points.empty() : ends.back() != points.size())
      ends.push_back(static_cast<std::uint32_t>(points.size()));
  }
  std::span<const Vec2> contour(std::size_t k) const {
    const std::uint32_t b = k == 0 ? 0 : ends[k - 1];
    return std::span(points).subspan(b, ends[k] - b);
  }
};

// Appends primitive p of `frame` (not Text), its canvas coordinates scaled by (sx, sy) to the
// output, to `out`. Degenerate input (fewer than 3 polygon points, zero radius or width) adds
// nothing; circles get enough segments that no edge is further than 1/8 pixel from the arc.
void tessellate(const Frame& frame, const Primitive& p, float sx, float sy, Path& out);

}  // namespace rlforge::render
