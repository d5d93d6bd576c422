// Tiling: many RGB pictures of one size into one grid picture (a vector env's envs side by
// side), row-major, cols x ceil(n / cols) cells, cells beyond n left in the fill colour.
#pragma once
#include <cstdint>
#include <span>

#include "core/frame.hpp"

namespace rlforge::render {

struct GridLayout {
  int cols = 1, rows = 1, cell_width = 0, cell_height = 0;
  int width() const { return cols * cell_width; }
  int height() const { return rows * cell_height; }
};

// cols <= 0: the most square grid (ceil(sqrt(n)) columns). Throws InvalidArgument for n < 1.
GridLayout grid_layout(int n, int cols, int cell_width, int cell_height);
// Copies cell picture `index` (cell_width x cell_height RGB) into its place in `grid`.
void put_cell(const GridLayout& g, int index, std::span<const std::uint8_t> cell, std::span<std::uint8_t> grid);
// Fills the whole grid with one colour (the gaps of a partly full last row).
void fill_grid(const GridLayout& g, Color c, std::span<std::uint8_t> grid);

}  // namespace rlforge::render
