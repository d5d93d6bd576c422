// Tests of the .npz writer: CRC-32, .npy header layout, ZIP records, limits and atomicity.
#include <catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/error.hpp"
#include "core/npz.hpp"

using namespace rlforge;
namespace fs = std::filesystem;

namespace {

std::uint32_t crc_of(std::string_view s) { return crc32(std::as_bytes(std::span(s))); }

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::uint32_t le(const std::string& s, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | static_cast<std::uint8_t>(s[at + k]);
  return v;
}

fs::path scratch_dir() {
  fs::path d = fs::temp_directory_path() / ("rlforge_test_npz_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("crc32 matches the IEEE/zlib check values", "[npz]") {
  CHECK(crc_of("") == 0u);
  CHECK(crc_of("123456789") == 0xCBF43926u);
  CHECK(crc_of("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
  const std::string a = "12345", b = "6789";
  CHECK(crc32(std::as_bytes(std::span(b)), crc_of(a)) == 0xCBF43926u);
}

TEST_CASE("npy_descr names numpy's little-endian dtypes", "[npz]") {
  CHECK(npy_descr(DType::float32) == "<f4");
  CHECK(npy_descr(DType::float64) == "<f8");
  CHECK(npy_descr(DType::uint8) == "|u1");
  CHECK(npy_descr(DType::int8) == "|i1");
  CHECK(npy_descr(DType::int32) == "<i4");
  CHECK(npy_descr(DType::int64) == "<i8");
  CHECK(kNpyBool == "|b1");
}

TEST_CASE("npy_header is v1.0, padded to 64 bytes, ending in a newline", "[npz]") {
  const float data[12] = {};
  const std::string h = npy_header(npy_array("x", DType::float32, {3, 4}, data));
  // 10 + 60 dict characters + '\n' round up to 128 (numpy writes the same 128 bytes here).
  REQUIRE(h.size() == 128);
  CHECK(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(le(h, 8, 2) == 118);
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  CHECK(h.substr(10, dict.size()) == dict);
  CHECK(h.back() == '\n');
  CHECK(h.find_first_not_of(' ', 10 + dict.size()) == h.size() - 1);

  const std::uint8_t flags[5] = {};
  CHECK(npy_header(npy_bool_array("b", {5}, flags)).find("'descr': '|b1'") != std::string::npos);
  CHECK(npy_header(npy_bool_array("b", {5}, flags)).find("'shape': (5,), }") != std::string::npos);
  const double scalar = 1.0;
  CHECK(npy_header(npy_array("s", DType::float64, {}, &scalar)).find("'shape': (), }") !=
        std::string::npos);
}

TEST_CASE("write_npz writes stored ZIP members with sizes, CRCs and a central directory", "[npz]") {
  const fs::path dir = scratch_dir();
  const fs::path path = dir / "two.npz";
  const std::int64_t ints[3] = {1, -2, 3};
  const std::uint8_t flags[2] = {1, 0};
  const std::vector<NpyArray> arrays = {npy_array("ints", DType::int64, {3}, ints),
                                        npy_bool_array("flags", {2}, flags)};
  write_npz(path.string(), arrays);
  const std::string z = read_all(path);

  // First local header: signature, version 20, no flags, stored, 1980-01-01.
  REQUIRE(z.size() > 30);
  CHECK(le(z, 0, 4) == 0x04034b50u);
  CHECK(le(z, 4, 2) == 20);
  CHECK(le(z, 6, 2) == 0);
  CHECK(le(z, 8, 2) == 0);
  CHECK(le(z, 12, 2) == 0x21);
  const std::string member = npy_header(arrays[0]) + std::string(reinterpret_cast<const char*>(ints), 24);
  CHECK(le(z, 14, 4) == crc_of(member));
  CHECK(le(z, 18, 4) == member.size());
  CHECK(le(z, 22, 4) == member.size());
  CHECK(le(z, 26, 2) == 8);
  CHECK(z.substr(30, 8) == "ints.npy");
  CHECK(z.substr(38, member.size()) == member);

  // End record: 2 entries; the central directory it points to starts with its signature.
  const std::size_t eocd = z.size() - 22;
  CHECK(le(z, eocd, 4) == 0x06054b50u);
  CHECK(le(z, eocd + 8, 2) == 2);
  CHECK(le(z, eocd + 10, 2) == 2);
  const std::uint32_t cd_size = le(z, eocd + 12, 4), cd_offset = le(z, eocd + 16, 4);
  CHECK(cd_offset + cd_size == eocd);
  CHECK(le(z, cd_offset, 4) == 0x02014b50u);
  CHECK(le(z, cd_offset + 42, 4) == 0);  // offset of the first local header
  CHECK(z.substr(cd_offset + 46, 8) == "ints.npy");
  const std::size_t second = cd_offset + 46 + 8;
  CHECK(le(z, second + 42, 4) == 38 + member.size());
  CHECK(z.substr(second + 46, 9) == "flags.npy");

  // Same arrays, same bytes; no temporary left behind.
  const fs::path again = dir / "again.npz";
  write_npz(again.string(), arrays);
  CHECK(read_all(again) == z);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  fs::remove_all(dir);
}

TEST_CASE("write_npz refuses bad input and leaves nothing behind", "[npz]") {
  const fs::path dir = scratch_dir();
  const std::uint8_t byte = 0;
  SECTION("a missing folder") {
    const std::vector<NpyArray> a = {npy_array("x", DType::uint8, {1}, &byte)};
    CHECK_THROWS_AS(write_npz((dir / "no_such_dir" / "x.npz").string(), a), Error);
  }
  SECTION("a duplicate name") {
    const std::vector<NpyArray> a = {npy_array("x", DType::uint8, {1}, &byte),
                                     npy_array("x", DType::uint8, {1}, &byte)};
    CHECK_THROWS_AS(write_npz((dir / "x.npz").string(), a), InvalidArgument);
  }
  SECTION("an archive of 4 GiB or more (checked before any byte is read)") {
    const std::vector<NpyArray> a = {npy_array("big", DType::uint8, {std::int64_t{1} << 32}, &byte)};
    CHECK_THROWS_WITH(write_npz((dir / "x.npz").string(), a),
                      Catch::Contains("4 GiB") && Catch::Contains("ZIP64"));
  }
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}
