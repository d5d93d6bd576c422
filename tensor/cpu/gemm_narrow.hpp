// GEMM shapes where a packed panel would be mostly padding or packing would cost more than the
// product: few output columns (value and policy heads), few rows (acting on one observation) or
// a shallow K (the first layer of a small-observation MLP). Same contract as cpu::gemm for the
// operand layouts named; cpu::gemm picks these paths. Declared in the namespace of the ISA the
// including kernel file is compiled for (cpu/kernel_isa.hpp).
#pragma once
#include <cstdint>

#include "tensor/cpu/gemm.hpp"

namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS {

// C = alpha * A B^T + beta * C with A [M, K] and B [N, K] both stored row-major: vectors run
// along K and each output is one horizontal sum.
void gemm_dot(std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A, std::int64_t lda,
              const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc, const Epilogue& ep);

// C = alpha * A B + beta * C with A(i, k) = A[i * a_rs + k * a_cs] and B [K, N] row-major, for
// few rows (M <= 4) or a shallow product (K <= 8): tiles of up to 4 rows of C accumulate
// A(i, k) * B[k, :] four vectors at a time, reading B in place.
void gemm_rows(std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A, std::int64_t a_rs,
               std::int64_t a_cs, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc,
               const Epilogue& ep);

}  // namespace rlforge::tensor::cpu::RLFORGE_KERNEL_NS
