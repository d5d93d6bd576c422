// Element types of space samples and observation/action buffers, with their sizes and names.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rlforge {

// The numpy dtypes gymnasium spaces use: Discrete/MultiDiscrete are int64, MultiBinary int8.
enum class DType : std::uint8_t { float32, float64, uint8, int8, int32, int64 };

constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::float32: return 4;
    case DType::float64: return 8;
    case DType::uint8: return 1;
    case DType::int8: return 1;
    case DType::int32: return 4;
    case DType::int64: return 8;
  }
  return 0;
}
constexpr bool dtype_is_float(DType t) { return t == DType::float32 || t == DType::float64; }
std::string_view dtype_name(DType t);
// Parses a numpy-style name ("float32", "uint8", ...); throws InvalidArgument otherwise.
DType parse_dtype(std::string_view name);
// Smallest and largest finite value of the type, as double (int64 limits are rounded).
double dtype_min(DType t);
double dtype_max(DType t);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::float32; }
template <> constexpr DType dtype_of<double>() { return DType::float64; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::uint8; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::int8; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::int32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::int64; }

// Reads element i of a buffer of type t as double (for checks and printing, not hot loops).
double load_as_double(const void* data, DType t, std::size_t i);
// Writes v (already in range) as element i of a buffer of type t.
void store_from_double(void* data, DType t, std::size_t i, double v);

}  // namespace rlforge
