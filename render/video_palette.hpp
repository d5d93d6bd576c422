// Colour quantization for GIF frames: the pixels of a rectangle of an RGB frame as indices into a
// palette of at most 256 colours. Deterministic (same pixels -> same palette and indices).
//
// A rectangle with at most 256 distinct colours is exact (palette = its colours, sorted). With
// more (anti-aliased edges, gradients) the colours are split into 256 boxes by a greedy median
// cut: the box with the largest squared error is cut along its widest channel where the two
// halves' squared error is least. A box dominated by one colour (>= half its pixels: a flat fill)
// is represented by that exact colour, others by their mean; each colour then maps to its
// nearest palette entry. No dithering: flat colours stay flat (and compress well).
// Memory: buffers sized by the largest rectangle seen, reused from frame to frame.
#pragma once
#include <cstdint>
#include <vector>

namespace rlforge::render {

struct Palette {
  int size = 0;                  // entries used, 1..256
  std::uint8_t rgb[256][3] = {};  // entry i's colour
};

class Quantizer {
 public:
  // Quantizes the w x h rectangle at (x, y) of `frame` (rows of `stride` bytes, 3 per pixel):
  // `indices` receives w * h palette indices, row by row.
  const Palette& quantize(const std::uint8_t* frame, int stride, int x, int y, int w, int h,
                          std::uint8_t* indices);

 private:
  struct Colour {
    std::uint32_t key;    // 0xRRGGBB
    std::uint32_t count;  // pixels of this colour
  };
  struct Box {
    std::size_t begin, end;  // range of colours_
    double error;            // sum over its pixels of the squared distance to the box's mean
  };
  void count_colours(const std::uint8_t* frame, int stride, int x, int y, int w, int h);
  void median_cut();
  std::uint32_t& slot(std::uint32_t key);  // the table entry of key (value = count, later index)

  Palette palette_;
  std::vector<std::uint32_t> keys_, values_;  // open-addressing table: key + 1 (0 = empty)
  std::vector<std::uint32_t> used_;           // table positions filled this frame
  std::vector<Colour> colours_;
  std::vector<Box> boxes_;
};

}  // namespace rlforge::render
