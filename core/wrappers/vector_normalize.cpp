// Vector-level observation and reward normalization: batch updates, clipping, state bytes and files.
#include "core/wrappers/vector_normalize.hpp"

#include <cereal/archives/binary.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/state_file.hpp"

namespace rlforge {

namespace {
constexpr const char* kObsKind = "VectorNormalizeObservation/1";
constexpr const char* kRewardKind = "VectorNormalizeReward/1";

void check_settings(const char* who, double clip, double epsilon) {
  if (!(clip > 0))
    throw InvalidArgument(std::string(who) + ": clip must be > 0 (kNoClip for none), got " + std::to_string(clip));
  if (!(epsilon > 0))
    throw InvalidArgument(std::string(who) + ": epsilon must be > 0, got " + std::to_string(epsilon));
}

// RunningMeanStd sizes its batch scratch on the first update. Do that update here on zeros and
// put back the initial state (mean 0, var 1, count 1e-4), so no step allocates.
void presize(RunningMeanStd& rms, std::span<const double> zeros, std::size_t rows) {
  rms.update(zeros, rows);
  rms.set(std::vector<double>(rms.size(), 0.0), std::vector<double>(rms.size(), 1.0), RunningMeanStd().count());
}

// Reads a RunningMeanStd (and, if given, a vector) from bytes written by cereal, rejecting
// malformed or over-long input with `where` in the message.
void read_state(std::string_view bytes, const std::string& where, RunningMeanStd& rms,
                std::vector<double>* extra) {
  std::istringstream is{std::string(bytes)};
  try {
    cereal::BinaryInputArchive ar(is);
    ar(rms);
    if (extra) ar(*extra);
  } catch (const cereal::Exception& e) {
    throw ConfigError(where + ": malformed normalizer state: " + e.what());
  }
  if (is.peek() != std::char_traits<char>::eof())
    throw ConfigError(where + ": unexpected bytes after the normalizer state");
}
}  // namespace

VectorNormalizeObservation::VectorNormalizeObservation(int num_envs, int obs_dim, double clip, double epsilon)
    : num_envs_(num_envs), obs_dim_(obs_dim), clip_(clip), epsilon_(epsilon) {
  if (num_envs < 1 || obs_dim < 1)
    throw InvalidArgument("VectorNormalizeObservation: num_envs and obs_dim must be >= 1, got " +
                          std::to_string(num_envs) + " and " + std::to_string(obs_dim));
  check_settings("VectorNormalizeObservation", clip, epsilon);
  rms_ = RunningMeanStd(static_cast<std::size_t>(obs_dim));
  rows_.resize(static_cast<std::size_t>(num_envs) * static_cast<std::size_t>(obs_dim));
  presize(rms_, rows_, static_cast<std::size_t>(num_envs));
}

void VectorNormalizeObservation::check(std::span<const float> obs, int n, std::span<float> out,
                                       const char* what) const {
  const auto need = static_cast<std::size_t>(n) * static_cast<std::size_t>(obs_dim_);
  if (n < 0 || obs.size() != need || out.size() < need)
    throw InvalidArgument(std::string("VectorNormalizeObservation::") + what + ": n = " + std::to_string(n) +
                          " rows of obs_dim " + std::to_string(obs_dim_) + " need " + std::to_string(need) +
                          " values, got obs " + std::to_string(obs.size()) + " and out " +
                          std::to_string(out.size()));
}

void VectorNormalizeObservation::normalize(std::span<const float> obs, int n, std::span<float> out) {
  check(obs, n, out, "normalize");
  if (n > num_envs_)
    throw InvalidArgument("VectorNormalizeObservation::normalize: " + std::to_string(n) +
                          " rows, built for at most num_envs = " + std::to_string(num_envs_));
  if (update_) {
    const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(obs_dim_);
    std::copy_n(obs.begin(), count, rows_.begin());
    rms_.update(std::span<const double>(rows_.data(), count), static_cast<std::size_t>(n));
  }
  transform(obs, n, out);
}

void VectorNormalizeObservation::transform(std::span<const float> obs, int n, std::span<float> out) const {
  check(obs, n, out, "transform");
  const auto d = static_cast<std::size_t>(obs_dim_);
  const auto& m = rms_.mean();
  const auto& v = rms_.var();
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double z = (obs[i * d + j] - m[j]) / std::sqrt(v[j] + epsilon_);
      out[i * d + j] = static_cast<float>(std::clamp(z, -clip_, clip_));
    }
}

std::string VectorNormalizeObservation::serialize() const {
  std::ostringstream os;
  {
    cereal::BinaryOutputArchive ar(os);
    auto copy = rms_;  // cereal's save takes non-const references
    ar(copy);
  }
  return os.str();
}

void VectorNormalizeObservation::deserialize(std::string_view bytes, const std::string& where) {
  RunningMeanStd loaded;
  read_state(bytes, where, loaded, nullptr);
  if (loaded.size() != rms_.size() || loaded.var().size() != rms_.size())
    throw ConfigError(where + ": holds observation statistics for " + std::to_string(loaded.size()) +
                      " values, this normalizer has obs_dim " + std::to_string(obs_dim_));
  rms_.set(loaded.mean(), loaded.var(), loaded.count());
}

void VectorNormalizeObservation::save(const std::string& path) const { save_state_file(path, kObsKind, serialize()); }

void VectorNormalizeObservation::load(const std::string& path) { deserialize(load_state_file(path, kObsKind), path); }

VectorNormalizeReward::VectorNormalizeReward(int num_envs, double gamma, double clip, double epsilon)
    : gamma_(gamma), clip_(clip), epsilon_(epsilon) {
  if (num_envs < 1)
    throw InvalidArgument("VectorNormalizeReward: num_envs must be >= 1, got " + std::to_string(num_envs));
  if (!(gamma >= 0 && gamma <= 1))
    throw InvalidArgument("VectorNormalizeReward: gamma must be in [0, 1], got " + std::to_string(gamma));
  check_settings("VectorNormalizeReward", clip, epsilon);
  returns_.assign(static_cast<std::size_t>(num_envs), 0.0);
  presize(rms_, returns_, returns_.size());
}

void VectorNormalizeReward::normalize(std::span<const double> rewards, std::span<const std::uint8_t> terminated,
                                      std::span<double> out) {
  const std::size_t n = returns_.size();
  if (rewards.size() != n || terminated.size() != n || out.size() != n)
    throw InvalidArgument("VectorNormalizeReward::normalize: expected num_envs = " + std::to_string(n) +
                          " rewards, terminated flags and outputs, got " + std::to_string(rewards.size()) + ", " +
                          std::to_string(terminated.size()) + " and " + std::to_string(out.size()));
  for (std::size_t i = 0; i < n; ++i) returns_[i] = returns_[i] * gamma_ * (1.0 - terminated[i]) + rewards[i];
  if (update_) rms_.update(returns_, n);
  const double scale = 1.0 / std::sqrt(rms_.var()[0] + epsilon_);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::clamp(rewards[i] * scale, -clip_, clip_);
}

std::string VectorNormalizeReward::serialize() const {
  std::ostringstream os;
  {
    cereal::BinaryOutputArchive ar(os);
    auto copy = rms_;
    auto returns = returns_;
    ar(copy, returns);
  }
  return os.str();
}

void VectorNormalizeReward::deserialize(std::string_view bytes, const std::string& where) {
  RunningMeanStd loaded;
  std::vector<double> returns;
  read_state(bytes, where, loaded, &returns);
  if (loaded.size() != 1 || loaded.var().size() != 1)
    throw ConfigError(where + ": reward statistics must hold 1 value, found " + std::to_string(loaded.size()));
  if (returns.size() != returns_.size())
    throw ConfigError(where + ": holds discounted returns for " + std::to_string(returns.size()) +
                      " envs, this normalizer has num_envs " + std::to_string(returns_.size()));
  rms_.set(loaded.mean(), loaded.var(), loaded.count());
  std::copy(returns.begin(), returns.end(), returns_.begin());
}

void VectorNormalizeReward::save(const std::string& path) const { save_state_file(path, kRewardKind, serialize()); }

void VectorNormalizeReward::load(const std::string& path) { deserialize(load_state_file(path, kRewardKind), path); }

}  // namespace rlforge
