# The rlforge wheel as a CMake package (its folder is rlforge.cmake_dir()): core's headers, a
# static, position-independent rlforge::core, and rlforge_add_env_module() for a user's C++ env
# module. Configure with -Drlforge_DIR="$(python -c 'import rlforge; print(rlforge.cmake_dir())')".
# The module must be built with the same compiler as the wheel: the two share C++ types, and
# the module's import refuses a mismatch of rlforge's layout (env_module.hpp's ABI table).
include(CMakeFindDependencyMacro)
find_dependency(TBB)
if(NOT COMMAND Python_add_library)
  find_package(Python 3.10 REQUIRED COMPONENTS Interpreter Development.Module)
endif()
include("${CMAKE_CURRENT_LIST_DIR}/rlforgePythonTargets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/rlforge_env_module.cmake")
