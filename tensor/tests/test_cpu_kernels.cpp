// The CPU element-wise and reduction kernels' fast paths (contiguous, row-broadcast, scalar,
// column sums, row sums, chunked long sums, the fused optimizer loops) against plain index-wise
// references on every layout, and large ops bit-identical on one TBB thread and on many.
#include <catch.hpp>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <tbb/task_arena.h>

#include "core/rng.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/cpu/strided_loop.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using rlforge::Shape;
using std::int64_t;

namespace {

// x's values in logical (row-major) order, in double, whatever its strides and dtype.
std::vector<double> values(const Tensor& x) { return x.to(DType::float64).contiguous().to_vector<double>(); }

// Sums of a row-major [R, C] array over rows (axis 0), over columns (axis 1) or everything.
std::vector<double> ref_sum(const std::vector<double>& v, int64_t R, int64_t C, int axis, bool absolute = false) {
  std::vector<double> out(axis == 0 ? C : (axis == 1 ? R : 1), 0.0);
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t c = 0; c < C; ++c) {
      const double e = absolute ? std::abs(v[r * C + c]) : v[r * C + c];
      out[axis == 0 ? c : (axis == 1 ? r : 0)] += e;
    }
  }
  return out;
}

// sum(x, axis) (axis 2 = all) against the double reference, within the rounding of R (float32
// columns accumulate in float32) or of the final cast.
void check_sums(const Tensor& x, DType d) {
  const int64_t R = x.size(0), C = x.size(1);
  const std::vector<double> v = values(x);
  for (int axis : {0, 1, 2}) {
    INFO("x " << x.str() << " axis " << axis);
    const Tensor got = axis == 2 ? sum(x) : sum(x, Axes{axis});
    const std::vector<double> g = values(got), r = ref_sum(v, R, C, axis), a = ref_sum(v, R, C, axis, true);
    REQUIRE(g.size() == r.size());
    const double eps = d == DType::float32 ? 6e-8 * static_cast<double>(R + 2) : 1e-15 * static_cast<double>(R + C);
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(std::abs(g[i] - r[i]) <= eps * a[i] + 1e-30);
  }
}

}  // namespace

TEST_CASE("sums over rows, columns and everything match a double reference on contiguous and transposed layouts") {
  Rng gen(21);
  for (DType d : {DType::float32, DType::float64}) {
    for (int64_t R : {1, 2, 5, 64, 70}) {
      for (int64_t C : {1, 2, 3, 7, 63, 64, 65, 127, 200, 257, 300}) {
        check_sums(Tensor::randn({R, C}, gen, d), d);
        check_sums(Tensor::randn({C, R}, gen, d).t(), d);  // strided: the general paths
      }
    }
  }
  // 3-D masks that leave a kept dim between reduced ones (no merged fast path).
  const Tensor x = Tensor::randn({4, 5, 6}, gen, DType::float64);
  const std::vector<double> v = values(x);
  const Tensor s02 = sum(x, Axes{0, 2}), m1 = mean(x, Axes{1});
  for (int64_t j = 0; j < 5; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t k = 0; k < 6; ++k) acc += v[(i * 5 + j) * 6 + k];
    CHECK(values(s02)[j] == Approx(acc).epsilon(1e-13));
  }
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t k = 0; k < 6; ++k) {
      double acc = 0;
      for (int64_t j = 0; j < 5; ++j) acc += v[(i * 5 + j) * 6 + k];
      CHECK(values(m1)[i * 6 + k] == Approx(acc / 5).epsilon(1e-13));
    }
  }
}

TEST_CASE("long sums across chunk edges and parallel pieces round like the double sum") {
  Rng gen(22);
  for (int64_t n : {cpu::kChunk - 1, cpu::kChunk, cpu::kChunk + 1, 4 * cpu::kChunk + 3, cpu::kParallelMin + 7}) {
    INFO("n " << n);
    const Tensor x = Tensor::rand({n}, gen, 0.0, 1.0);  // positive: no cancellation, so a tight bound
    const std::vector<double> v = values(x);
    double ref = 0;
    for (double e : v) ref += e;
    const double got = sum(x).item(), avg = mean(x).item();
    CHECK(std::abs(got - ref) <= 1.2e-7 * ref);  // one float32 rounding of a double-accurate sum
    CHECK(std::abs(avg - ref / static_cast<double>(n)) <= 1.2e-7 * ref / static_cast<double>(n));
  }
  // Row sums of long rows (parallel pieces in each row), column sums of a tall narrow matrix and
  // of a wide one (streamed column ranges, run in parallel).
  for (const Shape& s : {Shape{3, 70001}, Shape{70001, 3}, Shape{500, 301}}) {
    const Tensor x = Tensor::rand(s, gen, 0.0, 1.0);
    check_sums(x, DType::float32);
  }
}

TEST_CASE("element-wise fast paths equal the element formula on every layout") {
  Rng gen(23);
  auto check_binary = [](const Tensor& a, const Tensor& b) {
    INFO("a " << a.str() << " b " << b.str());
    const Tensor s = a + b, p = a * b, q = a / b;
    const Shape& os = s.shape();
    REQUIRE(os.ndim() == 2);
    const std::vector<float> av = a.contiguous().to_vector<float>(), bv = b.contiguous().to_vector<float>();
    const std::vector<float> sv = s.to_vector<float>(), pv = p.to_vector<float>(), qv = q.to_vector<float>();
    // Right-aligned broadcasting of a 0-, 1- or 2-D operand onto [R, C].
    auto at = [&](const Tensor& t, const std::vector<float>& tv, int64_t r, int64_t c) {
      if (t.ndim() == 0) return tv[0];
      if (t.ndim() == 1) return tv[static_cast<std::size_t>(t.size(0) == 1 ? 0 : c)];
      return tv[static_cast<std::size_t>((t.size(0) == 1 ? 0 : r) * t.size(1) + (t.size(1) == 1 ? 0 : c))];
    };
    int bad = 0;
    for (int64_t r = 0; r < os[0]; ++r) {
      for (int64_t c = 0; c < os[1]; ++c) {
        const float x = at(a, av, r, c), y = at(b, bv, r, c);
        const auto i = static_cast<std::size_t>(r * os[1] + c);
        if (sv[i] != x + y || pv[i] != x * y || qv[i] != x / y) ++bad;
      }
    }
    CHECK(bad == 0);
  };
  for (int64_t R : {1, 3, 64}) {
    for (int64_t C : {1, 2, 17, 64}) {
      const Tensor a = Tensor::randn({R, C}, gen), b = Tensor::rand({R, C}, gen, 0.5, 2.0);
      check_binary(a, b);                                          // same shape
      check_binary(a, Tensor::rand({C}, gen, 0.5, 2.0));           // row + bias
      check_binary(Tensor::rand({C}, gen, 0.5, 2.0), b);           // bias + row
      check_binary(a, Tensor::rand({R, 1}, gen, 0.5, 2.0));        // column broadcast
      check_binary(a, Tensor::scalar(1.5));                        // tensor op scalar
      check_binary(Tensor::scalar(-0.5), b);                       // scalar op tensor
      check_binary(Tensor::randn({C, R}, gen).t(), b);             // transposed view
    }
  }
  // unary forward/backward and copy on a large permuted 3-D view: the strided walk split into
  // chunks that start and end inside rows.
  const Tensor base = Tensor::randn({50, 40, 70}, gen);  // 140000 elements >= kParallelMin
  const Tensor v = base.transpose(0, 2);                 // [70, 40, 50], strided
  const std::vector<float> bv = base.to_vector<float>();
  const std::vector<float> cv = v.contiguous().to_vector<float>(), rv = relu(v).to_vector<float>();
  const std::vector<float> ev = exp(v).to_vector<float>();
  int bad = 0;
  for (int64_t i = 0; i < 70; ++i) {
    for (int64_t j = 0; j < 40; ++j) {
      for (int64_t k = 0; k < 50; ++k) {
        const float x = bv[static_cast<std::size_t>((k * 40 + j) * 70 + i)];
        const auto o = static_cast<std::size_t>((i * 40 + j) * 50 + k);
        if (cv[o] != x || rv[o] != (x > 0 ? x : 0.0f) || ev[o] != std::exp(x)) ++bad;
      }
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("copy broadcasts a row into every row, converting dtypes, and fill/add_inplace cover views") {
  Rng gen(24);
  for (int64_t R : {1, 2, 3, 5, 64, 100}) {
    for (int64_t C : {1, 2, 7, 64}) {
      INFO("R " << R << " C " << C);
      const Tensor row = Tensor::randn({C}, gen, DType::float64);
      Tensor dst = Tensor::empty({R, C});
      cpu::copy(row.impl(), dst.impl());  // float64 -> float32 and the doubling row copy
      const std::vector<double> rv = row.to_vector<double>();
      const std::vector<float> dv = dst.to_vector<float>();
      int bad = 0;
      for (int64_t i = 0; i < R * C; ++i) bad += dv[static_cast<std::size_t>(i)] != static_cast<float>(rv[static_cast<std::size_t>(i % C)]);
      CHECK(bad == 0);
    }
  }
  // [R, 1, C] into [R, K, C]: a broadcast in the middle dim.
  const Tensor mid = Tensor::randn({3, 1, 5}, gen);
  Tensor out = Tensor::empty({3, 4, 5});
  cpu::copy(mid.impl(), out.impl());
  const std::vector<float> mv = mid.to_vector<float>(), ov = out.to_vector<float>();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 5; ++k) CHECK(ov[static_cast<std::size_t>((i * 4 + j) * 5 + k)] == mv[static_cast<std::size_t>(i * 5 + k)]);
  // fill and add_inplace through a transposed view write exactly the viewed elements.
  Tensor m = Tensor::zeros({6, 9});
  Tensor mt = m.t();
  cpu::fill(mt.impl(), 2.0);
  const Tensor src = Tensor::randn({9, 6}, gen);
  cpu::add_inplace(mt.impl(), src.impl());
  const std::vector<float> mvv = m.to_vector<float>(), sv = src.to_vector<float>();
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 9; ++j) CHECK(mvv[static_cast<std::size_t>(i * 9 + j)] == 2.0f + sv[static_cast<std::size_t>(j * 6 + i)]);
}

TEST_CASE("the CPU Adam, SGD and axpby loops give exactly the shared element updates") {
  Rng gen(25);
  // Step 3 divides by sqrt(1 - beta2^t); by step 40000 that rounds to 1 in float32 and the loop
  // drops the (exact) division: both must equal math::adam_update. 2^17 + 5 elements run in
  // parallel chunks.
  for (auto [step, n] : {std::pair<int64_t, int64_t>{3, 1000}, {40000, 1000}, {7, cpu::kParallelMin + 5}}) {
    INFO("step " << step << " n " << n);
    const Tensor p0 = Tensor::randn({n}, gen), g = Tensor::randn({n}, gen);
    const Tensor m0 = Tensor::randn({n}, gen), v0 = Tensor::rand({n}, gen, 0.0, 1.0);
    Tensor p = p0.clone(), m = m0.clone(), v = v0.clone();
    kern::adam_step(Device::cpu(), DType::float32, p.impl()->raw(), g.impl()->raw(), m.impl()->raw(), v.impl()->raw(), n,
                    1e-3, 0.9, 0.999, 1e-8, 0.01, step);
    const auto t = static_cast<double>(step);
    const float bc1 = 1.0f - static_cast<float>(std::pow(0.9, t));
    const auto bc2 = static_cast<float>(std::sqrt(1.0 - std::pow(0.999, t)));
    const std::vector<float> pv = p0.to_vector<float>(), gv = g.to_vector<float>();
    std::vector<float> mv = m0.to_vector<float>(), vv = v0.to_vector<float>();
    const std::vector<float> gp = p.to_vector<float>(), gm = m.to_vector<float>(), gvv = v.to_vector<float>();
    int bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const float want = math::adam_update(pv[k], gv[k], mv[k], vv[k], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
      if (gp[k] != want || gm[k] != mv[k] || gvv[k] != vv[k]) ++bad;
    }
    CHECK(bad == 0);
  }
  const int64_t n = cpu::kParallelMin + 5;  // parallel chunks for SGD and axpby too
  const Tensor p0 = Tensor::randn({n}, gen), g = Tensor::randn({n}, gen), b0 = Tensor::randn({n}, gen);
  Tensor p = p0.clone(), b = b0.clone();
  kern::sgd_step(Device::cpu(), DType::float32, p.impl()->raw(), g.impl()->raw(), b.impl()->raw(), false, n, 0.1, 0.9, 0.1,
                 0.01, false);
  const std::vector<float> pv = p0.to_vector<float>(), gv = g.to_vector<float>(), got = p.to_vector<float>();
  std::vector<float> bv = b0.to_vector<float>();
  int bad = 0;
  for (std::size_t k = 0; k < pv.size(); ++k) {
    bad += got[k] != math::sgd_update(pv[k], gv[k], bv[k], false, 0.1f, 0.9f, 0.1f, 0.01f, false);
  }
  CHECK(bad == 0);
  CHECK(b.to_vector<float>() == bv);
  // axpby into a different tensor and into itself (gradient clipping's call).
  Tensor d = p0.clone();
  kern::axpby(d.impl(), 0.5, g.impl(), -2.0);
  Tensor e = p0.clone();
  kern::axpby(e.impl(), 0.25, e.impl(), 0.0);
  const std::vector<float> dv = d.to_vector<float>(), ev = e.to_vector<float>();
  bad = 0;
  for (std::size_t k = 0; k < pv.size(); ++k) {
    bad += dv[k] != math::axpby(0.5f, pv[k], -2.0f, gv[k]);
    bad += ev[k] != math::axpby(0.25f, pv[k], 0.0f, pv[k]);
  }
  CHECK(bad == 0);
}

TEST_CASE("clip_grad_norm's lane sum of squares matches the double sum, tails included") {
  Rng gen(27);
  for (int64_t n : {1, 15, 16, 17, 1000}) {
    INFO("n " << n);
    Tensor p32 = Tensor::randn({n}, gen), p64 = Tensor::randn({n, 3}, gen, DType::float64);
    p32.requires_grad_();
    p64.requires_grad_();
    sum(p32 * p32).backward();  // grad 2 p32
    sum(p64 * 3.0).backward();  // grad 3
    double ref = 0;
    for (double g : values(p32.grad())) ref += g * g;
    ref += 9.0 * static_cast<double>(3 * n);
    const std::vector<Tensor> ps = {p32, p64};
    CHECK(optim::clip_grad_norm(ps, 1e30) == Approx(std::sqrt(ref)).epsilon(1e-14));
  }
}

TEST_CASE("large element-wise ops and reductions are bit-identical on one TBB thread and on the default arena") {
  Rng gen(26);
  const int64_t n = 3 * cpu::kParallelMin + 123;
  const Tensor a = Tensor::randn({n}, gen), b = Tensor::randn({n}, gen);
  const Tensor wide = Tensor::randn({700, 300}, gen), tall = Tensor::randn({3, n / 3}, gen);
  const Tensor row = Tensor::randn({300}, gen), big3 = Tensor::randn({40, 50, 60}, gen);
  auto run = [&] {
    std::vector<std::vector<float>> r;
    r.push_back(sum(a).to_vector<float>());
    r.push_back(mean(a).to_vector<float>());
    r.push_back(sum(wide, Axes{0}).to_vector<float>());
    r.push_back(mean(wide, Axes{1}).to_vector<float>());
    r.push_back(sum(tall, Axes{1}).to_vector<float>());
    r.push_back(sum(wide.t()).to_vector<float>());  // strided full sum
    r.push_back(relu(a).to_vector<float>());
    r.push_back(tanh(a).to_vector<float>());
    r.push_back((a * b).to_vector<float>());
    r.push_back((wide + row).to_vector<float>());
    r.push_back(big3.transpose(0, 2).contiguous().to_vector<float>());
    Tensor acc = a.clone();
    cpu::add_inplace(acc.impl(), b.impl());
    r.push_back(acc.to_vector<float>());
    return r;
  };
  std::vector<std::vector<float>> serial;
  tbb::task_arena one(1);
  one.execute([&] { serial = run(); });
  const std::vector<std::vector<float>> parallel = run();
  REQUIRE(serial.size() == parallel.size());
  for (std::size_t i = 0; i < serial.size(); ++i) {
    INFO("result " << i);
    CHECK(serial[i] == parallel[i]);
  }
}
