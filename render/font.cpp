#include "render/font.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace rlforge::render {

// ImFontAtlas is used on its own, without an ImGui context (a window's overlay has its own
// context and atlas): it only needs ImGui's allocator, which defaults to malloc. Built once, freed
// when the program exits (so leak checkers see nothing left behind).
Font::Font() {
  auto* atlas = IM_NEW(ImFontAtlas)();
  imgui_atlas_ = atlas;
  ImFontConfig cfg;
  cfg.OversampleH = 1;  // the default font is a pixel font: no oversampling, crisp at 13 px
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  ImFont* font = atlas->AddFontDefault(&cfg);
  atlas->Build();
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  atlas->GetTexDataAsAlpha8(&pixels, &w, &h);
  atlas_ = pixels;
  atlas_w_ = w;
  atlas_h_ = h;
  base_size_ = font->FontSize;
  const ImFontGlyph* fallback = font->FindGlyph(static_cast<ImWchar>('?'));
  for (int c = 0; c < 256; ++c) {
    const ImFontGlyph* g = font->FindGlyphNoFallback(static_cast<ImWchar>(c));
    if (g == nullptr || c < 32 || c == 127) g = fallback;
    Glyph& out = glyphs_[c];
    out.x0 = g->X0;
    out.y0 = g->Y0;
    out.x1 = g->X1;
    out.y1 = g->Y1;
    out.u0 = static_cast<int>(std::lround(g->U0 * w));
    out.v0 = static_cast<int>(std::lround(g->V0 * h));
    out.u1 = static_cast<int>(std::lround(g->U1 * w));
    out.v1 = static_cast<int>(std::lround(g->V1 * h));
    out.advance = g->AdvanceX;
  }
}

Font::~Font() { IM_DELETE(static_cast<ImFontAtlas*>(imgui_atlas_)); }

const Font& Font::builtin() {
  static const Font font;
  return font;
}

float Font::text_width(std::string_view s, float height) const {
  float w = 0.0f;
  for (unsigned char c : s) w += glyphs_[c].advance;
  return w * (height / base_size_);
}

}  // namespace rlforge::render
