// VectorNormalizeObservation and VectorNormalizeReward: gymnasium's vector NormalizeObservation /
// NormalizeReward as small stateful objects applied to a VectorEnv's batch outputs.
//
// They are not VectorEnv wrappers: a VectorEnv's outputs are arrays it owns, and wrapping it would
// hide the native batched path and its save_state. The caller (PPO) passes each step's arrays
// through them instead, so the env stays batched and checkpointable and the state stays here.
// Nothing is allocated per call after construction. Statistics are float64 (RunningMeanStd).
// Throws: InvalidArgument for bad sizes or settings; ConfigError, naming the file (or the `where`
// given to deserialize), for unreadable, corrupt or mismatched state.
#pragma once
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/running_mean_std.hpp"

namespace rlforge {

// obs [n, obs_dim] -> float32 clamp((obs - mean) / sqrt(var + epsilon), -clip, clip). normalize()
// first folds all n rows into the statistics (while update is on), as gymnasium's wrapper does.
class VectorNormalizeObservation {
 public:
  static constexpr double kNoClip = std::numeric_limits<double>::infinity();

  // num_envs: most rows normalize() takes at once (sizes its scratch); clip > 0 or kNoClip.
  VectorNormalizeObservation(int num_envs, int obs_dim, double clip = kNoClip, double epsilon = 1e-8);

  // Updates the statistics with the n rows of obs (if update is on), then writes them normalized.
  // n <= num_envs; obs and out hold n * obs_dim values.
  void normalize(std::span<const float> obs, int n, std::span<float> out);
  // Normalizes with the current statistics, never updating them (evaluation, bootstrap rows); any n.
  void transform(std::span<const float> obs, int n, std::span<float> out) const;

  void set_update(bool on) { update_ = on; }  // off: statistics frozen
  bool update() const { return update_; }
  int num_envs() const { return num_envs_; }
  int obs_dim() const { return obs_dim_; }
  const RunningMeanStd& statistics() const { return rms_; }

  // The statistics (mean [obs_dim], var [obs_dim], count) as bytes, for embedding in checkpoints;
  // deserialize rejects bytes for another obs_dim, naming `where`.
  std::string serialize() const;
  void deserialize(std::string_view bytes, const std::string& where);
  // The same bytes in a state file of kind "VectorNormalizeObservation/1".
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  void check(std::span<const float> obs, int n, std::span<float> out, const char* what) const;
  int num_envs_, obs_dim_;
  double clip_, epsilon_;
  bool update_ = true;
  RunningMeanStd rms_;
  std::vector<double> rows_;  // [num_envs, obs_dim] scratch: obs as float64 for the update
};

// rewards [N] -> clamp(reward / sqrt(var(G) + epsilon), -clip, clip), where each env's discounted
// return G <- G * gamma * (1 - terminated) + reward feeds the variance (all N per step, while
// update is on; G keeps accumulating when frozen, as in gymnasium). Truncation does not reset G.
class VectorNormalizeReward {
 public:
  static constexpr double kNoClip = std::numeric_limits<double>::infinity();

  VectorNormalizeReward(int num_envs, double gamma, double clip = kNoClip, double epsilon = 1e-8);

  // rewards, terminated and out: [num_envs]. The scale is applied as a multiplication by
  // 1 / sqrt(var + epsilon) (what PPO always did, so its results stay bit-identical).
  void normalize(std::span<const double> rewards, std::span<const std::uint8_t> terminated,
                 std::span<double> out);

  void set_update(bool on) { update_ = on; }
  bool update() const { return update_; }
  int num_envs() const { return static_cast<int>(returns_.size()); }
  const RunningMeanStd& statistics() const { return rms_; }  // of G, size 1
  std::span<const double> discounted_returns() const { return returns_; }  // [num_envs]

  // Statistics and the per-env discounted returns; deserialize rejects another num_envs.
  std::string serialize() const;
  void deserialize(std::string_view bytes, const std::string& where);
  // State file of kind "VectorNormalizeReward/1".
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  double gamma_, clip_, epsilon_;
  bool update_ = true;
  RunningMeanStd rms_{1};
  std::vector<double> returns_;  // [num_envs]
};

}  // namespace rlforge
