// A small stochastic test env (a 1-D random walk with a Box action), and its structure-of-
// arrays twin, used by core tests: the core's contracts are checked without depending on envs/.
#pragma once
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

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
    const bool done = walk(x_, t_, *static_cast<const float*>(action), rng(), limit_);
    write(obs);
    info.set("x", x_);
    return {-std::abs(x_), done, false};
  }

 public:
  // One step of the walk, shared with the batched twin: the noise comes from the stream passed.
  static bool walk(double& x, int& t, float a, Rng& rng, double limit) {
    x += a + 0.1 * rng.normal();
    ++t;
    return std::abs(x) > limit;
  }
  static void observe(double x, int t, std::byte* obs) {
    const float o[2] = {static_cast<float>(x), static_cast<float>(t)};
    std::memcpy(obs, o, sizeof o);
  }

 protected:
  double limit_;

 private:
  void write(std::span<std::byte> obs) const { observe(x_, t_, obs.data()); }
  double x_ = 0;
  int t_ = 0;
};

// n WalkEnvs as arrays; lane i draws its reset and its noise from VectorEnv's stream i, so it
// equals the single WalkEnv i exactly (a stochastic env's batched twin).
class WalkBatched : public BatchedEnv {
 public:
  WalkBatched(int n, double limit) : x_(static_cast<std::size_t>(n)), t_(x_.size()), limit_(limit) {}
  int num_envs() const override { return static_cast<int>(x_.size()); }
  void reset(int i, Rng& rng, const JsonObject* options, std::byte* obs_row) override {
    const double low = options ? options->get_double("low", -1.0) : -1.0;
    const auto k = static_cast<std::size_t>(i);
    x_[k] = rng.uniform(low, 1.0);
    t_[k] = 0;
    WalkEnv::observe(x_[k], t_[k], obs_row);
  }
  void step(int begin, int end, const std::byte* actions, Rng* rngs, std::byte* obs,
            double* reward, std::uint8_t* terminated) override {
    const auto* a = reinterpret_cast<const float*>(actions);
    for (int i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      terminated[k] = WalkEnv::walk(x_[k], t_[k], a[k], rngs[k], limit_);
      reward[k] = -std::abs(x_[k]);
      WalkEnv::observe(x_[k], t_[k], obs + k * 2 * sizeof(float));
    }
  }
  std::vector<double> get_state(int i) const override {
    const auto k = static_cast<std::size_t>(i);
    return {x_[k], static_cast<double>(t_[k])};
  }
  void set_state(int i, std::span<const double> s) override {
    const auto k = static_cast<std::size_t>(i);
    x_[k] = s[0];
    t_[k] = static_cast<int>(s[1]);
  }

 private:
  std::vector<double> x_;
  std::vector<int> t_;
  double limit_;
};

// WalkEnv with its batched twin.
class BatchedWalkEnv : public WalkEnv {
 public:
  using WalkEnv::WalkEnv;
  std::unique_ptr<BatchedEnv> make_batched(int n) const override {
    return std::make_unique<WalkBatched>(n, limit_);
  }
};

}  // namespace rlforge::testing
