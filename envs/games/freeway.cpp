// freeway.cpp: Freeway's rules, observation and registration.
#include "envs/games/freeway.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "envs/games/minatar_env.hpp"

namespace rlforge::games::freeway {
using State = Game::State;
using Car = Game::Car;
namespace {

// New speeds (1..5) for the eight cars, then their directions; positions are kept.
void randomize_cars(State& s, Rng& rng) {
  std::array<int, 8> speed{};
  for (int& v : speed) v = 1 + static_cast<int>(rng.below(5));
  for (int i = 0; i < 8; ++i) {
    Car& c = s.cars[static_cast<std::size_t>(i)];
    const int v = rng.uniform() < 0.5 ? -speed[static_cast<std::size_t>(i)] : speed[static_cast<std::size_t>(i)];
    c.velocity = static_cast<std::int16_t>(v);
    c.timer = static_cast<std::int16_t>(std::abs(v));
  }
}

bool hits(const State& s, int row, const Car& c) { return c.x == 4 && row + 1 == s.pos; }

}  // namespace

void Game::reset(State& s, Rng& rng) {
  s = State{};
  randomize_cars(s, rng);  // every car starts at column 0
  s.pos = 9;
  s.move_timer = kPlayerSpeed;
  s.time_left = kTimeLimit;
}

int Game::step(State& s, int action, Rng& rng, bool) {
  if (s.terminal) return 0;
  int reward = 0;
  if (s.move_timer == 0 && (action == kUp || action == kDown)) {
    s.move_timer = kPlayerSpeed;
    s.pos = static_cast<std::int16_t>(action == kUp ? std::max(0, s.pos - 1) : std::min(9, s.pos + 1));
  }
  if (s.pos == 0) {  // across: score, redraw the traffic, start again at the bottom
    reward += 1;
    randomize_cars(s, rng);
    s.pos = 9;
  }
  for (int i = 0; i < 8; ++i) {
    Car& c = s.cars[static_cast<std::size_t>(i)];
    if (hits(s, i, c)) s.pos = 9;
    if (c.timer == 0) {
      c.timer = static_cast<std::int16_t>(std::abs(c.velocity));
      c.x = static_cast<std::int16_t>((c.x + (c.velocity > 0 ? 1 : -1) + kGrid) % kGrid);
      if (hits(s, i, c)) s.pos = 9;
    } else {
      --c.timer;
    }
  }
  if (s.move_timer > 0) --s.move_timer;
  if (--s.time_left < 0) s.terminal = 1;
  return reward;
}

void Game::observe(const State& s, std::uint8_t* obs) {
  clear_obs<kChannels>(obs);
  set_cell(obs, kChannels, s.pos, 4, 0);
  for (int i = 0; i < 8; ++i) {
    const Car& c = s.cars[static_cast<std::size_t>(i)];
    set_cell(obs, kChannels, i + 1, c.x, 1);
    const int back = (c.x + (c.velocity > 0 ? -1 : 1) + kGrid) % kGrid;
    set_cell(obs, kChannels, i + 1, back, 1 + std::abs(c.velocity));
  }
}

const char* Game::check(const State& s) {
  if (s.pos < 0 || s.pos > 9) return "the chicken is off the grid";
  for (const Car& c : s.cars)
    if (c.x < 0 || c.x > 9 || c.velocity == 0 || std::abs(c.velocity) > 5 || c.timer < 0)
      return "a car is off the grid or its speed is not in 1..5";
  if (s.move_timer < 0) return "the move timer is negative";
  return nullptr;
}

namespace {
const bool registered = register_minatar<Game>();
}

}  // namespace rlforge::games::freeway
