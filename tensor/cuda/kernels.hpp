// CUDA kernels, declared with the same contracts as their CPU twins in cpu/kernels.hpp (same
// names, shapes and preconditions; pointers inside the TensorImpls are device pointers). Plain
// C++: the .cu files implement them, kernels/dispatch.cpp calls them. Built only with CUDA.
#pragma once
#include <cstdint>

#include "tensor/autograd/op_kind.hpp"
#include "tensor/cpu/conv.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/detail/tensor_impl.hpp"

namespace rlforge::tensor::cuda {
using detail::TensorImpl;
using cpu::CompareKind;
using cpu::ConvGeometry;

// ---- elementwise.cu ----
void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1);
void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y,
                    TensorImpl* dx, double p0, double p1);
void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a,
                     const TensorImpl* b, const TensorImpl* y, TensorImpl* d);
void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
void where(const TensorImpl* cond, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
void copy(const TensorImpl* src, TensorImpl* dst);  // both on the device; any layouts
void fill(TensorImpl* dst, double v);
void add_inplace(TensorImpl* dst, const TensorImpl* src);
void axpby(TensorImpl* dst, double a, const TensorImpl* src, double b);  // dst = a dst + b src
std::int64_t find_non_finite(const TensorImpl* t);  // synchronizes

// ---- reduce.cu ----
void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale);
void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out);
void argmax(const TensorImpl* x, int axis, TensorImpl* out);
void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out);
void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx);

// ---- indexing.cu (an out-of-range index throws ShapeError; the check synchronizes) ----
void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);
void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);

// ---- loss.cu ----
void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out);
void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out);
// gscale is read from the device scalar `g` (the output gradient), so backward never syncs.
void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta,
                   const TensorImpl* g, TensorImpl* dpred);

// ---- matmul.cu: row-major batched GEMM through cuBLAS, as cpu::gemm per batch entry ----
// C_i = alpha op(A_i) op(B_i) + beta C_i with A_i = A + i sa (elements), likewise B, C.
void gemm(DType d, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,
          double alpha, const void* A, std::int64_t lda, std::int64_t sa, const void* B,
          std::int64_t ldb, std::int64_t sb, double beta, void* C, std::int64_t ldc,
          std::int64_t sc, std::int64_t batch);

// ---- conv.cu: im2col + cuBLAS, same contract as cpu/conv.hpp (device pointers) ----
void conv2d_forward(DType d, const void* x, const void* w, const void* b, const ConvGeometry& g,
                    void* cols, void* out);
void conv2d_backward(DType d, const void* gout, const void* x, const void* w, const ConvGeometry& g,
                     void* cols, void* dcols, void* dx, void* dw, void* db);

// ---- optim.cu: fused optimizer updates over n contiguous elements ----
void adam_step(DType d, void* p, const void* g, void* m, void* v, std::int64_t n, double lr,
               double beta1, double beta2, double eps, double weight_decay, double bc1,
               double bc2_sqrt);
void sgd_step(DType d, void* p, const void* g, void* buf, bool first, std::int64_t n, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov);

}  // namespace rlforge::tensor::cuda
