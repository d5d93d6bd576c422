// classic_draw.hpp: drawing helpers shared by the classic-control pictures (draw(Frame&)).
//
// The pictures follow gymnasium 1.4's render() code (gymnasium/envs/classic_control/*.py): it
// draws with pygame.gfxdraw on a surface in pixels with y up, then flips the surface vertically.
// Here the world coordinates ARE those pre-flip surface pixels, so each env's geometry reads
// like gymnasium's (same numbers, same int() truncations), and the frame's transform does the
// flip. gfxdraw addresses whole pixels: coordinate (i, j) is pixel (i, j), whose centre is
// (i + 0.5, j + 0.5) on a continuous canvas; begin_pygame_canvas maps world to canvas so.
#pragma once
#include <array>
#include <cstddef>
#include <span>

#include "core/frame.hpp"

namespace rlforge::classic::draw {

inline constexpr Color kWhite{255, 255, 255, 255};
inline constexpr Color kBlack{0, 0, 0, 255};

// Starts a w x h picture on white with gymnasium's coordinates: world (x, y) is the centre of
// pre-flip surface pixel (x, y), y up.
void begin_pygame_canvas(Frame& f, int w, int h);

// A point in double precision: gymnasium truncates some coordinates with int(), and a float
// would move a value like 249.99999999999997 across the integer.
struct Point {
  double x = 0, y = 0;
};
inline Vec2 to_vec2(Point p) { return {static_cast<float>(p.x), static_cast<float>(p.y)}; }

// pygame.math.Vector2(p).rotate_rad(angle): counter-clockwise in a y-up world. Like pygame, an
// angle within 1e-6 of a multiple of 90 degrees turns exactly (cos pi/2 is 6e-17, not 0: that
// would put th = pi's rod end at pixel 249 instead of gymnasium's 250).
Point rotate(Point p, double angle);

// The rectangle [l, r] x [b, t] as gymnasium lists it ((l,b), (l,t), (r,t), (r,b)), rotated
// by `angle` about the origin, then moved by `at`.
std::array<Vec2, 4> rotated_box(double l, double r, double b, double t, double angle, Point at);

// gfxdraw.aapolygon + gfxdraw.filled_polygon: the vertices truncated to whole pixels, as
// gfxdraw does; the filled shape plus its 1-pixel outline (which makes the shape half a pixel
// larger on every side, as gfxdraw's fill, which includes its end pixels, is). Up to
// kMaxPolygon points (throws InvalidArgument beyond).
inline constexpr std::size_t kMaxPolygon = 8;
void solid_polygon(Frame& f, std::span<const Vec2> pts, Color c);
// gfxdraw.aacircle + gfxdraw.filled_circle at integer pixel centre and radius (gymnasium
// passes int()s): a disc spanning 2r + 1 pixels, i.e. radius r + 0.5 on the canvas.
void solid_circle(Frame& f, int cx, int cy, int r, Color c);
// gfxdraw.hline / vline: the pixels x0..x1 of row y (or y0..y1 of column x), ends included.
void pixel_hline(Frame& f, int x0, int x1, int y, Color c);
void pixel_vline(Frame& f, int x, int y0, int y1, Color c);

// MountainCar-v0 and MountainCarContinuous-v0 share one picture (600x400): the hill
// sin(3x) * 0.45 + 0.55, the car at `position` tilted by cos(3 * position), and the flag at
// `goal_position` (0.5 and 0.45 in gymnasium).
void mountain_car_scene(Frame& f, double position, double goal_position);

}  // namespace rlforge::classic::draw
