// Op front ends: operand checks (shapes, dtypes, devices), output allocation on the operands'
// device, the kernel call through kern:: (CPU or CUDA), tape recording, and the optional
// finite check. Backward rules are in autograd/backward_rules.cpp.
#include "tensor/ops.hpp"

#include <algorithm>
#include <string>

#include "tensor/autograd/engine.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/autograd/linear_backward.hpp"
#include "tensor/cpu/conv.hpp"
#include "tensor/cpu/gemm.hpp"
#include "tensor/cpu/kernels.hpp"
#include "tensor/kernels/dispatch.hpp"

namespace rlforge::tensor {

using detail::TensorImpl;
using std::int64_t;

namespace {

thread_local bool t_finite_check = false;

const TensorImpl* I(const Tensor& t) { return t.impl(); }

void need_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw TensorError(std::string(op) + ": operand is an undefined tensor");
}

void need_float(const char* op, const Tensor& t) {
  need_defined(op, t);
  if (t.dtype() == DType::int64) {
    throw DTypeError(std::string(op) + ": needs float32 or float64 operands, got int64 tensor of shape " + t.shape().str());
  }
}

void need_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (a.device() != b.device()) {
    throw DeviceError(std::string(op) + ": operands are on different devices: " + a.device().str() + " " +
                      a.shape().str() + " vs " + b.device().str() + " " + b.shape().str() +
                      " (move one with to(Device))");
  }
}

void need_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  need_float(op, a);
  need_float(op, b);
  need_same_device(op, a, b);
  if (a.dtype() != b.dtype()) {
    throw DTypeError(std::string(op) + ": operand dtypes differ: " + std::string(dtype_name(a.dtype())) + " " + a.shape().str() +
                     " vs " + std::string(dtype_name(b.dtype())) + " " + b.shape().str() + " (convert with to(DType))");
  }
}

int norm_axis(const char* op, int axis, int ndim) {
  const int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= std::max(ndim, 1) || (ndim == 0)) {
    throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a " +
                     std::to_string(ndim) + "-D tensor");
  }
  return a;
}

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  const int n = std::max(a.ndim(), b.ndim());
  Shape s;
  for (int d = 0; d < n; ++d) {
    const int da = d - (n - a.ndim()), db = d - (n - b.ndim());
    const int64_t x = da >= 0 ? a[da] : 1, y = db >= 0 ? b[db] : 1;
    if (x != y && x != 1 && y != 1) {
      throw ShapeError(std::string(op) + ": shapes " + a.str() + " and " + b.str() +
                       " cannot be broadcast (dim " + std::to_string(d) + ": " + std::to_string(x) + " vs " +
                       std::to_string(y) + ")");
    }
    s.push_back(x == 1 ? y : x);
  }
  return s;
}

Tensor new_tensor(const Shape& s, DType d, Device dev) { return detail::adopt(detail::impl_new(s, d, dev)); }

void finish(OpKind k, const Tensor& out) {
  if (!t_finite_check) return;
  const int64_t at = kern::find_non_finite(out.impl());
  if (at >= 0) {
    const double v = out.to_vector<double>()[static_cast<std::size_t>(at)];
    throw NumericalError(std::string("finite check: op '") + op_name(k) + "' produced " + std::to_string(v) +
                         " at flat index " + std::to_string(at) + " of its " + out.shape().str() + " output");
  }
}

// A copy with no history when t is not contiguous (kernels that need rows call this).
Tensor contiguous_nograd(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor c = new_tensor(t.shape(), t.dtype(), t.device());
  kern::copy(I(t), c.impl());
  return c;
}

Tensor scalar_like(const Tensor& t, double v) {
  need_float("scalar op", t);
  return Tensor::scalar(v, t.dtype(), t.device());
}

Tensor unary(OpKind k, const Tensor& x, double p0 = 0, double p1 = 0) {
  need_float(op_name(k), x);
  Tensor out = new_tensor(x.shape(), x.dtype(), x.device());
  kern::unary_forward(k, I(x), out.impl(), p0, p1);
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(k, out, {&x});
    n->p[0] = p0;
    n->p[1] = p1;
    detail::save(n, out);
  }
  finish(k, out);
  return out;
}

Tensor binary(OpKind k, const Tensor& a, const Tensor& b) {
  need_same_dtype(op_name(k), a, b);
  Tensor out = new_tensor(broadcast_shape(op_name(k), a.shape(), b.shape()), a.dtype(), a.device());
  kern::binary_forward(k, I(a), I(b), out.impl());
  if (detail::wants_grad({&a, &b})) {
    detail::Node* n = detail::record(k, out, {&a, &b});
    if (k == OpKind::Div || k == OpKind::Pow) detail::save(n, out);
  }
  finish(k, out);
  return out;
}

Tensor compare(cpu::CompareKind c, const char* name, const Tensor& a, const Tensor& b) {
  need_same_dtype(name, a, b);
  Tensor out = new_tensor(broadcast_shape(name, a.shape(), b.shape()), a.dtype(), a.device());
  kern::compare(c, I(a), I(b), out.impl());
  return out;
}

// Output shape of a reduction of s over mask.
Shape reduced_shape(const Shape& s, std::uint32_t mask, bool keepdim) {
  Shape r;
  for (int d = 0; d < s.ndim(); ++d) {
    if (mask & (1u << d)) {
      if (keepdim) r.push_back(1);
    } else {
      r.push_back(s[d]);
    }
  }
  return r;
}

Tensor reduce(OpKind k, const Tensor& x, const Axes& axes, bool keepdim) {
  need_float(op_name(k), x);
  const std::uint32_t mask = axes.mask(x.ndim(), op_name(k));
  Tensor out = new_tensor(reduced_shape(x.shape(), mask, keepdim), x.dtype(), x.device());
  if (k == OpKind::Max) {
    if (x.numel() == 0) throw ShapeError("max: reduction of an empty tensor " + x.shape().str());
    kern::reduce_max(I(x), mask, out.impl());
  } else {
    int64_t n = 1;
    for (int d = 0; d < x.ndim(); ++d) {
      if (mask & (1u << d)) n *= x.shape()[d];
    }
    kern::reduce_sum(I(x), mask, out.impl(), k == OpKind::Mean ? 1.0 / static_cast<double>(n) : 1.0);
  }
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(k, out, {&x});
    n->i[0] = mask;
    n->i[1] = keepdim;
    if (k == OpKind::Max) detail::save(n, out);
  }
  finish(k, out);
  return out;
}

Tensor softmax_impl(const Tensor& x, int axis, bool log) {
  const OpKind k = log ? OpKind::LogSoftmax : OpKind::Softmax;
  need_float(op_name(k), x);
  const int a = norm_axis(op_name(k), axis, x.ndim());
  Tensor xc = contiguous_nograd(x);
  Tensor out = new_tensor(x.shape(), x.dtype(), x.device());
  kern::softmax(I(xc), a, log, out.impl());
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(k, out, {&x});
    n->i[0] = a;
    detail::save(n, out);
  }
  finish(k, out);
  return out;
}

// How a matrix operand (the last two dims of t) can be handed to gemm without a copy.
struct MatArg {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
  int64_t batch_stride = 0;  // between consecutive matrices (all batch dims merged)
};

MatArg mat_arg(const TensorImpl* t) {
  MatArg m;
  const int nd = t->shape.ndim();
  const int64_t r = t->shape[nd - 2], c = t->shape[nd - 1];
  const int64_t sr = t->strides[nd - 2], sc = t->strides[nd - 1];
  if ((c == 1 || sc == 1) && (r == 1 || sr >= c)) {
    m.ok = true;
    m.ld = r == 1 ? std::max<int64_t>(c, 1) : sr;
  } else if ((r == 1 || sr == 1) && (c == 1 || sc >= r)) {
    m.ok = true;
    m.trans = true;
    m.ld = c == 1 ? std::max<int64_t>(r, 1) : sc;
  }
  if (nd == 3) {
    m.batch_stride = t->strides[0];
  } else if (nd == 4) {
    if (t->shape[1] == 1) m.batch_stride = t->strides[0];
    else if (t->shape[0] == 1 || t->strides[0] == t->strides[1] * t->shape[1]) m.batch_stride = t->strides[1];
    else m.ok = false;
  }
  return m;
}

void gemm_batched(const TensorImpl* a, const MatArg& ma, const TensorImpl* b, const MatArg& mb, int64_t batch,
                  int64_t M, int64_t N, int64_t K, TensorImpl* out) {
  const Device dev = out->storage->device;
  // [batch, M, K] row-major @ one shared [K, N]: one tall GEMM instead of `batch` small ones.
  if (batch > 1 && mb.batch_stride == 0 && !ma.trans && ma.batch_stride == M * ma.ld) {
    kern::gemm(dev, out->dtype, false, mb.trans, batch * M, N, K, 1.0, a->raw(), ma.ld, 0, b->raw(), mb.ld, 0, 0.0,
               out->raw(), N, 0, 1);
    return;
  }
  kern::gemm(dev, out->dtype, ma.trans, mb.trans, M, N, K, 1.0, a->raw(), ma.ld, ma.batch_stride, b->raw(), mb.ld,
             mb.batch_stride, 0.0, out->raw(), N, M * N, batch);
}

}  // namespace

// ---------------- Axes ----------------

Axes::Axes(std::initializer_list<int> axes) {
  for (int a : axes) {
    if (n_ >= kMaxDims) throw ShapeError("Axes: at most 4 axes");
    a_[n_++] = a;
  }
}

std::uint32_t Axes::mask(int ndim, const char* op) const {
  if (n_ == 0) return ndim == 0 ? 0u : (1u << ndim) - 1u;
  std::uint32_t m = 0;
  for (int i = 0; i < n_; ++i) m |= 1u << norm_axis(op, a_[i], ndim);
  return m;
}

// ---------------- element-wise ----------------

Tensor add(const Tensor& a, const Tensor& b) { return binary(OpKind::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(OpKind::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(OpKind::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(OpKind::Div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary(OpKind::Pow, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(OpKind::Minimum, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(OpKind::Maximum, a, b); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_like(b, a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(b, a), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }
Tensor operator-(const Tensor& a) { return neg(a); }

Tensor neg(const Tensor& x) { return unary(OpKind::Neg, x); }
Tensor exp(const Tensor& x) { return unary(OpKind::Exp, x); }
Tensor log(const Tensor& x) { return unary(OpKind::Log, x); }
Tensor sqrt(const Tensor& x) { return unary(OpKind::Sqrt, x); }
Tensor abs(const Tensor& x) { return unary(OpKind::Abs, x); }
Tensor pow(const Tensor& x, double e) { return unary(OpKind::PowScalar, x, e); }
Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw TensorError("clamp: lower bound " + std::to_string(lo) + " exceeds upper bound " + std::to_string(hi));
  return unary(OpKind::Clamp, x, lo, hi);
}
Tensor relu(const Tensor& x) { return unary(OpKind::Relu, x); }
Tensor leaky_relu(const Tensor& x, double slope) { return unary(OpKind::LeakyRelu, x, slope); }
Tensor elu(const Tensor& x, double alpha) { return unary(OpKind::Elu, x, alpha); }
Tensor tanh(const Tensor& x) { return unary(OpKind::Tanh, x); }
Tensor sigmoid(const Tensor& x) { return unary(OpKind::Sigmoid, x); }
Tensor softplus(const Tensor& x) { return unary(OpKind::Softplus, x); }

Tensor eq(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Ne, "ne", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Le, "le", a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(cpu::CompareKind::Ge, "ge", a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  need_same_dtype("where", a, b);
  need_same_dtype("where", cond, a);
  const Shape s = broadcast_shape("where", cond.shape(), broadcast_shape("where", a.shape(), b.shape()));
  Tensor out = new_tensor(s, a.dtype(), a.device());
  kern::where(I(cond), I(a), I(b), out.impl());
  if (detail::wants_grad({&a, &b})) {
    detail::Node* n = detail::record(OpKind::Where, out, {&a, &b});
    detail::save(n, cond);
  }
  finish(OpKind::Where, out);
  return out;
}

// ---------------- reductions ----------------

Tensor sum(const Tensor& x, Axes axes, bool keepdim) { return reduce(OpKind::Sum, x, axes, keepdim); }
Tensor mean(const Tensor& x, Axes axes, bool keepdim) { return reduce(OpKind::Mean, x, axes, keepdim); }
Tensor max(const Tensor& x, Axes axes, bool keepdim) { return reduce(OpKind::Max, x, axes, keepdim); }
Tensor argmax(const Tensor& x, int axis, bool keepdim) {
  need_float("argmax", x);
  const int a = norm_axis("argmax", axis, x.ndim());
  if (x.shape()[a] == 0) throw ShapeError("argmax: axis " + std::to_string(a) + " of " + x.shape().str() + " is empty");
  const Tensor xc = contiguous_nograd(x);
  Tensor out = new_tensor(reduced_shape(x.shape(), 1u << a, keepdim), DType::int64, x.device());
  kern::argmax(I(xc), a, out.impl());
  return out;
}

Tensor softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, true); }

// ---------------- linear algebra ----------------

namespace {
// `t` itself when the GEMM can read it in place (the common case), else a contiguous copy kept
// in `hold`. Returning a reference spares a handle copy: two atomic count updates per operand.
const Tensor& gemm_operand(const Tensor& t, Tensor& hold, MatArg& m) {
  m = mat_arg(I(t));
  if (m.ok) return t;
  hold = contiguous_nograd(t);
  m = mat_arg(I(hold));
  return hold;
}
}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  need_same_dtype("matmul", a_in, b_in);
  const Shape &sa = a_in.shape(), &sb = b_in.shape();
  if (sa.ndim() < 2 || sb.ndim() < 2) {
    throw ShapeError("matmul: operands must be 2-D to 4-D, got " + sa.str() + " and " + sb.str() +
                     " (reshape a vector to [1, K] or [K, 1])");
  }
  const int64_t M = sa[sa.ndim() - 2], K = sa[sa.ndim() - 1], K2 = sb[sb.ndim() - 2], N = sb[sb.ndim() - 1];
  if (K != K2) {
    throw ShapeError("matmul: inner dims differ: " + sa.str() + " @ " + sb.str() + " (" + std::to_string(K) +
                     " vs " + std::to_string(K2) + ")");
  }
  // Batch dims: equal, or one side has none.
  Shape batch;
  if (sa.ndim() > 2 && sb.ndim() > 2) {
    if (sa.ndim() != sb.ndim()) throw ShapeError("matmul: batch dims differ: " + sa.str() + " @ " + sb.str());
    for (int d = 0; d < sa.ndim() - 2; ++d) {
      if (sa[d] != sb[d]) throw ShapeError("matmul: batch dims differ: " + sa.str() + " @ " + sb.str());
      batch.push_back(sa[d]);
    }
  } else {
    const Shape& s = sa.ndim() > 2 ? sa : sb;
    for (int d = 0; d < s.ndim() - 2; ++d) batch.push_back(s[d]);
  }
  Shape os = batch;
  os.push_back(M);
  os.push_back(N);
  Tensor hold_a, hold_b;
  MatArg ma, mb;
  const Tensor& a = gemm_operand(a_in, hold_a, ma);
  const Tensor& b = gemm_operand(b_in, hold_b, mb);
  if (sa.ndim() == 2) ma.batch_stride = 0;
  if (sb.ndim() == 2) mb.batch_stride = 0;
  Tensor out = new_tensor(os, a.dtype(), a.device());
  const int64_t nb = batch.numel();
  if (out.numel() > 0) {
    if (K == 0) {
      kern::fill(out.impl(), 0.0);
    } else {
      gemm_batched(I(a), ma, I(b), mb, nb, M, N, K, out.impl());
    }
  }
  if (detail::wants_grad({&a_in, &b_in})) detail::record(OpKind::Matmul, out, {&a_in, &b_in});
  finish(OpKind::Matmul, out);
  return out;
}

Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& bias) {
  return linear(x_in, w_in, bias, OpKind::Linear);
}

Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, OpKind act) {
  if (act != OpKind::Linear && act != OpKind::Relu && act != OpKind::Tanh && act != OpKind::Sigmoid) {
    throw std::invalid_argument(std::string("linear: fused activation must be relu, tanh or sigmoid, got '") +
                                op_name(act) + "'");
  }
  need_same_dtype("linear", x_in, w_in);
  const Shape &sx = x_in.shape(), &sw = w_in.shape();
  if (sx.ndim() != 2 || sw.ndim() != 2 || sx[1] != sw[1]) {
    throw ShapeError("linear: input " + sx.str() + " does not fit weight " + sw.str() +
                     " (expected input [B, in] and weight [out, in])");
  }
  const int64_t B = sx[0], IN = sx[1], OUT = sw[0];
  if (bias.defined()) {
    need_same_dtype("linear", x_in, bias);
    if (bias.ndim() != 1 || bias.size(0) != OUT) {
      throw ShapeError("linear: bias " + bias.shape().str() + " does not fit weight " + sw.str() +
                       " (expected [" + std::to_string(OUT) + "])");
    }
  }
  Tensor hold_x, hold_w;
  MatArg mx, mw;
  const Tensor& x = gemm_operand(x_in, hold_x, mx);
  const Tensor& w = gemm_operand(w_in, hold_w, mw);
  Tensor out = new_tensor(Shape{B, OUT}, x.dtype(), x.device());
  // Where the GEMM has an epilogue (CPU float32), it adds the bias and applies relu as it stores.
  const bool fused = kern::gemm_epilogue_supported(x.device(), x.dtype()) && w.device() == x.device() &&
                     (!bias.defined() || (bias.device() == x.device() && bias.impl()->strides[0] == 1));
  // Under the finite check relu stays a pass of its own, so a NaN made by the product is seen
  // before relu maps it to 0 (as it is for linear followed by relu).
  const bool relu_in_gemm = fused && act == OpKind::Relu && !t_finite_check;
  if (out.numel() > 0 && fused) {
    kern::gemm(x.device(), x.dtype(), mx.trans, !mw.trans, B, OUT, IN, 1.0, x.impl()->raw(), mx.ld, 0,
               w.impl()->raw(), mw.ld, 0, 0.0, out.impl()->raw(), OUT, 0, 1,
               bias.defined() ? bias.impl()->raw() : nullptr, relu_in_gemm);
  } else if (out.numel() > 0) {
    // Seed C with the bias rows, then accumulate x @ w^T on top (beta = 1).
    if (bias.defined()) kern::copy(I(bias), out.impl());
    const bool acc = bias.defined();
    if (IN == 0) {
      if (!acc) kern::fill(out.impl(), 0.0);
    } else {
      kern::gemm(x.device(), x.dtype(), mx.trans, !mw.trans, B, OUT, IN, 1.0, x.impl()->raw(), mx.ld, 0,
                 w.impl()->raw(), mw.ld, 0, acc ? 1.0 : 0.0, out.impl()->raw(), OUT, 0, 1);
    }
  }
  if (act != OpKind::Linear && !relu_in_gemm) {
    finish(OpKind::Linear, out);
    // Into a second buffer: the element-wise kernels assume outputs do not alias inputs.
    Tensor y = new_tensor(out.shape(), out.dtype(), out.device());
    if (y.numel() > 0) kern::unary_forward(act, out.impl(), y.impl(), 0.0, 0.0);
    out = y;
  }
  if (detail::wants_grad({&x_in, &w_in, &bias})) {
    detail::Node* n = detail::record(OpKind::Linear, out, {&x_in, &w_in, &bias});
    n->i[0] = static_cast<int64_t>(act);
    if (act != OpKind::Linear) detail::save(n, out);
  }
  finish(act == OpKind::Linear ? OpKind::Linear : act, out);
  return out;
}

namespace detail {
void linear_backward(const Tensor& gz_in, const Tensor& x_in, const Tensor& w_in, bool need_x, bool need_w,
                     bool need_b, Tensor& dx, Tensor& dw, Tensor& db, bool mask_dx) {
  const int64_t B = gz_in.size(0), OUT = gz_in.size(1), IN = w_in.size(1);
  const Device dev = gz_in.device();
  const DType dt = gz_in.dtype();
  Tensor hold_g, hold_x, hold_w;
  MatArg mg, mx, mw;
  const Tensor& gz = gemm_operand(gz_in, hold_g, mg);
  if (need_x) {
    const Tensor& w = gemm_operand(w_in, hold_w, mw);
    dx = new_tensor(Shape{B, IN}, dt, dev);
    const TensorImpl* xi = x_in.impl();
    const bool fold = mask_dx && OUT > 0 && kern::gemm_epilogue_supported(dev, dt) && xi->storage->device == dev &&
                      xi->strides[1] == 1 && (B == 1 || xi->strides[0] >= IN);
    if (dx.numel() > 0) {
      if (OUT == 0) kern::fill(dx.impl(), 0.0);
      else kern::gemm(dev, dt, mg.trans, mw.trans, B, IN, OUT, 1.0, gz.impl()->raw(), mg.ld, 0, w.impl()->raw(), mw.ld,
                      0, 0.0, dx.impl()->raw(), IN, 0, 1, nullptr, false, fold ? xi->raw() : nullptr,
                      fold ? (B == 1 ? IN : xi->strides[0]) : 0);
    }
    dx.impl()->relu_masked = fold;
  }
  if (need_w) {
    const Tensor& x = gemm_operand(x_in, hold_x, mx);
    dw = new_tensor(Shape{OUT, IN}, dt, dev);
    if (dw.numel() > 0) {
      if (B == 0) kern::fill(dw.impl(), 0.0);
      else kern::gemm(dev, dt, !mg.trans, mx.trans, OUT, IN, B, 1.0, gz.impl()->raw(), mg.ld, 0, x.impl()->raw(),
                      mx.ld, 0, 0.0, dw.impl()->raw(), IN, 0, 1);
    }
  }
  if (need_b) {
    db = new_tensor(Shape{OUT}, dt, dev);
    if (db.numel() > 0) {
      if (B == 0) kern::fill(db.impl(), 0.0);
      else kern::reduce_sum(gz.impl(), 1u, db.impl(), 1.0);
    }
  }
}
}  // namespace detail

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, std::array<int, 2> stride,
              std::array<int, 2> padding) {
  need_same_dtype("conv2d", x_in, w_in);
  const Shape &sx = x_in.shape(), &sw = w_in.shape();
  if (sx.ndim() != 4 || sw.ndim() != 4 || sx[1] != sw[1]) {
    throw ShapeError("conv2d: input " + sx.str() + " does not fit weight " + sw.str() +
                     " (expected input [N, C, H, W] and weight [O, C, KH, KW])");
  }
  if (stride[0] < 1 || stride[1] < 1 || padding[0] < 0 || padding[1] < 0) {
    throw ShapeError("conv2d: stride must be >= 1 and padding >= 0, got stride (" + std::to_string(stride[0]) + ", " +
                     std::to_string(stride[1]) + ") padding (" + std::to_string(padding[0]) + ", " +
                     std::to_string(padding[1]) + ")");
  }
  if (bias.defined()) {
    need_same_dtype("conv2d", x_in, bias);
    if (bias.ndim() != 1 || bias.size(0) != sw[0]) {
      throw ShapeError("conv2d: bias " + bias.shape().str() + " does not fit weight " + sw.str());
    }
  }
  const cpu::ConvGeometry g = cpu::conv_geometry(sx.begin(), sw.begin(), stride[0], stride[1], padding[0], padding[1]);
  if (sx[2] + 2 * padding[0] < sw[2] || sx[3] + 2 * padding[1] < sw[3]) {
    throw ShapeError("conv2d: kernel " + sw.str() + " is larger than the padded input " + sx.str());
  }
  const Tensor x = contiguous_nograd(x_in), w = contiguous_nograd(w_in);
  const Tensor b = bias.defined() ? contiguous_nograd(bias) : Tensor();
  Tensor out = new_tensor(Shape{g.n, g.o, g.ho, g.wo}, x.dtype(), x.device());
  Tensor cols = new_tensor(Shape{g.c * g.kh * g.kw, g.ho * g.wo}, x.dtype(), x.device());
  kern::conv2d_forward(x.device(), x.dtype(), x.impl()->raw(), w.impl()->raw(), b.defined() ? b.impl()->raw() : nullptr,
                       g, cols.impl()->raw(), out.impl()->raw());
  if (detail::wants_grad({&x_in, &w_in, &bias})) {
    detail::Node* n = detail::record(OpKind::Conv2d, out, {&x_in, &w_in, &bias});
    n->i[0] = stride[0];
    n->i[1] = stride[1];
    n->i[2] = padding[0];
    n->i[3] = padding[1];
  }
  finish(OpKind::Conv2d, out);
  return out;
}

// ---------------- indexing and layout ----------------

Tensor gather(const Tensor& x, int axis, const Tensor& index) {
  need_float("gather", x);
  need_defined("gather", index);
  if (index.dtype() != DType::int64) {
    throw DTypeError("gather: index must be int64, got " + std::string(dtype_name(index.dtype())) + " " +
                     index.shape().str());
  }
  need_same_device("gather", x, index);
  const int a = norm_axis("gather", axis, x.ndim());
  if (index.ndim() != x.ndim()) {
    throw ShapeError("gather: index " + index.shape().str() + " must have the input's ndim, input " + x.shape().str());
  }
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != a && index.shape()[d] > x.shape()[d]) {
      throw ShapeError("gather: index " + index.shape().str() + " exceeds input " + x.shape().str() + " in dim " +
                       std::to_string(d));
    }
  }
  Tensor idx = contiguous_nograd(index);
  Tensor out = new_tensor(index.shape(), x.dtype(), x.device());
  kern::gather(I(x), a, I(idx), out.impl());
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(OpKind::Gather, out, {&x});
    n->i[0] = a;
    detail::save(n, idx);
  }
  finish(OpKind::Gather, out);
  return out;
}

Tensor index_select(const Tensor& x, int axis, const Tensor& index) {
  need_float("index_select", x);
  need_defined("index_select", index);
  if (index.dtype() != DType::int64 || index.ndim() != 1) {
    throw DTypeError("index_select: index must be a 1-D int64 tensor, got " + index.str());
  }
  need_same_device("index_select", x, index);
  const int a = norm_axis("index_select", axis, x.ndim());
  const Tensor xc = contiguous_nograd(x), idx = contiguous_nograd(index);
  Shape s = x.shape();
  s[a] = index.numel();
  Tensor out = new_tensor(s, x.dtype(), x.device());
  kern::index_select(I(xc), a, I(idx), out.impl());
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(OpKind::IndexSelect, out, {&x});
    n->i[0] = a;
    detail::save(n, idx);
  }
  finish(OpKind::IndexSelect, out);
  return out;
}

Tensor concat(std::span<const Tensor> xs, int axis) {
  if (xs.empty()) throw ShapeError("concat: needs at least one tensor");
  need_float("concat", xs[0]);
  const Shape& s0 = xs[0].shape();
  const int a = norm_axis("concat", axis, s0.ndim());
  Shape os = s0;
  os[a] = 0;
  for (const Tensor& t : xs) {
    need_same_dtype("concat", xs[0], t);
    const Shape& s = t.shape();
    bool ok = s.ndim() == s0.ndim();
    for (int d = 0; ok && d < s.ndim(); ++d) ok = d == a || s[d] == s0[d];
    if (!ok) {
      throw ShapeError("concat: shapes " + s0.str() + " and " + s.str() + " differ outside axis " + std::to_string(a));
    }
    os[a] += s[a];
  }
  Tensor out = new_tensor(os, xs[0].dtype(), xs[0].device());
  int64_t start = 0;
  for (const Tensor& t : xs) {
    // Copy each input into its slab of the output through a view.
    int64_t st[kMaxDims];
    detail::contiguous_strides(os, st);
    TensorImpl* slab = detail::impl_view(out.impl(), t.shape(), st, start * st[a]);
    kern::copy(I(t), slab);
    detail::impl_release(slab);
    start += t.shape()[a];
  }
  if (detail::wants_grad(xs)) {
    detail::Node* n = detail::record(OpKind::Concat, out, xs);
    n->i[0] = a;
  }
  finish(OpKind::Concat, out);
  return out;
}

Tensor concat(std::initializer_list<Tensor> xs, int axis) {
  return concat(std::span<const Tensor>(xs.begin(), xs.size()), axis);
}

Tensor stack(std::span<const Tensor> xs, int axis) {
  if (xs.empty()) throw ShapeError("stack: needs at least one tensor");
  const Shape& s0 = xs[0].shape();
  const int a = axis < 0 ? axis + s0.ndim() + 1 : axis;
  if (a < 0 || a > s0.ndim()) {
    throw ShapeError("stack: axis " + std::to_string(axis) + " is out of range for inputs of shape " + s0.str());
  }
  // stack = concat of [.., 1, ..] reshaped views; at most 8 inputs inline, more through a vector.
  Tensor inline_buf[8];
  std::vector<Tensor> heap_buf;
  std::span<Tensor> parts(inline_buf, std::min<std::size_t>(xs.size(), 8));
  if (xs.size() > 8) {
    heap_buf.resize(xs.size());
    parts = std::span<Tensor>(heap_buf);
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape() != s0) {
      throw ShapeError("stack: shapes " + s0.str() + " and " + xs[i].shape().str() + " differ");
    }
    Shape s;
    for (int d = 0; d < s0.ndim(); ++d) {
      if (d == a) s.push_back(1);
      s.push_back(s0[d]);
    }
    if (a == s0.ndim()) s.push_back(1);
    parts[i] = reshape(xs[i], s);
  }
  return concat(std::span<const Tensor>(parts.data(), parts.size()), a);
}

Tensor stack(std::initializer_list<Tensor> xs, int axis) {
  return stack(std::span<const Tensor>(xs.begin(), xs.size()), axis);
}

Tensor reshape(const Tensor& x, std::initializer_list<int64_t> dims) {
  need_defined("reshape", x);
  // A Shape holds no negative dims, so the -1 is resolved here, before one is built. The
  // message text is made only when thrown (reshape runs per step in Flatten).
  auto asked = [&] {
    std::string r = "(";
    for (int64_t v : dims) r += (r.size() > 1 ? ", " : "") + std::to_string(v);
    return r + (dims.size() == 1 ? ",)" : ")");
  };
  if (dims.size() > static_cast<std::size_t>(kMaxDims)) {
    throw ShapeError("reshape: " + asked() + " has more than " + std::to_string(kMaxDims) + " dims");
  }
  int infer = -1;
  int64_t known = 1;
  for (int d = 0; int64_t v : dims) {
    if (v < -1 || (v == -1 && infer >= 0)) throw ShapeError("reshape: " + asked() + " is not a shape (one -1 at most)");
    if (v == -1) infer = d;
    else known *= v;
    ++d;
  }
  if (infer >= 0 && (known == 0 || x.numel() % known != 0)) {
    throw ShapeError("reshape: cannot view " + x.shape().str() + " (" + std::to_string(x.numel()) +
                     " elements) as " + asked());
  }
  Shape s;
  for (int64_t v : dims) s.push_back(v == -1 ? x.numel() / known : v);
  return reshape(x, s);
}

Tensor reshape(const Tensor& x, const Shape& s) {
  need_defined("reshape", x);
  if (s.ndim() > kMaxDims || s.numel() != x.numel()) {
    throw ShapeError("reshape: cannot view " + x.shape().str() + " (" + std::to_string(x.numel()) +
                     " elements) as " + s.str() + (s.ndim() > kMaxDims ? " (tensors have at most 4 dims)" : ""));
  }
  // A view of x when x is contiguous, else of a contiguous copy.
  Tensor c = contiguous_nograd(x);
  int64_t st[kMaxDims];
  detail::contiguous_strides(s, st);
  Tensor out = detail::adopt(detail::impl_view(I(c), s, st, I(c)->offset));
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(OpKind::Reshape, out, {&x});
    n->shape = x.shape();
  }
  return out;
}

Tensor transpose(const Tensor& x, int d0, int d1) {
  need_defined("transpose", x);
  const int a = norm_axis("transpose", d0, x.ndim()), b = norm_axis("transpose", d1, x.ndim());
  Shape s = x.shape();
  std::swap(s[a], s[b]);
  int64_t st[kMaxDims];
  for (int d = 0; d < x.ndim(); ++d) st[d] = I(x)->strides[d];
  std::swap(st[a], st[b]);
  Tensor out = detail::adopt(detail::impl_view(I(x), s, st, I(x)->offset));
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(OpKind::Transpose, out, {&x});
    n->i[0] = a;
    n->i[1] = b;
  }
  return out;
}

Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length) {
  need_defined("narrow", x);
  const int a = norm_axis("narrow", dim, x.ndim());
  if (start < 0 || length < 0 || start + length > x.shape()[a]) {
    throw ShapeError("narrow: range [" + std::to_string(start) + ", " + std::to_string(start + length) +
                     ") is outside dim " + std::to_string(a) + " of shape " + x.shape().str());
  }
  Shape s = x.shape();
  s[a] = length;
  Tensor out = detail::adopt(detail::impl_view(I(x), s, I(x)->strides, I(x)->offset + start * I(x)->strides[a]));
  if (detail::wants_grad({&x})) {
    detail::Node* n = detail::record(OpKind::Narrow, out, {&x});
    n->i[0] = a;
    n->i[1] = start;
    n->shape = x.shape();
  }
  return out;
}

Tensor detach(const Tensor& x) {
  need_defined("detach", x);
  return detail::adopt(detail::alias(x));
}

Tensor Tensor::contiguous() const {
  need_defined("contiguous", *this);
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  need_defined("clone", *this);
  Tensor out = new_tensor(shape(), dtype(), device());
  kern::copy(impl(), out.impl());
  if (detail::wants_grad({this})) detail::record(OpKind::Contiguous, out, {this});
  return out;
}

Tensor Tensor::to(DType d) const {
  need_defined("to(DType)", *this);
  if (d == dtype()) return *this;
  Tensor out = new_tensor(shape(), d, device());
  kern::copy(impl(), out.impl());
  if (d != DType::int64 && dtype() != DType::int64 && detail::wants_grad({this})) {
    detail::record(OpKind::Cast, out, {this});
  }
  return out;
}

// ---------------- losses ----------------

namespace {
Tensor loss(OpKind k, const Tensor& p, const Tensor& t, double delta) {
  need_same_dtype(op_name(k), p, t);
  if (p.shape() != t.shape()) {
    throw ShapeError(std::string(op_name(k)) + ": prediction " + p.shape().str() + " and target " + t.shape().str() +
                     " must have the same shape (no broadcasting in losses)");
  }
  if (p.numel() == 0) throw ShapeError(std::string(op_name(k)) + ": empty inputs " + p.shape().str());
  Tensor pc = contiguous_nograd(p), tc = contiguous_nograd(t);
  Tensor out = new_tensor(Shape{}, p.dtype(), p.device());
  if (k == OpKind::MseLoss) kern::mse_loss(I(pc), I(tc), out.impl());
  else kern::huber_loss(I(pc), I(tc), delta, out.impl());
  if (detail::wants_grad({&p, &t})) {
    detail::Node* n = detail::record(k, out, {&p, &t});
    n->p[0] = delta;
  }
  finish(k, out);
  return out;
}
}  // namespace

Tensor mse_loss(const Tensor& pred, const Tensor& target) { return loss(OpKind::MseLoss, pred, target, 0); }
Tensor huber_loss(const Tensor& pred, const Tensor& target, double delta) {
  if (!(delta > 0)) throw TensorError("huber_loss: delta must be > 0, got " + std::to_string(delta));
  return loss(OpKind::HuberLoss, pred, target, delta);
}

// ---------------- numerical checks ----------------

void check_finite(const Tensor& t, std::string_view what) {
  need_defined("check_finite", t);
  const int64_t at = kern::find_non_finite(I(t));
  if (at >= 0) {
    const double v = t.to_vector<double>()[static_cast<std::size_t>(at)];
    throw NumericalError(std::string(what) + ": non-finite value " + std::to_string(v) + " at flat index " +
                         std::to_string(at) + " of a " + t.shape().str() + " tensor");
  }
}

void set_finite_check(bool on) { t_finite_check = on; }
bool finite_check_enabled() { return t_finite_check; }

}  // namespace rlforge::tensor
