// car_racing.hpp: CarRacing-v3, a top-down racing car on a random track, seen through a 96x96x3
// picture. Reference: gymnasium 1.4 gymnasium/envs/box2d/car_racing.py (CarRacing).
//
// Kwargs (gymnasium's): lap_complete_percent (0.95, in [0, 1]), domain_randomize (false),
// continuous (true: Box([-1,0,0], [1,1,1]) steer/gas/brake; false: Discrete(5) = nothing,
// right, left, gas, brake), verbose (accepted, prints nothing). Reset option: randomize (bool,
// with domain_randomize: false keeps the colours). Physics is car_dynamics.hpp's Car on
// car_track.hpp's track; the reward is -0.1 per step plus 1000/N per new tile, -100 leaving the
// playfield. The observation is drawn by render's rasterizer straight into the obs buffer.
//
// State (get_state == checkpoint_state, all doubles): [kStateTag, action components (3 or 1),
// road rgb, bg rgb, grass rgb, n, n replay-log values (reset draws, then the actions)]. A
// restore is a fresh world that replays the log (replay_log.hpp says why); a state that does
// not describe an episode of this env is refused with InvalidArgument, leaving the env as it was.
//
// Info: at reset a summary of the track (track_tiles, track_borders, track_first_{beta,x,y},
// track_sum_{alpha,beta,x,y}); at reset and every step the hull's hull_x, hull_y, hull_angle,
// hull_vx, hull_vy, hull_angular_velocity, and the steering's wheel0_joint_angle; lap_finished
// (1/0) when an episode ends, as gymnasium.
// Why a summary and not the track: Info holds flat numbers under static keys, and the tile
// list is ~300 x 4 values; every value of the track enters these sums, so a test comparing them
// with gymnasium's env.track to 1e-9 catches any difference in the track.
#pragma once
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/env.hpp"
#include "envs/box2d/car_dynamics.hpp"
#include "envs/box2d/car_track.hpp"
#include "envs/box2d/replay_log.hpp"
#include "render/raster.hpp"

namespace rlforge::box2d {

class CarRacingEnv final : public Env {
 public:
  struct Bound {
    double x, y, r;  // a circle holding a shape, for culling
  };
  static constexpr int kStateW = 96, kStateH = 96;     // the observation
  static constexpr int kWindowW = 1000, kWindowH = 800;  // the picture gymnasium draws
  static constexpr int kVideoW = 600, kVideoH = 400;     // its rgb_array size
  static constexpr double kStateTag = 3;

  explicit CarRacingEnv(const JsonObject& kwargs);
  ~CarRacingEnv() override;

  std::vector<double> get_state() const override;
  void set_state(std::span<const double> state) override;

  bool renders() const override { return true; }
  // gymnasium's rgb_array picture: the 1000x800 window shrunk to 600x400, skid marks included.
  void draw(Frame& frame) const override;
  // The observation's picture: the 1000x800 window, which the rasterizer shrinks to 96x96.
  void draw_observation_frame(Frame& frame) const {
    draw_picture(frame, kWindowW, kWindowH, kStateW, kStateH, false);
  }

  // For tests.
  const car::Track& track() const { return track_; }
  const car::Car& car() const { return *car_; }
  double total_reward() const { return reward_; }
  // Tile i's colour shade (0.01 * (i % 3) * 255 until a contact clears it) and whether a wheel
  // has visited it.
  double tile_shade(std::size_t i) const { return tile_shade_.at(i); }
  bool tile_visited(std::size_t i) const { return visited_.at(i) != 0; }

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  class Listener : public b2ContactListener {
   public:
    explicit Listener(CarRacingEnv& env) : env_(env) {}
    void BeginContact(b2Contact* c) override { env_.contact(c, true); }
    void EndContact(b2Contact* c) override { env_.contact(c, false); }

   private:
    CarRacingEnv& env_;
  };
  struct Control {
    double steer, gas, brake;  // what Car::steer/gas/brake get
  };

  // gymnasium's reset up to and including its step(None): colours, track, tiles, car, one step.
  void start_episode(bool randomize_colors);
  Control decode(const void* action);  // live: records the action in the log
  Control replay_action();             // replaying: the next logged action, checked
  StepResult apply(const Control& c, std::span<std::byte> obs, Info* info);
  void physics_step();
  void contact(b2Contact* c, bool begin);
  void set_hull_info(Info& info) const;
  // canvas: the frame's size; out: the size it will be rasterized at (seams are sized to it).
  // (car_picture.cpp) skid_marks: gymnasium's particles, in its rgb_array picture only.
  void draw_picture(Frame& f, int canvas_w, int canvas_h, int out_w, int out_h,
                    bool skid_marks) const;

  // kwargs
  double lap_complete_percent_;
  bool domain_randomize_, continuous_;

  ReplayLog log_;
  Listener listener_{*this};
  std::unique_ptr<b2World> world_;
  std::optional<car::Car> car_;
  car::Track track_;
  std::vector<double> tile_shade_;   // [n] 0.01 * (i % 3) * 255 until a contact resets it
  std::vector<std::uint8_t> visited_;  // [n]
  std::vector<Bound> tile_bounds_, kerb_bounds_;  // [n]
  std::array<double, 3> road_color_{102, 102, 102}, bg_color_{102, 204, 102},
      grass_color_{102, 230, 102};
  bool colors_drawn_ = false;  // domain_randomize: whether any reset drew colours yet
  bool drew_colors_ = false;   // whether this episode's reset drew them
  double reward_ = 0, prev_reward_ = 0, t_ = 0;
  int tile_visited_count_ = 0;
  bool new_lap_ = false;

  // The observation's picture and rasterizer: kept, so that a step allocates nothing.
  mutable Frame obs_frame_;
  render::Rasterizer raster_;
};

}  // namespace rlforge::box2d
