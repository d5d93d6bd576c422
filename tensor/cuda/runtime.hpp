// CUDA runtime services for tensor/ as a plain C++ interface (no CUDA headers): device checks,
// the caching device allocator, host<->device copies and the per-thread cuBLAS handle.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rlforge::tensor::cuda {

// Throws DeviceError("no CUDA device available: <cuda error string>") when the runtime has no
// device, or names the index and the count when `index` is out of range; then makes it current.
void require_device(int index);

// Device memory from a cache of cudaMalloc'd blocks rounded up to powers of two (>= 256 B):
// a freed block goes back to its size class, so steady-state training never calls cudaMalloc.
// All work runs on the legacy default stream, so a block freed after a kernel was queued on it
// is only reused by work queued later on the same stream (stream order keeps that safe).
void* device_alloc(std::size_t bytes, int device);
void device_free(void* p, std::size_t bytes, int device) noexcept;
// Returns every cached (unused) block to the driver.
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

// Throws DeviceError naming `what` and the CUDA error if the last launch failed.
void check_launch(const char* what);

}  // namespace rlforge::tensor::cuda
