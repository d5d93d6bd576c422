// seaquest.cpp: Seaquest's rules, observation and registration.
//
// Capacities: friendly bullets fire at most every 5 steps and live at most 10 (<= 2 at once);
// a diver spawns every 30 steps and lives at most 66 (<= 3); an enemy lives at most
// 11 * (move_speed + 1) steps and spawns every spawn_speed steps, which with ramping shrink
// together (<= 40 at once); each enemy sub has at most one bullet in flight.
#include "envs/games/seaquest.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "envs/games/minatar_env.hpp"

namespace rlforge::games::seaquest {
using State = Game::State;
using Bullet = Game::Bullet;
using Mover = Game::Mover;
using Sub = Game::Sub;
namespace {

template <class T, int N>
void push(List<T, N>& l, const T& v, const char* what) {
  if (l.size >= N)
    throw std::logic_error(std::string("Seaquest: more than ") + std::to_string(N) + " " + what +
                           " at once, which the rules do not allow");
  l.items[static_cast<std::size_t>(l.size++)] = v;
}
template <class T, int N>
void erase(List<T, N>& l, int i) {
  for (int j = i; j + 1 < l.size; ++j) l.items[static_cast<std::size_t>(j)] = l.items[static_cast<std::size_t>(j + 1)];
  --l.size;
}
template <class T, int N>
T& at(List<T, N>& l, int i) { return l.items[static_cast<std::size_t>(i)]; }

template <class T>
void advance(T& o) { o.x = static_cast<std::int16_t>(o.x + (o.right ? 1 : -1)); }
template <class T>
bool off_grid(const T& o) { return o.x < 0 || o.x > 9; }
template <class T>
bool at_sub(const State& s, const T& o) { return o.x == s.sub_x && o.y == s.sub_y; }

// Index of the first friendly bullet in o's cell, or -1.
template <class T>
int bullet_in_cell(const State& s, const T& o) {
  for (int j = 0; j < s.f_bullets.size; ++j) {
    const Bullet& b = s.f_bullets.items[static_cast<std::size_t>(j)];
    if (b.x == o.x && b.y == o.y) return j;
  }
  return -1;
}

// An enemy from a random side on a random row 1-8, a sub with probability 1/3; nothing spawns
// on a row where an enemy already moves the other way.
void spawn_enemy(State& s, Rng& rng) {
  const bool right = rng.uniform() < 0.5;
  const bool is_sub = rng.uniform() < 1.0 / 3.0;
  const auto x = static_cast<std::int16_t>(right ? 0 : 9);
  const auto y = static_cast<std::int16_t>(1 + rng.below(8));
  for (int i = 0; i < s.subs.size; ++i)
    if (at(s.subs, i).y == y && at(s.subs, i).right != right) return;
  for (int i = 0; i < s.fish.size; ++i)
    if (at(s.fish, i).y == y && at(s.fish, i).right != right) return;
  if (is_sub)
    push(s.subs, Sub{x, y, static_cast<std::int16_t>(right), s.move_speed, kEnemyShotInterval}, "enemy subs");
  else
    push(s.fish, Mover{x, y, static_cast<std::int16_t>(right), s.move_speed}, "enemy fish");
}

void spawn_diver(State& s, Rng& rng) {
  const bool right = rng.uniform() < 0.5;
  const auto x = static_cast<std::int16_t>(right ? 0 : 9);
  const auto y = static_cast<std::int16_t>(1 + rng.below(8));
  push(s.divers, Mover{x, y, static_cast<std::int16_t>(right), kDiverMoveInterval}, "divers");
}

// Surfacing with divers: oxygen refilled, one diver used up; all six score by the oxygen left.
// As the reference behaves, the count after a six-diver surfacing is -1 (reset to 0, then
// decremented), so the following surfacings are safe until a diver is picked up.
int surface(State& s, bool ramping) {
  s.surfaced = 1;
  int reward = 0;
  if (s.diver_count == 6) {
    s.diver_count = 0;
    reward = s.oxygen * 10 / kMaxOxygen;
  }
  s.oxygen = kMaxOxygen;
  --s.diver_count;
  if (ramping && (s.spawn_speed > 1 || s.move_speed > 2)) {
    if (s.move_speed > 2 && s.ramp_index % 2) --s.move_speed;
    if (s.spawn_speed > 1) --s.spawn_speed;
    ++s.ramp_index;
  }
  return reward;
}

// A fish or sub's move step: touching the sub ends the episode; shot: removed, +1.
// Returns whether the enemy is gone.
template <class T>
bool move_enemy(State& s, T& e, int& reward) {
  if (at_sub(s, e)) s.terminal = 1;
  if (e.timer != 0) {
    --e.timer;
    return false;
  }
  e.timer = s.move_speed;
  advance(e);
  if (off_grid(e)) return true;
  if (at_sub(s, e)) {
    s.terminal = 1;
    return false;
  }
  const int b = bullet_in_cell(s, e);
  if (b < 0) return false;
  erase(s.f_bullets, b);
  reward += 1;
  return true;
}

}  // namespace

void Game::reset(State& s, Rng&) {
  s = State{};
  s.oxygen = kMaxOxygen;
  s.sub_x = 5;
  s.spawn_speed = kInitSpawnSpeed;
  s.spawn_timer = kInitSpawnSpeed;
  s.diver_timer = kDiverSpawnSpeed;
  s.move_speed = kInitMoveInterval;
  s.surfaced = 1;
}

int Game::step(State& s, int action, Rng& rng, bool ramping) {
  if (s.terminal) return 0;
  int reward = 0;
  if (s.spawn_timer == 0) {
    spawn_enemy(s, rng);
    s.spawn_timer = s.spawn_speed;
  }
  if (s.diver_timer == 0) {
    spawn_diver(s, rng);
    s.diver_timer = kDiverSpawnSpeed;
  }
  if (action == kFire && s.shot_timer == 0) {
    push(s.f_bullets, Bullet{s.sub_x, s.sub_y, s.sub_right}, "friendly bullets");
    s.shot_timer = kShotCoolDown;
  }
  const int dx = action_dx(action);  // fire and no-op leave the sub where it is
  s.sub_x = static_cast<std::int16_t>(std::clamp(s.sub_x + dx, 0, 9));
  s.sub_y = static_cast<std::int16_t>(std::clamp(s.sub_y + action_dy(action), 0, 8));
  s.sub_right = static_cast<std::int16_t>(dx > 0 ? 1 : dx < 0 ? 0 : s.sub_right);

  // Each list is walked from its newest object to its oldest.
  for (int i = s.f_bullets.size - 1; i >= 0; --i) {
    Bullet& b = at(s.f_bullets, i);
    advance(b);
    if (off_grid(b)) {
      erase(s.f_bullets, i);
      continue;
    }
    bool hit = false;
    for (int j = 0; j < s.fish.size && !hit; ++j)
      if (at(s.fish, j).x == b.x && at(s.fish, j).y == b.y) {
        erase(s.fish, j);
        hit = true;
      }
    for (int j = 0; j < s.subs.size && !hit; ++j)
      if (at(s.subs, j).x == b.x && at(s.subs, j).y == b.y) {
        erase(s.subs, j);
        hit = true;
      }
    if (hit) {
      erase(s.f_bullets, i);
      reward += 1;
    }
  }

  for (int i = s.divers.size - 1; i >= 0; --i) {
    Mover& d = at(s.divers, i);
    if (at_sub(s, d) && s.diver_count < 6) {
      erase(s.divers, i);
      ++s.diver_count;
    } else if (d.timer == 0) {
      d.timer = kDiverMoveInterval;
      advance(d);
      if (off_grid(d)) {
        erase(s.divers, i);
      } else if (at_sub(s, d) && s.diver_count < 6) {
        erase(s.divers, i);
        ++s.diver_count;
      }
    } else {
      --d.timer;
    }
  }

  for (int i = s.subs.size - 1; i >= 0; --i) {
    Sub u = at(s.subs, i);
    const bool gone = move_enemy(s, u, reward);
    // A sub fires on schedule even in the step it leaves the grid or is shot (its bullet then
    // starts where it was), as the reference does.
    if (u.shot_timer == 0) {
      u.shot_timer = kEnemyShotInterval;
      push(s.e_bullets, Bullet{u.x, u.y, u.right}, "enemy bullets");
    } else {
      --u.shot_timer;
    }
    if (gone)
      erase(s.subs, i);
    else
      at(s.subs, i) = u;
  }

  for (int i = s.e_bullets.size - 1; i >= 0; --i) {
    Bullet& b = at(s.e_bullets, i);
    if (at_sub(s, b)) s.terminal = 1;
    advance(b);
    if (off_grid(b))
      erase(s.e_bullets, i);
    else if (at_sub(s, b))
      s.terminal = 1;
  }

  for (int i = s.fish.size - 1; i >= 0; --i) {
    if (move_enemy(s, at(s.fish, i), reward)) erase(s.fish, i);
  }

  if (s.spawn_timer > 0) --s.spawn_timer;
  if (s.diver_timer > 0) --s.diver_timer;
  if (s.shot_timer > 0) --s.shot_timer;
  if (s.oxygen <= 0) s.terminal = 1;
  if (s.sub_y > 0) {
    --s.oxygen;
    s.surfaced = 0;
  } else if (!s.surfaced) {
    if (s.diver_count == 0)
      s.terminal = 1;
    else
      reward += surface(s, ramping);
  }
  return reward;
}

void Game::observe(const State& s, std::uint8_t* obs) {
  clear_obs<kChannels>(obs);
  set_cell(obs, kChannels, s.sub_y, s.sub_x, 0);
  const int back = s.sub_right ? s.sub_x - 1 : s.sub_x + 1;
  if (back >= 0 && back <= 9) set_cell(obs, kChannels, s.sub_y, back, 1);
  const int oxygen_cells = std::max(0, static_cast<int>(s.oxygen)) * 10 / kMaxOxygen;
  for (int x = 0; x < oxygen_cells; ++x) set_cell(obs, kChannels, 9, x, 7);
  for (int x = 9 - s.diver_count; x < 9; ++x) set_cell(obs, kChannels, 9, x, 8);
  for (int i = 0; i < s.f_bullets.size; ++i)
    set_cell(obs, kChannels, s.f_bullets.items[static_cast<std::size_t>(i)].y, s.f_bullets.items[static_cast<std::size_t>(i)].x, 2);
  for (int i = 0; i < s.e_bullets.size; ++i)
    set_cell(obs, kChannels, s.e_bullets.items[static_cast<std::size_t>(i)].y, s.e_bullets.items[static_cast<std::size_t>(i)].x, 4);
  auto with_trail = [&](const auto& o, int channel) {
    set_cell(obs, kChannels, o.y, o.x, channel);
    const int bx = o.right ? o.x - 1 : o.x + 1;
    if (bx >= 0 && bx <= 9) set_cell(obs, kChannels, o.y, bx, 3);
  };
  for (int i = 0; i < s.fish.size; ++i) with_trail(s.fish.items[static_cast<std::size_t>(i)], 5);
  for (int i = 0; i < s.subs.size; ++i) with_trail(s.subs.items[static_cast<std::size_t>(i)], 6);
  for (int i = 0; i < s.divers.size; ++i) with_trail(s.divers.items[static_cast<std::size_t>(i)], 9);
}

namespace {
template <class T, int N>
bool list_ok(const List<T, N>& l) {
  if (l.size < 0 || l.size > N) return false;
  for (int i = 0; i < l.size; ++i) {
    const T& o = l.items[static_cast<std::size_t>(i)];
    if (o.x < 0 || o.x > 9 || o.y < 0 || o.y > 9) return false;
  }
  return true;
}
}  // namespace

const char* Game::check(const State& s) {
  if (!list_ok(s.f_bullets) || !list_ok(s.e_bullets) || !list_ok(s.fish) || !list_ok(s.subs) ||
      !list_ok(s.divers))
    return "an object list is over its capacity or an object is off the grid";
  if (s.sub_x < 0 || s.sub_x > 9 || s.sub_y < 0 || s.sub_y > 8) return "the sub is off rows 0-8";
  if (s.diver_count > 6 || s.diver_count < -30000) return "the diver count is not in [-30000, 6]";
  if (s.spawn_speed < 1 || s.move_speed < 1 || s.spawn_timer < 0 || s.diver_timer < 0 ||
      s.shot_timer < 0)
    return "a timer or speed is out of range";
  return nullptr;
}

namespace {
const bool registered = register_minatar<Game>();
}

}  // namespace rlforge::games::seaquest
