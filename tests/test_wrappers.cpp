// Wrappers: episode statistics, observation/reward normalization (checked against two-pass
// statistics of the raw stream), their state files, the vector-level normalizers PPO uses,
// action clipping/rescaling, frame stacking.
#include <catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "core/wrappers/action.hpp"
#include "core/wrappers/episode_statistics.hpp"
#include "core/wrappers/frame_stack.hpp"
#include "core/wrappers/normalize.hpp"
#include "core/wrappers/vector_normalize.hpp"
#include "test_env_fixture.hpp"

using namespace rlforge;
using rlforge::testing::WalkEnv;

RLFORGE_REGISTER_ENV(WalkEnv, {.id = "TestWrapWalk-v0", .max_episode_steps = 20,
                               .kwargs = R"({"limit": 4.0})"});

namespace {
std::string temp_path(const char* name) { return std::string("/tmp/rlforge_test_") + name; }
}  // namespace

TEST_CASE("RecordEpisodeStatistics reports return and length on the last step") {
  RecordEpisodeStatistics env(make("TestWrapWalk-v0"));
  std::array<float, 2> obs{};
  Info info;
  env.reset(3, std::span<float>(obs), info);
  const float a = 0.3f;
  double total = 0;
  int steps = 0;
  StepResult r;
  do {
    r = env.step(array_view(&a, 1), std::span<float>(obs), info);
    total += r.reward;
    ++steps;
    if (!(r.terminated || r.truncated)) CHECK(info.find("episode.r") == nullptr);
  } while (!(r.terminated || r.truncated));
  REQUIRE(info.find("episode.r") != nullptr);
  CHECK(*info.find("episode.r") == Approx(total));
  CHECK(*info.find("episode.l") == steps);
  CHECK(env.recent_returns().back() == Approx(total));
  CHECK(env.spec().max_episode_steps == 20);  // the TimeLimit stays visible
}

TEST_CASE("NormalizeObservation matches two-pass statistics of the raw observations") {
  // The same seed drives a raw env and a wrapped one, so the raw stream is known.
  auto raw = make("TestWrapWalk-v0", R"({"limit": 1000.0})");
  NormalizeObservation env(make("TestWrapWalk-v0", R"({"limit": 1000.0})"));
  CHECK(env.observation_space().repr() == "Box(-inf, inf, (2,), float32)");
  std::array<float, 2> o{}, n{};
  Info info;
  raw->reset(8, std::span<float>(o), info);
  env.reset(8, std::span<float>(n), info);
  std::vector<std::array<double, 2>> seen{{o[0], o[1]}};
  const float a = 0.2f;
  for (int t = 0; t < 19; ++t) {
    raw->step(array_view(&a, 1), std::span<float>(o), info);
    env.step(array_view(&a, 1), std::span<float>(n), info);
    seen.push_back({o[0], o[1]});
  }
  for (int j = 0; j < 2; ++j) {
    double mean = 0, var = 0;
    for (auto& s : seen) mean += s[static_cast<std::size_t>(j)];
    mean /= static_cast<double>(seen.size());
    for (auto& s : seen) var += (s[static_cast<std::size_t>(j)] - mean) * (s[static_cast<std::size_t>(j)] - mean);
    var /= static_cast<double>(seen.size());
    // The 1e-4 prior count (mean 0, var 1) shifts the result by ~1e-5 relative.
    CHECK(env.statistics().mean()[static_cast<std::size_t>(j)] == Approx(mean).epsilon(1e-4));
    CHECK(env.statistics().var()[static_cast<std::size_t>(j)] == Approx(var).epsilon(1e-3));
    const double expect = (o[static_cast<std::size_t>(j)] - env.statistics().mean()[static_cast<std::size_t>(j)]) /
                          std::sqrt(env.statistics().var()[static_cast<std::size_t>(j)] + 1e-8);
    CHECK(n[static_cast<std::size_t>(j)] == Approx(expect).epsilon(1e-6));
  }
}

TEST_CASE("normalizer state saves and loads; corrupt or mismatched files are rejected") {
  NormalizeObservation env(make("TestWrapWalk-v0"));
  std::array<float, 2> o{};
  Info info;
  env.reset(1, std::span<float>(o), info);
  const float a = 0.5f;
  for (int t = 0; t < 5; ++t) env.step(array_view(&a, 1), std::span<float>(o), info);
  const std::string path = temp_path("obs_norm.bin");
  env.save(path);
  NormalizeObservation other(make("TestWrapWalk-v0"));
  other.load(path);
  CHECK(other.statistics().mean() == env.statistics().mean());
  CHECK(other.statistics().var() == env.statistics().var());
  CHECK(other.statistics().count() == env.statistics().count());

  // Flip one payload byte: the checksum catches it.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-12, std::ios::end);
    char c;
    f.read(&c, 1);
    f.seekp(-12, std::ios::end);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  CHECK_THROWS_WITH(other.load(path), Catch::Contains(path) && Catch::Contains("checksum"));
  // Truncated file.
  env.save(path);
  {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  CHECK_THROWS_WITH(other.load(path), Catch::Contains("truncated"));
  // A reward normalizer's file is not an observation normalizer's.
  NormalizeReward rew(make("TestWrapWalk-v0"));
  rew.save(path);
  CHECK_THROWS_WITH(other.load(path), Catch::Contains("NormalizeReward/1") &&
                                          Catch::Contains("NormalizeObservation/1"));
  CHECK_THROWS_WITH(other.load(temp_path("does_not_exist.bin")), Catch::Contains("cannot open"));
  std::remove(path.c_str());
}

TEST_CASE("NormalizeReward divides by the std of the discounted return") {
  auto raw = make("TestWrapWalk-v0", R"({"limit": 1000.0})");
  NormalizeReward env(make("TestWrapWalk-v0", R"({"limit": 1000.0})"), 0.9);
  std::array<float, 2> o{};
  Info info;
  raw->reset(2, std::span<float>(o), info);
  env.reset(2, std::span<float>(o), info);
  const float a = -0.4f;
  std::vector<double> returns;
  double g = 0;
  for (int t = 0; t < 15; ++t) {
    const double r = raw->step(array_view(&a, 1), std::span<float>(o), info).reward;
    const double scaled = env.step(array_view(&a, 1), std::span<float>(o), info).reward;
    g = g * 0.9 + r;
    returns.push_back(g);
    double mean = 0, var = 0;
    for (double x : returns) mean += x;
    mean /= static_cast<double>(returns.size());
    for (double x : returns) var += (x - mean) * (x - mean);
    var /= static_cast<double>(returns.size());
    // With one sample, the prior var of 1 dominates; afterwards two-pass var governs.
    if (t >= 3) CHECK(scaled == Approx(r / std::sqrt(var + 1e-8)).epsilon(1e-3));
  }
}

TEST_CASE("ClipAction accepts out-of-range actions and clips them; RescaleAction maps bounds") {
  auto plain = make("TestWrapWalk-v0", R"({"limit": 1000.0})");
  ClipAction clip(make("TestWrapWalk-v0", R"({"limit": 1000.0})"));
  CHECK(clip.action_space().repr() == "Box(-inf, inf, (1,), float32)");
  std::array<float, 2> o1{}, o2{};
  Info info;
  plain->reset(5, std::span<float>(o1), info);
  clip.reset(5, std::span<float>(o2), info);
  const float big = 7.0f, one = 1.0f;
  clip.step(array_view(&big, 1), std::span<float>(o2), info);
  plain->step(array_view(&one, 1), std::span<float>(o1), info);
  CHECK(o1 == o2);
  const float nan = std::nanf("");
  CHECK_THROWS_AS(clip.step(array_view(&nan, 1), std::span<float>(o2), info), InvalidAction);

  auto plain2 = make("TestWrapWalk-v0", R"({"limit": 1000.0})");
  RescaleAction rescale(make("TestWrapWalk-v0", R"({"limit": 1000.0})"), 0.0, 4.0);
  CHECK(rescale.action_space().repr() == "Box(0.0, 4.0, (1,), float32)");
  plain2->reset(6, std::span<float>(o1), info);
  rescale.reset(6, std::span<float>(o2), info);
  const float three = 3.0f, half = 0.5f;  // 3 in [0, 4] is 0.5 in [-1, 1]
  rescale.step(array_view(&three, 1), std::span<float>(o2), info);
  plain2->step(array_view(&half, 1), std::span<float>(o1), info);
  CHECK(o1 == o2);
  CHECK_THROWS_AS(RescaleAction(make("TestWrapWalk-v0"), 1.0, 1.0), InvalidArgument);
}

TEST_CASE("FrameStack keeps the last k observations, oldest first") {
  auto plain = make("TestWrapWalk-v0", R"({"limit": 1000.0})");
  FrameStack env(make("TestWrapWalk-v0", R"({"limit": 1000.0})"), 3);
  CHECK(env.observation_space().shape() == Shape{3, 2});
  std::array<float, 2> o{};
  std::array<float, 6> s{};
  Info info;
  plain->reset(4, std::span<float>(o), info);
  env.reset(4, std::span<float>(s), info);
  for (int k = 0; k < 3; ++k) CHECK(s[2 * k] == o[0]);  // "reset" padding repeats obs 0
  std::vector<float> xs = {o[0]};
  const float a = 0.1f;
  for (int t = 0; t < 4; ++t) {
    plain->step(array_view(&a, 1), std::span<float>(o), info);
    std::array<float, 6> fresh{};  // a different buffer each step must work
    env.step(array_view(&a, 1), std::span<float>(fresh), info);
    xs.push_back(o[0]);
    const std::size_t n = xs.size();
    CHECK(fresh[0] == xs[n >= 3 ? n - 3 : 0]);
    CHECK(fresh[2] == xs[n >= 2 ? n - 2 : 0]);
    CHECK(fresh[4] == xs[n - 1]);
    CHECK(fresh[5] == static_cast<float>(t + 1));
  }
  FrameStack zero(make("TestWrapWalk-v0"), 2, FrameStack::Padding::Zero);
  std::array<float, 4> z{};
  zero.reset(1, std::span<float>(z), info);
  CHECK(z[0] == 0.0f);
  CHECK(z[1] == 0.0f);
  CHECK_THROWS_AS(FrameStack(make("TestWrapWalk-v0"), 0), InvalidArgument);
}

TEST_CASE("wrappers pass seeds through and compose") {
  auto build = [] {
    return std::make_unique<RecordEpisodeStatistics>(std::make_unique<NormalizeObservation>(
        std::make_unique<ClipAction>(make("TestWrapWalk-v0"))));
  };
  auto e1 = build(), e2 = build();
  std::array<float, 2> a1{}, a2{};
  Info info;
  e1->reset(77, std::span<float>(a1), info);
  e2->reset(77, std::span<float>(a2), info);
  CHECK(a1 == a2);
  const float act = 3.0f;
  for (int t = 0; t < 10 && !e1->needs_reset(); ++t) {
    e1->step(array_view(&act, 1), std::span<float>(a1), info);
    e2->step(array_view(&act, 1), std::span<float>(a2), info);
    CHECK(a1 == a2);
  }
}

// ---- vector-level normalizers (what PPO applies to its VectorEnv's outputs) ----

TEST_CASE("VectorNormalizeObservation matches two-pass statistics of a VectorEnv's observations") {
  VectorEnvOptions vo;
  vo.num_threads = 1;
  vo.autoreset = AutoresetMode::SameStep;
  VectorEnv envs("TestWrapWalk-v0", 3, R"({"limit": 2.0})", vo);
  VectorNormalizeObservation norm(3, 2);
  envs.reset(4);
  std::vector<double> seen;  // every raw row fed to the normalizer, [rows, 2]
  std::array<float, 6> out{};
  const std::array<float, 3> a{0.3f, -0.2f, 0.1f};
  for (int t = 0; t < 40; ++t) {
    const std::span<const float> raw(envs.observations_as<float>(), 6);
    seen.insert(seen.end(), raw.begin(), raw.end());
    norm.normalize(raw, 3, out);
    // The output uses the statistics after this batch was folded in.
    for (std::size_t k = 0; k < 6; ++k) {
      const std::size_t j = k % 2;
      const double expect = (raw[k] - norm.statistics().mean()[j]) / std::sqrt(norm.statistics().var()[j] + 1e-8);
      CHECK(out[k] == static_cast<float>(expect));
    }
    envs.step(ConstArray{a.data(), DType::float32, Shape{3, 1}});
  }
  const double rows = static_cast<double>(seen.size() / 2);
  CHECK(norm.statistics().count() == Approx(rows + 1e-4));
  for (std::size_t j = 0; j < 2; ++j) {
    double mean = 0, var = 0;
    for (std::size_t k = j; k < seen.size(); k += 2) mean += seen[k];
    mean /= rows;
    for (std::size_t k = j; k < seen.size(); k += 2) var += (seen[k] - mean) * (seen[k] - mean);
    var /= rows;
    // The 1e-4 prior count (mean 0, var 1) shifts the result by ~1e-6 relative here.
    CHECK(norm.statistics().mean()[j] == Approx(mean).epsilon(1e-5));
    CHECK(norm.statistics().var()[j] == Approx(var).epsilon(1e-5));
  }
  // transform() of more rows than num_envs works and never updates.
  std::vector<float> many(seen.begin(), seen.begin() + 20), many_out(20);
  const double count = norm.statistics().count();
  norm.transform(many, 10, many_out);
  CHECK(norm.statistics().count() == count);
  CHECK_THROWS_AS(norm.normalize(many, 10, many_out), InvalidArgument);  // more rows than num_envs
  CHECK_THROWS_WITH(norm.transform(many, 3, many_out), Catch::Contains("need 6 values") && Catch::Contains("obs 20"));
}

TEST_CASE("VectorNormalizeReward scales by the std of the hand-computed discounted returns") {
  // Two envs, gamma 0.5. Env 0 terminates at step 2 (its return restarts); env 1 never does.
  VectorNormalizeReward norm(2, 0.5);
  const std::array<std::array<double, 2>, 3> r{{{1, 2}, {1, -1}, {2, 2}}};
  const std::array<std::array<std::uint8_t, 2>, 3> term{{{0, 0}, {1, 0}, {0, 0}}};
  // G_t = G_{t-1} * 0.5 * (1 - term_t) + r_t, by hand:
  const std::array<std::array<double, 2>, 3> g{{{1, 2}, {1, 0}, {2.5, 2}}};
  double sum = 0, sum_sq = 0;
  const double c = 1e-4;  // the prior: count 1e-4 of mean 0 and var 1
  for (std::size_t t = 0; t < 3; ++t) {
    std::array<double, 2> out{};
    norm.normalize(r[t], term[t], out);
    CHECK(norm.discounted_returns()[0] == g[t][0]);
    CHECK(norm.discounted_returns()[1] == g[t][1]);
    for (double x : g[t]) sum += x, sum_sq += x * x;
    // Pooled moments of the prior and every return so far (what the parallel update computes).
    const double n = c + 2.0 * static_cast<double>(t + 1);
    const double mean = sum / n;
    const double var = (c * 1.0 + sum_sq) / n - mean * mean;
    CHECK(norm.statistics().var()[0] == Approx(var).epsilon(1e-12));
    for (std::size_t i = 0; i < 2; ++i) CHECK(out[i] == Approx(r[t][i] / std::sqrt(var + 1e-8)).epsilon(1e-12));
  }
  // After 3 steps: returns {1, 2, 1, 0, 2.5, 2}, mean 1.41667, population var 0.70139.
  CHECK(norm.statistics().var()[0] == Approx(0.7013889).epsilon(1e-4));
  std::array<double, 1> one{};
  CHECK_THROWS_WITH(norm.normalize(one, std::array<std::uint8_t, 1>{0}, one), Catch::Contains("num_envs = 2"));
  CHECK_THROWS_AS(VectorNormalizeReward(2, 1.5), InvalidArgument);
}

TEST_CASE("vector normalizers clip their outputs") {
  VectorNormalizeObservation plain(2, 1), clipped(2, 1, 0.5);
  const std::array<float, 2> x0{0.0f, 1.0f}, x1{5.0f, -3.0f};
  std::array<float, 2> p{}, q{};
  for (const auto* x : {&x0, &x1}) {
    plain.normalize(*x, 2, p);
    clipped.normalize(*x, 2, q);
    for (std::size_t i = 0; i < 2; ++i) CHECK(q[i] == std::clamp(p[i], -0.5f, 0.5f));
  }
  CHECK(std::abs(p[0]) > 0.5f);  // the clip did something
  CHECK_THROWS_AS(VectorNormalizeObservation(2, 1, 0.0), InvalidArgument);

  VectorNormalizeReward rplain(2, 0.9), rclipped(2, 0.9, 0.1);
  const std::array<double, 2> rew{0.05, -3.0};
  const std::array<std::uint8_t, 2> none{0, 0};
  std::array<double, 2> rp{}, rq{};
  for (int t = 0; t < 3; ++t) {
    rplain.normalize(rew, none, rp);
    rclipped.normalize(rew, none, rq);
  }
  CHECK(rq[0] == rp[0]);  // inside the clip
  CHECK(rq[1] == -0.1);
  CHECK(rp[1] < -0.1);
}

TEST_CASE("frozen vector normalizers keep their statistics") {
  VectorNormalizeObservation obs(2, 2);
  const std::array<float, 4> a{1, 2, 3, 4}, b{-5, 0, 7, 1};
  std::array<float, 4> out{}, ref{};
  obs.normalize(a, 2, out);
  const RunningMeanStd before = obs.statistics();
  obs.set_update(false);
  CHECK_FALSE(obs.update());
  obs.normalize(b, 2, out);
  obs.transform(b, 2, ref);
  CHECK(out == ref);
  CHECK(obs.statistics().mean() == before.mean());
  CHECK(obs.statistics().var() == before.var());
  CHECK(obs.statistics().count() == before.count());

  VectorNormalizeReward rew(2, 0.5);
  const std::array<double, 2> r{1, 3};
  const std::array<std::uint8_t, 2> none{0, 0};
  std::array<double, 2> ro{};
  rew.normalize(r, none, ro);
  const double var = rew.statistics().var()[0];
  rew.set_update(false);
  rew.normalize(r, none, ro);
  CHECK(rew.statistics().var()[0] == var);
  CHECK(rew.discounted_returns()[1] == 3 * 0.5 + 3);  // the return still accumulates
  CHECK(ro[1] == 3 * (1.0 / std::sqrt(var + 1e-8)));
}

TEST_CASE("vector normalizer state round-trips through bytes and files; corrupt files are rejected") {
  VectorNormalizeObservation obs(2, 2, 5.0);
  VectorNormalizeReward rew(2, 0.9, 10.0);
  std::array<float, 4> out{};
  std::array<double, 2> rout{};
  for (int t = 0; t < 4; ++t) {
    const std::array<float, 4> x{float(t), float(2 * t), float(-t), 0.5f};
    obs.normalize(x, 2, out);
    const std::array<double, 2> r{double(t), 1.0};
    rew.normalize(r, std::array<std::uint8_t, 2>{std::uint8_t(t == 2), 0}, rout);
  }
  // In memory (what agent checkpoints embed).
  VectorNormalizeObservation obs2(2, 2, 5.0);
  obs2.deserialize(obs.serialize(), "test");
  CHECK(obs2.statistics().mean() == obs.statistics().mean());
  CHECK(obs2.statistics().var() == obs.statistics().var());
  CHECK(obs2.statistics().count() == obs.statistics().count());
  VectorNormalizeReward rew2(2, 0.9, 10.0);
  rew2.deserialize(rew.serialize(), "test");
  CHECK(rew2.statistics().var() == rew.statistics().var());
  CHECK(std::equal(rew2.discounted_returns().begin(), rew2.discounted_returns().end(), rew.discounted_returns().begin()));
  // Restored normalizers continue exactly as the originals.
  const std::array<float, 4> x{0.25f, -1, 3, 2};
  std::array<float, 4> o1{}, o2{};
  obs.normalize(x, 2, o1);
  obs2.normalize(x, 2, o2);
  CHECK(o1 == o2);
  CHECK_THROWS_WITH(VectorNormalizeObservation(2, 3).deserialize(obs.serialize(), "ckpt.bin"),
                    Catch::Contains("ckpt.bin") && Catch::Contains("obs_dim 3"));
  CHECK_THROWS_WITH(VectorNormalizeReward(3, 0.9).deserialize(rew.serialize(), "ckpt.bin"),
                    Catch::Contains("ckpt.bin") && Catch::Contains("num_envs 3"));
  CHECK_THROWS_WITH(obs2.deserialize("garbage", "ckpt.bin"), Catch::Contains("ckpt.bin"));
  CHECK_THROWS_WITH(obs2.deserialize(obs.serialize() + "x", "ckpt.bin"), Catch::Contains("unexpected bytes"));

  // Files.
  const std::string path = temp_path("vec_obs_norm.bin");
  obs.save(path);
  VectorNormalizeObservation obs3(2, 2, 5.0);
  obs3.load(path);
  CHECK(obs3.statistics().mean() == obs.statistics().mean());
  CHECK(obs3.statistics().var() == obs.statistics().var());
  const std::string rpath = temp_path("vec_rew_norm.bin");
  rew.save(rpath);
  VectorNormalizeReward rew3(2, 0.9, 10.0);
  rew3.load(rpath);
  CHECK(rew3.statistics().var() == rew.statistics().var());
  CHECK(rew3.discounted_returns()[0] == rew.discounted_returns()[0]);
  CHECK_THROWS_WITH(obs3.load(rpath), Catch::Contains("VectorNormalizeReward/1") &&
                                          Catch::Contains("VectorNormalizeObservation/1"));
  CHECK_THROWS_WITH(VectorNormalizeObservation(2, 3).load(path), Catch::Contains(path) && Catch::Contains("obs_dim 3"));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-12, std::ios::end);
    char c;
    f.read(&c, 1);
    f.seekp(-12, std::ios::end);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  CHECK_THROWS_WITH(obs3.load(path), Catch::Contains(path) && Catch::Contains("checksum"));
  std::remove(path.c_str());
  std::remove(rpath.c_str());
}
