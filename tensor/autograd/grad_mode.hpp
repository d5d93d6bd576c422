// Grad mode: a per-thread switch that stops ops from recording tape nodes (inference, target
// networks, optimizer updates). NoGradGuard turns it off for a scope.
#pragma once

namespace rlforge::tensor {

bool is_grad_enabled();
void set_grad_enabled(bool on);

// Disables recording until the end of the scope, then restores the previous mode.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace rlforge::tensor
