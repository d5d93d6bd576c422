// cartpole.cpp: CartPole's spaces, kwargs and reset options, and its registration (v0 and v1).
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/cartpole.py.
#include "envs/classic/cartpole.hpp"

#include <limits>

#include "core/registry.hpp"

namespace rlforge::classic::cartpole {

Params Model::params(const JsonObject& kwargs) {
  return {kwargs.get_bool("sutton_barto_reward", false)};
}

Space Model::observation_space(const Params&) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> high{kXThreshold * 2, inf, kThetaThreshold * 2, inf};
  return Space::box({-high[0], -inf, -high[2], -inf}, high, Shape{4}, DType::float32);
}

Space Model::action_space(const Params&) { return Space::discrete(2); }

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  const ResetBounds b = reset_bounds(options, -0.05, 0.05, id);
  return cartpole::reset(rng, b.low, b.high);
}

}  // namespace rlforge::classic::cartpole

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(CartPoleEnv, {.id = "CartPole-v0",
                          .max_episode_steps = 200,
                          .reward_threshold = 195.0,
                          .render_fps = 50,
                          .kwargs = R"({"sutton_barto_reward": false})",
                          .entry_point = "CartPoleEnv",
                          .exposes_state = true});
RLFORGE_REGISTER_ENV(CartPoleEnv, {.id = "CartPole-v1",
                          .max_episode_steps = 500,
                          .reward_threshold = 475.0,
                          .render_fps = 50,
                          .kwargs = R"({"sutton_barto_reward": false})",
                          .entry_point = "CartPoleEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
