// Classic-control envs: batched vs single bit-identity, fast sin/cos accuracy, reset options, kwargs, specs and state access.
// Gymnasium parity itself is checked by tests/python/test_gym_parity.py (via parity_replay).
#include <catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "envs/classic/fast_math.hpp"

using namespace rlforge;

namespace {

const char* const kIds[] = {"CartPole-v1", "CartPole-v0", "Pendulum-v1", "MountainCar-v0",
                            "MountainCarContinuous-v0", "Acrobot-v1"};

// Everything a VectorEnv reports for one step, as bytes.
struct StepRecord {
  std::vector<std::byte> obs, final_obs;
  std::vector<double> rewards;
  std::vector<std::uint8_t> terminated, truncated, has_final;
};

// Steps `id` with `n` envs from seed 123 for `steps` steps, actions sampled from the action
// space with a fixed stream, and records every output.
std::vector<StepRecord> rollout(const std::string& id, bool batched, AutoresetMode mode, int n,
                                int steps, int threads, const JsonObject* reset_options = nullptr,
                                int* episodes_ended = nullptr) {
  VectorEnvOptions o;
  o.use_batched = batched;
  o.autoreset = mode;
  o.num_threads = threads;
  VectorEnv v(id, n, "{}", o);
  REQUIRE(v.is_batched() == batched);
  v.reset(123, reset_options);
  const Space& space = v.single_action_space();
  std::vector<std::byte> actions(space.nbytes() * static_cast<std::size_t>(n));
  Shape shape{n};
  for (auto d : space.shape()) shape.push_back(d);
  Rng action_rng(77);
  std::vector<StepRecord> out;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < n; ++i) space.sample(action_rng, actions.data() + space.nbytes() * static_cast<std::size_t>(i));
    v.step(ConstArray{actions.data(), space.dtype(), shape});
    StepRecord r;
    r.obs.assign(v.observations().begin(), v.observations().end());
    r.rewards.assign(v.rewards(), v.rewards() + n);
    r.terminated.assign(v.terminated(), v.terminated() + n);
    r.truncated.assign(v.truncated(), v.truncated() + n);
    if (mode == AutoresetMode::SameStep) {
      r.has_final.assign(v.has_final(), v.has_final() + n);
      r.final_obs.assign(v.final_observations().begin(), v.final_observations().end());
    }
    if (episodes_ended)
      for (int i = 0; i < n; ++i) *episodes_ended += r.terminated[static_cast<std::size_t>(i)] | r.truncated[static_cast<std::size_t>(i)];
    out.push_back(std::move(r));
  }
  return out;
}

void require_identical(const std::vector<StepRecord>& a, const std::vector<StepRecord>& b,
                       const std::string& what) {
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    INFO(what << ": step " << t);
    REQUIRE(a[t].obs == b[t].obs);  // bytes: bit-identical float32 observations
    REQUIRE(std::memcmp(a[t].rewards.data(), b[t].rewards.data(), a[t].rewards.size() * sizeof(double)) == 0);
    REQUIRE(a[t].terminated == b[t].terminated);
    REQUIRE(a[t].truncated == b[t].truncated);
    REQUIRE(a[t].has_final == b[t].has_final);
    if (!a[t].has_final.empty())
      for (std::size_t i = 0; i < a[t].has_final.size(); ++i)
        if (a[t].has_final[i]) {
          const std::size_t row = a[t].final_obs.size() / a[t].has_final.size();
          REQUIRE(std::memcmp(a[t].final_obs.data() + i * row, b[t].final_obs.data() + i * row, row) == 0);
        }
  }
}

// Distance in units in the last place between two finite doubles (0 when equal, +-0 equal).
std::int64_t ulp_distance(double a, double b) {
  if (a == b) return 0;
  auto ordered = [](double x) {
    std::int64_t i;
    std::memcpy(&i, &x, sizeof i);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

std::vector<float> reset_obs(Env& env, std::uint64_t seed, const JsonObject* options = nullptr) {
  std::vector<float> obs(static_cast<std::size_t>(env.observation_space().numel()));
  Info info;
  env.reset(seed, std::span<float>(obs), info, options);
  return obs;
}

}  // namespace

TEST_CASE("batched and single classic envs give bit-identical results", "[classic]") {
  for (const char* id : kIds)
    for (AutoresetMode mode : {AutoresetMode::NextStep, AutoresetMode::SameStep}) {
      const std::string what = std::string(id) + (mode == AutoresetMode::NextStep ? " NextStep" : " SameStep");
      int ended = 0;
      const auto batched = rollout(id, true, mode, 8, 2500, 2, nullptr, &ended);
      const auto single = rollout(id, false, mode, 8, 2500, 1);
      INFO(what);
      CHECK(ended >= 8);  // the rollout crosses autoresets
      require_identical(batched, single, what);
    }
}

TEST_CASE("a classic VectorEnv saved on one path continues exactly on the other", "[classic]") {
  // MountainCarContinuous keeps an internal flag beyond get_state(): checkpoint_state has it.
  for (const char* id : kIds)
    for (bool from_batched : {false, true}) {
      VectorEnvOptions o;
      o.use_batched = from_batched;
      o.num_threads = 2;
      VectorEnv a(id, 6, "{}", o);
      a.reset(31);
      const Space& space = a.single_action_space();
      std::vector<std::byte> actions(space.nbytes() * 6);
      Shape shape{6};
      for (auto d : space.shape()) shape.push_back(d);
      Rng action_rng(5);
      auto step = [&](VectorEnv& v) {
        for (std::size_t i = 0; i < 6; ++i) space.sample(action_rng, actions.data() + space.nbytes() * i);
        v.step(ConstArray{actions.data(), space.dtype(), shape});
      };
      for (int t = 0; t < 333; ++t) step(a);
      o.use_batched = !from_batched;
      VectorEnv b(id, 6, "{}", o);
      REQUIRE(b.load_state(a.save_state()) == 0);
      const Rng fork = action_rng;
      std::vector<std::byte> trace_a, trace_b;
      for (int t = 0; t < 400; ++t) {
        step(a);
        trace_a.insert(trace_a.end(), a.observations().begin(), a.observations().end());
      }
      action_rng = fork;
      for (int t = 0; t < 400; ++t) {
        step(b);
        trace_b.insert(trace_b.end(), b.observations().begin(), b.observations().end());
      }
      INFO(id << (from_batched ? " batched -> single" : " single -> batched"));
      CHECK(trace_a == trace_b);
    }
}

TEST_CASE("batched classic envs give bit-identical results for 1, 2 and 8 threads", "[classic]") {
  // 200 envs: 1 chunk on 1 thread, 2 chunks on 2 threads, 4 chunks on 8 threads.
  for (const char* id : kIds) {
    const auto one = rollout(id, true, AutoresetMode::NextStep, 200, 600, 1);
    require_identical(one, rollout(id, true, AutoresetMode::NextStep, 200, 600, 2),
                      std::string(id) + " 2 threads");
    require_identical(one, rollout(id, true, AutoresetMode::NextStep, 200, 600, 8),
                      std::string(id) + " 8 threads");
  }
}

TEST_CASE("batched classic envs give bit-identical results on every ISA this CPU has", "[classic]") {
  // The batched steps and the VectorEnv bookkeeping are compiled for each ISA (core/isa.hpp);
  // without FMA contraction or reductions they must agree with the baseline bit for bit.
  const Isa start = active_isa();
  for (const char* id : kIds) {
    set_active_isa(Isa::baseline);
    const auto base = rollout(id, true, AutoresetMode::NextStep, 203, 600, 2);
    for (Isa isa : {Isa::avx2, Isa::avx512}) {
      if (!isa_supported(isa)) {
        WARN("ISA " << isa_name(isa) << " not supported by this CPU: not compared");
        continue;
      }
      set_active_isa(isa);
      require_identical(base, rollout(id, true, AutoresetMode::NextStep, 203, 600, 2),
                        std::string(id) + " " + isa_name(isa) + " vs baseline");
    }
  }
  set_active_isa(start);
}

TEST_CASE("RLFORGE_ISA names are parsed and an unknown one is refused with the choices", "[classic]") {
  CHECK(parse_isa("avx2", "RLFORGE_ISA") == Isa::avx2);
  CHECK(parse_isa("baseline", "RLFORGE_ISA") == Isa::baseline);
  CHECK_THROWS_WITH(parse_isa("sse9", "RLFORGE_ISA"), Catch::Contains("expected baseline, avx2 or avx512"));
  CHECK(isa_supported(Isa::baseline));
  CHECK(isa_supported(best_supported_isa()));
}

TEST_CASE("the batched CartPole takes the large-argument sin/cos path when a lane needs it", "[classic]") {
  // theta ~ 1e7 puts every lane past the fast range on the first step (and terminates it);
  // later episodes are ordinary, so both loops of the batched step run.
  const JsonObject options = JsonObject::parse(R"({"low": 1e7, "high": 2e7})", "test");
  for (AutoresetMode mode : {AutoresetMode::NextStep, AutoresetMode::SameStep})
    require_identical(rollout("CartPole-v1", true, mode, 5, 300, 2, &options),
                      rollout("CartPole-v1", false, mode, 5, 300, 1, &options), "CartPole large theta");
}

TEST_CASE("fast sin/cos are within 1 ulp of std::sin/std::cos", "[classic][fast_math]") {
  using classic::fast_sincos;
  Rng rng(2024);
  std::int64_t worst_sin = 0, worst_cos = 0;
  double worst_sin_x = 0, worst_cos_x = 0;
  auto check = [&](double x) {
    const classic::SinCos sc = fast_sincos(x);
    const std::int64_t ds = ulp_distance(sc.sin, std::sin(x)), dc = ulp_distance(sc.cos, std::cos(x));
    if (ds > worst_sin) worst_sin = ds, worst_sin_x = x;
    if (dc > worst_cos) worst_cos = dc, worst_cos_x = x;
    // The single-value functions and the in-range kernel are the same arithmetic.
    REQUIRE(classic::fast_sin(x) == sc.sin);
    REQUIRE(classic::fast_cos(x) == sc.cos);
    if (classic::in_fast_trig_range(x)) {
      const classic::SinCos k = classic::fast_sincos_in_range(x);
      REQUIRE(std::memcmp(&k, &sc, sizeof k) == 0);
    }
  };
  for (int i = 0; i < 300000; ++i) {
    check(rng.uniform(-4.0, 4.0));
    check(rng.uniform(-100.0, 100.0));
    check(rng.uniform(-2e6, 2e6));  // both sides of the 2^20 fast-path limit
    // log-uniform magnitudes from 2^-1070 to 2^1023, both signs
    const double x = std::ldexp(1.0 + rng.uniform(), static_cast<int>(rng.below(2094)) - 1070);
    check(rng.below(2) ? x : -x);
  }
  for (double x : {0.0, 1e-300, 0x1p-27, 0.7853981633974483, 1.5707963267948966, 3.141592653589793,
                   1048575.9, 1048576.0, 1e22, 1e300, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min()})
    check(x), check(-x);
  INFO("worst sin at " << worst_sin_x << ", worst cos at " << worst_cos_x);
  CHECK(worst_sin <= 1);
  CHECK(worst_cos <= 1);

  // Large arguments against correctly rounded values computed with exact rational arithmetic
  // (x - n*pi/2 from 1500-bit pi, then Taylor series). The second is the double closest to a
  // multiple of pi/2 (6381956970095103 * 2^797), where glibc's cos is 8 ulps off.
  struct Ref {
    double x, sin, cos;
  };
  const Ref refs[] = {
      {0x1.0f0cf064dd592p+73, -0x1.b453ab76bf397p-1, 0x1.0be2cef01c8f4p-1},
      {0x1.6ac5b262ca1ffp+849, 0x1.0000000000000p+0, -0x1.14ae72e6ba22fp-61},
      {0x1.7e43c8800759cp+996, -0x1.a2c16b010e385p-1, -0x1.2699022adc4c1p-1},
      {0x1.fffffffffffffp+1023, 0x1.452fc98b34e97p-8, -0x1.fffe62ecfab75p-1},
      {0x1.0000080000000p+20, 0x1.7c2bb1d7c0924p-1, 0x1.56f3082d8f8a6p-1},
      {0x1.7f7ec53a8d491p+21, -0x1.eacd7c60e9693p-33, 0x1.0000000000000p+0},
      {-0x1.aa535d3d0c000p+52, -0x1.d513c27d368b1p-4, 0x1.fca1a863527cbp-1},
      {0x1.d6f3454000000p+26, 0x1.faf0521c8dc5cp-1, 0x1.1f4077c91589fp-3},
  };
  for (const Ref& r : refs) {
    INFO("x = " << r.x);
    CHECK(ulp_distance(classic::fast_sin(r.x), r.sin) <= 1);
    CHECK(ulp_distance(classic::fast_cos(r.x), r.cos) <= 1);
  }

  // Signs and special values.
  CHECK(std::signbit(classic::fast_sin(-0.0)));
  CHECK(classic::fast_cos(-0.0) == 1.0);
  for (double x : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()}) {
    CHECK(std::isnan(classic::fast_sin(x)));
    CHECK(std::isnan(classic::fast_cos(x)));
  }
}

TEST_CASE("classic env specs match gymnasium's registrations", "[classic]") {
  struct Expect {
    const char* id;
    int max_steps;
    std::optional<double> threshold;
    int fps;
    std::vector<double> obs_high;  // before rounding to float32; obs low is -high unless given
    std::vector<double> obs_low;
    const char* act;
  };
  const double inf = std::numeric_limits<double>::infinity(), pi = 3.141592653589793;
  const double theta2 = 12 * 2 * pi / 360 * 2;
  const Expect table[] = {
      {"CartPole-v0", 200, 195.0, 50, {4.8, inf, theta2, inf}, {}, "Discrete(2)"},
      {"CartPole-v1", 500, 475.0, 50, {4.8, inf, theta2, inf}, {}, "Discrete(2)"},
      {"Pendulum-v1", 200, std::nullopt, 30, {1, 1, 8}, {}, "Box(-2.0, 2.0, (1,), float32)"},
      {"MountainCar-v0", 200, -110.0, 30, {0.6, 0.07}, {-1.2, -0.07}, "Discrete(3)"},
      {"MountainCarContinuous-v0", 999, 90.0, 30, {0.6, 0.07}, {-1.2, -0.07}, "Box(-1.0, 1.0, (1,), float32)"},
      {"Acrobot-v1", 500, -100.0, 15, {1, 1, 1, 1, 4 * pi, 9 * pi}, {}, "Discrete(3)"},
  };
  for (const Expect& e : table) {
    INFO(e.id);
    auto env = make(e.id);
    CHECK(env->spec().max_episode_steps == e.max_steps);
    CHECK(env->spec().reward_threshold == e.threshold);
    CHECK(env->spec().render_fps == e.fps);
    CHECK(env->action_space().repr() == e.act);
    const Space& o = env->observation_space();
    CHECK(o.dtype() == DType::float32);
    REQUIRE(o.high().size() == e.obs_high.size());
    for (std::size_t j = 0; j < e.obs_high.size(); ++j) {
      // gymnasium builds the bounds as float32 arrays
      CHECK(o.high()[j] == static_cast<double>(static_cast<float>(e.obs_high[j])));
      const double low = e.obs_low.empty() ? -e.obs_high[j] : e.obs_low[j];
      CHECK(o.low()[j] == static_cast<double>(static_cast<float>(low)));
    }
  }
  const Space cp = make("CartPole-v1")->observation_space();
  CHECK(cp.high()[0] == static_cast<double>(4.8f));
  CHECK(std::isinf(cp.high()[1]));
  CHECK(cp.high()[2] == static_cast<double>(static_cast<float>(2 * (12 * 2 * 3.141592653589793 / 360))));
  CHECK(std::isinf(cp.high()[3]));
  const Space ac = make("Acrobot-v1")->observation_space();
  CHECK(ac.high()[4] == static_cast<double>(static_cast<float>(4 * 3.141592653589793)));
  CHECK(ac.high()[5] == static_cast<double>(static_cast<float>(9 * 3.141592653589793)));
  const Space mc = make("MountainCar-v0")->observation_space();
  CHECK(mc.low()[0] == static_cast<double>(-1.2f));
  CHECK(mc.high()[1] == static_cast<double>(0.07f));
}

TEST_CASE("reset options low/high bound the initial state", "[classic]") {
  struct Case {
    const char* id;
    std::vector<std::size_t> drawn;  // state indices drawn uniformly from [low, high)
  };
  const Case cases[] = {{"CartPole-v1", {0, 1, 2, 3}}, {"MountainCar-v0", {0}},
                        {"MountainCarContinuous-v0", {0}}, {"Acrobot-v1", {0, 1, 2, 3}}};
  const JsonObject options = JsonObject::parse(R"({"low": 0.25, "high": 0.375})", "test");
  for (const Case& c : cases) {
    INFO(c.id);
    auto env = make(c.id);
    double lo = 1e9, hi = -1e9;
    for (int k = 0; k < 2000; ++k) {
      reset_obs(*env, static_cast<std::uint64_t>(k), &options);
      const auto s = env->get_state();
      for (std::size_t j : c.drawn) {
        REQUIRE(s[j] >= 0.25);
        REQUIRE(s[j] <= 0.375);
        lo = std::min(lo, s[j]), hi = std::max(hi, s[j]);
      }
    }
    CHECK(lo < 0.26);
    CHECK(hi > 0.365);
    // Only one of the two given: the other keeps its default.
    const JsonObject only_high = JsonObject::parse(R"({"high": 0.0})", "test");
    reset_obs(*env, 3, &only_high);
    CHECK(env->get_state()[0] <= 0.0);
    // low > high and non-numbers are refused with the env id and the values.
    const JsonObject bad = JsonObject::parse(R"({"low": 0.5, "high": 0.1})", "test");
    CHECK_THROWS_WITH(reset_obs(*env, 1, &bad), Catch::Contains(c.id) && Catch::Contains("0.5") && Catch::Contains("0.1"));
    const JsonObject text = JsonObject::parse(R"({"low": "zero"})", "test");
    CHECK_THROWS_AS(reset_obs(*env, 1, &text), InvalidArgument);
  }
  // Acrobot stores its initial state as float32.
  auto acro = make("Acrobot-v1");
  reset_obs(*acro, 9);
  for (double v : acro->get_state()) CHECK(static_cast<double>(static_cast<float>(v)) == v);

  // Pendulum: x_init / y_init are symmetric half-widths.
  auto pend = make("Pendulum-v1");
  const JsonObject pend_opt = JsonObject::parse(R"({"x_init": 0.1, "y_init": 3})", "test");
  double max_th = 0, max_thdot = 0;
  for (int k = 0; k < 2000; ++k) {
    reset_obs(*pend, static_cast<std::uint64_t>(k), &pend_opt);
    const auto s = pend->get_state();
    REQUIRE(std::abs(s[0]) <= 0.1);
    REQUIRE(std::abs(s[1]) <= 3.0);
    max_th = std::max(max_th, std::abs(s[0])), max_thdot = std::max(max_thdot, std::abs(s[1]));
  }
  CHECK(max_th > 0.09);
  CHECK(max_thdot > 2.9);
}

TEST_CASE("classic env kwargs change the dynamics as gymnasium's constructors do", "[classic]") {
  std::vector<float> obs(3);
  Info info;
  SECTION("Pendulum g") {
    for (double g : {0.0, 9.81, 10.0}) {
      auto env = make("Pendulum-v1", R"({"g": )" + std::to_string(g) + "}");
      reset_obs(*env, 0);
      env->set_state(std::vector<double>{1.0, 0.5});
      const float u = 0.0f;
      env->step(array_view(&u, 1), std::span<float>(obs), info);
      // newthdot = thdot + (3 g / (2 l) sin(th) + 3/(m l^2) u) dt; newth = th + newthdot dt
      const double thdot = 0.5 + (3 * g / 2.0 * std::sin(1.0) + 0.0) * 0.05;
      const auto s = env->get_state();
      CHECK(s[1] == Approx(thdot).epsilon(1e-15));
      CHECK(s[0] == Approx(1.0 + thdot * 0.05).epsilon(1e-15));
    }
    CHECK_THROWS_AS(make("Pendulum-v1", R"({"g": "strong"})"), InvalidArgument);
  }
  SECTION("CartPole sutton_barto_reward") {
    std::vector<float> o4(4);
    for (bool sb : {false, true}) {
      auto env = make("CartPole-v1", sb ? R"({"sutton_barto_reward": true})" : "{}");
      reset_obs(*env, 4);
      StepResult r;
      int steps = 0;
      const std::int64_t right = 1;
      do {
        r = env->step(scalar_view(right), std::span<float>(o4), info);
        ++steps;
        if (!r.terminated) CHECK(r.reward == (sb ? 0.0 : 1.0));
      } while (!r.terminated && steps < 500);
      REQUIRE(r.terminated);
      CHECK(r.reward == (sb ? -1.0 : 1.0));
    }
  }
  SECTION("MountainCar goal_velocity") {
    for (const char* id : {"MountainCar-v0", "MountainCarContinuous-v0"}) {
      INFO(id);
      std::vector<float> o2(2);
      const double goal = std::string(id) == "MountainCar-v0" ? 0.5 : 0.45;
      for (double gv : {0.0, 0.06}) {
        auto env = make(id, R"({"goal_velocity": )" + std::to_string(gv) + "}");
        reset_obs(*env, 0);
        env->set_state(std::vector<double>{goal + 0.01, 0.02});
        const std::int64_t a_discrete = 1;
        const float a_cont = 0.0f;
        const StepResult r = std::string(id) == "MountainCar-v0"
                                 ? env->step(scalar_view(a_discrete), std::span<float>(o2), info)
                                 : env->step(array_view(&a_cont, 1), std::span<float>(o2), info);
        CHECK(r.terminated == (gv == 0.0));  // velocity ~0.02 after the step
      }
    }
  }
}

TEST_CASE("classic env state access and truncation", "[classic]") {
  for (const char* id : kIds) {
    INFO(id);
    auto env = make(id);
    reset_obs(*env, 5);
    const auto s = env->get_state();
    env->set_state(s);
    CHECK(env->get_state() == s);
    CHECK_THROWS_WITH(env->set_state(std::vector<double>{1.0}), Catch::Contains(id) && Catch::Contains("got 1"));
  }
  // Pendulum never terminates; the core's TimeLimit truncates at 200 steps.
  auto env = make("Pendulum-v1");
  std::vector<float> obs(3);
  Info info;
  reset_obs(*env, 1);
  const float u = 1.0f;
  StepResult r;
  for (int t = 1; t <= 200; ++t) {
    r = env->step(array_view(&u, 1), std::span<float>(obs), info);
    REQUIRE(!r.terminated);
    REQUIRE(r.truncated == (t == 200));
  }
}
