#include "render/tile.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace rlforge::render {

GridLayout grid_layout(int n, int cols, int cell_width, int cell_height) {
  if (n < 1) throw InvalidArgument("grid_layout: " + std::to_string(n) + " pictures; need at least 1");
  if (cell_width <= 0 || cell_height <= 0)
    throw InvalidArgument("grid_layout: cell " + std::to_string(cell_width) + "x" +
                          std::to_string(cell_height) + " must be positive");
  GridLayout g;
  g.cols = cols > 0 ? std::min(cols, n) : static_cast<int>(std::ceil(std::sqrt(double(n))));
  g.rows = (n + g.cols - 1) / g.cols;
  g.cell_width = cell_width;
  g.cell_height = cell_height;
  // In 64 bits, before any int product is formed: each side at most 16384 pixels.
  const long long w = static_cast<long long>(g.cols) * cell_width, h = static_cast<long long>(g.rows) * cell_height;
  if (w > 16384 || h > 16384)
    throw InvalidArgument("grid_layout: " + std::to_string(n) + " pictures of " + std::to_string(cell_width) + "x" +
                          std::to_string(cell_height) + " in " + std::to_string(g.cols) + " columns make a " +
                          std::to_string(w) + "x" + std::to_string(h) +
                          " grid; at most 16384 pixels a side: ask for fewer envs (count), other columns or a smaller scale");
  return g;
}

void put_cell(const GridLayout& g, int index, std::span<const std::uint8_t> cell, std::span<std::uint8_t> grid) {
  const std::size_t row_bytes = static_cast<std::size_t>(g.cell_width) * 3;
  if (cell.size() != row_bytes * g.cell_height || grid.size() != static_cast<std::size_t>(g.width()) * g.height() * 3 ||
      index < 0 || index >= g.cols * g.rows)
    throw InvalidArgument("put_cell: picture " + std::to_string(index) + " does not fit the grid");
  const int cx = index % g.cols, cy = index / g.cols;
  const std::size_t grid_row = static_cast<std::size_t>(g.width()) * 3;
  for (int y = 0; y < g.cell_height; ++y) {
    std::memcpy(grid.data() + (static_cast<std::size_t>(cy) * g.cell_height + y) * grid_row + cx * row_bytes,
                cell.data() + y * row_bytes, row_bytes);
  }
}

void fill_grid(const GridLayout& g, Color c, std::span<std::uint8_t> grid) {
  if (grid.size() != static_cast<std::size_t>(g.width()) * g.height() * 3)
    throw InvalidArgument("fill_grid: buffer of " + std::to_string(grid.size()) + " bytes for a " +
                          std::to_string(g.width()) + "x" + std::to_string(g.height()) + " grid");
  for (std::size_t i = 0; i + 2 < grid.size(); i += 3) {
    grid[i] = c.r;
    grid[i + 1] = c.g;
    grid[i + 2] = c.b;
  }
}

}  // namespace rlforge::render
