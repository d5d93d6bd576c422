// car_track.hpp: CarRacing's random race track, as gymnasium's CarRacing._create_track builds it.
// Reference: gymnasium 1.4 gymnasium/envs/box2d/car_racing.py (_create_track).
//
// A pure function of the 24 random draws of one try (12 checkpoints x (noise, radius)), all in
// double and with the same libm calls as Python's math module, so the track is gymnasium's to
// the last bit. A try can fail (the loop does not close); the env then draws 24 more values.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "envs/box2d/box2d_world.hpp"

namespace rlforge::box2d::car {

inline constexpr double kPi = 3.141592653589793;
inline constexpr double kScale = 6.0;                    // track scale
inline constexpr double kTrackRad = 900 / kScale;        // a heavily morphed circle of this radius
inline constexpr double kPlayfield = 2000 / kScale;      // out of it: -100 and the episode ends
inline constexpr double kTrackDetailStep = 21 / kScale;  // tile length [m]
inline constexpr double kTrackTurnRate = 0.31;
inline constexpr double kTrackWidth = 40 / kScale;       // half the road's width [m]
inline constexpr double kBorder = 8 / kScale;            // kerb width [m]
inline constexpr int kBorderMinCount = 4;
inline constexpr int kCheckpoints = 12;
inline constexpr int kDrawsPerTry = 2 * kCheckpoints;

// The bounds of the draws: checkpoint c's noise is uniform(0, kNoiseHigh), its radius
// uniform(kRadLow, kRadHigh) (checkpoints 0 and 11 draw both and then overwrite them).
inline constexpr double kNoiseHigh = 2 * kPi * 1 / kCheckpoints;
inline constexpr double kRadLow = kTrackRad / 3, kRadHigh = kTrackRad;

struct TrackPoint {
  double alpha, beta, x, y;  // gymnasium's env.track entries: polar angle, heading, position
};
using Quad = std::array<Point, 4>;

struct Track {
  std::vector<TrackPoint> points;    // [n]
  std::vector<Quad> tiles;           // [n] road1_l, road1_r, road2_r, road2_l (tile i spans i-1..i)
  std::vector<std::uint8_t> border;  // [n] 1: tile i has a red/white kerb on its outer side
  std::vector<Quad> kerbs;           // [n] the kerb quad (meaningful where border[i])
};

// draws: noise0, rad0, noise1, rad1, ... in the order gymnasium draws them. nullopt when this
// try fails (gymnasium's `return False`), and also when the closed loop would be empty, where
// gymnasium would raise IndexError instead (never seen; a retry is the sane reading).
std::optional<Track> make_track(const std::array<double, kDrawsPerTry>& draws);

}  // namespace rlforge::box2d::car
