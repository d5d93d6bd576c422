// breakout.hpp: MinAtar Breakout. A paddle on the bottom row, a ball moving diagonally one cell
// a step, three rows of bricks (rows 1-3) that come back when all are broken and the ball next
// reaches the bottom row; +1 per brick, the episode ends when the ball passes the paddle.
// Channels: paddle, ball, trail (the ball's previous cell), brick. Minimal actions: n, l, r.
#pragma once
#include <array>
#include <cstdint>

#include "core/frame.hpp"
#include "core/rng.hpp"

namespace rlforge::games::breakout {

struct Game {
  static constexpr const char* kName = "Breakout";
  static constexpr int kChannels = 4;
  static constexpr std::array<int, 3> kMinimalActions{0, 1, 3};
  static constexpr std::array<Color, 4> kPalette{
      Color{236, 236, 236, 255}, Color{255, 80, 80, 255}, Color{128, 48, 60, 255},
      Color{232, 150, 40, 255}};

  // Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left (y grows downwards).
  struct State {
    std::int16_t ball_x, ball_y, ball_dir;
    std::int16_t last_x, last_y;       // the ball's cell one step ago (the trail)
    std::int16_t paddle;               // the paddle's column, on row 9
    std::int16_t strike;               // the ball hit a brick last step (no second hit in a row)
    std::int16_t terminal;
    std::array<std::int16_t, 10> bricks;  // bit x of bricks[y]: a brick at (y, x)
  };

  static void reset(State& s, Rng& rng);
  static int step(State& s, int action, Rng& rng, bool ramping);
  static void observe(const State& s, std::uint8_t* obs);
  static const char* check(const State& s);
};

}  // namespace rlforge::games::breakout
