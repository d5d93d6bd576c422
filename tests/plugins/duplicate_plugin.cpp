// Test plugin that registers an id rlforge already has (CartPole-v1) and one new id: the CLI
// must refuse it, naming the file and the taken id.
#include "core/registry.hpp"
#include "examples/corridor/corridor.hpp"

using rlforge_examples::Corridor;

RLFORGE_REGISTER_ENV(Corridor, {.id = "CartPole-v1", .kwargs = R"({"length": 8, "random_start": false})"});
RLFORGE_REGISTER_ENV(Corridor, {.id = "Corridor-v7", .kwargs = R"({"length": 8, "random_start": false})"});
