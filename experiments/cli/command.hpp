// Command: one `rlforge` subcommand (name, help text, options, entry point) for main's dispatch table.
#pragma once
#include <span>
#include <string_view>

#include "experiments/cli/args.hpp"

namespace rlforge::cli {

struct Command {
  std::string_view name;         // "rollout"
  std::string_view summary;      // one line for `rlforge --help`
  std::string_view synopsis;     // "--env ID --seed S ..." for the usage line
  std::string_view description;  // paragraphs shown by `rlforge <cmd> --help`, may be ""
  std::span<const OptionSpec> options;
  // Runs with parsed options; returns the exit code. Throws UsageError for bad option
  // values, rlforge::Error (or std::exception) for runtime failures.
  int (*run)(const Args& args);
};

// The subcommands, one per cmd_<name>.cpp; main.cpp lists them in its table.
const Command& list_command();
const Command& rollout_command();
const Command& bench_command();
const Command& train_command();
const Command& eval_command();
const Command& watch_command();

}  // namespace rlforge::cli
