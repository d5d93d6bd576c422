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
// A history-free alias of t (shares storage, no grad_fn).
TensorImpl* alias(const Tensor& t);
// Stores an alias of t as node->saved[0] and records its storage version.
void save(Node* node, const Tensor& t);

// Runs the reverse sweep from root with gradient seed (root's shape).
void run_backward(TensorImpl* root, const Tensor& seed);

// Whether the backward rule of `op` reads the values of input i (then an in-place change of
// that input after the forward makes the gradient wrong, and backward refuses).
bool rule_reads_input(OpKind op, int i);

// Computes the gradient of each of node's inputs from the gradient g of its output. Writes
// grads[i] for inputs that require grad (others may stay undefined). Runs with grad mode off.
void apply_backward_rule(const Node& node, const Tensor& g, std::span<Tensor> grads);

}  // namespace rlforge::tensor::detail
