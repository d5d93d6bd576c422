// breakout.cpp: Breakout's rules, observation and registration.
#include "envs/games/breakout.hpp"

#include <algorithm>
#include <cstring>

#include "envs/games/minatar_env.hpp"

namespace rlforge::games::breakout {
using State = Game::State;
namespace {
constexpr std::int16_t kFullRow = (1 << kGrid) - 1;
// Direction after bouncing off a side wall, off the ceiling or a brick, and off the paddle's edge.
constexpr std::array<std::int16_t, 4> kFlipX{1, 0, 3, 2};
constexpr std::array<std::int16_t, 4> kFlipY{3, 2, 1, 0};
constexpr std::array<std::int16_t, 4> kReverse{2, 3, 0, 1};

void fill_bricks(State& s) {
  for (int y = 1; y <= 3; ++y) s.bricks[static_cast<std::size_t>(y)] = kFullRow;
}
bool any_brick(const State& s) {
  return std::any_of(s.bricks.begin(), s.bricks.end(), [](std::int16_t row) { return row != 0; });
}
bool brick_at(const State& s, int y, int x) { return (s.bricks[static_cast<std::size_t>(y)] >> x) & 1; }
}  // namespace

void Game::reset(State& s, Rng& rng) {
  s = State{};
  const bool from_right = rng.below(2) == 1;  // the ball starts in a top corner of row 3
  s.ball_x = from_right ? 9 : 0;
  s.ball_dir = from_right ? 3 : 2;
  s.ball_y = 3;
  s.last_x = s.ball_x;
  s.last_y = s.ball_y;
  s.paddle = 4;
  fill_bricks(s);
}

int Game::step(State& s, int action, Rng&, bool) {
  if (s.terminal) return 0;
  int reward = 0;
  s.paddle = static_cast<std::int16_t>(std::clamp(s.paddle + action_dx(action), 0, 9));

  s.last_x = s.ball_x;
  s.last_y = s.ball_y;
  int x = s.ball_x + ((s.ball_dir == 1 || s.ball_dir == 2) ? 1 : -1);
  int y = s.ball_y + ((s.ball_dir >= 2) ? 1 : -1);
  bool hit_brick = false;
  if (x < 0 || x > 9) {
    x = std::clamp(x, 0, 9);
    s.ball_dir = kFlipX[static_cast<std::size_t>(s.ball_dir)];
  }
  if (y < 0) {
    y = 0;
    s.ball_dir = kFlipY[static_cast<std::size_t>(s.ball_dir)];
  } else if (brick_at(s, y, x)) {
    // A brick breaks only if the ball did not break one the step before; otherwise the ball
    // enters the brick's cell.
    hit_brick = true;
    if (!s.strike) {
      reward += 1;
      s.strike = 1;
      s.bricks[static_cast<std::size_t>(y)] = static_cast<std::int16_t>(s.bricks[static_cast<std::size_t>(y)] & ~(1 << x));
      y = s.last_y;
      s.ball_dir = kFlipY[static_cast<std::size_t>(s.ball_dir)];
    }
  } else if (y == 9) {
    if (!any_brick(s)) fill_bricks(s);
    if (s.ball_x == s.paddle) {  // straight onto the paddle: back up
      s.ball_dir = kFlipY[static_cast<std::size_t>(s.ball_dir)];
      y = s.last_y;
    } else if (x == s.paddle) {  // onto the paddle's corner: back the way it came
      s.ball_dir = kReverse[static_cast<std::size_t>(s.ball_dir)];
      y = s.last_y;
    } else {
      s.terminal = 1;
    }
  }
  if (!hit_brick) s.strike = 0;
  s.ball_x = static_cast<std::int16_t>(x);
  s.ball_y = static_cast<std::int16_t>(y);
  return reward;
}

void Game::observe(const State& s, std::uint8_t* obs) {
  clear_obs<kChannels>(obs);
  set_cell(obs, kChannels, 9, s.paddle, 0);
  set_cell(obs, kChannels, s.ball_y, s.ball_x, 1);
  set_cell(obs, kChannels, s.last_y, s.last_x, 2);
  for (int y = 1; y <= 3; ++y) {  // bricks exist only on rows 1-3; branch-free stores
    const int row = s.bricks[static_cast<std::size_t>(y)];
    for (int x = 0; x < kGrid; ++x) obs[(y * kGrid + x) * kChannels + 3] = static_cast<std::uint8_t>((row >> x) & 1);
  }
}

const char* Game::check(const State& s) {
  auto on_grid = [](int v) { return v >= 0 && v < kGrid; };
  if (!on_grid(s.ball_x) || !on_grid(s.ball_y) || !on_grid(s.last_x) || !on_grid(s.last_y))
    return "the ball or its trail is off the grid";
  if (!on_grid(s.paddle)) return "the paddle is off the grid";
  if (s.ball_dir < 0 || s.ball_dir > 3) return "the ball's direction is not in [0, 4)";
  for (std::size_t y = 0; y < s.bricks.size(); ++y)
    if (s.bricks[y] < 0 || s.bricks[y] > kFullRow || (s.bricks[y] != 0 && (y < 1 || y > 3)))
      return "bricks outside rows 1-3 or columns 0-9";
  if ((s.strike != 0 && s.strike != 1) || (s.terminal != 0 && s.terminal != 1))
    return "a flag is not 0 or 1";
  return nullptr;
}

namespace {
const bool registered = register_minatar<Game>();
}

}  // namespace rlforge::games::breakout
