// output_file.cpp: check_output_file.
#include "experiments/cli/output_file.hpp"

#include <filesystem>

#include "core/error.hpp"

namespace rlforge::cli {

void check_output_file(const std::string& option, const std::string& path, bool force) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  if (path.empty() || !p.has_filename()) throw InvalidArgument(option + " '" + path + "' does not name a file");
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InvalidArgument(option + " " + path + ": the folder '" + dir.string() + "' does not exist");
  if (fs::is_directory(p, ec)) throw InvalidArgument(option + " " + path + ": it is a folder");
  if (!force && fs::exists(p, ec))
    throw InvalidArgument(option + " " + path + ": exists; refusing to overwrite it (give --force to replace it)");
}

}  // namespace rlforge::cli
