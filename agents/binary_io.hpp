// ByteWriter/ByteReader: the little binary encoding of agent and trainer state inside a
// checkpoint (host byte order; the checkpoint's state file carries the version and checksum).
// ByteReader throws ConfigError("... truncated") when it would read past the end.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace rlforge::agents {

class ByteWriter {
 public:
  void bytes(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  template <class T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof(T));
  }
  void str(std::string_view s) {
    pod(static_cast<std::uint64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    pod(static_cast<std::uint64_t>(v.size()));
    bytes(v.data(), v.size() * sizeof(T));
  }
  const std::string& data() const { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  void bytes(void* p, std::size_t n) {
    if (n > in_.size() - pos_) throw ConfigError("checkpoint state is truncated");
    if (n > 0) std::memcpy(p, in_.data() + pos_, n);  // p may be null for an empty buffer
    pos_ += n;
  }
  template <class T>
  T pod() {
    T v;
    bytes(&v, sizeof(T));
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    if (n > in_.size() - pos_) throw ConfigError("checkpoint state is truncated");
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    if (n > (in_.size() - pos_) / sizeof(T)) throw ConfigError("checkpoint state is truncated");
    std::vector<T> v(n);
    bytes(v.data(), n * sizeof(T));
    return v;
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace rlforge::agents
