// MinAtar games (envs/games/): scripted rule events per game, the batched path against the single
// env, thread independence, checkpoints, kwargs and state errors. The statistical comparison
// with the minatar package is tests/python/test_minatar.py.
#include <catch.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "envs/games/asterix.hpp"
#include "envs/games/breakout.hpp"
#include "envs/games/freeway.hpp"
#include "envs/games/minatar_env.hpp"
#include "envs/games/seaquest.hpp"
#include "envs/games/space_invaders.hpp"

using namespace rlforge;
using namespace rlforge::games;

namespace {

constexpr const char* kGames[] = {"Breakout", "Asterix", "Freeway", "Seaquest", "SpaceInvaders"};
constexpr const char* kNoSticky = R"({"sticky_action_prob": 0.0})";

// A game env without sticky actions, reset with `seed`, then put into `state`.
template <class Game>
std::unique_ptr<Env> env_in(const typename Game::State& state, const char* version = "-v0") {
  auto env = make(std::string("MinAtar/") + Game::kName + version, kNoSticky);
  std::vector<std::uint8_t> obs(env->observation_space().nbytes());
  Info info;
  env->reset(1, std::span<std::uint8_t>(obs), info);
  env->set_state(lane_values<Game>(Lane<Game>{state, 0}));
  return env;
}

template <class Game>
typename Game::State state_of(const Env& env) {
  return lane_from_values<Game>(env.get_state(), "test").game;
}

StepResult act(Env& env, std::int64_t a, std::vector<std::uint8_t>* obs_out = nullptr) {
  std::vector<std::uint8_t> obs(env.observation_space().nbytes());
  Info info;
  const StepResult r = env.step(scalar_view(a), std::span<std::uint8_t>(obs), info);
  if (obs_out) *obs_out = obs;
  return r;
}

template <class Game>
typename Game::State fresh(std::uint64_t seed = 3) {
  typename Game::State s{};
  Rng rng(seed);
  Game::reset(s, rng);
  return s;
}

bool cell(const std::vector<std::uint8_t>& obs, int channels, int y, int x, int c) {
  return obs[static_cast<std::size_t>((y * kGrid + x) * channels + c)] != 0;
}

}  // namespace

TEST_CASE("minatar: ids, spaces and action sets match the minatar package", "[minatar]") {
  const std::array<int, 5> channels{4, 4, 7, 10, 6};
  const std::array<int, 5> minimal{3, 5, 3, 6, 4};
  for (int g = 0; g < 5; ++g) {
    for (const char* v : {"-v0", "-v1"}) {
      const std::string id = std::string("MinAtar/") + kGames[g] + v;
      auto env = make(id);
      const Space& o = env->observation_space();
      CHECK(o.dtype() == DType::uint8);
      CHECK(o.shape() == Shape{10, 10, channels[static_cast<std::size_t>(g)]});
      CHECK(env->action_space().n() == (std::string(v) == "-v0" ? 6 : minimal[static_cast<std::size_t>(g)]));
      CHECK_FALSE(env->spec().max_episode_steps.has_value());
      CHECK(env->renders());
    }
  }
}

TEST_CASE("breakout: a brick breaks and reflects the ball; the paddle returns it; a miss ends", "[minatar]") {
  using breakout::Game;
  auto s = fresh<Game>();
  s.ball_x = 4, s.ball_y = 4, s.ball_dir = 1;  // up-right, into the brick at row 3, column 5
  s.last_x = 3, s.last_y = 5;
  auto env = env_in<Game>(s);
  std::vector<std::uint8_t> obs;
  StepResult r = act(*env, kNoop, &obs);
  CHECK(r.reward == 1.0);
  auto t = state_of<Game>(*env);
  CHECK(((t.bricks[3] >> 5) & 1) == 0);
  CHECK(t.ball_x == 5);
  CHECK(t.ball_y == 4);    // bounced back to its row
  CHECK(t.ball_dir == 2);  // now down-right
  CHECK_FALSE(cell(obs, 4, 3, 5, 3));
  CHECK(cell(obs, 4, 4, 5, 1));  // ball
  CHECK(cell(obs, 4, 4, 4, 2));  // trail

  // A brick right after a brick does not break: the ball enters its cell (the reference's
  // "strike" rule), and keeps going while it meets bricks.
  s = fresh<Game>();
  s.ball_x = 4, s.ball_y = 4, s.ball_dir = 1, s.strike = 1;
  env = env_in<Game>(s);
  r = act(*env, kNoop);
  t = state_of<Game>(*env);
  CHECK(r.reward == 0.0);
  CHECK(((t.bricks[3] >> 5) & 1) == 1);
  CHECK(t.ball_x == 5);
  CHECK(t.ball_y == 3);
  CHECK(t.ball_dir == 1);

  // Straight down onto the paddle: back up, the same column direction.
  s = fresh<Game>();
  s.ball_x = 5, s.ball_y = 8, s.ball_dir = 2, s.paddle = 5;
  env = env_in<Game>(s);
  r = act(*env, kNoop);
  t = state_of<Game>(*env);
  CHECK(r.reward == 0.0);
  CHECK_FALSE(r.terminated);
  CHECK(t.ball_dir == 1);
  CHECK(t.ball_y == 8);
  // Onto the paddle's corner: back the way it came.
  s.ball_x = 4, s.paddle = 5;
  env = env_in<Game>(s);
  r = act(*env, kNoop);
  CHECK_FALSE(r.terminated);
  CHECK(state_of<Game>(*env).ball_dir == 0);
  // Missed: the episode ends, and stepping again is refused.
  s.ball_x = 0, s.paddle = 9;
  env = env_in<Game>(s);
  CHECK(act(*env, kNoop).terminated);
  CHECK_THROWS_AS(act(*env, kNoop), StateError);
  // Moving the paddle (v1: index 2 is "right").
  s = fresh<Game>();
  env = env_in<Game>(s, "-v1");
  act(*env, 2);
  CHECK(state_of<Game>(*env).paddle == 5);
  // The bricks come back once all are broken and the ball reaches the bottom row.
  s = fresh<Game>();
  s.bricks.fill(0);
  s.ball_x = 5, s.ball_y = 8, s.ball_dir = 2, s.paddle = 5;
  env = env_in<Game>(s);
  act(*env, kNoop);
  CHECK(state_of<Game>(*env).bricks[2] == 0x3FF);
}

TEST_CASE("asterix: gold scores, an enemy ends the episode, difficulty ramps", "[minatar]") {
  using asterix::Game;
  auto s = fresh<Game>();
  s.slots[4] = {1, 6, 0, 1};  // gold on row 5 at column 6, moving left
  auto env = env_in<Game>(s);
  StepResult r = act(*env, kRight);  // the player steps onto it
  CHECK(r.reward == 1.0);
  CHECK_FALSE(r.terminated);
  CHECK(state_of<Game>(*env).slots[4].alive == 0);
  s.slots[4] = {1, 6, 0, 0};  // an enemy there instead
  env = env_in<Game>(s);
  CHECK(act(*env, kRight).terminated);
  // An entity moves into the player on a move step.
  s = fresh<Game>();
  s.slots[4] = {1, 6, 0, 0};
  s.move_timer = 0;
  env = env_in<Game>(s);
  CHECK(act(*env, kNoop).terminated);

  // Ramping, stepped without spawns: every 102 steps spawns speed up, every second ramp moves too.
  for (const bool ramping : {true, false}) {
    auto q = fresh<Game>();
    q.spawn_timer = 30000;
    Rng rng(1);
    for (int i = 0; i < 101; ++i) Game::step(q, kNoop, rng, ramping);
    CHECK(q.spawn_speed == 10);
    Game::step(q, kNoop, rng, ramping);
    CHECK(q.spawn_speed == (ramping ? 9 : 10));
    for (int i = 0; i < 102; ++i) Game::step(q, kNoop, rng, ramping);
    CHECK(q.spawn_speed == (ramping ? 8 : 10));
    CHECK(q.move_speed == (ramping ? 4 : 5));
    CHECK(q.ramp_index == (ramping ? 2 : 0));
  }
  // The same through either kwarg name (the issue's "ramping", minatar's "difficulty_ramping").
  for (const char* kw : {R"({"difficulty_ramping": false, "sticky_action_prob": 0.0})",
                         R"({"ramping": false, "sticky_action_prob": 0.0})",
                         R"({"sticky_action_prob": 0.0})"}) {
    auto q = fresh<Game>();
    q.spawn_timer = 30000;
    auto e = make("MinAtar/Asterix-v0", kw);
    std::vector<std::uint8_t> o(e->observation_space().nbytes());
    Info info;
    e->reset(1, std::span<std::uint8_t>(o), info);
    e->set_state(lane_values<Game>(Lane<Game>{q, 0}));
    for (int i = 0; i < 102; ++i) act(*e, kNoop);
    CHECK(state_of<Game>(*e).spawn_speed == (std::string(kw).find("false") != std::string::npos ? 10 : 9));
  }
}

TEST_CASE("freeway: crossing scores and restarts; a car knocks the chicken back; 2500-step limit", "[minatar]") {
  using freeway::Game;
  auto s = fresh<Game>();
  for (auto& c : s.cars) c = {0, 5, 5};  // every car far from column 4
  s.pos = 1, s.move_timer = 0;
  auto env = env_in<Game>(s);
  StepResult r = act(*env, kUp);
  CHECK(r.reward == 1.0);
  CHECK(state_of<Game>(*env).pos == 9);
  // A car driving into the chicken's cell.
  s = fresh<Game>();
  for (auto& c : s.cars) c = {0, 5, 5};
  s.cars[4] = {3, 0, 1};  // row 5, moving right into column 4 this step
  s.pos = 5, s.move_timer = 2;
  env = env_in<Game>(s);
  act(*env, kNoop);
  CHECK(state_of<Game>(*env).pos == 9);
  // Moves are rate limited: up, then three more ups move once.
  s = fresh<Game>();
  for (auto& c : s.cars) c = {0, 5, 5};
  s.move_timer = 0;
  env = env_in<Game>(s);
  for (int i = 0; i < 3; ++i) act(*env, kUp);
  CHECK(state_of<Game>(*env).pos == 8);
  act(*env, kUp);
  CHECK(state_of<Game>(*env).pos == 7);
  // Episode length: 2501 steps whatever the agent does.
  env = make("MinAtar/Freeway-v1");
  std::vector<std::uint8_t> obs(env->observation_space().nbytes());
  Info info;
  env->reset(5, std::span<std::uint8_t>(obs), info);
  int steps = 0;
  while (!act(*env, steps % 3).terminated) ++steps;
  CHECK(steps + 1 == 2501);
}

TEST_CASE("seaquest: oxygen, surfacing with divers, shooting, collisions", "[minatar]") {
  using seaquest::Game;
  // Oxygen runs out after 200 steps under water.
  auto s = fresh<Game>();
  s.sub_y = 1;
  s.spawn_timer = 30000, s.diver_timer = 30000;
  auto env = env_in<Game>(s);
  int steps = 1;
  while (!act(*env, kNoop).terminated) ++steps;
  CHECK(steps == 201);
  // Surfacing with two divers: refill, one diver used, no reward, difficulty ramps.
  s = fresh<Game>();
  s.sub_y = 1, s.oxygen = 50, s.diver_count = 2, s.surfaced = 0;
  s.spawn_timer = 30000, s.diver_timer = 30000;
  env = env_in<Game>(s);
  StepResult r = act(*env, kUp);
  auto t = state_of<Game>(*env);
  CHECK_FALSE(r.terminated);
  CHECK(r.reward == 0.0);
  CHECK(t.oxygen == 200);
  CHECK(t.diver_count == 1);
  CHECK(t.spawn_speed == 19);
  // With six: the oxygen left scores (50 * 10 / 200 = 2).
  s.diver_count = 6;
  env = env_in<Game>(s);
  CHECK(act(*env, kUp).reward == 2.0);
  // With none: the episode ends.
  s.diver_count = 0;
  env = env_in<Game>(s);
  CHECK(act(*env, kUp).terminated);
  // Picking up a diver.
  s = fresh<Game>();
  s.sub_y = 3, s.spawn_timer = 30000, s.diver_timer = 30000;
  s.divers.items[0] = {4, 3, 1, 3};
  s.divers.size = 1;
  env = env_in<Game>(s);
  act(*env, kLeft);
  CHECK(state_of<Game>(*env).diver_count == 1);
  CHECK(state_of<Game>(*env).divers.size == 0);
  // Shooting a fish two cells ahead.
  s = fresh<Game>();
  s.sub_y = 4, s.sub_x = 2, s.sub_right = 1, s.spawn_timer = 30000, s.diver_timer = 30000;
  s.fish.items[0] = {4, 4, 0, 3};
  s.fish.size = 1;
  env = env_in<Game>(s);
  r = act(*env, kFire);  // the bullet moves to column 3
  CHECK(r.reward == 0.0);
  r = act(*env, kNoop);  // column 4: hit
  CHECK(r.reward == 1.0);
  CHECK(state_of<Game>(*env).fish.size == 0);
  CHECK(state_of<Game>(*env).f_bullets.size == 0);
  // Touching an enemy sub ends the episode.
  s = fresh<Game>();
  s.sub_y = 4, s.spawn_timer = 30000, s.diver_timer = 30000;
  s.subs.items[0] = {6, 4, 0, 5, 9};
  s.subs.size = 1;
  env = env_in<Game>(s);
  CHECK(act(*env, kRight).terminated);
  // An enemy sub fires on schedule; its bullet hits the sub in its row.
  s = fresh<Game>();
  s.sub_y = 4, s.sub_x = 2, s.spawn_timer = 30000, s.diver_timer = 30000;
  s.subs.items[0] = {5, 4, 0, 9, 0};
  s.subs.size = 1;
  env = env_in<Game>(s);
  act(*env, kNoop);
  CHECK(state_of<Game>(*env).e_bullets.size == 1);
  act(*env, kNoop);
  CHECK(act(*env, kNoop).terminated);
}

TEST_CASE("space invaders: aliens shot, turning at the edge, waves, the cannon hit", "[minatar]") {
  using space_invaders::Game;
  auto s = fresh<Game>();
  s.pos = 3;
  auto env = env_in<Game>(s);
  StepResult r = act(*env, kFire);  // the bullet is at row 8 after this step
  CHECK(r.reward == 0.0);
  int total = 0;
  for (int i = 0; i < 6 && total == 0; ++i) total += static_cast<int>(act(*env, kNoop).reward);
  CHECK(total == 1);  // it reaches the block's bottom row (3) and kills one alien in column 3
  CHECK(((state_of<Game>(*env).aliens[3] >> 3) & 1) == 0);

  // At the left edge, moving left: turn and step down instead of moving.
  s = fresh<Game>();
  for (auto& row : s.aliens) row = static_cast<std::int16_t>(row >> 2);  // columns 0-5
  s.move_timer = 0;
  env = env_in<Game>(s);
  act(*env, kNoop);
  auto t = state_of<Game>(*env);
  CHECK(t.alien_dir == 1);
  CHECK(t.aliens[0] == 0);
  CHECK(t.aliens[4] == 0b111111);
  // A cleared wave comes back and (ramping) moves faster.
  s = fresh<Game>();
  s.aliens.fill(0);
  s.aliens[3] = 1 << 5;
  s.f_bullets[4] = 1 << 5;  // moves into the last alien this step
  s.shot_timer = 3;
  env = env_in<Game>(s);
  r = act(*env, kNoop);
  t = state_of<Game>(*env);
  CHECK(r.reward == 1.0);
  CHECK(t.aliens[0] == 0b0011111100);
  CHECK(t.move_interval == 11);
  // An enemy bullet reaching the cannon's cell ends the episode.
  s = fresh<Game>();
  s.e_bullets[8] = 1 << 5;
  env = env_in<Game>(s);
  CHECK(act(*env, kNoop).terminated);
}

TEST_CASE("minatar: batched lanes equal single envs, for any thread count", "[minatar]") {
  for (const char* g : kGames) {
    for (const char* v : {"-v0", "-v1"}) {
      const std::string id = std::string("MinAtar/") + g + v;
      constexpr int kN = 12;
      const int kSteps = std::string(g) == "Freeway" ? 2600 : 600;  // a Freeway episode is 2501 steps
      std::vector<std::vector<std::uint8_t>> obs_runs;
      std::vector<std::vector<double>> reward_runs;
      for (const auto& [batched, threads] : {std::pair{true, 1}, {true, 2}, {true, 8}, {false, 1}, {false, 3}}) {
        VectorEnvOptions o;
        o.use_batched = batched;
        o.num_threads = threads;
        VectorEnv venv(id, kN, "{}", o);
        CHECK(venv.is_batched() == batched);
        venv.reset(42);
        Rng actions_rng(7);
        const auto n = venv.single_action_space().n();
        std::vector<std::int64_t> a(kN);
        std::vector<std::uint8_t> all_obs;
        std::vector<double> rewards;
        for (int t = 0; t < kSteps; ++t) {
          for (auto& x : a) x = static_cast<std::int64_t>(actions_rng.below(static_cast<std::uint64_t>(n)));
          venv.step(ConstArray{a.data(), DType::int64, Shape{kN}});
          const auto o_bytes = venv.observations();
          all_obs.insert(all_obs.end(), reinterpret_cast<const std::uint8_t*>(o_bytes.data()),
                         reinterpret_cast<const std::uint8_t*>(o_bytes.data()) + o_bytes.size());
          for (int i = 0; i < kN; ++i) rewards.push_back(venv.rewards()[i] + 1000.0 * venv.terminated()[i]);
        }
        obs_runs.push_back(std::move(all_obs));
        reward_runs.push_back(std::move(rewards));
      }
      INFO(id);
      for (std::size_t k = 1; k < obs_runs.size(); ++k) {
        CHECK(obs_runs[k] == obs_runs[0]);
        CHECK(reward_runs[k] == reward_runs[0]);
      }
      double total = 0;
      for (double x : reward_runs[0]) total += x;
      CHECK(total > 0.0);  // something happened: rewards or episode ends
    }
  }
}

TEST_CASE("minatar: a checkpoint resumes every lane exactly", "[minatar]") {
  for (const char* g : kGames) {
    const std::string id = std::string("MinAtar/") + g + "-v0";
    INFO(id);
    constexpr int kN = 6;
    VectorEnv a(id, kN), b(id, kN);
    a.reset(9);
    b.reset(100);
    std::vector<std::int64_t> act(kN);
    Rng r(3);
    auto step = [&](VectorEnv& v) {
      for (auto& x : act) x = static_cast<std::int64_t>(r.below(6));
      v.step(ConstArray{act.data(), DType::int64, Shape{kN}});
    };
    for (int t = 0; t < 150; ++t) step(a);
    b.load_state(a.save_state());
    const Rng saved = r;
    std::vector<std::uint8_t> oa, ob;
    for (int t = 0; t < 300; ++t) {
      step(a);
      const auto x = a.observations();
      oa.insert(oa.end(), reinterpret_cast<const std::uint8_t*>(x.data()), reinterpret_cast<const std::uint8_t*>(x.data()) + x.size());
    }
    r = saved;
    for (int t = 0; t < 300; ++t) {
      step(b);
      const auto x = b.observations();
      ob.insert(ob.end(), reinterpret_cast<const std::uint8_t*>(x.data()), reinterpret_cast<const std::uint8_t*>(x.data()) + x.size());
    }
    CHECK(oa == ob);
  }
}

TEST_CASE("minatar: bad kwargs and bad states are refused with the env id", "[minatar]") {
  CHECK_THROWS_WITH(make("MinAtar/Breakout-v0", R"({"sticky_action_prob": 1.5})"),
                    Catch::Contains("MinAtar/Breakout-v0") && Catch::Contains("sticky_action_prob"));
  CHECK_THROWS_AS(make("MinAtar/Breakout-v0", R"({"ramping": 3})"), InvalidArgument);
  auto env = make("MinAtar/Seaquest-v0");
  std::vector<std::uint8_t> obs(env->observation_space().nbytes());
  Info info;
  env->reset(1, std::span<std::uint8_t>(obs), info);
  std::vector<double> st = env->get_state();
  std::vector<double> bad = st;
  bad[24] = 65;  // 65 friendly bullets in an 8-slot list (values 0-23 are its items)
  CHECK_THROWS_WITH(env->set_state(bad), Catch::Contains("MinAtar/Seaquest-v0") && Catch::Contains("capacity"));
  bad = st;
  bad[3] = 0.5;
  CHECK_THROWS_WITH(env->set_state(bad), Catch::Contains("integer"));
  bad.pop_back();
  CHECK_THROWS_WITH(env->set_state(bad), Catch::Contains("expects"));
  CHECK(env->get_state() == st);  // nothing changed
  JsonObject opt = JsonObject::parse(R"({"low": 1})", "test");
  CHECK_THROWS_WITH(env->reset(1, std::span<std::uint8_t>(obs), info, &opt), Catch::Contains("low"));
}

TEST_CASE("minatar: every game draws its cells in its channel colours", "[minatar]") {
  for (const char* g : kGames) {
    auto env = make(std::string("MinAtar/") + g + "-v1");
    std::vector<std::uint8_t> obs(env->observation_space().nbytes());
    Info info;
    env->reset(2, std::span<std::uint8_t>(obs), info);
    Frame f;
    env->draw_frame(f);
    CHECK(f.width() == 320);
    CHECK(f.height() == 320);
    int occupied = 0;
    const int c = static_cast<int>(obs.size() / 100);
    for (int k = 0; k < 100; ++k)
      for (int j = 0; j < c; ++j)
        if (obs[static_cast<std::size_t>(k * c + j)]) {
          ++occupied;
          break;
        }
    CHECK(static_cast<int>(f.primitives().size()) == 18 + occupied);  // 18 grid lines + cells
  }
}
