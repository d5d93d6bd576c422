// The CUDA side of tensor/ lives in its own library, librlforge_tensor_cuda.so (cudart and cuBLAS
// hang off it), loaded here on first CUDA use: cuda_available(), a tensor made on or moved to
// Device::cuda(). Commands and programs that never ask for CUDA never map the CUDA runtime.
#pragma once
#include "tensor/cuda/backend.hpp"

namespace rlforge::tensor::kern {

// Whether this build has the CUDA library at all (nvcc found and RLFORGE_CUDA on at configure).
bool cuda_compiled() noexcept;

// The library's table, loading it on the first call (once per process, thread-safe). Throws
// DeviceError naming the library, each place tried and dlerror()'s reason when it cannot be
// loaded (the failure is remembered: later calls throw the same error without retrying), or
// naming the build when rlforge was configured without CUDA. Looked for, in order: next to the
// executable or shared object this code is linked into (a Python module, say), then by name
// through the dynamic loader (the caller's RUNPATH: the build tree's tensor/ folder, or
// $ORIGIN/../lib once installed; LD_LIBRARY_PATH; the ld.so cache).
const cuda::Backend& cuda_backend();

// The table if cuda_backend() has loaded it, else null; never loads. Every CUDA storage was
// made through cuda_backend(), so code holding a CUDA tensor may use this without a check.
const cuda::Backend* cuda_loaded() noexcept;

}  // namespace rlforge::tensor::kern
