// NormalizeObservation and NormalizeReward: running-statistics normalization as gymnasium's
// wrappers, with their statistics saved to and loaded from state files.
#pragma once
#include <string>
#include <vector>

#include "core/running_mean_std.hpp"
#include "core/wrappers/wrapper.hpp"

namespace rlforge {

// Observation -> float32 (obs - mean) / sqrt(var + epsilon), statistics updated on every
// reset and step while update is on. Observation space becomes Box(-inf, inf, shape, float32).
class NormalizeObservation : public Wrapper {
 public:
  explicit NormalizeObservation(std::unique_ptr<Env> inner, double epsilon = 1e-8);

  void set_update(bool on) { update_ = on; }  // off for evaluation
  bool update() const { return update_; }
  const RunningMeanStd& statistics() const { return rms_; }
  RunningMeanStd& statistics() { return rms_; }
  // The inner env's state, then count, mean and var.
  std::vector<double> checkpoint_state() const override;
  void restore_checkpoint_state(std::span<const double> state) override;
  // Throws ConfigError naming the file if it is unreadable, corrupt or for another shape.
  void save(const std::string& path) const;
  void load(const std::string& path);

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  void normalize(std::span<std::byte> out);
  double epsilon_;
  bool update_ = true;
  RunningMeanStd rms_;
  std::vector<std::byte> inner_obs_;  // [obs] in the inner dtype
  std::vector<double> x_;             // [obs] as double
};

// Reward -> reward / sqrt(var(discounted return) + epsilon), as gymnasium's NormalizeReward:
// the running discounted return G <- G * gamma * (1 - terminated) + reward feeds the variance.
class NormalizeReward : public Wrapper {
 public:
  explicit NormalizeReward(std::unique_ptr<Env> inner, double gamma = 0.99, double epsilon = 1e-8);

  void set_update(bool on) { update_ = on; }
  const RunningMeanStd& statistics() const { return rms_; }
  double discounted_return() const { return discounted_; }
  // The inner env's state, then the discounted return, count, mean and var.
  std::vector<double> checkpoint_state() const override;
  void restore_checkpoint_state(std::span<const double> state) override;
  void save(const std::string& path) const;
  void load(const std::string& path);

 protected:
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  double gamma_, epsilon_;
  bool update_ = true;
  double discounted_ = 0.0;
  RunningMeanStd rms_{1};
};

}  // namespace rlforge
