// box2d_world.cpp: the world factory, fixture and joint helpers (see box2d_world.hpp).
#include "envs/box2d/box2d_world.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace rlforge::box2d {

static_assert(b2_maxPolygonVertices >= 8, "CarRacing's hull has an 8-vertex polygon");

void init_once() {
  // Two overlapping boxes and one step: the first contact registers libbox2d's contact types.
  static const bool done = [] {
    b2World w(b2Vec2(0.0f, -10.0f));
    b2Body* a = add_dynamic_body(w, {0, 0});
    b2Body* b = add_dynamic_body(w, {0.1, 0});
    add_box(a, 1, 1, {.density = 1});
    add_box(b, 1, 1, {.density = 1});
    w.Step(kDt, 1, 1);
    return true;
  }();
  (void)done;
}

namespace {
std::atomic<bool> g_timing{false};
std::atomic<std::int64_t> g_step_ns{0}, g_steps{0};
}  // namespace

void step(b2World& world) {
  if (!g_timing.load(std::memory_order_relaxed)) {
    world.Step(kDt, kVelocityIterations, kPositionIterations);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  world.Step(kDt, kVelocityIterations, kPositionIterations);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
  g_step_ns.fetch_add(ns.count(), std::memory_order_relaxed);
  g_steps.fetch_add(1, std::memory_order_relaxed);
}

void set_step_timing(bool on) {
  g_step_ns.store(0);
  g_steps.store(0);
  g_timing.store(on);
}

StepTiming step_timing() { return {static_cast<double>(g_step_ns.load()) * 1e-9, g_steps.load()}; }

std::unique_ptr<b2World> make_world(double gravity_x, double gravity_y) {
  init_once();
  return std::make_unique<b2World>(to_b2(gravity_x, gravity_y));
}

namespace {
b2Fixture* attach(b2Body* body, const b2Shape& shape, const FixtureParams& p) {
  b2FixtureDef d;
  d.shape = &shape;
  d.density = static_cast<float>(p.density);
  d.friction = static_cast<float>(p.friction);
  d.restitution = static_cast<float>(p.restitution);
  d.filter.categoryBits = p.category;
  d.filter.maskBits = p.mask;
  d.isSensor = p.sensor;
  return body->CreateFixture(&d);
}
}  // namespace

b2Fixture* add_polygon(b2Body* body, std::span<const Point> pts, const FixtureParams& p) {
  const auto n = static_cast<int>(pts.size());
  if (n < 3 || n > b2_maxPolygonVertices)
    throw InvalidArgument("box2d polygon: " + std::to_string(n) + " vertices, expected 3.." +
                          std::to_string(b2_maxPolygonVertices));
  b2Vec2 v[b2_maxPolygonVertices];
  for (int i = 0; i < n; ++i) v[i] = to_b2(pts[static_cast<std::size_t>(i)]);
  // 2.4.1's Set turns a hull it cannot build into a 1 x 1 box without a word: check first.
  double area2 = 0;
  for (int i = 0; i < n; ++i) {
    const b2Vec2 a = v[i], b = v[(i + 1) % n];
    area2 += static_cast<double>(a.x) * b.y - static_cast<double>(b.x) * a.y;
  }
  if (!(std::abs(area2) > 1e-9))
    throw InvalidArgument("box2d polygon: degenerate (zero area) vertex list");
  b2PolygonShape shape;
  shape.Set(v, n);
  return attach(body, shape, p);
}

b2Fixture* add_box(b2Body* body, double hx, double hy, const FixtureParams& p) {
  b2PolygonShape shape;
  shape.SetAsBox(static_cast<float>(hx), static_cast<float>(hy));
  return attach(body, shape, p);
}

b2Fixture* add_edge(b2Body* body, Point a, Point b, const FixtureParams& p) {
  b2EdgeShape shape;
  shape.SetTwoSided(to_b2(a), to_b2(b));
  return attach(body, shape, p);
}

b2Body* add_static_body(b2World& w, Point position, double angle) {
  b2BodyDef d;
  d.type = b2_staticBody;
  d.position = to_b2(position);
  d.angle = static_cast<float>(angle);
  return w.CreateBody(&d);
}

b2Body* add_dynamic_body(b2World& w, Point position, double angle) {
  b2BodyDef d;
  d.type = b2_dynamicBody;
  d.position = to_b2(position);
  d.angle = static_cast<float>(angle);
  return w.CreateBody(&d);
}

b2RevoluteJoint* add_revolute(b2World& w, b2Body* a, b2Body* b, const RevoluteParams& p) {
  b2RevoluteJointDef d;
  d.bodyA = a;
  d.bodyB = b;
  d.localAnchorA = to_b2(p.anchor_a);
  d.localAnchorB = to_b2(p.anchor_b);
  // pybox2d: bodyB.angle - bodyA.angle, both float32, subtracted in Python (double), then
  // stored as float32 again.
  d.referenceAngle = static_cast<float>(static_cast<double>(b->GetAngle()) - a->GetAngle());
  d.enableMotor = p.enable_motor;
  d.enableLimit = p.enable_limit;
  d.lowerAngle = static_cast<float>(p.lower);
  d.upperAngle = static_cast<float>(p.upper);
  d.maxMotorTorque = static_cast<float>(p.max_motor_torque);
  d.motorSpeed = static_cast<float>(p.motor_speed);
  return static_cast<b2RevoluteJoint*>(w.CreateJoint(&d));
}

}  // namespace rlforge::box2d
