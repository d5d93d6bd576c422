// Example: a user's C++ env exposed to Python — the env class (corridor.hpp), one
// RLFORGE_REGISTER_ENV line, one RLFORGE_PYTHON_ENV_MODULE line.
// `import rlforge.examples.corridor_env` then makes "Corridor-v0" available to
// rlforge.make/make_vec and gymnasium.make("rlforge/Corridor-v0").
#include "core/registry.hpp"
#include "corridor.hpp"
#include "rlforge_python/env_module.hpp"

using rlforge_examples::Corridor;

RLFORGE_REGISTER_ENV(Corridor, {.id = "Corridor-v0", .max_episode_steps = 50,
                                .reward_threshold = -10.0,
                                .kwargs = R"({"length": 8, "random_start": false})"});

RLFORGE_PYTHON_ENV_MODULE(corridor_env)
