// compute_gae: the backward recursion A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}.
#include "agents/gae.hpp"

#include <cstddef>

namespace rlforge::agents {

void compute_gae(std::span<const float> rewards, std::span<const float> values,
                 std::span<const float> dones, std::span<const float> last_values, int T, int N,
                 double gamma, double lambda, std::span<float> advantages, std::span<float> returns) {
  for (int i = 0; i < N; ++i) {
    double next_adv = 0.0;
    double next_value = last_values[static_cast<std::size_t>(i)];
    for (int t = T - 1; t >= 0; --t) {
      const auto k = static_cast<std::size_t>(t) * static_cast<std::size_t>(N) + static_cast<std::size_t>(i);
      const double not_done = 1.0 - dones[k];
      const double delta = rewards[k] + gamma * next_value * not_done - values[k];
      next_adv = delta + gamma * lambda * not_done * next_adv;
      advantages[k] = static_cast<float>(next_adv);
      returns[k] = static_cast<float>(next_adv + values[k]);
      next_value = values[k];
    }
  }
}

}  // namespace rlforge::agents
