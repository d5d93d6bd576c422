// The custom_env example's envs (NoisyWalk-v0, PointMass-v0) as a Python module: their sources
// already hold the RLFORGE_REGISTER_ENV lines, so this one line is all Python needs.
// `import custom_envs` then makes them rlforge.make / gymnasium.make("rlforge/<id>") envs.
#include "rlforge_python/env_module.hpp"

RLFORGE_PYTHON_ENV_MODULE(custom_envs)
