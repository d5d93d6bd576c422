// rgb_to_yuv420: BT.709 limited range in 16.16 fixed point, edges repeated to even sizes.
#include "render/video_yuv.hpp"

#include <algorithm>
#include <cstddef>

namespace rlforge::render {

namespace {

constexpr double kr = 0.2126, kb = 0.0722, kg = 1.0 - kr - kb;  // BT.709 luma weights
constexpr double ys = 219.0 / 255.0;                            // Y spans 16..235
constexpr double bs = 224.0 / 255.0 / (2.0 * (1.0 - kb));       // Cb spans 16..240
constexpr double rs = 224.0 / 255.0 / (2.0 * (1.0 - kr));       // Cr spans 16..240
constexpr int fix(double v) { return static_cast<int>(v * 65536.0 + (v < 0 ? -0.5 : 0.5)); }

constexpr int yr = fix(ys * kr), yg = fix(ys * kg), yb = fix(ys * kb);
constexpr int ur = fix(-bs * kr), ug = fix(-bs * kg), ub = fix(bs * (1.0 - kb));
constexpr int vr = fix(rs * (1.0 - kr)), vg = fix(-rs * kg), vb = fix(-rs * kb);

std::uint8_t clamp8(int v, int lo, int hi) { return static_cast<std::uint8_t>(std::clamp(v, lo, hi)); }

}  // namespace

void rgb_to_yuv420(const std::uint8_t* rgb, int width, int height, std::uint8_t* y, int y_stride,
                   std::uint8_t* u, int u_stride, std::uint8_t* v, int v_stride) {
  const int pw = width + width % 2, ph = height + height % 2;
  auto px = [&](int r, int c) {
    return rgb + (std::size_t(std::min(r, height - 1)) * width + std::min(c, width - 1)) * 3;
  };
  for (int r = 0; r < ph; ++r) {
    std::uint8_t* out = y + std::size_t(r) * y_stride;
    for (int c = 0; c < pw; ++c) {
      const std::uint8_t* p = px(r, c);
      out[c] = clamp8(((16 << 16) + yr * p[0] + yg * p[1] + yb * p[2] + (1 << 15)) >> 16, 16, 235);
    }
  }
  for (int r = 0; r < ph / 2; ++r) {
    std::uint8_t* ou = u + std::size_t(r) * u_stride;
    std::uint8_t* ov = v + std::size_t(r) * v_stride;
    for (int c = 0; c < pw / 2; ++c) {
      int sr = 0, sg = 0, sb = 0;  // sums over the 2x2 block: the /4 goes into the shift
      for (int dr = 0; dr < 2; ++dr)
        for (int dc = 0; dc < 2; ++dc) {
          const std::uint8_t* p = px(2 * r + dr, 2 * c + dc);
          sr += p[0], sg += p[1], sb += p[2];
        }
      ou[c] = clamp8(((128 << 18) + ur * sr + ug * sg + ub * sb + (1 << 17)) >> 18, 16, 240);
      ov[c] = clamp8(((128 << 18) + vr * sr + vg * sg + vb * sb + (1 << 17)) >> 18, 16, 240);
    }
  }
}

}  // namespace rlforge::render
