// The backward of linear (y = x w^T + b) given gz = dL/dy (after a fused activation's step):
// dx = gz w, dw = gz^T x, db = the column sums of gz, written by the GEMM and one reduction
// straight into new tensors. matmul(), t() and sum() would each add an op's checks, views and
// handles, and this runs once per MLP layer per backward. Internal to tensor/ (ops.cpp holds
// the operand-layout logic it shares with matmul and linear).
#pragma once
#include "tensor/tensor.hpp"

namespace rlforge::tensor::detail {

// Sets dx, dw and db where need_x, need_w, need_b; x [B, in], w [out, in], gz [B, out]. With
// mask_dx, x is the output of a fused linear+relu and dx leaves already multiplied by relu's
// derivative (x > 0), marked relu_masked, when the GEMM can fold it in (CPU float32, x row-major).
void linear_backward(const Tensor& gz, const Tensor& x, const Tensor& w, bool need_x, bool need_w, bool need_b,
                     Tensor& dx, Tensor& dw, Tensor& db, bool mask_dx = false);

}  // namespace rlforge::tensor::detail
