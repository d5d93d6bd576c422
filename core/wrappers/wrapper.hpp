// Wrapper: an Env around another Env; by default passes reset and step straight through.
#pragma once
#include <memory>
#include <vector>

#include "core/env.hpp"

namespace rlforge {

// The wrapper takes the inner env's spec (so ids and thresholds stay visible) but does not
// apply the TimeLimit again: the inner env already did. Seeds pass through to the inner env.
class Wrapper : public Env {
 public:
  Env& inner() { return *inner_; }
  const Env& inner() const { return *inner_; }
  std::vector<double> get_state() const override { return inner_->get_state(); }
  void set_state(std::span<const double> state) override { inner_->set_state(state); }

 protected:
  Wrapper(std::unique_ptr<Env> inner, Space observation_space, Space action_space);
  explicit Wrapper(std::unique_ptr<Env> inner);

  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;
  // The inner env's action view for an action of its own space.
  ConstArray inner_action(const void* action) const {
    return ConstArray{action, inner_->action_space().dtype(), inner_->action_space().shape()};
  }

  std::unique_ptr<Env> inner_;
};

}  // namespace rlforge
