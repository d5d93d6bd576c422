// The env registry: validation of ids and kwargs, make(), close-match hints.
#include "core/registry.hpp"

#include <cmath>
#include <limits>

#include <algorithm>
#include <regex>
#include <utility>

#include "core/error.hpp"

namespace rlforge {

Registry& Registry::global() {
  static Registry r;  // function-local: safe to use from other statics' initializers
  return r;
}

// Called with mutex_ held.
void Registry::check_new(const EnvSpec& spec, const EnvFactory& factory) const {
  static const std::regex id_pattern(R"(^(?:[\w:.-]+/)?[\w:.-]+?(?:-v\d+)?$)");
  if (spec.id.empty() || !std::regex_match(spec.id, id_pattern))
    throw InvalidArgument("cannot register env id '" + spec.id +
                          "': expected [namespace/]Name-vN, e.g. 'CartPole-v1'");
  if (!factory) throw InvalidArgument("cannot register env id '" + spec.id + "': no factory");
  JsonObject::parse(spec.kwargs, "default kwargs of " + spec.id);  // validates the JSON
  if (spec.max_episode_steps && *spec.max_episode_steps < 0)
    throw InvalidArgument("cannot register env id '" + spec.id + "': max_episode_steps must be >= 0 "
                          "(0: no limit), got " + std::to_string(*spec.max_episode_steps));
  if (entries_.count(spec.id))
    throw InvalidArgument("cannot register env id '" + spec.id + "': it is already registered");
}

bool Registry::add(EnvSpec spec, EnvFactory factory) {
  std::lock_guard lock(mutex_);
  try {
    check_new(spec, factory);
  } catch (const Error& e) {  // InvalidArgument, or ConfigError for malformed kwargs JSON
    if (!defer_errors_) throw;
    deferred_errors_.push_back(e.what());
    return false;
  }
  std::string id = spec.id;
  entries_.emplace(std::move(id), Entry{std::move(spec), std::move(factory)});
  return true;
}

void Registry::set_defer_errors(bool on) {
  std::lock_guard lock(mutex_);
  defer_errors_ = on;
}

std::vector<std::string> Registry::take_deferred_errors() {
  std::lock_guard lock(mutex_);
  return std::exchange(deferred_errors_, {});
}

bool Registry::contains(std::string_view id) const {
  std::lock_guard lock(mutex_);
  return entries_.find(id) != entries_.end();
}

const Registry::Entry& Registry::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) return it->second;
  std::vector<std::string> ids;
  for (auto& kv : entries_) ids.push_back(kv.first);
  std::string msg = "unknown env id '" + std::string(id) + "'";
  auto close = close_matches(ids, id);
  if (!close.empty()) {
    msg += "; did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i) msg += (i ? ", '" : "'") + close[i] + "'";
    msg += "?";
  }
  msg += " (`rlforge list` shows all " + std::to_string(ids.size()) + " ids)";
  throw NotFound(msg);
}

const EnvSpec& Registry::spec(std::string_view id) const { return find(id).spec; }

std::vector<EnvSpec> Registry::specs() const {
  std::lock_guard lock(mutex_);
  std::vector<EnvSpec> out;
  for (auto& kv : entries_) out.push_back(kv.second.spec);
  return out;
}

EnvSpec Registry::resolve(std::string_view id, std::string_view kwargs_json,
                          JsonObject* kwargs_out) const {
  const Entry& e = find(id);
  EnvSpec spec = e.spec;
  JsonObject kwargs = JsonObject::parse(spec.kwargs, "default kwargs of " + spec.id);
  const JsonObject given =
      JsonObject::parse(kwargs_json.empty() ? "{}" : kwargs_json, "kwargs of " + spec.id);
  JsonObject accepted;
  for (const auto& key : given.keys()) {
    if (key == "max_episode_steps") {
      if (given.type_of(key) == "null") {
        spec.max_episode_steps.reset();
        continue;
      }
      const auto n = given.get_int(key);
      // The step counters are 32-bit (core/episode.hpp): a larger limit is refused, not wrapped.
      if (n < 0 || n > std::numeric_limits<StepCount>::max())
        throw InvalidArgument(spec.id + ": max_episode_steps must be in [0, " +
                              std::to_string(std::numeric_limits<StepCount>::max()) + "] (0: no limit), got " +
                              std::to_string(n));
      spec.max_episode_steps = n == 0 ? std::nullopt : std::optional<int>(static_cast<int>(n));
      continue;
    }
    if (!kwargs.has(key)) {
      std::string list;
      for (const auto& k : kwargs.keys()) list += (list.empty() ? "" : ", ") + k;
      throw InvalidArgument(spec.id + ": unknown kwarg '" + key + "'; accepted kwargs: " +
                            (list.empty() ? "none" : list) + ", max_episode_steps");
    }
    const std::string want = kwargs.type_of(key), got = given.type_of(key);
    // An integer is a fine number; anything else must match the default's type.
    if (want != got && !(want == "number" && got == "integer"))
      throw InvalidArgument(spec.id + ": kwarg '" + key + "' must be " +
                            (want == "integer" ? "an integer" : "a " + want) + ", got " + got);
    if ((want == "number" || want == "integer") && !std::isfinite(given.get_double(key)))
      throw InvalidArgument(spec.id + ": kwarg '" + key + "' must be a finite number, got " +
                            std::to_string(given.get_double(key)));
  }
  kwargs.merge_from(given);
  kwargs.erase("max_episode_steps");  // a make()-level key, not the env's
  spec.kwargs = kwargs.dump();
  if (kwargs_out) *kwargs_out = kwargs;
  return spec;
}

std::unique_ptr<Env> Registry::make(std::string_view id, std::string_view kwargs_json) const {
  JsonObject kwargs;
  EnvSpec spec = resolve(id, kwargs_json, &kwargs);
  const EnvFactory* factory;
  {
    std::lock_guard lock(mutex_);
    factory = &entries_.find(spec.id)->second.factory;
  }
  std::unique_ptr<Env> env = (*factory)(kwargs);
  env->set_spec(std::move(spec));
  return env;
}

std::unique_ptr<Env> make(std::string_view id, std::string_view kwargs_json) {
  return Registry::global().make(id, kwargs_json);
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
std::string_view base_name(std::string_view id) {
  auto pos = id.rfind("-v");
  return pos == std::string_view::npos ? id : id.substr(0, pos);
}
}  // namespace

std::vector<std::string> close_matches(const std::vector<std::string>& ids, std::string_view id,
                                       std::size_t max_results) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : ids) {
    std::size_t d = edit_distance(candidate, id);
    if (base_name(candidate) == base_name(id)) d = 0;  // same env, other version
    const std::size_t limit = std::max<std::size_t>(3, id.size() / 3);
    if (d <= limit) scored.emplace_back(d, candidate);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& s : scored) {
    if (out.size() == max_results) break;
    out.push_back(s.second);
  }
  return out;
}

}  // namespace rlforge
