// acrobot.cpp: Acrobot's spaces and reset options, its picture, and its registration.
// Reference: gymnasium 1.4.0 gymnasium/envs/classic_control/acrobot.py.
#include "envs/classic/acrobot.hpp"

#include <cmath>

#include "core/registry.hpp"
#include "envs/classic/classic_draw.hpp"

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

// 500x500, the fixed pivot in the middle, 2.2 link lengths to each edge; theta1 = 0 hangs the
// first link straight down. The horizontal line one link length above the pivot is the height
// the free end must pass.
void Model::draw(const State& s, const Params&, const Action*, Frame& f) {
  constexpr int kCanvas = 500;
  draw::begin_pygame_canvas(f, kCanvas, kCanvas);
  constexpr double kLinkLength2 = 1.0;
  constexpr double bound = kLinkLength1 + kLinkLength2 + 0.2;
  constexpr double scale = kCanvas / (bound * 2), offset = kCanvas / 2.0;
  // pygame.draw.line (1 pixel, not anti-aliased) truncates its float ends to pixels.
  draw::pixel_hline(f, static_cast<int>(-2.2 * scale + offset), static_cast<int>(2.2 * scale + offset),
                    static_cast<int>(1 * scale + offset), draw::kBlack);
  // The joints: the pivot, then the end of link 1 (gymnasium's p1 with x and y swapped).
  const draw::Point joints[2] = {
      {offset, offset},
      {kLinkLength1 * std::sin(s.theta1) * scale + offset,
       -kLinkLength1 * std::cos(s.theta1) * scale + offset}};
  const double thetas[2] = {s.theta1 - kPi / 2, s.theta1 + s.theta2 - kPi / 2};
  const double lengths[2] = {kLinkLength1 * scale, kLinkLength2 * scale};
  for (int k = 0; k < 2; ++k) {
    const draw::Point at = joints[k];
    const auto link = draw::rotated_box(0, lengths[k], -0.1 * scale, 0.1 * scale, thetas[k], at);
    draw::solid_polygon(f, link, Color{0, 204, 204, 255});
    draw::solid_circle(f, static_cast<int>(at.x), static_cast<int>(at.y),
                       static_cast<int>(0.1 * scale), Color{204, 204, 0, 255});
  }
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
