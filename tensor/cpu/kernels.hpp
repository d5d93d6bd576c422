// CPU kernels: the plain reference implementations every op runs on the CPU (matmul's fast
// path is in cpu/gemm.hpp). Callers (ops.cpp, backward_rules.cpp) have already checked shapes
// and dtypes and allocated contiguous outputs; inputs may be strided views.
#pragma once
#include <cstdint>

#include "tensor/autograd/op_kind.hpp"
#include "tensor/detail/tensor_impl.hpp"
#include "tensor/kernels/elementwise_math.hpp"

namespace rlforge::tensor::cpu {
using detail::TensorImpl;

// out = f(x) for a unary OpKind; p0, p1 are its parameters.
void unary_forward(OpKind op, const TensorImpl* x, TensorImpl* out, double p0, double p1);
// dx = g * f'(x) (y = f(x)); g, x, y and dx share one shape.
void unary_backward(OpKind op, const TensorImpl* g, const TensorImpl* x, const TensorImpl* y,
                    TensorImpl* dx, double p0, double p1);
// out = f(a, b), broadcast to out's shape.
void binary_forward(OpKind op, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
// d = g * (dy/da) (which_b false) or g * (dy/db), over the broadcast (out) shape of g.
void binary_backward(OpKind op, bool which_b, const TensorImpl* g, const TensorImpl* a,
                     const TensorImpl* b, const TensorImpl* y, TensorImpl* d);

// The comparison kinds live with their arithmetic, shared with the CUDA kernels.
using CompareKind = math::CompareKind;
// out = (a cmp b) ? 1 : 0, broadcast.
void compare(CompareKind k, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);
// out = cond != 0 ? a : b, all three broadcast to out.
void where(const TensorImpl* cond, const TensorImpl* a, const TensorImpl* b, TensorImpl* out);

// out (x's shape with reduced dims of size 1, or those dims dropped) = sum / max over the
// dims set in `mask` (bit d = dim d of x). out must be contiguous.
void reduce_sum(const TensorImpl* x, std::uint32_t mask, TensorImpl* out, double scale);
void reduce_max(const TensorImpl* x, std::uint32_t mask, TensorImpl* out);

// dst = src elementwise (any layouts, same shape; converts between float32 and float64; int64 to int64).
void copy(const TensorImpl* src, TensorImpl* dst);
void fill(TensorImpl* dst, double v);
// dst += src (same shape, same dtype).
void add_inplace(TensorImpl* dst, const TensorImpl* src);
// First flat index holding NaN or Inf, or -1.
std::int64_t find_non_finite(const TensorImpl* t);

// out (int64, contiguous, x's shape without `axis`) = argmax of contiguous x along axis.
void argmax(const TensorImpl* x, int axis, TensorImpl* out);

// Softmax / log-softmax of contiguous x along `axis`; and their backward (y = forward output).
void softmax(const TensorImpl* x, int axis, bool log, TensorImpl* out);
void softmax_backward(const TensorImpl* g, const TensorImpl* y, int axis, bool log, TensorImpl* dx);

// out = x gathered along axis by int64 `index` (torch.gather); scatter-add is its adjoint.
void gather(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void scatter_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);

// out = slices of contiguous x along axis picked by int64 [K] `index` (torch.index_select);
// index_add is its adjoint (dx zero-filled by the caller, contiguous).
void index_select(const TensorImpl* x, int axis, const TensorImpl* index, TensorImpl* out);
void index_add(const TensorImpl* g, int axis, const TensorImpl* index, TensorImpl* dx);

// Loss values (mean over all elements) and the gradient wrt pred scaled by `gscale`.
void mse_loss(const TensorImpl* pred, const TensorImpl* target, TensorImpl* out);
void huber_loss(const TensorImpl* pred, const TensorImpl* target, double delta, TensorImpl* out);
void loss_backward(OpKind op, const TensorImpl* pred, const TensorImpl* target, double delta,
                   double gscale, TensorImpl* dpred);

}  // namespace rlforge::tensor::cpu
