// FrameStack: the last k observations stacked on a new leading axis (gymnasium's
// FrameStackObservation), oldest first; padding at reset repeats the first obs or is zero.
#pragma once
#include <vector>

#include "core/wrappers/wrapper.hpp"

namespace rlforge {

class FrameStack : public Wrapper {
 public:
  enum class Padding { Reset, Zero };
  FrameStack(std::unique_ptr<Env> inner, int stack_size, Padding padding = Padding::Reset);
  int stack_size() const { return k_; }
  // The inner env's state, then the k stacked frames.
  std::vector<double> checkpoint_state() const override;
  void restore_checkpoint_state(std::span<const double> state) override;

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  int k_;
  Padding padding_;
  std::size_t frame_bytes_;
  std::vector<std::byte> frame_;  // the newest inner obs
  // [k, obs...]: kept here, not in the caller's buffer, which may differ between calls.
  std::vector<std::byte> stack_;
};

}  // namespace rlforge
