// car_dynamics.hpp: CarRacing's car: a hull of four polygons, four wheels on revolute joints,
// rear-wheel drive, and a tyre friction model that depends on whether a wheel is on a road tile.
// Reference: gymnasium 1.4 gymnasium/envs/box2d/car_dynamics.py (Car), ported line by line: the
// glue maths in double as in Python, values crossing into Box2D as floats (pybox2d's rule).
//
// The steering lock behaves as Box2D 2.3's (gymnasium's pybox2d), not 2.4's. 2.4 made revolute
// limits speculative: active before the angle reaches them, so a wheel stops at -0.400. 2.3
// turns a limit on only when the angle at the start of a step is already past it: the wheel
// overshoots and stays where it landed (-0.4256 at full lock from rest, -0.42 on a slow sweep).
// Car::step switches each joint's limit on exactly when 2.3 would; with the limit on, 2.4's
// velocity and position terms are 2.3's. Without this, trajectories part by 0.8 m in 60 steps
// of full lock; with it, they agree to ~1e-4 m (tests/python/test_box2d_car.py).
//
// Not ported: the skid-mark particles (gymnasium draws them only in human/rgb_array pictures,
// never in the observation) and fuel_spent (reset to 0 every step, never read).
#pragma once
#include <array>

#include "envs/box2d/box2d_world.hpp"

namespace rlforge::box2d::car {

inline constexpr double kSize = 0.02;
inline constexpr double kEnginePower = 100000000 * kSize * kSize;
inline constexpr double kWheelMomentOfInertia = 4000 * kSize * kSize;
inline constexpr double kFrictionLimit = 1000000 * kSize * kSize;  // ~ mass ~ size^2
inline constexpr double kWheelR = 27, kWheelW = 14;                // [SIZE units]
inline constexpr double kSteerLimit = 0.4;  // the wheels' joint limits [rad]
inline constexpr std::array<Point, 4> kWheelPos = {{{-55, +80}, {+55, +80}, {-55, -82}, {+55, -82}}};

// Body tags (box2d_world.hpp set_tag): the listener tells tiles, wheels and the hull apart.
inline constexpr std::uint32_t kTagTile = 1, kTagWheel = 2, kTagHull = 3;

struct Wheel {
  b2Body* body = nullptr;
  b2RevoluteJoint* joint = nullptr;
  double gas = 0, brake = 0, steer = 0;
  double phase = 0;  // wheel rotation angle [rad], for the stripe in the picture
  double omega = 0;  // wheel angular velocity [rad/s]
  int tiles = 0;     // road tiles touching it (gymnasium's w.tiles set; every tile has friction 1)
};

class Car {
 public:
  // gymnasium's Car(world, init_angle, init_x, init_y): the hull at (x, y) turned by angle, the
  // wheels at unrotated offsets (as gymnasium places them; the joints pull them in).
  Car(b2World& world, double init_angle, double init_x, double init_y);

  void gas(double g);    // rear wheels; clipped to [0, 1], raised by at most 0.1 per call
  void brake(double b);  // all wheels; >= 0.9 locks them
  void steer(double s);  // front wheels' target joint angle
  void step(double dt);  // tyre forces and wheel spin, before world.Step

  b2Body* hull() const { return hull_; }
  const std::array<Wheel, 4>& wheels() const { return wheels_; }
  std::array<Wheel, 4>& wheels() { return wheels_; }

  static constexpr double kWheelRad = 1.0 * kWheelR * kSize;

 private:
  b2Body* hull_ = nullptr;
  std::array<Wheel, 4> wheels_;
};

}  // namespace rlforge::box2d::car
