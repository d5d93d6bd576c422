// GifWriter: GIF89a through giflib 5, streamed into an AtomicFile: loop extension, one graphics
// control block (delay) and one image of the changed rectangle with its own palette per frame.
#include <gif_lib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <exception>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "render/video_formats.hpp"
#include "render/video_palette.hpp"

namespace rlforge::render::detail {

namespace {

std::string gif_error(int code) {
  const char* s = GifErrorString(code);
  return s != nullptr ? s : "giflib error " + std::to_string(code);
}

struct GifCloser {
  void operator()(GifFileType* gif) const { EGifCloseFile(gif, nullptr); }
};

// 100/fps centiseconds, at least 2: browsers play a delay of 0 or 1 cs as 10 cs.
int delay_cs(double fps) { return static_cast<int>(std::clamp(std::lround(100.0 / fps), 2l, 65535l)); }

class GifWriter final : public VideoWriter {
 public:
  explicit GifWriter(const VideoTarget& t)
      : VideoWriter(t.path, t.width, t.height, 100.0 / delay_cs(t.fps)),
        overwrite_(t.overwrite), delay_(delay_cs(t.fps)), file_(t.path),
        previous_(std::size_t(t.width) * t.height * 3), indices_(std::size_t(t.width) * t.height) {
    int err = 0;
    gif_.reset(EGifOpen(this, &GifWriter::output, &err));
    if (!gif_) throw Error("cannot write GIF '" + path() + "': " + gif_error(err));
    EGifSetGifVersion(gif_.get(), true);  // 89a: the loop and delay extensions need it
    check(EGifPutScreenDesc(gif_.get(), t.width, t.height, 8, 0, nullptr));
    // NETSCAPE2.0 application extension: sub-block 1, loop count 0 = forever.
    static const GifByteType netscape[] = "NETSCAPE2.0", loop[] = {1, 0, 0};
    check(EGifPutExtensionLeader(gif_.get(), APPLICATION_EXT_FUNC_CODE));
    check(EGifPutExtensionBlock(gif_.get(), 11, netscape));
    check(EGifPutExtensionBlock(gif_.get(), 3, loop));
    check(EGifPutExtensionTrailer(gif_.get()));
  }

 private:
  static int output(GifFileType* gif, const GifByteType* bytes, int n) {
    auto* self = static_cast<GifWriter*>(gif->UserData);
    // No exception may cross giflib's C frames: keep it, report a short write, rethrow in check().
    try {
      self->file_.write(bytes, static_cast<std::size_t>(n));
      return n;
    } catch (...) {
      if (!self->io_error_) self->io_error_ = std::current_exception();
      return 0;
    }
  }

  void check(int rc) {
    if (io_error_) std::rethrow_exception(io_error_);
    if (rc != GIF_OK) throw Error("cannot write GIF '" + path() + "': " + gif_error(gif_->Error));
  }

  // The smallest rectangle holding every pixel that differs from the previous frame; false if none.
  bool changed(const std::uint8_t* rgb, int& x0, int& y0, int& x1, int& y1) const {
    const int w = width(), h = height();
    const std::size_t row = std::size_t(w) * 3;
    x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; ++y) {
      const std::uint8_t *a = rgb + y * row, *b = previous_.data() + y * row;
      if (std::memcmp(a, b, row) == 0) continue;
      int l = 0, r = w - 1;
      while (std::memcmp(a + 3 * l, b + 3 * l, 3) == 0) ++l;
      while (std::memcmp(a + 3 * r, b + 3 * r, 3) == 0) --r;
      x0 = std::min(x0, l), x1 = std::max(x1, r), y0 = std::min(y0, y), y1 = y;
    }
    return x1 >= 0;
  }

  void put_image(int x, int y, int w, int h, const Palette& palette, int transparent) {
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;  // each frame draws over the last: unchanged parts stay
    gcb.UserInputFlag = false;
    gcb.DelayTime = delay_;
    gcb.TransparentColor = transparent;
    GifByteType ext[4];
    const std::size_t n = EGifGCBToExtension(&gcb, ext);
    check(EGifPutExtension(gif_.get(), GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext));
    // A GIF colour table has 2^k entries; the unused tail is black.
    GifColorType colours[256] = {};
    for (int i = 0; i < palette.size; ++i)
      colours[i] = GifColorType{palette.rgb[i][0], palette.rgb[i][1], palette.rgb[i][2]};
    ColorMapObject* map = GifMakeMapObject(std::max(2, static_cast<int>(std::bit_ceil(unsigned(palette.size)))), colours);
    if (map == nullptr) throw Error("cannot write GIF '" + path() + "': out of memory");
    const int rc = EGifPutImageDesc(gif_.get(), x, y, w, h, false, map);  // giflib copies the map
    GifFreeMapObject(map);
    check(rc);
    for (int r = 0; r < h; ++r) check(EGifPutLine(gif_.get(), indices_.data() + std::size_t(r) * w, w));
  }

  void write_frame(const std::uint8_t* rgb) override {
    int x0 = 0, y0 = 0, x1 = width() - 1, y1 = height() - 1;
    if (frames() > 0 && !changed(rgb, x0, y0, x1, y1)) {
      // Nothing changed: a 1x1 fully transparent image still carries this frame's delay.
      Palette clear;
      clear.size = 2;
      indices_[0] = 0;
      put_image(0, 0, 1, 1, clear, 0);
      return;
    }
    const int w = x1 - x0 + 1, h = y1 - y0 + 1;
    const Palette& palette = quantizer_.quantize(rgb, width() * 3, x0, y0, w, h, indices_.data());
    put_image(x0, y0, w, h, palette, NO_TRANSPARENT_COLOR);
    std::memcpy(previous_.data(), rgb, previous_.size());
  }

  void finish() override {
    // EGifCloseFile ignores a failed write of the trailer byte: io_error_ still catches it.
    int err = 0;
    const int rc = EGifCloseFile(gif_.release(), &err);
    if (io_error_) std::rethrow_exception(io_error_);
    if (rc != GIF_OK) throw Error("cannot write GIF '" + path() + "': " + gif_error(err));
    file_.commit(overwrite_);
  }

  bool overwrite_;
  int delay_;
  AtomicFile file_;
  std::exception_ptr io_error_;
  std::vector<std::uint8_t> previous_;  // the last frame as given (height x width x 3)
  std::vector<GifPixelType> indices_;   // palette indices of the rectangle being written
  Quantizer quantizer_;
  // Last, so destroyed first: closing giflib's state writes through output() into the members above.
  std::unique_ptr<GifFileType, GifCloser> gif_;
};

}  // namespace

void require_gif_support() {}

std::unique_ptr<VideoWriter> open_gif(const VideoTarget& target) {
  return std::make_unique<GifWriter>(target);
}

}  // namespace rlforge::render::detail
