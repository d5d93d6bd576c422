// Test plugin: registers the example Corridor-v0 env (examples/corridor/) for `rlforge --plugin`.
#include "core/registry.hpp"
#include "examples/corridor/corridor.hpp"

using rlforge_examples::Corridor;

RLFORGE_REGISTER_ENV(Corridor, {.id = "Corridor-v0", .max_episode_steps = 50,
                                .reward_threshold = -10.0,
                                .kwargs = R"({"length": 8, "random_start": false})"});
