// optim: Adam and SGD with torch.optim semantics, global-norm gradient clipping, and constant /
// linear learning-rate schedules. Optimizers hold parameter handles and update them in place.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "tensor/serialization.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2 added to the gradient, as torch.optim.Adam (not AdamW)
};

// torch.optim.Adam (amsgrad off): per parameter m, v and its own step count; parameters
// without a gradient are skipped. Throws std::invalid_argument for bad options and
// TensorError for non-contiguous or non-float parameters.
class Adam {
 public:
  Adam(std::vector<Tensor> params, AdamOptions opt = {});
  void step();
  void zero_grad();  // zero every existing gradient (keeps the buffers)
  void set_lr(double lr) { opt_.lr = lr; }
  double lr() const { return opt_.lr; }
  const std::vector<Tensor>& params() const { return params_; }
  // State for checkpoints, as handles: "exp_avg.<i>", "exp_avg_sq.<i>" (parameter i's moments)
  // and "step" (int64 [n], per-parameter update counts). Loading into them restores the optimizer
  // exactly (see load_tensors_into).
  std::vector<NamedTensor> state() const;
  std::int64_t step_count(std::size_t i) const;

 private:
  std::vector<Tensor> params_, m_, v_;
  Tensor steps_;  // int64 [n]
  AdamOptions opt_;
};

struct SgdOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0 (as torch)
};

// torch.optim.SGD: the momentum buffer starts as the first gradient.
class Sgd {
 public:
  Sgd(std::vector<Tensor> params, SgdOptions opt = {});
  void step();
  void zero_grad();
  void set_lr(double lr) { opt_.lr = lr; }
  double lr() const { return opt_.lr; }
  // State for checkpoints, as handles: "momentum_buffer.<i>" and "started" (int64 [n], 1 once
  // parameter i has had its first step).
  std::vector<NamedTensor> state() const;

 private:
  std::vector<Tensor> params_, buf_;
  Tensor started_;  // int64 [n]
  SgdOptions opt_;
};

// Scales all gradients so that their joint L2 norm is at most max_norm (torch's
// clip_grad_norm_: factor max_norm / (norm + 1e-6) when below 1). Returns the norm before
// clipping. Parameters without a gradient are ignored.
double clip_grad_norm(std::span<const Tensor> params, double max_norm);

// Learning rate as a function of the update count. Constant: `start` for ever. Linear: from
// `start` to `end` over `steps` updates, then `end` (SB3's linear schedule is start -> 0).
struct LrSchedule {
  enum class Kind : std::uint8_t { Constant, Linear };
  Kind kind = Kind::Constant;
  double start = 1e-3;
  double end = 1e-3;
  std::int64_t steps = 1;
  static LrSchedule constant(double lr) { return {Kind::Constant, lr, lr, 1}; }
  static LrSchedule linear(double start, double end, std::int64_t steps);  // steps > 0
  double at(std::int64_t step) const;
};

}  // namespace rlforge::tensor::optim
