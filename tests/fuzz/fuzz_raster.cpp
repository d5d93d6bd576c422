// Fuzz target: any sequence of Frame calls (coordinates from raw input bits: huge, tiny,
// infinite, NaN), any viewport and output size, rasterized twice. Frame refuses non-finite
// values with rlforge::Error; everything it accepts must rasterize without a sanitizer finding,
// give the same bytes twice (determinism), and leave the scratch buffers clean for the next frame.
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "render/raster.hpp"

namespace {

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  float f32() {
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits = bits << 8 | byte();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // Mostly ordinary coordinates (so shapes land on the picture), sometimes raw bits.
  float coord() {
    const std::uint8_t mode = byte();
    if (mode < 192) return static_cast<float>(static_cast<int>(byte()) - 64) + byte() / 256.0f;
    return f32();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rlforge;
  Reader r{data, size};
  const int cw = 1 + r.byte() % 64, ch = 1 + r.byte() % 64;
  const int ow = 1 + r.byte() % 96, oh = 1 + r.byte() % 96;
  Frame f;
  f.begin(cw, ch, Color{r.byte(), r.byte(), r.byte(), 255});
  Vec2 pts[12];
  while (!r.empty()) {
    const std::uint8_t op = r.byte() % 9;
    const Color c{r.byte(), r.byte(), r.byte(), r.byte()};
    const int k = 1 + r.byte() % 12;
    for (int i = 0; i < k; ++i) pts[i] = {r.coord(), r.coord()};
    const float w = r.byte() < 200 ? r.byte() / 16.0f : r.f32();
    try {
      switch (op) {
        case 0: f.fill_polygon(std::span<const Vec2>(pts, k), c); break;
        case 1: f.stroke_polygon(std::span<const Vec2>(pts, k), c, w); break;
        case 2: f.polyline(std::span<const Vec2>(pts, k), c, w); break;
        case 3: f.fill_circle(pts[0], w, c); break;
        case 4: f.stroke_circle(pts[0], w, c, r.byte() / 32.0f); break;
        case 5: f.text(pts[0], std::string_view(reinterpret_cast<const char*>(data), std::min<std::size_t>(size, k)), c,
                       1.0f + r.byte() / 4.0f, static_cast<TextAlign>(r.byte() % 3));
          break;
        case 6: f.set_viewport(pts[0].x, pts[0].y, pts[k - 1].x, pts[k - 1].y, r.byte() & 1); break;
        case 7: f.set_transform(r.coord(), r.coord(), r.coord(), r.coord(), r.byte() & 1); break;
        case 8: f.fill_rect(pts[0], pts[k - 1], c); break;
      }
    } catch (const Error&) {
      // refused (non-finite value, degenerate viewport): the frame is unchanged
    }
  }
  render::Rasterizer ras;
  std::vector<std::uint8_t> a(static_cast<std::size_t>(ow) * oh * 3), b(a.size());
  ras.draw(f, a, ow, oh);
  ras.draw(f, b, ow, oh);
  if (a != b) __builtin_trap();  // not deterministic, or a previous shape's coverage was left behind
  return 0;
}
