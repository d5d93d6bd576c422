// gemm_dispatch.cpp: cpu::gemm, calling the copy of cpu/gemm.cpp compiled for the active ISA (core/isa.hpp).
#include "core/isa.hpp"
#include "tensor/cpu/gemm.hpp"

namespace rlforge::tensor::cpu {

#define RLFORGE_DECLARE_GEMM(ns)                                                                       \
  namespace ns {                                                                                       \
  void gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,   \
            const float*, std::int64_t, float, float*, std::int64_t, const Epilogue&);                 \
  void gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t, \
            const double*, std::int64_t, double, double*, std::int64_t);                               \
  }
RLFORGE_DECLARE_GEMM(isa_baseline)
RLFORGE_DECLARE_GEMM(isa_avx2)
RLFORGE_DECLARE_GEMM(isa_avx512)
#undef RLFORGE_DECLARE_GEMM

void gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
          std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc,
          const Epilogue& ep) {
  switch (active_isa()) {
    case Isa::avx512: return isa_avx512::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    case Isa::avx2: return isa_avx2::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    case Isa::baseline: break;
  }
  isa_baseline::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

// float64 (gradient checks only) is the same simple loop in every copy: the baseline's.
void gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const double* A,
          std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C, std::int64_t ldc) {
  isa_baseline::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace rlforge::tensor::cpu
