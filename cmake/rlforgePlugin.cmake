# rlforge_add_plugin(NAME SOURCE...): builds lib<NAME>.so, a plugin of envs for
# `rlforge --plugin lib<NAME>.so ...` (or RLFORGE_PLUGINS). Its sources hold the envs and their
# RLFORGE_REGISTER_ENV lines. Used in rlforge's tree and shipped with the installed package.
#
# The plugin gets rlforge's headers and nothing of its code: rlforge's symbols (Registry, Env,
# Space, ...) stay undefined and bind, at dlopen, to the `rlforge` program that loads it (it
# exports them all). So there is one registry, the program's, and the plugin's lines fill it.
# Linking rlforge::core into a plugin instead would give it a second, private registry.
function(rlforge_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "rlforge_add_plugin(${name}): no source files given")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE rlforge::headers)
endfunction()
