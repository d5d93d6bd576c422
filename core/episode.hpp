// episode.hpp: the TimeLimit rule, written once for a standalone Env and for VectorEnv's lanes.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>

namespace rlforge {

// Steps taken in the current episode (one counter type for Env and every VectorEnv lane).
using StepCount = std::int32_t;

// The step count at which the TimeLimit truncates; without a limit, the largest count.
constexpr StepCount time_limit(const std::optional<int>& max_episode_steps) {
  return max_episode_steps && *max_episode_steps > 0 ? *max_episode_steps
                                                     : std::numeric_limits<StepCount>::max();
}

// 1 when an episode that has taken `elapsed` steps is truncated by `limit`. Integer, not bool:
// VectorEnv's lane loop combines it with masks and GCC vectorizes that, not bool logic.
constexpr StepCount truncates(StepCount elapsed, StepCount limit) { return elapsed >= limit; }

}  // namespace rlforge
