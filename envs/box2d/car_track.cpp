// car_track.cpp: gymnasium's _create_track, line by line (see car_track.hpp).
#include "envs/box2d/car_track.hpp"

#include <cmath>
#include <cstddef>

namespace rlforge::box2d::car {

namespace {
struct Checkpoint {
  double alpha, x, y;
};
double sign(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }  // numpy's sign
}  // namespace

std::optional<Track> make_track(const std::array<double, kDrawsPerTry>& draws) {
  Checkpoint checkpoints[kCheckpoints];
  const double start_alpha = 2 * kPi * (-0.5) / kCheckpoints;
  for (int c = 0; c < kCheckpoints; ++c) {
    const double noise = draws[static_cast<std::size_t>(2 * c)];
    double alpha = 2 * kPi * c / kCheckpoints + noise;
    double rad = draws[static_cast<std::size_t>(2 * c + 1)];
    if (c == 0) {
      alpha = 0;
      rad = 1.5 * kTrackRad;
    }
    if (c == kCheckpoints - 1) {
      alpha = 2 * kPi * c / kCheckpoints;
      rad = 1.5 * kTrackRad;
    }
    checkpoints[c] = {alpha, rad * std::cos(alpha), rad * std::sin(alpha)};
  }

  // Drive from checkpoint to checkpoint, turning at most kTrackTurnRate per step, for up to
  // five laps (or 2500 steps).
  double x = 1.5 * kTrackRad, y = 0, beta = 0;
  int dest_i = 0, laps = 0, no_freeze = 2500;
  bool visited_other_side = false;
  std::vector<TrackPoint> track;
  track.reserve(2500);
  for (;;) {
    double alpha = std::atan2(y, x);
    if (visited_other_side && alpha > 0) {
      ++laps;
      visited_other_side = false;
    }
    if (alpha < 0) {
      visited_other_side = true;
      alpha += 2 * kPi;
    }
    double dest_x = 0, dest_y = 0;
    for (;;) {  // find the destination among the checkpoints
      bool failed = true;
      for (;;) {
        const Checkpoint& cp = checkpoints[dest_i % kCheckpoints];
        dest_x = cp.x;
        dest_y = cp.y;
        if (alpha <= cp.alpha) {
          failed = false;
          break;
        }
        ++dest_i;
        if (dest_i % kCheckpoints == 0) break;
      }
      if (!failed) break;
      alpha -= 2 * kPi;
    }
    const double r1x = std::cos(beta), r1y = std::sin(beta);
    const double p1x = -r1y, p1y = r1x;
    const double dest_dx = dest_x - x, dest_dy = dest_y - y;
    double proj = r1x * dest_dx + r1y * dest_dy;  // destination vector projected on rad
    while (beta - alpha > 1.5 * kPi) beta -= 2 * kPi;
    while (beta - alpha < -1.5 * kPi) beta += 2 * kPi;
    const double prev_beta = beta;
    proj *= kScale;
    if (proj > 0.3) beta -= std::min(kTrackTurnRate, std::abs(0.001 * proj));
    if (proj < -0.3) beta += std::min(kTrackTurnRate, std::abs(0.001 * proj));
    x += p1x * kTrackDetailStep;
    y += p1y * kTrackDetailStep;
    track.push_back({alpha, prev_beta * 0.5 + beta * 0.5, x, y});
    if (laps > 4) break;
    if (--no_freeze == 0) break;
  }

  // The closed loop i1..i2: the last two passes through the start angle, going backwards.
  int i1 = -1, i2 = -1;
  for (int i = static_cast<int>(track.size());;) {
    --i;
    if (i == 0) return std::nullopt;
    const bool pass_through_start =
        track[static_cast<std::size_t>(i)].alpha > start_alpha &&
        track[static_cast<std::size_t>(i - 1)].alpha <= start_alpha;
    if (pass_through_start && i2 == -1) {
      i2 = i;
    } else if (pass_through_start && i1 == -1) {
      i1 = i;
      break;
    }
  }
  if (i2 - 1 <= i1) return std::nullopt;  // track[i1 : i2 - 1] would be empty
  Track t;
  t.points.assign(track.begin() + i1, track.begin() + (i2 - 1));
  const auto& pts = t.points;
  const int n = static_cast<int>(pts.size());
  // Python's negative indices wrap round the loop.
  auto at = [&](int i) -> const TrackPoint& {
    return pts[static_cast<std::size_t>(i < 0 ? i + n : i)];
  };

  const double first_perp_x = std::cos(pts[0].beta), first_perp_y = std::sin(pts[0].beta);
  const double gx = first_perp_x * (pts[0].x - pts.back().x);
  const double gy = first_perp_y * (pts[0].y - pts.back().y);
  const double well_glued_together = std::sqrt(gx * gx + gy * gy);  // the head-tail jump
  if (well_glued_together > kTrackDetailStep) return std::nullopt;
  if (n < kBorderMinCount + 1) return std::nullopt;  // (the wrap below needs n >= 5)

  // Red-white kerbs on hard turns: kBorderMinCount successive turns of one sign, then widened
  // backwards by kBorderMinCount - 1 tiles, in place and in gymnasium's order.
  t.border.assign(static_cast<std::size_t>(n), 0);
  auto border = [&](int i) -> std::uint8_t& {
    return t.border[static_cast<std::size_t>(i < 0 ? i + n : i)];
  };
  for (int i = 0; i < n; ++i) {
    bool good = true;
    double oneside = 0;
    for (int neg = 0; neg < kBorderMinCount; ++neg) {
      const double beta1 = at(i - neg - 0).beta, beta2 = at(i - neg - 1).beta;
      good &= std::abs(beta1 - beta2) > kTrackTurnRate * 0.2;
      oneside += sign(beta1 - beta2);
    }
    good &= std::abs(oneside) == kBorderMinCount;
    border(i) = good;
  }
  for (int i = 0; i < n; ++i)
    for (int neg = 0; neg < kBorderMinCount; ++neg) border(i - neg) |= border(i);

  t.tiles.resize(static_cast<std::size_t>(n));
  t.kerbs.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const TrackPoint& a = at(i);
    const TrackPoint& b = at(i - 1);
    const double c1 = std::cos(a.beta), s1 = std::sin(a.beta);
    const double c2 = std::cos(b.beta), s2 = std::sin(b.beta);
    const Point road1_l{a.x - kTrackWidth * c1, a.y - kTrackWidth * s1};
    const Point road1_r{a.x + kTrackWidth * c1, a.y + kTrackWidth * s1};
    const Point road2_l{b.x - kTrackWidth * c2, b.y - kTrackWidth * s2};
    const Point road2_r{b.x + kTrackWidth * c2, b.y + kTrackWidth * s2};
    t.tiles[static_cast<std::size_t>(i)] = {road1_l, road1_r, road2_r, road2_l};
    if (t.border[static_cast<std::size_t>(i)]) {
      const double side = sign(b.beta - a.beta);
      const Point b1_l{a.x + side * kTrackWidth * c1, a.y + side * kTrackWidth * s1};
      const Point b1_r{a.x + side * (kTrackWidth + kBorder) * c1,
                       a.y + side * (kTrackWidth + kBorder) * s1};
      const Point b2_l{b.x + side * kTrackWidth * c2, b.y + side * kTrackWidth * s2};
      const Point b2_r{b.x + side * (kTrackWidth + kBorder) * c2,
                       b.y + side * (kTrackWidth + kBorder) * s2};
      t.kerbs[static_cast<std::size_t>(i)] = {b1_l, b1_r, b2_r, b2_l};
    }
  }
  return t;
}

}  // namespace rlforge::box2d::car
