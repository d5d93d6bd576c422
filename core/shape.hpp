// Shape: a fixed-capacity list of dimensions (no heap), and views of typed, shaped buffers.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/dtype.hpp"

namespace rlforge {

// Up to 6 dims: pixel observations (H, W, C) plus frame stacking and a batch axis fit.
// Fixed capacity keeps views and step paths free of heap allocation.
class Shape {
 public:
  static constexpr int kMaxDims = 6;
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
  }
  int ndim() const { return ndim_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  void push_back(std::int64_t d);
  // Number of elements (1 for a scalar shape ()).
  std::int64_t numel() const;
  const std::int64_t* begin() const { return dims_.data(); }
  const std::int64_t* end() const { return dims_.data() + ndim_; }
  bool operator==(const Shape& o) const {
    return ndim_ == o.ndim_ && std::equal(begin(), end(), o.begin());
  }
  // "(4,)", "(2, 3)", "()" as numpy prints them.
  std::string str() const;

 private:
  std::array<std::int64_t, kMaxDims> dims_{};
  int ndim_ = 0;
};

// A read-only typed view of an array the caller owns (an action, a batch of actions).
struct ConstArray {
  const void* data = nullptr;
  DType dtype = DType::float32;
  Shape shape;
  std::size_t nbytes() const { return static_cast<std::size_t>(shape.numel()) * dtype_size(dtype); }
};

// Views for C++ callers: a scalar integer (Discrete) or a contiguous 1-D array (Box, ...).
template <class T>
ConstArray scalar_view(const T& v) {
  return ConstArray{&v, dtype_of<T>(), Shape{}};
}
template <class T>
ConstArray array_view(const T* data, std::int64_t n) {
  return ConstArray{data, dtype_of<T>(), Shape{n}};
}

// Renders an array's values as "[1.5, -2.0]" (at most `limit` elements), for error messages.
std::string format_values(const ConstArray& a, int limit = 16);

}  // namespace rlforge
