// Every backward rule, in one switch over OpKind: given the output gradient g of a node,
// the gradients of its inputs. Rules run with grad mode off and use ops and kern:: kernels, so
// every rule runs on the device its tensors live on (the CPU or CUDA choice is in kern::).
#include <string>

#include "tensor/autograd/engine.hpp"
#include "tensor/autograd/linear_backward.hpp"
#include "tensor/cpu/conv.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/kernels/dispatch.hpp"
#include "tensor/ops.hpp"

namespace rlforge::tensor::detail {
namespace {

using std::int64_t;

// A new tensor of shape s with like's dtype, on like's device.
Tensor new_like_shape(const Shape& s, const Tensor& like) {
  return adopt(impl_new(s, like.dtype(), like.device()));
}

// Sums g (the broadcast output shape) down to an input's shape `s`.
Tensor sum_to(const Tensor& g, const Shape& s) {
  if (g.shape() == s) return g;
  const Shape& gs = g.shape();
  const int shift = gs.ndim() - s.ndim();
  std::uint32_t mask = 0;
  for (int d = 0; d < gs.ndim(); ++d) {
    if (d < shift || (s[d - shift] == 1 && gs[d] != 1)) mask |= 1u << d;
  }
  // The kept dims, in order, are exactly s's dims (size-1 dims of s included as 1s).
  Tensor out = new_like_shape(s, g);
  kern::reduce_sum(g.impl(), mask, out.impl(), 1.0);
  return out;
}

// g of a reduction (shape with or without the reduced dims) stretched back to x's shape.
Tensor expand_back(const Tensor& g, const Shape& xs, std::uint32_t mask, double scale) {
  Shape keep;
  for (int d = 0; d < xs.ndim(); ++d) keep.push_back((mask & (1u << d)) ? 1 : xs[d]);
  Tensor gk = g.reshape(keep);
  Tensor out = new_like_shape(xs, g);
  kern::copy(gk.impl(), out.impl());  // copy broadcasts size-1 dims
  if (scale != 1.0) return out * scale;
  return out;
}

Tensor input(const Node& n, int i) { return n.inputs[i] ? share(n.inputs[i]) : Tensor(); }

// A non-owning handle on a node's input, which the node keeps alive while its rule runs: the
// hot rules (linear, matmul) read inputs this way, sparing two atomic count updates each.
// Copies made from it (grads[i] = x) are ordinary owning handles.
class Borrowed {
 public:
  Borrowed(const Node& n, int i) : t_(n.inputs[i] ? adopt(n.inputs[i]) : Tensor()) {}
  ~Borrowed() { (void)t_.release(); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  const Tensor& operator*() const { return t_; }

 private:
  Tensor t_;
};
bool needs(const Node& n, int i) { return n.inputs[i] != nullptr && n.inputs[i]->requires_grad; }

// Sum over all leading (batch) dims of r, leaving the last two.
Tensor sum_batch(const Tensor& r) {
  if (r.ndim() == 3) return sum(r, Axes{0});
  return sum(r, Axes{0, 1});
}

}  // namespace

bool rule_reads_input(OpKind op, int i) {
  switch (op) {
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Sum:
    case OpKind::Mean:
    case OpKind::Softmax:     // reads its saved output
    case OpKind::LogSoftmax:  // reads its saved output
    case OpKind::Gather:      // reads its saved index
    case OpKind::IndexSelect: // reads its saved index
    case OpKind::Concat:
    case OpKind::Reshape:
    case OpKind::Transpose:
    case OpKind::Narrow:
    case OpKind::Contiguous:
    case OpKind::Cast:
    case OpKind::Where:  // reads its saved condition
      return false;
    case OpKind::Linear:
    case OpKind::Conv2d:
      return i < 2;  // x and weight; the bias is never read
    default:
      return true;
  }
}

void apply_backward_rule(const Node& n, const Tensor& g, std::span<Tensor> grads) {
  switch (n.op) {
    // ---- element-wise binary: d/da and d/db over the broadcast shape, summed back ----
    case OpKind::Add:
    case OpKind::Sub: {
      if (needs(n, 0)) grads[0] = sum_to(g, n.inputs[0]->shape);
      if (needs(n, 1)) grads[1] = sum_to(n.op == OpKind::Add ? g : neg(g), n.inputs[1]->shape);
      return;
    }
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
    case OpKind::Minimum:
    case OpKind::Maximum: {
      const TensorImpl* a = n.inputs[0];
      const TensorImpl* b = n.inputs[1];
      for (int i = 0; i < 2; ++i) {
        if (!needs(n, i)) continue;
        Tensor d = new_like_shape(g.shape(), g);
        // Only div and pow read the output y; the others get d itself as a placeholder.
        const TensorImpl* y = n.saved[0] ? n.saved[0] : d.impl();
        kern::binary_backward(n.op, i == 1, g.impl(), a, b, y, d.impl());
        grads[i] = sum_to(d, n.inputs[i]->shape);
      }
      return;
    }
    // ---- element-wise unary: g * f'(x) ----
    case OpKind::Neg:
    case OpKind::Exp:
    case OpKind::Log:
    case OpKind::Sqrt:
    case OpKind::Abs:
    case OpKind::PowScalar:
    case OpKind::Clamp:
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Elu:
    case OpKind::Tanh:
    case OpKind::Sigmoid:
    case OpKind::Softplus: {
      Tensor dx = new_like_shape(g.shape(), g);
      kern::unary_backward(n.op, g.impl(), n.inputs[0], n.saved[0], dx.impl(), n.p[0], n.p[1]);
      grads[0] = dx;
      return;
    }
    // ---- reductions ----
    case OpKind::Sum:
    case OpKind::Mean: {
      const Shape& xs = n.inputs[0]->shape;
      const auto mask = static_cast<std::uint32_t>(n.i[0]);
      double scale = 1.0;
      if (n.op == OpKind::Mean) {
        int64_t cnt = 1;
        for (int d = 0; d < xs.ndim(); ++d) {
          if (mask & (1u << d)) cnt *= xs[d];
        }
        scale = 1.0 / static_cast<double>(cnt);
      }
      grads[0] = expand_back(g, xs, mask, scale);
      return;
    }
    case OpKind::Max: {
      // The gradient goes to every element equal to the max, split evenly among ties.
      const Tensor x = input(n, 0);
      const auto mask = static_cast<std::uint32_t>(n.i[0]);
      Shape keep;
      for (int d = 0; d < x.ndim(); ++d) keep.push_back((mask & (1u << d)) ? 1 : x.shape()[d]);
      const Tensor y = share(n.saved[0]).reshape(keep);
      const Tensor hit = eq(x, y);
      Tensor count = new_like_shape(keep, x);
      kern::reduce_sum(hit.impl(), mask, count.impl(), 1.0);
      grads[0] = hit * (g.reshape(keep) / count);
      return;
    }
    case OpKind::Softmax:
    case OpKind::LogSoftmax: {
      const Tensor gc = g.contiguous();
      Tensor dx = new_like_shape(g.shape(), g);
      kern::softmax_backward(gc.impl(), n.saved[0], static_cast<int>(n.i[0]), n.op == OpKind::LogSoftmax, dx.impl());
      grads[0] = dx;
      return;
    }
    // ---- linear algebra ----
    case OpKind::Matmul: {
      const Borrowed a_in(n, 0), b_in(n, 1);
      const Tensor &a = *a_in, &b = *b_in;
      if (needs(n, 0)) {
        Tensor r = matmul(g, transpose(b, -1, -2));  // dA = dC B^T
        grads[0] = (a.ndim() == 2 && b.ndim() > 2) ? sum_batch(r) : r;
      }
      if (needs(n, 1)) {
        if (b.ndim() == 2 && a.ndim() > 2) {  // shared B: one GEMM over all batch rows
          const int64_t K = a.size(-1), N = g.size(-1);
          grads[1] = matmul(a.reshape({-1, K}).t(), g.reshape({-1, N}));
        } else {
          grads[1] = matmul(transpose(a, -1, -2), g);  // dB = A^T dC
        }
      }
      return;
    }
    case OpKind::Linear: {
      const Borrowed x_in(n, 0), w_in(n, 1);
      const Tensor &x = *x_in, &w = *w_in;
      Tensor gz = g;
      const auto act = static_cast<OpKind>(n.i[0]);
      if (act != OpKind::Linear && !(act == OpKind::Relu && g.impl()->relu_masked)) {
        // Through the fused activation first; its derivative reads the saved output y, given
        // as both x and y (relu's x > 0 is y > 0). A relu gradient can arrive already through
        // it (relu_masked, below), which saves this pass.
        gz = new_like_shape(g.shape(), g);
        kern::unary_backward(act, g.impl(), n.saved[0], n.saved[0], gz.impl(), 0.0, 0.0);
      }
      // x itself the output of a fused linear + relu (not a view of it): fold that relu's
      // derivative into the GEMM that makes dx, so the layer below needs no pass of its own.
      const TensorImpl* in0 = n.inputs[0];
      const Node* below = in0 ? in0->grad_fn : nullptr;
      const TensorImpl* y = below ? below->saved[0] : nullptr;
      const bool mask_dx = below && below->op == OpKind::Linear && static_cast<OpKind>(below->i[0]) == OpKind::Relu &&
                           y && y->storage == in0->storage && y->offset == in0->offset && y->shape == in0->shape;
      linear_backward(gz, x, w, needs(n, 0), needs(n, 1), needs(n, 2), grads[0], grads[1], grads[2], mask_dx);
      return;
    }
    case OpKind::Conv2d: {
      const Tensor x = input(n, 0).contiguous(), w = input(n, 1).contiguous(), gc = g.contiguous();
      const cpu::ConvGeometry geo = cpu::conv_geometry(x.shape().begin(), w.shape().begin(), n.i[0], n.i[1], n.i[2], n.i[3]);
      const Shape cols_shape{geo.c * geo.kh * geo.kw, geo.ho * geo.wo};
      Tensor cols = new_like_shape(cols_shape, g), dcols = new_like_shape(cols_shape, g);
      Tensor dx = needs(n, 0) ? Tensor::zeros(x.shape(), g.dtype(), g.device()) : Tensor();
      Tensor dw = needs(n, 1) ? new_like_shape(w.shape(), g) : Tensor();
      Tensor db = needs(n, 2) ? new_like_shape(Shape{geo.o}, g) : Tensor();
      auto raw = [](const Tensor& t) -> void* { return t.defined() ? t.impl()->raw() : nullptr; };
      kern::conv2d_backward(g.device(), g.dtype(), raw(gc), raw(x), raw(w), geo, raw(cols), raw(dcols), raw(dx),
                            raw(dw), raw(db));
      grads[0] = dx;
      grads[1] = dw;
      grads[2] = db;
      return;
    }
    // ---- indexing and layout ----
    case OpKind::Gather: {
      Tensor dx = Tensor::zeros(n.inputs[0]->shape, g.dtype(), g.device());
      const Tensor gc = g.contiguous();
      kern::scatter_add(gc.impl(), static_cast<int>(n.i[0]), n.saved[0], dx.impl());
      grads[0] = dx;
      return;
    }
    case OpKind::IndexSelect: {
      Tensor dx = Tensor::zeros(n.inputs[0]->shape, g.dtype(), g.device());
      const Tensor gc = g.contiguous();
      kern::index_add(gc.impl(), static_cast<int>(n.i[0]), n.saved[0], dx.impl());
      grads[0] = dx;
      return;
    }
    case OpKind::Concat: {
      const int axis = static_cast<int>(n.i[0]);
      int64_t start = 0;
      for (int i = 0; i < n.n_inputs; ++i) {
        const int64_t len = n.inputs[i]->shape[axis];
        if (needs(n, i)) grads[static_cast<std::size_t>(i)] = narrow(g, axis, start, len);
        start += len;
      }
      return;
    }
    case OpKind::Reshape:
      grads[0] = g.reshape(n.shape);
      return;
    case OpKind::Transpose:
      grads[0] = transpose(g, static_cast<int>(n.i[0]), static_cast<int>(n.i[1]));
      return;
    case OpKind::Narrow: {
      Tensor dx = Tensor::zeros(n.shape, g.dtype(), g.device());
      const Tensor slab = narrow(dx, static_cast<int>(n.i[0]), n.i[1], g.shape()[static_cast<int>(n.i[0])]);
      kern::copy(g.impl(), slab.impl());
      grads[0] = dx;
      return;
    }
    case OpKind::Contiguous:
      grads[0] = g;
      return;
    case OpKind::Cast:
      grads[0] = g.to(n.inputs[0]->dtype);
      return;
    case OpKind::Where: {
      const Tensor c = share(n.saved[0]);
      const Tensor zero = Tensor::scalar(0.0, g.dtype(), g.device());
      if (needs(n, 0)) grads[0] = sum_to(where(c, g, zero), n.inputs[0]->shape);
      if (needs(n, 1)) grads[1] = sum_to(where(c, zero, g), n.inputs[1]->shape);
      return;
    }
    // ---- losses ----
    case OpKind::MseLoss:
    case OpKind::HuberLoss: {
      const Tensor p = input(n, 0).contiguous(), t = input(n, 1).contiguous();
      Tensor dp = new_like_shape(p.shape(), p);
      kern::loss_backward(n.op, p.impl(), t.impl(), n.p[0], g.impl(), dp.impl());
      if (needs(n, 0)) grads[0] = dp;
      if (needs(n, 1)) grads[1] = neg(dp);
      return;
    }
    case OpKind::Compare:
    case OpKind::kCount:
      break;
  }
  throw AutogradError(std::string("internal: no backward rule for op '") + op_name(n.op) + "'");
}

}  // namespace rlforge::tensor::detail
