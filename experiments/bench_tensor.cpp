// bench_tensor: rlforge's tensor library side by side with LibTorch (1 thread) in one process --
// per-op dispatch, MLP forward / forward+backward / +Adam at RL sizes, conv torsos (MinAtar,
// CarRacing) forward and forward+backward+Adam, and GEMM GFLOP/s; then, when
// a CUDA device is present, our CUDA path against our CPU path (Debian's LibTorch has no CUDA).
// Usage: bench_tensor [--quick]. Prints Markdown tables with time ratios (torch / ours).
#include <tbb/info.h>
#include <tbb/task_arena.h>
#if RLFORGE_BENCH_TORCH
#include <torch/torch.h>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/isa.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/nn/mlp.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"

namespace rt = rlforge::tensor;

namespace {

bool g_quick = false;

// Median over repeats of the mean time per call of f, in microseconds.
double time_us(const std::function<void()>& f, int calls) {
  if (g_quick) calls = std::max(1, calls / 10);
  for (int i = 0; i < std::max(3, calls / 10); ++i) f();  // warm up pools and caches
  std::vector<double> reps;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f();
    const auto t1 = std::chrono::steady_clock::now();
    reps.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / calls);
  }
  std::sort(reps.begin(), reps.end());
  return reps[reps.size() / 2];
}

void row(const std::string& name, double ours, double torch_us, const char* unit = "us") {
  std::printf("| %-44s | %10.3f %s | %10.3f %s | %7.1fx |\n", name.c_str(), ours, unit, torch_us, unit, torch_us / ours);
  std::fflush(stdout);
}

#if RLFORGE_BENCH_TORCH
void bench_dispatch() {
  rlforge::Rng gen(1);
  rt::Tensor a = rt::Tensor::randn({4}, gen), b = rt::Tensor::randn({4}, gen);
  torch::Tensor ta = torch::randn({4}), tb = torch::randn({4});
  {
    rt::NoGradGuard ng;
    torch::NoGradGuard tng;
    const double ours = time_us([&] { rt::Tensor c = a + b; }, 200000);
    const double theirs = time_us([&] { torch::Tensor c = ta + tb; }, 200000);
    row("dispatch: add [4]+[4], no grad", ours, theirs);
  }
  rt::Tensor ga = a.detach();
  ga.requires_grad_();
  torch::Tensor tga = ta.detach().requires_grad_(true);
  const double ours = time_us([&] { rt::Tensor c = ga + b; }, 200000);
  const double theirs = time_us([&] { torch::Tensor c = tga + tb; }, 200000);
  row("dispatch: add [4]+[4], recorded on the tape", ours, theirs);
}

void bench_mlp(std::vector<std::int64_t> sizes, std::int64_t batch) {
  rlforge::Rng gen(2);
  rt::nn::Sequential net = rt::nn::mlp(sizes, gen, {.hidden = rt::nn::Activation::ReLU});
  rt::optim::Adam opt(net.parameters(), {.lr = 1e-4});
  rt::Tensor x = rt::Tensor::randn({batch, sizes.front()}, gen);
  rt::Tensor y = rt::Tensor::randn({batch, sizes.back()}, gen);

  torch::nn::Sequential tnet;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    tnet->push_back(torch::nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) tnet->push_back(torch::nn::ReLU());
  }
  torch::optim::Adam topt(tnet->parameters(), torch::optim::AdamOptions(1e-4));
  torch::Tensor tx = torch::randn({batch, sizes.front()}), ty = torch::randn({batch, sizes.back()});

  std::string name = "MLP ";
  for (std::size_t i = 0; i < sizes.size(); ++i) name += (i ? "-" : "") + std::to_string(sizes[i]);
  name += " @" + std::to_string(batch);
  const int calls = batch >= 256 ? 500 : 2000;

  {
    rt::NoGradGuard ng;
    torch::NoGradGuard tng;
    row(name + " forward", time_us([&] { rt::Tensor o = net.forward(x); }, calls),
        time_us([&] { torch::Tensor o = tnet->forward(tx); }, calls));
  }
  row(name + " fwd+bwd",
      time_us([&] { rt::mse_loss(net.forward(x), y).backward(); }, calls),
      time_us([&] { torch::mse_loss(tnet->forward(tx), ty).backward(); }, calls));
  row(name + " fwd+bwd+Adam",
      time_us([&] {
        opt.zero_grad();
        rt::mse_loss(net.forward(x), y).backward();
        opt.step();
      }, calls),
      time_us([&] {
        topt.zero_grad();
        torch::mse_loss(tnet->forward(tx), ty).backward();
        topt.step();
      }, calls));
}

// A conv torso training step: conv layers (each + ReLU), flatten, ReLU hidden layers, a linear
// head; input already [N, C, H, W] float32 on both sides (the agents' channels-last transpose
// is left out). `convs` = {out channels, kernel, stride} per layer.
struct ConvCase {
  const char* name;
  std::int64_t batch, c, h, w;
  std::vector<std::array<std::int64_t, 3>> convs;
  std::vector<std::int64_t> hidden;
  std::int64_t out;
  int calls;
};

void bench_conv(const ConvCase& k) {
  rlforge::Rng gen(4);
  rt::nn::Sequential net;
  torch::nn::Sequential tnet;
  std::int64_t c = k.c, h = k.h, w = k.w;
  for (const auto& [oc, ks, st] : k.convs) {
    const int s = static_cast<int>(st);
    net.add(rt::nn::Conv2d(c, oc, {ks, ks}, gen, {s, s})).add(rt::nn::Activation::ReLU);
    tnet->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, oc, ks).stride(st)));
    tnet->push_back(torch::nn::ReLU());
    c = oc, h = (h - ks) / st + 1, w = (w - ks) / st + 1;
  }
  net.add(rt::nn::Flatten{});
  tnet->push_back(torch::nn::Flatten());
  std::int64_t in = c * h * w;
  for (std::int64_t hd : k.hidden) {
    net.add(rt::nn::Linear(in, hd, gen)).add(rt::nn::Activation::ReLU);
    tnet->push_back(torch::nn::Linear(in, hd));
    tnet->push_back(torch::nn::ReLU());
    in = hd;
  }
  net.add(rt::nn::Linear(in, k.out, gen));
  tnet->push_back(torch::nn::Linear(in, k.out));
  rt::optim::Adam opt(net.parameters(), {.lr = 1e-4});
  torch::optim::Adam topt(tnet->parameters(), torch::optim::AdamOptions(1e-4));
  const rt::Tensor x = rt::Tensor::randn({k.batch, k.c, k.h, k.w}, gen), y = rt::Tensor::randn({k.batch, k.out}, gen);
  const torch::Tensor tx = torch::randn({k.batch, k.c, k.h, k.w}), ty = torch::randn({k.batch, k.out});
  const std::string name = std::string(k.name) + " @" + std::to_string(k.batch);
  {
    rt::NoGradGuard ng;
    torch::NoGradGuard tng;
    row(name + " forward", time_us([&] { rt::Tensor o = net.forward(x); }, k.calls),
        time_us([&] { torch::Tensor o = tnet->forward(tx); }, k.calls));
  }
  row(name + " fwd+bwd+Adam",
      time_us([&] {
        opt.zero_grad();
        rt::mse_loss(net.forward(x), y).backward();
        opt.step();
      }, k.calls),
      time_us([&] {
        topt.zero_grad();
        torch::mse_loss(tnet->forward(tx), ty).backward();
        topt.step();
      }, k.calls));
}

void bench_gemm(std::int64_t n) {
  rlforge::Rng gen(3);
  rt::Tensor a = rt::Tensor::randn({n, n}, gen), b = rt::Tensor::randn({n, n}, gen);
  torch::Tensor ta = torch::randn({n, n}), tb = torch::randn({n, n});
  rt::NoGradGuard ng;
  torch::NoGradGuard tng;
  const int calls = n >= 1024 ? 3 : 50;
  const double ours = time_us([&] { rt::Tensor c = rt::matmul(a, b); }, calls);
  const double theirs = time_us([&] { torch::Tensor c = torch::mm(ta, tb); }, calls);
  const double flop = 2.0 * n * n * n;
  // GFLOP/s: the ratio column is ours / torch here (higher is better for us).
  std::printf("| %-44s | %8.1f GF/s | %8.1f GF/s | %7.1fx |\n", ("GEMM " + std::to_string(n) + "^3 float32").c_str(),
              flop / ours / 1e3, flop / theirs / 1e3, theirs / ours);
  std::fflush(stdout);
}

#endif  // RLFORGE_BENCH_TORCH

// Our CUDA path against our CPU path (one thread). Each timed call ends with a read of one
// value, which waits for the queued kernels, so the time covers the GPU work, as an RL step that
// reads its loss would. Without a device it says why and measures nothing.
void bench_cuda() {
  if (!rt::cuda_available()) {
    std::string why = rt::cuda_built() ? "no device" : "this build has no CUDA kernels";
    if (rt::cuda_built()) {
      try {
        (void)rt::Tensor::ones({1}).to(rt::Device::cuda());
      } catch (const std::exception& e) {
        why = e.what();
      }
    }
    std::printf("\nCUDA: not measured (%s)\n", why.c_str());
    return;
  }
  const rt::Device gpu = rt::Device::cuda();
  std::printf("\nour CUDA path vs our CPU path (1 thread), synchronized per call:\n");
  std::printf("| %-44s | %13s | %13s | %8s |\n", "case", "CUDA", "CPU", "speedup");
  for (auto [sizes, batch] : {std::pair{std::vector<std::int64_t>{4, 64, 64, 2}, std::int64_t{64}},
                              std::pair{std::vector<std::int64_t>{17, 256, 256, 1}, std::int64_t{256}},
                              std::pair{std::vector<std::int64_t>{17, 256, 256, 1}, std::int64_t{4096}}}) {
    rlforge::Rng gen(2);
    const rt::nn::Sequential net = rt::nn::mlp(sizes, gen), gnet = net.to(gpu);
    rt::optim::Adam opt(net.parameters(), {.lr = 1e-4}), gopt(gnet.parameters(), {.lr = 1e-4});
    const rt::Tensor x = rt::Tensor::randn({batch, sizes.front()}, gen), y = rt::Tensor::randn({batch, sizes.back()}, gen);
    const rt::Tensor gx = x.to(gpu), gy = y.to(gpu);
    auto step = [](const rt::nn::Sequential& n, rt::optim::Adam& o, const rt::Tensor& in, const rt::Tensor& t) {
      o.zero_grad();
      rt::Tensor loss = rt::mse_loss(n.forward(in), t);
      loss.backward();
      o.step();
      (void)loss.item();
    };
    std::string name = "MLP ";
    for (std::size_t i = 0; i < sizes.size(); ++i) name += (i ? "-" : "") + std::to_string(sizes[i]);
    const int calls = batch >= 4096 ? 50 : 500;
    row(name + " @" + std::to_string(batch) + " fwd+bwd+Adam", time_us([&] { step(gnet, gopt, gx, gy); }, calls),
        time_us([&] { step(net, opt, x, y); }, calls));
  }
  rlforge::Rng gen(3);
  const rt::Tensor a = rt::Tensor::randn({1024, 1024}, gen), b = rt::Tensor::randn({1024, 1024}, gen);
  const rt::Tensor ga = a.to(gpu), gb = b.to(gpu);
  rt::NoGradGuard ng;
  const double ours = time_us([&] { (void)rt::matmul(ga, gb).narrow(0, 0, 1).narrow(1, 0, 1).item(); }, 20);
  const double cpu = time_us([&] { rt::Tensor c = rt::matmul(a, b); }, 3);
  const double flop = 2.0 * 1024 * 1024 * 1024;
  std::printf("| %-44s | %8.1f GF/s | %8.1f GF/s | %7.1fx |\n", "GEMM 1024^3 float32 (cuBLAS vs our CPU GEMM)",
              flop / ours / 1e3, flop / cpu / 1e3, cpu / ours);
}

}  // namespace

int main(int argc, char** argv) {
  bool cuda_only = !RLFORGE_BENCH_TORCH;  // built without LibTorch: only the CUDA table
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      g_quick = true;
    } else if (std::strcmp(argv[i], "--cuda-only") == 0) {
      cuda_only = true;
    } else {
      std::fprintf(stderr, "usage: bench_tensor [--quick] [--cuda-only]\n");
      return 2;
    }
  }
  // Both sides on one thread: our large GEMMs would otherwise spread over the caller's TBB arena.
  tbb::task_arena one_thread(1);
#if RLFORGE_BENCH_TORCH
  if (!cuda_only) {
    torch::set_num_threads(1);
    std::printf("rlforge tensor vs LibTorch %s (1 thread); rlforge kernels' ISA: %s\n\n", TORCH_VERSION,
                rlforge::isa_description(rlforge::active_isa()).c_str());
    std::printf("| %-44s | %13s | %13s | %8s |\n", "case", "rlforge", "LibTorch", "speedup");
    std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(15, '-').c_str(),
                std::string(15, '-').c_str(), std::string(10, '-').c_str());
    one_thread.execute([] {
      bench_dispatch();
      for (std::int64_t b : {1, 64, 256}) bench_mlp({4, 64, 64, 2}, b);
      for (std::int64_t b : {1, 64, 256}) bench_mlp({8, 64, 64, 4}, b);
      bench_mlp({17, 256, 256, 1}, 256);
      // MinAtar's network (issue 13: input 10x10x4, conv 16x3x3, hidden 128, 6 actions) and a small
      // CarRacing CNN (issue 12: 96x96x3, conv 8x4x4 stride 2, conv 16x3x3 stride 2, hidden 64, 5).
      // One network per row; a PPO minibatch step runs two (actor and critic).
      bench_conv({"MinAtar c16k3-128-6", 128, 4, 10, 10, {{16, 3, 1}}, {128}, 6, 200});
      bench_conv({"CarRace c8k4s2-c16k3s2-64-5", 64, 3, 96, 96, {{8, 4, 2}, {16, 3, 2}}, {64}, 5, 10});
      bench_gemm(256);
      bench_gemm(1024);
    });
    std::printf("\nwith the default TBB arena (%d threads) for rlforge, LibTorch still 1 thread:\n",
                tbb::info::default_concurrency());
    bench_gemm(1024);
  }
#endif
  if (cuda_only) std::printf("rlforge tensor: the CUDA rows only (LibTorch rows %s)\n", RLFORGE_BENCH_TORCH ? "skipped" : "not built");
  one_thread.execute([] { bench_cuda(); });
  return 0;
}
