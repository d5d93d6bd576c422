// numpy_bridge: the only file that includes the NumPy C API (dtype mapping, arrays, actions).
#include "bindings/src/numpy_bridge.hpp"

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL rlforge_python_ARRAY_API
#include <numpy/arrayobject.h>
#include <numpy/arrayscalars.h>

#include <nanobind/nanobind.h>

#include <cstring>

namespace nb = nanobind;

namespace rlforge::python {

static_assert(sizeof(long) == 8, "np.int64 scalars are read as C long (LP64)");

bool import_numpy() { return _import_array() >= 0; }

int npy_type(DType t) {
  switch (t) {
    case DType::float32: return NPY_FLOAT32;
    case DType::float64: return NPY_FLOAT64;
    case DType::uint8: return NPY_UINT8;
    case DType::int8: return NPY_INT8;
    case DType::int32: return NPY_INT32;
    case DType::int64: return NPY_INT64;
  }
  return NPY_NOTYPE;
}

// The DType of a numpy type number, false for dtypes the core does not take directly.
static bool dtype_of_npy(int type_num, DType* out) {
  switch (type_num) {
    case NPY_FLOAT32: *out = DType::float32; return true;
    case NPY_FLOAT64: *out = DType::float64; return true;
    case NPY_UINT8: *out = DType::uint8; return true;
    case NPY_INT8: *out = DType::int8; return true;
    case NPY_INT32: *out = DType::int32; return true;
    case NPY_INT64: *out = DType::int64; return true;
    // NPY_LONGLONG is a distinct type number with the same layout as NPY_LONG on LP64.
    case NPY_LONGLONG: *out = DType::int64; return true;
    default: return false;
  }
}

PyObject* new_array(const Shape& shape, DType t, std::int64_t lead) {
  npy_intp dims[Shape::kMaxDims + 1];
  int nd = 0;
  if (lead >= 0) dims[nd++] = static_cast<npy_intp>(lead);
  for (auto d : shape) dims[nd++] = static_cast<npy_intp>(d);
  return PyArray_SimpleNew(nd, dims, npy_type(t));
}

void* array_data(PyObject* array) { return PyArray_DATA(reinterpret_cast<PyArrayObject*>(array)); }

PyObject* view_array(void* data, const Shape& shape, DType t, bool as_bool, PyObject* base) {
  npy_intp dims[Shape::kMaxDims];
  int nd = 0;
  for (auto d : shape) dims[nd++] = static_cast<npy_intp>(d);
  PyObject* arr = PyArray_New(&PyArray_Type, nd, dims, as_bool ? NPY_BOOL : npy_type(t), nullptr,
                              data, 0, NPY_ARRAY_CARRAY, nullptr);
  if (!arr) return nullptr;
  Py_INCREF(base);
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), base) < 0) {  // steals base
    Py_DECREF(arr);
    return nullptr;
  }
  return arr;
}

// repr(x), shortened for error messages.
static std::string short_repr(PyObject* x) {
  std::string s = "<unprintable>";
  if (PyObject* r = PyObject_Repr(x)) {
    if (const char* c = PyUnicode_AsUTF8(r)) s = c;
    Py_DECREF(r);
  }
  PyErr_Clear();
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s + " (" + Py_TYPE(x)->tp_name + ")";
}

static bool is_integer_dtype(DType t) { return !dtype_is_float(t); }

ConstArray action_from_python(PyObject* action, const Space& space, const std::string& env_id,
                              ActionHold& hold, std::int64_t batch) {
  const bool integer_space = is_integer_dtype(space.dtype());
  // Fast paths for one Discrete action: a Python int (or bool) and a numpy int64 scalar.
  if (batch < 0 && space.kind() == Space::Kind::Discrete) {
    std::int64_t v = 0;
    bool have = false;
    if (PyLong_Check(action)) {
      int overflow = 0;
      v = PyLong_AsLongLongAndOverflow(action, &overflow);
      if (overflow)
        throw nb::value_error((env_id + ": invalid action " + short_repr(action) + " for " +
                               space.repr() + ": outside the int64 range").c_str());
      have = true;
    } else if (PyObject_TypeCheck(action, &PyLongArrType_Type)) {
      v = PyArrayScalar_VAL(action, Long);
      have = true;
    }
    if (have) {
      std::memcpy(hold.scratch, &v, sizeof v);
      return ConstArray{hold.scratch, DType::int64, Shape{}};
    }
  }

  PyObject* arr = nullptr;
  const bool from_numpy = PyArray_Check(action) || PyArray_IsScalar(action, Generic);
  if (PyArray_Check(action)) {
    Py_INCREF(action);
    arr = action;
  } else {
    arr = PyArray_FromAny(action, nullptr, 0, 0, 0, nullptr);
    if (!arr) {
      PyErr_Clear();
      throw nb::type_error((env_id + ": invalid action " + short_repr(action) + " for " +
                            space.repr() + ": not a number or an array of numbers").c_str());
    }
  }
  hold.obj = arr;
  auto* a = reinterpret_cast<PyArrayObject*>(arr);
  const char kind = PyArray_DESCR(a)->kind;
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f')
    throw nb::type_error((env_id + ": invalid action " + short_repr(action) + " for " +
                          space.repr() + ": dtype " +
                          std::string(PyArray_DESCR(a)->typeobj->tp_name) +
                          " is not numeric").c_str());
  if (!from_numpy) {
    // A Python number or (nested) list: convert as np.asarray(x, dtype=space dtype) would,
    // except that a float for an integer space is refused rather than truncated.
    if (kind == 'f' && integer_space)
      throw nb::value_error((env_id + ": invalid action " + short_repr(action) + " for " +
                             space.repr() + ": a float for an integer space").c_str());
    bool fits = true;
    if (kind != 'f' && integer_space) {
      // Integers keep their values only if they fit the space's dtype; otherwise the core
      // reports them (as not castable) rather than a silent wrap-around here.
      PyObject* as64 = PyArray_FromAny(arr, PyArray_DescrFromType(NPY_INT64), 0, 0,
                                       NPY_ARRAY_CARRAY_RO, nullptr);
      if (!as64) throw nb::python_error();
      Py_DECREF(arr);
      hold.obj = arr = as64;
      a = reinterpret_cast<PyArrayObject*>(arr);
      const auto* v = static_cast<const std::int64_t*>(PyArray_DATA(a));
      const double lo = dtype_min(space.dtype()), hi = dtype_max(space.dtype());
      for (npy_intp i = 0, n = PyArray_SIZE(a); i < n; ++i)
        fits &= static_cast<double>(v[i]) >= lo && static_cast<double>(v[i]) <= hi;
    }
    if (fits) {
      PyObject* cast = PyArray_FromAny(arr, PyArray_DescrFromType(npy_type(space.dtype())), 0,
                                       0, NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST, nullptr);
      if (!cast) throw nb::python_error();
      Py_DECREF(arr);
      hold.obj = arr = cast;
      a = reinterpret_cast<PyArrayObject*>(arr);
    }
  }
  DType dt;
  if (!dtype_of_npy(PyArray_TYPE(a), &dt)) {
    // bool, int16, uint16, uint32, uint64, float16: cast when numpy calls it safe.
    PyArray_Descr* want = PyArray_DescrFromType(npy_type(space.dtype()));
    const bool safe = PyArray_CanCastTypeTo(PyArray_DESCR(a), want, NPY_SAFE_CASTING);
    if (!safe) {
      Py_DECREF(want);
      throw nb::value_error((env_id + ": invalid action " + short_repr(action) + " for " +
                             space.repr() + ": dtype " +
                             std::string(PyArray_DESCR(a)->typeobj->tp_name) +
                             " does not cast safely to " +
                             std::string(dtype_name(space.dtype()))).c_str());
    }
    PyObject* cast = PyArray_FromAny(arr, want, 0, 0, NPY_ARRAY_CARRAY_RO, nullptr);  // steals want
    if (!cast) throw nb::python_error();
    Py_DECREF(arr);
    hold.obj = arr = cast;
    a = reinterpret_cast<PyArrayObject*>(arr);
    dt = space.dtype();
  } else if (!PyArray_ISCARRAY_RO(a)) {
    PyObject* c = PyArray_FromAny(arr, nullptr, 0, 0, NPY_ARRAY_CARRAY_RO, nullptr);
    if (!c) throw nb::python_error();
    Py_DECREF(arr);
    hold.obj = arr = c;
    a = reinterpret_cast<PyArrayObject*>(arr);
  }
  if (PyArray_NDIM(a) > Shape::kMaxDims)
    throw nb::value_error((env_id + ": invalid action " + short_repr(action) + " for " +
                           space.repr() + ": " + std::to_string(PyArray_NDIM(a)) +
                           " dimensions").c_str());
  Shape shape;
  for (int d = 0; d < PyArray_NDIM(a); ++d) shape.push_back(PyArray_DIM(a, d));
  return ConstArray{PyArray_DATA(a), dt, shape};
}

}  // namespace rlforge::python
