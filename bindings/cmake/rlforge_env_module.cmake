# rlforge_add_env_module(name source...): a Python extension module whose RLFORGE_REGISTER_ENV
# envs become rlforge (and gymnasium "rlforge/<id>") envs when it is imported. Used in this build
# (bindings/CMakeLists.txt) and by users through the wheel's CMake package (rlforge.cmake_dir()).
# The module links its own copy of rlforge::core and hands its envs to rlforge's extension on
# import (core/../bindings/include/rlforge_python/env_module.hpp); it must not link the envs
# library, whose built-in ids rlforge registers itself.
function(rlforge_add_env_module name)
  if(NOT COMMAND Python_add_library)
    message(FATAL_ERROR "rlforge_add_env_module: find_package(Python COMPONENTS Interpreter "
                        "Development.Module) first (the Python that has rlforge installed)")
  endif()
  Python_add_library(${name} MODULE WITH_SOABI ${ARGN})
  target_link_libraries(${name} PRIVATE rlforge::core)
  if(RLFORGE_ENV_MODULE_INCLUDE_DIR)  # the build tree's env_module.hpp (installed beside core's)
    target_include_directories(${name} PRIVATE ${RLFORGE_ENV_MODULE_INCLUDE_DIR})
  endif()
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden)
  # RLFORGE_REGISTER_ENV's designated initializers leave the later EnvSpec fields defaulted.
  target_compile_options(${name} PRIVATE -Wno-missing-field-initializers)
endfunction()
