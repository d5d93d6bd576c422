// grid_draw.cpp: cells of a channel grid as filled squares.
#include "envs/games/grid_draw.hpp"

#include <string>

#include "core/error.hpp"

namespace rlforge::games {

void draw_grid(Frame& f, const std::uint8_t* obs, int h, int w, int channels,
               std::span<const Color> palette) {
  if (static_cast<int>(palette.size()) != channels)
    throw InvalidArgument("draw_grid: " + std::to_string(palette.size()) + " colours for " +
                          std::to_string(channels) + " channels");
  f.begin(w * kCellPixels, h * kCellPixels, kGridBackground);
  constexpr Color kLine{44, 44, 56, 255};
  for (int x = 1; x < w; ++x)
    f.fill_rect({static_cast<float>(x * kCellPixels) - 0.5f, 0.0f},
                {static_cast<float>(x * kCellPixels) + 0.5f, static_cast<float>(h * kCellPixels)}, kLine);
  for (int y = 1; y < h; ++y)
    f.fill_rect({0.0f, static_cast<float>(y * kCellPixels) - 0.5f},
                {static_cast<float>(w * kCellPixels), static_cast<float>(y * kCellPixels) + 0.5f}, kLine);
  constexpr float kInset = 2.0f;  // keeps neighbouring cells of one colour apart
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint8_t* cell = obs + (y * w + x) * channels;
      int top = -1;
      for (int c = 0; c < channels; ++c)
        if (cell[c]) top = c;
      if (top < 0) continue;
      const float x0 = static_cast<float>(x * kCellPixels), y0 = static_cast<float>(y * kCellPixels);
      f.fill_rect({x0 + kInset, y0 + kInset}, {x0 + kCellPixels - kInset, y0 + kCellPixels - kInset},
                  palette[static_cast<std::size_t>(top)]);
    }
}

}  // namespace rlforge::games
