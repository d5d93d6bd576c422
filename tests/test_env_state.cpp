// VectorEnv owns every lane's bookkeeping: per-lane streams of a stochastic batched env,
// save/load of the per-env path (exact with get_state, re-seeded without), wrapped envs.
#include <catch.hpp>

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/state_file.hpp"
#include "core/vector_env.hpp"
#include "core/wrappers/episode_statistics.hpp"
#include "core/wrappers/frame_stack.hpp"
#include "core/wrappers/normalize.hpp"
#include "test_env_fixture.hpp"

using namespace rlforge;
using rlforge::testing::BatchedWalkEnv;
using rlforge::testing::WalkEnv;

RLFORGE_REGISTER_ENV(BatchedWalkEnv, {.id = "TestStateWalkBatched-v0", .max_episode_steps = 9,
                                      .kwargs = R"({"limit": 1.5})", .exposes_state = true});
RLFORGE_REGISTER_ENV(WalkEnv, {.id = "TestStateWalk-v0", .max_episode_steps = 9,
                               .kwargs = R"({"limit": 1.5})", .exposes_state = true});
RLFORGE_REGISTER_ENV(WalkEnv, {.id = "TestStateWalkOpaque-v0", .max_episode_steps = 9,
                               .kwargs = R"({"limit": 1.5})"});

namespace {

constexpr int kEnvs = 23;

// Every output of `steps` steps with actions from a fixed stream, as bytes.
std::string run(VectorEnv& v, int steps, std::uint64_t action_seed) {
  Rng action_rng(action_seed);
  std::vector<float> actions(static_cast<std::size_t>(v.num_envs()));
  std::string bytes;
  auto add = [&](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); };
  const auto n = static_cast<std::size_t>(v.num_envs());
  for (int t = 0; t < steps; ++t) {
    for (auto& a : actions) a = static_cast<float>(action_rng.uniform(-1.0, 1.0));
    v.step(ConstArray{actions.data(), DType::float32, Shape{v.num_envs(), 1}});
    add(v.observations().data(), v.observations().size());
    add(v.rewards(), n * sizeof(double));
    add(v.terminated(), n);
    add(v.truncated(), n);
    if (v.autoreset_mode() == AutoresetMode::SameStep) {
      add(v.has_final(), n);
      add(v.final_observations().data(), v.final_observations().size());
    }
  }
  return bytes;
}

VectorEnvOptions opts(int threads, AutoresetMode mode, bool batched) {
  VectorEnvOptions o;
  o.num_threads = threads;
  o.autoreset = mode;
  o.use_batched = batched;
  return o;
}

}  // namespace

TEST_CASE("a stochastic env's batched twin equals the single envs exactly, on any thread count") {
  for (auto mode : {AutoresetMode::NextStep, AutoresetMode::SameStep}) {
    VectorEnv single("TestStateWalkBatched-v0", kEnvs, "{}", opts(1, mode, false));
    REQUIRE_FALSE(single.is_batched());
    single.reset(77);
    const std::string want = run(single, 300, 3);
    for (int threads : {1, 2, 8}) {
      VectorEnv batched("TestStateWalkBatched-v0", kEnvs, "{}", opts(threads, mode, true));
      REQUIRE(batched.is_batched());
      batched.reset(77);
      CHECK(run(batched, 300, 3) == want);
    }
  }
}

TEST_CASE("the TimeLimit truncates a per-env lane once, at max_episode_steps") {
  // limit 100: the walk never terminates, so every episode is cut by the TimeLimit (9 steps).
  for (bool batched : {false, true}) {
    VectorEnv v("TestStateWalkBatched-v0", 3, R"({"limit": 100.0})",
                opts(1, AutoresetMode::NextStep, batched));
    v.reset(1);
    const std::vector<float> zero(3, 0.0f);
    int truncations = 0;
    for (int t = 1; t <= 30; ++t) {
      v.step(ConstArray{zero.data(), DType::float32, Shape{3, 1}});
      // Steps 9, 19, 29 end the episodes (step 10 and 20 only reset them).
      const bool want = t == 9 || t == 19 || t == 29;
      CHECK(static_cast<bool>(v.truncated()[0]) == want);
      CHECK(v.terminated()[0] == 0);
      truncations += v.truncated()[2];
    }
    CHECK(truncations == 3);
  }
}

TEST_CASE("save/load of the per-env path continues bit-identically, on either path") {
  for (auto mode : {AutoresetMode::NextStep, AutoresetMode::SameStep}) {
    for (const char* id : {"TestStateWalk-v0", "TestStateWalkBatched-v0"}) {
      VectorEnv a(id, kEnvs, "{}", opts(2, mode, false));
      a.reset(5);
      run(a, 40, 11);
      const std::string blob = a.save_state();
      const std::string rest = run(a, 60, 12);
      // A fresh per-env VectorEnv, and (for the env with a twin) the batched path.
      for (bool batched : {false, true}) {
        VectorEnv b(id, kEnvs, "{}", opts(8, mode, batched));
        CHECK(b.captures_env_state());
        CHECK(b.load_state(blob) == 0);
        CHECK(run(b, 60, 12) == rest);
      }
    }
  }
}

TEST_CASE("an env without state is restarted from its restored stream on load, and says so") {
  VectorEnv a("TestStateWalkOpaque-v0", kEnvs, "{}", opts(2, AutoresetMode::SameStep, false));
  CHECK_FALSE(a.captures_env_state());
  a.reset(5);
  run(a, 40, 11);
  const std::string blob = a.save_state();
  const std::string uninterrupted = run(a, 60, 12);
  VectorEnv b("TestStateWalkOpaque-v0", kEnvs, "{}", opts(1, AutoresetMode::SameStep, false));
  VectorEnv c("TestStateWalkOpaque-v0", kEnvs, "{}", opts(8, AutoresetMode::SameStep, false));
  CHECK(b.load_state(blob) == kEnvs);
  CHECK(c.load_state(blob) == kEnvs);
  // New episodes: step counters (obs[1]) are back at 0 and rewards are cleared.
  for (int i = 0; i < kEnvs; ++i) {
    CHECK(b.observations_as<float>()[2 * i + 1] == 0.0f);
    CHECK(b.rewards()[i] == 0.0);
  }
  const std::string after = run(b, 60, 12);
  CHECK(after != uninterrupted);
  CHECK(run(c, 60, 12) == after);  // deterministic for a given checkpoint, any thread count
}

TEST_CASE("a bad VectorEnv state is refused and changes nothing") {
  VectorEnv a("TestStateWalk-v0", 4, "{}", opts(1, AutoresetMode::NextStep, false));
  a.reset(1);
  std::string blob = a.save_state();
  VectorEnv b("TestStateWalk-v0", 4, "{}", opts(1, AutoresetMode::NextStep, false));
  b.reset(2);
  const std::string before = b.save_state();
  CHECK_THROWS_WITH(b.load_state(blob.substr(0, blob.size() - 3)), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(b.load_state(blob + "x"), Catch::Contains("trailing"));
  VectorEnv other("TestStateWalk-v0", 5, "{}", opts(1, AutoresetMode::NextStep, false));
  CHECK_THROWS_WITH(other.load_state(blob), Catch::Contains("5"));
  CHECK(b.save_state() == before);
}

TEST_CASE("wrapped envs in a VectorEnv save and restore their wrappers' state too") {
  auto factory = [](int) -> std::unique_ptr<Env> {
    std::unique_ptr<Env> e = make("TestStateWalk-v0");
    e = std::make_unique<NormalizeObservation>(std::move(e));
    e = std::make_unique<RecordEpisodeStatistics>(std::move(e));
    e = std::make_unique<NormalizeReward>(std::move(e));
    return std::make_unique<FrameStack>(std::move(e), 3);
  };
  for (auto mode : {AutoresetMode::NextStep, AutoresetMode::SameStep}) {
    VectorEnv a(factory, 6, opts(2, mode, true));
    CHECK(a.captures_env_state());
    a.reset(9);
    run(a, 25, 4);
    const std::string blob = a.save_state();
    const std::string rest = run(a, 40, 5);
    VectorEnv b(factory, 6, opts(1, mode, true));
    CHECK(b.load_state(blob) == 0);
    CHECK(run(b, 40, 5) == rest);
  }
}

TEST_CASE("the per-env path validates actions once, before any env moves") {
  VectorEnv v("TestStateWalk-v0", 3, "{}", opts(2, AutoresetMode::NextStep, false));
  v.reset(3);
  const std::string before = v.save_state();
  const std::vector<float> bad{0.0f, 2.0f, 0.0f};
  CHECK_THROWS_WITH(v.step(ConstArray{bad.data(), DType::float32, Shape{3, 1}}),
                    Catch::Contains("TestStateWalk-v0") && Catch::Contains("action of env 1"));
  CHECK(v.save_state() == before);
  const std::vector<double> f64{0.5, -0.5, 0.25};  // float64 does not cast safely to float32
  CHECK_THROWS_WITH(v.step(ConstArray{f64.data(), DType::float64, Shape{3, 1}}),
                    Catch::Contains("action of env 0") && Catch::Contains("cannot be cast"));
  CHECK(v.save_state() == before);
  const std::vector<float> good{0.5f, -0.5f, 0.25f};
  v.step(ConstArray{good.data(), DType::float32, Shape{3, 1}});
  CHECK(v.observations_as<float>()[1] == 1.0f);  // env 0 took its first step
}
