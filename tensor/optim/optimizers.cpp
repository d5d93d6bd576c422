// Adam, SGD, gradient clipping and LR schedules; the per-element update formulas are shared with
// the CUDA kernels through kernels/elementwise_math.hpp.
#include "tensor/optim/optimizers.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/detail/tensor_impl.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/kernels/elementwise_math.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor::optim {
namespace {

void check_params(const char* who, const std::vector<Tensor>& ps) {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const Tensor& p = ps[i];
    if (!p.defined() || p.dtype() == DType::int64 || !p.is_contiguous()) {
      throw TensorError(std::string(who) + ": parameter " + std::to_string(i) + " (" + p.str() +
                        ") must be a defined, contiguous float32/float64 tensor");
    }
  }
}

void need_finite_positive(const char* who, const char* what, double v, bool allow_zero) {
  if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) {
    throw std::invalid_argument(std::string(who) + ": " + what + " = " + std::to_string(v) + " is invalid");
  }
}

// Sum of squares in double. kLanes independent partial sums let the loop vectorize without
// reassociation (a single running sum is bound by the add latency: ~4 cycles an element).
template <class T>
double sum_squares(const T* d, std::int64_t n) {
  constexpr int kLanes = 16;
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += static_cast<double>(d[i + j]) * static_cast<double>(d[i + j]);
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] += static_cast<double>(d[i]) * static_cast<double>(d[i]);
  double total = 0;
  for (double a : acc) total += a;
  return total;
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions opt) : params_(std::move(params)), opt_(opt) {
  check_params("Adam", params_);
  need_finite_positive("Adam", "lr", opt.lr, true);
  need_finite_positive("Adam", "eps", opt.eps, true);
  need_finite_positive("Adam", "weight_decay", opt.weight_decay, true);
  if (!(opt.beta1 >= 0 && opt.beta1 < 1) || !(opt.beta2 >= 0 && opt.beta2 < 1)) {
    throw std::invalid_argument("Adam: betas must be in [0, 1), got (" + std::to_string(opt.beta1) + ", " +
                                std::to_string(opt.beta2) + ")");
  }
  for (const Tensor& p : params_) {
    m_.push_back(Tensor::zeros(p.shape(), p.dtype(), p.device()));
    v_.push_back(Tensor::zeros(p.shape(), p.dtype(), p.device()));
  }
  steps_ = Tensor::zeros({static_cast<std::int64_t>(params_.size())}, DType::int64);
}

std::vector<NamedTensor> Adam::state() const {
  std::vector<NamedTensor> s;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    s.push_back({"exp_avg." + std::to_string(i), m_[i]});
    s.push_back({"exp_avg_sq." + std::to_string(i), v_[i]});
  }
  s.push_back({"step", steps_});
  return s;
}

std::int64_t Adam::step_count(std::size_t i) const { return steps_.data<std::int64_t>()[i]; }

void Adam::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    const std::int64_t t = ++steps_.data<std::int64_t>()[i];
    // One fused pass (one kernel launch on CUDA) over parameter, gradient and both moments.
    kern::adam_step(p.device(), p.dtype(), p.impl()->raw(), g.impl()->raw(), m_[i].impl()->raw(), v_[i].impl()->raw(),
                    p.numel(), opt_.lr, opt_.beta1, opt_.beta2, opt_.eps, opt_.weight_decay, t);
    p.bump_version();
  }
}

void Adam::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Sgd::Sgd(std::vector<Tensor> params, SgdOptions opt) : params_(std::move(params)), opt_(opt) {
  check_params("Sgd", params_);
  need_finite_positive("Sgd", "lr", opt.lr, true);
  need_finite_positive("Sgd", "momentum", opt.momentum, true);
  need_finite_positive("Sgd", "weight_decay", opt.weight_decay, true);
  if (opt.nesterov && (opt.momentum <= 0 || opt.dampening != 0)) {
    throw std::invalid_argument("Sgd: nesterov needs momentum > 0 and dampening == 0");
  }
  for (const Tensor& p : params_) buf_.push_back(Tensor::zeros(p.shape(), p.dtype(), p.device()));
  started_ = Tensor::zeros({static_cast<std::int64_t>(params_.size())}, DType::int64);
}

std::vector<NamedTensor> Sgd::state() const {
  std::vector<NamedTensor> s;
  for (std::size_t i = 0; i < params_.size(); ++i) s.push_back({"momentum_buffer." + std::to_string(i), buf_[i]});
  s.push_back({"started", started_});
  return s;
}

void Sgd::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    std::int64_t& started = started_.data<std::int64_t>()[i];
    const bool first = started == 0;
    started = 1;
    kern::sgd_step(p.device(), p.dtype(), p.impl()->raw(), g.impl()->raw(), buf_[i].impl()->raw(), first, p.numel(),
                   opt_.lr, opt_.momentum, opt_.dampening, opt_.weight_decay, opt_.nesterov);
    p.bump_version();
  }
}

void Sgd::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

double clip_grad_norm(std::span<const Tensor> params, double max_norm) {
  if (!(max_norm > 0)) throw std::invalid_argument("clip_grad_norm: max_norm must be > 0, got " + std::to_string(max_norm));
  double sq = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    // Sum squares in double straight from the buffer (no temporary: this runs every update).
    const std::int64_t n = g.numel();
    if (g.device().type != DeviceType::CPU) {
      sq += sum(g * g).item();  // reduced on the device; item() brings back one number
    } else if (g.dtype() == DType::float32) {
      sq += sum_squares(g.data<float>(), n);
    } else {
      sq += sum_squares(g.data<double>(), n);
    }
  }
  const double norm = std::sqrt(sq);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      const std::int64_t n = g.numel();
      if (g.device().type != DeviceType::CPU) {
        kern::axpby(g.impl(), coef, g.impl(), 0.0);  // b = 0, src = dst: the CUDA kernel applies math::scale
      } else if (g.dtype() == DType::float32) {
        float* d = g.data<float>();
        for (std::int64_t i = 0; i < n; ++i) d[i] = math::scale(d[i], coef);
      } else {
        double* d = g.data<double>();
        for (std::int64_t i = 0; i < n; ++i) d[i] = math::scale(d[i], coef);
      }
    }
  }
  return norm;
}

LrSchedule LrSchedule::linear(double start, double end, std::int64_t steps) {
  if (steps <= 0) throw std::invalid_argument("LrSchedule::linear: steps must be > 0, got " + std::to_string(steps));
  return {Kind::Linear, start, end, steps};
}

double LrSchedule::at(std::int64_t step) const {
  if (kind == Kind::Constant) return start;
  const double f = std::min(1.0, std::max(0.0, static_cast<double>(step) / static_cast<double>(steps)));
  return start + (end - start) * f;
}

}  // namespace rlforge::tensor::optim
