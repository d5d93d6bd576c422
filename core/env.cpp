// Env's public reset/step: validation, seeding and TimeLimit, done once for every env.
#include "core/env.hpp"

#include <cmath>
#include <random>

#include "core/error.hpp"

namespace rlforge {

std::uint64_t entropy_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

Env::Env(Space observation_space, Space action_space)
    : observation_space_(std::move(observation_space)),
      action_space_(std::move(action_space)) {}

void Env::check_obs_type(DType t) const {
  if (t != observation_space_.dtype())
    throw InvalidArgument(id() + ": observation buffer has dtype " +
                          std::string(dtype_name(t)) + ", expected " +
                          std::string(dtype_name(observation_space_.dtype())) + " for " +
                          observation_space_.repr());
}

void Env::check_obs_size(std::size_t n) const {
  if (n != observation_space_.nbytes())
    throw InvalidArgument(id() + ": observation buffer has " + std::to_string(n) +
                          " bytes, expected " + std::to_string(observation_space_.nbytes()) +
                          " for " + observation_space_.repr());
}

void Env::reset(std::optional<std::uint64_t> seed, std::span<std::byte> obs, Info& info,
                const JsonObject* options) {
  check_obs_size(obs.size());
  if (seed) {
    rng_.seed(*seed);
    seeded_ = true;
  } else if (!seeded_) {
    rng_.seed(entropy_seed());
    seeded_ = true;
  }
  info.clear();
  reset_seed_ = seed;
  do_reset(rng_, options, obs, info);
  elapsed_steps_ = 0;
  needs_reset_ = false;
}

StepResult Env::step(const ConstArray& action, std::span<std::byte> obs, Info& info) {
  check_obs_size(obs.size());
  if (needs_reset_)
    throw StateError(id() + ": step() called " +
                     (elapsed_steps_ ? std::string("after the episode ended (terminated or "
                                                   "truncated) without reset()")
                                     : std::string("before reset()")));
  const void* a = action.data;
  // Fast path: exact dtype and shape, then only the bounds need checking.
  if (action.dtype != action_space_.dtype() || !(action.shape == action_space_.shape())) {
    action_scratch_.resize(action_space_.nbytes());  // allocates once; wrappers may change the space
    if (!cast_into(action_space_, action, action_scratch_.data()))
      throw InvalidAction(id() + ": invalid action " + format_values(action) + " for " +
                          action_space_.repr() + ": " +
                          action_space_.explain_not_contained(action));
    a = action_scratch_.data();
  }
  const ConstArray typed{a, action_space_.dtype(), action_space_.shape()};
  if (std::string why = action_space_.explain_not_contained(typed); !why.empty())
    throw InvalidAction(id() + ": invalid action " + format_values(action) + " for " +
                        action_space_.repr() + ": " + why);
  info.clear();
  StepResult r = do_step(a, obs, info);
  ++elapsed_steps_;
  if (apply_time_limit_ && spec_.max_episode_steps &&
      elapsed_steps_ >= *spec_.max_episode_steps) r.truncated = true;
  needs_reset_ = r.terminated || r.truncated;
  return r;
}

std::vector<double> Env::get_state() const {
  throw InvalidArgument(id() + ": this env does not expose its state (get_state)");
}

void Env::set_state(std::span<const double>) {
  throw InvalidArgument(id() + ": this env does not expose its state (set_state)");
}

std::vector<double> BatchedEnv::get_state(int) const {
  throw InvalidArgument("this batched env does not expose its lanes' state (get_state)");
}

void BatchedEnv::set_state(int, std::span<const double>) {
  throw InvalidArgument("this batched env does not expose its lanes' state (set_state)");
}

std::unique_ptr<BatchedEnv> Env::make_batched(int) const { return nullptr; }

}  // namespace rlforge
