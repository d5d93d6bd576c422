// Distributions against closed forms computed here in double precision, sampling statistics,
// the tanh correction against the change-of-variables density (and its integral), and
// finite-difference gradients of log-probs and entropies.
#include <catch.hpp>

#include <cmath>
#include <functional>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/distributions.hpp"
#include "tensor/ops.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using Catch::Matchers::Contains;

namespace {

constexpr double kPi = 3.14159265358979323846;

double normal_logpdf(double x, double mu, double sd) {
  const double z = (x - mu) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * kPi);
}

// Central differences of sum(f()) with respect to every element of each tensor in `wrt`.
void gradcheck(const std::function<Tensor()>& f, std::vector<Tensor> wrt) {
  for (Tensor& t : wrt) t.zero_grad();
  sum(f()).backward();
  for (Tensor& t : wrt) {
    const std::vector<double> analytic = t.grad().to_vector<double>();
    double* p = t.data<double>();
    NoGradGuard ng;
    for (std::int64_t k = 0; k < t.numel(); ++k) {
      const double keep = p[k];
      p[k] = keep + 1e-6;
      const double up = sum(f()).item();
      p[k] = keep - 1e-6;
      const double down = sum(f()).item();
      p[k] = keep;
      const double numeric = (up - down) / 2e-6;
      INFO("element " << k);
      CHECK(analytic[static_cast<std::size_t>(k)] == Approx(numeric).margin(1e-6).epsilon(1e-5));
    }
  }
}

}  // namespace

TEST_CASE("Categorical: log_prob, entropy and mode match the closed forms") {
  const std::vector<double> logits = {0.5, -1.0, 2.0, 0.0, 0.0, 3.0};
  Tensor l = Tensor::from_data(std::span<const double>(logits), {2, 3});
  dist::Categorical c(l);
  const Tensor lp = c.log_prob(Tensor::from_data(std::vector<std::int64_t>{2, 0}, {2}));
  for (int b = 0; b < 2; ++b) {
    double z = 0;
    for (int a = 0; a < 3; ++a) z += std::exp(logits[b * 3 + a]);
    const int act = b == 0 ? 2 : 0;
    CHECK(lp.to_vector<double>()[b] == Approx(logits[b * 3 + act] - std::log(z)));
    double h = 0;
    for (int a = 0; a < 3; ++a) {
      const double p = std::exp(logits[b * 3 + a]) / z;
      h -= p * std::log(p);
    }
    CHECK(c.entropy().to_vector<double>()[b] == Approx(h));
  }
  CHECK(c.mode().to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 2});
  CHECK_THROWS_WITH(c.log_prob(Tensor::from_data(std::vector<std::int64_t>{1, 1, 1}, {3})), Contains("(2, 3)"));
  CHECK_THROWS_AS(dist::Categorical(Tensor::zeros({3})), ShapeError);
}

TEST_CASE("Categorical sampling frequencies follow the probabilities") {
  const std::int64_t B = 20000;
  Tensor p = Tensor::from_data(std::vector<double>{0.1, 0.2, 0.7}, {1, 3});
  Tensor logits = log(p) + Tensor::zeros({B, 3}, DType::float64);
  dist::Categorical c(logits);
  Rng gen(42);
  const auto s = c.sample(gen).to_vector<std::int64_t>();
  double count[3] = {0, 0, 0};
  for (auto a : s) count[a] += 1;
  CHECK(count[0] / B == Approx(0.1).margin(0.01));
  CHECK(count[1] / B == Approx(0.2).margin(0.01));
  CHECK(count[2] / B == Approx(0.7).margin(0.01));
}

TEST_CASE("Categorical gradients of log_prob and entropy (finite differences)") {
  Rng gen(1);
  Tensor logits = Tensor::randn({4, 5}, gen, DType::float64);
  logits.requires_grad_();
  const Tensor actions = Tensor::from_data(std::vector<std::int64_t>{0, 4, 2, 2}, {4});
  gradcheck([&] { return dist::Categorical(logits).log_prob(actions); }, {logits});
  gradcheck([&] { return dist::Categorical(logits).entropy(); }, {logits});
}

TEST_CASE("Normal: log_prob and entropy match the closed forms; rsample is reparameterized") {
  const std::vector<double> mu = {0.5, -1.0, 2.0, 0.0};
  const std::vector<double> ls = {-0.5, 0.3};
  Tensor mean = Tensor::from_data(std::span<const double>(mu), {2, 2});
  Tensor log_std = Tensor::from_data(std::span<const double>(ls), {2});
  dist::Normal n(mean, log_std);
  const std::vector<double> xv = {0.0, 1.0, 1.5, -2.0};
  const auto lp = n.log_prob(Tensor::from_data(std::span<const double>(xv), {2, 2})).to_vector<double>();
  const auto h = n.entropy().to_vector<double>();
  for (int b = 0; b < 2; ++b) {
    double want = 0, ent = 0;
    for (int d = 0; d < 2; ++d) {
      want += normal_logpdf(xv[b * 2 + d], mu[b * 2 + d], std::exp(ls[d]));
      ent += 0.5 + 0.5 * std::log(2 * kPi) + ls[d];
    }
    CHECK(lp[b] == Approx(want));
    CHECK(h[b] == Approx(ent));
  }
  CHECK_THROWS_AS(dist::Normal(mean, Tensor::zeros({3}, DType::float64)), ShapeError);

  Rng gen(3);
  Tensor m = Tensor::zeros({5000, 1}, DType::float64);
  Tensor s = Tensor::full({1}, std::log(2.0), DType::float64);
  m.requires_grad_();
  s.requires_grad_();
  Tensor x = dist::Normal(m, s).rsample(gen);
  CHECK(rlforge::tensor::mean(x).item() == Approx(0.0).margin(0.1));
  CHECK(std::sqrt(rlforge::tensor::mean(x * x).item()) == Approx(2.0).margin(0.1));
  sum(x).backward();
  CHECK(m.grad().to_vector<double>()[0] == 1.0);  // d(mean + std eps)/d mean
  CHECK(s.grad().item() == Approx(sum(x).item()).margin(1e-9));  // d/d log_std = std eps summed
}

TEST_CASE("Normal gradients of log_prob and entropy (finite differences)") {
  Rng gen(2);
  Tensor mean = Tensor::randn({3, 2}, gen, DType::float64);
  Tensor log_std = Tensor::randn({2}, gen, DType::float64) * 0.3;
  log_std = log_std.detach();
  mean.requires_grad_();
  log_std.requires_grad_();
  const Tensor x = Tensor::randn({3, 2}, gen, DType::float64);
  gradcheck([&] { return dist::Normal(mean, log_std).log_prob(x); }, {mean, log_std});
  gradcheck([&] { return dist::Normal(mean, log_std).entropy(); }, {log_std});
}

TEST_CASE("TanhNormal: log-prob is the change-of-variables density and integrates to 1") {
  const double mu = 0.3, sd = 0.8;
  Tensor mean = Tensor::full({1, 1}, mu, DType::float64);
  Tensor log_std = Tensor::full({1}, std::log(sd), DType::float64);
  dist::TanhNormal tn(mean, log_std);
  for (double a : {-0.99, -0.5, 0.0, 0.4, 0.95}) {
    const double want = normal_logpdf(std::atanh(a), mu, sd) - std::log(1 - a * a);
    CHECK(tn.log_prob(Tensor::full({1, 1}, a, DType::float64)).item() == Approx(want).epsilon(1e-9));
  }
  // Midpoint rule over (-1, 1) in u-space-free form: the density of a must integrate to 1.
  const int n = 200000;
  std::vector<double> grid(n);
  for (int i = 0; i < n; ++i) grid[i] = -1.0 + (i + 0.5) * (2.0 / n);
  const Tensor a = Tensor::from_data(std::span<const double>(grid), {n, 1});
  const Tensor lp = dist::TanhNormal(Tensor::full({n, 1}, mu, DType::float64), log_std).log_prob(a);
  CHECK(sum(exp(lp)).item() * (2.0 / n) == Approx(1.0).margin(2e-3));
}

TEST_CASE("TanhNormal: sampled log-prob agrees with log_prob(action); stable for large pre-tanh values") {
  Rng gen(9);
  Tensor mean = Tensor::randn({64, 3}, gen, DType::float64) * 0.5;
  Tensor log_std = Tensor::full({3}, -0.5, DType::float64);
  dist::TanhNormal tn(mean, log_std);
  auto [action, logp] = tn.rsample_with_log_prob(gen);
  const auto direct = tn.log_prob(action).to_vector<double>();
  const auto via = logp.to_vector<double>();
  for (std::size_t i = 0; i < via.size(); ++i) CHECK(via[i] == Approx(direct[i]).epsilon(1e-6));
  CHECK(max(abs(action)).item() < 1.0);
  // u around 20: tanh(u) rounds to 1, yet the pre-tanh log-prob stays finite.
  dist::TanhNormal far(Tensor::full({2, 2}, 20.0, DType::float64), Tensor::full({2}, -3.0, DType::float64));
  auto [a2, lp2] = far.rsample_with_log_prob(gen);
  CHECK(std::isfinite(sum(lp2).item()));
  CHECK(far.mode().to_vector<double>()[0] == Approx(std::tanh(20.0)));
}

TEST_CASE("TanhNormal gradients through the reparameterized sample (finite differences)") {
  Rng gen(4);
  Tensor mean = Tensor::randn({3, 2}, gen, DType::float64);
  mean = mean.detach();
  Tensor log_std = Tensor::full({2}, -0.2, DType::float64);
  mean.requires_grad_();
  log_std.requires_grad_();
  // The same noise each call: copy the generator so rsample draws identical eps.
  const Rng start(77);
  gradcheck([&] {
    Rng g = start;
    auto [a, lp] = dist::TanhNormal(mean, log_std).rsample_with_log_prob(g);
    return sum(a, -1) + lp;
  }, {mean, log_std});
}
