// Exceptions thrown by tensor/: each message names the op and the offending shapes or values.
#pragma once
#include <stdexcept>
#include <string>

// tensor/ stands beside core/ and includes nothing from it (DESIGN.md layering), so these are
// its own types. All derive from std::runtime_error; catch TensorError to catch them all.
namespace rlforge::tensor {

struct TensorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Operand shapes that an op cannot combine; the message names the op and both shapes.
struct ShapeError : TensorError {
  using TensorError::TensorError;
};
// A dtype an op does not accept (e.g. math on int64 index tensors, mixed f32/f64 operands).
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
