// parity_replay: replays a gymnasium trace (env, reset-to-state, step lines on stdin) through rlforge and prints each step.
//
// Input lines:
//   env <id>                       make the env (default kwargs) and reset it with seed 0
//   reset <s0> <s1> ...            reset(seed 0), then set_state(s) (float64 values, Python repr)
//   step <a0> [<a1> ...]           step with this action (Discrete: one integer; Box: floats)
//   resets <id> <count> <seed> [<options JSON>]
//                                  reset(seed) once, then `count` resets without a seed
//                                  (options applied to each), printing get_state() per reset
// Output, one line per step: the observation (%.9g each), reward (%.17g), terminated,
// truncated (0/1), separated by spaces; one line per reset in `resets` mode.
// Errors go to stderr with the input line number, exit status 1.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace {

using rlforge::Env;

void print_state(const Env& env) {
  const std::vector<double> s = env.get_state();
  for (std::size_t j = 0; j < s.size(); ++j) std::printf(j ? " %.17g" : "%.17g", s[j]);
  std::printf("\n");
}

void run(std::istream& in) {
  std::unique_ptr<Env> env;
  std::vector<float> obs;
  rlforge::Info info;
  std::string line;
  int line_no = 0;
  auto need_env = [&]() -> Env& {
    if (!env) throw rlforge::InvalidArgument("no 'env <id>' line before this one");
    return *env;
  };
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream words(line);
    std::string cmd;
    if (!(words >> cmd)) continue;
    try {
      if (cmd == "env") {
        std::string id;
        words >> id;
        env = rlforge::make(id);
        obs.assign(static_cast<std::size_t>(env->observation_space().numel()), 0.0f);
        env->reset(0, std::span<float>(obs), info);
      } else if (cmd == "reset") {
        Env& e = need_env();
        std::vector<double> state;
        for (double v; words >> v;) state.push_back(v);
        e.reset(0, std::span<float>(obs), info);
        e.set_state(state);
      } else if (cmd == "step") {
        Env& e = need_env();
        const rlforge::Space& space = e.action_space();
        rlforge::StepResult r;
        if (space.kind() == rlforge::Space::Kind::Discrete) {
          std::int64_t a = 0;
          if (!(words >> a)) throw rlforge::InvalidArgument("expected an integer action");
          r = e.step(rlforge::scalar_view(a), std::span<float>(obs), info);
        } else {
          std::vector<float> a;
          for (double v; words >> v;) a.push_back(static_cast<float>(v));
          r = e.step(rlforge::array_view(a.data(), static_cast<std::int64_t>(a.size())),
                     std::span<float>(obs), info);
        }
        for (float v : obs) std::printf("%.9g ", static_cast<double>(v));
        std::printf("%.17g %d %d\n", r.reward, r.terminated ? 1 : 0, r.truncated ? 1 : 0);
      } else if (cmd == "resets") {
        std::string id;
        long count = 0;
        std::uint64_t seed = 0;
        if (!(words >> id >> count >> seed))
          throw rlforge::InvalidArgument("expected: resets <id> <count> <seed> [<options JSON>]");
        std::string rest;
        std::getline(words, rest);
        std::optional<rlforge::JsonObject> options;
        if (rest.find('{') != std::string::npos)
          options = rlforge::JsonObject::parse(rest, "reset options");
        env = rlforge::make(id);
        obs.assign(static_cast<std::size_t>(env->observation_space().numel()), 0.0f);
        const rlforge::JsonObject* opt = options ? &*options : nullptr;
        env->reset(seed, std::span<float>(obs), info, opt);
        for (long i = 0; i < count; ++i) {
          env->reset(std::nullopt, std::span<float>(obs), info, opt);
          print_state(*env);
        }
      } else {
        throw rlforge::InvalidArgument("unknown command '" + cmd + "'");
      }
    } catch (const std::exception& ex) {
      std::fflush(stdout);
      std::fprintf(stderr, "parity_replay: line %d (%s): %s\n", line_no, line.c_str(), ex.what());
      std::exit(1);
    }
  }
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  run(std::cin);
  return 0;
}
