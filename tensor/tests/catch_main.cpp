// The Catch2 main shared by tensor/'s test binaries (compiled once).
#define CATCH_CONFIG_MAIN
#include <catch.hpp>
