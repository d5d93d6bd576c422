// 2-D convolution on the device: im2col per sample + cuBLAS GEMM (matmul.cu), the bias as a
// broadcast pre-fill, and the backward by GEMMs + col2im written as a gather over the columns
// each input pixel fed (no atomics). Same contract and loop order as cpu/conv.cpp.
#include "tensor/cuda/common.cuh"

namespace rlforge::tensor::cuda {
namespace {

// cols [C*KH*KW, HO*WO]: row (c, i, j) holds x[c, ho*sh - ph + i, wo*sw - pw + j], 0 outside.
template <class T>
__global__ void im2col_k(const T* x, ConvGeometry g, T* cols) {
  const int64_t hw = g.ho * g.wo, n = g.c * g.kh * g.kw * hw;
  for (int64_t e = thread_index(); e < n; e += thread_stride()) {
    const int64_t pos = e % hw, row = e / hw;
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, c = row / (g.kw * g.kh);
    const int64_t h = (pos / g.wo) * g.sh - g.ph + i, w = (pos % g.wo) * g.sw - g.pw + j;
    cols[e] = (h >= 0 && h < g.h && w >= 0 && w < g.w) ? x[(c * g.h + h) * g.w + w] : T(0);
  }
}

// dx[c, h, w] += sum of the cols entries read from it: for each kernel tap (i, j), the output
// position (ho, wo) with ho*sh - ph + i == h (and likewise for w), if it exists.
template <class T>
__global__ void col2im_k(const T* dcols, ConvGeometry g, T* dx) {
  const int64_t hw = g.ho * g.wo, n = g.c * g.h * g.w;
  for (int64_t e = thread_index(); e < n; e += thread_stride()) {
    const int64_t w = e % g.w, h = (e / g.w) % g.h, c = e / (g.w * g.h);
    T acc = 0;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t th = h + g.ph - i;
      if (th < 0 || th % g.sh != 0 || th / g.sh >= g.ho) continue;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t tw = w + g.pw - j;
        if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.wo) continue;
        acc += dcols[((c * g.kh + i) * g.kw + j) * hw + (th / g.sh) * g.wo + tw / g.sw];
      }
    }
    dx[e] += acc;
  }
}

// out [N, O, HW] = b[o] everywhere (the GEMM then accumulates with beta = 1).
template <class T>
__global__ void bias_fill_k(const T* b, int64_t n, int64_t o, int64_t hw, T* out) {
  for (int64_t e = thread_index(); e < n; e += thread_stride()) out[e] = b[(e / hw) % o];
}

// db[o] = sum over samples and positions of gout[n, o, :]; one block per output channel.
template <class T>
__global__ void bias_grad_k(const T* gout, ConvGeometry g, T* db) {
  __shared__ double part[kThreads];
  const int64_t hw = g.ho * g.wo;
  for (int64_t oc = blockIdx.x; oc < g.o; oc += gridDim.x) {
    double acc = 0;
    for (int64_t e = threadIdx.x; e < g.n * hw; e += blockDim.x) acc += static_cast<double>(gout[((e / hw) * g.o + oc) * hw + e % hw]);
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
      if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
      __syncthreads();
    }
    if (threadIdx.x == 0) db[oc] = static_cast<T>(part[0]);
    __syncthreads();
  }
}

template <class T>
void forward_t(DType d, const T* x, const T* w, const T* b, const ConvGeometry& g, T* cols, T* out) {
  const int64_t ckk = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  if (b) {
    const int64_t n = g.n * g.o * hw;
    bias_fill_k<T><<<blocks_for(n), kThreads>>>(b, n, g.o, hw, out);
    check_launch("conv2d bias");
  }
  for (int64_t n = 0; n < g.n; ++n) {
    im2col_k<T><<<blocks_for(ckk * hw), kThreads>>>(x + n * g.c * g.h * g.w, g, cols);
    check_launch("conv2d im2col");
    gemm(d, false, false, g.o, hw, ckk, 1.0, w, ckk, 0, cols, hw, 0, b ? 1.0 : 0.0, out + n * g.o * hw, hw, 0, 1);
  }
}

template <class T>
void backward_t(DType d, const T* gout, const T* x, const T* w, const ConvGeometry& g, T* cols, T* dcols, T* dx,
                T* dw, T* db) {
  const int64_t ckk = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  for (int64_t n = 0; n < g.n; ++n) {
    const T* gn = gout + n * g.o * hw;
    if (dw) {  // dW [O, CKK] += g_n [O, HW] @ cols^T [HW, CKK]
      im2col_k<T><<<blocks_for(ckk * hw), kThreads>>>(x + n * g.c * g.h * g.w, g, cols);
      check_launch("conv2d im2col");
      gemm(d, false, true, g.o, ckk, hw, 1.0, gn, hw, 0, cols, hw, 0, n == 0 ? 0.0 : 1.0, dw, ckk, 0, 1);
    }
    if (dx) {  // dcols [CKK, HW] = W^T [CKK, O] @ g_n [O, HW], then gathered back into dx
      gemm(d, true, false, ckk, hw, g.o, 1.0, w, ckk, 0, gn, hw, 0, 0.0, dcols, hw, 0, 1);
      const int64_t nx = g.c * g.h * g.w;
      col2im_k<T><<<blocks_for(nx), kThreads>>>(dcols, g, dx + n * nx);
      check_launch("conv2d col2im");
    }
  }
  if (db && g.o > 0) {
    bias_grad_k<T><<<static_cast<unsigned>(g.o < 65535 ? g.o : 65535), kThreads>>>(gout, g, db);
    check_launch("conv2d bias backward");
  }
}

}  // namespace

void conv2d_forward(DType d, const void* x, const void* w, const void* b, const ConvGeometry& g, void* cols,
                    void* out) {
  by_float(d, [&](auto tag) {
    using T = decltype(tag);
    forward_t<T>(d, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(b), g,
                 static_cast<T*>(cols), static_cast<T*>(out));
  });
}

void conv2d_backward(DType d, const void* gout, const void* x, const void* w, const ConvGeometry& g, void* cols,
                     void* dcols, void* dx, void* dw, void* db) {
  by_float(d, [&](auto tag) {
    using T = decltype(tag);
    backward_t<T>(d, static_cast<const T*>(gout), static_cast<const T*>(x), static_cast<const T*>(w), g,
                  static_cast<T*>(cols), static_cast<T*>(dcols), static_cast<T*>(dx), static_cast<T*>(dw),
                  static_cast<T*>(db));
  });
}

}  // namespace rlforge::tensor::cuda
