// NoisyWalk-v0: a walker on the line [-1, 1] must reach a goal, and every move is blurred by
// noise drawn from the env's rng(). Box observation, Discrete actions; PPO learns it in seconds.
//
// Action 0 / 1 / 2 moves by -step / 0 / +step, plus N(0, noise^2) (clipped to the line).
// Observation (float32): [x, goal - x]. Reward -1 per step; reaching the goal (|goal - x| <
// radius) ends the episode. Start and goal are uniform on the line, at least 0.5 apart.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace {

constexpr double kStep = 0.1, kRadius = 0.05;

class NoisyWalk : public rlforge::Env {
 public:
  explicit NoisyWalk(const rlforge::JsonObject& kw)
      : Env(rlforge::Space::box({-1.0, -2.0}, {1.0, 2.0}, rlforge::Shape{2}),
            rlforge::Space::discrete(3)),
        noise_(kw.get_double("noise")) {
    if (!(noise_ >= 0.0 && noise_ <= 1.0))
      throw rlforge::InvalidArgument("NoisyWalk-v0: noise must be in [0, 1], got " + std::to_string(noise_));
  }

  // {x, goal}: everything the next step depends on, apart from the rng.
  std::vector<double> get_state() const override { return {x_, goal_}; }
  void set_state(std::span<const double> s) override {
    if (s.size() != 2 || !(std::abs(s[0]) <= 1.0) || !(std::abs(s[1]) <= 1.0))
      throw rlforge::InvalidArgument("NoisyWalk-v0: set_state takes {x, goal} in [-1, 1], got " +
                                     std::to_string(s.size()) + " values");
    x_ = s[0];
    goal_ = s[1];
  }

 protected:
  void do_reset(rlforge::Rng& rng, const rlforge::JsonObject*, std::span<std::byte> obs,
                rlforge::Info&) override {
    do {
      x_ = rng.uniform(-1.0, 1.0);
      goal_ = rng.uniform(-1.0, 1.0);
    } while (std::abs(goal_ - x_) < 0.5);
    write(obs);
  }

  rlforge::StepResult do_step(const void* action, std::span<std::byte> obs, rlforge::Info&) override {
    const auto a = *static_cast<const std::int64_t*>(action);  // 0, 1 or 2: checked by the core
    x_ = std::clamp(x_ + kStep * static_cast<double>(a - 1) + noise_ * rng().normal(), -1.0, 1.0);
    write(obs);
    const bool reached = std::abs(goal_ - x_) < kRadius;
    return {-1.0, reached, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    auto* o = reinterpret_cast<float*>(obs.data());
    o[0] = static_cast<float>(x_);
    o[1] = static_cast<float>(goal_ - x_);
  }
  double noise_;
  double x_ = 0.0, goal_ = 0.0;
};

}  // namespace

RLFORGE_REGISTER_ENV(NoisyWalk, {.id = "NoisyWalk-v0", .max_episode_steps = 100,
                                 .reward_threshold = -12.0, .kwargs = R"({"noise": 0.03})",
                                 .exposes_state = true});
