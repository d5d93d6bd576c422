// Autograd internals: recording a node for an op's output, the backward sweep, and the rule
// table entry point (autograd/backward_rules.cpp). Internal to tensor/.
#pragma once
#include <initializer_list>
#include <span>

#include "tensor/detail/tensor_impl.hpp"

namespace rlforge::tensor::detail {

// True when grad mode is on and any input requires grad.
bool wants_grad(std::initializer_list<const Tensor*> inputs);
bool wants_grad(std::span<const Tensor> inputs);
// Creates the node for `out` (which then requires grad) holding references to the inputs.
Node* record(OpKind op, Tensor& out, std::initializer_list<const Tensor*> inputs);
Node* record(OpKind op, Tensor& out, std::span<const Tensor> inputs);
// A history-free alias of t, to be stored in Node::saved.
TensorImpl* alias(const Tensor& t);

// Runs the reverse sweep from root with gradient seed (root's shape).
void run_backward(TensorImpl* root, const Tensor& seed);

// Computes the gradient of each of node's inputs from the gradient g of its output. Writes
// grads[i] for inputs that require grad (others may stay undefined). Runs with grad mode off.
void apply_backward_rule(const Node& node, const Tensor& g, std::span<Tensor> grads);

}  // namespace rlforge::tensor::detail
