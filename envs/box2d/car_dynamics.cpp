// car_dynamics.cpp: gymnasium's Car, line by line (see car_dynamics.hpp).
#include "envs/box2d/car_dynamics.hpp"

#include <algorithm>
#include <cmath>

namespace rlforge::box2d::car {

namespace {
constexpr Point kHullPoly1[] = {{-60, +130}, {+60, +130}, {+60, +110}, {-60, +110}};
constexpr Point kHullPoly2[] = {{-15, +120}, {+15, +120}, {+20, +20}, {-20, 20}};
constexpr Point kHullPoly3[] = {{+25, +20}, {+50, -10}, {+50, -40}, {+20, -90},
                                {-20, -90}, {-50, -40}, {-50, -10}, {-25, +20}};
constexpr Point kHullPoly4[] = {{-50, -120}, {+50, -120}, {+50, -90}, {-50, -90}};

template <std::size_t N>
void add_scaled(b2Body* body, const Point (&poly)[N], double k, const FixtureParams& p) {
  std::array<Point, N> v;
  for (std::size_t i = 0; i < N; ++i) v[i] = {poly[i].x * k, poly[i].y * k};
  add_polygon(body, v, p);
}

double sign(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }  // numpy's sign
double from_b2(float v) { return static_cast<double>(v); }
}  // namespace

Car::Car(b2World& world, double init_angle, double init_x, double init_y) {
  hull_ = add_dynamic_body(world, {init_x, init_y}, init_angle);
  const FixtureParams hull_fixture{.density = 1.0};
  add_scaled(hull_, kHullPoly1, kSize, hull_fixture);
  add_scaled(hull_, kHullPoly2, kSize, hull_fixture);
  add_scaled(hull_, kHullPoly3, kSize, hull_fixture);
  add_scaled(hull_, kHullPoly4, kSize, hull_fixture);
  set_tag(hull_, kTagHull, 0);

  constexpr double front_k = 1.0;  // gymnasium: 1.0 if wy > 0 else 1.0
  const Point wheel_poly[] = {{-kWheelW, +kWheelR}, {+kWheelW, +kWheelR},
                              {+kWheelW, -kWheelR}, {-kWheelW, -kWheelR}};
  for (std::size_t k = 0; k < 4; ++k) {
    const Point wp = kWheelPos[k];
    Wheel& w = wheels_[k];
    w.body = add_dynamic_body(world, {init_x + wp.x * kSize, init_y + wp.y * kSize}, init_angle);
    add_scaled(w.body, wheel_poly, front_k * kSize,
               {.density = 0.1, .restitution = 0.0, .category = 0x0020, .mask = 0x001});
    w.joint = add_revolute(world, hull_, w.body,
                           {.anchor_a = {wp.x * kSize, wp.y * kSize},
                            .anchor_b = {0, 0},
                            .enable_motor = true,
                            .enable_limit = true,  // (Car::step switches it as 2.3 would)
                            .lower = -kSteerLimit,
                            .upper = +kSteerLimit,
                            .max_motor_torque = 180 * 900 * kSize * kSize,
                            .motor_speed = 0});
    set_tag(w.body, kTagWheel, static_cast<std::uint32_t>(k));
  }
}

void Car::gas(double g) {
  g = std::clamp(g, 0.0, 1.0);
  for (std::size_t k = 2; k < 4; ++k) {
    double diff = g - wheels_[k].gas;
    if (diff > 0.1) diff = 0.1;  // gradually increase, but stop immediately
    wheels_[k].gas += diff;
  }
}

void Car::brake(double b) {
  for (Wheel& w : wheels_) w.brake = b;
}

void Car::steer(double s) {
  wheels_[0].steer = s;
  wheels_[1].steer = s;
}

void Car::step(double dt) {
  for (Wheel& w : wheels_) {
    // Box2D 2.3's joint limit, not 2.4's (see car_dynamics.hpp): on only while the angle at the
    // start of the step is at or past a limit.
    const float start_angle = w.joint->GetJointAngle();
    w.joint->EnableLimit(start_angle <= w.joint->GetLowerLimit() ||
                         start_angle >= w.joint->GetUpperLimit());

    // Steer each wheel towards its target angle.
    const double angle = from_b2(w.joint->GetJointAngle());
    const double dir = sign(w.steer - angle);
    const double val = std::abs(w.steer - angle);
    w.joint->SetMotorSpeed(static_cast<float>(dir * std::min(50.0 * val, 3.0)));

    // Grass friction unless a road tile (friction 1) touches the wheel.
    double friction_limit = kFrictionLimit * 0.6;
    const bool grass = w.tiles == 0;
    if (!grass) friction_limit = std::max(friction_limit, kFrictionLimit * 1.0);

    const b2Vec2 forw = w.body->GetWorldVector(b2Vec2(0.0f, 1.0f));
    const b2Vec2 side = w.body->GetWorldVector(b2Vec2(1.0f, 0.0f));
    const b2Vec2 v = w.body->GetLinearVelocity();
    const double vf = from_b2(forw.x) * v.x + from_b2(forw.y) * v.y;  // forward speed
    const double vs = from_b2(side.x) * v.x + from_b2(side.y) * v.y;  // side speed

    // I * omega * domega/dt = power; +5 keeps it finite at rest.
    w.omega += dt * kEnginePower * w.gas / kWheelMomentOfInertia / (std::abs(w.omega) + 5.0);
    if (w.brake >= 0.9) {
      w.omega = 0;
    } else if (w.brake > 0) {
      constexpr double kBrakeForce = 15;  // radians per second
      const double bdir = -sign(w.omega);
      double bval = kBrakeForce * w.brake;
      if (std::abs(bval) > std::abs(w.omega)) bval = std::abs(w.omega);  // low speed => 0
      w.omega += bdir * bval;
    }
    w.phase += w.omega * dt;

    const double vr = w.omega * kWheelRad;  // rotating wheel speed
    double f_force = -vf + vr;              // along the speed difference
    double p_force = -vs;
    // gymnasium's coefficient that damps the oscillation a finite dt would cause.
    f_force *= 205000 * kSize * kSize;
    p_force *= 205000 * kSize * kSize;
    double force = std::sqrt(f_force * f_force + p_force * p_force);
    skid(w, force, friction_limit, grass);
    if (std::abs(force) > friction_limit) {
      f_force /= force;
      p_force /= force;
      force = friction_limit;
      f_force *= force;
      p_force *= force;
    }
    w.omega -= dt * f_force * kWheelRad / kWheelMomentOfInertia;
    w.body->ApplyForceToCenter(to_b2(p_force * side.x + f_force * forw.x,
                                     p_force * side.y + f_force * forw.y),
                               true);
  }
}

Particle* Car::live(const Wheel& w) {
  Particle& p = particles_[(w.particle_id - 1) % kMaxParticles];
  return p.id == w.particle_id ? &p : nullptr;
}

// gymnasium's skid trace: a mark starts after two skidding steps in a row and grows while the
// wheel keeps skidding on the same ground, up to 30 points.
void Car::skid(Wheel& w, double force, double friction_limit, bool grass) {
  const b2Vec2 pos = w.body->GetPosition();
  if (!(std::abs(force) > 2.0 * friction_limit)) {
    w.has_skid_start = false;
    w.has_particle = false;
    return;
  }
  if (w.has_particle && w.particle_grass == grass && w.particle_len < Particle::kMaxPoints) {
    if (Particle* p = live(w)) p->poly[static_cast<std::size_t>(p->count++)] = {pos.x, pos.y};
    ++w.particle_len;
  } else if (!w.has_skid_start) {
    w.has_skid_start = true;
    w.skid_start = {pos.x, pos.y};
  } else {
    const std::uint64_t id = next_id_++;
    Particle& p = particles_[(id - 1) % kMaxParticles];  // evicts the oldest, as deque(maxlen=30)
    p.id = id;
    p.grass = grass;
    p.count = 2;
    p.poly[0] = w.skid_start;
    p.poly[1] = {pos.x, pos.y};
    w.has_particle = true;
    w.particle_id = id;
    w.particle_len = 2;
    w.particle_grass = grass;
    w.has_skid_start = false;
  }
}

}  // namespace rlforge::box2d::car
