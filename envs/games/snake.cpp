// snake.cpp: Snake-v0's rules, observations, state and registration.
#include "envs/games/snake.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/classic/classic_env.hpp"  // check_reset_keys
#include "envs/games/grid_draw.hpp"

namespace rlforge::games {
namespace {

constexpr const char* kId = "Snake-v0";
constexpr int kMaxSide = 64;
constexpr int kFeatures = 12;
constexpr std::array<int, 4> kDx{0, 1, 0, -1};
constexpr std::array<int, 4> kDy{-1, 0, 1, 0};
constexpr std::array<const char*, 4> kMaskKeys{"action_mask[0]", "action_mask[1]", "action_mask[2]",
                                               "action_mask[3]"};
constexpr std::array<Color, 4> kPalette{Color{60, 170, 80, 255}, Color{40, 120, 60, 255},
                                        Color{150, 255, 120, 255}, Color{240, 70, 70, 255}};

int side(const JsonObject& kw, const char* key) {
  const std::int64_t v = kw.get_int(key, 8);
  if (v < 2 || v > kMaxSide)
    throw InvalidArgument(std::string(kId) + ": kwarg '" + key + "' must be in [2, " +
                          std::to_string(kMaxSide) + "], got " + std::to_string(v));
  return static_cast<int>(v);
}
bool features_kwarg(const JsonObject& kw) {
  const std::string v = kw.get_string("observation");
  if (v != "grid" && v != "features")
    throw InvalidArgument(std::string(kId) + ": kwarg 'observation' must be \"grid\" or \"features\", got \"" + v + "\"");
  return v == "features";
}
Space obs_space(int w, int h, bool features) {
  if (features) return Space::box(0, 1, Shape{kFeatures}, DType::float32);
  return Space::box(0, 1, Shape{h, w, 4}, DType::uint8);
}

}  // namespace

SnakeEnv::SnakeEnv(const JsonObject& kw) : SnakeEnv(side(kw, "width"), side(kw, "height"), features_kwarg(kw)) {}

SnakeEnv::SnakeEnv(int width, int height, bool features)
    : Env(obs_space(width, height, features), Space::discrete(4)),
      width_(width),
      height_(height),
      features_(features),
      occupied_(static_cast<std::size_t>(width * height), 0) {
  body_.reserve(static_cast<std::size_t>(width * height));
  free_scratch_.reserve(static_cast<std::size_t>(width * height));
}

int SnakeEnv::next_cell(int d) const {
  const int head = body_.back();
  const int x = head % width_ + kDx[static_cast<std::size_t>(d)];
  const int y = head / width_ + kDy[static_cast<std::size_t>(d)];
  if (x < 0 || x >= width_ || y < 0 || y >= height_) return -1;
  return y * width_ + x;
}

// The tail's cell is free: it moves on in the same step (eating never happens on it).
bool SnakeEnv::deadly(int d) const {
  const int c = next_cell(d);
  return c < 0 || (occupied_[static_cast<std::size_t>(c)] && c != body_.front());
}

void SnakeEnv::place_food(Rng& rng) {
  free_scratch_.clear();
  for (int c = 0; c < width_ * height_; ++c)
    if (!occupied_[static_cast<std::size_t>(c)]) free_scratch_.push_back(c);
  food_ = free_scratch_.empty() ? -1 : free_scratch_[rng.below(free_scratch_.size())];
}

void SnakeEnv::do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info& info) {
  classic::check_reset_keys(options, {}, id());
  std::fill(occupied_.begin(), occupied_.end(), 0);
  body_.clear();
  const int head = static_cast<int>(rng.below(static_cast<std::uint64_t>(width_ * height_)));
  body_.push_back(head);
  occupied_[static_cast<std::size_t>(head)] = 1;
  head_dir_ = static_cast<int>(rng.below(4));
  place_food(rng);
  observe(obs);
  write_info(info);
}

StepResult SnakeEnv::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  const int d = static_cast<int>(*static_cast<const std::int64_t*>(action));
  StepResult r;
  if (deadly(d)) {  // the snake stays where it was; the episode is over
    r.terminated = true;
  } else {
    const int c = next_cell(d);
    head_dir_ = d;
    if (c == food_) {
      body_.push_back(c);
      occupied_[static_cast<std::size_t>(c)] = 1;
      r.reward = 1.0;
      place_food(rng());
      r.terminated = food_ < 0;  // the grid is full: won
    } else {
      occupied_[static_cast<std::size_t>(body_.front())] = 0;
      body_.erase(body_.begin());
      body_.push_back(c);
      occupied_[static_cast<std::size_t>(c)] = 1;
    }
  }
  observe(obs);
  write_info(info);
  return r;
}

void SnakeEnv::observe(std::span<std::byte> obs) const {
  const int head = body_.back();
  if (features_) {
    auto* f = reinterpret_cast<float*>(obs.data());
    const int hx = head % width_, hy = head / width_;
    const int fx = food_ < 0 ? hx : food_ % width_, fy = food_ < 0 ? hy : food_ / width_;
    for (int d = 0; d < 4; ++d) {
      f[d] = deadly(d) ? 1.0f : 0.0f;
      f[4 + d] = d == head_dir_ ? 1.0f : 0.0f;
    }
    f[8] = fy < hy ? 1.0f : 0.0f;
    f[9] = fx > hx ? 1.0f : 0.0f;
    f[10] = fy > hy ? 1.0f : 0.0f;
    f[11] = fx < hx ? 1.0f : 0.0f;
    return;
  }
  auto* g = reinterpret_cast<std::uint8_t*>(obs.data());
  std::fill(g, g + obs.size(), std::uint8_t{0});
  for (std::size_t i = 0; i + 1 < body_.size(); ++i) g[body_[i] * 4 + 0] = 1;
  g[body_.front() * 4 + 1] = 1;
  g[head * 4 + 2] = 1;
  if (food_ >= 0) g[food_ * 4 + 3] = 1;
}

void SnakeEnv::write_info(Info& info) const {
  for (int d = 0; d < 4; ++d) info.set(kMaskKeys[static_cast<std::size_t>(d)], deadly(d) ? 0.0 : 1.0);
}

void SnakeEnv::draw(Frame& frame) const {
  // The grid channels whatever the observation kind; a stack buffer up to 64x64 cells.
  std::array<std::uint8_t, kMaxSide * kMaxSide * 4> grid{};
  for (std::size_t i = 0; i + 1 < body_.size(); ++i) grid[static_cast<std::size_t>(body_[i] * 4)] = 1;
  grid[static_cast<std::size_t>(body_.front() * 4 + 1)] = 1;
  grid[static_cast<std::size_t>(body_.back() * 4 + 2)] = 1;
  if (food_ >= 0) grid[static_cast<std::size_t>(food_ * 4 + 3)] = 1;
  draw_grid(frame, grid.data(), height_, width_, 4, kPalette);
}

std::vector<double> SnakeEnv::get_state() const {
  std::vector<double> v{static_cast<double>(width_), static_cast<double>(height_),
                        static_cast<double>(head_dir_), static_cast<double>(food_),
                        static_cast<double>(body_.size())};
  for (int c : body_) v.push_back(c);
  return v;
}

void SnakeEnv::set_state(std::span<const double> s) {
  auto fail = [&](const std::string& why) { throw InvalidArgument(id() + ": set_state: " + why); };
  auto integer = [&](std::size_t i) {
    if (i >= s.size()) fail("expected at least " + std::to_string(i + 1) + " values, got " + std::to_string(s.size()));
    if (s[i] != std::floor(s[i]) || std::abs(s[i]) > 1e6) fail("value " + std::to_string(i) + " is not an integer");
    return static_cast<int>(s[i]);
  };
  const int cells = width_ * height_;
  if (integer(0) != width_ || integer(1) != height_)
    fail("the state is of a " + std::to_string(integer(0)) + "x" + std::to_string(integer(1)) +
         " grid, this env's is " + std::to_string(width_) + "x" + std::to_string(height_));
  const int dir = integer(2), food = integer(3), len = integer(4);
  if (dir < 0 || dir > 3) fail("direction " + std::to_string(dir) + " is not in [0, 4)");
  if (len < 1 || len > cells) fail("length " + std::to_string(len) + " is not in [1, " + std::to_string(cells) + "]");
  if (s.size() != static_cast<std::size_t>(5 + len))
    fail("expected " + std::to_string(5 + len) + " values for length " + std::to_string(len) + ", got " + std::to_string(s.size()));
  std::vector<std::uint8_t> occ(static_cast<std::size_t>(cells), 0);
  std::vector<int> body;
  for (int i = 0; i < len; ++i) {
    const int c = integer(static_cast<std::size_t>(5 + i));
    if (c < 0 || c >= cells || occ[static_cast<std::size_t>(c)]) fail("cell " + std::to_string(c) + " is off the grid or repeated");
    if (!body.empty()) {
      const int p = body.back();
      if (std::abs(p % width_ - c % width_) + std::abs(p / width_ - c / width_) != 1)
        fail("cells " + std::to_string(p) + " and " + std::to_string(c) + " are not neighbours");
    }
    occ[static_cast<std::size_t>(c)] = 1;
    body.push_back(c);
  }
  if (food == -1 ? len != cells : (food < 0 || food >= cells || occ[static_cast<std::size_t>(food)]))
    fail("food cell " + std::to_string(food) + " is off the grid or on the snake");
  body_.assign(body.begin(), body.end());
  std::copy(occ.begin(), occ.end(), occupied_.begin());
  head_dir_ = dir;
  food_ = food;
}

RLFORGE_REGISTER_ENV(SnakeEnv, {.id = "Snake-v0",
                                .max_episode_steps = 4000,
                                .render_fps = 10,
                                .kwargs = R"({"width": 8, "height": 8, "observation": "grid"})",
                                .entry_point = "SnakeEnv",
                                .exposes_state = true});

}  // namespace rlforge::games
