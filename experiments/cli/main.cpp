// rlforge: the command-line entry point; loads plugins, dispatches to the subcommands and maps
// errors to exit codes.
//
// Exit codes: 0 success (also --help), 1 runtime error ("rlforge: error: ..."), 2 bad usage
// ("usage: rlforge <cmd> ..." and the reason).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/plugin.hpp"
#include "experiments/cli/command.hpp"

namespace {

using rlforge::cli::Command;

// New subcommands (train, eval, watch) add a line here and a cmd_<name>.cpp.
const std::array<const Command*, 6>& commands() {
  static const std::array<const Command*, 6> table = {
      &rlforge::cli::list_command(),
      &rlforge::cli::rollout_command(),
      &rlforge::cli::bench_command(),
      &rlforge::cli::train_command(),
      &rlforge::cli::eval_command(),
      &rlforge::cli::watch_command(),
  };
  return table;
}

void print_main_help(std::ostream& os) {
  os << "usage: rlforge [--plugin PATH ...] <command> [options]\n\n"
        "rlforge: a C++ reinforcement-learning gym. Commands:\n";
  for (const Command* c : commands()) {
    std::string name(c->name);
    name.resize(10, ' ');
    os << "  " << name << c->summary << "\n";
  }
  os << "\nGlobal options (before the command):\n"
        "  --plugin PATH  Load the envs of a shared library built with rlforge_add_plugin()\n"
        "                 (repeatable); every command then knows them. RLFORGE_PLUGINS=a.so:b.so\n"
        "                 in the environment loads those first.\n"
        "\nRun `rlforge <command> --help` for a command's options.\n"
        "Exit codes: 0 success, 1 runtime error, 2 bad usage.\n";
}

std::string usage_line(const Command& c) {
  return "usage: rlforge " + std::string(c.name) + " " + std::string(c.synopsis);
}

void print_command_help(const Command& c) {
  std::cout << usage_line(c) << "\n\n" << c.summary << "\n";
  if (!c.description.empty()) std::cout << "\n" << c.description;
  std::cout << "\noptions:\n" << rlforge::cli::format_options(c.options);
}

// Reads the global options before the command (--plugin PATH, --plugin=PATH) into `plugins`;
// returns the index of the command word, or -1 after printing a usage error.
int parse_global_options(int argc, char** argv, std::vector<std::string>& plugins) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view a = argv[i];
    std::string_view path;
    if (a == "--plugin") {
      if (i + 1 < argc) path = argv[++i];
    } else if (a.starts_with("--plugin=")) {
      path = a.substr(9);
    } else {
      break;
    }
    if (path.empty()) {
      std::cerr << "usage: rlforge [--plugin PATH ...] <command> [options]\n"
                   "rlforge: --plugin needs a PATH (a shared library of envs)\n";
      return -1;
    }
    plugins.emplace_back(path);
  }
  return i;
}

int run(int argc, char** argv) {
  std::vector<std::string> plugins;
  if (const char* list = std::getenv("RLFORGE_PLUGINS")) plugins = rlforge::split_plugin_list(list);
  const int first = parse_global_options(argc, argv, plugins);
  if (first < 0) return 2;
  for (const auto& path : plugins) rlforge::load_plugin(path);
  argc -= first - 1;  // from here on argv[1] is the command word
  argv += first - 1;
  if (argc < 2) {
    print_main_help(std::cerr);
    std::cerr << "\nrlforge: a command is required\n";
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_main_help(std::cout);
    return 0;
  }
  const Command* cmd = nullptr;
  for (const Command* c : commands())
    if (c->name == name) cmd = c;
  if (!cmd) {
    std::cerr << "usage: rlforge <command> [options]\nrlforge: unknown command '" << name
              << "'; commands are:";
    for (const Command* c : commands()) std::cerr << " " << c->name;
    std::cerr << "\n";
    return 2;
  }
  try {
    const auto args = rlforge::cli::Args::parse(
        cmd->options, std::span<char* const>(argv + 2, static_cast<std::size_t>(argc - 2)));
    if (args.help()) {
      print_command_help(*cmd);
      return 0;
    }
    return cmd->run(args);
  } catch (const rlforge::cli::UsageError& e) {
    std::cerr << usage_line(*cmd) << "\nrlforge " << cmd->name << ": " << e.what()
              << "\n(see `rlforge " << cmd->name << " --help`)\n";
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int rc = run(argc, argv);
    std::cout.flush();
    return rc;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "rlforge: error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "rlforge: error: unknown exception\n";
    return 1;
  }
}
