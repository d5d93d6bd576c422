// BipedalWalker-v3 / BipedalWalkerHardcore-v3: determinism (seeds, checkpoints, 1/2/8 threads),
// refused input (damaged states, actions out of bounds) and the draw contract (no allocation).
// Parity with gymnasium itself is tests/python/test_box2d_walker.py.
#include <catch.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "tests/count_allocations.hpp"
#include "core/vector_env.hpp"
#include "envs/box2d/bipedal_walker.hpp"
#include "envs/box2d/replay_log.hpp"

using namespace rlforge;

using rlforge::testing::g_allocations;  // tests/count_allocations.hpp

namespace {

const char* const kIds[] = {"BipedalWalker-v3", "BipedalWalkerHardcore-v3"};

// A fixed action stream in [-1, 1] (both signs, zero, and the bounds).
std::array<float, 4> action_at(int t) {
  std::array<float, 4> a;
  for (int k = 0; k < 4; ++k) {
    const int v = (t * 7 + k * 13) % 21;  // 0..20
    a[static_cast<std::size_t>(k)] = static_cast<float>(v - 10) / 10.0f;
  }
  return a;
}

struct Trace {
  std::vector<float> obs;
  std::vector<double> rewards;
  std::vector<int> flags;
};

// Steps an env `steps` times (resetting when an episode ends), recording everything.
void run(Env& env, int steps, int t0, Trace& tr) {
  std::vector<float> obs(24);
  Info info;
  for (int t = t0; t < t0 + steps; ++t) {
    const auto a = action_at(t);
    const StepResult r = env.step(array_view(a.data(), 4), std::span<float>(obs), info);
    tr.obs.insert(tr.obs.end(), obs.begin(), obs.end());
    tr.rewards.push_back(r.reward);
    tr.flags.push_back(r.terminated * 2 + r.truncated);
    if (r.terminated || r.truncated) env.reset(std::nullopt, std::span<float>(obs), info);
  }
}

bool same_bits(const Trace& a, const Trace& b) {
  return a.obs.size() == b.obs.size() &&
         std::memcmp(a.obs.data(), b.obs.data(), a.obs.size() * sizeof(float)) == 0 &&
         std::memcmp(a.rewards.data(), b.rewards.data(), a.rewards.size() * sizeof(double)) == 0 &&
         a.flags == b.flags;
}

}  // namespace

TEST_CASE("walker: spec, spaces and kwargs", "[box2d][walker]") {
  const EnvSpec& s = Registry::global().spec("BipedalWalker-v3");
  CHECK(s.max_episode_steps == 1600);
  CHECK(s.reward_threshold == 300.0);
  CHECK(s.render_fps == 50);
  CHECK(s.exposes_state);
  const EnvSpec& h = Registry::global().spec("BipedalWalkerHardcore-v3");
  CHECK(h.max_episode_steps == 2000);
  auto env = make("BipedalWalkerHardcore-v3");
  CHECK(static_cast<box2d::walker::BipedalWalkerEnv&>(*env).hardcore());
  CHECK(env->observation_space().shape() == Shape{24});
  CHECK(env->action_space().shape() == Shape{4});
  CHECK_FALSE(static_cast<box2d::walker::BipedalWalkerEnv&>(*make("BipedalWalker-v3")).hardcore());
  // the kwarg itself, as gym.make("BipedalWalker-v3", hardcore=True)
  CHECK(static_cast<box2d::walker::BipedalWalkerEnv&>(*make("BipedalWalker-v3", R"({"hardcore": true})")).hardcore());
  CHECK_THROWS_AS(make("BipedalWalker-v3", R"({"hardcore": 1})"), InvalidArgument);
}

TEST_CASE("walker: the terrain generator is a pure function of its draws", "[box2d][walker]") {
  for (bool hardcore : {false, true}) {
    Rng rng(5);
    box2d::ReplayLog log;
    log.start(rng, 1024);
    box2d::walker::Terrain a, b;
    box2d::walker::generate_terrain(log, hardcore, a);
    const std::vector<double> draws = log.values();
    log.start_replay(draws, "test");
    box2d::walker::generate_terrain(log, hardcore, b);
    CHECK(log.replay_done());
    CHECK(a.y == b.y);
    CHECK(a.obstacles.size() == b.obstacles.size());
    // Normal terrain has no obstacles; hardcore over 200 steps always has some.
    CHECK((a.obstacles.empty() != hardcore));
    // GRASS draws one uniform per step after the start pad, plus the counters' integers.
    if (!hardcore) CHECK(draws.size() > 170);
  }
}

// tests/data/box2d/walker_terrain.txt (written by make_walker_terrain.py next to it): gymnasium's
// own _generate_terrain and _generate_clouds on numpy seeds, with the draws they made. Ours, fed
// those draws, must use every one of them and give the same doubles bit for bit: the state
// machine, its draw order and every formula (pits, stumps, stairs, cloud vertices).
TEST_CASE("walker: terrain and clouds equal gymnasium's, bit for bit, from the same draws", "[box2d][walker]") {
  std::ifstream in(std::string(RLFORGE_SOURCE_DIR) + "/tests/data/box2d/walker_terrain.txt");
  REQUIRE(in.good());
  std::string word;
  int cases = 0, hardcore_obstacles = 0;
  while (in >> word) {
    REQUIRE(word == "case");
    int hardcore = 0;
    std::size_t n = 0;
    in >> hardcore >> n;
    std::vector<double> draws(n);
    for (double& v : draws) in >> v;
    std::array<double, 200> y;
    for (double& v : y) in >> v;
    std::size_t n_obstacles = 0;
    in >> n_obstacles;
    std::vector<std::array<double, 8>> obstacles(n_obstacles);
    for (auto& o : obstacles)
      for (double& v : o) in >> v;
    std::array<std::array<double, 12>, 10> clouds;
    for (auto& c : clouds)
      for (double& v : c) in >> v;
    REQUIRE(in.good());
    INFO("case " << cases << " hardcore " << hardcore);

    box2d::ReplayLog log;
    log.start_replay(draws, "golden terrain");
    box2d::walker::Terrain t;
    std::array<box2d::walker::Cloud, 10> ours_clouds;
    box2d::walker::generate_terrain(log, hardcore == 1, t);
    box2d::walker::generate_clouds(log, ours_clouds);
    CHECK(log.replay_done());
    CHECK(t.y == y);
    REQUIRE(t.obstacles.size() == n_obstacles);
    for (std::size_t k = 0; k < n_obstacles; ++k)
      for (std::size_t v = 0; v < 4; ++v) {
        CHECK(t.obstacles[k][v].x == obstacles[k][2 * v]);
        CHECK(t.obstacles[k][v].y == obstacles[k][2 * v + 1]);
      }
    for (std::size_t c = 0; c < 10; ++c) {
      for (std::size_t v = 0; v < 5; ++v) {
        CHECK(ours_clouds[c].poly[v].x == clouds[c][2 * v]);
        CHECK(ours_clouds[c].poly[v].y == clouds[c][2 * v + 1]);
      }
      CHECK(ours_clouds[c].x1 == clouds[c][10]);
      CHECK(ours_clouds[c].x2 == clouds[c][11]);
    }
    hardcore_obstacles += hardcore ? static_cast<int>(n_obstacles) : 0;
    ++cases;
  }
  CHECK(cases == 9);
  CHECK(hardcore_obstacles > 100);
}

TEST_CASE("walker: same seed, same trajectory", "[box2d][walker]") {
  for (const char* id : kIds) {
    INFO(id);
    Trace a, b, c;
    for (Trace* tr : {&a, &b}) {
      auto env = make(id);
      std::vector<float> obs(24);
      Info info;
      env->reset(42, std::span<float>(obs), info);
      run(*env, 300, 0, *tr);
    }
    CHECK(same_bits(a, b));
    auto env = make(id);
    std::vector<float> obs(24);
    Info info;
    env->reset(43, std::span<float>(obs), info);
    run(*env, 300, 0, c);
    CHECK_FALSE(same_bits(a, c));
  }
}

TEST_CASE("walker: get_state mid-episode, set_state into a fresh env, both continue alike", "[box2d][walker]") {
  for (const char* id : kIds) {
    INFO(id);
    auto a = make(id);
    std::vector<float> obs(24);
    Info info;
    a->reset(7, std::span<float>(obs), info);
    Trace warm;
    run(*a, 60, 0, warm);
    const std::vector<double> state = a->get_state();
    auto b = make(id);
    b->reset(999, std::span<float>(obs), info);  // a different episode, replaced by set_state
    b->set_state(state);
    CHECK(b->get_state() == state);
    Trace ta, tb;
    run(*a, 150, 60, ta);
    run(*b, 150, 60, tb);
    CHECK(same_bits(ta, tb));
  }
}

TEST_CASE("walker: VectorEnv gives identical results for 1, 2 and 8 threads", "[box2d][walker]") {
  for (const char* id : kIds) {
    INFO(id);
    std::vector<Trace> out;
    for (int threads : {1, 2, 8}) {
      VectorEnvOptions o;
      o.num_threads = threads;
      VectorEnv v(id, 8, "{}", o);
      v.reset(123);
      const Space& space = v.single_action_space();
      std::vector<float> actions(4 * 8);
      Rng action_rng(77);
      Trace tr;
      for (int t = 0; t < 300; ++t) {
        for (int i = 0; i < 8; ++i) space.sample(action_rng, actions.data() + 4 * i);
        v.step(ConstArray{actions.data(), DType::float32, Shape{8, 4}});
        const float* o8 = v.observations_as<float>();
        tr.obs.insert(tr.obs.end(), o8, o8 + 8 * 24);
        tr.rewards.insert(tr.rewards.end(), v.rewards(), v.rewards() + 8);
        for (int i = 0; i < 8; ++i) tr.flags.push_back(v.terminated()[i] * 2 + v.truncated()[i]);
      }
      out.push_back(std::move(tr));
    }
    CHECK(same_bits(out[0], out[1]));
    CHECK(same_bits(out[0], out[2]));
  }
}

TEST_CASE("walker: a VectorEnv checkpoint resumes exactly (save_state / load_state)", "[box2d][walker]") {
  for (const char* id : kIds) {
    INFO(id);
    VectorEnvOptions o;
    o.num_threads = 2;
    VectorEnv a(id, 4, "{}", o);
    REQUIRE(a.captures_env_state());
    a.reset(5);
    std::vector<float> actions(4 * 4);
    Rng action_rng(3);
    const Space& space = a.single_action_space();
    auto step = [&](VectorEnv& v, Trace& tr) {
      v.step(ConstArray{actions.data(), DType::float32, Shape{4, 4}});
      const float* ob = v.observations_as<float>();
      tr.obs.insert(tr.obs.end(), ob, ob + 4 * 24);
      tr.rewards.insert(tr.rewards.end(), v.rewards(), v.rewards() + 4);
      for (int i = 0; i < 4; ++i) tr.flags.push_back(v.terminated()[i] * 2 + v.truncated()[i]);
    };
    Trace warm, ta, tb;
    for (int t = 0; t < 80; ++t) {
      for (int i = 0; i < 4; ++i) space.sample(action_rng, actions.data() + 4 * i);
      step(a, warm);
    }
    const std::string blob = a.save_state();
    VectorEnv b(id, 4, "{}", o);
    b.load_state(blob);
    for (int t = 0; t < 150; ++t) {
      for (int i = 0; i < 4; ++i) space.sample(action_rng, actions.data() + 4 * i);
      step(a, ta);
      step(b, tb);
    }
    CHECK(same_bits(ta, tb));
  }
}

TEST_CASE("walker: a damaged state is refused, naming the env, and changes nothing", "[box2d][walker]") {
  auto env = make("BipedalWalker-v3");
  std::vector<float> obs(24);
  Info info;
  env->reset(3, std::span<float>(obs), info);
  Trace warm;
  run(*env, 20, 0, warm);
  const std::vector<double> good = env->get_state();
  auto refused = [&](std::vector<double> s) {
    try {
      env->set_state(s);
    } catch (const InvalidArgument& e) {
      CHECK_THAT(e.what(), Catch::Contains("BipedalWalker-v3"));
      return true;
    }
    return false;
  };
  CHECK(refused({}));
  auto s = good;
  s[0] = 1;  // another env's tag
  CHECK(refused(s));
  s = good;
  s[1] = 1;  // a hardcore episode
  CHECK(refused(s));
  s = good;
  s[2] = 5.0;  // the first terrain draw is uniform(-1, 1)
  CHECK(refused(s));
  s = good;
  s.back() = 1.5;  // an action out of bounds
  CHECK(refused(s));
  s = good;
  s.pop_back();  // a step cut short
  CHECK(refused(s));
  s = good;
  s.resize(100);  // cut inside the terrain's draws
  CHECK(refused(s));
  CHECK(env->get_state() == good);  // each refusal left the episode as it was
  // A hardcore env refuses a normal episode.
  auto hc = make("BipedalWalkerHardcore-v3");
  hc->reset(3, std::span<float>(obs), info);
  CHECK_THROWS_WITH(hc->set_state(good), Catch::Contains("BipedalWalkerHardcore-v3"));
}

TEST_CASE("walker: an action out of bounds is refused by the core, naming the env", "[box2d][walker]") {
  for (const char* id : kIds) {
    auto env = make(id);
    std::vector<float> obs(24);
    Info info;
    env->reset(1, std::span<float>(obs), info);
    const float bad[4] = {0.f, 1.5f, 0.f, 0.f};
    CHECK_THROWS_WITH(env->step(array_view(bad, 4), std::span<float>(obs), info), Catch::Contains(id));
    const float nan[4] = {0.f, 0.f, std::nanf(""), 0.f};
    CHECK_THROWS_AS(env->step(array_view(nan, 4), std::span<float>(obs), info), InvalidAction);
  }
}

TEST_CASE("walker: stepping and drawing allocate nothing after the first frame", "[box2d][walker]") {
  for (const char* id : kIds) {
    INFO(id);
    auto env = make(id);
    std::vector<float> obs(24);
    Info info;
    env->reset(11, std::span<float>(obs), info);
    Frame frame;
    Trace first;
    run(*env, 1, 0, first);
    env->draw(frame);
    CHECK(frame.width() == 600);
    CHECK(frame.height() == 400);
    CHECK(frame.primitives().size() > 50);
    const std::size_t capacity = frame.capacity_bytes();
    long step_allocations = 0, draw_allocations = 0;
    for (int t = 1; t < 200; ++t) {
      const auto a = action_at(t);
      long before = g_allocations.load();
      const StepResult r = env->step(array_view(a.data(), 4), std::span<float>(obs), info);
      step_allocations += g_allocations.load() - before;
      if (r.terminated || r.truncated) break;
      before = g_allocations.load();
      env->draw(frame);
      draw_allocations += g_allocations.load() - before;
    }
    CHECK(step_allocations == 0);
    CHECK(draw_allocations == 0);
    CHECK(frame.capacity_bytes() == capacity);
  }
}

TEST_CASE("walker: the lidar equals b2World::RayCast's nearest hit on every step", "[box2d][walker]") {
  // The step casts each ray against the few ground fixtures its x-extent crosses; the reference
  // walks the world's tree as gymnasium does. Random-ish actions over many resets: flat ground,
  // hardcore stumps, pits and stairs, rays that miss (fraction 1) and rays that graze corners.
  for (const char* id : kIds) {
    INFO(id);
    auto env = make(id);
    auto* walker = dynamic_cast<box2d::walker::BipedalWalkerEnv*>(env.get());
    REQUIRE(walker);
    std::vector<float> obs(24);
    Info info;
    int checked = 0, misses = 0;
    for (std::uint64_t seed = 0; seed < 6; ++seed) {
      env->reset(seed, std::span<float>(obs), info);
      for (int t = 0; t < 400; ++t) {
        const auto ref = walker->lidar_by_world_ray_cast();
        for (int i = 0; i < box2d::walker::kLidarRays; ++i) {
          REQUIRE(obs[static_cast<std::size_t>(14 + i)] == static_cast<float>(ref[static_cast<std::size_t>(i)]));
          misses += ref[static_cast<std::size_t>(i)] == 1.0;
        }
        checked += box2d::walker::kLidarRays;
        const auto a = action_at(t + static_cast<int>(seed) * 31);
        if (env->step(array_view(a.data(), 4), std::span<float>(obs), info).terminated) break;
      }
    }
    CHECK(checked > 2000);
    CHECK(misses > 0);  // some rays reach no ground: the no-hit path is covered too
  }
}
