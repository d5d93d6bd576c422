// Args: the CLI's small option parser (`--flag value`, `--flag=value`, switches) and UsageError.
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rlforge::cli {

// Bad command-line usage: main() prints the command's usage line and this message, exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One option a command accepts. A switch has an empty value_name and takes no value.
// A value_name ending in "..." ("KEY=VALUE...") marks an option that may be repeated (get_all).
// A name without leading dashes ("CONFIG") is a positional slot: positional words fill these
// slots in order, and get("CONFIG") returns the word.
struct OptionSpec {
  std::string_view name;           // "--env"
  std::string_view value_name;     // "ID" (shown in help); "" for a switch
  std::string_view help;           // one line
  bool required = false;
  std::string_view default_value;  // used when absent; "" for none
};

class Args {
 public:
  // Parses argv (the words after the subcommand). "--help"/"-h" anywhere sets help() and
  // skips the required-option check. Throws UsageError for an unknown flag, a missing or
  // unexpected value, a repeated flag, a positional word, or a missing required option.
  static Args parse(std::span<const OptionSpec> specs, std::span<char* const> argv);

  bool help() const { return help_; }
  // Whether the option was given (a switch: whether it is on).
  bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
  // The given value, else the spec's default ("" when it has none).
  std::string get(std::string_view name) const;
  // The value as an integer in [min, max]; throws UsageError naming the flag otherwise.
  std::int64_t get_int(std::string_view name, std::int64_t min, std::int64_t max) const;
  // Every value of a repeatable option, in command-line order (empty when absent).
  std::vector<std::string> get_all(std::string_view name) const;

 private:
  std::span<const OptionSpec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_;
  bool help_ = false;
};

// The options as help lines: "  --env ID            Registered env id (required)".
std::string format_options(std::span<const OptionSpec> specs);

}  // namespace rlforge::cli
