// The built-in font for Frame text: ImGui's default font (ProggyClean, 13 px), rasterized once
// into an alpha atlas by ImGui's font builder, so the rasterizer and the ImGui overlay of the
// window draw text with the same glyphs and no font file is needed at run time.
#pragma once
#include <cstdint>
#include <string_view>

namespace rlforge::render {

struct Glyph {
  float x0, y0, x1, y1;  // quad relative to the pen, at the base size (pixels; y down from the top)
  int u0, v0, u1, v1;    // the glyph's pixels in the atlas: [u0, u1) x [v0, v1)
  float advance;         // pen advance at the base size
};

class Font {
 public:
  static const Font& builtin();  // built on first use (thread-safe), freed at exit
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;
  float base_size() const { return base_size_; }
  // The glyph of byte c; bytes the font lacks map to its fallback glyph.
  const Glyph& glyph(unsigned char c) const { return glyphs_[c]; }
  // Width of s at height `height` pixels.
  float text_width(std::string_view s, float height) const;
  const std::uint8_t* atlas() const { return atlas_; }  // alpha, atlas_width x atlas_height
  int atlas_width() const { return atlas_w_; }
  int atlas_height() const { return atlas_h_; }

 private:
  Font();
  Glyph glyphs_[256];
  float base_size_ = 13.0f;
  void* imgui_atlas_ = nullptr;  // the ImFontAtlas that owns atlas_
  const std::uint8_t* atlas_ = nullptr;
  int atlas_w_ = 0, atlas_h_ = 0;
};

}  // namespace rlforge::render
