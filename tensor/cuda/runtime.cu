// CUDA runtime services: the one-time device query, the caching device allocator, synchronous
// host<->device copies and launch checks (see runtime.hpp for the contracts).
#include <cuda_runtime.h>

#include <cstdlib>
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
thread_local const char* t_last_kernel = nullptr;  // the op of the last launch on this thread

[[noreturn]] void fail(const std::string& what, cudaError_t e) {
  throw DeviceError(what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

// A failed synchronizing call (a copy, a free) may be reporting a fault of an earlier,
// asynchronous kernel: say which one ran last, rather than only blaming the copy.
[[noreturn]] void fail_sync(const std::string& what, cudaError_t e) {
  std::string msg = what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
  if (e != cudaErrorInvalidValue && t_last_kernel != nullptr) {
    msg += "; the error may come from an earlier kernel: the last launched on this thread was '" +
           std::string(t_last_kernel) + "' (RLFORGE_CUDA_SYNC=1 checks every launch and names the op)";
  }
  throw DeviceError(msg);
}

bool sync_every_launch() {
  static const bool on = [] {
    const char* v = std::getenv("RLFORGE_CUDA_SYNC");
    return v != nullptr && v[0] != '\0' && v[0] != '0';
  }();
  return on;
}


// One cache per device, shared by all threads: device blocks are freed wherever the last
// tensor handle dies, and the mutex costs nothing next to a kernel launch.
struct DeviceCache {
  std::mutex mu;
  std::vector<void*> free[kCacheClasses];
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
  const int k = cache_class_of(bytes);
  const std::size_t size = k < 0 ? bytes : cache_class_bytes(k);
  DeviceCache& c = cache(device);
  if (k < 0) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.stats.driver_allocs++;
  } else {
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.free[k].empty()) {
      void* p = c.free[k].back();
      c.free[k].pop_back();
      c.stats.reuses++;
      c.stats.cached_bytes -= cache_class_bytes(k);
      return p;
    }
    c.stats.driver_allocs++;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, size);
  if (e == cudaErrorMemoryAllocation) {
    // Give the cached blocks back and try once more before reporting out-of-memory.
    (void)cudaGetLastError();
    device_trim();
    e = cudaMalloc(&p, size);
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    fail_sync("cudaMalloc of " + std::to_string(size) + " bytes on cuda:" + std::to_string(device), e);
  }
  return p;
}

void device_free(void* p, std::size_t bytes, int device) noexcept {
  if (p == nullptr) return;
  const int k = cache_class_of(bytes);
  if (k < 0) {  // above the top class: never cached (cudaFree waits for queued work first)
    int prev = 0;
    const bool switched = cudaGetDevice(&prev) == cudaSuccess && prev != device && cudaSetDevice(device) == cudaSuccess;
    (void)cudaFree(p);
    if (switched) (void)cudaSetDevice(prev);
    return;
  }
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  c.free[k].push_back(p);
  c.stats.cached_bytes += cache_class_bytes(k);
}

void device_trim() noexcept {
  const DeviceQuery& q = query();
  int prev = 0;
  if (cudaGetDevice(&prev) != cudaSuccess) prev = -1;
  for (int d = 0; d < q.count && d < kMaxDevices; ++d) {
    DeviceCache& c = cache(d);
    std::lock_guard<std::mutex> lock(c.mu);
    bool any = false;
    for (const auto& list : c.free) any = any || !list.empty();
    if (!any) continue;
    if (cudaSetDevice(d) != cudaSuccess) continue;  // each block freed with its own device current
    for (auto& list : c.free) {
      for (void* p : list) cudaFree(p);
      list.clear();
    }
    c.stats.cached_bytes = 0;
  }
  if (prev >= 0) (void)cudaSetDevice(prev);  // t_current stays true
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
  if (e != cudaSuccess) fail_sync("copy of " + std::to_string(bytes) + " bytes to the device", e);
}

void copy_to_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) fail_sync("copy of " + std::to_string(bytes) + " bytes to the host", e);
}

void check_launch(const char* what) {
  t_last_kernel = what;
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) fail(std::string("CUDA kernel '") + what + "' failed to launch", e);
  if (sync_every_launch()) {
    const cudaError_t s = cudaDeviceSynchronize();
    if (s != cudaSuccess) fail(std::string("CUDA kernel '") + what + "' failed", s);
  }
}

}  // namespace rlforge::tensor::cuda
