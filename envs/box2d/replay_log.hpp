// replay_log.hpp: a Box2D env's episode as the numbers that determine it: its random draws and
// its actions, in the order the env consumed them. It is the env's checkpoint.
//
// Why a log and not a snapshot of the bodies: Box2D 2.4 has no setters for its joints' and
// contacts' warm-start impulses, so a world rebuilt from body positions and velocities would
// not continue bit for bit. A fresh world fed the same draws and actions does (one world per
// env, one thread at a time: the same calls give the same floats).
//
// Live, draws come from the env's Rng with numpy Generator semantics (what gymnasium's code
// calls) and are appended; replaying, the same calls return the saved values, checked against
// the bounds the call asks for, so a damaged checkpoint is refused, never simulated.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace rlforge::box2d {

class ReplayLog {
 public:
  // A new episode drawn from `rng`; `capacity` values are reserved, so that an episode within
  // the TimeLimit appends without allocating.
  void start(Rng& rng, std::size_t capacity) {
    rng_ = &rng;
    values_.clear();
    values_.reserve(capacity);
    pos_ = 0;
  }
  // Replays a saved log: every draw and action() returns the next saved value. `what` names
  // the env in errors ("checkpoint state of LunarLander-v3").
  void start_replay(std::span<const double> values, std::string what) {
    rng_ = nullptr;
    values_.assign(values.begin(), values.end());
    pos_ = 0;
    what_ = std::move(what);
  }
  // After replaying every value: continue live from `rng`.
  void resume(Rng& rng) { rng_ = &rng; }
  // Room for `capacity` values without allocating (after a replay, before stepping live on).
  void reserve(std::size_t capacity) { values_.reserve(capacity); }
  bool replaying() const { return rng_ == nullptr; }
  bool replay_done() const { return pos_ == values_.size(); }

  // numpy Generator.uniform(low, high): [low, high).
  double uniform(double low, double high) {
    if (!rng_) return take(low, high, false, "uniform");
    const double x = rng_->uniform(low, high);
    values_.push_back(x);
    return x;
  }
  // Generator.random(): [0, 1).
  double random() { return uniform(0.0, 1.0); }
  // Generator.integers(low, high): an integer in [low, high).
  std::int64_t integers(std::int64_t low, std::int64_t high) {
    if (!rng_)
      return static_cast<std::int64_t>(
          take(static_cast<double>(low), static_cast<double>(high), true, "integers"));
    const auto x = low + static_cast<std::int64_t>(rng_->below(static_cast<std::uint64_t>(high - low)));
    values_.push_back(static_cast<double>(x));
    return x;
  }
  // One action component: live, `a` is recorded and returned; replaying, the saved one is
  // returned (the env validates it as it validates any action).
  double action(double a) {
    if (!rng_) {
      if (pos_ >= values_.size()) throw short_log();
      const double v = values_[pos_++];
      if (!std::isfinite(v)) throw bad_value(v, "a finite action");
      return v;
    }
    values_.push_back(a);
    return a;
  }

  const std::vector<double>& values() const { return values_; }

 private:
  double take(double low, double high, bool integral, const char* call) {
    if (pos_ >= values_.size()) throw short_log();
    const double v = values_[pos_++];
    if (!(v >= low && v < high) || (integral && v != std::floor(v)))
      throw bad_value(v, std::string(call) + " in [" + std::to_string(low) + ", " +
                             std::to_string(high) + ")");
    return v;
  }
  InvalidArgument short_log() const {
    return InvalidArgument(what_ + ": the log ends at value " + std::to_string(values_.size()) +
                           " but the episode it describes reads more");
  }
  InvalidArgument bad_value(double v, const std::string& expected) const {
    return InvalidArgument(what_ + ": value " + std::to_string(pos_ - 1) + " is " +
                           std::to_string(v) + ", expected " + expected);
  }

  Rng* rng_ = nullptr;
  std::vector<double> values_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace rlforge::box2d
