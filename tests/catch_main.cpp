// The one Catch2 main every test binary links (compiled once, declared in the top-level CMakeLists.txt).
#define CATCH_CONFIG_RUNNER
#include <catch.hpp>

#include <oneapi/tbb/global_control.h>

int main(int argc, char* argv[]) {
  // TBB grants no more threads than the machine has cores; the thread-count tests ask for up
  // to 8, and must get them (oversubscribed) to show that 8 threads give the same results.
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 8);
  return Catch::Session().run(argc, argv);
}
