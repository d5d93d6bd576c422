// Differentiable ops on Tensor. Each op checks its operands (ShapeError naming the op and the
// shapes, DTypeError for mixed/int dtypes), runs its CPU kernel and, when grad mode is on and an
// input requires grad, records one tape node. Outputs are new contiguous tensors unless noted.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "tensor/autograd/op_kind.hpp"
#include "tensor/tensor.hpp"

namespace rlforge::tensor {

// A set of axes (negative counts from the end); empty means all axes.
class Axes {
 public:
  Axes() = default;  // all axes
  Axes(int axis) : n_(1) { a_[0] = axis; }  // NOLINT: a single axis converts implicitly
  Axes(std::initializer_list<int> axes);
  std::uint32_t mask(int ndim, const char* op) const;  // throws ShapeError when out of range

 private:
  int a_[kMaxDims] = {0, 0, 0, 0};
  int n_ = 0;
};

// ---- element-wise binary, numpy broadcasting (shapes aligned right; 1 stretches) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);  // a^b
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

// ---- element-wise unary ----
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor clamp(const Tensor& x, double lo, double hi);  // throws TensorError if lo > hi
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softplus(const Tensor& x);  // log(1 + e^x), linear above 20 (torch's threshold)

// ---- comparisons and selection (no gradient flows through comparisons) ----
Tensor eq(const Tensor& a, const Tensor& b);  // 1 where equal else 0, in a's dtype
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// cond != 0 ? a : b, all three broadcast; cond has a's dtype (e.g. from a comparison).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- reductions ----
Tensor sum(const Tensor& x, Axes axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, Axes axes = {}, bool keepdim = false);
// Max values; the gradient is shared equally among tied maxima.
Tensor max(const Tensor& x, Axes axes = {}, bool keepdim = false);
// Index of the largest value along `axis` (first on ties; NaN counts as largest, as torch),
// as an int64 tensor; never recorded (DQN's greedy action, Categorical's mode).
Tensor argmax(const Tensor& x, int axis = -1, bool keepdim = false);
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// ---- linear algebra ----
// a [..., M, K] @ b [..., K, N] -> [..., M, N]. Both 2-D to 4-D; leading (batch) dims must
// match, or one operand is 2-D and is applied to every batch. Transposed views (t()) are used
// in place, without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [B, in] @ weight[out, in]^T + bias[out] -> [B, out] (bias may be undefined). One node.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
// act(linear(x, weight, bias)) for act = OpKind::Relu, Tanh or Sigmoid, recorded as one node
// whose backward reads only the activated output (all three derivatives are functions of it):
// an MLP layer then costs one op and one saved tensor instead of two of each.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, OpKind activation);

// Cross-correlation (as torch.nn.functional.conv2d): x [N, C, H, W], weight [O, C, KH, KW],
// bias [O] or undefined, zero padding (ph, pw) and stride (sh, sw) ->
// [N, O, (H + 2 ph - KH) / sh + 1, (W + 2 pw - KW) / sw + 1]. One node.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::array<int, 2> stride = {1, 1},
              std::array<int, 2> padding = {0, 0});

// ---- indexing and layout ----
// torch.gather: out[i][j] = x[i][index[i][j]] for axis 1 (likewise for any axis). index is
// int64, with x's ndim, and index.size(d) <= x.size(d) for d != axis; out has index's shape.
Tensor gather(const Tensor& x, int axis, const Tensor& index);
// torch.index_select: the slices of x along `axis` named by int64 [K] `index` (repeats allowed),
// e.g. a minibatch of rows; out has x's shape with size K on `axis`.
Tensor index_select(const Tensor& x, int axis, const Tensor& index);
Tensor concat(std::span<const Tensor> xs, int axis);
Tensor concat(std::initializer_list<Tensor> xs, int axis);
Tensor stack(std::span<const Tensor> xs, int axis);  // new axis; all shapes equal
Tensor stack(std::initializer_list<Tensor> xs, int axis);
// Views sharing x's storage (reshape copies only a non-contiguous x; in the list form one dim
// may be -1).
Tensor reshape(const Tensor& x, const Shape& s);
Tensor reshape(const Tensor& x, std::initializer_list<std::int64_t> dims);
Tensor transpose(const Tensor& x, int d0, int d1);
Tensor narrow(const Tensor& x, int dim, std::int64_t start, std::int64_t length);
Tensor detach(const Tensor& x);  // no history, requires_grad false

// ---- losses (mean over all elements; pred and target shapes must be equal) ----
Tensor mse_loss(const Tensor& pred, const Tensor& target);
Tensor huber_loss(const Tensor& pred, const Tensor& target, double delta = 1.0);

// ---- numerical checks ----
// Throws NumericalError naming `what` and the first bad index if t holds NaN or Inf.
void check_finite(const Tensor& t, std::string_view what);
// When on (per thread), every op checks its output and every backward rule its gradients, and
// throws NumericalError naming the op ("log produced -inf at index 3 ..."). Off by default:
// it costs a pass over each output.
void set_finite_check(bool on);
bool finite_check_enabled();

}  // namespace rlforge::tensor
