// agents_module.hpp: adds the agents part (resolve_config, train, Policy) to rlforge._rlforge.
#pragma once
#include <nanobind/nanobind.h>

namespace rlforge::python {

void bind_agents(nanobind::module_& m);

}  // namespace rlforge::python
