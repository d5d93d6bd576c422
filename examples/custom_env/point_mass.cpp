// PointMass-v0: push a mass along a rail to a goal with a continuous force. Box observation,
// Box(-1, 1, (1,)) action; SAC learns it in a few thousand steps.
//
// Each step (dt = 0.1 s): v += gain * a * dt, v *= 1 - damping * dt, x += v * dt; the rail ends
// at +-1 (hitting an end stops the mass). Observation (float32): [goal - x, v]. Reward per step:
// -|goal - x| - 0.1 a^2; the episode is 50 steps (TimeLimit), nothing terminates it. Start and
// goal are uniform on the rail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace {

constexpr double kDt = 0.1, kGain = 4.0, kDamping = 1.0, kMaxSpeed = 2.0;

class PointMass : public rlforge::Env {
 public:
  explicit PointMass(const rlforge::JsonObject&)
      : Env(rlforge::Space::box({-2.0, -kMaxSpeed}, {2.0, kMaxSpeed}, rlforge::Shape{2}),
            rlforge::Space::box(-1.0, 1.0, rlforge::Shape{1})) {}

  // {x, v, goal}
  std::vector<double> get_state() const override { return {x_, v_, goal_}; }
  void set_state(std::span<const double> s) override {
    if (s.size() != 3)
      throw rlforge::InvalidArgument("PointMass-v0: set_state takes {x, v, goal}, got " +
                                     std::to_string(s.size()) + " values");
    x_ = s[0];
    v_ = s[1];
    goal_ = s[2];
  }

  // Its picture (rlforge watch, render_mode="rgb_array"/"human", evaluation videos): the rail,
  // the goal flag and the mass, in world units mapped onto a 600x200 canvas. Only primitives:
  // render/ turns them into pixels. The spec's render_fps (below) says that it renders.
  bool renders() const override { return true; }
  void draw(rlforge::Frame& f) const override {
    f.begin(600, 200, {255, 255, 255});
    f.set_viewport(-1.2, -0.4, 1.2, 0.4);  // x in [-1.2, 1.2], y up
    f.fill_rect({-1.0f, -0.02f}, {1.0f, 0.02f}, {90, 90, 90});                       // rail
    const float g = static_cast<float>(goal_), x = static_cast<float>(x_);
    f.line({g, 0.0f}, {g, 0.3f}, {0, 0, 0}, 2.0f);                                    // flag pole
    f.fill_polygon({{g, 0.3f}, {g + 0.12f, 0.26f}, {g, 0.22f}}, {204, 204, 0});       // flag
    f.fill_circle({x, 0.0f}, 0.07, {31, 119, 180});                                   // the mass
    f.stroke_circle({x, 0.0f}, 0.07, {0, 0, 0}, 1.5f);
    char text[48];
    std::snprintf(text, sizeof text, "v = %+.2f", v_);
    f.text({-1.15f, 0.38f}, text, {0, 0, 0}, 14.0f);
  }

 protected:
  void do_reset(rlforge::Rng& rng, const rlforge::JsonObject*, std::span<std::byte> obs,
                rlforge::Info&) override {
    x_ = rng.uniform(-1.0, 1.0);
    goal_ = rng.uniform(-1.0, 1.0);
    v_ = 0.0;
    write(obs);
  }

  rlforge::StepResult do_step(const void* action, std::span<std::byte> obs, rlforge::Info&) override {
    const double a = *static_cast<const float*>(action);  // in [-1, 1]: checked by the core
    v_ = std::clamp((v_ + kGain * a * kDt) * (1.0 - kDamping * kDt), -kMaxSpeed, kMaxSpeed);
    x_ += v_ * kDt;
    if (std::abs(x_) > 1.0) {
      x_ = std::clamp(x_, -1.0, 1.0);
      v_ = 0.0;
    }
    write(obs);
    return {-std::abs(goal_ - x_) - 0.1 * a * a, false, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    auto* o = reinterpret_cast<float*>(obs.data());
    o[0] = static_cast<float>(goal_ - x_);
    o[1] = static_cast<float>(v_);
  }
  double x_ = 0.0, v_ = 0.0, goal_ = 0.0;
};

}  // namespace

RLFORGE_REGISTER_ENV(PointMass, {.id = "PointMass-v0", .max_episode_steps = 50,
                                 .reward_threshold = -6.0, .render_fps = 20, .exposes_state = true});
