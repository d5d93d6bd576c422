// acrobot.cpp: Acrobot's spaces and reset options, and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/acrobot.py.
#include "envs/classic/acrobot.hpp"

#include "core/registry.hpp"

namespace rlforge::classic::acrobot {

Params Model::params(const JsonObject&) { return {}; }

Space Model::observation_space(const Params&) {
  return Space::box({-1.0, -1.0, -1.0, -1.0, -kMaxVel1, -kMaxVel2},
                    {1.0, 1.0, 1.0, 1.0, kMaxVel1, kMaxVel2}, Shape{6}, DType::float32);
}

Space Model::action_space(const Params&) { return Space::discrete(3); }

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  const ResetBounds b = reset_bounds(options, -0.1, 0.1, id);
  return acrobot::reset(rng, b.low, b.high);
}

}  // namespace rlforge::classic::acrobot

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(AcrobotEnv, {.id = "Acrobot-v1",
                          .max_episode_steps = 500,
                          .reward_threshold = -100.0,
                          .render_fps = 15,
                          .kwargs = "{}",
                          .entry_point = "AcrobotEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
