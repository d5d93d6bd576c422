// Shape arithmetic and value formatting for messages.
#include "core/shape.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace rlforge {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  for (auto d : dims) push_back(d);
}

void Shape::push_back(std::int64_t d) {
  if (ndim_ == kMaxDims)
    throw InvalidArgument("shape " + str() + " cannot grow past " + std::to_string(kMaxDims) +
                          " dims");
  if (d < 0) throw InvalidArgument("negative dimension " + std::to_string(d) + " in shape");
  dims_[static_cast<std::size_t>(ndim_++)] = d;
}

std::int64_t Shape::numel() const {
  std::int64_t n = 1;
  for (auto d : *this) n *= d;
  return n;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < ndim_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  if (ndim_ == 1) s += ",";
  return s + ")";
}

static std::string format_number(double v, DType t) {
  char buf[64];
  if (dtype_is_float(t))
    std::snprintf(buf, sizeof buf, "%.9g", v);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string format_values(const ConstArray& a, int limit) {
  const auto n = a.shape.numel();
  if (!a.data && n > 0)
    return "<no data> (" + std::string(dtype_name(a.dtype)) + ", shape " + a.shape.str() + ")";
  if (a.shape.ndim() == 0) return format_number(load_as_double(a.data, a.dtype, 0), a.dtype);
  std::string s = "[";
  for (std::int64_t i = 0; i < n && i < limit; ++i) {
    if (i) s += ", ";
    s += format_number(load_as_double(a.data, a.dtype, static_cast<std::size_t>(i)), a.dtype);
  }
  if (n > limit) s += ", ...";
  return s + "] (" + std::string(dtype_name(a.dtype)) + ", shape " + a.shape.str() + ")";
}

}  // namespace rlforge
