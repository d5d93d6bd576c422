// mountain_car_continuous.cpp: MountainCarContinuous's spaces, kwargs (goal_velocity) and reset options, its picture, and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/continuous_mountain_car.py.
#include "envs/classic/mountain_car_continuous.hpp"

#include "core/registry.hpp"
#include "envs/classic/classic_draw.hpp"

namespace rlforge::classic::mountain_car_continuous {

Params Model::params(const JsonObject& kwargs) {
  return {kwargs.get_double("goal_velocity", 0.0)};
}

Space Model::observation_space(const Params&) {
  return Space::box({kMinPosition, -kMaxSpeed}, {kMaxPosition, kMaxSpeed}, Shape{2},
                    DType::float32);
}

Space Model::action_space(const Params&) {
  return Space::box(kMinAction, kMaxAction, Shape{1}, DType::float32);
}

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  const ResetBounds b = reset_bounds(options, -0.6, -0.4, id);
  return mountain_car_continuous::reset(rng, b.low, b.high);
}

// gymnasium draws both mountain cars alike (classic_draw.cpp), each with its own goal.
void Model::draw(const State& s, const Params&, const Action*, Frame& f) {
  draw::mountain_car_scene(f, s.position, kGoalPosition);
}

}  // namespace rlforge::classic::mountain_car_continuous

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(MountainCarContinuousEnv, {.id = "MountainCarContinuous-v0",
                          .max_episode_steps = 999,
                          .reward_threshold = 90.0,
                          .render_fps = 30,
                          .kwargs = R"({"goal_velocity": 0.0})",
                          .entry_point = "MountainCarContinuousEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
