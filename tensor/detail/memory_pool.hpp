// Memory pool: power-of-two size classes with per-thread free lists, so that tensors, their
// storage and tape nodes are recycled instead of coming from the heap on every op.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rlforge::tensor::detail {

// Compile with -DRLFORGE_TENSOR_POOL_OFF, or run with RLFORGE_TENSOR_POOL=off in the
// environment (sanitizer runs), to bypass the pool: every block then comes from the system at
// its exact size, so AddressSanitizer sees overruns that a size class would hide.
bool pool_enabled();

// Returns a 64-byte aligned block of at least `bytes` bytes (bytes > 0). A block freed on
// any thread may be reused by that thread; blocks cached by a thread are returned to the
// system when the thread exits.
void* pool_alloc(std::size_t bytes);
// `bytes` must be the size passed to pool_alloc for this block.
void pool_free(void* p, std::size_t bytes) noexcept;

// Returns every block cached by the calling thread to the system (the pool otherwise keeps
// each thread's peak working set per size class for reuse).
void pool_trim() noexcept;

// Counters of the calling thread, for tests that demand no system allocation per op.
struct PoolStats {
  std::uint64_t system_allocs = 0;  // blocks obtained from operator new
  std::uint64_t reuses = 0;         // blocks served from a free list
  std::uint64_t cached_bytes = 0;   // bytes held in this thread's free lists
};
PoolStats pool_stats();

}  // namespace rlforge::tensor::detail
