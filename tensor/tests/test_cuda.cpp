// GPU suite: every op case forward and backward on CUDA against the CPU reference (float32 and float64),
// transfers, device-mixing errors, the fused Adam/SGD, clipping, Polyak, a training loop, the
// allocator cache, index errors, distributions and serialization of CUDA tensors. Its own main
// exits 77 (ctest SKIP_RETURN_CODE: "Skipped") when no CUDA device is present, and fails when the
// CUDA library itself cannot be loaded (a broken build, not a missing GPU).
#define CATCH_CONFIG_RUNNER
#include <catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>

#include "op_cases.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/kernels/cuda_loader.hpp"
#include "tensor/distributions.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/optim/optimizers.hpp"
#include "tensor/serialization.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using rlforge::Shape;
using namespace rlforge::tensor::testing;
using Catch::Matchers::Contains;

int main(int argc, char** argv) {
  try {
    (void)kern::cuda_backend();
  } catch (const DeviceError& e) {
    std::printf("test_tensor_cuda: FAILED, %s\n", e.what());
    return 1;
  }
  if (!cuda_available()) {
    std::string why = "no CUDA device";
    try {
      (void)Tensor::ones({1}).to(Device::cuda());
    } catch (const std::exception& e) {
      why = e.what();
    }
    std::printf("test_tensor_cuda: SKIPPED, %s\n", why.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}

namespace {

const Device kGpu = Device::cuda(0);

// llm.c-style validation: |got - ref| <= atol + rtol |ref| everywhere; the first 5 mismatches
// are reported with their index and both values.
void expect_close(const Tensor& got, const Tensor& ref, double atol, double rtol, const std::string& what) {
  REQUIRE(got.defined());
  REQUIRE(ref.defined());
  REQUIRE(got.shape() == ref.shape());
  const std::vector<double> g = got.to_vector<double>(), r = ref.to_vector<double>();
  std::ostringstream bad;
  int n_bad = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const bool both_nan = std::isnan(g[i]) && std::isnan(r[i]);
    if (!both_nan && !(std::abs(g[i] - r[i]) <= atol + rtol * std::abs(r[i]))) {
      if (n_bad < 5) bad << "  [" << i << "] cuda " << g[i] << " cpu " << r[i] << "\n";
      ++n_bad;
    }
  }
  if (n_bad > 0) FAIL(what << ": " << n_bad << " of " << r.size() << " values differ\n" << bad.str());
}

struct Tol {
  double atol, rtol;
};
Tol tol_for(DType d) { return d == DType::float64 ? Tol{1e-10, 1e-9} : Tol{2e-5, 2e-4}; }

}  // namespace

namespace {

// One case on both devices in dtype dt: forward, then the backward of sum(y * r) for a random r.
void check_case(const OpCase& c, DType dt) {
  Rng gen(99);
  std::vector<Tensor> xs, gxs;
  for (const InputSpec& in : c.inputs) {
    Tensor t = make_input(in, gen, dt);
    Tensor g = t.to(kGpu);
    REQUIRE(g.device() == kGpu);
    if (t.dtype() != DType::int64) {
      t.requires_grad_();
      g.requires_grad_();
    }
    xs.push_back(t);
    gxs.push_back(g);
  }
  const Tensor y = c.ours(xs);
  const Tensor gy = c.ours(gxs);
  REQUIRE(gy.device() == kGpu);
  const Tol tol = tol_for(dt);
  expect_close(gy, y, tol.atol, tol.rtol, c.name + " forward");
  const Tensor r = Tensor::randn(y.shape(), gen, dt);
  sum(y * r).backward();
  sum(gy * r.to(kGpu)).backward();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].dtype() == DType::int64) continue;
    REQUIRE(gxs[i].grad().device() == kGpu);
    expect_close(gxs[i].grad(), xs[i].grad(), tol.atol, tol.rtol, c.name + " grad of input " + std::to_string(i));
  }
}

// op_cases.hpp's cases are at most ~180 elements: one block each. These need several blocks
// (kThreads = 256 per block), more than one grid-stride pass (the grid is capped at 65535 blocks:
// over 65535 * 256 = 16,776,960 elements), reductions with many output blocks (more than 65535
// outputs: the block loop strides) and long reduced runs (many elements per thread of a
// 128-thread block), and row kernels over many blocks of rows.
const std::vector<OpCase>& large_cases() {
  using V = const std::vector<Tensor>&;
  static const std::vector<OpCase> cases = {
      {"add_bcast_1000x300", {{{1000, 300}}, {{300}}}, [](V x) { return x[0] + x[1]; }},
      {"mul_bcast_col_3x70000", {{{3, 70000}}, {{3, 1}}}, [](V x) { return x[0] * x[1]; }},
      {"tanh_grid_stride_4100x4100", {{{4100, 4100}, Domain::Wide}}, [](V x) { return tanh(x[0]); }},
      {"sum_all_1M", {{{1 << 20}}}, [](V x) { return sum(x[0]); }},
      {"mean_all_1M", {{{1 << 20}}}, [](V x) { return mean(x[0]); }},
      {"sum_rows_70000x3", {{{70000, 3}}}, [](V x) { return sum(x[0], 1); }},
      {"sum_long_rows_4x100000", {{{4, 100000}}}, [](V x) { return sum(x[0], 1); }},
      {"sum_axis0_5000x40", {{{5000, 40}}}, [](V x) { return sum(x[0], 0); }},
      {"max_axis0_5000x40", {{{5000, 40}}}, [](V x) { return max(x[0], 0); }},
      {"max_rows_70000x5", {{{70000, 5}}}, [](V x) { return max(x[0], 1); }},
      {"log_softmax_70000x4", {{{70000, 4}}}, [](V x) { return log_softmax(x[0], -1); }},
      {"softmax_axis0_300x700", {{{300, 700}}}, [](V x) { return softmax(x[0], 0); }},
      {"matmul_300x200x500", {{{300, 200}}, {{200, 500}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"gather_70000x4", {{{70000, 4}}, {{70000, 1}, Domain::Index4}}, [](V x) { return gather(x[0], 1, x[1]); }},
      {"mse_100000", {{{100000}}, {{100000}}}, [](V x) { return mse_loss(x[0], x[1]); }},
  };
  return cases;
}

}  // namespace

TEST_CASE("every op case: CUDA forward and backward match the CPU reference", "[cuda]") {
  for (DType dt : {DType::float32, DType::float64}) {
    for (const OpCase& c : op_cases()) {
      SECTION(c.name + (dt == DType::float32 ? " float32" : " float64")) { check_case(c, dt); }
    }
  }
}

TEST_CASE("large shapes: several blocks, grid-stride passes, multi-block reductions match the CPU", "[cuda]") {
  for (DType dt : {DType::float32, DType::float64}) {
    for (const OpCase& c : large_cases()) {
      SECTION(c.name + (dt == DType::float32 ? " float32" : " float64")) { check_case(c, dt); }
    }
  }
}

TEST_CASE("a thread that never allocated runs in-place ops, cuBLAS and copies on the tensors' device", "[cuda]") {
  // Before the fix only allocation made a device current, so these ran on device 0 whatever
  // the tensors' device; with one GPU this checks the path runs and gives the CPU's values.
  Rng gen(5);
  const Tensor a = Tensor::randn({33, 17}, gen), b = Tensor::randn({17, 9}, gen);
  const Tensor ga = a.to(kGpu), gb = b.to(kGpu);
  Tensor gdst = Tensor::zeros({33, 17}, DType::float32, kGpu);
  Tensor prod;
  std::thread worker([&] {
    NoGradGuard ng;
    gdst.fill_(2.0);                 // in place: no allocation on this thread
    gdst.copy_(ga);                  // in place, same device
    prod = matmul(ga, gb);           // cuBLAS handle made on this thread
    prod = prod.to(Device::cpu());   // copy to the host
  });
  worker.join();
  expect_close(prod, matmul(a, b), 2e-5, 2e-4, "matmul on a fresh thread");
  CHECK(gdst.to_vector<float>() == a.to_vector<float>());
}

TEST_CASE("transfers: round trips, views, dtypes, copy_ across devices, host access errors", "[cuda]") {
  Rng gen(3);
  const Tensor x = Tensor::randn({5, 7}, gen);
  const Tensor g = x.to(kGpu);
  CHECK(g.device() == kGpu);
  CHECK(g.to(Device::cpu()).to_vector<float>() == x.to_vector<float>());
  // A transposed view goes over as its values, contiguous.
  const Tensor gt_ = x.t().to(kGpu);
  CHECK(gt_.is_contiguous());
  CHECK(gt_.to_vector<float>() == x.t().to_vector<float>());
  // Device-side view then back.
  CHECK(g.narrow(1, 2, 3).to_vector<float>() == x.narrow(1, 2, 3).to_vector<float>());
  const Tensor idx = Tensor::from_data(std::vector<std::int64_t>{3, 0, 2}, {3});
  CHECK(idx.to(kGpu).to_vector<std::int64_t>() == idx.to_vector<std::int64_t>());
  CHECK(g.to(DType::float64).to_vector<double>() == x.to(DType::float64).to_vector<double>());
  Tensor dst = Tensor::zeros({5, 7}, DType::float32, kGpu);
  {
    NoGradGuard ng;
    dst.copy_(x);
  }
  CHECK(dst.to_vector<float>() == x.to_vector<float>());
  Tensor host = Tensor::zeros({7, 5});
  host.copy_(g.t());
  CHECK(host.to_vector<float>() == x.t().to_vector<float>());
  CHECK(sum(g).item() == Approx(sum(x).item()).epsilon(1e-5));
  CHECK_THROWS_AS(g.data<float>(), DeviceError);
  CHECK(Tensor::full({2, 2}, 3.5, DType::float32, kGpu).to_vector<float>() == std::vector<float>(4, 3.5f));
}

TEST_CASE("comparisons, argmax, where and int64 conversion on CUDA match the CPU", "[cuda]") {
  Rng gen(4);
  Tensor x = Tensor::randn({6, 5}, gen), y = Tensor::randn({6, 5}, gen);
  x.data<float>()[7] = y.data<float>()[7];  // one tie for eq/le/ge
  const Tensor gx = x.to(kGpu), gy = y.to(kGpu);
  for (auto op : {eq, ne, lt, le, gt, ge}) CHECK(op(gx, gy).to_vector<float>() == op(x, y).to_vector<float>());
  CHECK(argmax(gx, 1).to_vector<std::int64_t>() == argmax(x, 1).to_vector<std::int64_t>());
  CHECK(argmax(gx, 0, true).to_vector<std::int64_t>() == argmax(x, 0, true).to_vector<std::int64_t>());
  CHECK(where(gt(gx, gy), gx, gy).to_vector<float>() == where(gt(x, y), x, y).to_vector<float>());
  const Tensor idx = Tensor::from_data(std::vector<std::int64_t>{5, -2, 7}, {3});
  CHECK(idx.to(kGpu).to(DType::float32).to_vector<float>() == std::vector<float>{5, -2, 7});
}

TEST_CASE("mixing devices throws DeviceError naming the op, the devices and the shapes", "[cuda]") {
  const Tensor a = Tensor::ones({2, 3}), b = Tensor::ones({2, 3}, DType::float32, kGpu);
  CHECK_THROWS_WITH(add(a, b), Contains("add") && Contains("cpu") && Contains("cuda:0") && Contains("(2, 3)"));
  CHECK_THROWS_AS(matmul(a, b.t()), DeviceError);
  CHECK_THROWS_AS(concat({a, b}, 0), DeviceError);
  const Tensor i = Tensor::from_data(std::vector<std::int64_t>{0, 1}, {2, 1});
  CHECK_THROWS_AS(gather(b, 1, i), DeviceError);
  CHECK_THROWS_AS(linear(b, Tensor::ones({4, 3}), Tensor()), DeviceError);
}

TEST_CASE("transfers are not recorded: leaves keep requires_grad, tensors with history refuse", "[cuda]") {
  Tensor w = Tensor::ones({3});
  w.requires_grad_();
  const Tensor gw = w.to(kGpu);
  CHECK(gw.requires_grad());
  CHECK(gw.is_leaf());
  const Tensor y = w * 2.0;
  CHECK_THROWS_AS(y.to(kGpu), AutogradError);
  NoGradGuard ng;
  CHECK(y.to(kGpu).to_vector<float>() == std::vector<float>{2, 2, 2});
}

TEST_CASE("an out-of-range gather/index_select index on CUDA throws the CPU's ShapeError", "[cuda]") {
  const Tensor x = Tensor::ones({3, 4}, DType::float32, kGpu);
  const Tensor bad = Tensor::from_data(std::vector<std::int64_t>{0, 9, 1}, {3, 1}).to(kGpu);
  CHECK_THROWS_WITH(gather(x, 1, bad), Contains("index 9") && Contains("out of range"));
  const Tensor rows = Tensor::from_data(std::vector<std::int64_t>{2, -1}, {2}).to(kGpu);
  CHECK_THROWS_WITH(index_select(x, 0, rows), Contains("index -1"));
}

TEST_CASE("finite check on CUDA names the op and the index", "[cuda]") {
  const Tensor x = Tensor::from_data({1.0f, -1.0f, 2.0f}, {3}).to(kGpu);
  CHECK_THROWS_WITH(check_finite(log(x), "log"), Contains("index 1"));
  set_finite_check(true);
  CHECK_THROWS_WITH(log(x), Contains("'log'") && Contains("flat index 1"));
  set_finite_check(false);
}

TEST_CASE("fused Adam and SGD on CUDA match the CPU steps; clipping and Polyak too", "[cuda]") {
  for (DType dt : {DType::float32, DType::float64}) {
    Rng gen(11);
    const Tol tol = tol_for(dt);
    std::vector<Tensor> cp, gp;
    for (const Shape& s : {Shape{64, 17}, Shape{64}, Shape{3, 64}}) {
      Tensor p = Tensor::randn(s, gen, dt);
      p.requires_grad_();
      Tensor q = p.to(kGpu);
      cp.push_back(p);
      gp.push_back(q);
    }
    optim::Adam a_cpu(cp, {.lr = 3e-3, .weight_decay = 0.01}), a_gpu(gp, {.lr = 3e-3, .weight_decay = 0.01});
    for (int step = 0; step < 5; ++step) {
      for (std::size_t i = 0; i < cp.size(); ++i) {
        const Tensor g = Tensor::randn(cp[i].shape(), gen, dt) * 3.0;
        cp[i].set_grad(g);
        gp[i].set_grad(g.to(kGpu));
      }
      CHECK(optim::clip_grad_norm(gp, 1.0) == Approx(optim::clip_grad_norm(cp, 1.0)).epsilon(1e-5));
      a_cpu.step();
      a_gpu.step();
    }
    for (std::size_t i = 0; i < cp.size(); ++i) expect_close(gp[i], cp[i], tol.atol, tol.rtol, "adam param");
    optim::Sgd s_cpu(cp, {.lr = 0.1, .momentum = 0.9}), s_gpu(gp, {.lr = 0.1, .momentum = 0.9});
    for (int step = 0; step < 3; ++step) {
      s_cpu.step();
      s_gpu.step();
    }
    for (std::size_t i = 0; i < cp.size(); ++i) expect_close(gp[i], cp[i], tol.atol, tol.rtol, "sgd param");
    std::vector<Tensor> ct, gt_;
    for (const Tensor& p : cp) {
      ct.push_back(Tensor::zeros(p.shape(), dt));
      gt_.push_back(Tensor::zeros(p.shape(), dt, kGpu));
    }
    nn::polyak_update(cp, ct, 0.05);
    nn::polyak_update(gp, gt_, 0.05);
    for (std::size_t i = 0; i < cp.size(); ++i) expect_close(gt_[i], ct[i], tol.atol, tol.rtol, "polyak target");
  }
}

TEST_CASE("an MLP trained on CUDA follows the CPU run; the allocator stops calling cudaMalloc", "[cuda]") {
  Rng gen(5);
  const nn::Sequential net = nn::mlp({8, 64, 64, 4}, gen);
  const nn::Sequential gnet = net.to(kGpu);
  for (const Tensor& p : gnet.parameters()) CHECK(p.device() == kGpu);
  optim::Adam oc(net.parameters(), {.lr = 1e-3}), og(gnet.parameters(), {.lr = 1e-3});
  const Tensor x = Tensor::randn({64, 8}, gen), t = Tensor::randn({64, 4}, gen);
  const Tensor gx = x.to(kGpu), gtg = t.to(kGpu);
  auto step = [&](const nn::Sequential& n, optim::Adam& o, const Tensor& in, const Tensor& target) {
    o.zero_grad();
    Tensor loss = huber_loss(n.forward(in), target);
    loss.backward();
    o.step();
    return loss.item();
  };
  for (int i = 0; i < 3; ++i) CHECK(step(gnet, og, gx, gtg) == Approx(step(net, oc, x, t)).epsilon(1e-4));
  const std::uint64_t before = kern::cuda_backend().device_cache_stats().driver_allocs;
  for (int i = 0; i < 20; ++i) CHECK(step(gnet, og, gx, gtg) == Approx(step(net, oc, x, t)).epsilon(1e-3));
  CHECK(kern::cuda_backend().device_cache_stats().driver_allocs == before);
  const auto cp = net.parameters(), gp = gnet.parameters();
  // Loose on purpose: Adam divides by sqrt(v), so float32 rounding differences in near-zero gradients
  // (cuBLAS vs our GEMM summation order) become up-to-lr differences per step.
  for (std::size_t i = 0; i < cp.size(); ++i) expect_close(gp[i], cp[i], 5e-3, 1e-2, "trained parameter");
}

TEST_CASE("distributions and serialization with CUDA tensors", "[cuda]") {
  Rng g1(8), g2(8);
  const Tensor logits = Tensor::randn({6, 4}, g1);
  const dist::Categorical c(logits), gc(logits.to(kGpu));
  Rng s1(21), s2(21);
  const Tensor a = c.sample(s1), ga = gc.sample(s2);
  CHECK(ga.device() == kGpu);
  CHECK(ga.to_vector<std::int64_t>() == a.to_vector<std::int64_t>());
  expect_close(gc.log_prob(ga), c.log_prob(a), 2e-6, 2e-5, "categorical log_prob");
  CHECK(gc.mode().to_vector<std::int64_t>() == c.mode().to_vector<std::int64_t>());

  const std::string path = (std::filesystem::temp_directory_path() / "rlforge_cuda_tensors.bin").string();
  const Tensor w = logits.to(kGpu);
  save_tensors(path, std::vector<NamedTensor>{{"w", w}});
  const std::vector<NamedTensor> back = load_tensors(path);
  CHECK(back.at(0).value.to_vector<float>() == logits.to_vector<float>());
  Tensor into = Tensor::zeros({6, 4}, DType::float32, kGpu);
  load_tensors_into(path, std::vector<NamedTensor>{{"w", into}});
  CHECK(into.to_vector<float>() == logits.to_vector<float>());
  std::filesystem::remove(path);
}
