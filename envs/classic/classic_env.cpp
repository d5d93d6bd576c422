// classic_env.cpp: reset-option parsing and state-size checks shared by the classic-control envs.
#include "envs/classic/classic_env.hpp"

#include <cmath>
#include <sstream>

namespace rlforge::classic {

namespace {
std::string repr(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}
}  // namespace

void check_reset_keys(const JsonObject* options, std::initializer_list<const char*> accepted,
                      const std::string& id) {
  if (!options) return;
  for (const auto& key : options->keys()) {
    bool known = false;
    std::string list;
    for (const char* k : accepted) {
      known |= key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!known)
      throw InvalidArgument(id + ": unknown reset option '" + key + "'; accepted options: " + list);
  }
}

double reset_option(const JsonObject* options, const char* key, double fallback,
                    const std::string& id) {
  if (!options || !options->has(key)) return fallback;
  const std::string type = options->type_of(key);
  if (type != "number" && type != "integer")
    throw InvalidArgument(id + ": reset option '" + key + "' must be a number, got " + type);
  const double v = options->get_double(key);
  if (!std::isfinite(v))
    throw InvalidArgument(id + ": reset option '" + key + "' must be a finite number, got " + repr(v));
  return v;
}

ResetBounds reset_bounds(const JsonObject* options, double default_low, double default_high,
                         const std::string& id) {
  check_reset_keys(options, {"low", "high"}, id);
  const double low = reset_option(options, "low", default_low, id);
  const double high = reset_option(options, "high", default_high, id);
  if (low > high)
    throw InvalidArgument(id + ": reset option low (" + repr(low) +
                          ") must be lower than high (" + repr(high) + ")");
  return {low, high};
}

void check_state_size(const std::string& id, std::size_t got, std::size_t want) {
  if (got != want)
    throw InvalidArgument(id + ": set_state expects " + std::to_string(want) +
                          " values (as get_state returns), got " + std::to_string(got));
}

}  // namespace rlforge::classic
