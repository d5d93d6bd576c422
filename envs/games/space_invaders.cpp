// space_invaders.cpp: SpaceInvaders' rules, observation and registration.
#include "envs/games/space_invaders.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "envs/games/minatar_env.hpp"

namespace rlforge::games::space_invaders {
using State = Game::State;
using Map = Game::Map;
namespace {
constexpr std::int16_t kWaveRow = 0b0011111100;  // columns 2-7
constexpr int kFullRow = (1 << kGrid) - 1;

bool occupied(const Map& m, int y, int x) { return (m[static_cast<std::size_t>(y)] >> x) & 1; }
int count(const Map& m) {
  int n = 0;
  for (std::int16_t row : m) n += std::popcount(static_cast<unsigned>(static_cast<std::uint16_t>(row)));
  return n;
}
bool column_occupied(const Map& m, int x) {
  return std::any_of(m.begin(), m.end(), [x](std::int16_t row) { return (row >> x) & 1; });
}
void new_wave(Map& aliens) {
  aliens.fill(0);
  for (int y = 0; y < 4; ++y) aliens[static_cast<std::size_t>(y)] = kWaveRow;
}
// Every row one down; the bottom row comes back at the top (only ever when the episode ends).
void roll_down(Map& m) {
  const std::int16_t last = m[9];
  for (int y = 9; y > 0; --y) m[static_cast<std::size_t>(y)] = m[static_cast<std::size_t>(y - 1)];
  m[0] = last;
}

// The lowest alien of the occupied column nearest the cannon (the left one of two at equal
// distance) fires.
void alien_fire(State& s) {
  for (int d = 0; d < kGrid; ++d)
    for (const int x : {s.pos - d, s.pos + d}) {
      if (x < 0 || x > 9 || !column_occupied(s.aliens, x)) continue;
      int y = 9;
      while (!occupied(s.aliens, y, x)) --y;
      s.e_bullets[static_cast<std::size_t>(y)] = static_cast<std::int16_t>(s.e_bullets[static_cast<std::size_t>(y)] | (1 << x));
      return;
    }
}
}  // namespace

void Game::reset(State& s, Rng&) {
  s = State{};
  s.pos = 5;
  new_wave(s.aliens);
  s.alien_dir = -1;
  s.move_interval = kEnemyMoveInterval;
  s.move_timer = kEnemyMoveInterval;
  s.alien_shot_timer = kEnemyShotInterval;
}

int Game::step(State& s, int action, Rng&, bool ramping) {
  if (s.terminal) return 0;
  int reward = 0;
  if (action == kFire && s.shot_timer == 0) {
    s.f_bullets[9] = static_cast<std::int16_t>(s.f_bullets[9] | (1 << s.pos));
    s.shot_timer = kShotCoolDown;
  } else if (action == kLeft) {
    s.pos = static_cast<std::int16_t>(std::max(0, s.pos - 1));
  } else if (action == kRight) {
    s.pos = static_cast<std::int16_t>(std::min(9, s.pos + 1));
  }
  // Bullets move one row: the cannon's up (leaving at the top), the aliens' down.
  for (int y = 0; y < 9; ++y) s.f_bullets[static_cast<std::size_t>(y)] = s.f_bullets[static_cast<std::size_t>(y + 1)];
  s.f_bullets[9] = 0;
  for (int y = 9; y > 0; --y) s.e_bullets[static_cast<std::size_t>(y)] = s.e_bullets[static_cast<std::size_t>(y - 1)];
  s.e_bullets[0] = 0;
  if (occupied(s.e_bullets, 9, s.pos) || occupied(s.aliens, 9, s.pos)) s.terminal = 1;

  if (s.move_timer == 0) {
    s.move_timer = static_cast<std::int16_t>(std::min<int>(count(s.aliens), s.move_interval));
    const bool at_edge = s.alien_dir < 0 ? column_occupied(s.aliens, 0) : column_occupied(s.aliens, 9);
    if (at_edge) {  // turn and step down; stepping down from the bottom row ends the episode
      s.alien_dir = static_cast<std::int16_t>(-s.alien_dir);
      if (s.aliens[9] != 0) s.terminal = 1;
      roll_down(s.aliens);
    } else {
      for (std::int16_t& row : s.aliens)
        row = static_cast<std::int16_t>(s.alien_dir < 0 ? row >> 1 : (row << 1) & kFullRow);
    }
    if (occupied(s.aliens, 9, s.pos)) s.terminal = 1;
  }
  if (s.alien_shot_timer == 0) {
    s.alien_shot_timer = kEnemyShotInterval;
    alien_fire(s);
  }
  for (int y = 0; y < kGrid; ++y) {
    const auto k = static_cast<std::size_t>(y);
    const int hit = s.aliens[k] & s.f_bullets[k];
    reward += std::popcount(static_cast<unsigned>(hit));
    s.aliens[k] = static_cast<std::int16_t>(s.aliens[k] & ~hit);
    s.f_bullets[k] = static_cast<std::int16_t>(s.f_bullets[k] & ~hit);
  }
  if (s.shot_timer > 0) --s.shot_timer;
  --s.move_timer;
  --s.alien_shot_timer;
  if (count(s.aliens) == 0) {
    if (s.move_interval > 6 && ramping) {
      --s.move_interval;
      ++s.ramp_index;
    }
    new_wave(s.aliens);
  }
  return reward;
}

void Game::observe(const State& s, std::uint8_t* obs) {
  clear_obs<kChannels>(obs);
  set_cell(obs, kChannels, 9, s.pos, 0);
  const int direction_channel = s.alien_dir < 0 ? 2 : 3;
  for (int y = 0; y < kGrid; ++y)
    for (int x = 0; x < kGrid; ++x) {
      if (occupied(s.aliens, y, x)) {
        set_cell(obs, kChannels, y, x, 1);
        set_cell(obs, kChannels, y, x, direction_channel);
      }
      if (occupied(s.f_bullets, y, x)) set_cell(obs, kChannels, y, x, 4);
      if (occupied(s.e_bullets, y, x)) set_cell(obs, kChannels, y, x, 5);
    }
}

const char* Game::check(const State& s) {
  for (const Map* m : {&s.aliens, &s.f_bullets, &s.e_bullets})
    for (std::int16_t row : *m)
      if (row < 0 || row > kFullRow) return "a map has cells outside columns 0-9";
  if (count(s.aliens) == 0) return "no aliens (a wave is refilled within the step it is cleared)";
  if (s.pos < 0 || s.pos > 9) return "the cannon is off the grid";
  if (s.alien_dir != -1 && s.alien_dir != 1) return "the aliens' direction is not -1 or 1";
  if (s.move_interval < 1 || s.move_timer < 0 || s.shot_timer < 0 || s.alien_shot_timer < 0)
    return "a timer is out of range";
  return nullptr;
}

namespace {
const bool registered = register_minatar<Game>();
}

}  // namespace rlforge::games::space_invaders
