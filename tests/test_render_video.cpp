// Tests of render/video.hpp: GIF and MP4 files decoded back (giflib, libavcodec: frame count, size,
// loop, delay, codec, pixels), the palette's error on anti-aliased frames, checks made before any
// byte is written, atomic writes, and memory that stays flat over 2000 frames.
#include <catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/registry.hpp"
#include "render/raster.hpp"
#include "render/video.hpp"
#include "render/video_palette.hpp"
#include "tests/video_decode.hpp"

using namespace rlforge;
using rlforge::render::open_video;
using rlforge::test::decode_video;
namespace fs = std::filesystem;

namespace {

using Pixels = std::vector<std::uint8_t>;  // a frame's RGB, height x width x 3

fs::path scratch_dir() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() /
               ("rlforge_test_video_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Eight colour bars shifted by 2t pixels, and a 12x12 orange square moving right and down by
// (4, 2) pixels a frame. Every edge is on an even column and row, so 4:2:0 chroma (one sample a
// 2x2 block) can be exact: what the MP4 tests measure is the codec, not the subsampling (a
// saturated edge on an odd column blurs in colour by a pixel, ~18 dB on a frame of such bars).
// Drawn into `f` (resized to w x h), so a long stream can reuse one buffer.
void draw_bars_and_square(Pixels& f, int w, int h, int t) {
  static const std::uint8_t bars[8][3] = {{255, 255, 255}, {255, 255, 0}, {0, 255, 255}, {0, 255, 0},
                                          {255, 0, 255},   {255, 0, 0},   {0, 0, 255},   {0, 0, 0}};
  f.resize(std::size_t(w) * h * 3);
  const int sx = (4 * t) % std::max(1, w - 12) / 2 * 2, sy = (2 * t) % std::max(1, h - 12) / 2 * 2;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &f[(std::size_t(y) * w + x) * 3];
      const bool in_square = x >= sx && x < sx + 12 && y >= sy && y < sy + 12;
      const std::uint8_t* c = bars[((x + 2 * t) * 8 / w) % 8];
      static const std::uint8_t orange[3] = {240, 120, 30};
      if (in_square) c = orange;
      p[0] = c[0], p[1] = c[1], p[2] = c[2];
    }
}

Pixels bars_and_square(int w, int h, int t) {
  Pixels f;
  draw_bars_and_square(f, w, h, t);
  return f;
}

// A CartPole-like picture drawn with 16x16 supersampled coverage (as an anti-aliasing rasterizer
// does): white ground, a black cart, a brown pole at an angle, a blue disc and a green ring
// overlapping them.
// Returns the frame; `flat` marks pixels that are one shape's colour or the background exactly.
Pixels anti_aliased(int w, int h, std::vector<bool>* flat) {
  struct Rgb {
    double r, g, b;
  };
  const Rgb white{255, 255, 255}, black{0, 0, 0}, brown{202, 152, 101}, blue{66, 133, 244},
      green{34, 170, 80};
  const double angle = 0.35, px = w * 0.5, py = h * 0.62;  // the pole's pivot
  auto in_cart = [&](double x, double y) { return std::abs(x - px) < w * 0.16 && std::abs(y - py) < h * 0.09; };
  auto in_pole = [&](double x, double y) {
    const double dx = x - px, dy = y - py;
    const double along = -dx * std::sin(angle) - dy * std::cos(angle);  // up the pole
    const double across = dx * std::cos(angle) - dy * std::sin(angle);
    return along > 0 && along < h * 0.55 && std::abs(across) < w * 0.025;
  };
  auto in_disc = [&](double x, double y) {
    const double dx = x - w * 0.3, dy = y - h * 0.35;
    return dx * dx + dy * dy < (h * 0.22) * (h * 0.22);
  };
  auto in_ring = [&](double x, double y) {
    const double dx = x - w * 0.45, dy = y - h * 0.4, r2 = dx * dx + dy * dy;
    return r2 < (h * 0.3) * (h * 0.3) && r2 > (h * 0.24) * (h * 0.24);
  };
  Pixels f(std::size_t(w) * h * 3);
  flat->assign(std::size_t(w) * h, false);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double cover[4] = {0, 0, 0, 0};
      for (int sy = 0; sy < 16; ++sy)
        for (int sx = 0; sx < 16; ++sx) {
          const double fx = x + (sx + 0.5) / 16, fy = y + (sy + 0.5) / 16;
          cover[0] += in_cart(fx, fy), cover[1] += in_pole(fx, fy), cover[2] += in_disc(fx, fy);
          cover[3] += in_ring(fx, fy);
        }
      Rgb c = white;
      const Rgb shapes[4] = {black, brown, blue, green};
      bool is_flat = true;
      for (int s = 0; s < 4; ++s) {
        const double a = cover[s] / 256;
        if (a > 0 && a < 1) is_flat = false;
        c = {c.r * (1 - a) + shapes[s].r * a, c.g * (1 - a) + shapes[s].g * a, c.b * (1 - a) + shapes[s].b * a};
      }
      std::uint8_t* p = &f[(std::size_t(y) * w + x) * 3];
      p[0] = static_cast<std::uint8_t>(std::lround(c.r));
      p[1] = static_cast<std::uint8_t>(std::lround(c.g));
      p[2] = static_cast<std::uint8_t>(std::lround(c.b));
      (*flat)[std::size_t(y) * w + x] = is_flat;
    }
  return f;
}

std::size_t distinct_colours(const Pixels& f) {
  std::set<std::uint32_t> s;
  for (std::size_t i = 0; i < f.size(); i += 3) s.insert((f[i] << 16) | (f[i + 1] << 8) | f[i + 2]);
  return s.size();
}

// Mean absolute difference per channel value between the w x h picture `a` and the same
// rectangle of `b` (rows bw pixels wide).
double mean_abs_diff(const Pixels& a, int w, int h, const Pixels& b, int bw) {
  double sum = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) sum += std::abs(int(a[std::size_t(y) * w * 3 + x]) - int(b[std::size_t(y) * bw * 3 + x]));
  return sum / (double(w) * h * 3);
}

// PSNR in dB over the same pixels (99 when equal).
double psnr(const Pixels& a, int w, int h, const Pixels& b, int bw) {
  double se = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) {
      const double d = double(a[std::size_t(y) * w * 3 + x]) - b[std::size_t(y) * bw * 3 + x];
      se += d * d;
    }
  const double mse = se / (double(w) * h * 3);
  return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

void write_stream(const fs::path& path, int w, int h, double fps, int frames) {
  auto v = open_video(path.string(), w, h, fps);
  for (int t = 0; t < frames; ++t) v->write(bars_and_square(w, h, t).data(), w, h);
  v->close();
}

// Top-level MP4 box types in file order ("ftyp", "moov", "mdat", ...).
std::vector<std::string> mp4_boxes(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at + 8 <= bytes.size()) {
    std::uint64_t size = 0;
    for (int k = 0; k < 4; ++k) size = (size << 8) | static_cast<std::uint8_t>(bytes[at + k]);
    out.push_back(bytes.substr(at + 4, 4));
    if (size == 1 && at + 16 <= bytes.size()) {  // 64-bit size follows the type
      size = 0;
      for (int k = 8; k < 16; ++k) size = (size << 8) | static_cast<std::uint8_t>(bytes[at + k]);
    }
    if (size < 8) break;
    at += size;
  }
  return out;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

// ---------------------------------------------------------------- GIF

TEST_CASE("GIF: frame count, size, endless loop, delay, and exact pixels for few colours", "[video][gif]") {
  const fs::path dir = scratch_dir(), path = dir / "bars.gif";
  const int w = 64, h = 48, n = 30;
  auto v = open_video(path.string(), w, h, 30.0);
  CHECK(v->fps() == Approx(100.0 / 3));  // 30 fps is 3 cs a frame: 33.3 fps
  std::vector<Pixels> frames;
  for (int t = 0; t < n; ++t) {
    frames.push_back(bars_and_square(w, h, t));
    v->write(frames.back().data());
  }
  CHECK(v->frames() == n);
  v->close();
  const auto d = decode_video(path.string(), true);
  CHECK(d.frames == n);
  CHECK(d.width == w);
  CHECK(d.height == h);
  CHECK(d.loop_count == 0);  // NETSCAPE2.0 present, 0 = forever
  CHECK(d.duration_s == Approx(n * 0.03));
  for (const auto& im : d.images) {
    CHECK(im.delay_cs == 3);
    CHECK(im.disposal == 1);  // DISPOSE_DO_NOT: frames draw over the last
  }
  // At most 9 colours: the palette is exact, so every pixel of every frame is as written.
  for (int t = 0; t < n; ++t) {
    INFO("frame " << t);
    CHECK(d.rgb[t] == frames[t]);
  }
  fs::remove_all(dir);
}

TEST_CASE("GIF: the delay is 100/fps centiseconds rounded, at least 2", "[video][gif]") {
  const fs::path dir = scratch_dir();
  const std::pair<double, int> cases[] = {{50, 2}, {30, 3}, {60, 2}, {7, 14}, {0.5, 200}, {1000, 2}};
  for (const auto& [fps, cs] : cases) {
    INFO("fps " << fps);
    const fs::path path = dir / ("d" + std::to_string(cs) + "_" + std::to_string(int(fps * 10)) + ".gif");
    write_stream(path, 16, 16, fps, 2);
    const auto d = decode_video(path.string(), false);
    REQUIRE(d.images.size() == 2);
    CHECK(d.images[0].delay_cs == cs);
    CHECK(d.images[1].delay_cs == cs);
  }
  fs::remove_all(dir);
}

TEST_CASE("GIF: only the changed rectangle is stored; an unchanged frame is a transparent pixel", "[video][gif]") {
  const fs::path dir = scratch_dir(), path = dir / "moving.gif";
  const int w = 320, h = 240;
  Pixels bg(std::size_t(w) * h * 3, 40);
  auto with_square = [&](int x, int y) {
    Pixels f = bg;
    for (int r = y; r < y + 20; ++r)
      for (int c = x; c < x + 20; ++c) f[(std::size_t(r) * w + c) * 3] = 230;
    return f;
  };
  auto v = open_video(path.string(), w, h, 25.0);
  const Pixels f0 = with_square(10, 10), f1 = with_square(15, 12);
  v->write(f0.data());
  v->write(f1.data());
  v->write(f1.data());  // unchanged
  v->close();
  const auto d = decode_video(path.string(), true);
  REQUIRE(d.frames == 3);
  CHECK(d.images[0].width == w);
  CHECK(d.images[0].height == h);
  // Square moved from (10,10) to (15,12): pixels from (10,10) to (34,31) changed.
  CHECK(d.images[1].left == 10);
  CHECK(d.images[1].top == 10);
  CHECK(d.images[1].width == 25);
  CHECK(d.images[1].height == 22);
  CHECK(d.images[2].width == 1);
  CHECK(d.images[2].height == 1);
  CHECK(d.images[2].transparent == 0);
  CHECK(d.rgb[0] == f0);
  CHECK(d.rgb[1] == f1);
  CHECK(d.rgb[2] == f1);
  CHECK(d.images[2].delay_cs == 4);
  fs::remove_all(dir);
}

TEST_CASE("GIF: an anti-aliased frame keeps flat colours exact and a small mean error", "[video][gif]") {
  const fs::path dir = scratch_dir(), path = dir / "aa.gif";
  const int w = 240, h = 160;
  std::vector<bool> flat;
  const Pixels f = anti_aliased(w, h, &flat);
  const std::size_t colours = distinct_colours(f);
  REQUIRE(colours > 256);  // the median cut is used, not the exact palette
  auto v = open_video(path.string(), w, h, 30.0);
  v->write(f.data());
  v->close();
  const auto d = decode_video(path.string(), true);
  REQUIRE(d.rgb.size() == 1);
  const double mae = mean_abs_diff(f, w, h, d.rgb[0], d.width);
  int worst = 0, edge_worst = 0;
  std::size_t flat_wrong = 0;
  for (std::size_t i = 0; i < flat.size(); ++i)
    for (int c = 0; c < 3; ++c) {
      const int e = std::abs(int(d.rgb[0][i * 3 + c]) - int(f[i * 3 + c]));
      worst = std::max(worst, e);
      if (flat[i]) flat_wrong += e != 0;
      else edge_worst = std::max(edge_worst, e);
    }
  std::printf("GIF anti-aliased %dx%d, %zu colours: mean abs error %.3f per channel value, max %d, "
              "file %zu bytes\n", w, h, colours, mae, worst, static_cast<std::size_t>(fs::file_size(path)));
  CHECK(flat_wrong == 0);  // fills, background: exact
  CHECK(mae < 0.05);       // measured 0.007: 444 colours, most edge blends kept exactly
  CHECK(edge_worst <= 12);  // measured 5
  fs::remove_all(dir);
}

TEST_CASE("GIF quantizer: a smooth gradient (the hard case) stays within a few levels", "[video][gif]") {
  // Straight to the quantizer: 256 x 64 pixels, 16384 colours, no flat area at all.
  const int w = 256, h = 64;
  Pixels f(std::size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &f[(std::size_t(y) * w + x) * 3];
      p[0] = x, p[1] = 255 - x, p[2] = y * 4;
    }
  render::Quantizer q;
  std::vector<std::uint8_t> idx(std::size_t(w) * h);
  const render::Palette& pal = q.quantize(f.data(), w * 3, 0, 0, w, h, idx.data());
  CHECK(pal.size == 256);
  double sum = 0;
  for (std::size_t i = 0; i < idx.size(); ++i)
    for (int c = 0; c < 3; ++c) sum += std::abs(int(pal.rgb[idx[i]][c]) - int(f[i * 3 + c]));
  const double mae = sum / (idx.size() * 3.0);
  std::printf("GIF quantizer, 16384-colour gradient: mean abs error %.3f per channel value\n", mae);
  CHECK(mae < 5.0);
  // A sub-rectangle: the same colours as the whole frame's pixels there.
  std::vector<std::uint8_t> sub(10 * 3);
  const render::Palette& p2 = q.quantize(f.data(), w * 3, 100, 7, 10, 3, sub.data());
  REQUIRE(p2.size == 30);  // 30 distinct colours: exact
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 10; ++c)
      for (int k = 0; k < 3; ++k)
        CHECK(p2.rgb[sub[r * 10 + c]][k] == f[((7 + r) * std::size_t(w) + 100 + c) * 3 + k]);
}

TEST_CASE("GIF and MP4: the same frames give the same bytes", "[video]") {
  const fs::path dir = scratch_dir();
  for (const char* ext : {".gif", ".mp4"}) {
    INFO(ext);
    write_stream(dir / (std::string("a") + ext), 96, 64, 20, 40);
    write_stream(dir / (std::string("b") + ext), 96, 64, 20, 40);
    const std::string a = read_all(dir / (std::string("a") + ext));
    CHECK(a.size() > 100);
    CHECK(a == read_all(dir / (std::string("b") + ext)));
  }
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- MP4

TEST_CASE("MP4: H.264 yuv420p, frame count, size, duration, faststart, pixels close", "[video][mp4]") {
  const fs::path dir = scratch_dir(), path = dir / "bars.mp4";
  const int w = 128, h = 96, n = 48;
  auto v = open_video(path.string(), w, h, 24.0);
  CHECK(v->fps() == 24.0);
  std::vector<Pixels> frames;
  for (int t = 0; t < n; ++t) {
    frames.push_back(bars_and_square(w, h, t));
    v->write(frames.back().data());
  }
  v->close();
  const auto d = decode_video(path.string(), true);
  CHECK(d.codec == "h264");
  CHECK(d.pix_fmt == "yuv420p");
  CHECK(d.color_space == "bt709");
  CHECK(d.width == w);
  CHECK(d.height == h);
  CHECK(d.frames == n);
  CHECK(d.duration_s == Approx(n / 24.0).margin(0.5 / 24));
  // faststart: the index (moov) comes before the media data (mdat).
  const auto boxes = mp4_boxes(read_all(path));
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov"), mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  REQUIRE(moov != boxes.end());
  REQUIRE(mdat != boxes.end());
  CHECK(moov < mdat);
  REQUIRE(d.rgb.size() == std::size_t(n));
  double worst = 99, mean = 0;
  for (int t = 0; t < n; ++t) {
    const double p = psnr(frames[t], w, h, d.rgb[t], d.width);
    worst = std::min(worst, p), mean += p / n;
  }
  std::printf("MP4 %dx%d, %d frames: PSNR mean %.1f dB, worst frame %.1f dB, file %zu bytes\n", w, h, n,
              mean, worst, static_cast<std::size_t>(fs::file_size(path)));
  CHECK(worst > 30.0);
  fs::remove_all(dir);
}

TEST_CASE("MP4: odd sizes are padded by one pixel, repeating the edge", "[video][mp4]") {
  const fs::path dir = scratch_dir(), path = dir / "odd.mp4";
  const int w = 33, h = 17, n = 5;
  Pixels f(std::size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &f[(std::size_t(y) * w + x) * 3];
      // Left part blue, last three columns and the last row yellow: padding must copy yellow.
      const bool edge = x >= w - 3 || y == h - 1;
      p[0] = edge ? 250 : 20, p[1] = edge ? 230 : 60, p[2] = edge ? 20 : 200;
    }
  auto v = open_video(path.string(), w, h, 10.0);
  CHECK(v->width() == w);
  for (int t = 0; t < n; ++t) v->write(f.data());
  v->close();
  const auto d = decode_video(path.string(), true);
  CHECK(d.width == 34);
  CHECK(d.height == 18);
  CHECK(d.frames == n);
  REQUIRE(!d.rgb.empty());
  const double p = psnr(f, w, h, d.rgb[0], d.width);
  std::printf("MP4 odd size %dx%d -> 34x18: PSNR %.1f dB\n", w, h, p);
  CHECK(p > 30.0);
  // The padded column 33 and row 17 look like the yellow edge next to them.
  for (int y = 0; y < 17; ++y) {
    const std::uint8_t* q = &d.rgb[0][(std::size_t(y) * 34 + 33) * 3];
    CHECK(std::abs(q[0] - 250) < 20);
    CHECK(std::abs(q[2] - 20) < 20);
  }
  for (int x = 0; x < 34; ++x) {
    const std::uint8_t* q = &d.rgb[0][(std::size_t(17) * 34 + x) * 3];
    CHECK(std::abs(q[0] - 250) < 20);
  }
  fs::remove_all(dir);
}

TEST_CASE("MP4: a fractional fps (29.97) sets the duration", "[video][mp4]") {
  const fs::path dir = scratch_dir(), path = dir / "ntsc.mp4";
  write_stream(path, 32, 32, 29.97, 60);
  const auto d = decode_video(path.string(), false);
  CHECK(d.frames == 60);
  CHECK(d.duration_s == Approx(60 / 29.97).margin(0.01));
  fs::remove_all(dir);
}

TEST_CASE("MP4: a relative name with a colon is a file, not a protocol", "[video][mp4]") {
  // libavformat reads "a:b.mp4" as protocol "a" unless told it is a file (faststart re-opens it).
  const fs::path dir = scratch_dir(), before = fs::current_path();
  fs::current_path(dir);
  try {
    write_stream("a:b.mp4", 16, 16, 10, 3);
  } catch (...) {
    fs::current_path(before);
    throw;
  }
  fs::current_path(before);
  CHECK(decode_video((dir / "a:b.mp4").string(), false).frames == 3);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- real pictures

TEST_CASE("GIF and MP4 of rasterized classic-control episodes stay close to the pixels", "[video]") {
  // The rasterizer's exact-area anti-aliasing gives every edge its own blends: the case the
  // palette and the codec must keep looking right.
  const fs::path dir = scratch_dir();
  for (const char* id : {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"}) {
    INFO(id);
    auto env = make(id);
    std::vector<std::byte> obs(env->observation_space().nbytes());
    Info info;
    std::vector<Pixels> frames;
    int w = 0, h = 0;
    for (int seed = 0; seed < 6; ++seed) {  // six starting states: six different pictures
      env->reset(seed, std::span<std::byte>(obs), info);
      rlforge::Frame picture;
      env->draw(picture);
      w = picture.width(), h = picture.height();
      frames.push_back(render::rasterize(picture));
    }
    for (const char* ext : {".gif", ".mp4"}) {
      const fs::path path = dir / (std::string(id) + ext);
      auto v = open_video(path.string(), w, h, 30);
      for (const Pixels& f : frames) v->write(f.data(), w, h);
      v->close();
      const auto d = decode_video(path.string(), true);
      REQUIRE(d.rgb.size() == frames.size());
      double mae = 0, worst_psnr = 99;
      for (std::size_t t = 0; t < frames.size(); ++t) {
        mae += mean_abs_diff(frames[t], w, h, d.rgb[t], d.width) / frames.size();
        worst_psnr = std::min(worst_psnr, psnr(frames[t], w, h, d.rgb[t], d.width));
      }
      std::printf("%s %s %dx%d, %zu frames (%zu colours in the first): mean abs error %.3f, worst "
                  "PSNR %.1f dB, file %zu bytes\n", id, ext, w, h, frames.size(),
                  distinct_colours(frames[0]), mae, worst_psnr,
                  static_cast<std::size_t>(fs::file_size(path)));
      if (std::string(ext) == ".gif") CHECK(mae < 0.1);
      CHECK(worst_psnr > 35.0);
    }
  }
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- checks before writing

TEST_CASE("open_video refuses bad names, sizes and rates before creating anything", "[video]") {
  const fs::path dir = scratch_dir();
  auto refused = [&](const std::string& path, int w, int h, double fps, const std::string& says) {
    INFO(path << " " << w << "x" << h << " @ " << fps);
    try {
      open_video(path, w, h, fps);
      FAIL("accepted");
    } catch (const InvalidArgument& e) {
      const std::string m = e.what();
      INFO(m);
      CHECK(m.find(says) != std::string::npos);
    }
    CHECK(names_in(dir).empty());
  };
  const std::string ok = (dir / "v.gif").string();
  refused((dir / "v.avi").string(), 8, 8, 30, ".gif or .mp4");
  refused((dir / "v.avi").string(), 8, 8, 30, "'.avi'");
  refused((dir / "v").string(), 8, 8, 30, ".gif or .mp4");
  refused((dir / "nope" / "v.gif").string(), 8, 8, 30, "folder '" + (dir / "nope").string() + "' does not exist");
  refused(ok, 0, 8, 30, "0x8");
  refused(ok, 8, -1, 30, "8x-1");
  refused(ok, 9000, 8, 30, "9000x8");
  refused(ok, 8, 8, 0, "fps 0");
  refused(ok, 8, 8, -5, "fps -5");
  refused(ok, 8, 8, std::nan(""), "fps nan");
  refused(ok, 8, 8, 5000, "fps 5000");
  refused(dir.string() + "/.mp4x", 8, 8, 30, ".gif or .mp4");
  // Upper-case extensions are fine.
  open_video((dir / "UP.GIF").string(), 8, 8, 30)->close();
  CHECK(fs::exists(dir / "UP.GIF"));
  fs::remove_all(dir);
}

TEST_CASE("require_video_format checks the extension alone and creates nothing", "[video]") {
  const fs::path dir = scratch_dir();
  CHECK_NOTHROW(render::require_video_format((dir / "a.gif").string()));
  CHECK_NOTHROW(render::require_video_format("eval.MP4"));
  CHECK_THROWS_WITH(render::require_video_format((dir / "a.webm").string()),
                    Catch::Contains("'.webm'") && Catch::Contains(".gif or .mp4"));
  CHECK_THROWS_AS(render::require_video_format("eval."), InvalidArgument);
  CHECK(names_in(dir).empty());
  fs::remove_all(dir);
}

TEST_CASE("An existing file is refused and left as it is; overwrite replaces it on close only", "[video]") {
  const fs::path dir = scratch_dir();
  for (const char* name : {"old.gif", "old.mp4"}) {
    const fs::path path = dir / name;
    { std::ofstream(path) << "precious"; }
    try {
      open_video(path.string(), 16, 16, 30);
      FAIL("accepted");
    } catch (const InvalidArgument& e) {
      CHECK(std::string(e.what()).find("--force") != std::string::npos);
      CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
    CHECK(read_all(path) == "precious");
    auto v = open_video(path.string(), 16, 16, 30, /*overwrite=*/true);
    v->write(bars_and_square(16, 16, 0).data());
    CHECK(read_all(path) == "precious");  // still, until close
    v->close();
    CHECK(decode_video(path.string(), false).frames == 1);
  }
  CHECK(names_in(dir) == std::vector<std::string>{"old.gif", "old.mp4"});
  fs::create_directory(dir / "d.gif");
  CHECK_THROWS_AS(open_video((dir / "d.gif").string(), 16, 16, 30, true), InvalidArgument);
  fs::remove_all(dir);
}

TEST_CASE("A file that appears during recording is not replaced (overwrite off)", "[video]") {
  const fs::path dir = scratch_dir();
  for (const char* name : {"race.gif", "race.mp4"}) {
    const fs::path path = dir / name;
    auto v = open_video(path.string(), 16, 16, 30);
    v->write(bars_and_square(16, 16, 0).data());
    { std::ofstream(path) << "made meanwhile"; }
    CHECK_THROWS_WITH(v->close(), Catch::Contains("appeared"));
    CHECK(read_all(path) == "made meanwhile");
    CHECK_THROWS_AS(v->close(), StateError);  // failed: nothing to retry
    v.reset();
    fs::remove(path);
  }
  CHECK(names_in(dir).empty());  // no temporaries left
  fs::remove_all(dir);
}

TEST_CASE("The video is a temporary until close; destroyed without close it leaves nothing", "[video]") {
  const fs::path dir = scratch_dir();
  for (const char* name : {"a.gif", "a.mp4"}) {
    INFO(name);
    const fs::path path = dir / name;
    {
      auto v = open_video(path.string(), 40, 30, 30);
      for (int t = 0; t < 10; ++t) v->write(bars_and_square(40, 30, t).data());
      const auto during = names_in(dir);
      REQUIRE(during.size() == 1);
      CHECK(during[0].rfind(std::string(name) + ".tmp.", 0) == 0);  // beside the target
      CHECK(!fs::exists(path));
    }
    CHECK(names_in(dir).empty());
    // Destroyed right after open, before any frame (MP4: header already written).
    open_video(path.string(), 40, 30, 30).reset();
    CHECK(names_in(dir).empty());
  }
  fs::remove_all(dir);
}

TEST_CASE("Write after close and frames of the wrong size are errors", "[video]") {
  const fs::path dir = scratch_dir();
  for (const char* name : {"s.gif", "s.mp4"}) {
    INFO(name);
    const fs::path path = dir / name;
    auto v = open_video(path.string(), 20, 10, 30);
    const Pixels good = bars_and_square(20, 10, 0), wrong = bars_and_square(10, 20, 0);
    v->write(good.data(), 20, 10);
    CHECK_THROWS_WITH(v->write(wrong.data(), 10, 20),
                      Catch::Contains("20x10") && Catch::Contains("10x20"));
    CHECK_THROWS_AS(v->write(nullptr), InvalidArgument);
    v->write(good.data(), 20, 10);  // still usable after a refused frame
    CHECK(v->frames() == 2);
    v->close();
    v->close();  // a second close does nothing
    CHECK_THROWS_AS(v->write(good.data()), StateError);
    CHECK(decode_video(path.string(), false).frames == 2);
  }
  fs::remove_all(dir);
}

// The two things AtomicFile gained for the MP4 muxer (seek back to patch) and for long recordings
// (never replace a file that appeared meanwhile).
TEST_CASE("AtomicFile: write_at patches what was written; commit(false) keeps an existing file", "[video][atomic_file]") {
  const fs::path dir = scratch_dir(), path = dir / "f.bin";
  {
    AtomicFile f(path.string());
    f.write("0123456789");
    f.write_at(2, "ab", 2);   // inside what was written
    f.write_at(12, "Z", 1);   // past the end: bytes 10-11 a hole until the next line
    f.write("xy");            // write() still appends at its own position (10)
    f.commit(/*replace=*/false);
  }
  CHECK(read_all(path) == std::string("01ab456789xyZ", 13));
  {
    AtomicFile f(path.string());
    f.write("other");
    CHECK_THROWS_WITH(f.commit(false), Catch::Contains("appeared") && Catch::Contains(path.string()));
  }
  CHECK(read_all(path) == std::string("01ab456789xyZ", 13));
  CHECK(names_in(dir) == std::vector<std::string>{"f.bin"});  // the temporary is gone
  {
    AtomicFile f(path.string());
    f.write("new");
    f.commit();  // replace = true, as before
  }
  CHECK(read_all(path) == "new");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- streaming

TEST_CASE("2000 frames of 600x400 stream in constant memory", "[video][memory]") {
  // Holding the frames would take 2000 * 600 * 400 * 3 = 1.44 GB (gymnasium's RecordVideo keeps
  // them all); even one byte a pixel (palette indices) would be 480 MB. Allowed growth: 32 MB.
  const fs::path dir = scratch_dir();
  const int w = 600, h = 400, n = 2000;
  for (const char* name : {"long.gif", "long.mp4"}) {
    INFO(name);
    const fs::path path = dir / name;
    auto v = open_video(path.string(), w, h, 30);
    Pixels f;
    std::size_t base = 0, peak = 0;
    for (int t = 0; t < n; ++t) {
      draw_bars_and_square(f, w, h, t);  // one buffer: the test itself allocates nothing a frame
      v->write(f.data());
      if (t == 100) base = resident_bytes();  // buffers and the encoder's lookahead are full by now
      if (t > 100 && t % 50 == 0) peak = std::max(peak, resident_bytes());
    }
    v->close();
    const double growth_mb = (double(peak) - double(base)) / 1e6;
    std::printf("%s: %d frames %dx%d, resident memory after frame 100 %.1f MB, growth to the end "
                "%.1f MB, file %zu bytes\n", name, n, w, h, base / 1e6, growth_mb,
                static_cast<std::size_t>(fs::file_size(path)));
    CHECK(growth_mb < 32.0);
    CHECK(decode_video(path.string(), false).frames == n);
    fs::remove(path);
  }
  fs::remove_all(dir);
}
