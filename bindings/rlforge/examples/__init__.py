"""Example C++ env modules built with rlforge (sources in examples/, e.g. examples/corridor/corridor_env.cpp)."""
