// `rlforge bench`: steps a VectorEnv with random actions and reports steps per second.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <vector>

#include "core/isa.hpp"
#include "core/vector_env.hpp"
#include "envs/box2d/box2d_world.hpp"
#include "experiments/cli/command.hpp"

namespace rlforge::cli {

namespace {

constexpr OptionSpec kOptions[] = {
    {"--env", "ID", "Registered env id, e.g. CartPole-v1", true, ""},
    {"--num-envs", "N", "Number of envs in the VectorEnv", true, ""},
    {"--threads", "T", "TBB threads stepping them", true, ""},
    {"--steps", "S", "Timed vector steps (each steps all N envs)", true, ""},
    {"--seed", "S", "Seed: env i is reset with S + i; actions use an Rng seeded with S", false, "0"},
    {"--autoreset", "MODE", "next-step or same-step (as gymnasium's autoreset modes)", false, "next-step"},
    {"--no-batched", "", "Step single envs even if the env has a native batched path", false, ""},
    {"--warmup", "W", "Untimed vector steps before timing", false, "100"},
    {"--kwargs", "JSON", "Env kwargs as a JSON object, as for make()", false, "{}"},
    {"--chunk-size", "C", "Envs per TBB task (0: 4 tasks per thread, or one per thread when batched)", false, "0"},
    {"--physics-floor", "", "Box2D envs: also time b2World::Step alone (adds a clock read per step)", false, ""},
};

// Draws one action row per env into `out`: [N, *act_shape] in the action dtype, with
// Space::sample_batch (a batched sampler, as gymnasium's batched action_space.sample()).
class ActionSampler {
 public:
  ActionSampler(const Space& space, int num_envs, std::uint64_t seed)
      : space_(space), n_(num_envs), rng_(seed), buf_(static_cast<std::size_t>(num_envs) * space.nbytes()) {}

  ConstArray sample() {
    Shape shape{n_};
    for (auto d : space_.shape()) shape.push_back(d);
    space_.sample_batch(rng_, buf_.data(), n_);
    return ConstArray{buf_.data(), space_.dtype(), shape};
  }

 private:
  const Space& space_;
  int n_;
  Rng rng_;
  std::vector<std::byte> buf_;
};

int run_bench(const Args& args) {
  const std::string id = args.get("--env");
  const auto n = static_cast<int>(args.get_int("--num-envs", 1, 1 << 24));
  const auto threads = static_cast<int>(args.get_int("--threads", 1, 4096));
  const std::int64_t steps = args.get_int("--steps", 1, std::numeric_limits<std::int64_t>::max());
  const std::int64_t warmup = args.get_int("--warmup", 0, std::numeric_limits<std::int64_t>::max());
  const auto seed = static_cast<std::uint64_t>(
      args.get_int("--seed", 0, std::numeric_limits<std::int64_t>::max()));
  const std::string mode = args.get("--autoreset");
  if (mode != "next-step" && mode != "same-step")
    throw UsageError("--autoreset must be next-step or same-step, got '" + mode + "'");

  VectorEnvOptions options;
  options.num_threads = threads;
  options.autoreset = mode == "same-step" ? AutoresetMode::SameStep : AutoresetMode::NextStep;
  options.use_batched = !args.has("--no-batched");
  options.chunk_size = static_cast<int>(args.get_int("--chunk-size", 0, 1 << 24));
  VectorEnv envs(id, n, args.get("--kwargs"), options);
  ActionSampler sampler(envs.single_action_space(), n, seed);

  std::cout << "env: " << envs.spec().id << "\n"
            << "num_envs: " << n << "\n"
            << "threads: " << envs.num_threads()
            << (envs.requested_threads() != envs.num_threads()
                    ? " (" + std::to_string(envs.requested_threads()) + " requested; TBB grants at most " +
                          std::to_string(envs.num_threads()) + " here)"
                    : std::string())
            << "\n"
            << "batched: " << (envs.is_batched() ? "yes" : "no") << "\n"
            << "isa: " << isa_description(active_isa()) << "\n"
            << "autoreset: " << mode << "\n"
            << "warmup_steps: " << warmup << "\n"
            << "steps: " << steps << "\n";
  const bool floor = args.has("--physics-floor");
  if (floor) box2d::set_step_timing(true);  // on during the reset and warm-up too, to check the env
  envs.reset(seed);
  for (std::int64_t s = 0; s < warmup; ++s) envs.step(sampler.sample());
  if (floor) {
    if (box2d::step_timing().steps == 0)
      throw UsageError("--physics-floor: " + id + " is not a Box2D env (no b2World::Step was timed)");
    box2d::set_step_timing(true);  // the timed steps alone
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t s = 0; s < steps; ++s) envs.step(sampler.sample());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char line[64];
  if (floor) {
    const box2d::StepTiming t = box2d::step_timing();
    box2d::set_step_timing(false);
    if (t.steps == 0) throw UsageError("--physics-floor: " + id + " is not a Box2D env (no b2World::Step was timed)");
    // The floor: env steps per second if a step cost only its b2World::Step, on every thread.
    std::snprintf(line, sizeof line, "%.3f", t.seconds);
    std::cout << "physics_seconds: " << line << " (summed over threads)\n";
    std::snprintf(line, sizeof line, "%.1f", envs.num_threads() * static_cast<double>(t.steps) / t.seconds);
    std::cout << "physics_floor_steps_per_second: " << line << "\n";
  }
  std::snprintf(line, sizeof line, "%.6f", seconds);
  std::cout << "seconds: " << line << "\n";
  std::snprintf(line, sizeof line, "%.1f", static_cast<double>(n) * static_cast<double>(steps) / seconds);
  std::cout << "steps_per_second: " << line << "\n";
  return 0;
}

}  // namespace

const Command& bench_command() {
  static const Command cmd{
      "bench",
      "Time a VectorEnv stepped with random actions",
      "--env ID --num-envs N --threads T --steps S [--seed S] [--autoreset next-step|same-step]\n"
      "       [--no-batched] [--warmup W] [--kwargs JSON] [--chunk-size C] [--physics-floor]",
      "Builds a VectorEnv of N envs on T threads, resets it with the seed, takes W untimed\n"
      "steps, then times S steps. Every step samples a fresh random action per env from\n"
      "the action space (a tight loop over one Rng for Discrete) and steps all envs;\n"
      "sampling is part of the timed work, as in gymnasium's vector benchmarks.\n"
      "Prints info lines (`isa:` names the kernels' ISA; RLFORGE_ISA=baseline|avx2|avx512\n"
      "forces one); the last line is `steps_per_second: X` with X = N*S/seconds.\n"
      "--physics-floor (Box2D envs) also prints physics_floor_steps_per_second: the rate if each\n"
      "step cost only its b2World::Step, T threads busy; time it apart from steps_per_second.\n",
      kOptions,
      run_bench,
  };
  return cmd;
}

}  // namespace rlforge::cli
