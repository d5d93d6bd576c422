// cartpole.cpp: CartPole's spaces, kwargs and reset options, its picture, and its registration (v0 and v1).
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/cartpole.py.
#include "envs/classic/cartpole.hpp"

#include <limits>

#include "core/registry.hpp"
#include "envs/classic/classic_draw.hpp"

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

// 600x400, 125 pixels a metre (the track, +-2.4 m, spans the width); the cart's middle row is
// y = 100 and the pole turns about a point 7.5 pixels above it.
void Model::draw(const State& s, const Params&, const Action*, Frame& f) {
  constexpr int kWidth = 600, kHeight = 400;
  draw::begin_pygame_canvas(f, kWidth, kHeight);
  constexpr double scale = kWidth / (kXThreshold * 2);
  constexpr double polewidth = 10.0, polelen = scale * (2 * kLength);
  constexpr double cartwidth = 50.0, cartheight = 30.0;
  constexpr double axleoffset = cartheight / 4.0;
  constexpr int carty = 100;
  const double cartx = s.x * scale + kWidth / 2.0;

  const auto cart = draw::rotated_box(-cartwidth / 2, cartwidth / 2, -cartheight / 2,
                                      cartheight / 2, 0.0, {cartx, carty});
  draw::solid_polygon(f, cart, draw::kBlack);
  const auto pole = draw::rotated_box(-polewidth / 2, polewidth / 2, -polewidth / 2,
                                      polelen - polewidth / 2, -s.theta,
                                      {cartx, carty + axleoffset});
  draw::solid_polygon(f, pole, Color{202, 152, 101, 255});
  draw::solid_circle(f, static_cast<int>(cartx), static_cast<int>(carty + axleoffset),
                     static_cast<int>(polewidth / 2), Color{129, 132, 203, 255});
  draw::pixel_hline(f, 0, kWidth, carty, draw::kBlack);  // the track, over everything
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
