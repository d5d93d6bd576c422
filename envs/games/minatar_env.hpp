// minatar_env.hpp: the Env and BatchedEnv shells every MinAtar game (breakout.hpp, ...) plugs into.
//
// The games are Young & Tian's MinAtar (2019): 10x10 grids, one channel per kind of object, six
// actions, sticky actions with probability 0.1 and difficulty ramping, registered under the
// ids of the `minatar` package's gym module: MinAtar/<Game>-v0 (all six actions) and -v1 (the
// game's minimal action set). Written from the paper's rules and the package's observed
// behaviour (tests/python/test_minatar.py compares statistics with it), not from its source.
//
// A game is a struct of static functions around an explicit State made only of int16 fields
// (no padding, so a lane's state is its fields as numbers and compares bytewise):
//   static constexpr const char* kName;        // "Breakout"
//   static constexpr int kChannels;
//   static constexpr std::array<int, K> kMinimalActions;
//   static constexpr std::array<Color, kChannels> kPalette;   // the picture's colour per channel
//   struct State { ...; std::int16_t terminal; };
//   static void reset(State&, Rng&);
//   static int step(State&, int action, Rng&, bool ramping);  // the reward; sets terminal
//   static void observe(const State&, std::uint8_t* obs);     // all 10*10*kChannels bytes, HWC
//   static const char* check(const State&);  // what makes a restored state unsafe, or null
// MinAtarEnv runs one game, MinAtarBatched n of them as an array of lanes calling the same
// step, so both give identical results for the same seeds and actions.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/registry.hpp"
#include "envs/classic/classic_env.hpp"  // check_reset_keys, check_state_size
#include "envs/games/grid_draw.hpp"

namespace rlforge::games {

// The full action set, in MinAtar's order: no-op, left, up, right, down, fire.
enum Action : int { kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5 };
inline constexpr int kGrid = 10;
inline constexpr int kFullActions = 6;
// A move action as a unit step along x / y (0 for the others); branch-free, because an agent's
// actions are unpredictable and a switch on them mispredicts.
inline int action_dx(int a) { return (a == kRight) - (a == kLeft); }
inline int action_dy(int a) { return (a == kDown) - (a == kUp); }

// One cell of a 10x10xC observation (HWC: row y, column x, channel c).
inline void set_cell(std::uint8_t* obs, int channels, int y, int x, int c) {
  obs[(y * kGrid + x) * channels + c] = 1;
}
// Zeroes a game's observation (400-1000 bytes) with the widest stores the active ISA has
// (core/isa.hpp; zeros are zeros, so results do not depend on it): 64-byte stores made Seaquest
// (1000 bytes) ~1.5x and Asterix ~1.1x faster than 16-byte ones (256 envs, 1 thread). Explicit
// stores because GCC turns a memset of this size into `rep stos`, whose start-up cost was half
// of a Breakout step (perf), and a plain zeroing loop back into that memset; the empty asm in
// the loops keeps the stores.
namespace detail {
template <int kBytes>
inline void clear_tail4(std::uint8_t* obs, int i) {
  static_assert(kBytes % 4 == 0, "100 * channels bytes");
  for (; i + 4 <= kBytes; i += 4) {
    const std::uint32_t z = 0;
    std::memcpy(obs + i, &z, 4);
    asm volatile("" ::: "memory");
  }
}
#if RLFORGE_HAS_ISA_TARGETS
// Plain ISA flags, not RLFORGE_TARGET_*: clang ignores those whole (prefer-vector-width), and
// intrinsics need the flags in both compilers.
template <int kBytes>
__attribute__((target("avx512f,avx2"))) void clear_avx512(std::uint8_t* obs) {
  int i = 0;
  for (; i + 64 <= kBytes; i += 64) {
    _mm512_storeu_si512(obs + i, _mm512_setzero_si512());
    asm volatile("" ::: "memory");
  }
  if (i + 32 <= kBytes) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(obs + i), _mm256_setzero_si256());
    i += 32;
  }
  clear_tail4<kBytes>(obs, i);
}
template <int kBytes>
__attribute__((target("avx2"))) void clear_avx2(std::uint8_t* obs) {
  int i = 0;
  for (; i + 32 <= kBytes; i += 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(obs + i), _mm256_setzero_si256());
    asm volatile("" ::: "memory");
  }
  clear_tail4<kBytes>(obs, i);
}
#endif
template <int kBytes>
inline void clear_baseline(std::uint8_t* obs) {
  int i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= kBytes; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(obs + i), _mm_setzero_si128());
    asm volatile("" ::: "memory");
  }
#endif
  clear_tail4<kBytes>(obs, i);
}
}  // namespace detail

template <int kChannels>
inline void clear_obs(std::uint8_t* obs) {
  constexpr int kBytes = kGrid * kGrid * kChannels;
#if RLFORGE_HAS_ISA_TARGETS
  switch (active_isa()) {
    case Isa::avx512: return detail::clear_avx512<kBytes>(obs);
    case Isa::avx2: return detail::clear_avx2<kBytes>(obs);
    case Isa::baseline: break;
  }
#endif
  detail::clear_baseline<kBytes>(obs);
}

struct MinAtarParams {
  double sticky_action_prob = 0.1;  // the previous action repeats with this probability
  bool ramping = true;              // difficulty ramping (Asterix, Seaquest, SpaceInvaders)
};
// kwargs "sticky_action_prob" (in [0, 1]), "ramping" and its `minatar.Environment` name
// "difficulty_ramping" (both default true; false in either turns ramping off). Throws
// InvalidArgument naming the env id and the value.
MinAtarParams minatar_params(const JsonObject& kwargs, const std::string& id);
// The kwargs JSON every MinAtar id registers with its defaults.
inline constexpr const char* kMinAtarKwargs =
    R"({"sticky_action_prob": 0.1, "ramping": true, "difficulty_ramping": true})";

// What one lane holds besides the game: the previous action (sticky actions repeat it).
// Zero at reset, so an episode does not depend on the previous one.
template <class Game>
struct Lane {
  typename Game::State game;
  std::int16_t last_action;
};

template <class Game>
constexpr std::size_t kLaneValues = sizeof(Lane<Game>) / sizeof(std::int16_t);

// A lane as numbers (its int16 fields in order), and back; set throws InvalidArgument for a
// value that is not an int16 integer or a state the game's check() refuses.
template <class Game>
std::vector<double> lane_values(const Lane<Game>& lane) {
  static_assert(std::has_unique_object_representations_v<Lane<Game>>,
                "a MinAtar game's State must be int16 fields only (no padding)");
  std::array<std::int16_t, kLaneValues<Game>> v;
  std::memcpy(v.data(), &lane, sizeof lane);
  return std::vector<double>(v.begin(), v.end());
}
void check_lane_values(std::span<const double> values, std::size_t want, const std::string& id);
template <class Game>
Lane<Game> lane_from_values(std::span<const double> values, const std::string& id) {
  check_lane_values(values, kLaneValues<Game>, id);
  std::array<std::int16_t, kLaneValues<Game>> v;
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int16_t>(values[i]);
  Lane<Game> lane;
  std::memcpy(&lane, v.data(), sizeof lane);
  if (lane.last_action < 0 || lane.last_action >= kFullActions)
    throw InvalidArgument(id + ": set_state: last action " + std::to_string(lane.last_action) +
                          " is not in [0, 6)");
  if (const char* why = Game::check(lane.game))
    throw InvalidArgument(id + ": set_state: not a reachable state (" + why + ")");
  return lane;
}

// One step of one lane: the agent's action index (into the id's action set) becomes a game
// action, which with probability sticky_action_prob is replaced by the previous one; the draw
// is taken every step, as MinAtar's does.
template <class Game>
inline int step_lane(Lane<Game>& lane, std::int64_t action, bool minimal, const MinAtarParams& p,
                     Rng& rng) {
  int a = minimal ? Game::kMinimalActions[static_cast<std::size_t>(action)]
                  : static_cast<int>(action);
  if (rng.uniform() < p.sticky_action_prob) a = lane.last_action;
  lane.last_action = static_cast<std::int16_t>(a);
  return Game::step(lane.game, a, rng, p.ramping);
}

template <class Game>
inline Space minatar_observation_space() {
  return Space::box(0, 1, Shape{kGrid, kGrid, Game::kChannels}, DType::uint8);
}
template <class Game>
inline std::int64_t num_actions(bool minimal) {
  return minimal ? static_cast<std::int64_t>(Game::kMinimalActions.size()) : kFullActions;
}

template <class Game>
class MinAtarBatched final : public BatchedEnv {
 public:
  MinAtarBatched(int n, bool minimal, MinAtarParams params, std::string id)
      : minimal_(minimal), params_(params), id_(std::move(id)), lanes_(static_cast<std::size_t>(n)) {}
  int num_envs() const override { return static_cast<int>(lanes_.size()); }

  void reset(int i, Rng& rng, const JsonObject* options, std::byte* obs_row) override {
    classic::check_reset_keys(options, {}, id_);
    Lane<Game>& lane = lanes_[static_cast<std::size_t>(i)];
    Game::reset(lane.game, rng);
    lane.last_action = 0;
    Game::observe(lane.game, reinterpret_cast<std::uint8_t*>(obs_row));
  }

  void step(int begin, int end, const std::byte* actions, Rng* rngs, std::byte* obs,
            double* reward, std::uint8_t* terminated) override {
    const auto* a = reinterpret_cast<const std::int64_t*>(actions);
    auto* o = reinterpret_cast<std::uint8_t*>(obs);
    constexpr std::size_t kObs = std::size_t{kGrid} * kGrid * Game::kChannels;
    for (int i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      Lane<Game>& lane = lanes_[k];
      reward[k] = step_lane(lane, a[k], minimal_, params_, rngs[k]);
      Game::observe(lane.game, o + k * kObs);
      terminated[k] = lane.game.terminal != 0;
    }
  }

  std::vector<double> get_state(int i) const override {
    return lane_values<Game>(lanes_[static_cast<std::size_t>(i)]);
  }
  void set_state(int i, std::span<const double> state) override {
    lanes_[static_cast<std::size_t>(i)] = lane_from_values<Game>(state, id_);
  }

 private:
  bool minimal_;
  MinAtarParams params_;
  std::string id_;
  std::vector<Lane<Game>> lanes_;
};

template <class Game>
class MinAtarEnv final : public Env {
 public:
  MinAtarEnv(const JsonObject& kwargs, bool minimal, const std::string& id)
      : Env(minatar_observation_space<Game>(), Space::discrete(num_actions<Game>(minimal))),
        minimal_(minimal),
        params_(minatar_params(kwargs, id)) {}

  std::vector<double> get_state() const override { return lane_values<Game>(lane_); }
  void set_state(std::span<const double> state) override {
    lane_ = lane_from_values<Game>(state, id());
  }
  std::unique_ptr<BatchedEnv> make_batched(int n) const override {
    return std::make_unique<MinAtarBatched<Game>>(n, minimal_, params_, id());
  }
  const typename Game::State& game_state() const { return lane_.game; }

  bool renders() const override { return true; }
  void draw(Frame& frame) const override {
    std::array<std::uint8_t, std::size_t{kGrid} * kGrid * Game::kChannels> obs;
    Game::observe(lane_.game, obs.data());
    draw_grid(frame, obs.data(), kGrid, kGrid, Game::kChannels, Game::kPalette);
  }

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info&) override {
    classic::check_reset_keys(options, {}, id());
    Game::reset(lane_.game, rng);
    lane_.last_action = 0;
    Game::observe(lane_.game, reinterpret_cast<std::uint8_t*>(obs.data()));
  }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info&) override {
    const int r = step_lane(lane_, *static_cast<const std::int64_t*>(action), minimal_, params_, rng());
    Game::observe(lane_.game, reinterpret_cast<std::uint8_t*>(obs.data()));
    return {static_cast<double>(r), lane_.game.terminal != 0, false};
  }

 private:
  bool minimal_;
  MinAtarParams params_;
  Lane<Game> lane_{};
};

// Registers MinAtar/<Game>-v0 and -v1 (as the minatar package: no TimeLimit, Freeway ends
// itself after 2500 steps). Returns true, to initialize a static in the game's .cpp.
template <class Game>
bool register_minatar() {
  for (const bool minimal : {false, true}) {
    EnvSpec spec;
    spec.id = std::string("MinAtar/") + Game::kName + (minimal ? "-v1" : "-v0");
    spec.render_fps = 20;  // minatar's display_state shows a frame for 50 ms
    spec.kwargs = kMinAtarKwargs;
    spec.entry_point = std::string("MinAtarEnv<") + Game::kName + ">";
    spec.exposes_state = true;
    const std::string id = spec.id;
    Registry::global().add(std::move(spec), [minimal, id](const JsonObject& kw) -> std::unique_ptr<Env> {
      return std::make_unique<MinAtarEnv<Game>>(kw, minimal, id);
    });
  }
  return true;
}

}  // namespace rlforge::games
