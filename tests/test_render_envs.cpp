// The draw(Frame&) contract of the envs: every classic env draws at its canvas size, a second
// frame neither grows the Frame nor allocates, a batched VectorEnv lane draws exactly what a single env with
// its state draws, and an env without draw() says it does not render. (How the pictures look
// is tests/python/test_render_pictures.py, against gymnasium.)
#include <catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/registry.hpp"
#include "tests/count_allocations.hpp"
#include "core/vector_env.hpp"
#include "render/raster.hpp"

using namespace rlforge;

using rlforge::testing::g_allocations;  // tests/count_allocations.hpp

namespace {

struct Canvas {
  const char* id;
  int width, height;
};
// gymnasium 1.4's screen sizes.
const Canvas kClassic[] = {{"CartPole-v0", 600, 400},   {"CartPole-v1", 600, 400},
                           {"Pendulum-v1", 500, 500},   {"MountainCar-v0", 600, 400},
                           {"MountainCarContinuous-v0", 600, 400}, {"Acrobot-v1", 500, 500}};

// A valid action for step k: cycles through a Discrete space, sweeps a Box (Pendulum's torque
// takes both signs, so its arrow is drawn both ways).
struct Action {
  std::int64_t discrete = 0;
  float box = 0.0f;
};
Action action_at(const Space& space, int k) {
  Action a;
  if (space.kind() == Space::Kind::Discrete) {
    a.discrete = k % space.n();
  } else {
    a.box = static_cast<float>(((k * 7) % 9 - 4) / 4.0 * space.high()[0]);
  }
  return a;
}

StepResult step(Env& env, const Action& a, std::vector<std::byte>& obs, Info& info) {
  if (env.action_space().kind() == Space::Kind::Discrete)
    return env.step(scalar_view(a.discrete), std::span<std::byte>(obs), info);
  return env.step(array_view(&a.box, 1), std::span<std::byte>(obs), info);
}

// An env made and reset with `seed`, with its observation buffer and info.
struct Reset {
  std::unique_ptr<Env> env;
  std::vector<std::byte> obs;
  Info info;
};
Reset made_and_reset(const std::string& id, std::uint64_t seed) {
  Reset r{make(id), {}, {}};
  r.obs.resize(r.env->observation_space().nbytes());
  r.env->reset(seed, std::span<std::byte>(r.obs), r.info);
  return r;
}

void require_same_frame(const Frame& a, const Frame& b) {
  REQUIRE(a.width() == b.width());
  REQUIRE(a.height() == b.height());
  REQUIRE(a.background() == b.background());
  REQUIRE(a.primitives().size() == b.primitives().size());
  for (std::size_t k = 0; k < a.primitives().size(); ++k) {
    const Primitive& p = a.primitives()[k];
    const Primitive& q = b.primitives()[k];
    INFO("primitive " << k);
    CHECK(p.kind == q.kind);
    CHECK(p.color == q.color);
    CHECK(p.width == q.width);
    CHECK(p.radius == q.radius);
    CHECK(p.closed == q.closed);
    REQUIRE(p.count == q.count);
    const auto pa = a.points(p), pb = b.points(q);
    for (std::size_t j = 0; j < pa.size(); ++j) {
      INFO("point " << j << ": " << pa[j].x << "," << pa[j].y << " vs " << pb[j].x << "," << pb[j].y);
      CHECK(pa[j] == pb[j]);
    }
  }
}

}  // namespace

TEST_CASE("every classic env draws a non-empty frame at gymnasium's canvas size", "[render]") {
  for (const Canvas& c : kClassic) {
    INFO(c.id);
    Reset r = made_and_reset(c.id, 3);
    REQUIRE(r.env->renders());
    Frame frame;
    r.env->draw(frame);
    CHECK(frame.width() == c.width);
    CHECK(frame.height() == c.height);
    CHECK(frame.background() == Color{255, 255, 255, 255});
    CHECK(frame.primitives().size() >= 3);
    // The picture is not blank: some pixel differs from the white background.
    const std::vector<std::uint8_t> rgb = render::rasterize(frame);
    std::size_t dark = 0;
    for (std::uint8_t v : rgb) dark += v < 128;
    CHECK(dark > 100);
  }
}

TEST_CASE("every registered env with a render_fps renders", "[render]") {
  for (const EnvSpec& spec : Registry::global().specs()) {
    if (spec.render_fps <= 0) continue;
    INFO(spec.id);
    Reset r = made_and_reset(spec.id, 0);
    CHECK(r.env->renders());
    Frame frame;
    r.env->draw(frame);
    CHECK(!frame.empty());
  }
}

TEST_CASE("drawing again neither grows the frame nor allocates", "[render]") {
  for (const Canvas& c : kClassic) {
    INFO(c.id);
    Reset r = made_and_reset(c.id, 1);
    Env& env = *r.env;
    Frame frame;
    // The first draw after a step: Pendulum's torque arrow adds primitives, so it is the
    // largest picture; the frames after it reuse its capacity.
    step(env, action_at(env.action_space(), 1), r.obs, r.info);
    env.draw(frame);
    const std::size_t capacity = frame.capacity_bytes();
    const std::size_t primitives = frame.primitives().size();
    for (int k = 2; k < 30; ++k) {
      if (step(env, action_at(env.action_space(), k), r.obs, r.info).terminated)
        env.reset(std::nullopt, std::span<std::byte>(r.obs), r.info);
      const long before = g_allocations.load();
      env.draw(frame);
      const long allocations = g_allocations.load() - before;
      CHECK(allocations == 0);
      CHECK(frame.capacity_bytes() == capacity);
    }
    CHECK(frame.primitives().size() <= primitives);
  }
}

namespace {
// VectorEnv::draw on the batched path against the single env holding the lane's state.
void check_batched_lanes(const char* id) {
  INFO(id);
  constexpr int kEnvs = 3;
  VectorEnv vec(id, kEnvs, "{}", VectorEnvOptions{.num_threads = 1});
  REQUIRE(vec.is_batched());
  REQUIRE(vec.renders());
  vec.reset(10);
  // Twins: single env i, seeded 10 + i and given the same actions, holds lane i's state
  // (the batched path is bit-identical to the single env: test_classic_envs.cpp).
  std::vector<Reset> twins;
  for (int i = 0; i < kEnvs; ++i) twins.push_back(made_and_reset(id, 10 + static_cast<std::uint64_t>(i)));
  const Space& space = vec.single_action_space();
  for (int k = 0; k < 5; ++k) {
    std::vector<std::int64_t> discrete(kEnvs);
    std::vector<float> box(kEnvs);
    for (int i = 0; i < kEnvs; ++i) {
      const Action a = action_at(space, k + i);
      discrete[static_cast<std::size_t>(i)] = a.discrete;
      box[static_cast<std::size_t>(i)] = a.box;
      Reset& t = twins[static_cast<std::size_t>(i)];
      REQUIRE_FALSE(step(*t.env, a, t.obs, t.info).terminated);
    }
    if (space.kind() == Space::Kind::Discrete)
      vec.step(array_view(discrete.data(), kEnvs));
    else
      vec.step(ConstArray{box.data(), DType::float32, Shape{kEnvs, 1}});
  }
  for (int i = 0; i < kEnvs; ++i) {
    INFO("lane " << i);
    // The single env holding lane i's state: made, reset and set_state, never stepped, so it
    // has no last action either (a batched lane keeps none: Pendulum's lanes draw no arrow).
    Reset single = made_and_reset(id, 0);
    single.env->set_state(twins[static_cast<std::size_t>(i)].env->get_state());
    Frame from_vec, from_single;
    vec.draw(i, from_vec);
    single.env->draw(from_single);
    require_same_frame(from_vec, from_single);
  }
}
}  // namespace

TEST_CASE("a batched VectorEnv lane draws what the single env with its state draws", "[render]") {
  for (const char* id : {"CartPole-v0", "CartPole-v1", "Pendulum-v1", "MountainCar-v0", "Acrobot-v1"})
    check_batched_lanes(id);
}

// A lane's values include internal ones (MountainCarContinuous's float32 flag: 3 values where
// get_state has 2): VectorEnv::draw restores them as a checkpoint, not through set_state.
TEST_CASE("a batched MountainCarContinuous lane draws what the single env draws", "[render]") {
  check_batched_lanes("MountainCarContinuous-v0");
}

namespace {
// An env that does not override draw().
class NoPictureEnv : public Env {
 public:
  NoPictureEnv() : Env(Space::discrete(2), Space::discrete(2)) {}

 protected:
  void do_reset(Rng&, const JsonObject*, std::span<std::byte> obs, Info&) override {
    const std::int64_t zero = 0;
    std::memcpy(obs.data(), &zero, sizeof zero);
  }
  StepResult do_step(const void*, std::span<std::byte>, Info&) override { return {}; }
};
}  // namespace

TEST_CASE("an env without draw() says it does not render", "[render]") {
  NoPictureEnv env;
  EnvSpec spec;
  spec.id = "NoPicture-v0";
  env.set_spec(spec);
  CHECK_FALSE(env.renders());
  Frame frame;
  CHECK_THROWS_AS(env.draw(frame), UnsupportedRender);
  CHECK_THROWS_WITH(env.draw(frame), Catch::Contains("NoPicture-v0") &&
                                         Catch::Contains("does not render"));
  VectorEnv vec([](int) { return std::make_unique<NoPictureEnv>(); }, 2);
  CHECK_FALSE(vec.renders());
  CHECK_THROWS_WITH(vec.draw(1, frame), Catch::Contains("does not render"));
}

TEST_CASE("LunarLander's steps and pictures allocate nothing within an episode", "[render][box2d]") {
  for (const char* id : {"LunarLander-v3", "LunarLanderContinuous-v3"}) {
    INFO(id);
    Reset r = made_and_reset(id, 2);
    Env& env = *r.env;
    const bool discrete = env.action_space().kind() == Space::Kind::Discrete;
    // Engines on every step: the most flame particles a picture holds (they live ~7 steps).
    auto fire = [&](int k) {
      if (discrete) return env.step(scalar_view(std::int64_t{k % 2 == 0 ? 2 : 1 + 2 * (k % 4 == 1)}),
                                    std::span<std::byte>(r.obs), r.info);
      const float a[2] = {1.0f, k % 2 == 0 ? 1.0f : -1.0f};
      return env.step(array_view(a, 2), std::span<std::byte>(r.obs), r.info);
    };
    Frame frame;
    for (int k = 0; k < 12; ++k) {
      fire(k);
      env.draw(frame);
    }
    const std::size_t capacity = frame.capacity_bytes();
    // Steps append to the replay log reserved at reset, and Box2D allocates through its own
    // block allocator (malloc), not operator new: none of the counted allocations.
    const long before = g_allocations.load();
    for (int k = 12; k < 40; ++k) {
      if (fire(k).terminated) break;
      env.draw(frame);
    }
    CHECK(g_allocations.load() - before == 0);
    CHECK(frame.capacity_bytes() == capacity);
  }
}
