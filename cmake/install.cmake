# `cmake --install build --prefix P`: headers in P/include/rlforge/{core,envs,tensor,agents}, the
# static libraries in P/lib, the `rlforge` program in P/bin, and the CMake package in
# P/lib/cmake/rlforge, so that a project's find_package(rlforge CONFIG REQUIRED) gives
# rlforge::core, ::envs, ::tensor, ::agents, ::render, ::render_video (each carrying TBB, and the CUDA runtime only when
# built with it). The Python package's files are the separate component "python" (bindings/).
include(GNUInstallDirs)
# A repeated install (scripts/dev.sh test does one each run) lists only what it changed.
if(NOT DEFINED CMAKE_INSTALL_MESSAGE)
  set(CMAKE_INSTALL_MESSAGE LAZY)
endif()
include(CMakePackageConfigHelpers)
set(RLFORGE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rlforge)

set_target_properties(rlforge_headers PROPERTIES EXPORT_NAME headers)
set_target_properties(rlforge_core PROPERTIES EXPORT_NAME core)
set_target_properties(rlforge_tensor PROPERTIES EXPORT_NAME tensor)
set_target_properties(rlforge_agents PROPERTIES EXPORT_NAME agents)
set_target_properties(rlforge_render PROPERTIES EXPORT_NAME render)
set_target_properties(rlforge_imgui PROPERTIES EXPORT_NAME imgui)
set_target_properties(rlforge_render_video PROPERTIES EXPORT_NAME render_video)
set_target_properties(rlforge PROPERTIES EXPORT_NAME cli)
install(TARGETS rlforge_headers rlforge_values rlforge_core rlforge_envs_archive rlforge_envs_package
                rlforge_tensor rlforge_agents rlforge_render rlforge_imgui rlforge_render_video rlforge
        EXPORT rlforgeTargets COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION include/rlforge)
# The CUDA kernels (a CUDA build only) are a MODULE that tensor/ dlopens on first CUDA use: not
# exported (nothing links it), installed beside the libraries, and found there by the installed
# program (its RUNPATH) and by consumers' programs (the package config adds the same folder).
if(TARGET rlforge_tensor_cuda)
  install(TARGETS rlforge_tensor_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
endif()
set_target_properties(rlforge PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
install(DIRECTORY core envs tensor agents render DESTINATION include/rlforge COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp" PATTERN "tests" EXCLUDE)
install(EXPORT rlforgeTargets NAMESPACE rlforge:: DESTINATION ${RLFORGE_CMAKE_DIR} COMPONENT dev)

configure_package_config_file(cmake/rlforgeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rlforgeConfig.cmake INSTALL_DESTINATION ${RLFORGE_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rlforgeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rlforgeConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rlforgeConfigVersion.cmake
              cmake/rlforgePlugin.cmake
        DESTINATION ${RLFORGE_CMAKE_DIR} COMPONENT dev)
message(STATUS "rlforge: [x] package (cmake --install <build> --prefix <dir>, then find_package(rlforge) "
               "with <dir> on CMAKE_PREFIX_PATH; CUDA kernels as lib/librlforge_tensor_cuda.so, loaded on first use: ${RLFORGE_HAS_CUDA})")
