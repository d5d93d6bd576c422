// nn and optim: initializer statistics, parameter copy / Polyak / clone, gradient clipping,
// LR schedules, and MLPs that must fit a small regression and a small classification problem.
#include <catch.hpp>

#include <cmath>

#include <tbb/parallel_for.h>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/nn/init.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using rlforge::Shape;
using Catch::Matchers::Contains;

TEST_CASE("orthogonal init: rows (or columns, whichever fewer) are orthonormal times gain") {
  Rng gen(3);
  for (auto shape : {Shape{8, 5}, Shape{5, 8}, Shape{6, 6}}) {
    Tensor w = Tensor::zeros(shape, DType::float64);
    nn::orthogonal_(w, gen, 2.0);
    const bool wide = shape[0] < shape[1];
    Tensor g = wide ? matmul(w, w.t()) : matmul(w.t(), w);  // = 4 I
    const auto v = g.to_vector<double>();
    const std::int64_t n = g.size(0);
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) CHECK(v[i * n + j] == Approx(i == j ? 4.0 : 0.0).margin(1e-12));
    }
  }
}

TEST_CASE("Kaiming and Xavier bounds, torch-default Linear init ranges") {
  Rng gen(4);
  Tensor w = Tensor::zeros({64, 100});
  nn::kaiming_uniform_(w, gen);
  const double bound = std::sqrt(6.0 / 100.0);
  CHECK(max(abs(w)).item() <= bound);
  CHECK(max(abs(w)).item() > 0.9 * bound);
  nn::xavier_uniform_(w, gen, 1.0);
  CHECK(max(abs(w)).item() <= std::sqrt(6.0 / 164.0));
  nn::Linear lin(100, 64, gen);
  CHECK(max(abs(lin.weight)).item() <= 0.1 + 1e-7);  // 1 / sqrt(fan_in)
  CHECK(max(abs(lin.bias)).item() <= 0.1 + 1e-7);
  CHECK(lin.weight.requires_grad());
  CHECK_THROWS_AS(nn::orthogonal_(lin.bias, gen), ShapeError);
}

TEST_CASE("MLP builder: layers, names, clone, copy and Polyak averaging") {
  Rng gen(5);
  nn::Sequential net = nn::mlp({4, 64, 64, 2}, gen, {.hidden = nn::Activation::Tanh});
  CHECK(net.size() == 5);  // Linear tanh Linear tanh Linear
  CHECK(net.parameters().size() == 6);
  CHECK(net.parameter_names() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"});
  CHECK(net.forward(Tensor::zeros({3, 4})).shape() == Shape{3, 2});
  CHECK_THROWS_WITH(net.forward(Tensor::zeros({3, 5})), Contains("linear") && Contains("(3, 5)"));

  nn::Sequential target = net.clone();
  const auto src = net.parameters(), dst = target.parameters();
  CHECK(dst[0].data<float>() != src[0].data<float>());
  CHECK(dst[0].to_vector<float>() == src[0].to_vector<float>());
  {
    NoGradGuard no_grad;
    Tensor w = src[0];
    w.fill_(1.0f);
  }
  nn::Sequential fresh = nn::mlp({4, 64, 64, 2}, gen);
  const auto f = fresh.parameters();
  const std::vector<float> old = f[0].to_vector<float>();
  nn::polyak_update(src, f, 0.25);
  const std::vector<float> now = f[0].to_vector<float>();
  for (std::size_t i = 0; i < old.size(); ++i) CHECK(now[i] == Approx(0.75f * old[i] + 0.25f).margin(1e-6));
  nn::copy_parameters(src, f);
  CHECK(f[0].to_vector<float>() == src[0].to_vector<float>());
  nn::Sequential other = nn::mlp({4, 32, 2}, gen);
  CHECK_THROWS_AS(nn::copy_parameters(src, other.parameters()), ShapeError);
}

TEST_CASE("Sequential::to: a deep copy on the device (CPU here), parameters still trainable") {
  Rng gen(6);
  const nn::Sequential net = nn::mlp({3, 8, 2}, gen);
  const nn::Sequential moved = net.to(Device::cpu());
  const auto a = net.parameters(), b = moved.parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(b[i].impl() != a[i].impl());
    CHECK(b[i].data<float>() != a[i].data<float>());
    CHECK(b[i].to_vector<float>() == a[i].to_vector<float>());
    CHECK(b[i].requires_grad());
    CHECK(b[i].is_leaf());
  }
  if (!cuda_available()) CHECK_THROWS_AS(net.to(Device::cuda()), DeviceError);
}

TEST_CASE("clip_grad_norm scales to the max norm and returns the norm before") {
  Tensor a = Tensor::from_data({3.0f, 0.0f}, {2});
  Tensor b = Tensor::from_data({4.0f}, {1});
  a.requires_grad_();
  b.requires_grad_();
  a.set_grad(Tensor::from_data({3.0f, 0.0f}, {2}));
  b.set_grad(Tensor::from_data({4.0f}, {1}));
  std::vector<Tensor> ps{a, b};
  CHECK(optim::clip_grad_norm(ps, 1.0) == Approx(5.0));
  CHECK(a.grad().to_vector<float>()[0] == Approx(0.6f).epsilon(1e-5));
  CHECK(b.grad().to_vector<float>()[0] == Approx(0.8f).epsilon(1e-5));
  CHECK(optim::clip_grad_norm(ps, 10.0) == Approx(1.0).epsilon(1e-5));  // no change below the max
  CHECK(b.grad().to_vector<float>()[0] == Approx(0.8f).epsilon(1e-5));
}

TEST_CASE("learning-rate schedules") {
  const auto c = optim::LrSchedule::constant(3e-4);
  CHECK(c.at(0) == 3e-4);
  CHECK(c.at(1000000) == 3e-4);
  const auto l = optim::LrSchedule::linear(1e-3, 0.0, 100);
  CHECK(l.at(0) == Approx(1e-3));
  CHECK(l.at(50) == Approx(5e-4));
  CHECK(l.at(100) == Approx(0.0).margin(1e-15));
  CHECK(l.at(200) == Approx(0.0).margin(1e-15));
  CHECK_THROWS_AS(optim::LrSchedule::linear(1, 0, 0), std::invalid_argument);
}

TEST_CASE("an MLP fits a smooth 2-D regression to MSE < 0.005") {
  Rng gen(11);
  const std::int64_t n = 256;
  Tensor x = Tensor::rand({n, 2}, gen, -2.0, 2.0);
  std::vector<float> yv(n);
  const float* xp = x.data<float>();
  for (std::int64_t i = 0; i < n; ++i) yv[i] = std::sin(xp[2 * i]) + 0.5f * xp[2 * i + 1] * xp[2 * i + 1] - 1.0f;
  Tensor y = Tensor::from_data(std::span<const float>(yv), {n, 1});
  nn::Sequential net = nn::mlp({2, 64, 64, 1}, gen, {.hidden = nn::Activation::Tanh});
  optim::Adam opt(net.parameters(), {.lr = 1e-2});
  const double initial = mse_loss(net.forward(x), y).item();
  double loss = initial;
  for (int step = 0; step < 1500; ++step) {
    opt.zero_grad();
    Tensor l = mse_loss(net.forward(x), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  INFO("initial " << initial << " final " << loss);
  CHECK(loss < 0.005);
}

TEST_CASE("an MLP classifies XOR quadrants plus a centre disc: cross-entropy < 0.1, accuracy > 97%") {
  Rng gen(12);
  const std::int64_t n = 512;
  Tensor x = Tensor::rand({n, 2}, gen, -1.0, 1.0);
  std::vector<std::int64_t> labels(n);
  const float* xp = x.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const float a = xp[2 * i], b = xp[2 * i + 1];
    labels[i] = (a * a + b * b < 0.16f) ? 2 : ((a > 0) != (b > 0) ? 1 : 0);
  }
  Tensor target = Tensor::from_data(std::span<const std::int64_t>(labels), {n, 1});
  nn::Sequential net = nn::mlp({2, 64, 64, 3}, gen, {.hidden = nn::Activation::ReLU, .init = nn::Init::Orthogonal,
                                                      .hidden_gain = std::sqrt(2.0), .output_gain = 1.0});
  optim::Adam opt(net.parameters(), {.lr = 1e-2});
  double loss = 0;
  for (int step = 0; step < 1500; ++step) {
    opt.zero_grad();
    Tensor l = -mean(gather(log_softmax(net.forward(x), -1), 1, target));
    l.backward();
    opt.step();
    loss = l.item();
  }
  NoGradGuard no_grad;
  const Tensor logits = net.forward(x);
  const Tensor best = max(logits, 1, true);
  const Tensor picked = gather(logits, 1, target);
  const double accuracy = mean(eq(picked, best)).item();
  INFO("loss " << loss << " accuracy " << accuracy);
  CHECK(loss < 0.1);
  CHECK(accuracy > 0.97);
}

TEST_CASE("a small CNN (conv, relu, flatten, linear) learns where the bright pixel is") {
  Rng gen(13);
  const std::int64_t n = 128;
  // 1-channel 6x6 images with one lit pixel; label = its quadrant (0..3).
  std::vector<float> img(n * 36, 0.0f);
  std::vector<std::int64_t> label(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::int64_t>(gen.below(6)), c = static_cast<std::int64_t>(gen.below(6));
    img[i * 36 + r * 6 + c] = 1.0f;
    label[i] = (r >= 3 ? 2 : 0) + (c >= 3 ? 1 : 0);
  }
  const Tensor x = Tensor::from_data(std::span<const float>(img), {n, 1, 6, 6});
  const Tensor y = Tensor::from_data(std::span<const std::int64_t>(label), {n, 1});
  nn::Sequential net;
  net.add(nn::Conv2d(1, 8, {3, 3}, gen, {1, 1}, {1, 1}))
      .add(nn::Activation::ReLU)
      .add(nn::Conv2d(8, 8, {3, 3}, gen, {2, 2}, {1, 1}))
      .add(nn::Activation::ReLU)
      .add(nn::Flatten{})
      .add(nn::Linear(8 * 3 * 3, 4, gen));
  CHECK(net.forward(x).shape() == Shape{n, 4});
  CHECK(net.parameter_names() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"});
  nn::Sequential copy = net.clone();
  CHECK(copy.forward(x).to_vector<float>() == net.forward(x).to_vector<float>());
  optim::Adam opt(net.parameters(), {.lr = 1e-2});
  double loss = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor l = -mean(gather(log_softmax(net.forward(x), -1), 1, y));
    l.backward();
    opt.step();
    loss = l.item();
  }
  NoGradGuard no_grad;
  const Tensor logits = net.forward(x);
  const double accuracy = mean(eq(gather(logits, 1, y), max(logits, 1, true))).item();
  INFO("loss " << loss << " accuracy " << accuracy);
  CHECK(loss < 0.1);
  CHECK(accuracy > 0.97);
}

TEST_CASE("concurrent no-grad inference on a shared network from TBB tasks matches serial") {
  Rng gen(21);
  nn::Sequential net = nn::mlp({8, 64, 64, 4}, gen);
  const Tensor x = Tensor::randn({256, 8}, gen);
  std::vector<std::vector<float>> serial(32), parallel(32);
  {
    NoGradGuard no_grad;
    for (int i = 0; i < 32; ++i) serial[i] = net.forward(x.slice_rows(i * 8, i * 8 + 8)).to_vector<float>();
  }
  // Grad mode is per thread: each task sets its own guard. Outputs made on worker threads are
  // released on the main thread (the pool takes blocks back on any thread).
  std::vector<Tensor> outs(32);
  tbb::parallel_for(0, 32, [&](int i) {
    NoGradGuard no_grad;
    outs[i] = net.forward(x.slice_rows(i * 8, i * 8 + 8));
    parallel[i] = outs[i].to_vector<float>();
  });
  outs.clear();
  for (int i = 0; i < 32; ++i) CHECK(parallel[i] == serial[i]);
}

TEST_CASE("an MLP with fused linear+relu has the gradients of linear, relu, linear, ... bit for bit") {
  Rng gen(31);
  nn::Sequential net = nn::mlp({5, 16, 16, 3}, gen, {.hidden = nn::Activation::ReLU});
  const std::vector<Tensor> ps = net.parameters();
  const Tensor x = Tensor::randn({40, 5}, gen), r = Tensor::randn({40, 3}, gen);
  // The relu derivatives are folded into the GEMMs that make the hidden gradients; written
  // out op by op they are separate passes. Both must give the same bits, also when a hidden
  // activation has a second consumer (its gradient is then a sum the relu still has to mask).
  for (bool second_use : {false, true}) {
    for (const Tensor& p : ps) {
      Tensor q = p;
      q.zero_grad();
    }
    const Tensor h1 = linear(x, ps[0], ps[1], OpKind::Relu);
    const Tensor h2 = linear(h1, ps[2], ps[3], OpKind::Relu);
    Tensor loss = sum(linear(h2, ps[4], ps[5]) * r);
    if (second_use) loss = loss + sum(h1 * 0.5);
    loss.backward();
    std::vector<std::vector<float>> fused;
    for (const Tensor& p : ps) fused.push_back(p.grad().to_vector<float>());
    for (const Tensor& p : ps) {
      Tensor q = p;
      q.zero_grad();
    }
    const Tensor u1 = relu(linear(x, ps[0], ps[1]));
    const Tensor u2 = relu(linear(u1, ps[2], ps[3]));
    Tensor loss2 = sum(linear(u2, ps[4], ps[5]) * r);
    if (second_use) loss2 = loss2 + sum(u1 * 0.5);
    loss2.backward();
    for (std::size_t i = 0; i < ps.size(); ++i) {
      INFO("parameter " << i << " second use " << second_use);
      CHECK(ps[i].grad().to_vector<float>() == fused[i]);
    }
  }
}
