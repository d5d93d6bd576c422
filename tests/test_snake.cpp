// Snake-v0 (envs/games/snake.hpp): moves, food and growth, walls, its own body and the tail's
// cell, winning, the action mask, features, state round trips and errors, determinism.
#include <catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "envs/games/snake.hpp"

using namespace rlforge;

namespace {

struct Snake {
  std::unique_ptr<Env> env;
  std::vector<std::byte> obs;
  Info info;
  explicit Snake(const std::string& kwargs = "{}", std::uint64_t seed = 1) : env(make("Snake-v0", kwargs)) {
    obs.resize(env->observation_space().nbytes());
    env->reset(seed, std::span<std::byte>(obs), info);
  }
  StepResult step(std::int64_t a) { return env->step(scalar_view(a), std::span<std::byte>(obs), info); }
  double mask(int k) const { return *info.find(std::string("action_mask[" + std::to_string(k) + "]")); }
};

// cells on an 8x8 grid: y * 8 + x
constexpr int cell(int x, int y) { return y * 8 + x; }

}  // namespace

TEST_CASE("snake: spaces, kwargs and their errors", "[snake]") {
  Snake s;
  CHECK(s.env->observation_space().shape() == Shape{8, 8, 4});
  CHECK(s.env->observation_space().dtype() == DType::uint8);
  CHECK(s.env->action_space().n() == 4);
  CHECK(s.env->spec().max_episode_steps == 4000);
  Snake f(R"({"observation": "features", "width": 5, "height": 6})");
  CHECK(f.env->observation_space().shape() == Shape{12});
  Snake g(R"({"width": 5, "height": 6})");
  CHECK(g.env->observation_space().shape() == Shape{6, 5, 4});
  CHECK_THROWS_WITH(make("Snake-v0", R"({"width": 1})"), Catch::Contains("Snake-v0") && Catch::Contains("width"));
  CHECK_THROWS_WITH(make("Snake-v0", R"({"observation": "pixels"})"), Catch::Contains("observation"));
}

TEST_CASE("snake: eating grows the snake, walls and its body end the episode", "[snake]") {
  Snake s;
  // A snake of 2 at (3,4) <- (2,4) (tail first), heading right, food at (4,4).
  s.env->set_state(std::vector<double>{8, 8, 1, cell(4, 4), 2, cell(2, 4), cell(3, 4)});
  StepResult r = s.step(1);  // right
  CHECK(r.reward == 1.0);
  CHECK_FALSE(r.terminated);
  auto* games = dynamic_cast<games::SnakeEnv*>(s.env.get());
  REQUIRE(games);
  CHECK(games->length() == 3);
  const auto st = s.env->get_state();
  CHECK(st[5] == cell(2, 4));
  CHECK(st[7] == cell(4, 4));  // the head
  CHECK(st[3] != cell(4, 4));  // new food elsewhere, on a free cell
  // The grid: head, body, tail channels.
  const auto* g = reinterpret_cast<const std::uint8_t*>(s.obs.data());
  CHECK(g[cell(4, 4) * 4 + 2] == 1);
  CHECK(g[cell(3, 4) * 4 + 0] == 1);
  CHECK(g[cell(2, 4) * 4 + 1] == 1);
  CHECK(g[static_cast<int>(st[3]) * 4 + 3] == 1);

  // Into the wall.
  s.env->set_state(std::vector<double>{8, 8, 1, cell(0, 0), 1, cell(7, 2)});
  CHECK(s.step(1).terminated);
  // Into its own body: a 5-cell snake turning back on itself.
  Snake b;
  b.env->set_state(std::vector<double>{8, 8, 0, cell(0, 0), 5, cell(3, 3), cell(4, 3), cell(4, 4), cell(3, 4), cell(2, 4)});
  auto* bs = dynamic_cast<games::SnakeEnv*>(b.env.get());
  CHECK(bs->deadly(1));       // right: (3,4) is body
  CHECK_FALSE(bs->deadly(0));  // up: (2,3) is free
  b.step(3);                  // left, to (1,4): the mask in the step's info
  CHECK(b.mask(0) == 1.0);
  CHECK(b.mask(1) == 0.0);    // back right is its own neck
  CHECK(b.mask(3) == 1.0);
  CHECK(b.step(1).terminated);
  // Into the cell its tail leaves: allowed.
  Snake t;
  t.env->set_state(std::vector<double>{8, 8, 0, cell(0, 0), 4, cell(3, 3), cell(4, 3), cell(4, 4), cell(3, 4)});
  CHECK_FALSE(dynamic_cast<games::SnakeEnv*>(t.env.get())->deadly(0));
  CHECK_FALSE(t.step(0).terminated);
  CHECK(t.env->get_state()[8] == cell(3, 3));
}

TEST_CASE("snake: filling the grid wins", "[snake]") {
  Snake s(R"({"width": 2, "height": 2})");
  // 3 cells, food on the last one: eating it fills the grid.
  // Cells 0 (0,0), 1 (1,0), 2 (0,1), 3 (1,1): the snake 2 -> 0 -> 1, food on 3, below its head.
  s.env->set_state(std::vector<double>{2, 2, 1, 3, 3, 2, 0, 1});
  const StepResult r = s.step(2);
  CHECK(r.reward == 1.0);
  CHECK(r.terminated);
  CHECK(s.env->get_state()[3] == -1);  // no food left
}

TEST_CASE("snake: features describe danger, direction and food", "[snake]") {
  Snake f(R"({"observation": "features"})");
  f.env->set_state(std::vector<double>{8, 8, 1, cell(2, 0), 1, cell(0, 5)});
  f.step(0);  // up to (0,4)
  const auto* v = reinterpret_cast<const float*>(f.obs.data());
  CHECK(v[3] == 1.0f);  // left is the wall
  CHECK(v[0] == 0.0f);
  CHECK(v[4] == 1.0f);  // heading up
  CHECK(v[8] == 1.0f);  // food above
  CHECK(v[9] == 1.0f);  // and to the right
  CHECK(v[10] == 0.0f);
}

TEST_CASE("snake: states round trip; bad ones are refused and change nothing", "[snake]") {
  Snake s;
  const auto st = s.env->get_state();
  CHECK_THROWS_WITH(s.env->set_state(std::vector<double>{8, 8, 0, 5, 2, 1, 3}), Catch::Contains("neighbours"));
  CHECK_THROWS_WITH(s.env->set_state(std::vector<double>{8, 8, 0, 1, 1, 1}), Catch::Contains("food"));
  CHECK_THROWS_WITH(s.env->set_state(std::vector<double>{6, 8, 0, 1, 1, 2}), Catch::Contains("6x8"));
  CHECK_THROWS_WITH(s.env->set_state(std::vector<double>{8, 8, 0, 1, 2, 2}), Catch::Contains("expected"));
  CHECK(s.env->get_state() == st);
}

TEST_CASE("snake: same seed, same episodes, for any thread count", "[snake]") {
  std::vector<std::vector<std::uint8_t>> runs;
  for (const int threads : {1, 2, 8}) {
    VectorEnvOptions o;
    o.num_threads = threads;
    VectorEnv v("Snake-v0", 16, "{}", o);
    v.reset(5);
    Rng rng(2);
    std::vector<std::int64_t> a(16);
    std::vector<std::uint8_t> all;
    double food = 0;
    for (int t = 0; t < 400; ++t) {
      for (auto& x : a) x = static_cast<std::int64_t>(rng.below(4));
      v.step(ConstArray{a.data(), DType::int64, Shape{16}});
      const auto o_bytes = v.observations();
      all.insert(all.end(), reinterpret_cast<const std::uint8_t*>(o_bytes.data()),
                 reinterpret_cast<const std::uint8_t*>(o_bytes.data()) + o_bytes.size());
      for (int i = 0; i < 16; ++i) food += v.rewards()[i];
    }
    CHECK(food > 0);
    runs.push_back(std::move(all));
  }
  CHECK(runs[1] == runs[0]);
  CHECK(runs[2] == runs[0]);
}
