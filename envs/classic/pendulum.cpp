// pendulum.cpp: Pendulum's spaces, kwargs (g) and reset options (x_init, y_init), and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/pendulum.py.
#include "envs/classic/pendulum.hpp"

#include "core/registry.hpp"

namespace rlforge::classic::pendulum {

Params Model::params(const JsonObject& kwargs) { return {kwargs.get_double("g", 10.0)}; }

Space Model::observation_space(const Params&) {
  return Space::box({-1.0, -1.0, -kMaxSpeed}, {1.0, 1.0, kMaxSpeed}, Shape{3}, DType::float32);
}

Space Model::action_space(const Params&) {
  return Space::box(-kMaxTorque, kMaxTorque, Shape{1}, DType::float32);
}

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  const double x = reset_option(options, "x_init", kPi, id);
  const double y = reset_option(options, "y_init", 1.0, id);
  return pendulum::reset(rng, x, y);
}

}  // namespace rlforge::classic::pendulum

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(PendulumEnv, {.id = "Pendulum-v1",
                          .max_episode_steps = 200,
                          .reward_threshold = std::nullopt,
                          .render_fps = 30,
                          .kwargs = R"({"g": 10.0})",
                          .entry_point = "PendulumEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
