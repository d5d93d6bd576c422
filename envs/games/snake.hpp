// snake.hpp: Snake-v0, a grid snake (default 8x8). The snake starts as one cell on a random cell
// with food on another; each step it moves one cell up/right/down/left (absolute directions);
// eating food gives +1 and grows it by one cell, and new food appears on a random free cell.
// Leaving the grid or running into its own body ends the episode (the tail's cell is free
// unless the snake is growing); filling the whole grid ends it too (won).
//
// Observation ("observation" kwarg): "grid", (height, width, 4) uint8 channels body (every
// snake cell but the head), tail, head, food; or "features", 12 float32: for each direction
// (up, right, down, left) whether moving there dies, the current direction one-hot, and whether
// the food is above / right of / below / left of the head. Info: "action_mask[k]" (k = 0..3),
// 1 where moving in direction k does not die this step.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/env.hpp"

namespace rlforge::games {

class SnakeEnv final : public Env {
 public:
  enum Direction : int { kUp = 0, kRight = 1, kDown = 2, kLeft = 3 };
  explicit SnakeEnv(const JsonObject& kwargs);

  // [width, height, direction, food, length, cells tail..head] (cells as y * width + x).
  std::vector<double> get_state() const override;
  void set_state(std::span<const double> state) override;
  bool renders() const override { return true; }
  void draw(Frame& frame) const override;

  int width() const { return width_; }
  int height() const { return height_; }
  int length() const { return static_cast<int>(body_.size()); }
  // Whether moving in direction d now would end the episode.
  bool deadly(int d) const;

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs, Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  SnakeEnv(int width, int height, bool features);
  int next_cell(int d) const;  // -1 off the grid
  void place_food(Rng& rng);
  void observe(std::span<std::byte> obs) const;
  void write_info(Info& info) const;

  int width_, height_;
  bool features_;
  // body_[0] is the tail, body_.back() the head; occupied_[cell] marks snake cells. Sized
  // width * height at construction, so a step allocates nothing.
  std::vector<int> body_;
  std::vector<std::uint8_t> occupied_;
  std::vector<int> free_scratch_;
  int head_dir_ = kUp;
  int food_ = -1;  // -1: the grid is full
};

}  // namespace rlforge::games
