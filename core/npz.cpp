// Npz: .npy headers, CRC-32, and a stored (uncompressed) ZIP writer with an atomic rename.
#include "core/npz.hpp"

#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace rlforge {

static_assert(std::endian::native == std::endian::little,
              "npz writes the host's bytes as little-endian arrays");

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

// ZIP record sizes without the member name (APPNOTE 4.3.7, 4.3.12, 4.3.16).
constexpr std::uint64_t kLocalHeader = 30, kCentralHeader = 46, kEndRecord = 22;
constexpr std::uint16_t kVersionNeeded = 20;  // 2.0: the oldest with stored members + CRC
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, fixed
constexpr std::uint16_t kDosTime = 0;

void put16(std::string& s, std::uint16_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& s, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

struct Member {
  std::string file_name;  // "<name>.npy"
  std::string preamble;   // the .npy header
  const NpyArray* array;
  std::uint32_t size = 0;    // preamble + data
  std::uint32_t crc = 0;
  std::uint32_t offset = 0;  // of its local header
};

// Fields shared by the local and the central header, from "version needed" to "extra len".
void put_common(std::string& s, const Member& m) {
  put16(s, kVersionNeeded);
  put16(s, 0);  // flags: no encryption, no data descriptor, names are ASCII
  put16(s, 0);  // method: stored
  put16(s, kDosTime);
  put16(s, kDosDate);
  put32(s, m.crc);
  put32(s, m.size);  // compressed size == size: stored
  put32(s, m.size);
  put16(s, static_cast<std::uint16_t>(m.file_name.size()));
  put16(s, 0);  // extra field length
}


void check_name(const std::string& name, std::set<std::string>& seen) {
  if (name.empty()) throw InvalidArgument("npz: an array has an empty name");
  for (char c : name)
    if (c < 0x20 || c > 0x7E)
      throw InvalidArgument("npz: array name '" + name + "' has a non-printable or non-ASCII character");
  if (!seen.insert(name).second) throw InvalidArgument("npz: array name '" + name + "' given twice");
}

}  // namespace

std::string_view npy_descr(DType t) {
  switch (t) {
    case DType::float32: return "<f4";
    case DType::float64: return "<f8";
    case DType::uint8: return "|u1";
    case DType::int8: return "|i1";
    case DType::int32: return "<i4";
    case DType::int64: return "<i8";
  }
  throw InvalidArgument("npz: unknown dtype");
}

std::uint64_t NpyArray::nbytes() const {
  std::uint64_t n = itemsize;
  for (auto d : shape) {
    if (d < 0) throw InvalidArgument("npz: array '" + name + "' has a negative dimension");
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n))
      throw InvalidArgument("npz: array '" + name + "' is larger than 2^64 bytes");
  }
  return n;
}

NpyArray npy_array(std::string name, DType dtype, std::vector<std::int64_t> shape,
                   const void* data) {
  return NpyArray{std::move(name), std::string(npy_descr(dtype)), dtype_size(dtype),
                  std::move(shape), data};
}

NpyArray npy_bool_array(std::string name, std::vector<std::int64_t> shape,
                        const std::uint8_t* data) {
  return NpyArray{std::move(name), std::string(kNpyBool), 1, std::move(shape), data};
}

std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc) {
  crc = ~crc;
  for (std::byte b : bytes) crc = kCrcTable[(crc ^ static_cast<std::uint8_t>(b)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string npy_header(const NpyArray& a) {
  std::string shape = "(";
  for (std::size_t i = 0; i < a.shape.size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(a.shape[i]);
  }
  if (a.shape.size() == 1) shape += ",";
  shape += ")";
  std::string dict = "{'descr': '" + a.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // 10 bytes of magic, version and length; the dict, spaces, '\n' up to a multiple of 64.
  const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
  const std::size_t header_len = total - 10;
  if (header_len > 0xFFFF)
    throw InvalidArgument("npz: array '" + a.name + "' has too many dimensions for .npy v1.0");
  dict.append(header_len - dict.size() - 1, ' ');
  dict.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  put16(out, static_cast<std::uint16_t>(header_len));
  return out + dict;
}

void write_npz(const std::string& path, std::span<const NpyArray> arrays, bool replace) {
  if (arrays.size() >= 0xFFFF)
    throw InvalidArgument("npz: " + std::to_string(arrays.size()) +
                          " arrays; a ZIP without ZIP64 holds at most 65534");
  std::vector<Member> members;
  std::set<std::string> seen;
  std::uint64_t offset = 0, central = 0;
  for (const NpyArray& a : arrays) {
    check_name(a.name, seen);
    if (!a.data && a.nbytes() > 0) throw InvalidArgument("npz: array '" + a.name + "' has no data");
    Member m{a.name + ".npy", npy_header(a), &a};
    const std::uint64_t size = m.preamble.size() + a.nbytes();
    m.offset = static_cast<std::uint32_t>(offset);
    offset += kLocalHeader + m.file_name.size() + size;
    central += kCentralHeader + m.file_name.size();
    if (offset + central + kEndRecord >= 0xFFFFFFFFull)
      throw InvalidArgument("npz: the archive for '" + path + "' would reach 4 GiB at array '" +
                            a.name + "' (" + std::to_string(a.nbytes()) +
                            " bytes); ZIP64 is not supported, write fewer or smaller arrays");
    m.size = static_cast<std::uint32_t>(size);
    members.push_back(std::move(m));
  }
  for (Member& m : members) {
    const auto* data = static_cast<const std::byte*>(m.array->data);
    m.crc = crc32(std::as_bytes(std::span(m.preamble)));
    m.crc = crc32(std::span(data, static_cast<std::size_t>(m.array->nbytes())), m.crc);
  }

  AtomicFile out(path);
  std::string rec;
  for (const Member& m : members) {
    rec.clear();
    put32(rec, 0x04034b50);  // local file header
    put_common(rec, m);
    rec += m.file_name;
    rec += m.preamble;
    out.write(rec.data(), rec.size());
    out.write(m.array->data, static_cast<std::size_t>(m.array->nbytes()));
  }
  rec.clear();
  for (const Member& m : members) {
    put32(rec, 0x02014b50);  // central directory header
    put16(rec, kVersionNeeded);  // version made by: MS-DOS attributes, spec 2.0
    put_common(rec, m);
    put16(rec, 0);  // comment length
    put16(rec, 0);  // disk number start
    put16(rec, 0);  // internal attributes
    put32(rec, 0);  // external attributes
    put32(rec, m.offset);
    rec += m.file_name;
  }
  const auto count = static_cast<std::uint16_t>(members.size());
  put32(rec, 0x06054b50);  // end of central directory
  put16(rec, 0);           // this disk
  put16(rec, 0);           // disk with the central directory
  put16(rec, count);
  put16(rec, count);
  put32(rec, static_cast<std::uint32_t>(central));
  put32(rec, static_cast<std::uint32_t>(offset));
  put16(rec, 0);  // comment length
  out.write(rec.data(), rec.size());
  out.commit(replace);
}

}  // namespace rlforge
