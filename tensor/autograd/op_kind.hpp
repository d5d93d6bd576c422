// OpKind: the closed list of recorded ops; the tape stores one per node, and
// autograd/backward_rules.cpp switches over it (one backward rule per kind, all in one file).
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

const char* op_name(OpKind k);

}  // namespace rlforge::tensor
