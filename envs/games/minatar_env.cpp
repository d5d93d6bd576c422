// minatar_env.cpp: MinAtar's kwargs and the checks on a restored lane.
#include "envs/games/minatar_env.hpp"

#include <cmath>
#include <limits>

namespace rlforge::games {

MinAtarParams minatar_params(const JsonObject& kwargs, const std::string& id) {
  MinAtarParams p;
  p.sticky_action_prob = kwargs.get_double("sticky_action_prob", 0.1);
  if (!(p.sticky_action_prob >= 0.0 && p.sticky_action_prob <= 1.0))
    throw InvalidArgument(id + ": kwarg 'sticky_action_prob' must be in [0, 1], got " +
                          std::to_string(p.sticky_action_prob));
  p.ramping = kwargs.get_bool("ramping", true) && kwargs.get_bool("difficulty_ramping", true);
  return p;
}

void check_lane_values(std::span<const double> values, std::size_t want, const std::string& id) {
  classic::check_state_size(id, values.size(), want);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!(v == std::floor(v) && v >= std::numeric_limits<std::int16_t>::min() &&
          v <= std::numeric_limits<std::int16_t>::max()))
      throw InvalidArgument(id + ": set_state: value " + std::to_string(i) + " is " + std::to_string(v) +
                            ", expected an integer in [-32768, 32767]");
  }
}

}  // namespace rlforge::games
