// The tape and the reverse sweep: grad mode, node recording, topological order, gradient
// accumulation into leaves.
#include "tensor/autograd/engine.hpp"

#include <string>
#include <utility>
#include <vector>

#include "tensor/autograd/grad_mode.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor {

namespace {
thread_local bool t_grad_enabled = true;
}  // namespace

bool is_grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }

namespace detail {

bool wants_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs) {
    if (t->defined() && t->impl()->requires_grad) return true;
  }
  return false;
}

bool wants_grad(std::span<const Tensor> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.impl()->requires_grad) return true;
  }
  return false;
}

namespace {
Node* attach(OpKind op, Tensor& out, int n) {
  Node* node = node_new(op, n);
  TensorImpl* o = out.impl();
  o->grad_fn = node;
  o->requires_grad = true;
  return node;
}
void hold(Node* node, int i, const Tensor& t) {
  if (t.defined()) {
    impl_retain(t.impl());
    node->inputs[i] = t.impl();
    if (i < kInlineInputs) node->in_version[i] = t.impl()->storage->version;
  }
}
}  // namespace

Node* record(OpKind op, Tensor& out, std::initializer_list<const Tensor*> inputs) {
  Node* node = attach(op, out, static_cast<int>(inputs.size()));
  int i = 0;
  for (const Tensor* t : inputs) hold(node, i++, *t);
  return node;
}

Node* record(OpKind op, Tensor& out, std::span<const Tensor> inputs) {
  Node* node = attach(op, out, static_cast<int>(inputs.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) hold(node, static_cast<int>(i), inputs[i]);
  return node;
}

TensorImpl* alias(const Tensor& t) {
  const TensorImpl* s = t.impl();
  return impl_view(s, s->shape, s->strides, s->offset);
}

void save(Node* node, const Tensor& t) {
  node->saved[0] = alias(t);
  node->saved_version = t.impl()->storage->version;
}

namespace {
// Refuses to run a rule whose saved values were overwritten in place since the forward.
void check_versions(const Node& n) {
  for (int i = 0; i < n.n_inputs && i < kInlineInputs; ++i) {
    const TensorImpl* in = n.inputs[i];
    if (in && in->storage->version != n.in_version[i] && rule_reads_input(n.op, i)) {
      throw AutogradError(std::string("backward of '") + op_name(n.op) + "': input " + std::to_string(i) + " (" +
                          in->shape.str() + ") was modified in place after the forward used it (version " +
                          std::to_string(in->storage->version) + ", recorded " + std::to_string(n.in_version[i]) +
                          "); run the optimizer step after backward, or clone() the tensor before the op");
    }
  }
  if (n.saved[0] && n.saved[0]->storage->version != n.saved_version) {
    throw AutogradError(std::string("backward of '") + op_name(n.op) +
                        "': a tensor it saved (its output or index) was modified in place after the forward");
  }
}
}  // namespace

namespace {

// Adds g into t's gradient: leaves keep it in `grad` (own storage, so later in-place adds
// cannot touch a tensor shared with the graph); inner tensors in `pending`.
void accumulate(TensorImpl* t, const Tensor& g) {
  if (t->grad_fn == nullptr) {
    if (t->grad != nullptr && !t->grad_stale) {
      kern::add_inplace(t->grad, g.impl());
      return;
    }
    TensorImpl* gi = g.impl();
    // A fresh gradient that nothing else references (one handle, its own storage) becomes the
    // leaf's gradient as it is: no copy.
    const bool own = gi->refs.load(std::memory_order_acquire) == 1 &&
                     gi->storage->refs.load(std::memory_order_acquire) == 1 && gi->grad_fn == nullptr &&
                     gi->offset == 0 && gi->contiguous() && gi->storage->device == t->storage->device;
    if (own) {
      impl_retain(gi);
      if (t->grad) impl_release(t->grad);
      t->grad = gi;
    } else {
      if (t->grad == nullptr) t->grad = impl_new(t->shape, t->dtype, t->storage->device);
      kern::copy(gi, t->grad);
    }
    t->grad_stale = false;
    return;
  }
  if (t->pending == nullptr) {
    impl_retain(g.impl());
    t->pending = g.impl();
  } else {
    Tensor sum = share(t->pending) + g;
    impl_release(t->pending);
    t->pending = sum.release();
  }
}

struct Sweep {
  std::vector<TensorImpl*> order;                    // post-order: inputs before outputs
  std::vector<std::pair<TensorImpl*, int>> stack;    // DFS frames (tensor, next input)
  std::vector<Tensor> grads;                         // rule outputs, reused per node
  std::uint32_t epoch = 0;
  bool busy = false;
};

}  // namespace

void run_backward(TensorImpl* root, const Tensor& seed) {
  if (!root->requires_grad) {
    throw AutogradError("backward(): the " + root->shape.str() +
                        " tensor does not require grad -- no input of its computation was marked "
                        "requires_grad_(), or it was computed under NoGradGuard");
  }
  thread_local Sweep sw;
  if (sw.busy) throw AutogradError("backward(): called from inside another backward on the same thread");
  sw.busy = true;
  struct Done {
    Sweep& s;
    ~Done() {
      // After an exception (a finite check, a bad seed) some inner tensors still hold partial
      // gradients; drop them so that a later backward over the same graph starts clean.
      for (TensorImpl* t : s.order) {
        if (t->pending) {
          impl_release(t->pending);
          t->pending = nullptr;
        }
      }
      s.busy = false;
      s.order.clear();
      s.stack.clear();
      s.grads.clear();
    }
  } done{sw};
  NoGradGuard no_grad;
  if (root->grad_fn == nullptr) {  // a leaf: its gradient is the seed
    accumulate(root, seed);
    return;
  }
  // Topological order by iterative DFS over nodes whose tensors require grad.
  const std::uint32_t epoch = ++sw.epoch;
  root->visit = epoch;
  sw.stack.emplace_back(root, 0);
  while (!sw.stack.empty()) {
    auto& [t, next] = sw.stack.back();
    const Node* n = t->grad_fn;
    if (next < n->n_inputs) {
      TensorImpl* in = n->inputs[next++];
      if (in && in->requires_grad && in->grad_fn && in->visit != epoch) {
        in->visit = epoch;
        sw.stack.emplace_back(in, 0);
      }
    } else {
      sw.order.push_back(t);
      sw.stack.pop_back();
    }
  }
  accumulate(root, seed);
  for (auto it = sw.order.rbegin(); it != sw.order.rend(); ++it) {
    TensorImpl* t = *it;
    if (t->pending == nullptr) continue;
    Tensor g = adopt(t->pending);
    t->pending = nullptr;
    const Node& n = *t->grad_fn;
    sw.grads.assign(static_cast<std::size_t>(n.n_inputs), Tensor());
    check_versions(n);
    apply_backward_rule(n, g, sw.grads);
    for (int i = 0; i < n.n_inputs; ++i) {
      TensorImpl* in = n.inputs[i];
      const Tensor& gi = sw.grads[static_cast<std::size_t>(i)];
      if (!in || !in->requires_grad || !gi.defined()) continue;
      if (gi.shape() != in->shape || gi.dtype() != in->dtype) {
        throw AutogradError(std::string("internal: backward of '") + op_name(n.op) + "' gave a " + gi.str() +
                            " gradient for its " + in->shape.str() + " input " + std::to_string(i));
      }
      if (finite_check_enabled()) {
        check_finite(gi, std::string("finite check: backward of '") + op_name(n.op) + "', gradient of input " +
                             std::to_string(i));
      }
      accumulate(in, gi);
    }
  }
}

}  // namespace detail
}  // namespace rlforge::tensor
