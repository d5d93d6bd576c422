// with_element_type: calls f(T{}) with the C++ type a tensor dtype stores (float, double,
// std::int64_t), so code templated on T is picked in one line where the dtype is known only at
// run time (the CPU and CUDA copy kernels, the tensor file reader and writer).
#pragma once
#include <cstdint>

#include "core/dtype.hpp"

namespace rlforge::tensor {

template <class F>
void with_element_type(DType d, F&& f) {
  if (d == DType::float32) f(float{});
  else if (d == DType::float64) f(double{});
  else f(std::int64_t{});  // tensors hold no other dtype (impl_new refuses them)
}

}  // namespace rlforge::tensor
