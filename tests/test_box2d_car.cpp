// CarRacing-v3: track generation, determinism (seeds, checkpoints, threads), refused states,
// the discrete mapping, and an observation that allocates nothing per step. Parity with
// gymnasium itself is tests/python/test_box2d_car.py.
#include <catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "tests/count_allocations.hpp"
#include "core/vector_env.hpp"
#include "envs/box2d/car_racing.hpp"
#include "envs/box2d/car_track.hpp"

using namespace rlforge;
using rlforge::box2d::CarRacingEnv;

using rlforge::testing::g_allocations;  // tests/count_allocations.hpp

namespace {

constexpr std::size_t kObsBytes = 96 * 96 * 3;

std::array<double, box2d::car::kDrawsPerTry> draws_from(Rng& rng) {
  std::array<double, box2d::car::kDrawsPerTry> d;
  for (int c = 0; c < box2d::car::kCheckpoints; ++c) {
    d[static_cast<std::size_t>(2 * c)] = rng.uniform(0, box2d::car::kNoiseHigh);
    d[static_cast<std::size_t>(2 * c + 1)] = rng.uniform(box2d::car::kRadLow, box2d::car::kRadHigh);
  }
  return d;
}

// A fixed, seed-free action cycle: steer sweeps, gas and brake come and go.
std::array<float, 3> action_at(int k) {
  return {static_cast<float>(std::sin(0.05 * k)), (k / 20) % 3 == 0 ? 0.0f : 0.6f,
          (k / 37) % 4 == 3 ? 0.5f : 0.0f};
}

struct Run {
  std::vector<std::uint8_t> obs;  // every step's observation, concatenated
  std::vector<double> rewards;
};

Run run(Env& env, int first_step, int steps) {
  Run r;
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  for (int k = first_step; k < first_step + steps; ++k) {
    const auto a = action_at(k);
    const StepResult s = env.step(array_view(a.data(), 3), std::span<std::uint8_t>(obs), info);
    r.obs.insert(r.obs.end(), obs.begin(), obs.end());
    r.rewards.push_back(s.reward);
    if (s.terminated || s.truncated) break;
  }
  return r;
}

std::unique_ptr<Env> make_car(const char* kwargs = "{}") {
  return Registry::global().make("CarRacing-v3", kwargs);
}

void reset(Env& env, std::uint64_t seed, Info* info_out = nullptr) {
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  env.reset(seed, std::span<std::uint8_t>(obs), info);
  if (info_out) *info_out = info;
}

}  // namespace

TEST_CASE("CarRacing tracks are deterministic, closed, and as long as gymnasium's", "[car]") {
  Rng rng(2024);
  int made = 0, tries = 0;
  while (made < 60) {
    const auto d = draws_from(rng);
    ++tries;
    auto t = box2d::car::make_track(d);
    if (!t) continue;
    ++made;
    auto again = box2d::car::make_track(d);
    REQUIRE(again);
    const auto n = t->points.size();
    REQUIRE(again->points.size() == n);
    REQUIRE(std::memcmp(t->points.data(), again->points.data(), n * sizeof(t->points[0])) == 0);
    // gymnasium 1.4's _create_track over seeds 0..1999 made 224..389 tiles (mean 292, 2145
    // tries); the range is kept a little wider for tracks not seen there.
    CHECK(n >= 200);
    CHECK(n <= 420);
    REQUIRE(t->tiles.size() == n);
    // Successive centre points are one TRACK_DETAIL_STEP apart, round the loop's join too
    // (the head-tail jump gymnasium accepts is at most one step across the road).
    for (std::size_t i = 1; i < n; ++i) {
      const double dx = t->points[i].x - t->points[i - 1].x, dy = t->points[i].y - t->points[i - 1].y;
      REQUIRE(std::hypot(dx, dy) == Approx(box2d::car::kTrackDetailStep).epsilon(1e-9));
    }
    const double jx = t->points[0].x - t->points[n - 1].x, jy = t->points[0].y - t->points[n - 1].y;
    // (two steps along, since point i2 - 1 is cut off, plus at most the glue test's jump)
    CHECK(std::hypot(jx, jy) < 3 * box2d::car::kTrackDetailStep);
    // Tile i joins point i-1 to point i: its far edge is the next tile's near edge.
    for (std::size_t i = 0; i < n; ++i) {
      const auto& a = t->tiles[i];
      const auto& b = t->tiles[(i + 1) % n];
      CHECK(a[0].x == b[3].x);
      CHECK(a[1].y == b[2].y);
    }
  }
  // Most tries succeed (gymnasium's "normal if there are not many" retries).
  CHECK(tries < 2 * made);
}

TEST_CASE("CarRacing: the same seed gives the same trajectory and pictures", "[car]") {
  auto a = make_car(), b = make_car();
  reset(*a, 11);
  reset(*b, 11);
  const Run ra = run(*a, 0, 150), rb = run(*b, 0, 150);
  REQUIRE(ra.rewards == rb.rewards);
  REQUIRE(ra.obs == rb.obs);
  // Another seed, another track.
  auto c = make_car();
  Info i11, i12;
  reset(*c, 11, &i11);
  reset(*c, 12, &i12);
  CHECK(*i11.find("track_sum_x") != *i12.find("track_sum_x"));
  // The first reward holds the reset step's bonus for the tiles under the car (k * 1000 / N - 0.1).
  reset(*c, 11, &i11);
  const Run rc = run(*c, 0, 1);
  const double k = (rc.rewards[0] + 0.1) / (1000.0 / *i11.find("track_tiles"));
  CHECK(k >= 1);
  CHECK(k == Approx(std::round(k)).epsilon(1e-9));
}

TEST_CASE("CarRacing: a state set into a fresh env continues bit-identically", "[car]") {
  for (const char* kwargs : {"{}", R"({"domain_randomize": true})"}) {
    CAPTURE(kwargs);
    auto a = make_car(kwargs);
    reset(*a, 5);
    run(*a, 0, 170);
    const std::vector<double> state = a->get_state();
    auto b = make_car(kwargs);
    reset(*b, 99);  // a different episode, replaced by the state
    b->set_state(state);
    REQUIRE(b->get_state() == state);
    const Run ra = run(*a, 170, 120), rb = run(*b, 170, 120);
    REQUIRE(ra.rewards == rb.rewards);
    REQUIRE(ra.obs == rb.obs);
  }
}

TEST_CASE("CarRacing: damaged states are refused, naming the env, and change nothing", "[car]") {
  auto a = make_car();
  reset(*a, 3);
  run(*a, 0, 40);
  const std::vector<double> good = a->get_state();
  auto damaged = [&](auto edit) {
    std::vector<double> s = good;
    edit(s);
    return s;
  };
  const std::vector<std::vector<double>> bad = {
      {},
      damaged([](auto& s) { s[0] = 1; }),                     // another env's tag
      damaged([](auto& s) { s[1] = 1; }),                     // discrete action width
      damaged([](auto& s) { s[5] = 500; }),                   // colour out of range
      damaged([](auto& s) { s.pop_back(); }),                 // length disagrees with n
      damaged([](auto& s) { s[12] -= 1, s.pop_back(); }),     // a step cut in half
      damaged([](auto& s) { s[13] = 7.0; }),                  // noise draw out of [0, pi/6)
      damaged([](auto& s) { s[14] = 10.0; }),                 // radius draw out of [50, 150)
      damaged([](auto& s) { s.back() = 2.0; }),               // brake out of [0, 1]
      damaged([](auto& s) { s.back() = 0.1; }),               // not a float32 value
      damaged([](auto& s) { s.push_back(0), s.push_back(0), s.push_back(0), s[12] += 3, s[13 + 24 * 0] = -1; }),
  };
  auto b = make_car();
  reset(*b, 3);
  run(*b, 0, 40);
  for (const auto& s : bad) {
    CAPTURE(s.size());
    try {
      b->set_state(s);
      FAIL("accepted a damaged state");
    } catch (const InvalidArgument& e) {
      CHECK(std::string(e.what()).find("CarRacing-v3") != std::string::npos);
    }
    REQUIRE(b->get_state() == good);  // put back as it was
  }
  const Run ra = run(*a, 40, 60), rb = run(*b, 40, 60);
  REQUIRE(ra.obs == rb.obs);
}

TEST_CASE("CarRacing: VectorEnv gives identical results on 1, 2 and 8 threads", "[car]") {
  auto rollout = [](int threads) {
    VectorEnvOptions o;
    o.num_threads = threads;
    VectorEnv v("CarRacing-v3", 8, "{}", o);
    v.reset(77);
    std::vector<float> actions(8 * 3);
    std::vector<std::uint8_t> all;
    std::vector<double> rewards;
    for (int k = 0; k < 60; ++k) {
      for (int i = 0; i < 8; ++i) {
        const auto a = action_at(k + 13 * i);
        std::copy(a.begin(), a.end(), actions.begin() + 3 * i);
      }
      v.step(ConstArray{actions.data(), DType::float32, Shape{8, 3}});
      const auto obs = v.observations();
      const auto* p = reinterpret_cast<const std::uint8_t*>(obs.data());
      all.insert(all.end(), p, p + obs.size());
      rewards.insert(rewards.end(), v.rewards(), v.rewards() + 8);
    }
    return std::pair{all, rewards};
  };
  const auto one = rollout(1);
  CHECK(rollout(2) == one);
  CHECK(rollout(8) == one);
}

TEST_CASE("CarRacing discrete actions map as gymnasium's", "[car]") {
  auto env = make_car(R"({"continuous": false})");
  REQUIRE(env->action_space().kind() == Space::Kind::Discrete);
  REQUIRE(env->action_space().n() == 5);
  auto& car = static_cast<CarRacingEnv&>(*env).car();
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  reset(*env, 1);
  auto step = [&](std::int64_t a) { env->step(scalar_view(a), std::span<std::uint8_t>(obs), info); };
  step(1);  // right: steer -0.6
  CHECK(car.wheels()[0].steer == -0.6);
  CHECK(car.wheels()[1].steer == -0.6);
  step(2);  // left
  CHECK(car.wheels()[0].steer == 0.6);
  step(3);  // gas 0.2 on the rear wheels (ramped by at most 0.1 a step)
  CHECK(car.wheels()[0].steer == 0.0);
  CHECK(car.wheels()[2].gas == Approx(0.1));
  step(3);
  CHECK(car.wheels()[3].gas == Approx(0.2));
  CHECK(car.wheels()[0].gas == 0.0);
  step(4);  // brake 0.8 everywhere; gas released at once
  for (const auto& w : car.wheels()) CHECK(w.brake == 0.8);
  CHECK(car.wheels()[2].gas == 0.0);
  step(0);
  for (const auto& w : car.wheels()) CHECK(w.brake == 0.0);
  // And a discrete state restores into a discrete env only.
  const auto state = env->get_state();
  auto cont = make_car();
  reset(*cont, 1);
  CHECK_THROWS_AS(cont->set_state(state), InvalidArgument);
  auto disc = make_car(R"({"continuous": false})");
  disc->set_state(state);
  CHECK(disc->get_state() == state);
}

TEST_CASE("CarRacing: kwargs and options are checked, naming the env", "[car]") {
  CHECK_THROWS_WITH(make_car(R"({"lap_complete_percent": 1.5})"),
                    Catch::Matchers::Contains("CarRacing-v3") &&
                        Catch::Matchers::Contains("1.5"));
  auto env = make_car(R"({"verbose": true})");
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  const JsonObject opts = JsonObject::parse(R"({"colour": 1})", "options");
  CHECK_THROWS_WITH(env->reset(1, std::span<std::uint8_t>(obs), info, &opts),
                    Catch::Matchers::Contains("CarRacing-v3") &&
                        Catch::Matchers::Contains("colour"));
  const Space& s = env->observation_space();
  CHECK(s.dtype() == DType::uint8);
  CHECK(s.shape() == Shape{96, 96, 3});
  const auto& spec = Registry::global().spec("CarRacing-v3");
  CHECK(spec.max_episode_steps == 1000);
  CHECK(spec.reward_threshold == 900);
  CHECK(spec.render_fps == 50);
  CHECK(spec.exposes_state);
}

TEST_CASE("CarRacing: a step, observation drawing included, allocates nothing", "[car]") {
  auto env = make_car();
  reset(*env, 8);
  run(*env, 0, 2);  // the first frames size the frame's and the rasterizer's pools
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  const auto a = action_at(0);
  env->step(array_view(a.data(), 3), std::span<std::uint8_t>(obs), info);
  const long before = g_allocations.load();
  for (int k = 3; k < 300; ++k) {
    const auto ak = action_at(k);
    env->step(array_view(ak.data(), 3), std::span<std::uint8_t>(obs), info);
  }
  CHECK(g_allocations.load() - before == 0);
  // The picture is not blank: grass, road and car colours are all there.
  bool road = false, grass = false, car = false;
  for (std::size_t i = 0; i < kObsBytes; i += 3) {
    road |= obs[i] == 102 && obs[i + 1] == 102;
    grass |= obs[i] == 102 && obs[i + 1] >= 204;
    car |= obs[i] >= 150 && obs[i + 1] < 60;
  }
  CHECK(road);
  CHECK(grass);
  CHECK(car);
}

namespace {
// A pure-pursuit driver: steer towards the centre line a few tiles ahead, hold ~20 m/s.
std::array<float, 3> drive(const CarRacingEnv& env) {
  const auto& pts = env.track().points;
  const b2Body* hull = env.car().hull();
  const double x = hull->GetPosition().x, y = hull->GetPosition().y;
  std::size_t nearest = 0;
  double best = 1e300;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double d = std::hypot(pts[i].x - x, pts[i].y - y);
    if (d < best) best = d, nearest = i;
  }
  const auto& target = pts[(nearest + 4) % pts.size()];
  const double heading = hull->GetAngle() + box2d::car::kPi / 2;
  double err = std::atan2(target.y - y, target.x - x) - heading;
  err = std::remainder(err, 2 * box2d::car::kPi);
  const b2Vec2 v = hull->GetLinearVelocity();
  const double speed = std::hypot(v.x, v.y);
  return {static_cast<float>(std::clamp(-3.0 * err, -1.0, 1.0)), speed < 20 ? 0.4f : 0.0f,
          speed > 26 ? 0.3f : 0.0f};
}
}  // namespace

TEST_CASE("CarRacing: a driven lap visits every tile, ends with lap_finished, pays 1000", "[car]") {
  auto env = make_car(R"({"max_episode_steps": 0})");
  auto& car_env = static_cast<CarRacingEnv&>(*env);
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  env->reset(4, std::span<std::uint8_t>(obs), info);
  const auto n = car_env.track().points.size();
  // The reset step touched tiles under the car: their shade is gone, the others keep theirs.
  CHECK(car_env.tile_visited(0));
  CHECK(car_env.tile_shade(0) == 0.0);
  CHECK(car_env.tile_shade(n / 2 + (n / 2) % 3 + 1) == Approx(0.01 * 1 * 255));
  double ret = 0;
  int steps = 0;
  bool ended = false;
  while (!ended && steps < 6000) {
    const auto a = drive(car_env);
    const StepResult r = env->step(array_view(a.data(), 3), std::span<std::uint8_t>(obs), info);
    ret += r.reward;
    ++steps;
    ended = r.terminated;
  }
  REQUIRE(ended);
  REQUIRE(info.find("lap_finished"));
  CHECK(*info.find("lap_finished") == 1);
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(car_env.tile_visited(i));
    CHECK(car_env.tile_shade(i) == 0.0);  // touched by a wheel: the shade went with it
  }
  // Every tile paid 1000 / N once; every step cost 0.1.
  CHECK(ret == Approx(1000.0 - 0.1 * steps).margin(1e-6));
}

TEST_CASE("CarRacing: hard cornering leaves skid marks in the picture, never in the state", "[car]") {
  auto env = make_car();
  auto& car_env = static_cast<CarRacingEnv&>(*env);
  reset(*env, 9);
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  for (int k = 0; k < 120; ++k) {
    const std::array<float, 3> a{(k / 10) % 2 ? 1.0f : -1.0f, 1.0f, 0.0f};
    env->step(array_view(a.data(), 3), std::span<std::uint8_t>(obs), info);
  }
  const auto& car = car_env.car();
  REQUIRE(car.particles_made() > 0);
  int points = 0;
  for (const auto& p : car.particles()) {
    if (p.id == 0) continue;
    CHECK(p.count >= 2);
    CHECK(p.count <= box2d::car::Particle::kMaxPoints);
    points += p.count;
  }
  CHECK(points > 0);
  // The rgb_array picture draws them as polylines; the observation's frame has none.
  Frame picture, state;
  env->draw(picture);
  car_env.draw_observation_frame(state);
  auto polylines = [](const Frame& f) {
    int n = 0;
    for (const auto& p : f.primitives()) n += p.kind == Primitive::Kind::StrokePolyline;
    return n;
  };
  CHECK(polylines(picture) > 0);
  CHECK(polylines(state) == 0);
  CHECK(picture.width() == 600);
  CHECK(picture.height() == 400);
}

TEST_CASE("CarRacing: leaving the playfield ends the episode with -100", "[car]") {
  auto env = make_car(R"({"max_episode_steps": 0})");
  std::vector<std::uint8_t> obs(kObsBytes);
  Info info;
  env->reset(6, std::span<std::uint8_t>(obs), info);
  const std::array<float, 3> gas{0.0f, 1.0f, 0.0f};
  StepResult r;
  int steps = 0;
  do {
    r = env->step(array_view(gas.data(), 3), std::span<std::uint8_t>(obs), info);
  } while (!r.terminated && ++steps < 5000);
  REQUIRE(r.terminated);
  CHECK(r.reward == -100);
  CHECK(*info.find("lap_finished") == 0);
  const double x = *info.find("hull_x"), y = *info.find("hull_y");
  CHECK(std::max(std::abs(x), std::abs(y)) > box2d::car::kPlayfield);
}

TEST_CASE("CarRacing: a VectorEnv checkpoint restores exactly", "[car]") {
  auto step_all = [](VectorEnv& v, int k0, int steps) {
    std::vector<float> actions(4 * 3);
    std::vector<std::uint8_t> all;
    for (int k = k0; k < k0 + steps; ++k) {
      for (int i = 0; i < 4; ++i) {
        const auto a = action_at(k + 7 * i);
        std::copy(a.begin(), a.end(), actions.begin() + 3 * i);
      }
      v.step(ConstArray{actions.data(), DType::float32, Shape{4, 3}});
      const auto* p = reinterpret_cast<const std::uint8_t*>(v.observations().data());
      all.insert(all.end(), p, p + v.observations().size());
      all.insert(all.end(), reinterpret_cast<const std::uint8_t*>(v.rewards()),
                 reinterpret_cast<const std::uint8_t*>(v.rewards() + 4));
    }
    return all;
  };
  VectorEnv a("CarRacing-v3", 4);
  a.reset(31);
  step_all(a, 0, 90);
  REQUIRE(a.captures_env_state());
  const std::string blob = a.save_state();
  VectorEnv b("CarRacing-v3", 4);
  b.reset(5);
  CHECK(b.load_state(blob) == 0);  // 0 envs restarted: the restore is exact
  CHECK(step_all(a, 90, 60) == step_all(b, 90, 60));
}
