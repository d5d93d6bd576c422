// Tests of Tensor itself and the tape: factories, views, device transfer, pooling, grad mode,
// backward's contract (seed, accumulation, detach, zero_grad) and error messages.
#include <catch.hpp>

#include <limits>

#include "core/rng.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/detail/memory_pool.hpp"
#include "tensor/ops.hpp"
#include "tensor/tensor.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using rlforge::Shape;
using Catch::Matchers::Contains;

TEST_CASE("factories fill shape, dtype and values") {
  Tensor z = Tensor::zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::float32);
  CHECK(z.numel() == 6);
  for (float v : z.to_vector<float>()) CHECK(v == 0.0f);
  Tensor f = Tensor::full({4}, 2.5, DType::float64);
  CHECK(f.to_vector<double>() == std::vector<double>{2.5, 2.5, 2.5, 2.5});
  Tensor s = Tensor::scalar(3.0);
  CHECK(s.ndim() == 0);
  CHECK(s.item() == 3.0);
  Tensor d = Tensor::from_data({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(d.data<float>()[4] == 5.0f);
  CHECK_THROWS_AS(Tensor::from_data({1, 2, 3}, {2, 2}), ShapeError);
  // core's Shape holds 5 dims; a tensor refuses them, naming the shape.
  CHECK_THROWS_AS(Tensor::zeros({1, 2, 3, 4, 5}), ShapeError);
  CHECK_THROWS_WITH(Tensor::zeros({1, 2, 3, 4, 5}), Contains("(1, 2, 3, 4, 5)") && Contains("at most 4"));
  CHECK_THROWS_WITH(Tensor::ones({2, 3}).reshape({1, 1, 1, 2, 3}), Contains("4 dims"));
  CHECK_THROWS_AS(stack({Tensor::zeros({1, 1, 1, 2}), Tensor::zeros({1, 1, 1, 2})}, 0), ShapeError);
  // Tensors hold float32, float64 and int64 of core's dtypes; another is named when refused.
  CHECK_THROWS_AS(Tensor::zeros({2}, DType::uint8), DTypeError);
  CHECK_THROWS_WITH(Tensor::zeros({2}, DType::int32), Contains("int32"));
  CHECK_THROWS_AS(d.data<double>(), DTypeError);
  CHECK_THROWS_WITH(d.item(), Contains("(2, 3)"));
}

TEST_CASE("seeded generator is reproducible and roughly standard normal") {
  Rng g1(7), g2(7);
  Tensor a = Tensor::randn({1000}, g1), b = Tensor::randn({1000}, g2);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  const double m = mean(a).item();
  const double v = mean(pow(a - m, 2.0)).item();
  CHECK(std::abs(m) < 0.1);
  CHECK(std::abs(v - 1.0) < 0.15);
}

TEST_CASE("views share storage: reshape, transpose, narrow") {
  Tensor x = Tensor::from_data({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = x.reshape({3, 2});
  CHECK(r.data<float>() == x.data<float>());
  CHECK(x.reshape({-1}).shape() == Shape{6});
  CHECK_THROWS_WITH(x.reshape({4, 2}), Contains("(2, 3)") && Contains("(4, 2)"));
  CHECK(x.reshape({3, -1}).shape() == Shape{3, 2});
  CHECK_THROWS_WITH(x.reshape({-1, 4}), Contains("(2, 3)") && Contains("(-1, 4)"));
  CHECK_THROWS_WITH(x.reshape({-1, -1}), Contains("one -1 at most"));
  CHECK_THROWS_AS(x.reshape({-2, -3}), ShapeError);

  Tensor t = x.t();
  CHECK(t.shape() == Shape{3, 2});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
  // reshape of a non-contiguous view copies in row-major order of the view
  CHECK(t.reshape({6}).to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});

  Tensor rows = x.slice_rows(1, 2);
  CHECK(rows.shape() == Shape{1, 3});
  CHECK(rows.data<float>() == x.data<float>() + 3);
  Tensor col = x.narrow(1, 1, 1);
  CHECK(col.to_vector<float>() == std::vector<float>{1, 4});
  CHECK_THROWS_AS(x.narrow(1, 2, 2), ShapeError);
  CHECK_THROWS_AS(Tensor::zeros({2, 2, 2}).t(), ShapeError);
}

TEST_CASE("to(Device): CPU to CPU is the same tensor; CUDA without a device throws naming the shape") {
  Tensor x = Tensor::ones({64, 4});
  Tensor y = x.to(Device::cpu());
  CHECK(y.impl() == x.impl());
  CHECK(x.device() == Device::cpu());
  if (cuda_available()) return;  // a GPU machine: tests/test_cuda.cpp covers transfers
  // Built with CUDA but no device (CI, this machine): the runtime's own reason is quoted.
  const char* why = cuda_built() ? "no CUDA device available: " : "has no CUDA support";
  CHECK_THROWS_AS(x.to(Device::cuda(0)), DeviceError);
  CHECK_THROWS_WITH(x.to(Device::cuda(0)), Contains(why) && Contains("(64, 4)"));
  CHECK_THROWS_AS(Tensor::zeros({2}, DType::float32, Device::cuda()), DeviceError);
  CHECK_THROWS_WITH(Tensor::zeros({2}, DType::float32, Device::cuda()), Contains(why));
}

TEST_CASE("to(DType) converts and is differentiable") {
  Tensor x = Tensor::from_data({1.5f, -2.0f}, {2});
  x.requires_grad_();
  Tensor y = x.to(DType::float64);
  CHECK(y.dtype() == DType::float64);
  sum(y * y).backward();
  CHECK(x.grad().dtype() == DType::float32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{3.0f, -4.0f});
}

TEST_CASE("storage is recycled by the pool: no system allocation in a steady loop") {
  Rng gen(1);
  Tensor w = Tensor::randn({64, 64}, gen);
  w.requires_grad_();
  Tensor x = Tensor::randn({32, 64}, gen);
  auto step = [&] {
    Tensor loss = mean(relu(matmul(x, w)));
    loss.backward();
  };
  step();
  step();
  const auto before = detail::pool_stats();
  for (int i = 0; i < 10; ++i) step();
  const auto after = detail::pool_stats();
  if (detail::pool_enabled()) {
    CHECK(after.system_allocs == before.system_allocs);
    CHECK(after.reuses > before.reuses);
  } else {  // bypassed on purpose (RLFORGE_TENSOR_POOL=off): every block from the system
    CHECK(after.system_allocs > before.system_allocs);
    CHECK(after.reuses == before.reuses);
  }
}

TEST_CASE("release_cached_memory empties the calling thread's pool") {
  { Tensor big = Tensor::zeros({1024, 1024}); }  // 4 MB block returns to the cache
  if (detail::pool_enabled()) CHECK(detail::pool_stats().cached_bytes >= 4u << 20);
  release_cached_memory();
  CHECK(detail::pool_stats().cached_bytes == 0);
  Tensor again = Tensor::ones({4});  // the pool keeps working afterwards
  CHECK(again.to_vector<float>() == std::vector<float>(4, 1.0f));
}

TEST_CASE("zero_grad then backward: fresh gradients, held gradient handles see zeros, untouched ones read zero") {
  Tensor x = Tensor::from_data({1.0f, 2.0f, 3.0f}, {3});
  Tensor unused = Tensor::from_data({5.0f, 6.0f}, {2});
  x.requires_grad_();
  unused.requires_grad_();
  sum(x * x).backward();
  sum(unused * 2.0).backward();
  x.zero_grad();
  unused.zero_grad();
  sum(x * x).backward();  // replaces the zeroed gradient: 2x, not 2x added to stale values
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 4, 6});
  sum(x * 3.0).backward();  // a second backward still accumulates
  CHECK(x.grad().to_vector<float>() == std::vector<float>{5, 7, 9});
  CHECK(unused.grad().to_vector<float>() == std::vector<float>{0, 0});  // zeroed, no backward since
  const Tensor held = x.grad();
  x.zero_grad();
  CHECK(held.to_vector<float>() == std::vector<float>{0, 0, 0});  // a handle someone kept is zeroed now
  sum(x * x).backward();
  CHECK(held.to_vector<float>() == std::vector<float>{2, 4, 6});  // ... and receives the next gradient
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 4, 6});
}

TEST_CASE("backward: scalar seed, non-scalar needs a seed, accumulation and zero_grad") {
  Tensor x = Tensor::from_data({1.0f, 2.0f, 3.0f}, {3});
  x.requires_grad_();
  Tensor y = x * x;
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("(3,)") && Contains("seed"));
  y.backward(Tensor::ones({3}));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 4, 6});
  sum(y).backward();  // accumulates
  CHECK(x.grad().to_vector<float>() == std::vector<float>{4, 8, 12});
  x.zero_grad();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK_THROWS_AS(y.backward(Tensor::ones({2})), ShapeError);
  CHECK_THROWS_AS(y.requires_grad_(), AutogradError);
}

TEST_CASE("a tensor used twice gets both contributions (diamond graph)") {
  Tensor x = Tensor::from_data({2.0}, {1});
  x.requires_grad_();
  x = x.to(DType::float64).to(DType::float32);  // non-leaf now; keep a handle on the leaf below
  Tensor leaf = Tensor::from_data({2.0f}, {1});
  leaf.requires_grad_();
  Tensor a = leaf * 3.0;
  Tensor b = exp(a) + a * a;  // d/dleaf = 3 e^{3 leaf} + 18 leaf
  sum(b).backward();
  CHECK(leaf.grad().item() == Approx(3 * std::exp(6.0) + 36.0).epsilon(1e-5));
}

TEST_CASE("detach and no_grad stop the tape") {
  Tensor x = Tensor::from_data({1.0f, 2.0f}, {2});
  x.requires_grad_();
  Tensor d = (x * 2.0).detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  {
    NoGradGuard guard;
    CHECK_FALSE(is_grad_enabled());
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK_THROWS_WITH(sum(y).backward(), Contains("does not require grad"));
  }
  CHECK(is_grad_enabled());
  CHECK_THROWS_AS(x.fill_(0.0), AutogradError);
  {
    NoGradGuard guard;
    x.fill_(1.0);  // optimizer-style in-place update is allowed without grad mode
  }
  CHECK(x.to_vector<float>() == std::vector<float>{1, 1});
}

TEST_CASE("shape and dtype errors name the op and both shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 3});
  CHECK_THROWS_WITH(a + b, Contains("add") && Contains("(2, 3)") && Contains("(4, 3)"));
  CHECK_THROWS_WITH(matmul(a, b), Contains("matmul") && Contains("(2, 3)") && Contains("(4, 3)"));
  CHECK_THROWS_WITH(mse_loss(a, Tensor::zeros({3, 2})), Contains("mse_loss") && Contains("(3, 2)"));
  CHECK_THROWS_AS(a + Tensor::zeros({2, 3}, DType::float64), DTypeError);
  CHECK_THROWS_AS(exp(Tensor::zeros({2}, DType::int64)), DTypeError);
}

TEST_CASE("check_finite and the finite-check mode name the op that made NaN/Inf") {
  Tensor x = Tensor::from_data({1.0f, 0.0f, -1.0f}, {3});
  CHECK_NOTHROW(check_finite(x, "input"));
  Tensor l = log(x);  // -inf and nan, mode off: no throw
  CHECK_THROWS_WITH(check_finite(l, "after log"), Contains("after log") && Contains("index 1"));
  set_finite_check(true);
  CHECK_THROWS_AS(log(x), NumericalError);
  CHECK_THROWS_WITH(log(x), Contains("'log'"));
  CHECK_THROWS_WITH(sqrt(x), Contains("'sqrt'") && Contains("index 2"));
  Tensor y = Tensor::from_data({0.0f, 4.0f}, {2});
  y.requires_grad_();
  Tensor s = sqrt(y);  // forward finite; the gradient at 0 is inf
  CHECK_THROWS_WITH(sum(s).backward(), Contains("backward of 'sqrt'"));
  // A NaN made inside a fused linear + relu is reported, not hidden by relu's NaN -> 0.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor xn = Tensor::from_data({1.0f, nan}, {1, 2}), w = Tensor::ones({3, 2});
  CHECK_THROWS_WITH(linear(xn, w, Tensor(), OpKind::Relu), Contains("'linear'"));
  set_finite_check(false);
  CHECK(linear(xn, w, Tensor(), OpKind::Relu).to_vector<float>() == std::vector<float>(3, 0.0f));
}

TEST_CASE("a backward that throws leaves no partial gradients behind") {
  Tensor y = Tensor::from_data({0.0f, 4.0f}, {2});
  y.requires_grad_();
  const Tensor a = y * 1.0f;  // shared inner tensor: gets gradient from two paths
  const Tensor root = sum(sqrt(a)) + sum(a * 2.0);
  set_finite_check(true);
  CHECK_THROWS_AS(root.backward(), NumericalError);  // d sqrt at 0 is inf
  set_finite_check(false);
  y.zero_grad();
  root.backward();
  CHECK(y.grad().to_vector<float>()[1] == 2.25f);  // 1 / (2 sqrt 4) + 2, counted once
}

TEST_CASE("backward refuses when a saved input was changed in place after the forward") {
  // The SAC pitfall: the actor loss goes through the critic, the critic is stepped, then the
  // actor loss is backpropagated through the updated critic weights.
  Rng gen(3);
  Tensor w = Tensor::randn({4, 3}, gen);
  w.requires_grad_();
  const Tensor x = Tensor::randn({2, 3}, gen);
  const Tensor loss = sum(linear(x, w, Tensor()));
  {
    NoGradGuard no_grad;
    w.fill_(0.5);
  }
  CHECK_THROWS_AS(loss.backward(), AutogradError);
  CHECK_THROWS_WITH(loss.backward(), Contains("'linear'") && Contains("modified in place"));
  // Ops whose rule never reads the changed input are unaffected (d(a + b)/da = 1).
  Tensor a = Tensor::ones({2});
  a.requires_grad_();
  const Tensor s = sum(a + Tensor::ones({2}));
  {
    NoGradGuard no_grad;
    a.fill_(3.0);
  }
  CHECK_NOTHROW(s.backward());
  const std::uint32_t v = a.version();
  a.bump_version();
  CHECK(a.version() == v + 1);
}

TEST_CASE("argmax: first index on ties, int64 output, errors name the shape") {
  const Tensor q = Tensor::from_data({1.0f, 3.0f, 3.0f, -1.0f, -2.0f, -0.5f}, {2, 3});
  CHECK(argmax(q, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
  CHECK(argmax(q, 0, true).shape() == Shape{1, 3});
  CHECK(argmax(q, 1).dtype() == DType::int64);
  CHECK_THROWS_WITH(argmax(q, 2), Contains("argmax") && Contains("2-D"));
}

TEST_CASE("format prints values nested by dim and elides long dims") {
  CHECK(Tensor::from_data({1, 2, 3, 4, 5, 6}, {2, 3}).format() == "Tensor(float32, (2, 3), cpu) [[1, 2, 3], [4, 5, 6]]");
  CHECK(Tensor::arange(10).format(2) == "Tensor(float32, (10,), cpu) [0, 1, ..., 8, 9]");
  CHECK(Tensor::scalar(2.5).format() == "Tensor(float32, (), cpu) 2.5");
  CHECK(Tensor::from_data({1, 2, 3, 4}, {2, 2}).t().format() == "Tensor(float32, (2, 2), cpu) [[1, 3], [2, 4]]");
}

TEST_CASE("empty tensors flow through broadcasting, reductions and matmul") {
  const Tensor e = Tensor::zeros({0, 3});
  CHECK((e + Tensor::ones({3})).shape() == Shape{0, 3});
  CHECK((exp(e.t()) * 2.0).shape() == Shape{3, 0});
  const Tensor s = sum(e, 0);
  CHECK(s.to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK(matmul(e, Tensor::ones({3, 2})).shape() == Shape{0, 2});
  CHECK(matmul(Tensor::ones({2, 0}), Tensor::ones({0, 4})).to_vector<float>() == std::vector<float>(8, 0.0f));
  CHECK(concat({e, Tensor::ones({2, 3})}, 0).shape() == Shape{2, 3});
}

TEST_CASE("gather rejects out-of-range indices naming the value and the axis size") {
  const Tensor q = Tensor::zeros({2, 3});
  const Tensor bad = Tensor::from_data(std::vector<std::int64_t>{1, 3}, {2, 1});
  CHECK_THROWS_WITH(gather(q, 1, bad), Contains("index 3") && Contains("size 3"));
  CHECK_THROWS_AS(gather(q, 1, Tensor::zeros({2, 1})), DTypeError);
  CHECK_THROWS_AS(gather(q, 1, Tensor::from_data(std::vector<std::int64_t>{0, 1}, {2})), ShapeError);
}

TEST_CASE("linear with a fused activation equals linear then the activation, values and gradients") {
  Rng gen(11);
  for (OpKind act : {OpKind::Relu, OpKind::Tanh, OpKind::Sigmoid}) {
    Tensor x = Tensor::randn({7, 5}, gen), w = Tensor::randn({4, 5}, gen), b = Tensor::randn({4}, gen);
    for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
    const Tensor fused = linear(x, w, b, act);
    const Tensor pre = linear(x, w, b);
    const Tensor apart = act == OpKind::Relu ? relu(pre) : act == OpKind::Tanh ? tanh(pre) : sigmoid(pre);
    INFO(op_name(act));
    CHECK(fused.to_vector<float>() == apart.to_vector<float>());
    const Tensor r = Tensor::randn({7, 4}, gen);
    sum(fused * r).backward();
    const auto gx = x.grad().to_vector<float>(), gw = w.grad().to_vector<float>(), gb = b.grad().to_vector<float>();
    for (Tensor* t : {&x, &w, &b}) t->zero_grad();
    sum(apart * r).backward();
    CHECK(x.grad().to_vector<float>() == gx);
    CHECK(w.grad().to_vector<float>() == gw);
    CHECK(b.grad().to_vector<float>() == gb);
  }
  const Tensor x = Tensor::ones({2, 3}), w = Tensor::ones({4, 3});
  CHECK_THROWS_WITH(linear(x, w, Tensor(), OpKind::Exp), Contains("relu, tanh or sigmoid") && Contains("exp"));
}

TEST_CASE("linear backward on an empty batch gives zero weight and bias gradients") {
  Tensor x = Tensor::zeros({0, 3}), w = Tensor::ones({4, 3}), b = Tensor::ones({4});
  for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
  sum(linear(x, w, b, OpKind::Relu)).backward();
  CHECK(w.grad().to_vector<float>() == std::vector<float>(12, 0.0f));
  CHECK(b.grad().to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(x.grad().numel() == 0);
}

TEST_CASE("copy_ between overlapping views of one buffer copies the values as they were") {
  Tensor x = Tensor::from_data({0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, {6});
  Tensor dst = x.narrow(0, 1, 5);
  dst.copy_(x.narrow(0, 0, 5));  // shift right by one
  CHECK(x.to_vector<float>() == std::vector<float>{0, 0, 1, 2, 3, 4});
  Tensor y = Tensor::from_data({0.0f, 1.0f, 2.0f, 3.0f}, {2, 2});
  Tensor yt = y.t();
  y.copy_(yt);  // in-place transpose through the same storage
  CHECK(y.to_vector<float>() == std::vector<float>{0, 2, 1, 3});
}
