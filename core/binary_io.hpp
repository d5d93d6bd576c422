// ByteWriter/ByteReader: the little binary encoding of saved state (VectorEnv::save_state,
// agent and trainer state inside a checkpoint); host byte order, the state file around it
// carries the version and checksum. ByteReader reports a read past the end through
// `on_truncated` (default: ConfigError "checkpoint state is truncated"), so each owner keeps
// its own error type and message.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace rlforge {

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
  // Called with the input's size when a read would pass its end; must throw.
  using OnTruncated = void (*)(std::size_t size);
  explicit ByteReader(std::string_view in, OnTruncated on_truncated = checkpoint_truncated)
      : in_(in), on_truncated_(on_truncated) {}
  void bytes(void* p, std::size_t n) {
    if (n > in_.size() - pos_) truncated();
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
    if (n > in_.size() - pos_) truncated();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    if (n > (in_.size() - pos_) / sizeof(T)) truncated();
    std::vector<T> v(n);
    bytes(v.data(), n * sizeof(T));
    return v;
  }
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }

 private:
  [[noreturn]] static void checkpoint_truncated(std::size_t) { throw ConfigError("checkpoint state is truncated"); }
  [[noreturn]] void truncated() const {
    on_truncated_(in_.size());
    throw ConfigError("state is truncated");  // on_truncated_ did not throw
  }
  std::string_view in_;
  OnTruncated on_truncated_;
  std::size_t pos_ = 0;
};

}  // namespace rlforge
