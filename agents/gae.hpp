// Generalized advantage estimation over a [T, N] rollout (time-major, N envs per step).
#pragma once
#include <span>

namespace rlforge::agents {

// rewards, values, dones: [T * N] (row t holds step t of every env); dones[t, i] = 1 when step t
// ended env i's episode (terminated or truncated: a truncated step's reward must already include
// gamma * V(final observation)). last_values [N]: V of the observation after step T-1.
// Writes advantages and returns (= advantages + values), both [T * N].
void compute_gae(std::span<const float> rewards, std::span<const float> values,
                 std::span<const float> dones, std::span<const float> last_values, int T, int N,
                 double gamma, double lambda, std::span<float> advantages, std::span<float> returns);

}  // namespace rlforge::agents
