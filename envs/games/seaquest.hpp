// seaquest.hpp: MinAtar Seaquest. A submarine (rows 0-8) shoots enemy fish and subs (+1 each)
// that cross rows 1-8; enemy subs fire bullets; divers cross too and are picked up (at most 6).
// Oxygen (200) drains under water; surfacing refills it and costs a diver, surfacing with all 6
// scores by the oxygen left, surfacing with none (or running out of oxygen, or touching an
// enemy or its bullet) ends the episode. With ramping, each surfacing makes enemies spawn and
// move faster. Channels: sub front, sub back, friendly bullet, trail, enemy bullet, enemy fish,
// enemy sub, oxygen gauge, diver gauge, diver. Minimal actions: all six.
#pragma once
#include <array>
#include <cstdint>

#include "core/frame.hpp"
#include "core/rng.hpp"

namespace rlforge::games::seaquest {

inline constexpr int kRampInterval = 100;
inline constexpr int kMaxOxygen = 200;
inline constexpr int kInitSpawnSpeed = 20;
inline constexpr int kDiverSpawnSpeed = 30;
inline constexpr int kInitMoveInterval = 5;
inline constexpr int kShotCoolDown = 5;
inline constexpr int kEnemyShotInterval = 10;
inline constexpr int kDiverMoveInterval = 5;

// An ordered list of at most N objects (the order is the order they appeared, which decides
// which of two bullets in one cell hits first). Fields are int16, as every State's.
template <class T, int N>
struct List {
  std::array<T, N> items;
  std::int16_t size;
};

struct Game {
  static constexpr const char* kName = "Seaquest";
  static constexpr int kChannels = 10;
  static constexpr std::array<int, 6> kMinimalActions{0, 1, 2, 3, 4, 5};
  static constexpr std::array<Color, 10> kPalette{
      Color{250, 220, 60, 255},  Color{200, 170, 40, 255}, Color{255, 255, 255, 255},
      Color{60, 70, 110, 255},   Color{255, 90, 200, 255}, Color{240, 90, 60, 255},
      Color{170, 60, 200, 255},  Color{80, 200, 240, 255}, Color{120, 230, 120, 255},
      Color{60, 220, 120, 255}};

  struct Bullet {
    std::int16_t x, y, right;
  };
  struct Mover {  // a fish or a diver: moves one cell every `timer`'s period
    std::int16_t x, y, right, timer;
  };
  struct Sub {
    std::int16_t x, y, right, timer, shot_timer;
  };
  // Capacities above what the rules allow at once (shown in seaquest.cpp); exceeding one is a
  // logic error, reported, never a write past the end.
  struct State {
    List<Bullet, 8> f_bullets;
    List<Bullet, 64> e_bullets;
    List<Mover, 64> fish;
    List<Sub, 64> subs;
    List<Mover, 8> divers;
    std::int16_t sub_x, sub_y, sub_right;
    std::int16_t oxygen, diver_count;
    std::int16_t spawn_speed, spawn_timer, diver_timer, move_speed;
    std::int16_t ramp_index, shot_timer;
    std::int16_t surfaced;  // on the surface since the last refill
    std::int16_t terminal;
  };

  static void reset(State& s, Rng& rng);
  static int step(State& s, int action, Rng& rng, bool ramping);
  static void observe(const State& s, std::uint8_t* obs);
  static const char* check(const State& s);
};

}  // namespace rlforge::games::seaquest
