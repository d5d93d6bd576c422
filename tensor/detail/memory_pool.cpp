// Memory pool implementation: thread-local singly linked free lists, one per power of two.
#include "tensor/detail/memory_pool.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

namespace rlforge::tensor::detail {
namespace {

constexpr int kClasses = 48;                 // 64 B .. 2^53 B
constexpr std::size_t kMinBlock = 64;        // one cache line
constexpr std::size_t kAlign = 64;
// Blocks above this size are returned to the system at once: caching them would pin large,
// rarely repeated buffers (e.g. one 1024x1024 benchmark GEMM) for the thread's lifetime.
constexpr std::size_t kMaxCached = std::size_t{1} << 28;

struct FreeBlock {
  FreeBlock* next;
};

int size_class(std::size_t bytes) {
  const std::size_t b = bytes < kMinBlock ? kMinBlock : bytes;
  return static_cast<int>(std::bit_width(b - 1));  // 2^k >= b
}

// True once this thread's cache is destroyed: tensors held in statics are freed after the
// main thread's thread_locals, and must then go straight back to the system.
thread_local bool t_cache_destroyed = false;

struct ThreadCache {
  FreeBlock* heads[kClasses] = {};
  PoolStats stats;
  void trim() noexcept {
    for (int c = 0; c < kClasses; ++c) {
      for (FreeBlock* b = heads[c]; b != nullptr;) {
        FreeBlock* next = b->next;
        ::operator delete(static_cast<void*>(b), std::align_val_t{kAlign});
        b = next;
      }
      heads[c] = nullptr;
    }
    stats.cached_bytes = 0;
  }
  ~ThreadCache() {
    t_cache_destroyed = true;
    trim();
  }
};

ThreadCache& cache() {
  thread_local ThreadCache c;
  return c;
}

}  // namespace

#if defined(RLFORGE_TENSOR_POOL_OFF)
// Sanitizer builds: every block straight from the system at its exact size, so AddressSanitizer
// sees out-of-bounds and use-after-free that recycling would hide.
void* pool_alloc(std::size_t bytes) {
  cache().stats.system_allocs++;
  return ::operator new(bytes, std::align_val_t{kAlign});
}
void pool_free(void* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{kAlign}); }
bool pool_enabled() { return false; }
#else
// RLFORGE_TENSOR_POOL=off in the environment (read once) does the same at run time, so one
// sanitizer build runs the suites without the pool and test_tensor_no_alloc with it. A block
// taken from the pool before the variable was read is freed to the system at its size class,
// which the aligned delete accepts either way.
namespace {
bool pool_off() {
  static const bool off = [] {
    const char* v = std::getenv("RLFORGE_TENSOR_POOL");
    return v != nullptr && std::strcmp(v, "off") == 0;
  }();
  return off;
}
}  // namespace

bool pool_enabled() { return !pool_off(); }

void* pool_alloc(std::size_t bytes) {
  if (pool_off()) {
    if (!t_cache_destroyed) cache().stats.system_allocs++;
    return ::operator new(bytes, std::align_val_t{kAlign});
  }
  const int c = size_class(bytes);
  const std::size_t block = std::size_t{1} << c;
  if (t_cache_destroyed) {
    return ::operator new(block, std::align_val_t{kAlign});
  }
  ThreadCache& tc = cache();
  if (FreeBlock* b = tc.heads[c]) {
    tc.heads[c] = b->next;
    tc.stats.reuses++;
    tc.stats.cached_bytes -= block;
    return b;
  }
  tc.stats.system_allocs++;
  return ::operator new(block, std::align_val_t{kAlign});
}

void pool_free(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (pool_off()) {
    ::operator delete(p, std::align_val_t{kAlign});
    return;
  }
  const int c = size_class(bytes);
  const std::size_t block = std::size_t{1} << c;
  if (block > kMaxCached || t_cache_destroyed) {
    ::operator delete(p, std::align_val_t{kAlign});
    return;
  }
  ThreadCache& tc = cache();
  auto* b = static_cast<FreeBlock*>(p);
  b->next = tc.heads[c];
  tc.heads[c] = b;
  tc.stats.cached_bytes += block;
}

#endif

void pool_trim() noexcept {
  if (!t_cache_destroyed) cache().trim();
}

PoolStats pool_stats() { return cache().stats; }

}  // namespace rlforge::tensor::detail
