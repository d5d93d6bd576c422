// mountain_car.cpp: MountainCar's spaces, kwargs (goal_velocity) and reset options, its picture, and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/mountain_car.py.
#include "envs/classic/mountain_car.hpp"

#include "core/registry.hpp"
#include "envs/classic/classic_draw.hpp"

namespace rlforge::classic::mountain_car {

Params Model::params(const JsonObject& kwargs) {
  return {kwargs.get_double("goal_velocity", 0.0)};
}

Space Model::observation_space(const Params&) {
  return Space::box({kMinPosition, -kMaxSpeed}, {kMaxPosition, kMaxSpeed}, Shape{2},
                    DType::float32);
}

Space Model::action_space(const Params&) { return Space::discrete(3); }

State Model::reset(Rng& rng, const JsonObject* options, const Params&, const std::string& id) {
  const ResetBounds b = reset_bounds(options, -0.6, -0.4, id);
  return mountain_car::reset(rng, b.low, b.high);
}

// gymnasium draws both mountain cars alike (classic_draw.cpp), each with its own goal.
void Model::draw(const State& s, const Params&, const Action*, Frame& f) {
  draw::mountain_car_scene(f, s.position, kGoalPosition);
}

}  // namespace rlforge::classic::mountain_car

namespace rlforge::classic {
RLFORGE_REGISTER_ENV(MountainCarEnv, {.id = "MountainCar-v0",
                          .max_episode_steps = 200,
                          .reward_threshold = -110.0,
                          .render_fps = 30,
                          .kwargs = R"({"goal_velocity": 0.0})",
                          .entry_point = "MountainCarEnv",
                          .exposes_state = true});
}  // namespace rlforge::classic
