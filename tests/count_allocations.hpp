// count_allocations: a test binary that links tests/count_allocations.cpp has every heap
// allocation counted (it replaces the global operator new), so a test can say that a call
// (an env step, a draw) allocated nothing: compare g_allocations before and after.
#pragma once
#include <atomic>

namespace rlforge::testing {
extern std::atomic<long> g_allocations;
}
