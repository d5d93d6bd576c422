// `rlforge list`: every registered env id with its spaces, TimeLimit and reward threshold.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "experiments/cli/command.hpp"

namespace rlforge::cli {

namespace {

constexpr OptionSpec kOptions[] = {
    {"--json", "", "Print a JSON object {\"envs\": [...]} instead of a table", false, ""},
};

struct Row {
  EnvSpec spec;
  std::string obs, act, obs_json, act_json;
};

// Shortest text that reads back as the same double ("475.0", "-0.5").
std::string format_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void print_json(const std::vector<Row>& rows) {
  std::cout << "{\"envs\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::cout << (i ? ",\n  " : "\n  ") << "{\"id\": " << json_quote(r.spec.id)
              << ", \"observation_space\": " << json_quote(r.obs)
              << ", \"action_space\": " << json_quote(r.act)
              << ", \"max_episode_steps\": "
              << (r.spec.max_episode_steps ? std::to_string(*r.spec.max_episode_steps) : "null")
              << ", \"reward_threshold\": "
              << (r.spec.reward_threshold ? format_double(*r.spec.reward_threshold) : "null")
              << ", \"render_fps\": " << r.spec.render_fps
              << ", \"entry_point\": " << json_quote(r.spec.entry_point)
              << ", \"kwargs\": " << r.spec.kwargs
              << ", \"observation_space_json\": " << r.obs_json
              << ", \"action_space_json\": " << r.act_json << "}";
  }
  std::cout << (rows.empty() ? "]}\n" : "\n]}\n");
}

void print_table(const std::vector<Row>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"id", "observation_space", "action_space", "max_episode_steps", "reward_threshold"}};
  for (const Row& r : rows)
    cells.push_back({r.spec.id, r.obs, r.act,
                     r.spec.max_episode_steps ? std::to_string(*r.spec.max_episode_steps) : "-",
                     r.spec.reward_threshold ? format_double(*r.spec.reward_threshold) : "-"});
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      if (c + 1 < row.size()) cell.resize(width[c] + 2, ' ');
      line += cell;
    }
    std::cout << line << "\n";
  }
  if (rows.empty()) std::cout << "(no environments registered)\n";
}

int run_list(const Args& args) {
  std::vector<Row> rows;
  for (EnvSpec& spec : Registry::global().specs()) {
    // Spaces live on the env, not the spec: build one with the default kwargs.
    const auto env = Registry::global().make(spec.id);
    rows.push_back({std::move(spec), env->observation_space().repr(), env->action_space().repr(),
                    env->observation_space().to_json(), env->action_space().to_json()});
  }
  if (args.has("--json"))
    print_json(rows);
  else
    print_table(rows);
  return 0;
}

}  // namespace

const Command& list_command() {
  static const Command cmd{
      "list",
      "List the registered environments with their spaces",
      "[--json]",
      "One row per registered id: observation space, action space (as gymnasium prints\n"
      "them), max_episode_steps and reward_threshold ('-' when unset). With --json, an\n"
      "object {\"envs\": [...]} whose entries also hold render_fps, entry_point, the default\n"
      "kwargs and each space as JSON (unbounded Box sides are written Infinity, as Python's\n"
      "json module reads them).\n",
      kOptions,
      run_list,
  };
  return cmd;
}

}  // namespace rlforge::cli
