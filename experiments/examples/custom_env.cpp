// Example: a user-defined env in the user's own .cpp — subclass rlforge::Env, register it
// with one line, then make it by id and step it in a TBB VectorEnv like any built-in env.
//
// Corridor-v0: an agent on cells 0..length-1 starts in cell 0 (or a random cell with
// {"random_start": true}); actions 0 = left, 1 = right; reward -1 per step, 0 on reaching
// the last cell, which terminates the episode. Observation: one-hot position (float32).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <algorithm>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"

namespace {

class Corridor : public rlforge::Env {
 public:
  explicit Corridor(const rlforge::JsonObject& kw)
      : Env(rlforge::Space::box(0.0, 1.0, rlforge::Shape{kw.get_int("length")}),
            rlforge::Space::discrete(2)),
        length_(static_cast<int>(kw.get_int("length"))),
        random_start_(kw.get_bool("random_start")) {
    if (length_ < 2)
      throw rlforge::InvalidArgument("Corridor-v0: length must be >= 2, got " +
                                     std::to_string(length_));
  }

 protected:
  void do_reset(rlforge::Rng& rng, const rlforge::JsonObject*, std::span<std::byte> obs,
                rlforge::Info&) override {
    pos_ = random_start_ ? static_cast<int>(rng.below(static_cast<std::uint64_t>(length_ - 1))) : 0;
    write(obs);
  }
  rlforge::StepResult do_step(const void* action, std::span<std::byte> obs,
                              rlforge::Info& info) override {
    const auto a = *static_cast<const std::int64_t*>(action);  // validated: 0 or 1
    pos_ = a == 1 ? pos_ + 1 : (pos_ > 0 ? pos_ - 1 : 0);
    write(obs);
    info.set("position", pos_);
    const bool goal = pos_ == length_ - 1;
    return {goal ? 0.0 : -1.0, goal, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    auto* o = reinterpret_cast<float*>(obs.data());
    std::fill(o, o + length_, 0.0f);
    o[pos_] = 1.0f;
  }
  int length_;
  bool random_start_;
  int pos_ = 0;
};

}  // namespace

// The one line: id, TimeLimit, threshold, and the accepted kwargs with their defaults.
RLFORGE_REGISTER_ENV(Corridor, {.id = "Corridor-v0", .max_episode_steps = 50,
                                .reward_threshold = -10.0,
                                .kwargs = R"({"length": 8, "random_start": false})"});

#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "custom_env: check failed: %s (line %d)\n", #cond, __LINE__); \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main() {
  // A single env by id, with kwargs.
  auto env = rlforge::make("Corridor-v0", R"({"length": 5})");
  std::vector<float> obs(5);
  rlforge::Info info;
  env->reset(0, std::span<float>(obs), info);
  double ret = 0;
  rlforge::StepResult r;
  int steps = 0;
  do {
    const std::int64_t right = 1;
    r = env->step(rlforge::scalar_view(right), std::span<float>(obs), info);
    ret += r.reward;
    ++steps;
  } while (!r.terminated && !r.truncated);
  std::printf("Corridor-v0 (length 5), always right: %d steps, return %.0f\n", steps, ret);
  EXPECT(steps == 4 && ret == -3.0 && obs[4] == 1.0f);

  // Bad input is reported with the env id and the space.
  try {
    const std::int64_t bad = 2;
    env->reset(0, std::span<float>(obs), info);
    env->step(rlforge::scalar_view(bad), std::span<float>(obs), info);
    EXPECT(false);
  } catch (const rlforge::InvalidAction& e) {
    std::printf("rejected: %s\n", e.what());
    EXPECT(std::strstr(e.what(), "Corridor-v0") && std::strstr(e.what(), "Discrete(2)"));
  }

  // The same env in a TBB VectorEnv: 64 copies, random starts, always moving right.
  rlforge::VectorEnv vec("Corridor-v0", 64, R"({"random_start": true})", {.num_threads = 2});
  vec.reset(123);
  std::vector<std::int64_t> actions(64, 1);
  int finished = 0;
  for (int t = 0; t < 20; ++t) {
    vec.step(rlforge::ConstArray{actions.data(), rlforge::DType::int64, rlforge::Shape{64}});
    for (int i = 0; i < 64; ++i) finished += vec.terminated()[i];
  }
  std::printf("VectorEnv of 64 Corridor-v0 envs: %d episodes finished in 20 steps\n", finished);
  // Each episode takes at most 7 steps plus one reset step, so every env finishes at least twice.
  EXPECT(finished >= 128);
  return 0;
}
