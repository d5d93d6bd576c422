// TargetWalk-v0: a user's stochastic env as a Python module. Walk a point to a random target on
// [-1, 1]: action 0/1/2 moves it by -0.1/0/+0.1 plus Gaussian noise (std 0.02) from the env's
// stream; reward -1 per step; the episode ends within 0.1 of the target. Observation
// [position, target] (float32). It exposes its state, so checkpoints resume bit-identically.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "rlforge_python/env_module.hpp"

namespace {

class TargetWalk : public rlforge::Env {
 public:
  explicit TargetWalk(const rlforge::JsonObject& kw)
      : Env(rlforge::Space::box(-2.0, 2.0, rlforge::Shape{2}), rlforge::Space::discrete(3)),
        noise_(kw.get_double("noise")) {
    if (!(noise_ >= 0.0 && noise_ <= 1.0))
      throw rlforge::InvalidArgument("TargetWalk-v0: noise must be in [0, 1], got " +
                                     std::to_string(noise_));
  }

  std::vector<double> get_state() const override { return {pos_, target_}; }
  void set_state(std::span<const double> s) override {
    if (s.size() != 2)
      throw rlforge::InvalidArgument("TargetWalk-v0: set_state takes [position, target], got " +
                                     std::to_string(s.size()) + " values");
    pos_ = s[0];
    target_ = s[1];
  }

 protected:
  void do_reset(rlforge::Rng& rng, const rlforge::JsonObject*, std::span<std::byte> obs,
                rlforge::Info&) override {
    pos_ = rng.uniform(-1.0, 1.0);
    do target_ = rng.uniform(-1.0, 1.0);
    while (std::abs(target_ - pos_) < 0.1);
    write(obs);
  }
  rlforge::StepResult do_step(const void* action, std::span<std::byte> obs,
                              rlforge::Info& info) override {
    const auto a = *static_cast<const std::int64_t*>(action);  // 0, 1 or 2: checked by rlforge
    pos_ = std::clamp(pos_ + 0.1 * static_cast<double>(a - 1) + noise_ * rng().normal(), -2.0, 2.0);
    write(obs);
    info.set("distance", std::abs(target_ - pos_));
    return {-1.0, std::abs(target_ - pos_) < 0.1, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    const float o[2] = {static_cast<float>(pos_), static_cast<float>(target_)};
    std::memcpy(obs.data(), o, sizeof o);
  }
  double noise_;
  double pos_ = 0, target_ = 0;
};

}  // namespace

RLFORGE_REGISTER_ENV(TargetWalk, {.id = "TargetWalk-v0", .max_episode_steps = 60,
                                  .reward_threshold = -12.0, .kwargs = R"({"noise": 0.02})",
                                  .exposes_state = true});

RLFORGE_PYTHON_ENV_MODULE(target_walk)
