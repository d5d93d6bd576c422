// Plugins: shared libraries whose RLFORGE_REGISTER_ENV lines add envs to this process's registry
// when loaded (`rlforge --plugin lib.so`, RLFORGE_PLUGINS). Build one with rlforge_add_plugin()
// (cmake/rlforgePlugin.cmake); the host program must export rlforge's symbols, as `rlforge` does.
//
// Throws NotFound for a missing file, InvalidArgument for a library that does not load (with the
// dynamic loader's message), registers no env, or registers an id that is already taken. Every
// message names the file. A loaded plugin stays loaded: the registry keeps its factories (also
// those of the ids it registered before a refused one).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace rlforge {

// Loads the plugin at `path` and returns the ids it registered. Loading the same file again
// (by any path) does nothing and returns no ids.
std::vector<std::string> load_plugin(const std::string& path);

// The paths of a colon-separated list (RLFORGE_PLUGINS="a.so:b.so"); empty entries are skipped.
std::vector<std::string> split_plugin_list(std::string_view list);

}  // namespace rlforge
