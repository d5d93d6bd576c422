// The table of op cases shared by the finite-difference gradient check and the LibTorch oracle:
// each case names an op, its inputs (shape and value domain) and how to compute it with our ops.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor::testing {

// Value ranges that keep each op away from its kinks and poles (so finite differences hold).
enum class Domain { Normal, Positive, Wide, Index4, Index3 };

struct InputSpec {
  Shape shape;
  Domain domain = Domain::Normal;
};

struct OpCase {
  std::string name;
  std::vector<InputSpec> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> ours;
};

// Draws an input in the requested dtype; index domains give int64 tensors with values in [0, 4)
// or [0, 3).
inline Tensor make_input(const InputSpec& in, Rng& gen, DType d) {
  const std::int64_t n = in.shape.numel();
  if (in.domain == Domain::Index4 || in.domain == Domain::Index3) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = static_cast<std::int64_t>(gen.below(in.domain == Domain::Index4 ? 4 : 3));
    return Tensor::from_data(std::span<const std::int64_t>(v), in.shape);
  }
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) {
    switch (in.domain) {
      case Domain::Normal: x = gen.normal(); break;
      case Domain::Positive: x = gen.uniform(0.5, 2.0); break;
      default: x = gen.uniform(-3.0, 3.0); break;
    }
  }
  return Tensor::from_data(std::span<const double>(v), in.shape).to(d);
}

inline const std::vector<OpCase>& op_cases() {
  using V = const std::vector<Tensor>&;
  static const std::vector<OpCase> cases = {
      // element-wise binary with broadcasting
      {"add", {{{3, 4}}, {{3, 4}}}, [](V x) { return x[0] + x[1]; }},
      {"add_bcast_row", {{{3, 4}}, {{4}}}, [](V x) { return x[0] + x[1]; }},
      {"add_bcast_both", {{{2, 1, 3}}, {{4, 1}}}, [](V x) { return x[0] + x[1]; }},
      {"sub_bcast", {{{3, 1}}, {{2, 3, 4}}}, [](V x) { return x[0] - x[1]; }},
      {"mul_bcast", {{{2, 3, 4}}, {{3, 1}}}, [](V x) { return x[0] * x[1]; }},
      {"mul_scalar", {{{3, 4}}}, [](V x) { return x[0] * 2.5 + 1.0; }},
      {"div", {{{3, 4}}, {{3, 1}, Domain::Positive}}, [](V x) { return x[0] / x[1]; }},
      {"rdiv_scalar", {{{5}, Domain::Positive}}, [](V x) { return 2.0 / x[0]; }},
      {"pow_tensor", {{{3, 4}, Domain::Positive}, {{4}}}, [](V x) { return pow(x[0], x[1]); }},
      {"minimum", {{{3, 4}}, {{3, 4}}}, [](V x) { return minimum(x[0], x[1]); }},
      {"maximum_bcast", {{{3, 4}}, {{1, 4}}}, [](V x) { return maximum(x[0], x[1]); }},
      // element-wise unary
      {"neg", {{{2, 3}}}, [](V x) { return -x[0]; }},
      {"exp", {{{2, 3}}}, [](V x) { return exp(x[0]); }},
      {"log", {{{2, 3}, Domain::Positive}}, [](V x) { return log(x[0]); }},
      {"sqrt", {{{2, 3}, Domain::Positive}}, [](V x) { return sqrt(x[0]); }},
      {"abs", {{{2, 3}, Domain::Wide}}, [](V x) { return abs(x[0]); }},
      {"pow_2", {{{2, 3}}}, [](V x) { return pow(x[0], 2.0); }},
      {"pow_3", {{{2, 3}}}, [](V x) { return pow(x[0], 3.0); }},
      {"pow_half", {{{2, 3}, Domain::Positive}}, [](V x) { return pow(x[0], 0.5); }},
      {"clamp", {{{4, 5}, Domain::Wide}}, [](V x) { return clamp(x[0], -1.0, 1.5); }},
      {"relu", {{{4, 5}, Domain::Wide}}, [](V x) { return relu(x[0]); }},
      {"leaky_relu", {{{4, 5}, Domain::Wide}}, [](V x) { return leaky_relu(x[0], 0.1); }},
      {"elu", {{{4, 5}, Domain::Wide}}, [](V x) { return elu(x[0], 1.3); }},
      {"tanh", {{{4, 5}, Domain::Wide}}, [](V x) { return tanh(x[0]); }},
      {"sigmoid", {{{4, 5}, Domain::Wide}}, [](V x) { return sigmoid(x[0]); }},
      {"softplus", {{{4, 5}, Domain::Wide}}, [](V x) { return softplus(x[0]); }},
      // reductions
      {"sum_all", {{{3, 4}}}, [](V x) { return sum(x[0]); }},
      {"sum_axis0", {{{3, 4}}}, [](V x) { return sum(x[0], 0); }},
      {"sum_axis1_keep", {{{3, 4}}}, [](V x) { return sum(x[0], 1, true); }},
      {"sum_axes02", {{{2, 3, 4}}}, [](V x) { return sum(x[0], Axes{0, 2}); }},
      {"mean_all", {{{3, 4}}}, [](V x) { return mean(x[0]); }},
      {"mean_axis_neg1_keep", {{{2, 3, 4}}}, [](V x) { return mean(x[0], -1, true); }},
      {"max_axis1", {{{3, 5}}}, [](V x) { return max(x[0], 1); }},
      {"max_axis0_keep", {{{3, 5}}}, [](V x) { return max(x[0], 0, true); }},
      {"max_all", {{{3, 5}}}, [](V x) { return max(x[0]); }},
      {"softmax_last", {{{3, 5}}}, [](V x) { return softmax(x[0], -1); }},
      {"softmax_axis1_3d", {{{2, 3, 4}}}, [](V x) { return softmax(x[0], 1); }},
      {"log_softmax_last", {{{3, 5}}}, [](V x) { return log_softmax(x[0], -1); }},
      {"log_softmax_axis0", {{{4, 3}}}, [](V x) { return log_softmax(x[0], 0); }},
      // linear algebra
      {"matmul", {{{3, 4}}, {{4, 5}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_at", {{{4, 3}}, {{4, 5}}}, [](V x) { return matmul(x[0].t(), x[1]); }},
      {"matmul_bt", {{{3, 4}}, {{5, 4}}}, [](V x) { return matmul(x[0], x[1].t()); }},
      {"matmul_at_bt", {{{4, 3}}, {{5, 4}}}, [](V x) { return matmul(x[0].t(), x[1].t()); }},
      {"matmul_batched", {{{2, 3, 4}}, {{2, 4, 5}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_batched_shared_b", {{{2, 3, 4}}, {{4, 5}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_shared_a_batched", {{{3, 4}}, {{2, 4, 5}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_4d", {{{2, 2, 3, 4}}, {{2, 2, 4, 2}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_batched_bt", {{{2, 3, 4}}, {{2, 5, 4}}}, [](V x) { return matmul(x[0], transpose(x[1], 1, 2)); }},
      {"linear", {{{6, 4}}, {{3, 4}}, {{3}}}, [](V x) { return linear(x[0], x[1], x[2]); }},
      {"linear_batch1", {{{1, 5}}, {{3, 5}}, {{3}}}, [](V x) { return linear(x[0], x[1], x[2]); }},
      {"matmul_row_vector", {{{1, 4}}, {{4, 6}}}, [](V x) { return matmul(x[0], x[1]); }},
      {"linear_no_bias", {{{6, 4}}, {{3, 4}}}, [](V x) { return linear(x[0], x[1], Tensor()); }},
      {"linear_xt", {{{4, 6}}, {{3, 4}}, {{3}}}, [](V x) { return linear(x[0].t(), x[1], x[2]); }},
      {"linear_relu", {{{6, 4}}, {{3, 4}}, {{3}}}, [](V x) { return linear(x[0], x[1], x[2], OpKind::Relu); }},
      {"linear_tanh", {{{6, 4}}, {{3, 4}}, {{3}}}, [](V x) { return linear(x[0], x[1], x[2], OpKind::Tanh); }},
      {"linear_sigmoid_no_bias", {{{6, 4}}, {{3, 4}}},
       [](V x) { return linear(x[0], x[1], Tensor(), OpKind::Sigmoid); }},
      {"conv2d", {{{2, 3, 6, 5}}, {{4, 3, 3, 3}}, {{4}}}, [](V x) { return conv2d(x[0], x[1], x[2]); }},
      {"conv2d_stride2_pad1", {{{2, 2, 7, 6}}, {{3, 2, 3, 3}}, {{3}}},
       [](V x) { return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1}); }},
      {"conv2d_rect_no_bias", {{{1, 2, 5, 6}}, {{2, 2, 2, 3}}},
       [](V x) { return conv2d(x[0], x[1], Tensor(), {1, 2}, {0, 1}); }},
      // indexing and layout
      {"gather_q_sa", {{{5, 4}}, {{5, 1}, Domain::Index4}}, [](V x) { return gather(x[0], 1, x[1]); }},
      {"gather_axis0", {{{3, 4}}, {{2, 4}, Domain::Index3}}, [](V x) { return gather(x[0], 0, x[1]); }},
      {"gather_repeat", {{{2, 4}}, {{2, 6}, Domain::Index4}}, [](V x) { return gather(x[0], 1, x[1]); }},
      {"index_select_rows", {{{5, 3}}}, [](V x) {
         return index_select(x[0], 0, Tensor::from_data(std::vector<std::int64_t>{4, 0, 4, 2}, {4}).to(x[0].device()));
       }},
      {"index_select_axis1_3d", {{{2, 4, 3}}}, [](V x) {
         return index_select(x[0], 1, Tensor::from_data(std::vector<std::int64_t>{3, 1}, {2}).to(x[0].device()));
       }},
      {"concat_axis0", {{{2, 3}}, {{4, 3}}}, [](V x) { return concat({x[0], x[1]}, 0); }},
      {"concat_axis1_three", {{{2, 3}}, {{2, 1}}, {{2, 2}}}, [](V x) { return concat({x[0], x[1], x[2]}, 1); }},
      {"stack_axis1", {{{2, 3}}, {{2, 3}}}, [](V x) { return stack({x[0], x[1]}, 1); }},
      {"reshape", {{{2, 6}}}, [](V x) { return x[0].reshape({3, 4}) * x[0].reshape({3, 4}); }},
      {"transpose_3d", {{{2, 3, 4}}}, [](V x) { return transpose(x[0], 0, 2) * 1.5; }},
      {"narrow", {{{4, 5}}}, [](V x) { return narrow(x[0], 1, 1, 3) * 2.0; }},
      {"slice_rows", {{{4, 5}}}, [](V x) { return exp(x[0].slice_rows(1, 3)); }},
      {"contiguous_of_t", {{{3, 4}}}, [](V x) { return x[0].t().contiguous().reshape({12}); }},
      {"where_mask", {{{3, 4}}, {{3, 4}}}, [](V x) { return where(gt(x[0], x[1]), x[0] * x[1], x[1] - x[0]); }},
      {"where_bcast", {{{3, 4}}, {{4}}}, [](V x) {
         return where(gt(x[0], Tensor::scalar(0.0, x[0].dtype(), x[0].device())), x[0], x[1]);
       }},
      // losses
      {"mse_loss", {{{6, 2}}, {{6, 2}}}, [](V x) { return mse_loss(x[0], x[1]); }},
      {"huber_loss", {{{6, 2}, Domain::Wide}, {{6, 2}}}, [](V x) { return huber_loss(x[0], x[1], 1.0); }},
      {"huber_loss_delta", {{{6, 2}, Domain::Wide}, {{6, 2}}}, [](V x) { return huber_loss(x[0], x[1], 0.5); }},
      // strided inputs (views) through the general kernels, and 4-D broadcasting
      {"mul_4d_bcast", {{{2, 1, 3, 1}}, {{1, 4, 1, 5}}}, [](V x) { return x[0] * x[1]; }},
      {"exp_of_transposed", {{{3, 4}}}, [](V x) { return exp(x[0].t()); }},
      {"div_of_narrowed", {{{4, 5}}, {{4, 2}, Domain::Positive}}, [](V x) { return narrow(x[0], 1, 2, 2) / x[1]; }},
      {"sum_of_transposed_axis1", {{{3, 4}}}, [](V x) { return sum(x[0].t(), 1); }},
      {"max_of_narrowed", {{{4, 6}}}, [](V x) { return max(narrow(x[0], 1, 1, 4), 1, true); }},
      {"softmax_of_transposed", {{{3, 4}}}, [](V x) { return softmax(x[0].t(), -1); }},
      {"gather_of_transposed", {{{4, 5}}, {{5, 1}, Domain::Index4}}, [](V x) { return gather(x[0].t(), 1, x[1]); }},
      {"mse_of_transposed", {{{3, 2}}, {{2, 3}}}, [](V x) { return mse_loss(x[0].t(), x[1]); }},
      {"where_of_views", {{{3, 4}}, {{4, 3}}}, [](V x) {
         return where(lt(x[0], x[1].t()), x[0], x[1].t() * 2.0);
       }},
      // compositions agents use
      {"logp_of_action", {{{5, 4}}, {{5, 1}, Domain::Index4}},
       [](V x) { return gather(log_softmax(x[0], -1), 1, x[1]); }},
      {"mlp_tanh", {{{5, 3}}, {{4, 3}}, {{4}}, {{2, 4}}},
       [](V x) { return linear(tanh(linear(x[0], x[1], x[2])), x[3], Tensor()); }},
  };
  return cases;
}

}  // namespace rlforge::tensor::testing
