// LunarLander-v3 / LunarLanderContinuous-v3: determinism, checkpoints (the replay log), thread
// independence, terminal rules and kwargs. Parity with gymnasium's own env is in
// tests/python/test_box2d_lander.py.
#include <catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "envs/box2d/lunar_lander.hpp"

using namespace rlforge;
using rlforge::box2d::LunarLanderEnv;

namespace {

constexpr const char* kIds[] = {"LunarLander-v3", "LunarLanderContinuous-v3"};

struct Run {
  std::unique_ptr<Env> env;
  std::array<float, 8> obs{};
  Info info;
};

Run made(const std::string& id, std::uint64_t seed, const std::string& kwargs = "{}") {
  Run r{make(id, kwargs), {}, {}};
  r.env->reset(seed, std::span<float>(r.obs), r.info);
  return r;
}

// A deterministic action sequence that fires every engine: step k of stream `s`.
StepResult act(Run& r, int k, int s = 0) {
  const int m = (k * 7 + s * 3) % 11;
  if (r.env->action_space().kind() == Space::Kind::Discrete) {
    const std::int64_t a = m % 4;
    return r.env->step(scalar_view(a), std::span<float>(r.obs), r.info);
  }
  const float a[2] = {static_cast<float>(m / 5.0 - 1.0), static_cast<float>(((k * 5) % 9) / 4.0 - 1.0)};
  return r.env->step(array_view(a, 2), std::span<float>(r.obs), r.info);
}

// gymnasium's heuristic (lunar_lander.py: heuristic), for the terminal-reward checks.
StepResult heuristic_step(Run& r) {
  const auto& s = r.obs;
  double angle_targ = s[0] * 0.5 + s[2] * 1.0;
  angle_targ = std::min(0.4, std::max(-0.4, angle_targ));
  const double hover_targ = 0.55 * std::abs(s[0]);
  double angle_todo = (angle_targ - s[4]) * 0.5 - s[5] * 1.0;
  double hover_todo = (hover_targ - s[1]) * 0.5 - s[3] * 0.5;
  if (s[6] != 0 || s[7] != 0) {
    angle_todo = 0;
    hover_todo = -s[3] * 0.5;
  }
  if (r.env->action_space().kind() == Space::Kind::Discrete) {
    std::int64_t a = 0;
    if (hover_todo > std::abs(angle_todo) && hover_todo > 0.05) a = 2;
    else if (angle_todo < -0.05) a = 3;
    else if (angle_todo > 0.05) a = 1;
    return r.env->step(scalar_view(a), std::span<float>(r.obs), r.info);
  }
  const float a[2] = {static_cast<float>(std::min(1.0, std::max(-1.0, hover_todo * 20 - 1))),
                      static_cast<float>(std::min(1.0, std::max(-1.0, -angle_todo * 20)))};
  return r.env->step(array_view(a, 2), std::span<float>(r.obs), r.info);
}

}  // namespace

TEST_CASE("LunarLander: the same seed gives the same episode; another seed another", "[box2d][lander]") {
  for (const char* id : kIds) {
    INFO(id);
    Run a = made(id, 11), b = made(id, 11), c = made(id, 12);
    CHECK(a.obs == b.obs);
    CHECK(a.obs != c.obs);
    for (int k = 0; k < 400; ++k) {
      const StepResult ra = act(a, k), rb = act(b, k);
      REQUIRE(a.obs == b.obs);
      REQUIRE(ra.reward == rb.reward);
      REQUIRE(ra.terminated == rb.terminated);
      if (ra.terminated) break;
    }
  }
}

TEST_CASE("LunarLander: get_state mid-episode continues bit for bit in a fresh env", "[box2d][lander]") {
  for (const char* id : kIds) {
    INFO(id);
    Run a = made(id, 5);
    for (int k = 0; k < 60; ++k) REQUIRE_FALSE(act(a, k, 1).terminated);
    const std::vector<double> state = a.env->get_state();
    Run b = made(id, 999);  // another episode, replaced by the state
    b.env->set_state(state);
    b.env->rng() = a.env->rng();  // the step draws' stream (VectorEnv checkpoints save it too)
    CHECK(b.env->get_state() == state);
    for (int k = 60; k < 400; ++k) {
      const StepResult ra = act(a, k, 1), rb = act(b, k, 1);
      REQUIRE(a.obs == b.obs);
      REQUIRE(ra.reward == rb.reward);
      REQUIRE(ra.terminated == rb.terminated);
      if (ra.terminated) break;
    }
    // the bodies too, not just the observation
    auto* la = dynamic_cast<LunarLanderEnv*>(a.env.get());
    auto* lb = dynamic_cast<LunarLanderEnv*>(b.env.get());
    REQUIRE(la);
    REQUIRE(lb);
    CHECK(la->leg(1).x == lb->leg(1).x);
    CHECK(la->leg(1).omega == lb->leg(1).omega);
  }
}

TEST_CASE("LunarLander: a damaged state is refused and changes nothing", "[box2d][lander]") {
  Run a = made("LunarLander-v3", 3);
  for (int k = 0; k < 30; ++k) act(a, k);
  const std::vector<double> good = a.env->get_state();
  Run twin = made("LunarLander-v3", 3);
  for (int k = 0; k < 30; ++k) act(twin, k);

  std::vector<double> bad_tag = good;
  bad_tag[0] = 7;
  std::vector<double> bad_height = good;
  bad_height[1] = 100.0;  // terrain heights are drawn in [0, H/2)
  std::vector<double> bad_action = good;
  bad_action[1 + 12 + 2 + 2] = 4;  // the first logged action: Discrete(4)
  std::vector<double> short_log(good.begin(), good.begin() + 10);
  std::vector<double> nan_log = good;
  nan_log[13] = std::nan("");
  for (const auto* s : {&bad_tag, &bad_height, &bad_action, &short_log, &nan_log}) {
    try {
      a.env->set_state(*s);
      FAIL("accepted a damaged state");
    } catch (const InvalidArgument& e) {
      CHECK(std::string(e.what()).find("LunarLander-v3") != std::string::npos);
    }
  }
  CHECK(a.env->get_state() == good);
  for (int k = 30; k < 200; ++k) {
    const StepResult ra = act(a, k), rb = act(twin, k);
    REQUIRE(a.obs == twin.obs);
    REQUIRE(ra.reward == rb.reward);
    if (ra.terminated) break;
  }
  // A continuous env's log does not fit a discrete one.
  Run cont = made("LunarLanderContinuous-v3", 3);
  CHECK_THROWS_AS(a.env->set_state(cont.env->get_state()), InvalidArgument);
}

TEST_CASE("LunarLander: a VectorEnv gives identical results for 1, 2 and 8 threads", "[box2d][lander]") {
  for (const char* id : kIds) {
    INFO(id);
    std::vector<std::vector<float>> obs_runs;
    std::vector<std::vector<double>> reward_runs;
    for (int threads : {1, 2, 8}) {
      VectorEnv v(id, 16, "{}", {.num_threads = threads});
      v.reset(21);
      Rng rng(4);
      std::vector<float> obs_all;
      std::vector<double> rewards_all;
      const Space& as = v.single_action_space();
      std::vector<std::int64_t> da(16);
      std::vector<float> ca(32);
      for (int k = 0; k < 300; ++k) {
        if (as.kind() == Space::Kind::Discrete) {
          for (auto& a : da) a = static_cast<std::int64_t>(rng.below(4));
          v.step(ConstArray{da.data(), DType::int64, Shape{16}});
        } else {
          for (auto& a : ca) a = static_cast<float>(rng.uniform(-1, 1));
          v.step(ConstArray{ca.data(), DType::float32, Shape{16, 2}});
        }
        const float* o = v.observations_as<float>();
        obs_all.insert(obs_all.end(), o, o + 16 * 8);
        rewards_all.insert(rewards_all.end(), v.rewards(), v.rewards() + 16);
      }
      obs_runs.push_back(obs_all);
      reward_runs.push_back(rewards_all);
    }
    CHECK(obs_runs[0] == obs_runs[1]);
    CHECK(obs_runs[0] == obs_runs[2]);
    CHECK(reward_runs[0] == reward_runs[1]);
    CHECK(reward_runs[0] == reward_runs[2]);
  }
}

TEST_CASE("LunarLander: a VectorEnv checkpoint mid-episode restores exactly", "[box2d][lander]") {
  VectorEnv a("LunarLanderContinuous-v3", 4, "{}", {.num_threads = 2});
  a.reset(8);
  std::vector<float> act(8);
  Rng rng(1);
  auto step_both = [&](VectorEnv& x) { x.step(ConstArray{act.data(), DType::float32, Shape{4, 2}}); };
  for (int k = 0; k < 40; ++k) {
    for (auto& x : act) x = static_cast<float>(rng.uniform(-1, 1));
    step_both(a);
  }
  const std::string blob = a.save_state();
  VectorEnv b("LunarLanderContinuous-v3", 4, "{}", {.num_threads = 1});
  b.reset(77);
  CHECK(b.load_state(blob) == 0);  // exact: no env restarted
  for (int k = 0; k < 200; ++k) {
    for (auto& x : act) x = static_cast<float>(rng.uniform(-1, 1));
    step_both(a);
    step_both(b);
    REQUIRE(std::memcmp(a.observations().data(), b.observations().data(), a.observations().size()) == 0);
    REQUIRE(std::memcmp(a.rewards(), b.rewards(), 4 * sizeof(double)) == 0);
  }
}

TEST_CASE("LunarLander: crashing gives -100, coming to rest on the pad +100", "[box2d][lander]") {
  // No engine: the lander falls, and a body other than a leg touching the moon is game over.
  Run idle = made("LunarLander-v3", 1);
  StepResult last{};
  int steps = 0;
  for (; steps < 1000 && !last.terminated; ++steps)
    last = idle.env->step(scalar_view(std::int64_t{0}), std::span<float>(idle.obs), idle.info);
  CHECK(last.terminated);
  CHECK(last.reward == -100);
  CHECK(steps < 300);

  // gymnasium's heuristic lands: the episode ends with the lander asleep (+100).
  for (const char* id : kIds) {
    INFO(id);
    int landed = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      Run r = made(id, seed);
      StepResult s{};
      for (int k = 0; k < 1000 && !s.terminated; ++k) s = heuristic_step(r);
      if (s.terminated && s.reward == 100) ++landed;
    }
    CHECK(landed >= 8);  // gymnasium's lands 92% of its episodes
  }
}

TEST_CASE("LunarLander: kwargs as gymnasium's constructor takes them", "[box2d][lander]") {
  CHECK_THROWS_WITH(make("LunarLander-v3", R"({"gravity": -13.0})"), Catch::Contains("gravity"));
  CHECK_THROWS_WITH(make("LunarLander-v3", R"({"gravity": 0.0})"), Catch::Contains("(-12, 0)"));
  CHECK(make("LunarLander-v3", R"({"continuous": true})")->action_space().kind() == Space::Kind::Box);
  // Wind: two more reset draws (the wind and torque indices), and a different flight.
  Run calm = made("LunarLander-v3", 2), windy = made("LunarLander-v3", 2, R"({"enable_wind": true})");
  const auto cs = calm.env->get_state(), ws = windy.env->get_state();
  CHECK(ws.size() == cs.size() + 2);
  const double wind_idx = ws[1 + 12 + 2];
  CHECK(wind_idx == std::floor(wind_idx));
  CHECK(wind_idx >= -9999);
  CHECK(wind_idx < 9999);
  for (int k = 0; k < 20; ++k) {
    act(calm, k);
    act(windy, k);
  }
  CHECK(calm.obs[0] != windy.obs[0]);
  // Lower gravity: the idle lander is still higher after 40 steps.
  Run heavy = made("LunarLander-v3", 4), light = made("LunarLander-v3", 4, R"({"gravity": -2.0})");
  for (int k = 0; k < 40; ++k) {
    heavy.env->step(scalar_view(std::int64_t{0}), std::span<float>(heavy.obs), heavy.info);
    light.env->step(scalar_view(std::int64_t{0}), std::span<float>(light.obs), light.info);
  }
  CHECK(light.obs[1] > heavy.obs[1] + 0.1f);
  // Reset options: gymnasium's LunarLander takes none; a typo is refused, not ignored.
  JsonObject opts = JsonObject::parse(R"({"x_init": 1})", "options");
  std::array<float, 8> obs{};
  Info info;
  CHECK_THROWS_AS(calm.env->reset(1, std::span<float>(obs), info, &opts), InvalidArgument);
}

TEST_CASE("LunarLander: the step's engine dispersions are exported in info", "[box2d][lander]") {
  Run r = made("LunarLander-v3", 6);
  const double* d0 = r.info.find("dispersion_0");
  REQUIRE(d0);
  const std::vector<double> s = r.env->get_state();
  CHECK(*d0 == s[1 + 12 + 2]);  // the reset's step(0) draws them after the 14 reset draws
  act(r, 0);
  const std::vector<double> s2 = r.env->get_state();
  CHECK(*r.info.find("dispersion_1") == s2.back());
}
