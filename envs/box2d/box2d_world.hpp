// box2d_world.hpp: what every Box2D env shares: the world factory, the step gymnasium uses,
// fixture and joint helpers with pybox2d's defaults, and body tags.
//
// gymnasium drives Box2D 2.3.10 through pybox2d; we link Debian's 2.4.1. The glue maths is
// in double, as in Python, and each value crosses into Box2D as a float (pybox2d rounds every
// argument to float32 too); values read back are promoted to double, as pybox2d returns them.
#pragma once
#include <box2d/box2d.h>

#include <cstdint>
#include <memory>
#include <span>

namespace rlforge::box2d {

// gymnasium's world.Step(1.0 / FPS, 6 * 30, 2 * 30) at FPS 50.
inline constexpr float kDt = 1.0f / 50.0f;
inline constexpr int kVelocityIterations = 6 * 30;
inline constexpr int kPositionIterations = 2 * 30;

// libbox2d registers its contact types lazily on the first contact of the process, without a
// lock; two worlds making their first contacts on two threads would race. Every Box2D env's
// constructor calls this, which makes one contact once (a function-local static).
void init_once();

// A fresh world (a b2World is >100 KB, its stack allocator inline, so it lives on the heap).
// Sleeping stays on, as in pybox2d.
std::unique_ptr<b2World> make_world(double gravity_x, double gravity_y);

void step(b2World& world);

// The physics floor (`rlforge bench --physics-floor`): while on, step() also sums the time
// spent inside b2World::Step over all threads. Off by default (one relaxed load per step).
void set_step_timing(bool on);
struct StepTiming {
  double seconds = 0;     // inside b2World::Step, summed over threads
  std::int64_t steps = 0;  // b2World::Step calls
};
StepTiming step_timing();  // since the last set_step_timing(true)

struct Point {
  double x = 0, y = 0;
};
inline b2Vec2 to_b2(Point p) { return {static_cast<float>(p.x), static_cast<float>(p.y)}; }
inline b2Vec2 to_b2(double x, double y) { return {static_cast<float>(x), static_cast<float>(y)}; }

// pybox2d's fixtureDef defaults (density 0, friction 0.2, restitution 0, category 1, mask all).
struct FixtureParams {
  double density = 0.0;
  double friction = 0.2;
  double restitution = 0.0;
  std::uint16_t category = 0x0001;
  std::uint16_t mask = 0xFFFF;
  bool sensor = false;
};

// pybox2d's polygonShape(vertices=...) (b2PolygonShape::Set). Throws InvalidArgument on fewer
// than 3 or more than b2_maxPolygonVertices points, or a degenerate hull (2.4.1 would
// silently make it a 1 x 1 box).
b2Fixture* add_polygon(b2Body* body, std::span<const Point> pts, const FixtureParams& p);
// polygonShape(box=(hx, hy)): a box centred on the body origin.
b2Fixture* add_box(b2Body* body, double hx, double hy, const FixtureParams& p);
// edgeShape(vertices=[a, b]): a two-sided edge.
b2Fixture* add_edge(b2Body* body, Point a, Point b, const FixtureParams& p);

b2Body* add_static_body(b2World& w, Point position = {}, double angle = 0.0);
b2Body* add_dynamic_body(b2World& w, Point position, double angle = 0.0);

// revoluteJointDef(bodyA, bodyB, localAnchorA, localAnchorB, enableMotor, enableLimit, ...).
// pybox2d sets referenceAngle = bodyB.angle - bodyA.angle when it is not given; C++ leaves
// it 0, which would shift every joint angle by the bodies' initial difference, so it is set
// here the pybox2d way.
struct RevoluteParams {
  Point anchor_a, anchor_b;  // local anchors
  bool enable_motor = false, enable_limit = false;
  double lower = 0, upper = 0;
  double max_motor_torque = 0, motor_speed = 0;
};
b2RevoluteJoint* add_revolute(b2World& w, b2Body* a, b2Body* b, const RevoluteParams& p);

// A body's tag in its user data: kind and index, not a pointer, so envs that move stay valid.
inline void set_tag(b2Body* body, std::uint32_t kind, std::uint32_t index) {
  body->GetUserData().pointer = (static_cast<std::uintptr_t>(kind) << 32) | index;
}
// (Box2D 2.4 offers user data only through a non-const body.) Kind 0: an untagged body.
inline std::uint32_t tag_kind(b2Body* body) {
  return static_cast<std::uint32_t>(body->GetUserData().pointer >> 32);
}
inline std::uint32_t tag_index(b2Body* body) {
  return static_cast<std::uint32_t>(body->GetUserData().pointer & 0xFFFFFFFFu);
}

}  // namespace rlforge::box2d
