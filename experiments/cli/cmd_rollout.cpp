// `rlforge rollout`: runs one env with a random policy and writes the transitions as an .npz.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/npz.hpp"
#include "core/registry.hpp"
#include "experiments/cli/command.hpp"
#include "experiments/cli/output_file.hpp"

namespace rlforge::cli {

namespace {

// XORed into --seed for the action sampler, so that its stream is not the env's own
// (which reset(seed=S) seeds with S itself).
constexpr std::uint64_t kActionSeedSalt = 0xA0761D6478BD642Full;

constexpr OptionSpec kOptions[] = {
    {"--env", "ID", "Registered env id, e.g. CartPole-v1", true, ""},
    {"--seed", "S", "Seed of the env's first reset and of the action sampler", true, ""},
    {"--steps", "N", "Number of transitions to record", true, ""},
    {"--out", "FILE", "Output .npz path (its folder must exist)", true, ""},
    {"--policy", "NAME", "Policy choosing the actions; only 'random' so far", false, "random"},
    {"--kwargs", "JSON", "Env kwargs as a JSON object, as for make()", false, "{}"},
    {"--force", "", "Let --out replace an existing file", false, ""},
};

std::vector<std::int64_t> batch_shape(std::int64_t n, const Shape& one) {
  std::vector<std::int64_t> s{n};
  s.insert(s.end(), one.begin(), one.end());
  return s;
}

int run_rollout(const Args& args) {
  const std::string id = args.get("--env");
  const auto seed = static_cast<std::uint64_t>(
      args.get_int("--seed", 0, std::numeric_limits<std::int64_t>::max()));
  const std::int64_t n = args.get_int("--steps", 1, std::numeric_limits<std::int32_t>::max());
  const std::string out = args.get("--out");
  if (const std::string policy = args.get("--policy"); policy != "random")
    throw UsageError("unknown --policy '" + policy + "'; available: random");
  const bool force = args.has("--force");
  check_output_file("--out", out, force);

  const auto env = make(id, args.get("--kwargs"));
  const Space& obs_space = env->observation_space();
  const Space& act_space = env->action_space();
  const std::size_t ob = obs_space.nbytes(), ab = act_space.nbytes();
  const auto rows = static_cast<std::size_t>(n);
  // The .npz has no ZIP64: refuse before stepping rather than after (write_npz checks exactly).
  const double data_bytes = static_cast<double>(rows) * static_cast<double>(2 * ob + ab + 10);
  if (data_bytes >= 4294967295.0)
    throw InvalidArgument("--steps " + std::to_string(n) + " of " + id + " would need " +
                          std::to_string(static_cast<std::uint64_t>(data_bytes)) +
                          " bytes; the .npz is limited to 4 GiB (no ZIP64), use fewer steps");

  std::vector<std::byte> obs(rows * ob), next_obs(rows * ob), actions(rows * ab);
  std::vector<double> rewards(rows);
  std::vector<std::uint8_t> terminated(rows), truncated(rows);
  std::vector<std::byte> current(ob);
  Info info;
  Rng action_rng(seed ^ kActionSeedSalt);
  env->reset(seed, std::span(current), info);
  std::int64_t episodes = 0;
  for (std::size_t t = 0; t < rows; ++t) {
    std::byte* act = actions.data() + t * ab;
    std::byte* next = next_obs.data() + t * ob;
    act_space.sample(action_rng, act);
    std::memcpy(obs.data() + t * ob, current.data(), ob);
    const StepResult r =
        env->step(ConstArray{act, act_space.dtype(), act_space.shape()}, std::span(next, ob), info);
    rewards[t] = r.reward;
    terminated[t] = r.terminated;
    truncated[t] = r.truncated;
    if (r.terminated || r.truncated) {
      ++episodes;
      env->reset(std::nullopt, std::span(current), info);  // the env's RNG continues
    } else {
      std::memcpy(current.data(), next, ob);
    }
  }

  const std::vector<NpyArray> arrays = {
      npy_array("obs", obs_space.dtype(), batch_shape(n, obs_space.shape()), obs.data()),
      npy_array("actions", act_space.dtype(), batch_shape(n, act_space.shape()), actions.data()),
      npy_array("rewards", DType::float64, {n}, rewards.data()),
      npy_bool_array("terminated", {n}, terminated.data()),
      npy_bool_array("truncated", {n}, truncated.data()),
      npy_array("next_obs", obs_space.dtype(), batch_shape(n, obs_space.shape()), next_obs.data()),
  };
  write_npz(out, arrays, force);  // a file that appeared meanwhile is not replaced either
  std::cout << "wrote " << out << ": " << n << " steps of " << env->id() << " (seed " << seed
            << "), " << episodes << " episodes ended\n";
  return 0;
}

}  // namespace

const Command& rollout_command() {
  static const Command cmd{
      "rollout",
      "Run one env with random actions and save the transitions as .npz",
      "--env ID --seed S --steps N --out FILE.npz [--force] [--policy random] [--kwargs JSON]",
      "Steps a single env N times. The env is reset with seed S; when an episode ends\n"
      "(terminated or truncated) it is reset without a seed (its RNG continues) and the\n"
      "next row starts the new episode, so every row is a real transition. Actions are\n"
      "sampled from the action space with an rlforge Rng (xoshiro256**, seeded through\n"
      "splitmix64) seeded with S XOR 0xA0761D6478BD642F. Same S => identical file bytes.\n"
      "\n"
      "Output: an .npz (numpy.load reads it) holding, for T = 0..N-1:\n"
      "  obs        [N, *obs_shape]  observation dtype  the obs action T was taken in\n"
      "  actions    [N, *act_shape]  action dtype       (Discrete: int64)\n"
      "  rewards    [N]              float64\n"
      "  terminated [N]              bool\n"
      "  truncated  [N]              bool               (TimeLimit: max_episode_steps)\n"
      "  next_obs   [N, *obs_shape]  observation dtype  the obs step T returned\n"
      "next_obs[T] == obs[T+1] unless step T ended the episode. The file is a ZIP of\n"
      ".npy v1.0 members, stored uncompressed with CRC-32 and a fixed 1980-01-01\n"
      "timestamp, no ZIP64 (archives of 4 GiB or more are refused). It is written to\n"
      "FILE.tmp.<pid>.<n> (created exclusively), synced and renamed, so FILE is either complete or untouched.\n",
      kOptions,
      run_rollout,
  };
  return cmd;
}

}  // namespace rlforge::cli
