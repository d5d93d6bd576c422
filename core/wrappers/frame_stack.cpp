// FrameStack: shifts the stacked buffer by one frame per step, in the caller's buffer.
#include "core/wrappers/frame_stack.hpp"

#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace rlforge {

static Space stacked_space(const Space& s, int k) {
  if (s.kind() != Space::Kind::Box)
    throw InvalidArgument("FrameStack needs a Box observation space, got " + s.repr());
  Shape shape{k};
  for (auto d : s.shape()) shape.push_back(d);
  std::vector<double> low, high;
  for (int i = 0; i < k; ++i) {
    low.insert(low.end(), s.low().begin(), s.low().end());
    high.insert(high.end(), s.high().begin(), s.high().end());
  }
  // Keep unbounded marks: an integer Box's stored limits stand for "unbounded".
  for (std::size_t i = 0; i < low.size(); ++i) {
    const std::size_t j = i % s.low().size();
    if (!s.bounded_below(j)) low[i] = -std::numeric_limits<double>::infinity();
    if (!s.bounded_above(j)) high[i] = std::numeric_limits<double>::infinity();
  }
  return Space::box(low, high, shape, s.dtype());
}

static std::unique_ptr<Env> check_k(std::unique_ptr<Env> env, int k) {
  if (!env) throw InvalidArgument("FrameStack: the inner env is null");
  if (k < 1)
    throw InvalidArgument(env->id() + ": FrameStack stack_size must be >= 1, got " +
                          std::to_string(k));
  return env;
}

FrameStack::FrameStack(std::unique_ptr<Env> inner, int stack_size, Padding padding)
    : Wrapper(check_k(std::move(inner), stack_size)), k_(stack_size), padding_(padding) {
  observation_space_ = stacked_space(inner_->observation_space(), k_);
  frame_bytes_ = inner_->observation_space().nbytes();
  frame_.resize(frame_bytes_);
  stack_.resize(frame_bytes_ * static_cast<std::size_t>(k_));
}

void FrameStack::do_reset(Rng&, const JsonObject* options, std::span<std::byte> obs, Info& info) {
  inner_reset(options, frame_, info);
  for (int i = 0; i < k_ - 1; ++i) {
    std::byte* dst = stack_.data() + static_cast<std::size_t>(i) * frame_bytes_;
    if (padding_ == Padding::Reset)
      std::memcpy(dst, frame_.data(), frame_bytes_);
    else
      std::memset(dst, 0, frame_bytes_);
  }
  std::memcpy(stack_.data() + static_cast<std::size_t>(k_ - 1) * frame_bytes_, frame_.data(),
              frame_bytes_);
  std::memcpy(obs.data(), stack_.data(), stack_.size());
}

StepResult FrameStack::do_step(const void* action, std::span<std::byte> obs, Info& info) {
  const StepResult r = inner_step(action, frame_, info);
  std::memmove(stack_.data(), stack_.data() + frame_bytes_,
               static_cast<std::size_t>(k_ - 1) * frame_bytes_);
  std::memcpy(stack_.data() + static_cast<std::size_t>(k_ - 1) * frame_bytes_, frame_.data(),
              frame_bytes_);
  std::memcpy(obs.data(), stack_.data(), stack_.size());
  return r;
}

std::vector<double> FrameStack::checkpoint_state() const {
  const DType t = inner_->observation_space().dtype();
  const std::size_t n = stack_.size() / dtype_size(t);
  std::vector<double> own(n);
  for (std::size_t i = 0; i < n; ++i) own[i] = load_as_double(stack_.data(), t, i);
  return append_state(own);
}

void FrameStack::restore_checkpoint_state(std::span<const double> state) {
  const DType t = inner_->observation_space().dtype();
  const std::span<const double> own = restore_inner(state, stack_.size() / dtype_size(t));
  for (std::size_t i = 0; i < own.size(); ++i) store_from_double(stack_.data(), t, i, own[i]);
  std::memcpy(frame_.data(), stack_.data() + static_cast<std::size_t>(k_ - 1) * frame_bytes_,
              frame_bytes_);
}

}  // namespace rlforge
