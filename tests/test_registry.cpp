// Registry and Env contract: make with kwargs, unknown ids and kwargs, bad actions, step
// before reset, TimeLimit applied once, seeding.
#include <catch.hpp>

#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "test_env_fixture.hpp"

using namespace rlforge;
using rlforge::testing::WalkEnv;

// The one-line registration a user writes in their own .cpp.
RLFORGE_REGISTER_ENV(WalkEnv, {.id = "TestWalk-v0", .max_episode_steps = 5,
                               .reward_threshold = -1.0, .kwargs = R"({"limit": 3.0})"});

TEST_CASE("make builds a registered env with its spec and merged kwargs") {
  auto env = make("TestWalk-v0");
  CHECK(env->id() == "TestWalk-v0");
  CHECK(env->spec().max_episode_steps == 5);
  CHECK(env->spec().entry_point == "WalkEnv");
  auto other = make("TestWalk-v0", R"({"limit": 0.5, "max_episode_steps": 2})");
  CHECK(other->spec().max_episode_steps == 2);
  CHECK(other->spec().kwargs.find("0.5") != std::string::npos);
  CHECK(Registry::global().contains("TestWalk-v0"));
}

TEST_CASE("unknown ids and kwargs fail with the id, the value and what is accepted") {
  CHECK_THROWS_WITH(make("TestWalk-v9"), Catch::Contains("unknown env id 'TestWalk-v9'") &&
                                             Catch::Contains("did you mean 'TestWalk-v0'"));
  CHECK_THROWS_WITH(make("TestWalk-v0", R"({"limt": 1})"),
                    Catch::Contains("TestWalk-v0") && Catch::Contains("unknown kwarg 'limt'") &&
                        Catch::Contains("limit"));
  CHECK_THROWS_WITH(make("TestWalk-v0", R"({"limit": "far"})"),
                    Catch::Contains("'limit' must be a number, got string"));
  CHECK_THROWS_AS(make("TestWalk-v0", "{not json"), ConfigError);
  const EnvFactory factory = [](const JsonObject& kw) { return std::make_unique<WalkEnv>(kw); };
  EnvSpec duplicate, malformed;
  duplicate.id = "TestWalk-v0";
  malformed.id = "bad id!";
  CHECK_THROWS_WITH(Registry::global().add(duplicate, factory),
                    Catch::Contains("already registered"));
  CHECK_THROWS_WITH(Registry::global().add(malformed, factory),
                    Catch::Contains("'bad id!'") && Catch::Contains("Name-vN"));
}

TEST_CASE("close_matches prefers other versions of the same env, then spelling") {
  const std::vector<std::string> ids = {"CartPole-v0", "CartPole-v1", "Pendulum-v1", "Acrobot-v1"};
  const auto m = close_matches(ids, "CartPole-v7");
  REQUIRE(m.size() >= 2);
  CHECK(m[0].rfind("CartPole-", 0) == 0);
  CHECK(m[1].rfind("CartPole-", 0) == 0);
  CHECK(close_matches(ids, "Pendulm-v1").at(0) == "Pendulum-v1");
  CHECK(close_matches(ids, "Zzzzzzzzzzzzzzzz-v1").empty());
}

TEST_CASE("step validates the action and the call order, naming env and space") {
  auto env = make("TestWalk-v0");
  std::array<float, 2> obs{};
  Info info;
  const float a = 0.5f;
  CHECK_THROWS_WITH(env->step(array_view(&a, 1), std::span<float>(obs), info),
                    Catch::Contains("TestWalk-v0") && Catch::Contains("before reset"));
  env->reset(1, std::span<float>(obs), info);
  const float big = 1.5f, nan = std::nanf("");
  CHECK_THROWS_WITH(env->step(array_view(&big, 1), std::span<float>(obs), info),
                    Catch::Contains("TestWalk-v0") && Catch::Contains("1.5") &&
                        Catch::Contains("Box(-1.0, 1.0, (1,), float32)"));
  CHECK_THROWS_WITH(env->step(array_view(&nan, 1), std::span<float>(obs), info),
                    Catch::Contains("NaN"));
  const float two[2] = {0, 0};
  CHECK_THROWS_AS(env->step(array_view(two, 2), std::span<float>(obs), info), InvalidAction);
  const double wide = 0.5;  // float64 does not cast safely into a float32 Box
  CHECK_THROWS_AS(env->step(scalar_view(wide), std::span<float>(obs), info), InvalidAction);
  std::array<double, 2> wrong_dtype{};
  CHECK_THROWS_AS(env->step(array_view(&a, 1), std::span<double>(wrong_dtype), info),
                  InvalidArgument);
  std::array<std::byte, 4> small{};
  CHECK_THROWS_AS(env->step(array_view(&a, 1), std::span<std::byte>(small), info),
                  InvalidArgument);
  // None of the rejected calls moved the env.
  CHECK(env->elapsed_steps() == 0);
  env->step(array_view(&a, 1), std::span<float>(obs), info);
  CHECK(env->elapsed_steps() == 1);
}

TEST_CASE("TimeLimit truncates once at max_episode_steps, then step needs a reset") {
  auto env = make("TestWalk-v0", R"({"limit": 1000.0})");
  std::array<float, 2> obs{};
  Info info;
  env->reset(3, std::span<float>(obs), info);
  const float a = 0.0f;
  for (int t = 1; t <= 5; ++t) {
    const StepResult r = env->step(array_view(&a, 1), std::span<float>(obs), info);
    CHECK(r.truncated == (t == 5));
    CHECK_FALSE(r.terminated);
  }
  CHECK(env->needs_reset());
  CHECK_THROWS_WITH(env->step(array_view(&a, 1), std::span<float>(obs), info),
                    Catch::Contains("after the episode ended"));
}

TEST_CASE("the same seed gives the same episode; reset without a seed continues the stream") {
  auto run = [](std::optional<std::uint64_t> first_seed) {
    auto env = make("TestWalk-v0", R"({"limit": 1000.0, "max_episode_steps": 0})");
    std::array<float, 2> obs{};
    Info info;
    std::vector<float> xs;
    env->reset(first_seed, std::span<float>(obs), info);
    xs.push_back(obs[0]);
    env->reset(std::nullopt, std::span<float>(obs), info);
    xs.push_back(obs[0]);
    const float a = 0.25f;
    for (int t = 0; t < 50; ++t) {
      env->step(array_view(&a, 1), std::span<float>(obs), info);
      xs.push_back(obs[0]);
    }
    return xs;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));
  const auto xs = run(42);
  CHECK(xs[0] != xs[1]);  // the second reset drew new values
}

TEST_CASE("reset options reach the env") {
  auto env = make("TestWalk-v0");
  std::array<float, 2> obs{};
  Info info;
  const JsonObject opts = JsonObject::parse(R"({"low": 0.99})", "options");
  for (int i = 0; i < 20; ++i) {
    env->reset(static_cast<std::uint64_t>(i), std::span<float>(obs), info, &opts);
    CHECK(obs[0] >= 0.99f);
  }
}

TEST_CASE("out-of-range TimeLimits and non-finite kwargs are refused, naming the env and key") {
  CHECK_THROWS_WITH(make("CartPole-v1", R"({"max_episode_steps": 2147483648})"),
                    Catch::Contains("CartPole-v1") && Catch::Contains("max_episode_steps must be in [0, 2147483647]") &&
                        Catch::Contains("2147483648"));
  CHECK(make("CartPole-v1", R"({"max_episode_steps": 2147483647})")->spec().max_episode_steps == 2147483647);
  CHECK_THROWS_WITH(make("Pendulum-v1", R"({"g": NaN})"),
                    Catch::Contains("Pendulum-v1") && Catch::Contains("'g' must be a finite number"));
  CHECK_THROWS_WITH(make("Pendulum-v1", R"({"g": -Infinity})"), Catch::Contains("finite"));
  CHECK(make("Pendulum-v1", R"({"g": 9.81})"));
}
