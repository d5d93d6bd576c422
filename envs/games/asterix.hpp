// asterix.hpp: MinAtar Asterix. The player moves on rows 1-8; each of those rows holds at most
// one entity, an enemy or gold, entering from a side and crossing the grid. Gold gives +1 when
// touched, an enemy ends the episode. With ramping, entities spawn more often and move faster
// as time goes on. Channels: player, enemy, trail, gold. Minimal actions: n, l, u, r, d.
#pragma once
#include <array>
#include <cstdint>

#include "core/frame.hpp"
#include "core/rng.hpp"

namespace rlforge::games::asterix {

inline constexpr int kRampInterval = 100;
inline constexpr int kInitSpawnSpeed = 10;
inline constexpr int kInitMoveInterval = 5;

struct Game {
  static constexpr const char* kName = "Asterix";
  static constexpr int kChannels = 4;
  static constexpr std::array<int, 5> kMinimalActions{0, 1, 2, 3, 4};
  static constexpr std::array<Color, 4> kPalette{
      Color{80, 200, 255, 255}, Color{230, 60, 60, 255}, Color{90, 70, 90, 255},
      Color{250, 210, 50, 255}};

  // Slot i is row i + 1.
  struct Entity {
    std::int16_t alive, x, right, gold;  // right: moves towards x = 9
  };
  struct State {
    std::int16_t player_x, player_y;
    std::array<Entity, 8> slots;
    std::int16_t spawn_speed, spawn_timer;  // a new entity every spawn_speed steps
    std::int16_t move_speed, move_timer;    // entities move every move_speed steps
    std::int16_t ramp_timer, ramp_index;
    std::int16_t terminal;
  };

  static void reset(State& s, Rng& rng);
  static int step(State& s, int action, Rng& rng, bool ramping);
  static void observe(const State& s, std::uint8_t* obs);
  static const char* check(const State& s);
};

}  // namespace rlforge::games::asterix
