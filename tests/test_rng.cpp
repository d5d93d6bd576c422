// Rng: seeding, the state round trip checkpoints rely on, below()'s range and uniformity.
#include <catch.hpp>

#include <array>
#include <cstdlib>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

using namespace rlforge;
using Catch::Matchers::Contains;

TEST_CASE("same seed, same stream; another seed, another stream") {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
}

TEST_CASE("set_state(state()) continues the stream; the all-zero state is refused") {
  Rng g(9);
  (void)g.normal();
  std::array<std::uint64_t, 4> st{};
  for (std::size_t i = 0; i < 4; ++i) st[i] = g.state()[i];
  const std::uint64_t a = g.next_u64(), b = g.next_u64();
  Rng h(123);
  h.set_state(st);
  CHECK(h.next_u64() == a);
  CHECK(h.next_u64() == b);
  const std::array<std::uint64_t, 4> zero{};
  const Rng before = h;
  CHECK_THROWS_AS(h.set_state(zero), InvalidArgument);
  CHECK_THROWS_WITH(h.set_state(zero), Contains("all-zero"));
  CHECK(h == before);  // the refused call changed nothing
}

TEST_CASE("below(n) stays in [0, n) and hits every value about equally often") {
  Rng g(3);
  CHECK(g.below(1) == 0);
  std::vector<int> counts(6, 0);
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = g.below(6);
    REQUIRE(v < 6);
    ++counts[v];
  }
  // Each count is Binomial(60000, 1/6): sd ~ 91, so 500 is more than 5 sd.
  for (int c : counts) CHECK(std::abs(c - draws / 6) < 500);
  // n just above 2^63, where a plain modulo would be most biased: still in range.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) REQUIRE(g.below(big) < big);
}
