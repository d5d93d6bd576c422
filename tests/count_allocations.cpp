// count_allocations.cpp: the replaced global operator new/delete behind count_allocations.hpp.
#include "tests/count_allocations.hpp"

#include <cstdlib>
#include <new>

std::atomic<long> rlforge::testing::g_allocations{0};

void* operator new(std::size_t n) {
  rlforge::testing::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  rlforge::testing::g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
// Every plain new of the program is malloc'd here, so every delete frees (Catch2 allocates with
// new(std::nothrow); left to ASan's own, its delete would be an alloc-dealloc mismatch).
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
