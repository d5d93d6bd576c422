// CUDA runtime services for tensor/ as a plain C++ interface (no CUDA headers): device checks,
// the caching device allocator, host<->device copies and the per-thread cuBLAS handle.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rlforge::tensor::cuda {

// Throws DeviceError("no CUDA device available: <cuda error string>") when the runtime has no
// device, or names the index and the count when `index` is out of range; then makes it current.
void require_device(int index);

// The cache's size classes: class k holds blocks of 256 << k bytes, up to 256 MiB (k = 20). A
// request above the top class is not cached: it gets a cudaMalloc of its own size, cudaFree'd on
// release (rounding a 3 GiB tensor up to 4 GiB and keeping it idle would cost more than one
// driver call per huge allocation). Host code, so the CPU tests check it.
constexpr int kCacheClasses = 21;
constexpr std::size_t cache_class_bytes(int k) { return std::size_t{256} << k; }
// The class that serves `bytes` (0 counts as 1), or -1 when `bytes` is above the top class.
constexpr int cache_class_of(std::size_t bytes) {
  if (bytes > cache_class_bytes(kCacheClasses - 1)) return -1;
  int k = 0;
  while (cache_class_bytes(k) < bytes) ++k;
  return k;
}

// Device memory from a cache of cudaMalloc'd blocks in the size classes above: a freed block
// goes back to its class, so steady-state training never calls cudaMalloc.
// All work runs on the legacy default stream, so a block freed after a kernel was queued on it
// is only reused by work queued later on the same stream (stream order keeps that safe).
void* device_alloc(std::size_t bytes, int device);
void device_free(void* p, std::size_t bytes, int device) noexcept;
// Returns every cached (unused) block of every device to the driver (each freed with its own
// device current; the caller's current device is kept).
void device_trim() noexcept;
struct DeviceCacheStats {
  std::uint64_t driver_allocs = 0;  // cudaMalloc calls so far
  std::uint64_t reuses = 0;         // blocks served from the cache
  std::uint64_t cached_bytes = 0;   // bytes held unused in the cache
};
DeviceCacheStats device_cache_stats();

// Synchronous copies on the default stream (they wait for queued kernels).
void copy_to_device(void* dst, const void* src, std::size_t bytes);
void copy_to_host(void* dst, const void* src, std::size_t bytes);

// Throws DeviceError naming `what` and the CUDA error if the last launch failed. Kernels run
// asynchronously, so a fault inside one (an illegal address, say) surfaces at the next
// synchronizing call, usually a copy: that error names the last kernel launched on the thread as
// the likely culprit. With RLFORGE_CUDA_SYNC=1 in the environment every launch is synchronized
// and a fault is reported under the op that caused it (slow; for debugging).
void check_launch(const char* what);

}  // namespace rlforge::tensor::cuda
