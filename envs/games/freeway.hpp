// freeway.hpp: MinAtar Freeway. A chicken in column 4 crosses eight lanes of cars (rows 1-8),
// moving at most once every 3 steps; reaching the top row gives +1, sends it back to the bottom
// and redraws every car's speed and direction. A car hitting it sends it to the bottom. The
// episode ends after 2500 steps. Channels: chicken, car, then the trail of a car of speed 1..5
// (one channel each). Minimal actions: n, u, d.
#pragma once
#include <array>
#include <cstdint>

#include "core/frame.hpp"
#include "core/rng.hpp"

namespace rlforge::games::freeway {

inline constexpr int kPlayerSpeed = 3;
inline constexpr int kTimeLimit = 2500;

struct Game {
  static constexpr const char* kName = "Freeway";
  static constexpr int kChannels = 7;
  static constexpr std::array<int, 3> kMinimalActions{0, 2, 4};
  static constexpr std::array<Color, 7> kPalette{
      Color{250, 230, 60, 255},  Color{230, 230, 230, 255}, Color{70, 90, 160, 255},
      Color{70, 130, 170, 255},  Color{70, 160, 140, 255},  Color{120, 170, 80, 255},
      Color{180, 160, 70, 255}};

  // Car i is on row i + 1; it moves one cell (wrapping around) every |velocity| + 1 steps,
  // to the right when velocity > 0.
  struct Car {
    std::int16_t x, timer, velocity;
  };
  struct State {
    std::array<Car, 8> cars;
    std::int16_t pos;  // the chicken's row
    std::int16_t move_timer, time_left;
    std::int16_t terminal;
  };

  static void reset(State& s, Rng& rng);
  static int step(State& s, int action, Rng& rng, bool ramping);
  static void observe(const State& s, std::uint8_t* obs);
  static const char* check(const State& s);
};

}  // namespace rlforge::games::freeway
