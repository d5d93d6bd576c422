// Exceptions thrown by tensor/: each message names the op and the offending shapes or values.
#pragma once
#include "core/error.hpp"

// These are tensor's own kinds of failure, so they stay tensor's types; they share core's base,
// so catching rlforge::Error catches every rlforge exception. Catch TensorError for tensor's.
namespace rlforge::tensor {

struct TensorError : Error {
  using Error::Error;
};
// Operand shapes that an op cannot combine; the message names the op and both shapes.
struct ShapeError : TensorError {
  using TensorError::TensorError;
};
// A dtype an op does not accept (e.g. math on int64 index tensors, mixed float32/float64 operands).
struct DTypeError : TensorError {
  using TensorError::TensorError;
};
// A device this build cannot serve (CUDA requested without a CUDA runtime device).
struct DeviceError : TensorError {
  using TensorError::TensorError;
};
// Misuse of autograd: backward from a non-scalar without a seed, grad on a non-leaf, ...
struct AutogradError : TensorError {
  using TensorError::TensorError;
};
// A NaN or Inf found by check_finite or by the finite-check mode; names the op that made it.
struct NumericalError : TensorError {
  using TensorError::TensorError;
};

// A tensor file that is missing, truncated, corrupt, of another format version, or whose
// contents do not fit the model (names the file and the mismatch: expected vs found).
struct SerializationError : TensorError {
  using TensorError::TensorError;
};

}  // namespace rlforge::tensor
