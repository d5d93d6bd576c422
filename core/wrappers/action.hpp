// Action wrappers for Box action spaces: ClipAction and RescaleAction (as gymnasium's).
#pragma once
#include <vector>

#include "core/wrappers/wrapper.hpp"

namespace rlforge {

// Accepts any finite or infinite action (space Box(-inf, inf)) and clips it into the inner
// env's bounds. NaN is still rejected.
class ClipAction : public Wrapper {
 public:
  explicit ClipAction(std::unique_ptr<Env> inner);

 protected:
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  std::vector<std::byte> clipped_;
};

// Exposes the action space Box(min_action, max_action) (e.g. [-1, 1], what a tanh policy
// emits) and maps it affinely onto the inner env's bounds, which must be finite.
class RescaleAction : public Wrapper {
 public:
  RescaleAction(std::unique_ptr<Env> inner, double min_action, double max_action);
  RescaleAction(std::unique_ptr<Env> inner, std::vector<double> min_action,
                std::vector<double> max_action);

 protected:
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  std::vector<double> gradient_, intercept_;
  std::vector<std::byte> mapped_;
};

}  // namespace rlforge
