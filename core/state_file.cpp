// Reading and writing state files with their header and checksum.
#include "core/state_file.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace rlforge {

namespace {
constexpr char kMagic[8] = {'R', 'L', 'F', 'S', 'T', 'A', 'T', 'E'};
constexpr std::uint32_t kFormatVersion = 1;

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // x86-64 and aarch64 are little-endian
  out.append(b, sizeof(T));
}
}  // namespace

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void save_state_file(const std::string& path, std::string_view kind, std::string_view payload) {
  std::string out(kMagic, sizeof kMagic);
  put(out, kFormatVersion);
  put(out, static_cast<std::uint32_t>(kind.size()));
  out.append(kind);
  put(out, static_cast<std::uint64_t>(payload.size()));
  out.append(payload);
  put(out, fnv1a64(payload));
  write_file_atomic(path, out);
}

std::string load_state_file(const std::string& path, std::string_view kind) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError(path + ": cannot open state file");
  const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::size_t pos = 0;
  auto need = [&](std::size_t n, const char* what) {
    if (data.size() - pos < n)
      throw ConfigError(path + ": truncated state file (" + std::to_string(data.size()) +
                        " bytes; ended inside the " + what + ")");
  };
  auto get_u32 = [&](const char* what) {
    need(4, what);
    std::uint32_t v;
    std::memcpy(&v, data.data() + pos, 4);
    pos += 4;
    return v;
  };
  auto get_u64 = [&](const char* what) {
    need(8, what);
    std::uint64_t v;
    std::memcpy(&v, data.data() + pos, 8);
    pos += 8;
    return v;
  };
  need(sizeof kMagic, "header");
  if (std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    throw ConfigError(path + ": not an rlforge state file (bad magic bytes)");
  pos = sizeof kMagic;
  const auto version = get_u32("header");
  if (version != kFormatVersion)
    throw ConfigError(path + ": state file format version " + std::to_string(version) +
                      ", this build reads version " + std::to_string(kFormatVersion));
  const auto kind_len = get_u32("header");
  need(kind_len, "header");
  const std::string found_kind = data.substr(pos, kind_len);
  pos += kind_len;
  if (found_kind != kind)
    throw ConfigError(path + ": state file holds '" + found_kind + "', expected '" +
                      std::string(kind) + "'");
  const auto size = get_u64("header");
  need(size, "payload");
  std::string payload = data.substr(pos, size);
  pos += size;
  const auto checksum = get_u64("checksum");
  if (checksum != fnv1a64(payload))
    throw ConfigError(path + ": checksum mismatch: the state file is corrupt");
  if (pos != data.size())
    throw ConfigError(path + ": " + std::to_string(data.size() - pos) +
                      " unexpected bytes after the checksum");
  return payload;
}

}  // namespace rlforge
