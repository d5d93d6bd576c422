// Tensor files: a parameter + Adam-state round trip that resumes training bit-exactly, and
// rejection of missing, truncated, corrupted, foreign, other-version and mismatched files.
#include <catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "tensor/nn/mlp.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"
#include "tensor/serialization.hpp"

using namespace rlforge::tensor;
using rlforge::Rng;
using rlforge::Shape;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("rlforge_tensor_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

void train_step(nn::Sequential& net, optim::Adam& opt, const Tensor& x, const Tensor& y) {
  opt.zero_grad();
  mse_loss(net.forward(x), y).backward();
  opt.step();
}

}  // namespace

TEST_CASE("parameters and Adam state round-trip; training resumes bit-exactly") {
  Rng gen(1);
  const Tensor x = Tensor::randn({16, 4}, gen), y = Tensor::randn({16, 2}, gen);
  nn::Sequential a = nn::mlp({4, 32, 2}, gen);
  optim::Adam oa(a.parameters(), {.lr = 1e-2});
  for (int i = 0; i < 3; ++i) train_step(a, oa, x, y);

  const std::string pp = temp_path("params.bin"), op = temp_path("adam.bin");
  const auto names = a.parameter_names();
  const auto params = a.parameters();
  save_tensors(pp, name_tensors(names, params));
  save_tensors(op, oa.state());
  // No temporary of ours left (only our own names: other tests running beside this one under
  // ctest -j write their own temporaries into the same folder).
  const std::string ours = fs::path(temp_path("")).filename().string();
  for (const auto& e : fs::directory_iterator(fs::path(pp).parent_path())) {
    const std::string f = e.path().filename().string();
    if (f.rfind(ours, 0) == 0) CHECK(f.find(".tmp.") == std::string::npos);
  }

  Rng other(99);
  nn::Sequential b = nn::mlp({4, 32, 2}, other);
  optim::Adam ob(b.parameters(), {.lr = 1e-2});
  const auto bparams = b.parameters();
  load_tensors_into(pp, name_tensors(names, bparams));
  load_tensors_into(op, ob.state());
  CHECK(ob.step_count(0) == 3);

  train_step(a, oa, x, y);
  train_step(b, ob, x, y);
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].to_vector<float>() == pb[i].to_vector<float>());

  const auto loaded = load_tensors(pp);
  REQUIRE(loaded.size() == names.size());
  CHECK(loaded[0].name == "0.weight");
  CHECK(loaded[0].value.shape() == Shape{32, 4});
  fs::remove(pp);
  fs::remove(op);
}

TEST_CASE("SGD momentum state round-trips") {
  Rng gen(3);
  const Tensor x = Tensor::randn({8, 3}, gen), y = Tensor::randn({8, 1}, gen);
  nn::Sequential a = nn::mlp({3, 8, 1}, gen);
  nn::Sequential b = a.clone();
  optim::Sgd sa(a.parameters(), {.lr = 0.05, .momentum = 0.9});
  optim::Sgd sb(b.parameters(), {.lr = 0.05, .momentum = 0.9});
  auto step = [&](nn::Sequential& net, optim::Sgd& opt) {
    opt.zero_grad();
    mse_loss(net.forward(x), y).backward();
    opt.step();
  };
  step(a, sa);
  step(a, sa);
  const std::string p = temp_path("sgd.bin");
  save_tensors(p, sa.state());
  const auto ap = a.parameters(), bp = b.parameters();
  nn::copy_parameters(ap, bp);
  load_tensors_into(p, sb.state());
  step(a, sa);
  step(b, sb);
  for (std::size_t i = 0; i < ap.size(); ++i) CHECK(ap[i].to_vector<float>() == bp[i].to_vector<float>());
  fs::remove(p);
}

TEST_CASE("bad tensor files are rejected with the file name and the reason") {
  Rng gen(2);
  const std::string p = temp_path("bad.bin");
  const Tensor w = Tensor::randn({64, 4}, gen);
  save_tensors(p, std::vector<NamedTensor>{{"w", w}});
  const std::string good = read_all(p);

  CHECK_THROWS_WITH(load_tensors(p + ".missing"), Contains(p + ".missing") && Contains("missing"));

  write_all(p, good.substr(0, good.size() - 20));
  CHECK_THROWS_AS(load_tensors(p), SerializationError);
  CHECK_THROWS_WITH(load_tensors(p), Contains(p) && Contains("truncated"));
  write_all(p, good.substr(0, 10));
  CHECK_THROWS_WITH(load_tensors(p), Contains("truncated"));

  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x40);
  write_all(p, flipped);
  CHECK_THROWS_WITH(load_tensors(p), Contains("checksum"));

  std::string foreign = good;
  foreign[0] = 'X';
  write_all(p, foreign);
  CHECK_THROWS_WITH(load_tensors(p), Contains("not an rlforge tensor file"));

  std::string newer = good;
  newer[8] = 2;
  write_all(p, newer);
  CHECK_THROWS_WITH(load_tensors(p), Contains("format version 2") && Contains("version 1"));

  write_all(p, good);
  Tensor wrong = Tensor::zeros({64, 8});
  CHECK_THROWS_WITH(load_tensors_into(p, std::vector<NamedTensor>{{"w", wrong}}),
                    Contains(p) && Contains("'w'") && Contains("expected (64, 8) float32") && Contains("found (64, 4) float32"));
  Tensor right = Tensor::zeros({64, 4});
  CHECK_THROWS_WITH(load_tensors_into(p, std::vector<NamedTensor>{{"v", right}}), Contains("no tensor named 'v'"));
  load_tensors_into(p, std::vector<NamedTensor>{{"w", right}});
  CHECK(right.to_vector<float>() == w.to_vector<float>());
  fs::remove(p);
}
