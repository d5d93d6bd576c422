// ClipAction and RescaleAction.
#include "core/wrappers/action.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace rlforge {

static const Space& require_box(const Env& env, const char* wrapper) {
  const Space& s = env.action_space();
  if (s.kind() != Space::Kind::Box || !dtype_is_float(s.dtype()))
    throw InvalidArgument(env.id() + ": " + wrapper + " needs a floating-point Box action space, got " +
                          s.repr());
  return s;
}

ClipAction::ClipAction(std::unique_ptr<Env> inner) : Wrapper(std::move(inner)) {
  const Space& s = require_box(*inner_, "ClipAction");
  const double inf = std::numeric_limits<double>::infinity();
  action_space_ = Space::box(-inf, inf, s.shape(), s.dtype());
  clipped_.resize(s.nbytes());
}

StepResult ClipAction::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  const Space& s = inner_->action_space();
  for (std::size_t i = 0; i < static_cast<std::size_t>(s.numel()); ++i) {
    const double v = load_as_double(action, s.dtype(), i);
    store_from_double(clipped_.data(), s.dtype(), i, std::clamp(v, s.low()[i], s.high()[i]));
  }
  return inner_step(clipped_.data(), obs, info);
}

RescaleAction::RescaleAction(std::unique_ptr<Env> inner, double min_action, double max_action)
    : RescaleAction(std::move(inner), std::vector<double>{min_action},
                    std::vector<double>{max_action}) {}

RescaleAction::RescaleAction(std::unique_ptr<Env> inner, std::vector<double> min_action,
                             std::vector<double> max_action)
    : Wrapper(std::move(inner)) {
  const Space& s = require_box(*inner_, "RescaleAction");
  action_space_ = Space::box(min_action, max_action, s.shape(), s.dtype());
  const auto n = static_cast<std::size_t>(s.numel());
  for (std::size_t i = 0; i < n; ++i) {
    const double lo = action_space_.low()[i], hi = action_space_.high()[i];
    if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
      throw InvalidArgument(id() + ": RescaleAction needs finite min_action < max_action, got [" +
                            std::to_string(lo) + ", " + std::to_string(hi) + "] at element " +
                            std::to_string(i));
    if (!s.bounded_below(i) || !s.bounded_above(i))
      throw InvalidArgument(id() + ": RescaleAction needs a bounded inner action space, got " +
                            s.repr());
    gradient_.push_back((s.high()[i] - s.low()[i]) / (hi - lo));
    intercept_.push_back(s.high()[i] - gradient_.back() * hi);
  }
  mapped_.resize(s.nbytes());
}

StepResult RescaleAction::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  const Space& s = inner_->action_space();
  for (std::size_t i = 0; i < gradient_.size(); ++i) {
    const double v = gradient_[i] * load_as_double(action, s.dtype(), i) + intercept_[i];
    store_from_double(mapped_.data(), s.dtype(), i, std::clamp(v, s.low()[i], s.high()[i]));
  }
  return inner_step(mapped_.data(), obs, info);
}

}  // namespace rlforge
