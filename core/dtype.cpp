// DType names, limits and element conversion.
#include "core/dtype.hpp"

#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace rlforge {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::uint8: return "uint8";
    case DType::int8: return "int8";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
  }
  return "?";
}

DType parse_dtype(std::string_view name) {
  for (DType t : {DType::float32, DType::float64, DType::uint8, DType::int8, DType::int32,
                  DType::int64})
    if (dtype_name(t) == name) return t;
  throw InvalidArgument("unknown dtype '" + std::string(name) +
                        "'; expected one of float32, float64, uint8, int8, int32, int64");
}

double dtype_min(DType t) {
  switch (t) {
    case DType::float32: return -std::numeric_limits<float>::max();
    case DType::float64: return -std::numeric_limits<double>::max();
    case DType::uint8: return 0;
    case DType::int8: return -128;
    case DType::int32: return std::numeric_limits<std::int32_t>::min();
    case DType::int64: return static_cast<double>(std::numeric_limits<std::int64_t>::min());
  }
  return 0;
}

double dtype_max(DType t) {
  switch (t) {
    case DType::float32: return std::numeric_limits<float>::max();
    case DType::float64: return std::numeric_limits<double>::max();
    case DType::uint8: return 255;
    case DType::int8: return 127;
    case DType::int32: return std::numeric_limits<std::int32_t>::max();
    // The largest double below 2^63, so that casting back to int64 is defined.
    case DType::int64: return 9223372036854774784.0;
  }
  return 0;
}

double load_as_double(const void* data, DType t, std::size_t i) {
  switch (t) {
    case DType::float32: return static_cast<const float*>(data)[i];
    case DType::float64: return static_cast<const double*>(data)[i];
    case DType::uint8: return static_cast<const std::uint8_t*>(data)[i];
    case DType::int8: return static_cast<const std::int8_t*>(data)[i];
    case DType::int32: return static_cast<const std::int32_t*>(data)[i];
    case DType::int64: return static_cast<double>(static_cast<const std::int64_t*>(data)[i]);
  }
  return 0;
}

void store_from_double(void* data, DType t, std::size_t i, double v) {
  switch (t) {
    case DType::float32: static_cast<float*>(data)[i] = static_cast<float>(v); break;
    case DType::float64: static_cast<double*>(data)[i] = v; break;
    case DType::uint8: static_cast<std::uint8_t*>(data)[i] = static_cast<std::uint8_t>(v); break;
    case DType::int8: static_cast<std::int8_t*>(data)[i] = static_cast<std::int8_t>(v); break;
    case DType::int32: static_cast<std::int32_t*>(data)[i] = static_cast<std::int32_t>(v); break;
    case DType::int64: static_cast<std::int64_t*>(data)[i] = static_cast<std::int64_t>(v); break;
  }
}

}  // namespace rlforge
