// Plugin loading: dlopen a shared library of envs and check what it registered.
#include "core/plugin.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlforge {

std::vector<std::string> load_plugin(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string where = "plugin '" + path + "'";
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound(where + ": no such file");
  if (fs::is_directory(path, ec)) throw InvalidArgument(where + ": is a directory, not a shared library");
  // dlopen searches the library path for a name without a slash; the user means this file.
  std::string canonical = fs::canonical(path, ec).string();
  if (ec) canonical = fs::absolute(path).string();

  static std::mutex mutex;  // one load at a time: the before/after id lists must be this plugin's
  static std::set<std::string> loaded;
  std::lock_guard lock(mutex);
  if (loaded.count(canonical)) return {};

  Registry& registry = Registry::global();
  std::vector<std::string> before;
  for (const auto& s : registry.specs()) before.push_back(s.id);
  // Registration errors (a taken id) are kept, not thrown: an exception must not unwind through
  // the dynamic loader running the plugin's static initializers.
  registry.set_defer_errors(true);
  // RTLD_NOW: a symbol the program does not provide fails here, with its name, not mid-run.
  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  registry.set_defer_errors(false);
  const std::vector<std::string> errors = registry.take_deferred_errors();
  if (!handle) {
    const char* msg = dlerror();
    throw InvalidArgument(where + ": cannot load it: " + (msg ? msg : "unknown dlopen error"));
  }
  loaded.insert(canonical);
  if (!errors.empty()) {
    std::string msg = where + ": ";
    for (std::size_t i = 0; i < errors.size(); ++i) msg += (i ? "; " : "") + errors[i];
    throw InvalidArgument(msg);
  }
  std::vector<std::string> added;
  for (const auto& s : registry.specs())
    if (!std::binary_search(before.begin(), before.end(), s.id)) added.push_back(s.id);
  if (added.empty())
    throw InvalidArgument(where + " registered no env; does it contain an RLFORGE_REGISTER_ENV line?");
  return added;
}

std::vector<std::string> split_plugin_list(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto colon = list.find(':');
    const std::string_view item = list.substr(0, colon);
    if (!item.empty()) out.emplace_back(item);
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return out;
}

}  // namespace rlforge
