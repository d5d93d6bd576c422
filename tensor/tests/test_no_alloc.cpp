// Proves the hot path never reaches the heap: this binary replaces global operator new to count
// calls, warms the pools up, then counts allocations during MLP training and inference steps.
#include <catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"

namespace {
std::atomic<long> g_news{0};

void* counted(std::size_t n, std::size_t align) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                               : std::malloc(n);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
// The nothrow forms too: the standard library calls them (std::stable_sort's temporary buffer,
// std::get_temporary_buffer), and left to the sanitizer's own operator new their blocks would
// reach the std::free below: AddressSanitizer reports that as an alloc-dealloc mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return counted(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
  return operator new(n, a, t);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace rlforge::tensor;
using rlforge::Rng;

TEST_CASE("an MLP training step and a no-grad forward make no heap allocation once warm") {
  Rng gen(1);
  nn::Sequential net = nn::mlp({8, 64, 64, 4}, gen, {.hidden = nn::Activation::Tanh});
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  const Tensor x = Tensor::randn({64, 8}, gen);
  const Tensor q_target = Tensor::randn({64, 1}, gen);
  const Tensor actions = Tensor::from_data(std::vector<std::int64_t>(64, 2), {64, 1});
  // A DQN-like step: Q(s, a) by gather, Huber loss, backward, gradient clipping, Adam.
  const std::vector<Tensor> params = net.parameters();
  auto train_step = [&] {
    opt.zero_grad();
    Tensor q = gather(net.forward(x), 1, actions);
    Tensor loss = huber_loss(q, q_target);
    loss.backward();
    optim::clip_grad_norm(params, 10.0);
    opt.step();
  };
  auto infer = [&] {
    NoGradGuard no_grad;
    Tensor probs = softmax(net.forward(x.slice_rows(0, 1)), -1);
    Tensor best = max(probs, 1);
    return best.numel();
  };
  for (int i = 0; i < 5; ++i) {
    train_step();
    infer();
  }
  const long before = g_news.load();
  for (int i = 0; i < 20; ++i) {
    train_step();
    infer();
  }
  const long during = g_news.load() - before;
  CHECK(during == 0);
}
