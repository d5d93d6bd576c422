// The one action validation: cast to the space's dtype when needed, then bounds and NaN.
#include "core/action_check.hpp"

#include "core/error.hpp"

namespace rlforge {

[[noreturn]] static void throw_invalid(const Space& space, const ConstArray& action,
                                       const std::string& id, int row, const std::string& why) {
  const std::string what = row < 0 ? "invalid action " : "action of env " + std::to_string(row) + " ";
  throw InvalidAction(id + ": " + what + format_values(action) + (row < 0 ? " for " : " is not in ") +
                      space.repr() + ": " + why);
}

const void* checked_action(const Space& space, const ConstArray& action, std::byte* scratch,
                           const std::string& id, int row) {
  const void* a = action.data;
  if (action.dtype != space.dtype() || !(action.shape == space.shape())) {
    if (!cast_into(space, action, scratch))
      throw_invalid(space, action, id, row, space.explain_not_contained(action));
    a = scratch;
  }
  const ConstArray typed{a, space.dtype(), space.shape()};
  if (std::string why = space.explain_not_contained(typed); !why.empty())
    throw_invalid(space, action, id, row, why);
  return a;
}

}  // namespace rlforge
