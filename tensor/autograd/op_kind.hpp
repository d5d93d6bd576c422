// OpKind: the closed list of recorded ops and their names for messages; the tape stores one per
// node, and autograd/backward_rules.cpp switches over it (one backward rule per kind, all in one
// file).
#pragma once
#include <cstdint>

namespace rlforge::tensor {

enum class OpKind : std::uint8_t {
  // elementwise binary (numpy broadcasting)
  Add, Sub, Mul, Div, Pow, Minimum, Maximum,
  // elementwise unary; parameters in Node::p[0], p[1]
  Neg, Exp, Log, Sqrt, Abs, PowScalar, Clamp, Relu, LeakyRelu, Elu, Tanh, Sigmoid, Softplus,
  // reductions over an axis mask (Node::i[0]) with keepdim (Node::i[1])
  Sum, Mean, Max,
  // along one axis (Node::i[0])
  Softmax, LogSoftmax,
  // linear algebra
  Matmul, Linear, Conv2d,
  // indexing and layout
  Gather, IndexSelect, Concat, Reshape, Transpose, Narrow, Contiguous, Where, Cast,
  // losses (mean reduction)
  MseLoss, HuberLoss,
  // comparisons (never recorded: their outputs carry no gradient, listed for error messages)
  Compare,
  kCount
};

// Inline so that the CUDA library, which names ops in its errors, needs no object of tensor/.
inline const char* op_name(OpKind k) {
  switch (k) {
    case OpKind::Add: return "add";
    case OpKind::Sub: return "sub";
    case OpKind::Mul: return "mul";
    case OpKind::Div: return "div";
    case OpKind::Pow: return "pow";
    case OpKind::Minimum: return "minimum";
    case OpKind::Maximum: return "maximum";
    case OpKind::Neg: return "neg";
    case OpKind::Exp: return "exp";
    case OpKind::Log: return "log";
    case OpKind::Sqrt: return "sqrt";
    case OpKind::Abs: return "abs";
    case OpKind::PowScalar: return "pow(scalar)";
    case OpKind::Clamp: return "clamp";
    case OpKind::Relu: return "relu";
    case OpKind::LeakyRelu: return "leaky_relu";
    case OpKind::Elu: return "elu";
    case OpKind::Tanh: return "tanh";
    case OpKind::Sigmoid: return "sigmoid";
    case OpKind::Softplus: return "softplus";
    case OpKind::Sum: return "sum";
    case OpKind::Mean: return "mean";
    case OpKind::Max: return "max";
    case OpKind::Softmax: return "softmax";
    case OpKind::LogSoftmax: return "log_softmax";
    case OpKind::Matmul: return "matmul";
    case OpKind::Linear: return "linear";
    case OpKind::Conv2d: return "conv2d";
    case OpKind::Gather: return "gather";
    case OpKind::IndexSelect: return "index_select";
    case OpKind::Concat: return "concat";
    case OpKind::Reshape: return "reshape";
    case OpKind::Transpose: return "transpose";
    case OpKind::Narrow: return "narrow";
    case OpKind::Contiguous: return "contiguous";
    case OpKind::Where: return "where";
    case OpKind::Cast: return "cast";
    case OpKind::MseLoss: return "mse_loss";
    case OpKind::HuberLoss: return "huber_loss";
    case OpKind::Compare: return "compare";
    case OpKind::kCount: break;
  }
  return "?";
}

}  // namespace rlforge::tensor
