// Example: a user-defined env in the user's own .cpp — subclass rlforge::Env, register it
// with one line, then make it by id and step it in a TBB VectorEnv like any built-in env.
//
// The env class itself (Corridor-v0, a 1-D corridor) is in corridor.hpp, shared with the
// Python example module corridor_env.cpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <algorithm>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "corridor.hpp"

using rlforge_examples::Corridor;  // the env class, in corridor.hpp

// The one line: id, TimeLimit, threshold, and the accepted kwargs with their defaults.
RLFORGE_REGISTER_ENV(Corridor, {.id = "Corridor-v0", .max_episode_steps = 50,
                                .reward_threshold = -10.0,
                                .kwargs = R"({"length": 8, "random_start": false})"});

#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "custom_env: check failed: %s (line %d)\n", #cond, __LINE__); \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main() {
  // A single env by id, with kwargs.
  auto env = rlforge::make("Corridor-v0", R"({"length": 5})");
  std::vector<float> obs(5);
  rlforge::Info info;
  env->reset(0, std::span<float>(obs), info);
  double ret = 0;
  rlforge::StepResult r;
  int steps = 0;
  do {
    const std::int64_t right = 1;
    r = env->step(rlforge::scalar_view(right), std::span<float>(obs), info);
    ret += r.reward;
    ++steps;
  } while (!r.terminated && !r.truncated);
  std::printf("Corridor-v0 (length 5), always right: %d steps, return %.0f\n", steps, ret);
  EXPECT(steps == 4 && ret == -3.0 && obs[4] == 1.0f);

  // Bad input is reported with the env id and the space.
  try {
    const std::int64_t bad = 2;
    env->reset(0, std::span<float>(obs), info);
    env->step(rlforge::scalar_view(bad), std::span<float>(obs), info);
    EXPECT(false);
  } catch (const rlforge::InvalidAction& e) {
    std::printf("rejected: %s\n", e.what());
    EXPECT(std::strstr(e.what(), "Corridor-v0") && std::strstr(e.what(), "Discrete(2)"));
  }

  // The same env in a TBB VectorEnv: 64 copies, random starts, always moving right.
  rlforge::VectorEnv vec("Corridor-v0", 64, R"({"random_start": true})", {.num_threads = 2});
  vec.reset(123);
  std::vector<std::int64_t> actions(64, 1);
  int finished = 0;
  for (int t = 0; t < 20; ++t) {
    vec.step(rlforge::ConstArray{actions.data(), rlforge::DType::int64, rlforge::Shape{64}});
    for (int i = 0; i < 64; ++i) finished += vec.terminated()[i];
  }
  std::printf("VectorEnv of 64 Corridor-v0 envs: %d episodes finished in 20 steps\n", finished);
  // Each episode takes at most 7 steps plus one reset step, so every env finishes at least twice.
  EXPECT(finished >= 128);
  return 0;
}
