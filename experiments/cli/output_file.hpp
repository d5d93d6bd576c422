// output_file.hpp: the check every CLI command that writes one named file runs before any work.
#pragma once
#include <string>

namespace rlforge::cli {

// Throws InvalidArgument ("<option> <path>: ...") unless `path` names a file in a folder that
// exists, is not a folder, and (without `force`) is not an existing file: a command refuses
// before it runs, never after, and never replaces a user's file unasked.
void check_output_file(const std::string& option, const std::string& path, bool force);

}  // namespace rlforge::cli
