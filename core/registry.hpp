// Registry: env ids -> specs and factories; make(); one-line registration of user envs.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"

namespace rlforge {

// Builds an env from its kwargs: the spec's defaults with the caller's values merged in,
// so every key the env reads is present and has the default's JSON type.
using EnvFactory = std::function<std::unique_ptr<Env>(const JsonObject& kwargs)>;

class Registry {
 public:
  // The process-wide registry that RLFORGE_REGISTER_ENV and make() use.
  static Registry& global();

  // Adds an id; throws InvalidArgument on a duplicate id or a malformed id/kwargs JSON.
  // Returns true so it can initialize a static (see RLFORGE_REGISTER_ENV).
  bool add(EnvSpec spec, EnvFactory factory);
  // While on, add() keeps its error message and returns false instead of throwing; the plugin
  // loader (core/plugin.hpp) turns it on around dlopen and reports what it took.
  void set_defer_errors(bool on);
  std::vector<std::string> take_deferred_errors();

  // Makes an env. `kwargs_json` is a JSON object; its keys must be among the spec's
  // kwargs (with the same JSON type), plus "max_episode_steps" to override the TimeLimit
  // (0 or null removes it). Unknown ids throw NotFound listing close matches.
  std::unique_ptr<Env> make(std::string_view id, std::string_view kwargs_json = "{}") const;

  const EnvSpec& spec(std::string_view id) const;
  bool contains(std::string_view id) const;
  // All specs, sorted by id.
  std::vector<EnvSpec> specs() const;
  // The resolved spec make() would use for these kwargs (defaults merged, TimeLimit applied).
  EnvSpec resolve(std::string_view id, std::string_view kwargs_json, JsonObject* kwargs_out) const;

 private:
  struct Entry {
    EnvSpec spec;
    EnvFactory factory;
  };
  const Entry& find(std::string_view id) const;
  void check_new(const EnvSpec& spec, const EnvFactory& factory) const;  // throws, see add()
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  bool defer_errors_ = false;
  std::vector<std::string> deferred_errors_;
};

// make() on the global registry.
std::unique_ptr<Env> make(std::string_view id, std::string_view kwargs_json = "{}");

// Ids of the registry closest to `id` (same name with another version first, then by edit
// distance), for "did you mean" hints.
std::vector<std::string> close_matches(const std::vector<std::string>& ids, std::string_view id,
                                       std::size_t max_results = 3);

}  // namespace rlforge

#define RLFORGE_CONCAT_INNER(a, b) a##b
#define RLFORGE_CONCAT(a, b) RLFORGE_CONCAT_INNER(a, b)

// Registers `EnvClass` (constructible from `const rlforge::JsonObject& kwargs`) under the
// EnvSpec given by the remaining arguments, at static-initialization time:
//   RLFORGE_REGISTER_ENV(MyEnv, {.id = "MyEnv-v0", .max_episode_steps = 100});
// Put it in a .cpp file that is linked into the program (not into an unused static library).
// The pragmas keep -Wextra quiet about EnvSpec fields the designated initializer leaves at
// their defaults, which is the point of designated initializers here.
#define RLFORGE_REGISTER_ENV(EnvClass, ...)                                                 \
  _Pragma("GCC diagnostic push")                                                           \
  _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")                       \
  static const bool RLFORGE_CONCAT(rlforge_registered_, __LINE__) =                        \
      ::rlforge::Registry::global().add(                                                    \
          [] {                                                                              \
            ::rlforge::EnvSpec s = __VA_ARGS__;                                             \
            if (s.entry_point.empty()) s.entry_point = #EnvClass;                           \
            return s;                                                                       \
          }(),                                                                              \
          [](const ::rlforge::JsonObject& kw) -> std::unique_ptr<::rlforge::Env> {          \
            return std::make_unique<EnvClass>(kw);                                          \
          });                                                                               \
  _Pragma("GCC diagnostic pop")
