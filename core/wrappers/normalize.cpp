// Observation and reward normalization wrappers and their state files.
#include "core/wrappers/normalize.hpp"

#include <cereal/archives/binary.hpp>
#include <cereal/types/vector.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/state_file.hpp"

namespace rlforge {

namespace {
constexpr const char* kObsKind = "NormalizeObservation/1";
constexpr const char* kRewardKind = "NormalizeReward/1";

Space unbounded_like(const Space& s) {
  const double inf = std::numeric_limits<double>::infinity();
  return Space::box(-inf, inf, s.shape(), DType::float32);
}

template <class... T>
std::string to_bytes(T&... values) {
  std::ostringstream os;
  {
    cereal::BinaryOutputArchive ar(os);
    ar(values...);
  }
  return os.str();
}

template <class... T>
void from_bytes(const std::string& path, const std::string& bytes, T&... values) {
  std::istringstream is(bytes);
  try {
    cereal::BinaryInputArchive ar(is);
    ar(values...);
  } catch (const cereal::Exception& e) {
    throw ConfigError(path + ": malformed payload: " + e.what());
  }
}
}  // namespace

NormalizeObservation::NormalizeObservation(std::unique_ptr<Env> inner, double epsilon)
    : Wrapper(std::move(inner)), epsilon_(epsilon) {
  if (!(epsilon > 0))
    throw InvalidArgument(id() + ": NormalizeObservation epsilon must be > 0, got " +
                          std::to_string(epsilon));
  observation_space_ = unbounded_like(inner_->observation_space());
  const auto n = static_cast<std::size_t>(inner_->observation_space().numel());
  rms_ = RunningMeanStd(n);
  inner_obs_.resize(inner_->observation_space().nbytes());
  x_.resize(n);
}

void NormalizeObservation::normalize(std::span<std::byte> out) {
  const DType t = inner_->observation_space().dtype();
  for (std::size_t i = 0; i < x_.size(); ++i) x_[i] = load_as_double(inner_obs_.data(), t, i);
  if (update_) rms_.update_one(x_);
  auto* o = reinterpret_cast<float*>(out.data());
  for (std::size_t i = 0; i < x_.size(); ++i)
    o[i] = static_cast<float>((x_[i] - rms_.mean()[i]) / std::sqrt(rms_.var()[i] + epsilon_));
}

void NormalizeObservation::do_reset(Rng&, const JsonObject* options, std::span<std::byte> obs,
                                    Info& info) {
  inner_reset(options, inner_obs_, info);
  normalize(obs);
}

StepResult NormalizeObservation::do_step(const void* action, std::span<std::byte> obs,
                                         Info& info) {
  const StepResult r = inner_step(action, inner_obs_, info);
  normalize(obs);
  return r;
}

void NormalizeObservation::save(const std::string& path) const {
  auto copy = rms_;
  double eps = epsilon_;
  save_state_file(path, kObsKind, to_bytes(copy, eps));
}

void NormalizeObservation::load(const std::string& path) {
  RunningMeanStd loaded;
  double eps = 0;
  from_bytes(path, load_state_file(path, kObsKind), loaded, eps);
  if (loaded.size() != rms_.size() || loaded.var().size() != rms_.size())
    throw ConfigError(path + ": holds observation statistics for " +
                      std::to_string(loaded.size()) + " values, but " + id() +
                      " observations have " + std::to_string(rms_.size()) + " (" +
                      inner_->observation_space().repr() + ")");
  rms_ = std::move(loaded);
  epsilon_ = eps;
}

NormalizeReward::NormalizeReward(std::unique_ptr<Env> inner, double gamma, double epsilon)
    : Wrapper(std::move(inner)), gamma_(gamma), epsilon_(epsilon) {
  if (!(gamma >= 0 && gamma <= 1))
    throw InvalidArgument(id() + ": NormalizeReward gamma must be in [0, 1], got " +
                          std::to_string(gamma));
  if (!(epsilon > 0))
    throw InvalidArgument(id() + ": NormalizeReward epsilon must be > 0, got " +
                          std::to_string(epsilon));
}

StepResult NormalizeReward::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  StepResult r = Wrapper::do_step(action, obs, info);
  discounted_ = discounted_ * gamma_ * (r.terminated ? 0.0 : 1.0) + r.reward;
  if (update_) rms_.update_one(std::span<const double>(&discounted_, 1));
  r.reward = r.reward / std::sqrt(rms_.var()[0] + epsilon_);
  return r;
}

void NormalizeReward::save(const std::string& path) const {
  auto copy = rms_;
  double g = gamma_, eps = epsilon_, d = discounted_;
  save_state_file(path, kRewardKind, to_bytes(copy, g, eps, d));
}

void NormalizeReward::load(const std::string& path) {
  RunningMeanStd loaded;
  double g = 0, eps = 0, d = 0;
  from_bytes(path, load_state_file(path, kRewardKind), loaded, g, eps, d);
  if (loaded.size() != 1)
    throw ConfigError(path + ": reward statistics must hold 1 value, found " +
                      std::to_string(loaded.size()));
  rms_ = std::move(loaded);
  gamma_ = g;
  epsilon_ = eps;
  discounted_ = d;
}

// Running statistics as [count, mean..., var...] after the inner env's state.
static void append_moments(std::vector<double>& v, const RunningMeanStd& rms) {
  v.push_back(rms.count());
  v.insert(v.end(), rms.mean().begin(), rms.mean().end());
  v.insert(v.end(), rms.var().begin(), rms.var().end());
}

static void restore_moments(std::span<const double> own, RunningMeanStd& rms) {
  const std::size_t n = rms.size();
  rms.set(std::vector<double>(own.begin() + 1, own.begin() + 1 + static_cast<std::ptrdiff_t>(n)),
          std::vector<double>(own.begin() + 1 + static_cast<std::ptrdiff_t>(n), own.end()), own[0]);
}

std::vector<double> NormalizeObservation::checkpoint_state() const {
  std::vector<double> own;
  append_moments(own, rms_);
  return append_state(own);
}

void NormalizeObservation::restore_checkpoint_state(std::span<const double> state) {
  restore_moments(restore_inner(state, 1 + 2 * rms_.size()), rms_);
}

std::vector<double> NormalizeReward::checkpoint_state() const {
  std::vector<double> own{discounted_};
  append_moments(own, rms_);
  return append_state(own);
}

void NormalizeReward::restore_checkpoint_state(std::span<const double> state) {
  const std::span<const double> own = restore_inner(state, 2 + 2 * rms_.size());
  discounted_ = own[0];
  restore_moments(own.subspan(1), rms_);
}

}  // namespace rlforge
