// Element-wise arithmetic written once for the CPU kernels and (under nvcc) the CUDA kernels:
// each op's value f and its derivatives, the fused Adam and SGD update formulas, and the table
// from OpKind to those functors that both devices' dispatch uses.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/autograd/op_kind.hpp"
#if !defined(__CUDA_ARCH__)
#include <bit>
#endif

// Under nvcc these become device functions too, so CPU tests exercise the arithmetic the GPU runs.
#if defined(__CUDACC__)
#define RLF_HD __host__ __device__ __forceinline__
#else
#define RLF_HD inline
#endif

namespace rlforge::tensor::math {

// ---- float exp, tanh and sigmoid the compiler can vectorize ----
// libm's expf/tanhf are calls the vectorizer cannot inline (tanhf took ~9 ns an element here).
// These are straight-line float code: range reduction, a polynomial fitted (least squares on
// Chebyshev nodes) to the reduced range, selects instead of branches. Errors against double libm
// over every float are measured in test_tensor_kernels_math. float64 keeps libm.
RLF_HD float float_from_bits(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  return std::bit_cast<float>(u);
#endif
}
// e^x: x = k ln2 + r with |r| <= ln2/2 (ln2 split so that k * hi is exact), e^r = 1 + r + r^2 q(r),
// then 2^k as two exact power-of-two factors so a subnormal result is rounded once. Inputs are
// clamped to [-104, 88.8], past which the result is 0 or inf anyway; NaN passes through.
RLF_HD float exp_f32(float x) {
  float xc = x > 88.8f ? 88.8f : (x < -104.0f ? -104.0f : x);
  xc = x == x ? xc : 0.0f;
  const float kf = (xc * 1.44269504f + 12582912.0f) - 12582912.0f;  // round to nearest integer
  const float r = (xc - kf * 0.693359375f) - kf * -2.12194440e-4f;
  const float q = 0.5f + r * (0.166666672f + r * (0.0416662619f + r * (0.00833328068f + r * (0.00139464461f + r * 0.000199096467f))));
  const float p = 1.0f + (r + (r * r) * q);
  const int k = static_cast<int>(kf);
  const int k1 = k >> 1;
  const float s1 = float_from_bits(static_cast<std::uint32_t>(k1 + 127) << 23);
  const float s2 = float_from_bits(static_cast<std::uint32_t>(k - k1 + 127) << 23);
  const float y = (p * s1) * s2;
  return x == x ? y : x;
}
// tanh(|x|) with x's sign (so tanh is exactly odd and keeps -0): below 0.625 the polynomial
// a + a^3 P(a^2); above, 1 - 2 / (e^{2a} + 1) (no cancellation: the result is >= 0.55), where
// e^{2a} = inf gives exactly 1.
RLF_HD float tanh_f32(float x) {
  const float a = std::fabs(x);
  const float t = a * a;
  const float P = -0.333333313f + t * (0.133332059f + t * (-0.0539467037f + t * (0.0217005014f + t * (-0.00817709323f + t * 0.00214280374f))));
  const float small = a + (a * t) * P;
  const float big = 1.0f - 2.0f / (exp_f32(2.0f * a) + 1.0f);
  return std::copysign(a < 0.625f ? small : big, x);
}
// 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below: exp of a non-positive number only.
RLF_HD float sigmoid_f32(float x) {
  const float e = exp_f32(-std::fabs(x));
  return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

// ---- unary ops: f(x, p0, p1) and df(x, y, p0, p1) = dy/dx where y = f(x) ----
// p0/p1 carry the op's scalar parameters (exponent, slope, bounds); unused ones are ignored.
struct NegF {
  template <class T> RLF_HD static T f(T x, T, T) { return -x; }
  template <class T> RLF_HD static T df(T, T, T, T) { return T(-1); }
};
struct ExpF {
  template <class T> RLF_HD static T f(T x, T, T) { return std::exp(x); }
  template <class T> RLF_HD static T df(T, T y, T, T) { return y; }
};
struct LogF {
  template <class T> RLF_HD static T f(T x, T, T) { return std::log(x); }
  template <class T> RLF_HD static T df(T x, T, T, T) { return T(1) / x; }
};
struct SqrtF {
  template <class T> RLF_HD static T f(T x, T, T) { return std::sqrt(x); }
  template <class T> RLF_HD static T df(T, T y, T, T) { return T(0.5) / y; }
};
// d|x|/dx = sign(x), 0 at 0 (as torch).
struct AbsF {
  template <class T> RLF_HD static T f(T x, T, T) { return std::fabs(x); }
  template <class T> RLF_HD static T df(T x, T, T, T) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
};
// x^p0 for a scalar exponent; p0 == 0 gives derivative 0 everywhere (no 0 * inf).
struct PowScalarF {
  template <class T> RLF_HD static T f(T x, T p, T) { return p == T(2) ? x * x : std::pow(x, p); }
  template <class T> RLF_HD static T df(T x, T, T p, T) {
    return p == T(0) ? T(0) : (p == T(2) ? T(2) * x : p * std::pow(x, p - T(1)));
  }
};
// clamp to [p0, p1]; gradient passes where lo <= x <= hi (torch's convention at the bounds).
struct ClampF {
  template <class T> RLF_HD static T f(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }
  template <class T> RLF_HD static T df(T x, T, T lo, T hi) { return (x >= lo && x <= hi) ? T(1) : T(0); }
};
// relu'(0) = 0, as torch.
struct ReluF {
  template <class T> RLF_HD static T f(T x, T, T) { return x > T(0) ? x : T(0); }
  template <class T> RLF_HD static T df(T x, T, T, T) { return x > T(0) ? T(1) : T(0); }
};
// p0 = negative slope; at 0 the slope is p0 (torch: x > 0 ? 1 : slope).
struct LeakyReluF {
  template <class T> RLF_HD static T f(T x, T a, T) { return x > T(0) ? x : a * x; }
  template <class T> RLF_HD static T df(T x, T, T a, T) { return x > T(0) ? T(1) : a; }
};
// p0 = alpha: x for x > 0, alpha * (exp(x) - 1) otherwise.
struct EluF {
  template <class T> RLF_HD static T f(T x, T a, T) { return x > T(0) ? x : a * std::expm1(x); }
  template <class T> RLF_HD static T df(T x, T y, T a, T) { return x > T(0) ? T(1) : y + a; }
};
struct TanhF {
  template <class T> RLF_HD static T f(T x, T, T) {
    if constexpr (std::is_same_v<T, float>) return tanh_f32(x);
    else return std::tanh(x);
  }
  template <class T> RLF_HD static T df(T, T y, T, T) { return T(1) - y * y; }
};
// Written so that neither branch overflows: exp of a non-positive number only.
struct SigmoidF {
  template <class T> RLF_HD static T f(T x, T, T) {
    if constexpr (std::is_same_v<T, float>) return sigmoid_f32(x);
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
  template <class T> RLF_HD static T df(T, T y, T, T) { return y * (T(1) - y); }
};
// log(1 + exp(x)), linear above 20 as torch's default threshold; derivative sigmoid(x).
struct SoftplusF {
  template <class T> RLF_HD static T f(T x, T, T) { return x > T(20) ? x : std::log1p(std::exp(x)); }
  template <class T> RLF_HD static T df(T x, T, T, T) { return x > T(20) ? T(1) : SigmoidF::f(x, T(0), T(0)); }
};

// ---- binary ops: f(a, b), da = dy/da, db = dy/db (y = f(a, b) is passed in) ----
struct AddF {
  template <class T> RLF_HD static T f(T a, T b) { return a + b; }
  template <class T> RLF_HD static T da(T, T, T) { return T(1); }
  template <class T> RLF_HD static T db(T, T, T) { return T(1); }
};
struct SubF {
  template <class T> RLF_HD static T f(T a, T b) { return a - b; }
  template <class T> RLF_HD static T da(T, T, T) { return T(1); }
  template <class T> RLF_HD static T db(T, T, T) { return T(-1); }
};
struct MulF {
  template <class T> RLF_HD static T f(T a, T b) { return a * b; }
  template <class T> RLF_HD static T da(T, T b, T) { return b; }
  template <class T> RLF_HD static T db(T a, T, T) { return a; }
};
struct DivF {
  template <class T> RLF_HD static T f(T a, T b) { return a / b; }
  template <class T> RLF_HD static T da(T, T b, T) { return T(1) / b; }
  template <class T> RLF_HD static T db(T, T b, T y) { return -y / b; }
};
// a^b; d/db uses log(a), defined (as torch) as 0 where a == 0 and b > 0 contributes nothing.
struct PowF {
  template <class T> RLF_HD static T f(T a, T b) { return std::pow(a, b); }
  template <class T> RLF_HD static T da(T a, T b, T) { return b == T(0) ? T(0) : b * std::pow(a, b - T(1)); }
  template <class T> RLF_HD static T db(T a, T, T y) { return a == T(0) ? T(0) : y * std::log(a); }
};
// Ties split the gradient in half between a and b (torch's rule for minimum/maximum).
struct MinimumF {
  template <class T> RLF_HD static T f(T a, T b) { return a < b ? a : b; }
  template <class T> RLF_HD static T da(T a, T b, T) { return a < b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> RLF_HD static T db(T a, T b, T) { return b < a ? T(1) : (a == b ? T(0.5) : T(0)); }
};
struct MaximumF {
  template <class T> RLF_HD static T f(T a, T b) { return a > b ? a : b; }
  template <class T> RLF_HD static T da(T a, T b, T) { return a > b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> RLF_HD static T db(T a, T b, T) { return b > a ? T(1) : (a == b ? T(0.5) : T(0)); }
};

// ---- comparisons (eq, ne, lt, le, gt, ge): 1 where true, else 0, in the operands' type ----
enum class CompareKind : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
template <class T>
RLF_HD T compare(CompareKind k, T a, T b) {
  bool r = false;
  switch (k) {
    case CompareKind::Eq: r = a == b; break;
    case CompareKind::Ne: r = a != b; break;
    case CompareKind::Lt: r = a < b; break;
    case CompareKind::Le: r = a <= b; break;
    case CompareKind::Gt: r = a > b; break;
    case CompareKind::Ge: r = a >= b; break;
  }
  return r ? T(1) : T(0);
}

// ---- reductions and softmax, per element ----
// Running max where NaN wins (torch's max): the new running value after seeing v.
template <class T>
RLF_HD T max_step(T running, T v) { return (v > running || v != v) ? v : running; }
// Whether argmax moves from the current best value m to a candidate v: strictly larger, or a
// NaN; never away from a NaN (so the first NaN, or else the first maximum, is chosen).
template <class T>
RLF_HD bool argmax_takes(T m, T v) { return m == m && (v > m || v != v); }
// Softmax backward along one row: dot = sum of softmax_dot_term over the row, then each element
// is softmax_grad. softmax: y (g - <g, y>); log_softmax (y = log p): g - exp(y) sum(g).
template <class T>
RLF_HD T softmax_dot_term(T g, T y, bool log) { return log ? g : g * y; }
template <class T>
RLF_HD T softmax_grad(T g, T y, T dot, bool log) { return log ? g - std::exp(y) * dot : y * (g - dot); }
// dst <- a dst + b src (Polyak averaging of target networks).
template <class T>
RLF_HD T axpby(T a, T dst, T b, T src) { return a * dst + b * src; }
// x scaled by a double factor, rounded once to T (gradient clipping on both devices: the
// product is taken in double, so float32 gradients round as torch's do, and no `0 * x` term
// can turn an infinite gradient into NaN).
template <class T>
RLF_HD T scale(T x, double c) { return static_cast<T>(static_cast<double>(x) * c); }
// A reduction's double accumulator times its scale (1/n for a mean), rounded once to T. Rounding
// the sum to T first and the product again ("double rounding") is 1 ulp off for some inputs.
template <class T>
RLF_HD T scaled_sum(double acc, double scale) { return static_cast<T>(acc * scale); }

// ---- losses, per element (the mean is taken by the caller) ----
// Squared error and its derivative wrt the prediction; d = pred - target.
template <class T>
RLF_HD T squared_error(T d) { return d * d; }
template <class T>
RLF_HD T squared_error_grad(T d) { return T(2) * d; }
// Huber with threshold delta: 0.5 d^2 inside, delta (|d| - 0.5 delta) outside; d = pred - target.
template <class T>
RLF_HD T huber(T d, T delta) {
  const T ad = std::fabs(d);
  return ad < delta ? T(0.5) * d * d : delta * (ad - T(0.5) * delta);
}
template <class T>
RLF_HD T huber_grad(T d, T delta) {
  return d < -delta ? -delta : (d > delta ? delta : d);
}

// ---- optimizer updates on one parameter element (torch.optim semantics) ----
// Adam (L2 weight decay added to the gradient, as torch.optim.Adam). bc1 = 1 - beta1^t,
// bc2_sqrt = sqrt(1 - beta2^t). Updates m, v and returns the new parameter value.
template <class T>
RLF_HD T adam_update(T p, T g, T& m, T& v, T lr, T beta1, T beta2, T eps, T weight_decay, T bc1,
                     T bc2_sqrt) {
  if (weight_decay != T(0)) g = g + weight_decay * p;
  m = beta1 * m + (T(1) - beta1) * g;
  v = beta2 * v + (T(1) - beta2) * g * g;
  const T denom = std::sqrt(v) / bc2_sqrt + eps;
  return p - (lr / bc1) * (m / denom);
}
// SGD with momentum and dampening (torch.optim.SGD): first step sets buf = g.
template <class T>
RLF_HD T sgd_update(T p, T g, T& buf, bool first, T lr, T momentum, T dampening, T weight_decay,
                    bool nesterov) {
  if (weight_decay != T(0)) g = g + weight_decay * p;
  if (momentum != T(0)) {
    buf = first ? g : momentum * buf + (T(1) - dampening) * g;
    g = nesterov ? g + momentum * buf : buf;
  }
  return p - lr * g;
}

// Calls fn(F{}) with the functor F of element-wise op `op`; false when op is not one of them.
// The one OpKind -> arithmetic table: the CPU and CUDA dispatch pass their kernel launch as fn.
template <class Fn>
bool with_unary_functor(OpKind op, Fn&& fn) {
  switch (op) {
    case OpKind::Neg: fn(NegF{}); return true;
    case OpKind::Exp: fn(ExpF{}); return true;
    case OpKind::Log: fn(LogF{}); return true;
    case OpKind::Sqrt: fn(SqrtF{}); return true;
    case OpKind::Abs: fn(AbsF{}); return true;
    case OpKind::PowScalar: fn(PowScalarF{}); return true;
    case OpKind::Clamp: fn(ClampF{}); return true;
    case OpKind::Relu: fn(ReluF{}); return true;
    case OpKind::LeakyRelu: fn(LeakyReluF{}); return true;
    case OpKind::Elu: fn(EluF{}); return true;
    case OpKind::Tanh: fn(TanhF{}); return true;
    case OpKind::Sigmoid: fn(SigmoidF{}); return true;
    case OpKind::Softplus: fn(SoftplusF{}); return true;
    default: return false;
  }
}
template <class Fn>
bool with_binary_functor(OpKind op, Fn&& fn) {
  switch (op) {
    case OpKind::Add: fn(AddF{}); return true;
    case OpKind::Sub: fn(SubF{}); return true;
    case OpKind::Mul: fn(MulF{}); return true;
    case OpKind::Div: fn(DivF{}); return true;
    case OpKind::Pow: fn(PowF{}); return true;
    case OpKind::Minimum: fn(MinimumF{}); return true;
    case OpKind::Maximum: fn(MaximumF{}); return true;
    default: return false;
  }
}

}  // namespace rlforge::tensor::math
