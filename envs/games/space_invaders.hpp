// space_invaders.hpp: MinAtar SpaceInvaders. A cannon on the bottom row shoots at a 4x6 block of
// aliens that sweeps sideways and steps down at the edges (+1 per alien hit); the alien nearest
// the cannon fires every 10 steps. An alien or enemy bullet reaching the cannon, or the aliens
// reaching the bottom, ends the episode; a cleared wave comes back (with ramping, moving
// faster). Channels: cannon, alien, alien moving left, alien moving right, friendly bullet,
// enemy bullet. Minimal actions: n, l, r, f.
#pragma once
#include <array>
#include <cstdint>

#include "core/frame.hpp"
#include "core/rng.hpp"

namespace rlforge::games::space_invaders {

inline constexpr int kShotCoolDown = 5;
inline constexpr int kEnemyMoveInterval = 12;
inline constexpr int kEnemyShotInterval = 10;

struct Game {
  static constexpr const char* kName = "SpaceInvaders";
  static constexpr int kChannels = 6;
  static constexpr std::array<int, 4> kMinimalActions{0, 1, 3, 5};
  static constexpr std::array<Color, 6> kPalette{
      Color{90, 220, 90, 255},  Color{200, 200, 200, 255}, Color{230, 120, 230, 255},
      Color{120, 200, 240, 255}, Color{255, 255, 120, 255}, Color{255, 80, 80, 255}};

  // Bit x of row y of a map: that cell is occupied.
  using Map = std::array<std::int16_t, 10>;
  struct State {
    Map aliens, f_bullets, e_bullets;
    std::int16_t pos;        // the cannon's column, on row 9
    std::int16_t alien_dir;  // -1 left, +1 right
    std::int16_t move_interval, move_timer, shot_timer, alien_shot_timer, ramp_index;
    std::int16_t terminal;
  };

  static void reset(State& s, Rng& rng);
  static int step(State& s, int action, Rng& rng, bool ramping);
  static void observe(const State& s, std::uint8_t* obs);
  static const char* check(const State& s);
};

}  // namespace rlforge::games::space_invaders
