// Rasterizer: a Frame (core/frame.hpp) into H x W x 3 uint8 RGB pixels on the CPU — the
// rgb_array backend. No display, no GPU; the same frame gives the same bytes on any machine
// (a fixed order of IEEE operations, no FMA contraction, no libm calls per pixel).
//
// Anti-aliasing is exact-area coverage per pixel (each polygon edge's signed area accumulated
// into a row buffer, then swept, as font rasterizers do), not supersampling: one pass per
// primitive over its bounding rows, so CartPole's frame costs little more than clearing it.
// Circles and strokes become polygons first (tessellate.hpp), so every shape shares one filler.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "render/tessellate.hpp"

namespace rlforge::render {

class Rasterizer {
 public:
  // Draws `frame` into `rgb` (height rows of width * 3 bytes), scaling the frame's canvas to
  // width x height. Throws InvalidArgument when rgb.size() != width * height * 3 or the frame
  // was never begun. Scratch buffers are kept: after the first frame of a size, no allocation.
  void draw(const Frame& frame, std::span<std::uint8_t> rgb, int width, int height);
  // At the frame's own canvas size.
  void draw(const Frame& frame, std::span<std::uint8_t> rgb) {
    draw(frame, rgb, frame.width(), frame.height());
  }

 private:
  void draw_text(const Frame& frame, const Primitive& p, float sx, float sy,
                 std::span<std::uint8_t> rgb, int width, int height);
  // Blends the accumulated shape's pixels in [x0, x1) x [y0, y1) and zeroes the accumulator.
  void sweep(int x0, int y0, int x1, int y1, Color color, std::span<std::uint8_t> rgb, int width);
  std::vector<float> acc_;  // signed coverage per pixel of the current shape, zeroed after it
  std::vector<std::uint64_t> dirty_;  // which tiles of acc_ hold contributions (raster.cpp)
  int words_ = 0;
  Path path_;               // the current primitive's contours, in output pixels
};

// One frame at canvas size (or the given size) into a new buffer: for tests and one-off pictures.
std::vector<std::uint8_t> rasterize(const Frame& frame, int width = 0, int height = 0);

}  // namespace rlforge::render
