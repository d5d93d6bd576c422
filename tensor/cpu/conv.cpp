// 2-D convolution on the CPU by im2col + GEMM (per sample), and its backward by GEMMs + col2im.
// Shapes: x [N, C, H, W], w [O, C, KH, KW], out [N, O, HO, WO].
#include "tensor/cpu/conv.hpp"

#include "tensor/cpu/gemm.hpp"

namespace rlforge::tensor::cpu {
namespace {

using std::int64_t;

// cols [C*KH*KW, HO*WO] of one sample: row (c, i, j) holds x[c, ho*sh - ph + i, wo*sw - pw + j]
// (0 outside the image).
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* cols) {
  const int64_t hw = g.ho * g.wo;
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        T* row = cols + ((c * g.kh + i) * g.kw + j) * hw;
        for (int64_t ho = 0; ho < g.ho; ++ho) {
          const int64_t h = ho * g.sh - g.ph + i;
          for (int64_t wo = 0; wo < g.wo; ++wo) {
            const int64_t w = wo * g.sw - g.pw + j;
            row[ho * g.wo + wo] = (h >= 0 && h < g.h && w >= 0 && w < g.w) ? x[(c * g.h + h) * g.w + w] : T(0);
          }
        }
      }
    }
  }
}

// The adjoint of im2col: dx[c, h, w] += every cols entry that was read from it.
template <class T>
void col2im(const T* cols, const ConvGeometry& g, T* dx) {
  const int64_t hw = g.ho * g.wo;
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* row = cols + ((c * g.kh + i) * g.kw + j) * hw;
        for (int64_t ho = 0; ho < g.ho; ++ho) {
          const int64_t h = ho * g.sh - g.ph + i;
          if (h < 0 || h >= g.h) continue;
          for (int64_t wo = 0; wo < g.wo; ++wo) {
            const int64_t w = wo * g.sw - g.pw + j;
            if (w >= 0 && w < g.w) dx[(c * g.h + h) * g.w + w] += row[ho * g.wo + wo];
          }
        }
      }
    }
  }
}

template <class T>
void forward_t(const T* x, const T* w, const T* b, const ConvGeometry& g, T* cols, T* out) {
  const int64_t ckk = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  for (int64_t n = 0; n < g.n; ++n) {
    im2col(x + n * g.c * g.h * g.w, g, cols);
    T* o = out + n * g.o * hw;
    if (b) {
      for (int64_t oc = 0; oc < g.o; ++oc) {
        for (int64_t k = 0; k < hw; ++k) o[oc * hw + k] = b[oc];
      }
    }
    gemm(false, false, g.o, hw, ckk, T(1), w, ckk, cols, hw, b ? T(1) : T(0), o, hw);
  }
}

template <class T>
void backward_t(const T* gout, const T* x, const T* w, const ConvGeometry& g, T* cols, T* dcols, T* dx, T* dw,
                T* db) {
  const int64_t ckk = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  for (int64_t n = 0; n < g.n; ++n) {
    const T* gn = gout + n * g.o * hw;
    if (dw) {  // dW [O, CKK] += g_n [O, HW] @ cols^T [HW, CKK]
      im2col(x + n * g.c * g.h * g.w, g, cols);
      gemm(false, true, g.o, ckk, hw, T(1), gn, hw, cols, hw, n == 0 ? T(0) : T(1), dw, ckk);
    }
    if (dx) {  // dcols [CKK, HW] = W^T [CKK, O] @ g_n [O, HW], then scattered back
      gemm(true, false, ckk, hw, g.o, T(1), w, ckk, gn, hw, T(0), dcols, hw);
      col2im(dcols, g, dx + n * g.c * g.h * g.w);
    }
    if (db) {
      for (int64_t oc = 0; oc < g.o; ++oc) {
        T acc = 0;
        for (int64_t k = 0; k < hw; ++k) acc += gn[oc * hw + k];
        db[oc] = n == 0 ? acc : db[oc] + acc;
      }
    }
  }
}

}  // namespace

void conv2d_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* cols, float* out) {
  forward_t(x, w, b, g, cols, out);
}
void conv2d_forward(const double* x, const double* w, const double* b, const ConvGeometry& g, double* cols,
                    double* out) {
  forward_t(x, w, b, g, cols, out);
}
void conv2d_backward(const float* gout, const float* x, const float* w, const ConvGeometry& g, float* cols,
                     float* dcols, float* dx, float* dw, float* db) {
  backward_t(gout, x, w, g, cols, dcols, dx, dw, db);
}
void conv2d_backward(const double* gout, const double* x, const double* w, const ConvGeometry& g, double* cols,
                     double* dcols, double* dx, double* dw, double* db) {
  backward_t(gout, x, w, g, cols, dcols, dx, dw, db);
}

}  // namespace rlforge::tensor::cpu
