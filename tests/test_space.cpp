// Spaces: gymnasium's bounds, dtypes, membership, sampling distributions and JSON round trip.
#include <catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/space.hpp"

using namespace rlforge;

static const double kInf = std::numeric_limits<double>::infinity();

TEST_CASE("Discrete contains its integers and samples them uniformly") {
  const Space s = Space::discrete(3, -1);
  CHECK(s.repr() == "Discrete(3, start=-1)");
  for (std::int64_t v : {-1, 0, 1}) CHECK(s.contains(scalar_view(v)));
  for (std::int64_t v : {-2, 2}) CHECK_FALSE(s.contains(scalar_view(v)));
  CHECK(s.contains(scalar_view(std::int32_t{0})));  // any integer dtype, as gymnasium
  CHECK_FALSE(s.contains(scalar_view(0.0f)));
  std::int64_t one[1] = {0};
  CHECK_FALSE(s.contains(array_view(one, 1)));  // shape (1,) is not a scalar
  Rng rng(7);
  std::vector<int> counts(3);
  const int n = 30000;
  for (int i = 0; i < n; ++i) {
    std::int64_t v;
    s.sample(rng, &v);
    REQUIRE(s.contains(scalar_view(v)));
    ++counts[static_cast<std::size_t>(v + 1)];
  }
  for (int c : counts) CHECK(std::abs(c - n / 3) < 5 * std::sqrt(n / 3.0));
  CHECK_THROWS_AS(Space::discrete(0), InvalidArgument);
}

TEST_CASE("Box rounds bounds to float32 and checks dtype, shape, bounds and NaN") {
  const Space s = Space::box({-1.0, 0.1}, {1.0, 2.0}, Shape{2});
  CHECK(s.low()[1] == static_cast<double>(0.1f));
  float ok[2] = {0.5f, 0.1f};
  CHECK(s.contains(array_view(ok, 2)));
  float out[2] = {0.5f, 2.5f};
  CHECK_FALSE(s.contains(array_view(out, 2)));
  CHECK(s.explain_not_contained(array_view(out, 2)).find("element 1") != std::string::npos);
  float nan[2] = {std::nanf(""), 1.0f};
  CHECK(s.explain_not_contained(array_view(nan, 2)).find("NaN") != std::string::npos);
  double wide[2] = {0.5, 1.0};
  CHECK_FALSE(s.contains(array_view(wide, 2)));  // float64 does not cast safely to float32
  float three[3] = {0, 0, 0};
  CHECK_FALSE(s.contains(array_view(three, 3)));
  CHECK_THROWS_AS(Space::box(1.0, 0.0, Shape{1}), InvalidArgument);
  CHECK_THROWS_AS(Space::box({0.0, 0.0, 0.0}, {1.0}, Shape{2}), InvalidArgument);
  CHECK(s.repr() == "Box([-1.0 0.1], [1.0 2.0], (2,), float32)");  // numpy's float32 digits
}

TEST_CASE("Box sampling uses gymnasium's distribution per kind of interval") {
  // dims: bounded [2,4], below-bounded [1,inf), above-bounded (-inf,-1], unbounded.
  const Space s = Space::box({2.0, 1.0, -kInf, -kInf}, {4.0, kInf, -1.0, kInf}, Shape{4},
                             DType::float64);
  Rng rng(11);
  const int n = 200000;
  std::vector<double> sum(4), sumsq(4);
  double lo0 = kInf, hi0 = -kInf;
  for (int i = 0; i < n; ++i) {
    double x[4];
    s.sample(rng, x);
    REQUIRE(s.contains(array_view(x, 4)));
    lo0 = std::min(lo0, x[0]);
    hi0 = std::max(hi0, x[0]);
    for (int j = 0; j < 4; ++j) {
      sum[j] += x[j];
      sumsq[j] += x[j] * x[j];
    }
  }
  auto mean = [&](int j) { return sum[j] / n; };
  auto var = [&](int j) { return sumsq[j] / n - mean(j) * mean(j); };
  CHECK(lo0 >= 2.0);
  CHECK(hi0 < 4.0);
  CHECK(mean(0) == Approx(3.0).margin(0.01));    // uniform: mean (a+b)/2
  CHECK(var(0) == Approx(4.0 / 12).margin(0.01)); // variance (b-a)^2/12
  CHECK(mean(1) == Approx(2.0).margin(0.01));    // low + Exp(1): mean low + 1
  CHECK(var(1) == Approx(1.0).margin(0.02));
  CHECK(mean(2) == Approx(-2.0).margin(0.01));   // high - Exp(1)
  CHECK(mean(3) == Approx(0.0).margin(0.01));    // N(0, 1)
  CHECK(var(3) == Approx(1.0).margin(0.02));
}

TEST_CASE("Integer Box includes its upper bound and maps infinite bounds to dtype limits") {
  const Space s = Space::box(0.0, 2.0, Shape{1}, DType::int32);
  Rng rng(3);
  std::vector<int> counts(3);
  for (int i = 0; i < 30000; ++i) {
    std::int32_t v;
    s.sample(rng, &v);
    REQUIRE(v >= 0);
    REQUIRE(v <= 2);
    ++counts[static_cast<std::size_t>(v)];
  }
  for (int c : counts) CHECK(c > 9000);  // high is inclusive: 2 occurs ~1/3 of the time
  const Space u = Space::box(-kInf, kInf, Shape{2}, DType::int64);
  CHECK_FALSE(u.bounded_below(0));
  CHECK(u.low()[0] == static_cast<double>(std::numeric_limits<std::int64_t>::min()));
  CHECK_THROWS_AS(Space::box(-kInf, 1.0, Shape{1}, DType::uint8), InvalidArgument);
  CHECK_THROWS_AS(Space::box(0.0, 300.0, Shape{1}, DType::uint8), InvalidArgument);
  const Space pixels = Space::box(0.0, 255.0, Shape{2, 3}, DType::uint8);
  std::uint8_t img[6];
  pixels.sample(rng, img);
  CHECK(pixels.contains(ConstArray{img, DType::uint8, Shape{2, 3}}));
}

TEST_CASE("MultiDiscrete and MultiBinary") {
  const Space md = Space::multi_discrete({3, 2}, {1, 0});
  CHECK(md.repr() == "MultiDiscrete([3 2])");
  std::int64_t good[2] = {3, 1}, bad[2] = {0, 1};
  CHECK(md.contains(array_view(good, 2)));
  CHECK_FALSE(md.contains(array_view(bad, 2)));
  const Space mb = Space::multi_binary(Shape{3});
  CHECK(mb.dtype() == DType::int8);
  std::int8_t b[3] = {0, 1, 1}, nb[3] = {0, 2, 1};
  CHECK(mb.contains(array_view(b, 3)));
  CHECK_FALSE(mb.contains(array_view(nb, 3)));
  Rng rng(5);
  int ones = 0;
  for (int i = 0; i < 10000; ++i) {
    std::int8_t x[3];
    mb.sample(rng, x);
    REQUIRE(mb.contains(array_view(x, 3)));
    ones += x[0];
  }
  CHECK(std::abs(ones - 5000) < 250);
}

TEST_CASE("Spaces round-trip through JSON, infinities and unbounded marks included") {
  const std::vector<Space> spaces = {
      Space::discrete(5, 2),
      Space::box({-kInf, 0.0}, {kInf, 1.5}, Shape{2}),
      Space::box(-kInf, 7.0, Shape{2, 2}, DType::int64),
      Space::box(0.0, 255.0, Shape{4, 4, 3}, DType::uint8),
      Space::multi_discrete({2, 3, 4}),
      Space::multi_binary(Shape{2, 2}),
  };
  for (const auto& s : spaces) {
    const Space back = Space::from_json(s.to_json());
    CHECK(back == s);
    CHECK(back.repr() == s.repr());
  }
  CHECK_THROWS_AS(Space::from_json(R"({"type": "Boxx"})"), ConfigError);
  CHECK_THROWS_WITH(Space::from_json(R"({"type": "Discrete", "n": "two"})", "spaces.json"),
                    Catch::Contains("spaces.json") && Catch::Contains("'n'"));
}

TEST_CASE("sample_batch draws uniform Discrete batches and general batches inside the space") {
  for (std::int64_t n : {2, 3, 4, 1}) {
    const Space s = Space::discrete(n, 5);
    Rng rng(21);
    std::vector<std::int64_t> a(4096 * 3);
    s.sample_batch(rng, a.data(), static_cast<std::int64_t>(a.size()));
    std::vector<int> counts(static_cast<std::size_t>(n));
    for (auto v : a) {
      REQUIRE(s.contains(scalar_view(v)));
      ++counts[static_cast<std::size_t>(v - 5)];
    }
    const double expect = static_cast<double>(a.size()) / static_cast<double>(n);
    for (int c : counts) CHECK(std::abs(c - expect) < 5 * std::sqrt(expect) + 1);
  }
  // Consecutive values are independent (a lag-1 check on Discrete(2) bits).
  const Space coin = Space::discrete(2);
  Rng rng(4);
  std::vector<std::int64_t> b(100000);
  coin.sample_batch(rng, b.data(), static_cast<std::int64_t>(b.size()));
  int same = 0;
  for (std::size_t i = 1; i < b.size(); ++i) same += b[i] == b[i - 1];
  CHECK(std::abs(same - 50000) < 1000);
  const Space box = Space::box(-2.0, 3.0, Shape{3});
  std::vector<float> x(3 * 100);
  box.sample_batch(rng, x.data(), 100);
  for (int i = 0; i < 100; ++i) CHECK(box.contains(array_view(x.data() + 3 * i, 3)));
}
