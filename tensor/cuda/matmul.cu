// Row-major (batched, optionally transposed) GEMM on the device through cuBLAS, which is
// column-major: the operands are passed swapped with their own transpose flags and no copy
// (layout::col_major_gemm).
#include <cublas_v2.h>

#include <string>

#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

constexpr int kMaxHandles = 16;

// One cuBLAS handle per thread and device: handles are not safe to share across threads
// without locking, and creating one per call would cost far more than the GEMM.
struct Handles {
  cublasHandle_t h[kMaxHandles] = {};
  ~Handles() {
    for (cublasHandle_t x : h) {
      if (x) cublasDestroy(x);
    }
  }
};

void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw DeviceError(std::string(what) + " failed: " + cublasGetStatusName(s) + " (" + cublasGetStatusString(s) + ")");
  }
}

int current_device() {
  int d = 0;
  const cudaError_t e = cudaGetDevice(&d);
  if (e != cudaSuccess) throw DeviceError(std::string("cudaGetDevice: ") + cudaGetErrorString(e));
  return d;
}

cublasHandle_t handle() {
  thread_local Handles hs;
  const int d = current_device();
  if (d >= kMaxHandles) throw DeviceError("cuBLAS: device index " + std::to_string(d) + " is beyond the supported 16");
  if (!hs.h[d]) {
    check(cublasCreate(&hs.h[d]), "cublasCreate");
    // float32 products stay float32 (no TF32 tensor-core rounding), so they agree with the CPU reference.
    check(cublasSetMathMode(hs.h[d], CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  }
  return hs.h[d];
}

int as_int(std::int64_t v, const char* what) {
  if (v > 2147483647 || v < 0) throw ShapeError(std::string("matmul on CUDA: ") + what + " " + std::to_string(v) + " exceeds cuBLAS's 32-bit sizes");
  return static_cast<int>(v);
}

}  // namespace

void gemm(DType d, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
          const void* A, std::int64_t lda, std::int64_t sa, const void* B, std::int64_t ldb, std::int64_t sb,
          double beta, void* C, std::int64_t ldc, std::int64_t sc, std::int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  cublasHandle_t h = handle();
  // Our B goes first (kernels/layout.hpp explains the swap; a CPU test checks it).
  const layout::ColMajorGemm cm = layout::col_major_gemm(trans_a, trans_b, M, N, K);
  const cublasOperation_t opb = cm.trans_first ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opa = cm.trans_second ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = as_int(cm.m, "N"), n = as_int(cm.n, "M"), k = as_int(cm.k, "K");
  const int la = as_int(lda, "lda"), lb = as_int(ldb, "ldb"), lc = as_int(ldc, "ldc");
  if (d == DType::float32) {
    const float al = static_cast<float>(alpha), be = static_cast<float>(beta);
    const auto *a = static_cast<const float*>(A), *b = static_cast<const float*>(B);
    auto* c = static_cast<float*>(C);
    if (batch == 1) {
      check(cublasSgemm(h, opb, opa, m, n, k, &al, b, lb, a, la, &be, c, lc), "cublasSgemm");
    } else {
      check(cublasSgemmStridedBatched(h, opb, opa, m, n, k, &al, b, lb, sb, a, la, sa, &be, c, lc, sc,
                                      as_int(batch, "batch")),
            "cublasSgemmStridedBatched");
    }
  } else {
    const auto *a = static_cast<const double*>(A), *b = static_cast<const double*>(B);
    auto* c = static_cast<double*>(C);
    if (batch == 1) {
      check(cublasDgemm(h, opb, opa, m, n, k, &alpha, b, lb, a, la, &beta, c, lc), "cublasDgemm");
    } else {
      check(cublasDgemmStridedBatched(h, opb, opa, m, n, k, &alpha, b, lb, sb, a, la, sa, &beta, c, lc, sc,
                                      as_int(batch, "batch")),
            "cublasDgemmStridedBatched");
    }
  }
}

}  // namespace rlforge::tensor::cuda
