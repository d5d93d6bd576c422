// env_module.hpp: turns a user's C++ file with RLFORGE_REGISTER_ENV lines into a Python module
// whose import makes those envs available to rlforge.make and gymnasium ("rlforge/<id>").
//
//   #include "rlforge_python/env_module.hpp"
//   class MyEnv : public rlforge::Env { ... };
//   RLFORGE_REGISTER_ENV(MyEnv, {.id = "MyEnv-v0", .max_episode_steps = 100});
//   RLFORGE_PYTHON_ENV_MODULE(my_envs)   // `import my_envs` registers MyEnv-v0
//
// Build it with rlforge_add_env_module(my_envs my_envs.cpp) (bindings/CMakeLists.txt). The
// module links its own copy of rlforge_core, so its envs land in its own registry; on import
// it hands rlforge's extension a table (specs + a make function) through a capsule, and the
// extension adds each id to its registry with a factory that calls back into this module.
// Both sides must be built from the same rlforge sources: the table carries an ABI version
// and sizeof checks, and a mismatch is refused with an ImportError.
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/registry.hpp"

namespace rlforge::python {

// 2: Env gained virtual rng() and checkpoint_state() (vtable layout), EnvSpec exposes_state.
// 3: Env gained virtual draw(Frame&) and renders() (vtable layout).
inline constexpr std::uint32_t kEnvModuleAbi = 3;
inline constexpr const char* kEnvModuleCapsule = "rlforge.env_module";

// The table a module hands to rlforge's extension. Plain function pointers: the two shared
// objects share only libstdc++, not rlforge's code.
struct EnvModuleTable {
  std::uint32_t abi = kEnvModuleAbi;
  std::uint32_t sizeof_env = sizeof(Env);
  std::uint32_t sizeof_space = sizeof(Space);
  std::uint32_t sizeof_spec = sizeof(EnvSpec);
  std::vector<EnvSpec> (*specs)() = nullptr;
  std::unique_ptr<Env> (*make)(std::string_view id, std::string_view kwargs_json) = nullptr;
};

// The module init behind RLFORGE_PYTHON_ENV_MODULE: creates the module, then calls
// rlforge.register_env_module(module_name, capsule), which returns the registered ids (kept
// as the module's `env_ids`). Returns null with a Python error set on failure.
inline PyObject* init_env_module(PyModuleDef* def) {
  static EnvModuleTable table{
      .specs = [] { return Registry::global().specs(); },
      .make = [](std::string_view id, std::string_view kwargs) {
        return Registry::global().make(id, kwargs);
      }};
  PyObject* module = PyModule_Create(def);
  if (!module) return nullptr;
  PyObject* capsule = PyCapsule_New(&table, kEnvModuleCapsule, nullptr);
  PyObject* rlforge = capsule ? PyImport_ImportModule("rlforge") : nullptr;
  PyObject* ids = rlforge ? PyObject_CallMethod(rlforge, "register_env_module", "sO",
                                                def->m_name, capsule)
                          : nullptr;
  Py_XDECREF(rlforge);
  Py_XDECREF(capsule);
  if (!ids || PyModule_AddObject(module, "env_ids", ids) < 0) {
    Py_XDECREF(ids);
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}

}  // namespace rlforge::python

#define RLFORGE_PYTHON_ENV_MODULE(name)                                              \
  extern "C" __attribute__((visibility("default"))) PyObject* PyInit_##name() {      \
    static PyModuleDef def = {PyModuleDef_HEAD_INIT, #name,                          \
                              "rlforge envs registered by this C++ module", -1,      \
                              nullptr, nullptr, nullptr, nullptr, nullptr};          \
    return ::rlforge::python::init_env_module(&def);                                 \
  }
