// lunar_lander.hpp: LunarLander-v3 and LunarLanderContinuous-v3 (gymnasium 1.4's
// gymnasium/envs/box2d/lunar_lander.py) on Box2D 2.4.
//
// One physics core and two thin action decoders (Discrete(4) or Box(2)), picked by the
// `continuous` kwarg as in gymnasium. The world is built fresh on every reset (gymnasium does
// too), and the episode's draws and actions are kept in a ReplayLog, which is the checkpoint.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/env.hpp"
#include "envs/box2d/box2d_world.hpp"
#include "envs/box2d/replay_log.hpp"

namespace rlforge::box2d {

struct LunarLanderParams {
  bool continuous = false;
  double gravity = -10.0;  // in (-12, 0)
  bool enable_wind = false;
  double wind_power = 15.0;
  double turbulence_power = 1.5;
};

// The engines' settings for one step, decoded from either action space.
struct LanderControl {
  double m_power = 0.0;    // main engine: 0 (off) or 0.5..1
  double s_power = 0.0;    // side engines: 0 (off) or 0.5..1
  double direction = 0.0;  // side engine: -1 left, +1 right
};
LanderControl decode_discrete(std::int64_t action);
LanderControl decode_continuous(double main, double lateral);

// Bodies, for tests and the picture: Box2D's float32 values as doubles.
struct BodySnapshot {
  double x, y, angle, vx, vy, omega;
  bool awake;
};

class LunarLanderEnv final : public Env {
 public:
  explicit LunarLanderEnv(const JsonObject& kwargs);
  ~LunarLanderEnv() override;

  // The replay log: [layout tag, reset draws, then per step its action value(s) and its two
  // dispersion draws]. set_state rebuilds the world and replays it (exact).
  std::vector<double> get_state() const override;
  void set_state(std::span<const double> state) override;

  bool renders() const override { return true; }
  void draw(Frame& frame) const override;

  BodySnapshot lander() const;
  BodySnapshot leg(int i) const;
  const LunarLanderParams& params() const { return params_; }

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  struct Listener : b2ContactListener {
    LunarLanderEnv* env = nullptr;
    void BeginContact(b2Contact* c) override;
    void EndContact(b2Contact* c) override;
  };
  // A flame particle: picture only (gymnasium adds bodies only when rendering, and they
  // never touch the lander). Moved by a light integrator over the terrain, no Box2D body.
  struct Particle {
    double x, y, vx, vy, ttl;
  };
  LunarLanderEnv(LunarLanderParams p, int);  // after the kwargs are read and checked
  static constexpr int kChunks = 11;
  static constexpr int kMaxParticles = 32;

  void build_episode();  // reads the reset draws from log_ and builds the world
  StepResult physics_step(const LanderControl& c, float* obs, Info& info);
  LanderControl replayed_action();
  void emit_particle(double mass, double x, double y, double ix, double iy, double ttl);
  void move_particles();
  double terrain_height(double x) const;

  LunarLanderParams params_;
  ReplayLog log_;
  std::unique_ptr<b2World> world_;
  Listener listener_;
  b2Body* moon_ = nullptr;
  b2Body* lander_ = nullptr;
  std::array<b2Body*, 2> legs_{};
  std::array<bool, 2> ground_contact_{};
  bool game_over_ = false;
  std::optional<double> prev_shaping_;
  std::int64_t wind_idx_ = 0, torque_idx_ = 0;
  double helipad_x1_ = 0, helipad_x2_ = 0, helipad_y_ = 0;
  std::array<double, kChunks> chunk_x_{}, smooth_y_{};
  std::array<Particle, kMaxParticles> particles_{};
  int particle_head_ = 0, particle_count_ = 0;
};

}  // namespace rlforge::box2d
