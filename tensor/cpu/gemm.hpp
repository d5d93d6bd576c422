// GEMM on the CPU, row-major: C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C, where op(X)
// is X or X^T (trans flags) and ld* are row strides in elements. beta == 0 overwrites C (NaN in
// C is not propagated). gemm_reference is the plain triple loop every fast path is tested against.
#pragma once
#include <cstdint>

namespace rlforge::tensor::cpu {

template <class T>
void gemm_reference(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,
                    T alpha, const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T beta,
                    T* C, std::int64_t ldc) {
  for (std::int64_t i = 0; i < M; ++i) {
    for (std::int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        const T a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const T b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      T& c = C[i * ldc + j];
      c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;
    }
  }
}

// What the float32 GEMM does to each element of C as it stores it: C = act(alpha op(A) op(B) +
// beta C + bias[j]), bias one value per column (null for none), act relu or identity. A Linear
// layer's bias and ReLU then cost nothing extra: the tile is still in registers.
struct Epilogue {
  const float* bias = nullptr;
  bool relu = false;
  // Then C(i, j) *= (mask[i * ldm + j] > 0 ? 1 : 0): a relu's backward folded into the GEMM
  // that produces the gradient of its output (mask = the relu's output, C's shape).
  const float* mask = nullptr;
  std::int64_t ldm = 0;
  bool any() const { return bias != nullptr || relu || mask != nullptr; }
  // The epilogue of element (i, j) of C given v = alpha * sum + beta * C (relu(NaN) = 0, as
  // the relu op).
  float apply(float v, std::int64_t j) const {
    if (bias) v += bias[j];
    return relu ? (v > 0.0f ? v : 0.0f) : v;
  }
  // The whole epilogue of element (i, j).
  float apply(float v, std::int64_t i, std::int64_t j) const {
    v = apply(v, j);
    return mask ? v * (mask[i * ldm + j] > 0.0f ? 1.0f : 0.0f) : v;
  }
};

// The fast path: register-blocked, cache-blocked, with packed B panels and FMA micro-kernels
// (AVX-512 or AVX2 when the build targets them). Agrees with gemm_reference to rounding.
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
          std::int64_t ldc, const Epilogue& ep = {});
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
          const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta,
          double* C, std::int64_t ldc);

}  // namespace rlforge::tensor::cpu
