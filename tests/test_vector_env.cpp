// VectorEnv: seeding (env i gets seed + i), both autoreset modes, bit-identical results for
// 1, 2 and 8 threads, validation before any env moves, custom envs inside a VectorEnv.
#include <catch.hpp>

#include <array>
#include <cstring>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/state_file.hpp"
#include "core/vector_env.hpp"
#include "test_env_fixture.hpp"

using namespace rlforge;
using rlforge::testing::WalkEnv;

RLFORGE_REGISTER_ENV(WalkEnv, {.id = "TestVecWalk-v0", .max_episode_steps = 7,
                               .kwargs = R"({"limit": 1.5})"});

namespace {

// Hash of every output of a long rollout with actions drawn from a fixed stream.
std::uint64_t rollout_hash(int threads, AutoresetMode mode, int chunk = 0) {
  VectorEnvOptions o;
  o.num_threads = threads;
  o.autoreset = mode;
  o.chunk_size = chunk;
  VectorEnv v("TestVecWalk-v0", 37, "{}", o);
  v.reset(1000);
  Rng action_rng(5);
  std::vector<float> actions(37);
  std::string bytes;
  auto add = [&](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); };
  for (int t = 0; t < 400; ++t) {
    for (auto& a : actions) a = static_cast<float>(action_rng.uniform(-1.0, 1.0));
    v.step(ConstArray{actions.data(), DType::float32, Shape{37, 1}});
    add(v.observations().data(), v.observations().size());
    add(v.rewards(), 37 * sizeof(double));
    add(v.terminated(), 37);
    add(v.truncated(), 37);
    if (mode == AutoresetMode::SameStep) {
      add(v.has_final(), 37);
      add(v.final_observations().data(), v.final_observations().size());
    }
  }
  return fnv1a64(bytes);
}

}  // namespace

TEST_CASE("VectorEnv results are bit-identical for 1, 2 and 8 threads and any chunking") {
  for (auto mode : {AutoresetMode::NextStep, AutoresetMode::SameStep}) {
    const auto h1 = rollout_hash(1, mode);
    CHECK(rollout_hash(2, mode) == h1);
    CHECK(rollout_hash(8, mode) == h1);
    CHECK(rollout_hash(8, mode, 1) == h1);
    CHECK(rollout_hash(2, mode, 5) == h1);
  }
}

TEST_CASE("env i of a VectorEnv is seeded with seed + i") {
  VectorEnv v("TestVecWalk-v0", 4, "{}", {.num_threads = 2});
  v.reset(50);
  const float* obs = v.observations_as<float>();
  for (int i = 0; i < 4; ++i) {
    auto single = make("TestVecWalk-v0");
    std::array<float, 2> o{};
    Info info;
    single->reset(50 + static_cast<std::uint64_t>(i), std::span<float>(o), info);
    CHECK(obs[2 * i] == o[0]);
  }
}

TEST_CASE("NextStep autoreset: the step after an episode ends only resets that env") {
  VectorEnv v("TestVecWalk-v0", 3, R"({"limit": 1000.0})", {.num_threads = 1});
  v.reset(9);
  std::vector<float> a(3, 0.0f);
  const ConstArray actions{a.data(), DType::float32, Shape{3, 1}};
  for (int t = 1; t <= 7; ++t) {
    v.step(actions);
    for (int i = 0; i < 3; ++i) CHECK(v.truncated()[i] == (t == 7));
  }
  v.step(actions);  // the reset step
  const float* obs = v.observations_as<float>();
  for (int i = 0; i < 3; ++i) {
    CHECK(v.rewards()[i] == 0.0);
    CHECK_FALSE(v.terminated()[i]);
    CHECK_FALSE(v.truncated()[i]);
    CHECK(obs[2 * i + 1] == 0.0f);  // step counter of a fresh episode
  }
  v.step(actions);
  CHECK(v.observations_as<float>()[1] == 1.0f);
}

TEST_CASE("SameStep autoreset keeps the final observation and info") {
  VectorEnv v("TestVecWalk-v0", 2, R"({"limit": 1000.0})",
              {.num_threads = 1, .autoreset = AutoresetMode::SameStep});
  v.reset(9);
  std::vector<float> a(2, 0.0f);
  const ConstArray actions{a.data(), DType::float32, Shape{2, 1}};
  for (int t = 1; t <= 7; ++t) {
    v.step(actions);
    CHECK(v.has_final()[0] == (t == 7));
  }
  CHECK(v.truncated()[0]);
  const float* final_obs = reinterpret_cast<const float*>(v.final_observations().data());
  CHECK(final_obs[1] == 7.0f);                    // the last obs of the episode
  CHECK(v.observations_as<float>()[1] == 0.0f);   // already the next episode's first obs
  CHECK(v.final_info(0).find("x") != nullptr);
}

TEST_CASE("a bad action in any row is rejected before any env steps") {
  VectorEnv v("TestVecWalk-v0", 4, "{}", {.num_threads = 2});
  v.reset(1);
  const std::vector<std::byte> before(v.observations().begin(), v.observations().end());
  std::vector<float> a = {0.0f, 0.0f, 2.0f, 0.0f};
  CHECK_THROWS_WITH(v.step(ConstArray{a.data(), DType::float32, Shape{4, 1}}),
                    Catch::Contains("TestVecWalk-v0") && Catch::Contains("env 2") &&
                        Catch::Contains("2.0"));
  CHECK(std::memcmp(before.data(), v.observations().data(), before.size()) == 0);
  CHECK_THROWS_WITH(v.step(ConstArray{a.data(), DType::float32, Shape{4}}),
                    Catch::Contains("expected (4, 1)"));
  VectorEnv fresh("TestVecWalk-v0", 2);
  std::vector<float> z(2, 0.0f);
  CHECK_THROWS_AS(fresh.step(ConstArray{z.data(), DType::float32, Shape{2, 1}}), StateError);
  CHECK_THROWS_AS(VectorEnv("TestVecWalk-v0", 0), InvalidArgument);
}

TEST_CASE("a VectorEnv can be built from a factory of custom, wrapped envs") {
  VectorEnv v(
      [](int) {
        return std::make_unique<WalkEnv>(JsonObject::parse(R"({"limit": 2.0})", "test"));
      },
      3, {.num_threads = 2});
  v.reset(4);
  std::vector<float> a(3, 0.1f);
  for (int t = 0; t < 50; ++t) v.step(ConstArray{a.data(), DType::float32, Shape{3, 1}});
  CHECK_FALSE(v.is_batched());
  CHECK(v.env(0).observation_space() == v.single_observation_space());
}

namespace {
// An env with uint8 pixel observations (4x4 RGB): the pixel value is the step count.
class PixelEnv : public Env {
 public:
  explicit PixelEnv(const JsonObject&)
      : Env(Space::box(0.0, 255.0, Shape{4, 4, 3}, DType::uint8), Space::discrete(3)) {}

 protected:
  void do_reset(Rng& rng, const JsonObject*, std::span<std::byte> obs, Info&) override {
    t_ = static_cast<int>(rng.below(10));
    std::memset(obs.data(), t_, obs.size());
  }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info&) override {
    t_ += static_cast<int>(*static_cast<const std::int64_t*>(action));
    std::memset(obs.data(), t_ & 255, obs.size());
    return {1.0, t_ > 40, false};
  }

 private:
  int t_ = 0;
};
}  // namespace

RLFORGE_REGISTER_ENV(PixelEnv, {.id = "TestPixels-v0", .max_episode_steps = 30});

TEST_CASE("uint8 observations flow through Env and VectorEnv unchanged") {
  VectorEnv v("TestPixels-v0", 5, "{}", {.num_threads = 2});
  CHECK(v.single_observation_space().dtype() == DType::uint8);
  CHECK(v.observations().size() == 5u * 48u);
  v.reset(3);
  std::vector<std::uint8_t> start(v.observations_as<std::uint8_t>(),
                                  v.observations_as<std::uint8_t>() + 5 * 48);
  std::vector<std::int64_t> a(5, 2);
  v.step(ConstArray{a.data(), DType::int64, Shape{5}});
  const std::uint8_t* px = v.observations_as<std::uint8_t>();
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 48; ++k) CHECK(px[i * 48 + k] == start[static_cast<std::size_t>(i * 48)] + 2);
  CHECK_THROWS_AS(v.observations_as<float>(), InvalidArgument);
}
