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
// Skid marks (gymnasium's particles) are kept for the rgb_array picture only, never the
// observation, in a fixed ring of 30 (its deque(maxlen=30)), so a step allocates nothing. Not
// ported: fuel_spent (gymnasium resets it every step and never reads it).
#pragma once
#include <array>
#include <cstdint>

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
  // Skid-mark state: where the skid started (gymnasium's skid_start), and the particle it is
  // drawing (skid_particle), which may have left the ring: then points go nowhere, as in Python.
  bool has_skid_start = false;
  Point skid_start;
  bool has_particle = false;
  std::uint64_t particle_id = 0;
  int particle_len = 0;
  bool particle_grass = false;
};

// One skid mark: a polyline of up to 30 wheel positions, black on road, mud on grass.
struct Particle {
  static constexpr int kMaxPoints = 30;
  std::uint64_t id = 0;  // 0: an empty slot
  bool grass = false;
  int count = 0;
  std::array<Point, kMaxPoints> poly;
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
  // The skid marks, oldest first: ring slots [particle_first(), +30) mod 30 with id != 0.
  static constexpr int kMaxParticles = 30;
  const std::array<Particle, kMaxParticles>& particles() const { return particles_; }
  std::uint64_t particles_made() const { return next_id_ - 1; }
  const std::array<Wheel, 4>& wheels() const { return wheels_; }
  std::array<Wheel, 4>& wheels() { return wheels_; }

  static constexpr double kWheelRad = 1.0 * kWheelR * kSize;

 private:
  void skid(Wheel& w, double force, double friction_limit, bool grass);
  Particle* live(const Wheel& w);

  b2Body* hull_ = nullptr;
  std::array<Wheel, 4> wheels_;
  std::array<Particle, kMaxParticles> particles_{};
  std::uint64_t next_id_ = 1;  // particle k lives in slot (k - 1) % 30 until particle k + 30
};

}  // namespace rlforge::box2d::car
