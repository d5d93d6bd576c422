// Shared by the libFuzzer targets (and tests/test_fuzz_cases.cpp): a per-process temporary file
// holding the current input, and the tensor-file frame around a payload.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "tensor/serialization.hpp"

namespace rlforge::fuzz {

// The path is fixed per process (libFuzzer -jobs/-workers run several side by side).
inline const std::string& temp_path(const char* what) {
  static const std::string p =
      (std::filesystem::temp_directory_path() / ("rlforge_fuzz_" + std::string(what) + "_" + std::to_string(getpid())))
          .string();
  return p;
}

inline void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian, as the formats are
  out.append(b, sizeof(T));
}

// A tensor file around `payload` with a valid header and checksum (tensor/serialization.hpp).
inline std::string tensor_file_around(std::string_view payload) {
  std::string f = "RLFTENSR";
  put(f, tensor::kTensorFileVersion);
  put(f, static_cast<std::uint64_t>(payload.size()));
  f.append(payload);
  put(f, tensor::fnv1a64(payload.data(), payload.size()));
  return f;
}

}  // namespace rlforge::fuzz
