// CUDA runtime services: the one-time device query, the caching device allocator, synchronous
// host<->device copies and launch checks (see runtime.hpp for the contracts).
#include <cuda_runtime.h>

#include <mutex>
#include <string>
#include <vector>

#include "tensor/cuda/runtime.hpp"
#include "tensor/errors.hpp"

namespace rlforge::tensor::cuda {
namespace {

struct DeviceQuery {
  int count = 0;
  cudaError_t error = cudaSuccess;
};

// Queried once: cudaGetDeviceCount is slow and its answer does not change within a process.
const DeviceQuery& query() {
  static const DeviceQuery q = [] {
    DeviceQuery r;
    r.error = cudaGetDeviceCount(&r.count);
    if (r.error != cudaSuccess) {
      r.count = 0;
      (void)cudaGetLastError();  // clear the sticky-free error so later calls start clean
    }
    return r;
  }();
  return q;
}

thread_local int t_current = -1;

[[noreturn]] void fail(const std::string& what, cudaError_t e) {
  throw DeviceError(what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

// Size classes are powers of two from 256 B; index k holds blocks of 256 << k bytes.
constexpr int kClasses = 40;
std::size_t class_bytes(int k) { return std::size_t{256} << k; }
int class_of(std::size_t bytes) {
  int k = 0;
  while (class_bytes(k) < bytes) ++k;
  return k;
}

// One cache per device, shared by all threads: device blocks are freed wherever the last
// tensor handle dies, and the mutex costs nothing next to a kernel launch.
struct DeviceCache {
  std::mutex mu;
  std::vector<void*> free[kClasses];
  DeviceCacheStats stats;
};
constexpr int kMaxDevices = 16;
DeviceCache& cache(int device) {
  static DeviceCache caches[kMaxDevices];
  return caches[device];
}

}  // namespace

void require_device(int index) {
  const DeviceQuery& q = query();
  if (q.error != cudaSuccess || q.count == 0) {
    const cudaError_t e = q.error != cudaSuccess ? q.error : cudaErrorNoDevice;
    throw DeviceError(std::string("no CUDA device available: ") + cudaGetErrorString(e));
  }
  if (index < 0 || index >= q.count || index >= kMaxDevices) {
    throw DeviceError("cuda:" + std::to_string(index) + " does not exist: the CUDA runtime reports " +
                      std::to_string(q.count) + " device(s)");
  }
  if (t_current != index) {
    const cudaError_t e = cudaSetDevice(index);
    if (e != cudaSuccess) fail("cudaSetDevice(" + std::to_string(index) + ")", e);
    t_current = index;
  }
}

void* device_alloc(std::size_t bytes, int device) {
  require_device(device);
  const int k = class_of(bytes == 0 ? 1 : bytes);
  DeviceCache& c = cache(device);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.free[k].empty()) {
      void* p = c.free[k].back();
      c.free[k].pop_back();
      c.stats.reuses++;
      c.stats.cached_bytes -= class_bytes(k);
      return p;
    }
    c.stats.driver_allocs++;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, class_bytes(k));
  if (e == cudaErrorMemoryAllocation) {
    // Give the cached blocks back and try once more before reporting out-of-memory.
    (void)cudaGetLastError();
    device_trim();
    e = cudaMalloc(&p, class_bytes(k));
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    fail("cudaMalloc of " + std::to_string(class_bytes(k)) + " bytes on cuda:" + std::to_string(device), e);
  }
  return p;
}

void device_free(void* p, std::size_t bytes, int device) noexcept {
  if (p == nullptr) return;
  const int k = class_of(bytes == 0 ? 1 : bytes);
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  c.free[k].push_back(p);
  c.stats.cached_bytes += class_bytes(k);
}

void device_trim() noexcept {
  const DeviceQuery& q = query();
  for (int d = 0; d < q.count && d < kMaxDevices; ++d) {
    DeviceCache& c = cache(d);
    std::lock_guard<std::mutex> lock(c.mu);
    for (auto& list : c.free) {
      for (void* p : list) cudaFree(p);
      list.clear();
    }
    c.stats.cached_bytes = 0;
  }
}

DeviceCacheStats device_cache_stats() {
  const int d = t_current < 0 ? 0 : t_current;
  DeviceCache& c = cache(d);
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void copy_to_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
  if (e != cudaSuccess) fail("copy of " + std::to_string(bytes) + " bytes to the device", e);
}

void copy_to_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) fail("copy of " + std::to_string(bytes) + " bytes to the host", e);
}

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) fail(std::string("CUDA kernel '") + what + "' failed to launch", e);
}

}  // namespace rlforge::tensor::cuda
