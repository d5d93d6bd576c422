// bipedal_walker.hpp: BipedalWalker-v3 and BipedalWalkerHardcore-v3 (one physics core, kwarg
// `hardcore`). Reference: gymnasium 1.4 gymnasium/envs/box2d/bipedal_walker.py, ported line by
// line (terrain state machine, clouds, hull, legs, lidar, contacts, reward, picture).
//
// Obs [24] float32: hull angle, angular and linear velocity, 4 joint angles and speeds, the two
// lower legs' ground contact, 10 lidar fractions. Action [4] float32 in [-1, 1]: hip and knee
// motors (speed sign(a), torque 80 |a|). All random draws happen at reset (terrain, clouds, the
// hull's push); a checkpoint is the ReplayLog of those draws plus every action since.
#pragma once
#include <box2d/box2d.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "envs/box2d/box2d_world.hpp"
#include "envs/box2d/replay_log.hpp"

namespace rlforge::box2d::walker {

inline constexpr double kScale = 30.0;
inline constexpr int kFps = 50;
inline constexpr double kMotorsTorque = 80, kSpeedHip = 4, kSpeedKnee = 6;
inline constexpr double kLidarRange = 160 / kScale;
inline constexpr double kInitialRandom = 5;
inline constexpr double kLegDown = -8 / kScale, kLegW = 8 / kScale, kLegH = 34 / kScale;
inline constexpr int kViewportW = 600, kViewportH = 400;
inline constexpr double kTerrainStep = 14 / kScale;
inline constexpr int kTerrainLength = 200;  // in steps
inline constexpr double kTerrainHeight = kViewportH / kScale / 4;
inline constexpr int kTerrainGrass = 10, kTerrainStartpad = 20;
inline constexpr double kFriction = 2.5;
inline constexpr int kLidarRays = 10, kClouds = kTerrainLength / 20;

// The ground as _generate_terrain leaves it: heights at x = i * kTerrainStep, and the obstacle
// quads (pits' walls, stumps, stairs) in creation order, which is their Box2D body order.
struct Terrain {
  std::array<double, kTerrainLength> x{}, y{};
  std::vector<std::array<Point, 4>> obstacles;
};
// A cloud: a 5-point polygon in world metres and its x extent (the picture culls by it).
struct Cloud {
  std::array<Point, 5> poly;
  double x1 = 0, x2 = 0;
};

// _generate_terrain: the GRASS/STUMP/STAIRS/PIT state machine, drawing from `log` in gymnasium's
// order (only GRASS draws unless `hardcore`). Pure: the same draws give the same terrain.
void generate_terrain(ReplayLog& log, bool hardcore, Terrain& out);
// _generate_clouds: 10 clouds, 11 draws each. Only the picture uses them, but they are in the
// draw order, so the hull's push that follows depends on them.
void generate_clouds(ReplayLog& log, std::array<Cloud, kClouds>& out);

class BipedalWalkerEnv : public Env {
 public:
  explicit BipedalWalkerEnv(const JsonObject& kwargs);
  ~BipedalWalkerEnv() override;

  // [tag 2, hardcore 0|1, the log: reset draws, then 4 action components per step]. set_state
  // rebuilds a fresh world from the draws and replays the actions; a log that does not
  // describe an episode of this env is refused (InvalidArgument naming the env id).
  std::vector<double> get_state() const override;
  void set_state(std::span<const double> state) override;

  void draw(Frame& frame) const override;
  bool renders() const override { return true; }

  bool hardcore() const { return hardcore_; }
  // The current lidar fractions as b2World::RayCast gives them (the reference the step's own
  // ray casts are tested against); needs a reset first.
  std::array<double, kLidarRays> lidar_by_world_ray_cast() const;

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  class Contacts;
  struct Ray {
    double p1x = 0, p1y = 0, p2x = 0, p2y = 0;
    double fraction = 1.0;
  };
  // Terrain, clouds, bodies, then reset's step(0) (its observation into obs[24]): draws from log_.
  void build_episode(float* obs);
  StepResult physics_step(const std::array<float, 4>& a, float* obs);
  void replay(std::span<const double> values);  // set_state's work: fresh world, draws, actions
  static void draw_polygon_body(Frame& f, const b2Body* body, Color c1, Color c2);
  std::string what() const;

  bool hardcore_;
  ReplayLog log_;
  Terrain terrain_;
  std::array<Cloud, kClouds> clouds_;
  std::unique_ptr<Contacts> contacts_;
  std::unique_ptr<b2World> world_;
  std::vector<b2Body*> ground_;  // obstacles in creation order, then the 199 edges
  // The ground's fixtures by the left edge of their box, for the lidar: a ray tests only the few
  // whose x-extent it crosses, with Box2D's own fixture ray cast, instead of walking the world's
  // tree through b2World::RayCast (10% of a step). The nearest hit is the same either way.
  struct GroundBox {
    float x0, x1, y0, y1;
    b2Fixture* fixture;
  };
  std::vector<GroundBox> ground_boxes_;
  float ground_box_width_ = 0;  // the widest box
  double cast_ray(const b2Vec2& p1, const b2Vec2& p2, b2Vec2* point) const;
  b2Body* hull_ = nullptr;
  std::array<b2Body*, 4> legs_{};  // upper(-1), lower(-1), upper(+1), lower(+1)
  std::array<b2RevoluteJoint*, 4> joints_{};
  std::array<bool, 4> ground_contact_{};  // set for legs 1 and 3 (the lower legs) only
  bool game_over_ = false;
  std::optional<double> prev_shaping_;
  double scroll_ = 0;
  std::array<Ray, kLidarRays> lidar_{};
  long steps_ = 0;  // steps since reset (not counting reset's own step(0)): the lidar shown
};

}  // namespace rlforge::box2d::walker
