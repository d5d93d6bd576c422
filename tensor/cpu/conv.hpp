// 2-D convolution kernels (im2col + GEMM). All buffers contiguous; `cols` and `dcols` are
// scratch of C*KH*KW x HO*WO elements; dx must be zero-filled by the caller; dw and db are
// overwritten. Null dx/dw/db pointers skip that gradient; a null bias means none.
#pragma once
#include <cstdint>

namespace rlforge::tensor::cpu {

struct ConvGeometry {
  std::int64_t n, c, h, w;     // input  [N, C, H, W]
  std::int64_t o, kh, kw;      // weight [O, C, KH, KW]
  std::int64_t sh, sw, ph, pw; // stride and zero padding
  std::int64_t ho, wo;         // output [N, O, HO, WO]
};

// Geometry from the two shapes (already validated: 4-D, matching channels, output size >= 1).
inline ConvGeometry conv_geometry(const std::int64_t* xs, const std::int64_t* ws, std::int64_t sh, std::int64_t sw,
                                  std::int64_t ph, std::int64_t pw) {
  ConvGeometry g{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], sh, sw, ph, pw, 0, 0};
  g.ho = (g.h + 2 * ph - g.kh) / sh + 1;
  g.wo = (g.w + 2 * pw - g.kw) / sw + 1;
  return g;
}

void conv2d_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* cols, float* out);
void conv2d_forward(const double* x, const double* w, const double* b, const ConvGeometry& g, double* cols,
                    double* out);
void conv2d_backward(const float* gout, const float* x, const float* w, const ConvGeometry& g, float* cols,
                     float* dcols, float* dx, float* dw, float* db);
void conv2d_backward(const double* gout, const double* x, const double* w, const ConvGeometry& g, double* cols,
                     double* dcols, double* dx, double* dw, double* db);

}  // namespace rlforge::tensor::cpu
