// asterix.cpp: Asterix's rules, observation and registration.
#include "envs/games/asterix.hpp"

#include <algorithm>
#include <cstring>

#include "envs/games/minatar_env.hpp"

namespace rlforge::games::asterix {
using State = Game::State;
using Entity = Game::Entity;
namespace {

// A new entity on a random free row, from the left or the right, gold with probability 1/3
// (the side and kind are drawn even when every row is taken and nothing spawns).
void spawn(State& s, Rng& rng) {
  const bool right = rng.uniform() < 0.5;
  const bool gold = rng.uniform() < 1.0 / 3.0;
  std::array<int, 8> free{};
  int n_free = 0;
  for (int i = 0; i < 8; ++i)
    if (!s.slots[static_cast<std::size_t>(i)].alive) free[static_cast<std::size_t>(n_free++)] = i;
  if (n_free == 0) return;
  const int slot = free[rng.below(static_cast<std::uint64_t>(n_free))];
  s.slots[static_cast<std::size_t>(slot)] = {1, static_cast<std::int16_t>(right ? 0 : 9),
                                            static_cast<std::int16_t>(right), static_cast<std::int16_t>(gold)};
}

// The player and entity e share a cell: gold is collected, an enemy ends the episode.
void touch(State& s, Entity& e, int& reward) {
  if (e.gold) {
    e.alive = 0;
    reward += 1;
  } else {
    s.terminal = 1;
  }
}

}  // namespace

void Game::reset(State& s, Rng&) {
  s = State{};
  s.player_x = 5;
  s.player_y = 5;
  s.spawn_speed = kInitSpawnSpeed;
  s.spawn_timer = kInitSpawnSpeed;
  s.move_speed = kInitMoveInterval;
  s.move_timer = kInitMoveInterval;
  s.ramp_timer = kRampInterval;
}

int Game::step(State& s, int action, Rng& rng, bool ramping) {
  if (s.terminal) return 0;
  int reward = 0;
  if (s.spawn_timer == 0) {
    spawn(s, rng);
    s.spawn_timer = s.spawn_speed;
  }
  s.player_x = static_cast<std::int16_t>(std::clamp(s.player_x + action_dx(action), 0, 9));
  s.player_y = static_cast<std::int16_t>(std::clamp(s.player_y + action_dy(action), 1, 8));
  // Contacts after the player's move (only the player's row can hold one), then (on a move
  // step) after the entities' move.
  if (Entity& e = s.slots[static_cast<std::size_t>(s.player_y - 1)]; e.alive && e.x == s.player_x)
    touch(s, e, reward);
  if (s.move_timer == 0) {
    s.move_timer = s.move_speed;
    for (int i = 0; i < 8; ++i) {
      Entity& e = s.slots[static_cast<std::size_t>(i)];
      if (!e.alive) continue;
      e.x = static_cast<std::int16_t>(e.x + (e.right ? 1 : -1));
      if (e.x < 0 || e.x > 9) {
        e = Entity{};
        continue;
      }
      if (e.x == s.player_x && i + 1 == s.player_y) touch(s, e, reward);
    }
  }
  --s.spawn_timer;
  --s.move_timer;
  // Ramping: after every kRampInterval + 2 steps spawns come one step sooner, and every second
  // time entities move one step sooner, down to every step.
  if (ramping && (s.spawn_speed > 1 || s.move_speed > 1)) {
    if (s.ramp_timer >= 0) {
      --s.ramp_timer;
    } else {
      if (s.move_speed > 1 && s.ramp_index % 2) --s.move_speed;
      if (s.spawn_speed > 1) --s.spawn_speed;
      ++s.ramp_index;
      s.ramp_timer = kRampInterval;
    }
  }
  return reward;
}

void Game::observe(const State& s, std::uint8_t* obs) {
  clear_obs<kChannels>(obs);
  set_cell(obs, kChannels, s.player_y, s.player_x, 0);
  // Branch-free: every slot stores 0 or 1 into its entity's and its trail's cell (a dead slot at
  // column 0). Row i + 1 holds slot i only, so no other object shares those (row, channel)
  // cells and a stored 0 erases nothing; branches on alive/gold/side mispredicted across lanes.
  for (int i = 0; i < 8; ++i) {
    const Entity& e = s.slots[static_cast<std::size_t>(i)];
    const int alive = e.alive != 0;
    const int x = alive ? e.x : 0;  // a dead slot's x is not checked on set_state
    std::uint8_t* row = obs + (i + 1) * kGrid * kChannels;
    row[x * kChannels + (e.gold ? 3 : 1)] = static_cast<std::uint8_t>(alive);
    const int back = e.right ? x - 1 : x + 1;
    const int on_grid = back >= 0 && back <= 9;
    row[std::clamp(back, 0, 9) * kChannels + 2] = static_cast<std::uint8_t>(alive & on_grid);
  }
}

const char* Game::check(const State& s) {
  if (s.player_x < 0 || s.player_x > 9 || s.player_y < 1 || s.player_y > 8)
    return "the player is off rows 1-8";
  for (const Entity& e : s.slots)
    if (e.alive && (e.x < 0 || e.x > 9)) return "an entity is off the grid";
  if (s.spawn_speed < 1 || s.move_speed < 1 || s.spawn_timer < 0 || s.move_timer < 0)
    return "a timer or speed is out of range";
  return nullptr;
}

namespace {
const bool registered = register_minatar<Game>();
}

}  // namespace rlforge::games::asterix
