// A small deterministic test env (a 1-D random walk with a Box action) used by core tests:
// the core's contracts are checked without depending on envs/.
#pragma once
#include <cmath>
#include <cstring>

#include "core/env.hpp"
#include "core/registry.hpp"

namespace rlforge::testing {

// State x starts uniform in [-1, 1); step adds the action (in [-1, 1]) plus noise from the
// env's RNG; reward -|x|; terminates when |x| > `limit` (kwarg). Obs [x, steps] float32.
class WalkEnv : public Env {
 public:
  explicit WalkEnv(const JsonObject& kw)
      : Env(Space::box(-10.0, 10.0, Shape{2}), Space::box(-1.0, 1.0, Shape{1})),
        limit_(kw.get_double("limit")) {}

  std::vector<double> get_state() const override { return {x_, static_cast<double>(t_)}; }
  void set_state(std::span<const double> s) override {
    x_ = s[0];
    t_ = static_cast<int>(s[1]);
  }

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info&) override {
    const double low = options ? options->get_double("low", -1.0) : -1.0;
    x_ = rng.uniform(low, 1.0);
    t_ = 0;
    write(obs);
  }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override {
    const float a = *static_cast<const float*>(action);
    x_ += a + 0.1 * rng().normal();
    ++t_;
    write(obs);
    info.set("x", x_);
    return {-std::abs(x_), std::abs(x_) > limit_, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    const float o[2] = {static_cast<float>(x_), static_cast<float>(t_)};
    std::memcpy(obs.data(), o, sizeof o);
  }
  double limit_;
  double x_ = 0;
  int t_ = 0;
};

}  // namespace rlforge::testing
