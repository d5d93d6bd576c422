// Wrapper pass-through.
#include "core/wrappers/wrapper.hpp"

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
  disable_time_limit();
}

Wrapper::Wrapper(std::unique_ptr<Env> inner)
    : Wrapper(require_env(std::move(inner)), Space(), Space()) {
  observation_space_ = inner_->observation_space();
  action_space_ = inner_->action_space();
}

void Wrapper::do_reset(Rng&, const JsonObject* options, std::span<std::byte> obs, Info& info) {
  inner_->reset(reset_seed(), obs, info, options);
}

StepResult Wrapper::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  return inner_->step(inner_action(action), obs, info);
}

}  // namespace rlforge
