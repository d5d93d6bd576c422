// Wrapper: an Env around another Env; by default passes reset and step straight through.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace rlforge {

// The wrapper takes the inner env's spec (so ids, thresholds and the TimeLimit stay visible)
// and its random stream (rng() is the inner env's, so seeds reach it). The bookkeeping is done
// once, by whoever steps the outermost env: the inner env is run unchecked, and an action is
// validated against the inner space only where the wrapper changes the action space.
class Wrapper : public Env {
 public:
  Env& inner() { return *inner_; }
  const Env& inner() const { return *inner_; }
  Rng& rng() override { return inner_->rng(); }
  std::vector<double> get_state() const override { return inner_->get_state(); }
  void set_state(std::span<const double> state) override { inner_->set_state(state); }
  void draw(Frame& frame) const override { inner_->draw(frame); }
  bool renders() const override { return inner_->renders(); }
  // A stateful wrapper appends its own values to the inner env's (see Wrapper::append_state).
  std::vector<double> checkpoint_state() const override { return inner_->checkpoint_state(); }
  void restore_checkpoint_state(std::span<const double> state) override {
    inner_->restore_checkpoint_state(state);
  }

 protected:
  Wrapper(std::unique_ptr<Env> inner, Space observation_space, Space action_space);
  explicit Wrapper(std::unique_ptr<Env> inner);

  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;
  // Resets / steps the inner env; `action` is in the inner env's action space's dtype.
  void inner_reset(const JsonObject* options, std::span<std::byte> obs, Info& info) {
    inner_->reset_unchecked(options, obs, info);
  }
  StepResult inner_step(const void* action, std::span<std::byte> obs, Info& info);

  // Checkpoint helpers for stateful wrappers: the inner env's values followed by `own`, and
  // the split back (throws InvalidArgument naming the id when fewer than `own_size` values).
  std::vector<double> append_state(std::span<const double> own) const;
  std::span<const double> restore_inner(std::span<const double> state, std::size_t own_size);

  std::unique_ptr<Env> inner_;

 private:
  // Whether the wrapper's action space differs from the inner one (then actions it passes on
  // are checked): known on the first step, as subclasses set their spaces after construction.
  int check_inner_actions_ = -1;
  std::vector<std::byte> inner_action_scratch_;
  std::string inner_label_;  // names the inner env in errors (built once, not per step)
};

}  // namespace rlforge
