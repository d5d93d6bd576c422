// Kernel dispatch by device: the one place that picks the CPU kernel or the CUDA one (through the
// table of the CUDA library, kernels/cuda_loader.hpp) for a call, so ops.cpp, the backward rules,
// the engine and the optimizers call kern:: and stay device-agnostic. Contracts are
// cpu/kernels.hpp's; all operands of one call live on one device (ops check that first and throw
// DeviceError). Without CUDA in the build no tensor lives on a CUDA device, so every call goes
// to the CPU.
#pragma once
#include <cstdint>

#include "tensor/cpu/conv.hpp"
#include "tensor/cpu/kernels.hpp"

namespace rlforge::tensor::kern {
using detail::TensorImpl;
using cpu::CompareKind;
using cpu::ConvGeometry;

void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1);
void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y,
                    TensorImpl* dx, double p0, double p1);
void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a,
                     const TensorImpl* b, const TensorImpl* y, TensorImpl* d);
void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
void where(const TensorImpl* cond, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
// dst = src (same shape up to broadcasting size-1 dims of src). src and dst may be on different
// devices: the bytes then cross through a contiguous staging copy (synchronous).
void copy(const TensorImpl* src, TensorImpl* dst);
void fill(TensorImpl* dst, double v);
void add_inplace(TensorImpl* dst, const TensorImpl* src);
// dst = a dst + b src, same shape; on the CPU both must be contiguous (Polyak, clipping).
void axpby(TensorImpl* dst, double a, const TensorImpl* src, double b);
std::int64_t find_non_finite(const TensorImpl* t);
void argmax(const TensorImpl* x, int axis, TensorImpl* out);
void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale);
void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out);
void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out);
void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx);
void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);
void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);
void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out);
void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out);
// g: the 0-d output gradient (read where it lives, so CUDA backward never syncs).
void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta,
                   const TensorImpl* g, TensorImpl* dpred);

// Row-major GEMM over `batch` matrices (sa/sb/sc: element strides between them; 0 shares one),
// as cpu::gemm per matrix. Pointers are the raw data of tensors on `dev`. `bias` (N values,
// contiguous, added to every row), `relu` and `mask` (C *= mask > 0, row stride ldm) are
// cpu::Epilogue: float32 on the CPU only (gemm_epilogue_supported), where they cost no pass.
void gemm(Device dev, DType d, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N,
          std::int64_t K, double alpha, const void* A, std::int64_t lda, std::int64_t sa,
          const void* B, std::int64_t ldb, std::int64_t sb, double beta, void* C,
          std::int64_t ldc, std::int64_t sc, std::int64_t batch, const void* bias = nullptr,
          bool relu = false, const void* mask = nullptr, std::int64_t ldm = 0);
bool gemm_epilogue_supported(Device dev, DType d);
// cpu/conv.hpp's contract, raw data of contiguous tensors on `dev`; null pointers skip.
void conv2d_forward(Device dev, DType d, const void* x, const void* w, const void* b,
                    const ConvGeometry& g, void* cols, void* out);
void conv2d_backward(Device dev, DType d, const void* gout, const void* x, const void* w,
                     const ConvGeometry& g, void* cols, void* dcols, void* dx, void* dw, void* db);
// Fused optimizer updates of n contiguous elements (math::adam_update / math::sgd_update);
// `step` is Adam's 1-based step count, from which the bias corrections are formed in dtype d.
void adam_step(Device dev, DType d, void* p, const void* g, void* m, void* v, std::int64_t n,
               double lr, double beta1, double beta2, double eps, double weight_decay,
               std::int64_t step);
void sgd_step(Device dev, DType d, void* p, const void* g, void* buf, bool first, std::int64_t n,
              double lr, double momentum, double dampening, double weight_decay, bool nesterov);

}  // namespace rlforge::tensor::kern
