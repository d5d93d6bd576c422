// numpy_bridge: NumPy C-API glue for the extension — dtype mapping, fresh arrays, views, actions.
//
// The NumPy C API is used directly (not nanobind::ndarray) because creating a small numpy
// array through it costs ~50 ns, against ~300 ns through nanobind's DLPack export (measured on
// CartPole's step, see bindings/README.md).
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "core/space.hpp"

namespace rlforge::python {

// Must run once, in the module's init, before any other function here.
bool import_numpy();

// numpy type number of a DType (NPY_FLOAT32, ...).
int npy_type(DType t);

// A new C-contiguous array of `shape` (with `lead` prepended when >= 0) in dtype `t`,
// uninitialized. Returns a new reference or nullptr with a Python error set.
PyObject* new_array(const Shape& shape, DType t, std::int64_t lead = -1);
// The data pointer of an array made by new_array().
void* array_data(PyObject* array);

// A C-contiguous array viewing `data` (not copied); `base` (which must own the memory and
// outlive nothing else) becomes the array's base object. `as_bool` views uint8 as numpy bool.
PyObject* view_array(void* data, const Shape& shape, DType t, bool as_bool, PyObject* base);

// An action from Python as a typed, C-contiguous view. Keeps whatever temporary array the
// conversion needed alive in `hold`, and small scalars in `scratch`.
// Accepted: numpy arrays and scalars of any numeric dtype (passed with their dtype; the
// core accepts those that cast safely to the space's dtype, as gymnasium's contains()),
// Python ints/bools for integer spaces, Python floats and nested lists for float spaces
// (converted with the space's dtype, as np.asarray(x, dtype) would), lists of ints.
// `batch`: number of leading rows expected (-1 for a single action).
// Throws nanobind errors: TypeError for a non-numeric object, ValueError for a float
// given to an integer space; both name the value and the space.
struct ActionHold {
  PyObject* obj = nullptr;  // owned reference to a converted array, or null
  alignas(8) unsigned char scratch[8];
  ~ActionHold() { Py_XDECREF(obj); }
};
ConstArray action_from_python(PyObject* action, const Space& space, const std::string& env_id,
                              ActionHold& hold, std::int64_t batch);

}  // namespace rlforge::python
