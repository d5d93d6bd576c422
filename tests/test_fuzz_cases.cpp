// Inputs of the kind the fuzzers (tests/fuzz/) found, kept as regression cases: each must end in
// a clear error naming the source, never a crash, a stack overflow or a giant allocation.
#include <catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "agents/config.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "tensor/errors.hpp"
#include "tensor/serialization.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace rlforge;
namespace fs = std::filesystem;

namespace {

using fuzz::put;
using fuzz::tensor_file_around;

// cereal portable binary: a little-endian flag byte, then the values.
std::string one_entry(std::uint64_t name_len, const std::string& name, std::uint8_t dtype,
                      std::initializer_list<std::int64_t> dims, std::uint64_t rank = ~0ull) {
  std::string p(1, '\1');
  put(p, std::uint64_t{1});
  put(p, name_len);
  p += name;
  put(p, dtype);
  put(p, rank == ~0ull ? static_cast<std::uint64_t>(dims.size()) : rank);
  for (auto d : dims) put(p, d);
  return p;
}

std::string write_temp(const std::string& name, const std::string& bytes) {
  const std::string path = (fs::temp_directory_path() / ("rlforge_fuzz_case_" + name)).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace

TEST_CASE("fuzz: JSON nested a million levels deep is refused, not a stack overflow", "[core][json][fuzz]") {
  const std::string deep = "{\"a\": " + std::string(1000000, '[') + std::string(1000000, ']') + "}";
  CHECK_THROWS_WITH(JsonObject::parse(deep, "deep.json"),
                    Catch::Contains("deep.json") && Catch::Contains("nested deeper than 64"));
  // Brackets inside strings are text, not nesting.
  const std::string text = "{\"a\": \"" + std::string(1000, '[') + "\\\"\"}";
  CHECK(JsonObject::parse(text, "s").get_string("a").size() == 1001);
  // 64 levels are fine.
  std::string ok = "{\"a\": " + std::string(63, '[') + std::string(63, ']') + "}";
  CHECK_NOTHROW(JsonObject::parse(ok, "ok"));
}

TEST_CASE("fuzz: a zero written with many zeros parses to zero without rapidjson's clz(0)", "[core][json][fuzz]") {
  // fuzz_config: "lr": 0.000...0 (UBSan: passing zero to clz() in rapidjson's exact strtod).
  const std::string z(40, '0');  // 42-character numbers: within the 64 allowed
  const auto o = JsonObject::parse("{\"a\": 0." + z + ", \"b\": -0." + z + "e5, \"c\": 10." + z + ", \"d\": \"0." + z + "\"}", "z");
  CHECK(o.get_double("a") == 0.0);
  CHECK(o.get_double("b") == 0.0);
  CHECK(std::signbit(o.get_double("b")));
  CHECK(o.get_double("c") == 10.0);
  CHECK(o.get_string("d") == "0." + z);  // strings untouched
  // fuzz_overrides: "ppo.lr=0e-33" (an exponent beyond the fast path's +-22).
  const auto e = JsonObject::parse(R"({"a": 0e-33, "b": -0E+400, "c": 0.0e5, "d": 1e-33, "e": [0e99,0]})", "e");
  CHECK(e.get_double("a") == 0.0);
  CHECK(e.get_double("b") == 0.0);
  CHECK(e.get_double("c") == 0.0);
  CHECK(e.get_double("d") == 1e-33);
  CHECK(e.get_doubles("e") == std::vector<double>{0.0, 0.0});
  CHECK(e.type_of("a") == "number");
  // fuzz_config: a long zero followed by more of a bad token is still refused at the same column.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0." + z + ".0}", "z"), Catch::Contains("column 49"));
  // fuzz_config: "0e7753e-87": the rewritten zero must not join the "e-87" after it.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0e7753e-87}", "z"), Catch::Contains("column 13"));
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0e0e-80e}", "z"), Catch::Contains("column 10"));
  // fuzz_config: "1e536870878" overflowed rapidjson's exponent arithmetic (signed overflow).
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 1e536870878}", "z"),
                    Catch::Contains("z: number 1e536870878 is out of range"));
  // fuzz_config: "NaN.0e-82" read the digits after NaN into the exact strtod (clz(0)).
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": NaN.0e-82}", "z"), Catch::Contains("z: number NaN.0e-82 is out of range"));
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": -Infinity0}", "z"), Catch::Contains("out of range"));
  CHECK(std::isnan(JsonObject::parse("{\"a\": NaN, \"b\": -Infinity}", "z").get_double("a")));
  // fuzz_config: "Infe000" (rapidjson also takes "Inf") made its strtod assert, which cereal turns
  // into a throw through noexcept code: std::terminate. Refused like NaN.0e-82.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": Infe000}", "z"), Catch::Contains("z: number Infe000"));
  CHECK_THROWS_AS(JsonObject::parse("Infe000$", "z"), ConfigError);
  // ... and so did a 0.000...01 of a few hundred digits.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0." + std::string(300, '0') + "1}", "z"), Catch::Contains("out of range"));
  CHECK(JsonObject::parse("{\"a\": 1e-0300, \"b\": 2.5E+0007}", "z").get_double("b") == 2.5e7);
  // fuzz_config (CI, 1 Dec): digits beyond rapidjson's cached powers of ten ("0.000184467333333733e-333":
  // exponent -333 minus 18 fraction digits) overflowed an int in its exact strtod; refused, as is
  // a number beyond a double's range. Numbers near the ends of the range still parse.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0.000184467333333733e-333}", "z"),
                    Catch::Contains("z: number 0.000184467333333733e-333 is out of range"));
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 12.5e308}", "z"), Catch::Contains("out of range"));
  CHECK(JsonObject::parse("{\"a\": 1.7e308, \"b\": 2.5e-308, \"c\": 0.0e-999}", "z").get_double("a") == 1.7e308);
  CHECK(JsonObject::parse("{\"a\": 2.5e-308}", "z").get_double("a") == 2.5e-308);
  // Offsets in errors are unchanged by the rewrite: the bad token is still at column 50.
  CHECK_THROWS_WITH(JsonObject::parse("{\"a\": 0." + z + " x}", "z"), Catch::Contains("column 50"));
}

TEST_CASE("fuzz: a --set value cannot smuggle in other keys; control characters are escaped", "[agents][config][fuzz]") {
  const std::string cfg = RLFORGE_SOURCE_DIR "/experiments/configs/cartpole_ppo.json";
  // `1, "algo": "dqn"` parses inside {"v": ...}; it was merged as two keys and turned the run into DQN.
  CHECK_THROWS_WITH(agents::load_config(cfg, {"seed=1, \"algo\": \"dqn\""}),
                    Catch::Contains("seed") && Catch::Contains("integer"));
  const auto c = agents::load_config(cfg, {"env.id=Cart\tPole\x01"});
  CHECK(agents::run_config(c).env_id == "Cart\tPole\x01");
}

TEST_CASE("fuzz: tensor files with lying lengths are refused before anything is allocated", "[tensor][fuzz]") {
  auto refused = [](const std::string& name, const std::string& payload, const std::string& what) {
    const std::string path = write_temp(name, tensor_file_around(payload));
    INFO(name);
    CHECK_THROWS_WITH(tensor::load_tensors(path), Catch::Contains(path) && Catch::Contains(what));
  };
  // A name claiming 2^62 bytes (cereal resized the string first: std::length_error / OOM).
  refused("name", one_entry(std::uint64_t{1} << 62, "w", 0, {1}), "name of");
  // A rank of 2^60 (the dims vector was resized first).
  refused("rank", one_entry(1, "w", 0, {}, std::uint64_t{1} << 60), "dims");
  // Dims whose product overflows int64 (UB in numel(); the size check then passed).
  refused("overflow", one_entry(1, "w", 0, {std::int64_t{1} << 32, std::int64_t{1} << 32, 16}), "exceeds the payload");
  refused("big", one_entry(1, "w", 1, {1000, 1000}), "exceeds the payload");
  // fuzz_tensor_file: an empty tensor whose other dims overflow the strides (UB in contiguous_strides).
  refused("empty_overflow", one_entry(1, "w", 0, {0, std::int64_t{1} << 40, std::int64_t{1} << 40}), "exceeds");
  // A zero dimension holds nothing; the others need only fit 2^48.
  const std::string path = write_temp("empty", tensor_file_around(one_entry(1, "w", 0, {0, std::int64_t{1} << 40})));
  const auto t = tensor::load_tensors(path);
  REQUIRE(t.size() == 1);
  CHECK(t[0].value.numel() == 0);
}
