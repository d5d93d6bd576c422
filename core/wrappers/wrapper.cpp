// Wrapper pass-through.
#include "core/wrappers/wrapper.hpp"

#include "core/action_check.hpp"
#include "core/error.hpp"

namespace rlforge {

static std::unique_ptr<Env> require_env(std::unique_ptr<Env> env) {
  if (!env) throw InvalidArgument("wrapper: the inner env is null");
  return env;
}

Wrapper::Wrapper(std::unique_ptr<Env> inner, Space observation_space, Space action_space)
    : Env(std::move(observation_space), std::move(action_space)),
      inner_(require_env(std::move(inner))) {
  set_spec(inner_->spec());
}

Wrapper::Wrapper(std::unique_ptr<Env> inner)
    : Wrapper(require_env(std::move(inner)), Space(), Space()) {
  observation_space_ = inner_->observation_space();
  action_space_ = inner_->action_space();
}

void Wrapper::do_reset(Rng&, const JsonObject* options, std::span<std::byte> obs, Info& info) {
  inner_reset(options, obs, info);
}

StepResult Wrapper::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  return inner_step(action, obs, info);
}

StepResult Wrapper::inner_step(const void* action, std::span<std::byte> obs, Info& info) {
  const Space& s = inner_->action_space();
  if (check_inner_actions_ < 0) {
    check_inner_actions_ = !(action_space_ == s);
    inner_action_scratch_.resize(s.nbytes());
    inner_label_ = id() + " (inner env of a wrapper)";
  }
  if (check_inner_actions_)
    action = checked_action(s, ConstArray{action, s.dtype(), s.shape()},
                            inner_action_scratch_.data(), inner_label_);
  return inner_->step_unchecked(action, obs, info);
}

std::vector<double> Wrapper::append_state(std::span<const double> own) const {
  std::vector<double> v = inner_->checkpoint_state();
  v.insert(v.end(), own.begin(), own.end());
  return v;
}

std::span<const double> Wrapper::restore_inner(std::span<const double> state, std::size_t own_size) {
  if (state.size() < own_size)
    throw InvalidArgument(id() + ": a wrapper's checkpoint state has " + std::to_string(state.size()) +
                          " values, fewer than the wrapper's own " + std::to_string(own_size));
  inner_->restore_checkpoint_state(state.first(state.size() - own_size));
  return state.last(own_size);
}

}  // namespace rlforge
