// grid_draw.hpp: the picture of a grid game (MinAtar's games, Snake) from its channel grid.
#pragma once
#include <cstdint>
#include <span>

#include "core/frame.hpp"

namespace rlforge::games {

inline constexpr int kCellPixels = 32;  // a 10x10 grid is a 320x320 picture
inline constexpr Color kGridBackground{20, 20, 28, 255};

// Draws an h x w x channels HWC grid (values 0/1) as cells of kCellPixels on a dark background
// with faint grid lines; a cell shows the colour of the highest channel set in it, as MinAtar's
// display does (so the order of a game's channels is its drawing order). palette[c] is channel
// c's colour; its size must be `channels`.
void draw_grid(Frame& f, const std::uint8_t* obs, int h, int w, int channels,
               std::span<const Color> palette);

}  // namespace rlforge::games
