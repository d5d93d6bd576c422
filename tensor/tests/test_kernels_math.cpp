// CPU checks of the host/device arithmetic in kernels/elementwise_math.hpp (the functions the
// CUDA kernels run): values against plain reference formulas, derivatives against central
// differences, the optimizer updates against torch.optim's written-out steps, and the CPU
// kernels' use of the same functions; the CUDA kernels' index arithmetic (kernels/layout.hpp:
// broadcast/strided layouts, reduction plans, the cuBLAS operand swap) replayed on the CPU
// against the CPU kernels. Also the no-device error of to(Device::cuda()).
#include <catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/rng.hpp"
#include "tensor/cpu/gemm.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/cuda/runtime.hpp"
#include "tensor/kernels/elementwise_math.hpp"
#include "tensor/kernels/layout.hpp"
#include "tensor/ops.hpp"
#include "tensor/optim/optimizers.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using rlforge::Shape;
namespace m = rlforge::tensor::math;
using Catch::Matchers::Contains;

namespace {

const std::vector<double> kPoints = {-7.5, -3.0, -1.2, -0.3, 0.4, 0.9, 2.2, 6.0, 25.0};

// Checks F::f against `ref` and F::df against a central difference of F::f, in double.
template <class F, class Ref>
void check_unary(const char* name, Ref ref, double p0 = 0, double p1 = 0, bool positive_only = false) {
  for (double x : kPoints) {
    if (positive_only && x <= 0) continue;
    INFO(name << " at x = " << x);
    const double y = F::f(x, p0, p1);
    CHECK(y == Approx(ref(x)).epsilon(1e-12).margin(1e-300));
    // Skip kinks (relu/abs/clamp corners) and the softplus threshold: no derivative there.
    const double h = 1e-6;
    if (std::abs(x) < 1e-3 || std::abs(x - p0) < 1e-3 || std::abs(x - p1) < 1e-3 || std::abs(x - 20) < 1e-3) continue;
    const double numeric = (F::f(x + h, p0, p1) - F::f(x - h, p0, p1)) / (2 * h);
    CHECK(F::df(x, y, p0, p1) == Approx(numeric).epsilon(1e-6).margin(1e-7));
  }
}

// float arithmetic through the shared function agrees with the double reference to float32 rounding.
template <class F>
void check_float_close(double p0 = 0, double p1 = 0, bool positive_only = false) {
  for (double x : kPoints) {
    if (positive_only && x <= 0) continue;
    const float yf = F::f(static_cast<float>(x), static_cast<float>(p0), static_cast<float>(p1));
    const double yd = F::f(static_cast<double>(static_cast<float>(x)), p0, p1);
    CHECK(static_cast<double>(yf) == Approx(yd).epsilon(2e-6).margin(1e-30));
  }
}

}  // namespace

TEST_CASE("unary functions: values against reference formulas, derivatives against differences") {
  check_unary<m::NegF>("neg", [](double x) { return -x; });
  check_unary<m::ExpF>("exp", [](double x) { return std::exp(x); });
  check_unary<m::LogF>("log", [](double x) { return std::log(x); }, 0, 0, true);
  check_unary<m::SqrtF>("sqrt", [](double x) { return std::sqrt(x); }, 0, 0, true);
  check_unary<m::AbsF>("abs", [](double x) { return std::abs(x); });
  check_unary<m::PowScalarF>("pow 3", [](double x) { return x * x * x; }, 3.0);
  check_unary<m::PowScalarF>("pow 2", [](double x) { return x * x; }, 2.0);
  check_unary<m::PowScalarF>("pow 0.5", [](double x) { return std::sqrt(x); }, 0.5, 0, true);
  check_unary<m::ClampF>("clamp", [](double x) { return std::min(1.5, std::max(-1.0, x)); }, -1.0, 1.5);
  check_unary<m::ReluF>("relu", [](double x) { return x > 0 ? x : 0.0; });
  check_unary<m::LeakyReluF>("leaky_relu", [](double x) { return x > 0 ? x : 0.1 * x; }, 0.1);
  check_unary<m::EluF>("elu", [](double x) { return x > 0 ? x : 1.3 * (std::exp(x) - 1); }, 1.3);
  check_unary<m::TanhF>("tanh", [](double x) { return std::tanh(x); });
  check_unary<m::SigmoidF>("sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); });
  check_unary<m::SoftplusF>("softplus", [](double x) { return x > 20 ? x : std::log(1 + std::exp(x)); });

  check_float_close<m::ExpF>();
  check_float_close<m::TanhF>();
  check_float_close<m::SigmoidF>();
  check_float_close<m::SoftplusF>();
  check_float_close<m::EluF>(1.3);
  check_float_close<m::LogF>(0, 0, true);
}

TEST_CASE("unary edge values: torch's conventions at kinks and extremes") {
  CHECK(m::ReluF::df(0.0, 0.0, 0.0, 0.0) == 0.0);
  CHECK(m::LeakyReluF::df(0.0, 0.0, 0.2, 0.0) == 0.2);
  CHECK(m::AbsF::df(0.0, 0.0, 0.0, 0.0) == 0.0);
  CHECK(m::ClampF::df(1.5, 1.5, -1.0, 1.5) == 1.0);  // gradient passes at the bound
  CHECK(m::PowScalarF::df(0.0, 1.0, 0.0, 0.0) == 0.0);  // exponent 0: no 0 * inf
  // sigmoid never overflows: exp of a non-positive number only.
  CHECK(m::SigmoidF::f(-1000.0f, 0.0f, 0.0f) == 0.0f);
  CHECK(m::SigmoidF::f(1000.0f, 0.0f, 0.0f) == 1.0f);
  CHECK(std::isfinite(m::SoftplusF::f(500.0f, 0.0f, 0.0f)));
}

// Error in units in the last place of the float nearest `ref` (the subnormal spacing at the
// bottom); NaN must meet NaN and an infinite reference the same infinity.
namespace {
double ulps(float got, double ref) {
  if (std::isnan(ref) || std::isnan(got)) return std::isnan(ref) && std::isnan(got) ? 0 : 1e9;
  const float rf = static_cast<float>(ref);
  if (std::isinf(rf)) return got == rf ? 0 : 1e9;
  const float up = std::nextafter(std::fabs(rf), std::numeric_limits<float>::infinity());
  const double spacing = std::isinf(up) ? std::ldexp(1.0, 104) : static_cast<double>(up) - std::fabs(rf);
  return std::fabs(static_cast<double>(got) - ref) / spacing;
}
}  // namespace

TEST_CASE("vectorizable float32 exp, tanh and sigmoid stay within 1, 1.5 and 2.5 ulp of double libm") {
  // Max errors over all 2^32 floats (exhaustive run, 22 Nov 2026): exp 0.966 ulp at
  // -0x1.45bcaap+6, tanh 1.330 ulp at 0x1.41b1cap-1, sigmoid 2.402 ulp at -0x1.0a111ap+2
  // (reference 1 / (1 + exp(-x)) in double). Here: every 4099th bit pattern (all magnitudes and
  // both signs: subnormals, tiny, huge, inf, NaN), a dense grid on [-20, 20], and specials.
  std::vector<float> xs;
  for (std::uint64_t u = 0; u < (std::uint64_t{1} << 32); u += 4099) {
    const auto bits = static_cast<std::uint32_t>(u);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    xs.push_back(f);
  }
  for (int i = -1000000; i <= 1000000; ++i) xs.push_back(static_cast<float>(i) * 2e-5f);
  const float inf = std::numeric_limits<float>::infinity();
  for (float f : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-45f, 0.625f, -0.625f, 88.7f, 88.8f, 89.0f, -103.9f, -104.5f, 9.1f,
                  -9.1f, inf, -inf, std::numeric_limits<float>::quiet_NaN()}) {
    xs.push_back(f);
  }
  double worst_exp = 0, worst_tanh = 0, worst_sigmoid = 0;
  for (float x : xs) {
    const double xd = x;
    worst_exp = std::max(worst_exp, ulps(m::exp_f32(x), std::exp(xd)));
    worst_tanh = std::max(worst_tanh, ulps(m::tanh_f32(x), std::tanh(xd)));
    worst_sigmoid = std::max(worst_sigmoid, ulps(m::sigmoid_f32(x), 1.0 / (1.0 + std::exp(-xd))));
  }
  CHECK(worst_exp <= 1.0);
  CHECK(worst_tanh <= 1.5);
  CHECK(worst_sigmoid <= 2.5);
  // Signs and exact values where they matter: odd tanh, -0 kept, saturation, NaN through.
  CHECK(std::signbit(m::tanh_f32(-0.0f)));
  CHECK(m::tanh_f32(1e-30f) == 1e-30f);
  CHECK(m::tanh_f32(inf) == 1.0f);
  CHECK(m::tanh_f32(-inf) == -1.0f);
  CHECK(m::tanh_f32(-3.7f) == -m::tanh_f32(3.7f));
  CHECK(m::sigmoid_f32(-inf) == 0.0f);
  CHECK(m::sigmoid_f32(inf) == 1.0f);
  CHECK(m::exp_f32(-inf) == 0.0f);
  CHECK(m::exp_f32(inf) == inf);
  CHECK(std::isnan(m::tanh_f32(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::isnan(m::sigmoid_f32(std::numeric_limits<float>::quiet_NaN())));
  // The ops use them for float32 (and libm for float64).
  CHECK(m::TanhF::f(0.3f, 0.0f, 0.0f) == m::tanh_f32(0.3f));
  CHECK(m::SigmoidF::f(-2.5f, 0.0f, 0.0f) == m::sigmoid_f32(-2.5f));
  CHECK(m::TanhF::f(0.3, 0.0, 0.0) == std::tanh(0.3));
}

TEST_CASE("binary functions and their partial derivatives") {
  for (double a : {-1.7, 0.3, 2.5}) {
    for (double b : {-0.8, 0.6, 2.5}) {
      INFO("a = " << a << " b = " << b);
      const double h = 1e-6;
      auto check = [&](auto f_tag, double ref) {
        using F = decltype(f_tag);
        const double y = F::f(a, b);
        CHECK(y == Approx(ref).epsilon(1e-12));
        if (a == b) return;  // min/max tie: torch's half-half rule, checked below
        CHECK(F::da(a, b, y) == Approx((F::f(a + h, b) - F::f(a - h, b)) / (2 * h)).epsilon(1e-6).margin(1e-7));
        CHECK(F::db(a, b, y) == Approx((F::f(a, b + h) - F::f(a, b - h)) / (2 * h)).epsilon(1e-6).margin(1e-7));
      };
      check(m::AddF{}, a + b);
      check(m::SubF{}, a - b);
      check(m::MulF{}, a * b);
      check(m::DivF{}, a / b);
      check(m::MinimumF{}, std::min(a, b));
      check(m::MaximumF{}, std::max(a, b));
      if (a > 0) check(m::PowF{}, std::pow(a, b));
    }
  }
  CHECK(m::MinimumF::da(1.0, 1.0, 1.0) == 0.5);
  CHECK(m::MaximumF::db(1.0, 1.0, 1.0) == 0.5);
  CHECK(m::PowF::db(0.0, 2.0, 0.0) == 0.0);  // log(0) never reached
}

TEST_CASE("comparisons, running max, argmax rule and softmax backward terms") {
  using K = m::CompareKind;
  CHECK(m::compare(K::Eq, 1.0f, 1.0f) == 1.0f);
  CHECK(m::compare(K::Ne, 1.0f, 1.0f) == 0.0f);
  CHECK(m::compare(K::Lt, 1.0, 2.0) == 1.0);
  CHECK(m::compare(K::Le, 2.0, 2.0) == 1.0);
  CHECK(m::compare(K::Gt, 1.0, 2.0) == 0.0);
  CHECK(m::compare(K::Ge, 2.0, 2.0) == 1.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(m::compare(K::Eq, nan, nan) == 0.0);

  CHECK(m::max_step(1.0, 3.0) == 3.0);
  CHECK(m::max_step(3.0, 1.0) == 3.0);
  CHECK(std::isnan(m::max_step(3.0, nan)));  // NaN wins, as torch.max
  CHECK(std::isnan(m::max_step(nan, 5.0)));
  CHECK(m::argmax_takes(1.0, 2.0));
  CHECK_FALSE(m::argmax_takes(2.0, 2.0));  // first maximum kept on ties
  CHECK(m::argmax_takes(2.0, nan));
  CHECK_FALSE(m::argmax_takes(nan, 9.0));  // never away from a NaN

  // softmax backward of one row against the Jacobian written out: dx_i = sum_j g_j y_j (d_ij - y_i).
  const std::vector<double> y = {0.2, 0.5, 0.3}, g = {1.0, -2.0, 0.5};
  double dot = 0;
  for (std::size_t j = 0; j < 3; ++j) dot += m::softmax_dot_term(g[j], y[j], false);
  for (std::size_t i = 0; i < 3; ++i) {
    double ref = 0;
    for (std::size_t j = 0; j < 3; ++j) ref += g[j] * y[j] * ((i == j ? 1.0 : 0.0) - y[i]);
    CHECK(m::softmax_grad(g[i], y[i], dot, false) == Approx(ref).epsilon(1e-12));
  }
  // log_softmax: dx_i = g_i - p_i sum_j g_j, with y = log p.
  double gsum = 0;
  for (std::size_t j = 0; j < 3; ++j) gsum += m::softmax_dot_term(g[j], std::log(y[j]), true);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(m::softmax_grad(g[i], std::log(y[i]), gsum, true) == Approx(g[i] - y[i] * gsum).epsilon(1e-12));
  }
  CHECK(m::axpby(0.99, 2.0, 0.01, 4.0) == Approx(2.02).epsilon(1e-14));
}

TEST_CASE("losses per element: squared error and Huber with their derivatives") {
  for (double d : {-3.0, -0.7, 0.0, 0.4, 2.5}) {
    CHECK(m::squared_error(d) == d * d);
    CHECK(m::squared_error_grad(d) == 2 * d);
    const double delta = 1.0;
    const double ref = std::abs(d) < delta ? 0.5 * d * d : delta * (std::abs(d) - 0.5 * delta);
    CHECK(m::huber(d, delta) == Approx(ref).epsilon(1e-14));
    CHECK(m::huber_grad(d, delta) == Approx(std::max(-delta, std::min(delta, d))).epsilon(1e-14));
  }
}

TEST_CASE("Adam and SGD element updates equal torch.optim's steps written out") {
  // Three Adam steps on one element with weight decay, against the textbook formulas.
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
  double p = 0.5, mm = 0, v = 0;
  double rp = 0.5, rm = 0, rv = 0;
  const double grads[] = {0.3, -1.2, 0.05};
  for (int t = 1; t <= 3; ++t) {
    const double g = grads[t - 1];
    p = m::adam_update(p, g, mm, v, lr, b1, b2, eps, wd, 1 - std::pow(b1, t), std::sqrt(1 - std::pow(b2, t)));
    const double gg = g + wd * rp;
    rm = b1 * rm + (1 - b1) * gg;
    rv = b2 * rv + (1 - b2) * gg * gg;
    const double mhat = rm / (1 - std::pow(b1, t)), vhat = rv / (1 - std::pow(b2, t));
    rp -= lr * mhat / (std::sqrt(vhat) + eps);
    CHECK(p == Approx(rp).epsilon(1e-6));
    CHECK(mm == Approx(rm).epsilon(1e-12));
    CHECK(v == Approx(rv).epsilon(1e-12));
  }
  // SGD with momentum 0.9, dampening 0.1, nesterov off: first step sets the buffer to g.
  double q = 1.0, buf = 0;
  q = m::sgd_update(q, 0.5, buf, true, 0.1, 0.9, 0.1, 0.0, false);
  CHECK(buf == 0.5);
  CHECK(q == Approx(1.0 - 0.05));
  q = m::sgd_update(q, 0.5, buf, false, 0.1, 0.9, 0.1, 0.0, false);
  CHECK(buf == Approx(0.9 * 0.5 + 0.9 * 0.5));
  CHECK(q == Approx(0.95 - 0.1 * 0.9));
}

TEST_CASE("CPU kernels give exactly the shared functions' values") {
  Rng gen(7);
  const Tensor x = Tensor::rand({4, 6}, gen, -3.0, 3.0);
  const std::vector<float> xv = x.to_vector<float>();
  const std::vector<float> s = sigmoid(x).to_vector<float>(), e = elu(x, 1.3).to_vector<float>();
  const std::vector<float> sp = softplus(x).to_vector<float>();
  for (std::size_t i = 0; i < xv.size(); ++i) {
    CHECK(s[i] == m::SigmoidF::f(xv[i], 0.0f, 0.0f));
    CHECK(e[i] == m::EluF::f(xv[i], 1.3f, 0.0f));
    CHECK(sp[i] == m::SoftplusF::f(xv[i], 0.0f, 0.0f));
  }
  const Tensor z = Tensor::rand({4, 6}, gen, -3.0, 3.0);
  const std::vector<float> zv = z.to_vector<float>(), c = gt(x, z).to_vector<float>();
  for (std::size_t i = 0; i < xv.size(); ++i) CHECK(c[i] == m::compare(m::CompareKind::Gt, xv[i], zv[i]));
}

TEST_CASE("layout arithmetic of the CUDA element-wise kernels reproduces cpu::copy's broadcasting") {
  namespace L = rlforge::tensor::layout;
  Rng gen(2);
  const Tensor base = Tensor::randn({4, 3}, gen);
  struct Case {
    Tensor src;
    Shape dst;
  };
  const std::vector<Case> cases = {
      {Tensor::randn({3, 1}, gen), {2, 3, 4}},   // broadcast inner and leading dims
      {base.t(), {3, 4}},                        // transposed view
      {base.narrow(1, 1, 2), {4, 2}},            // narrowed view (offset, row stride 3)
      {Tensor::scalar(2.5), {2, 2}},             // 0-d to everything
      {Tensor::randn({2, 1, 3, 1}, gen), {2, 4, 3, 5}},
  };
  for (const Case& c : cases) {
    Tensor ref = Tensor::empty(c.dst);
    rlforge::tensor::cpu::copy(c.src.impl(), ref.impl());
    // The kernel body of copy_k, run serially: out[at(ix, ld)] = src[at(ix, ls)].
    std::vector<float> got(static_cast<std::size_t>(c.dst.numel()));
    const L::Shape4 s4 = L::shape4(c.dst);
    const L::Layout ls = L::of(c.src.impl());
    const Tensor probe = Tensor::empty(c.dst);  // the contiguous output's layout
    const L::Layout ld = L::of(probe.impl());
    const float* sp = c.src.impl()->ptr<float>();
    for (int64_t i = 0; i < c.dst.numel(); ++i) {
      const L::Index4 ix = L::unravel(i, s4);
      got[static_cast<std::size_t>(L::at(ix, ld))] = sp[L::at(ix, ls)];
    }
    CHECK(got == ref.to_vector<float>());
  }
}

TEST_CASE("reduction plans of the CUDA sum kernel reproduce cpu::reduce_sum") {
  namespace L = rlforge::tensor::layout;
  Rng gen(6);
  const Tensor x = Tensor::randn({2, 3, 4}, gen, DType::float64);
  for (const Tensor& v : {x, x.transpose(0, 2)}) {
    for (std::uint32_t mask : {0u, 1u, 2u, 4u, 5u, 6u, 7u}) {
      INFO("mask " << mask << " view " << v.str());
      Shape keep;
      for (int d = 0; d < v.ndim(); ++d) keep.push_back((mask & (1u << d)) ? 1 : v.shape()[d]);
      Tensor ref = Tensor::empty(keep, DType::float64);
      rlforge::tensor::cpu::reduce_sum(v.impl(), mask, ref.impl(), 1.0);
      const L::ReducePlan p = L::reduce_plan(v.impl(), mask);
      REQUIRE(p.n_out == ref.numel());
      const double* xp = v.impl()->ptr<double>();
      const std::vector<double> r = ref.to_vector<double>();
      for (int64_t o = 0; o < p.n_out; ++o) {  // sum_k's body for one output element
        double acc = 0;
        const int64_t b = L::at(L::unravel(o, p.kept), p.lk);
        for (int64_t k = 0; k < p.n_red; ++k) acc += xp[b + L::at(L::unravel(k, p.red), p.lr)];
        CHECK(acc == Approx(r[static_cast<std::size_t>(o)]).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("the cuBLAS operand swap computes the row-major product (column-major reference)") {
  namespace L = rlforge::tensor::layout;
  // cuBLAS's contract, written out: C[i + j ldc] = sum_l op1[i, l] op2[l, j], column-major,
  // op1[i, l] = t1 ? X[l + i ld1] : X[i + l ld1], likewise op2.
  auto colmajor = [](bool t1, bool t2, int64_t m, int64_t n, int64_t k, const double* X, int64_t ld1, const double* Y,
                     int64_t ld2, double* C, int64_t ldc) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l) acc += (t1 ? X[l + i * ld1] : X[i + l * ld1]) * (t2 ? Y[j + l * ld2] : Y[l + j * ld2]);
        C[i + j * ldc] = acc;
      }
    }
  };
  Rng gen(9);
  const int64_t M = 3, N = 5, K = 4, pad = 2;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
      std::vector<double> A(static_cast<std::size_t>((ta ? K : M) * lda)), B(static_cast<std::size_t>((tb ? N : K) * ldb));
      for (double& v : A) v = gen.normal();
      for (double& v : B) v = gen.normal();
      std::vector<double> ref(static_cast<std::size_t>(M * ldc), 0.0), got(ref);
      rlforge::tensor::cpu::gemm_reference(ta, tb, M, N, K, 1.0, A.data(), lda, B.data(), ldb, 0.0, ref.data(), ldc);
      const L::ColMajorGemm cm = L::col_major_gemm(ta, tb, M, N, K);
      colmajor(cm.trans_first, cm.trans_second, cm.m, cm.n, cm.k, B.data(), ldb, A.data(), lda, got.data(), ldc);
      for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
          CHECK(got[static_cast<std::size_t>(i * ldc + j)] == Approx(ref[static_cast<std::size_t>(i * ldc + j)]).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE("mean rounds once: the CPU reduction equals math::scaled_sum, which the CUDA sum kernel ends with") {
  // Inputs where rounding the double sum to float first and the product again ("double
  // rounding", the CUDA kernel before the fix) is 1 ulp off: the check must be able to fail.
  Rng gen(11);
  int double_rounded_differs = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int64_t n = 3 + trial % 7;  // 1/n not a power of two: the product needs rounding
    const Tensor x = Tensor::randn({n}, gen);
    double acc = 0;  // sum_k's accumulator (double, any order is exact enough for this size)
    for (float v : x.to_vector<float>()) acc += static_cast<double>(v);
    const double scale = 1.0 / static_cast<double>(n);
    const float once = m::scaled_sum<float>(acc, scale);
    const float twice = static_cast<float>(static_cast<float>(acc) * scale);
    if (once != twice) ++double_rounded_differs;
    CHECK(mean(x).item() == static_cast<double>(once));
  }
  CHECK(double_rounded_differs > 0);  // the old rounding was observably different
}

TEST_CASE("clipping's scale: one double product rounded to T, infinities stay infinite, never 0 * inf") {
  CHECK(m::scale(3.0f, 0.1) == static_cast<float>(3.0 * 0.1));
  CHECK(m::scale(1e-3f, 1.0 / 3.0) == static_cast<float>(static_cast<double>(1e-3f) * (1.0 / 3.0)));
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(m::scale(inf, 0.5) == inf);               // a * x + 0 * x would be inf + NaN = NaN
  CHECK(std::isnan(m::axpby(0.5f, inf, 0.0f, inf)));  // what the CUDA clip computed before
  CHECK(m::scale(-2.0, 0.25) == -0.5);
  // clip_grad_norm on the CPU applies the same function.
  Tensor p = Tensor::zeros({3}).requires_grad_(true);
  sum(p * Tensor::from_data({3.0f, 4.0f, 12.0f}, {3})).backward();  // grad = (3, 4, 12), norm 13
  const double norm = optim::clip_grad_norm(std::vector<Tensor>{p}, 1.0);
  CHECK(norm == 13.0);
  const double coef = 1.0 / (13.0 + 1e-6);
  const std::vector<float> g = p.grad().to_vector<float>();
  CHECK(g[0] == m::scale(3.0f, coef));
  CHECK(g[2] == m::scale(12.0f, coef));
}

TEST_CASE("the CUDA caching allocator's size classes: powers of two from 256 B, none above 256 MiB") {
  namespace c = rlforge::tensor::cuda;
  CHECK(c::cache_class_of(0) == 0);
  CHECK(c::cache_class_of(1) == 0);
  CHECK(c::cache_class_of(256) == 0);
  CHECK(c::cache_class_of(257) == 1);
  CHECK(c::cache_class_of(4096) == 4);
  for (int k = 0; k < c::kCacheClasses; ++k) {
    INFO("class " << k);
    CHECK(c::cache_class_of(c::cache_class_bytes(k)) == k);
    if (k > 0) CHECK(c::cache_class_of(c::cache_class_bytes(k - 1) + 1) == k);
  }
  const std::size_t top = c::cache_class_bytes(c::kCacheClasses - 1);
  CHECK(top == std::size_t{256} << 20);  // 256 MiB
  CHECK(c::cache_class_of(top + 1) == -1);  // served uncached, at its own size
  CHECK(c::cache_class_of(std::size_t{1} << 40) == -1);
  CHECK(c::cache_class_of(std::numeric_limits<std::size_t>::max()) == -1);  // no endless loop, no shift past 63
}

TEST_CASE("to(Device::cuda()) without a usable device throws a clear DeviceError, never crashes") {
  if (cuda_available()) return;  // the GPU suite covers real transfers
  const Tensor x = Tensor::ones({3, 2});
  try {
    (void)x.to(Device::cuda());
    FAIL("to(cuda) succeeded without a device");
  } catch (const DeviceError& err) {
    const std::string msg = err.what();
    INFO(msg);
    if (cuda_built()) CHECK_THAT(msg, Contains("no CUDA device available: "));
    else CHECK_THAT(msg, Contains("no CUDA support"));
    CHECK_THAT(msg, Contains("(3, 2)"));
  }
  CHECK_FALSE(cuda_available());
}
