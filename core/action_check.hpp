// action_check.hpp: the one action validation, shared by Env::step and VectorEnv::step.
#pragma once
#include <cstddef>
#include <string>

#include "core/space.hpp"

namespace rlforge {

// Checks `action` against `space` and returns it in the space's dtype: the caller's data when
// dtype and shape already match, else its cast into `scratch` (space.nbytes() bytes).
// Throws InvalidAction naming env `id`, the row of a batch (row >= 0: "action of env 3"),
// the value and the space, and why it is not contained.
const void* checked_action(const Space& space, const ConstArray& action, std::byte* scratch,
                           const std::string& id, int row = -1);

}  // namespace rlforge
