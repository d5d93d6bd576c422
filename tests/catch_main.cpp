// The one Catch2 main every test binary links (compiled once, declared in the top-level CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch.hpp>
