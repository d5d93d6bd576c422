// What the human window's overlay shows beside the picture: the episode's numbers, recent
// episode returns, and — when a policy drives the env — its action probabilities or Q-values,
// its action and value estimate, and the observation it saw.
//
// Overlay only points at the caller's data (spans, string_views), so filling one per frame
// copies and allocates nothing; every field a caller lacks (no policy, no labels) stays empty
// and its section is not drawn. The data must stay valid for the Window::show call.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rlforge::render {

// The last kCapacity episode returns, oldest first, in a fixed array: pushing never allocates.
// Laid out as ImGui::PlotLines reads a ring (values, count, offset of the oldest).
class ReturnHistory {
 public:
  static constexpr int kCapacity = 100;

  void push(double episode_return) {
    values_[static_cast<std::size_t>(head_)] = static_cast<float>(episode_return);
    head_ = (head_ + 1) % kCapacity;
    if (size_ < kCapacity) ++size_;
  }
  void clear() { head_ = size_ = 0; }
  int size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Index in data() of the oldest value.
  int offset() const { return size_ < kCapacity ? 0 : head_; }
  const float* data() const { return values_.data(); }
  // i-th oldest, 0 <= i < size().
  float operator[](int i) const { return values_[static_cast<std::size_t>((offset() + i) % kCapacity)]; }
  float last() const { return (*this)[size_ - 1]; }
  float mean() const {
    double s = 0.0;
    for (int i = 0; i < size_; ++i) s += values_[static_cast<std::size_t>(i)];
    return size_ > 0 ? static_cast<float>(s / size_) : 0.0f;
  }

 private:
  std::array<float, kCapacity> values_{};
  int head_ = 0;  // where the next value goes
  int size_ = 0;
};

struct Overlay {
  std::string_view env_id;        // e.g. "CartPole-v1"
  std::int64_t episode = 0;       // episodes started so far, counting this one
  std::int64_t step = 0;          // steps into this episode
  double episode_return = 0.0;    // sum of rewards so far in this episode
  const ReturnHistory* returns = nullptr;  // finished episodes' returns, or none

  // Policy, when one is loaded (all empty otherwise).
  std::string_view policy;                  // e.g. "ppo (run-3/best.ckpt)"
  std::span<const float> action_probs;      // Discrete policy: probability of each action (n)
  std::span<const float> q_values;          // DQN: Q(s, a) for each action (n)
  std::optional<int> chosen_action;         // the Discrete action the policy takes here, marked in the bars
  std::span<const float> action;            // continuous policy: the action vector taken
  std::optional<float> value;               // V(s) estimate, when the policy has one

  std::span<const float> observation;               // the observation, flattened
  std::span<const std::string> observation_labels;  // names per element, optional
};

// What the overlay's controls and the window's keys decide; Window::poll() hands a copy out.
struct WindowCommands {
  bool quit = false;       // Esc or the close button: stop watching (stays set)
  bool paused = false;     // standing state: Space or the Pause/Resume button toggles it
  bool step_once = false;  // Right arrow or Step while paused: advance one step (one poll)
  bool reset = false;      // R or Reset: start a new episode (one poll)
  double speed = 1.0;      // playback speed, a multiple of the env's fps (kMinSpeed .. kMaxSpeed)

  static constexpr double kMinSpeed = 0.1, kMaxSpeed = 8.0;
  // Whether the caller should step its env this time round the loop.
  bool advance() const { return !quit && !reset && (!paused || step_once); }
};

// A rectangle in window pixels (origin top-left).
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;
  bool contains(int px, int py) const { return px >= x && px < x + width && py >= y && py < y + height; }
};

// Draws the overlay's ImGui window (call between ImGui::NewFrame and ImGui::Render); its buttons
// and slider write into `commands`. Returns where it drew. Allocates nothing of its own (ImGui
// keeps its buffers).
// `panel`: a window area kept for the overlay (filled by it); empty: it floats at the top left.
PixelRect draw_overlay(const Overlay& overlay, WindowCommands& commands, PixelRect panel = {});

}  // namespace rlforge::render
