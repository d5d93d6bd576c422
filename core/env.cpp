// Env's public reset/step: validation, seeding and TimeLimit, done once for every env.
#include "core/env.hpp"

#include <cmath>
#include <random>

#include "core/action_check.hpp"
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
    rng().seed(*seed);
    seeded_ = true;
  } else if (!seeded_) {
    rng().seed(entropy_seed());
    seeded_ = true;
  }
  reset_unchecked(options, obs, info);
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
  action_scratch_.resize(action_space_.nbytes());  // allocates once; wrappers may change the space
  const void* a = checked_action(action_space_, action, action_scratch_.data(), id());
  StepResult r = step_unchecked(a, obs, info);
  ++elapsed_steps_;
  if (truncates(elapsed_steps_, time_limit(spec_.max_episode_steps))) r.truncated = true;
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

void Env::draw_frame(Frame& frame) const {
  try {
    draw(frame);
  } catch (const UnsupportedRender&) {
    throw;  // already names the env
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(id() + ": draw: " + e.what());
  } catch (const StateError& e) {
    throw StateError(id() + ": draw: " + e.what());
  }
  if (!frame.begun() || frame.empty())
    throw UnsupportedRender(id() + ": draw() left the frame " + (frame.begun() ? "empty" : "never begun") +
                            ": it draws nothing to render");
}

void Env::draw(Frame&) const {
  throw UnsupportedRender(id() + ": this env does not render: it defines no draw(Frame&) const "
                          "(override draw and renders() to describe its picture, see core/frame.hpp)");
}

}  // namespace rlforge
