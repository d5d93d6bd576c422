// Loading librlforge_tensor_cuda.so on first CUDA use (see cuda_loader.hpp). The only file that
// reads the RLFORGE_TENSOR_CUDA switch: everything else is the same with and without CUDA.
#include "tensor/kernels/cuda_loader.hpp"

#include <dlfcn.h>
#include <link.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>

#include "tensor/errors.hpp"

namespace rlforge::tensor::kern {
namespace {

std::atomic<const cuda::Backend*> g_loaded{nullptr};

#if RLFORGE_TENSOR_CUDA
constexpr const char* kLibrary = RLFORGE_TENSOR_CUDA_LIBRARY;  // "librlforge_tensor_cuda.so"

// The folder of the executable or shared object holding this code. The main program's link map
// has an empty name (dladdr would give argv[0], perhaps a bare name found on PATH), so its file
// comes from /proc; a shared object's map holds its path as it was loaded.
std::filesystem::path own_folder() {
  Dl_info info{};
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&own_folder), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) == 0 ||
      map == nullptr) {
    return {};
  }
  if (map->l_name != nullptr && map->l_name[0] != '\0') return std::filesystem::path(map->l_name).parent_path();
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

// Opens the library (see cuda_loader.hpp for the order) and takes its table; on failure returns
// null and says in `why` what was tried and what went wrong.
const cuda::Backend* load(std::string& why) {
  void* lib = nullptr;
  std::string tried;
  const std::filesystem::path folder = own_folder();
  if (!folder.empty()) {
    const std::string beside = (folder / kLibrary).string();
    lib = dlopen(beside.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) tried += "; next to this program: " + std::string(dlerror());
  }
  if (lib == nullptr) {
    lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) tried += "; by the loader's search path: " + std::string(dlerror());
  }
  const std::string head = std::string("cannot load the CUDA kernels library ") + kLibrary;
  if (lib == nullptr) {
    why = head + tried;
    return nullptr;
  }
  // Never dlclose'd: the library holds the device allocator's cache for the whole process.
  using Entry = const cuda::Backend* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(lib, "rlforge_tensor_cuda_backend"));
  if (entry == nullptr) {
    why = head + ": no rlforge_tensor_cuda_backend in it (" + dlerror() + ")";
    return nullptr;
  }
  const cuda::Backend* b = entry();
  if (b == nullptr || b->version != cuda::kBackendVersion) {
    why = head + ": its table is version " + std::to_string(b ? b->version : -1) + ", this program expects " +
          std::to_string(cuda::kBackendVersion) + " (a library from another build; rebuild or reinstall both)";
    return nullptr;
  }
  return b;
}
#endif

}  // namespace

bool cuda_compiled() noexcept {
#if RLFORGE_TENSOR_CUDA
  return true;
#else
  return false;
#endif
}

const cuda::Backend& cuda_backend() {
#if RLFORGE_TENSOR_CUDA
  static std::once_flag once;
  static std::string why;
  std::call_once(once, [] { g_loaded.store(load(why), std::memory_order_release); });
  if (const cuda::Backend* b = g_loaded.load(std::memory_order_acquire)) return *b;
  throw DeviceError(why);
#else
  throw DeviceError("this build of rlforge has no CUDA support (nvcc was not found at configure time, or "
                    "RLFORGE_CUDA=OFF)");
#endif
}

const cuda::Backend* cuda_loaded() noexcept { return g_loaded.load(std::memory_order_acquire); }

}  // namespace rlforge::tensor::kern
