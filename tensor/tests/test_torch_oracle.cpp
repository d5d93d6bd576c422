// LibTorch as the oracle: every op case's forward values and input gradients against torch's, in
// float32 and float64; and one Adam step against torch::optim::Adam. Built only with LibTorch.
#include <catch.hpp>

#include <torch/torch.h>

#include <map>
#include <sstream>

#include "op_cases.hpp"
#include "tensor/optim/optimizers.hpp"

namespace rt = rlforge::tensor;
using rt::testing::OpCase;

namespace {

using TV = const std::vector<torch::Tensor>&;

// The torch spelling of each case in op_cases.hpp (same name).
const std::map<std::string, std::function<torch::Tensor(TV)>>& torch_cases() {
  static const std::map<std::string, std::function<torch::Tensor(TV)>> m = {
      {"add", [](TV x) { return x[0] + x[1]; }},
      {"add_bcast_row", [](TV x) { return x[0] + x[1]; }},
      {"add_bcast_both", [](TV x) { return x[0] + x[1]; }},
      {"sub_bcast", [](TV x) { return x[0] - x[1]; }},
      {"mul_bcast", [](TV x) { return x[0] * x[1]; }},
      {"mul_scalar", [](TV x) { return x[0] * 2.5 + 1.0; }},
      {"div", [](TV x) { return x[0] / x[1]; }},
      {"rdiv_scalar", [](TV x) { return torch::reciprocal(x[0]) * 2.0; }},
      {"pow_tensor", [](TV x) { return torch::pow(x[0], x[1]); }},
      {"minimum", [](TV x) { return torch::minimum(x[0], x[1]); }},
      {"maximum_bcast", [](TV x) { return torch::maximum(x[0], x[1]); }},
      {"neg", [](TV x) { return -x[0]; }},
      {"exp", [](TV x) { return torch::exp(x[0]); }},
      {"log", [](TV x) { return torch::log(x[0]); }},
      {"sqrt", [](TV x) { return torch::sqrt(x[0]); }},
      {"abs", [](TV x) { return torch::abs(x[0]); }},
      {"pow_2", [](TV x) { return torch::pow(x[0], 2.0); }},
      {"pow_3", [](TV x) { return torch::pow(x[0], 3.0); }},
      {"pow_half", [](TV x) { return torch::pow(x[0], 0.5); }},
      {"clamp", [](TV x) { return torch::clamp(x[0], -1.0, 1.5); }},
      {"relu", [](TV x) { return torch::relu(x[0]); }},
      {"leaky_relu", [](TV x) { return torch::leaky_relu(x[0], 0.1); }},
      {"elu", [](TV x) { return torch::elu(x[0], 1.3); }},
      {"tanh", [](TV x) { return torch::tanh(x[0]); }},
      {"sigmoid", [](TV x) { return torch::sigmoid(x[0]); }},
      {"softplus", [](TV x) { return torch::softplus(x[0]); }},
      {"sum_all", [](TV x) { return x[0].sum(); }},
      {"sum_axis0", [](TV x) { return x[0].sum(0); }},
      {"sum_axis1_keep", [](TV x) { return x[0].sum(1, true); }},
      {"sum_axes02", [](TV x) { return x[0].sum(std::vector<int64_t>{0, 2}); }},
      {"mean_all", [](TV x) { return x[0].mean(); }},
      {"mean_axis_neg1_keep", [](TV x) { return x[0].mean(-1, true); }},
      {"max_axis1", [](TV x) { return std::get<0>(x[0].max(1)); }},
      {"max_axis0_keep", [](TV x) { return std::get<0>(x[0].max(0, true)); }},
      {"max_all", [](TV x) { return x[0].max(); }},
      {"softmax_last", [](TV x) { return torch::softmax(x[0], -1); }},
      {"softmax_axis1_3d", [](TV x) { return torch::softmax(x[0], 1); }},
      {"log_softmax_last", [](TV x) { return torch::log_softmax(x[0], -1); }},
      {"log_softmax_axis0", [](TV x) { return torch::log_softmax(x[0], 0); }},
      {"matmul", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"matmul_at", [](TV x) { return torch::matmul(x[0].t(), x[1]); }},
      {"matmul_bt", [](TV x) { return torch::matmul(x[0], x[1].t()); }},
      {"matmul_at_bt", [](TV x) { return torch::matmul(x[0].t(), x[1].t()); }},
      {"matmul_batched", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"matmul_batched_shared_b", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"matmul_shared_a_batched", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"matmul_4d", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"matmul_batched_bt", [](TV x) { return torch::matmul(x[0], x[1].transpose(1, 2)); }},
      {"linear", [](TV x) { return torch::linear(x[0], x[1], x[2]); }},
      {"linear_batch1", [](TV x) { return torch::linear(x[0], x[1], x[2]); }},
      {"matmul_row_vector", [](TV x) { return torch::matmul(x[0], x[1]); }},
      {"linear_no_bias", [](TV x) { return torch::linear(x[0], x[1]); }},
      {"linear_xt", [](TV x) { return torch::linear(x[0].t(), x[1], x[2]); }},
      {"linear_relu", [](TV x) { return torch::relu(torch::linear(x[0], x[1], x[2])); }},
      {"linear_tanh", [](TV x) { return torch::tanh(torch::linear(x[0], x[1], x[2])); }},
      {"linear_sigmoid_no_bias", [](TV x) { return torch::sigmoid(torch::linear(x[0], x[1])); }},
      {"conv2d", [](TV x) { return torch::conv2d(x[0], x[1], x[2]); }},
      {"conv2d_stride2_pad1", [](TV x) { return torch::conv2d(x[0], x[1], x[2], {2, 2}, {1, 1}); }},
      {"conv2d_rect_no_bias", [](TV x) { return torch::conv2d(x[0], x[1], c10::optional<torch::Tensor>(), torch::IntArrayRef{1, 2}, torch::IntArrayRef{0, 1}); }},
      {"gather_q_sa", [](TV x) { return torch::gather(x[0], 1, x[1]); }},
      {"gather_axis0", [](TV x) { return torch::gather(x[0], 0, x[1]); }},
      {"gather_repeat", [](TV x) { return torch::gather(x[0], 1, x[1]); }},
      {"index_select_rows", [](TV x) { return torch::index_select(x[0], 0, torch::tensor({4, 0, 4, 2}, torch::kLong)); }},
      {"index_select_axis1_3d", [](TV x) { return torch::index_select(x[0], 1, torch::tensor({3, 1}, torch::kLong)); }},
      {"concat_axis0", [](TV x) { return torch::cat({x[0], x[1]}, 0); }},
      {"concat_axis1_three", [](TV x) { return torch::cat({x[0], x[1], x[2]}, 1); }},
      {"stack_axis1", [](TV x) { return torch::stack({x[0], x[1]}, 1); }},
      {"reshape", [](TV x) { return x[0].reshape({3, 4}) * x[0].reshape({3, 4}); }},
      {"transpose_3d", [](TV x) { return x[0].transpose(0, 2) * 1.5; }},
      {"narrow", [](TV x) { return x[0].narrow(1, 1, 3) * 2.0; }},
      {"slice_rows", [](TV x) { return torch::exp(x[0].slice(0, 1, 3)); }},
      {"contiguous_of_t", [](TV x) { return x[0].t().contiguous().reshape({12}); }},
      {"where_mask", [](TV x) { return torch::where(x[0] > x[1], x[0] * x[1], x[1] - x[0]); }},
      {"where_bcast", [](TV x) { return torch::where(x[0] > 0, x[0], x[1]); }},
      {"mse_loss", [](TV x) { return torch::mse_loss(x[0], x[1]); }},
      {"huber_loss", [](TV x) { return torch::huber_loss(x[0], x[1], at::Reduction::Mean, 1.0); }},
      {"huber_loss_delta", [](TV x) { return torch::huber_loss(x[0], x[1], at::Reduction::Mean, 0.5); }},
      {"mul_4d_bcast", [](TV x) { return x[0] * x[1]; }},
      {"exp_of_transposed", [](TV x) { return torch::exp(x[0].t()); }},
      {"div_of_narrowed", [](TV x) { return x[0].narrow(1, 2, 2) / x[1]; }},
      {"sum_of_transposed_axis1", [](TV x) { return x[0].t().sum(1); }},
      {"max_of_narrowed", [](TV x) { return std::get<0>(x[0].narrow(1, 1, 4).max(1, true)); }},
      {"softmax_of_transposed", [](TV x) { return torch::softmax(x[0].t(), -1); }},
      {"gather_of_transposed", [](TV x) { return torch::gather(x[0].t(), 1, x[1]); }},
      {"mse_of_transposed", [](TV x) { return torch::mse_loss(x[0].t(), x[1]); }},
      {"where_of_views", [](TV x) { return torch::where(x[0] < x[1].t(), x[0], x[1].t() * 2.0); }},
      {"logp_of_action", [](TV x) { return torch::gather(torch::log_softmax(x[0], -1), 1, x[1]); }},
      {"mlp_tanh", [](TV x) { return torch::linear(torch::tanh(torch::linear(x[0], x[1], x[2])), x[3]); }},
  };
  return m;
}

torch::Tensor to_torch(const rt::Tensor& t) {
  std::vector<int64_t> dims(t.shape().begin(), t.shape().end());
  switch (t.dtype()) {
    case rlforge::DType::float32: {
      auto v = t.to_vector<float>();
      return torch::from_blob(v.data(), dims, torch::kFloat32).clone();
    }
    case rlforge::DType::float64: {
      auto v = t.to_vector<double>();
      return torch::from_blob(v.data(), dims, torch::kFloat64).clone();
    }
    case rlforge::DType::int64: {
      auto v = t.to_vector<std::int64_t>();
      return torch::from_blob(v.data(), dims, torch::kInt64).clone();
    }
    default: break;  // tensors hold no other dtype
  }
  throw std::logic_error("to_torch: unexpected dtype " + std::string(rlforge::dtype_name(t.dtype())));
}

// Compares values elementwise: |ours - torch| <= atol + rtol |torch|; reports the first misses.
void expect_close(const std::string& what, const rt::Tensor& ours, const torch::Tensor& ref, double atol,
                  double rtol) {
  std::vector<int64_t> dims(ours.shape().begin(), ours.shape().end());
  INFO(what);
  REQUIRE(ref.sizes().vec() == dims);
  const std::vector<double> a = ours.to_vector<double>();
  const torch::Tensor r = ref.to(torch::kFloat64).contiguous();
  const double* b = r.data_ptr<double>();
  int bad = 0;
  std::ostringstream msg;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(std::abs(a[i] - b[i]) <= atol + rtol * std::abs(b[i]))) {
      if (bad < 3) msg << " [" << i << "] ours " << a[i] << " torch " << b[i];
      ++bad;
    }
  }
  if (bad) FAIL(what << ": " << bad << " of " << a.size() << " values differ:" << msg.str());
}

void run_case(const OpCase& c, rlforge::DType dt, double atol, double rtol) {
  rlforge::Rng gen(99);
  std::vector<rt::Tensor> xs;
  std::vector<torch::Tensor> ts;
  for (const auto& in : c.inputs) {
    rt::Tensor t = rt::testing::make_input(in, gen, dt);
    torch::Tensor tt = to_torch(t);
    if (t.dtype() != rlforge::DType::int64) {
      t.requires_grad_();
      tt.requires_grad_(true);
    }
    xs.push_back(t);
    ts.push_back(tt);
  }
  const auto it = torch_cases().find(c.name);
  REQUIRE(it != torch_cases().end());
  rt::Tensor y = c.ours(xs);
  torch::Tensor ty = it->second(ts);
  expect_close(c.name + " forward", y, ty, atol, rtol);
  const rt::Tensor seed = rt::Tensor::randn(y.shape(), gen, dt);
  rt::sum(y * seed).backward();
  (ty * to_torch(seed)).sum().backward();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].dtype() == rlforge::DType::int64) continue;
    expect_close(c.name + " grad of input " + std::to_string(i), xs[i].grad(), ts[i].grad(), atol, rtol);
  }
}

}  // namespace

TEST_CASE("every op case matches LibTorch, forward and backward, in float64") {
  torch::set_num_threads(1);
  for (const OpCase& c : rt::testing::op_cases()) {
    SECTION(c.name) { run_case(c, rlforge::DType::float64, 1e-12, 1e-10); }
  }
}

TEST_CASE("every op case matches LibTorch, forward and backward, in float32") {
  torch::set_num_threads(1);
  for (const OpCase& c : rt::testing::op_cases()) {
    SECTION(c.name) { run_case(c, rlforge::DType::float32, 1e-5, 1e-4); }
  }
}

TEST_CASE("the torch table has exactly the op cases") {
  CHECK(torch_cases().size() == rt::testing::op_cases().size());
}

namespace {

// Runs `steps` optimizer steps on both sides with the same parameters and gradients (fresh
// random gradients each step) and compares the parameters after every step.
template <class Ours, class Theirs>
void compare_optimizer(rlforge::DType dt, double tol, Ours make_ours, Theirs make_theirs) {
  rlforge::Rng gen(2024);
  std::vector<rt::Tensor> ps;
  std::vector<torch::Tensor> tps;
  for (auto shape : {rlforge::Shape{4, 3}, rlforge::Shape{3}}) {
    rt::Tensor p = rt::Tensor::randn(shape, gen, dt);
    p.requires_grad_();
    ps.push_back(p);
    tps.push_back(to_torch(p).set_requires_grad(true));
  }
  auto ours = make_ours(ps);
  auto theirs = make_theirs(tps);
  for (int step = 0; step < 5; ++step) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      rt::Tensor g = rt::Tensor::randn(ps[i].shape(), gen, dt);
      ps[i].set_grad(g);
      tps[i].mutable_grad() = to_torch(g);
    }
    ours.step();
    theirs.step();
    for (std::size_t i = 0; i < ps.size(); ++i) {
      torch::NoGradGuard ng;
      expect_close("step " + std::to_string(step) + " parameter " + std::to_string(i), ps[i], tps[i].detach(), tol, tol);
    }
  }
}

}  // namespace

TEST_CASE("Adam steps equal torch::optim::Adam (with weight decay), float64 and float32") {
  for (auto [dt, tol] : {std::pair{rlforge::DType::float64, 1e-12}, std::pair{rlforge::DType::float32, 1e-6}}) {
    compare_optimizer(
        dt, tol,
        [](std::vector<rt::Tensor>& ps) {
          return rt::optim::Adam(ps, {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.05});
        },
        [](std::vector<torch::Tensor>& ps) {
          return torch::optim::Adam(
              ps, torch::optim::AdamOptions(0.01).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.05));
        });
  }
}

TEST_CASE("SGD with momentum (and Nesterov) equals torch::optim::SGD") {
  for (bool nesterov : {false, true}) {
    compare_optimizer(
        rlforge::DType::float64, 1e-12,
        [&](std::vector<rt::Tensor>& ps) {
          return rt::optim::Sgd(ps, {.lr = 0.1, .momentum = 0.9, .dampening = 0.0, .weight_decay = 0.01,
                                     .nesterov = nesterov});
        },
        [&](std::vector<torch::Tensor>& ps) {
          return torch::optim::SGD(
              ps, torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(0.01).nesterov(nesterov));
        });
  }
}

TEST_CASE("clip_grad_norm equals torch::nn::utils::clip_grad_norm_") {
  rlforge::Rng gen(8);
  std::vector<rt::Tensor> ps;
  std::vector<torch::Tensor> tps;
  for (auto shape : {rlforge::Shape{5, 4}, rlforge::Shape{4}}) {
    rt::Tensor p = rt::Tensor::randn(shape, gen, rlforge::DType::float64);
    p.requires_grad_();
    rt::Tensor g = rt::Tensor::randn(shape, gen, rlforge::DType::float64);
    p.set_grad(g);
    torch::Tensor tp = to_torch(p).set_requires_grad(true);
    tp.mutable_grad() = to_torch(g);
    ps.push_back(p);
    tps.push_back(tp);
  }
  const double ours = rt::optim::clip_grad_norm(ps, 0.5);
  const double theirs = torch::nn::utils::clip_grad_norm_(tps, 0.5);
  CHECK(ours == Approx(theirs).epsilon(1e-12));
  for (std::size_t i = 0; i < ps.size(); ++i) expect_close("clipped grad", ps[i].grad(), tps[i].grad(), 1e-12, 1e-12);
}

TEST_CASE("argmax equals torch.argmax on random data, any axis, keepdim") {
  rlforge::Rng gen(17);
  for (int axis : {0, 1, 2, -1}) {
    for (bool keep : {false, true}) {
      const rt::Tensor x = rt::Tensor::randn({3, 4, 5}, gen);
      const auto ours = rt::argmax(x, axis, keep);
      const auto theirs = torch::argmax(to_torch(x), axis, keep);
      REQUIRE(theirs.sizes().vec() == std::vector<int64_t>(ours.shape().begin(), ours.shape().end()));
      const torch::Tensor t = theirs.contiguous();
      const auto v = ours.to_vector<std::int64_t>();
      for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == t.data_ptr<int64_t>()[i]);
    }
  }
}
