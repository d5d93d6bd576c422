// VideoWriter's bookkeeping (state, sizes, frame count) and open_video: every check made before a
// byte is written, then the format's factory (render/video_formats.hpp).
#include "render/video.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/error.hpp"
#include "render/video_formats.hpp"

namespace rlforge::render {

namespace fs = std::filesystem;

VideoWriter::VideoWriter(std::string path, int width, int height, double fps)
    : fps_(fps), path_(std::move(path)), width_(width), height_(height) {}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const std::uint8_t* rgb) {
  if (state_ != State::open)
    throw StateError("video '" + path_ + "': write() after " +
                     (state_ == State::closed ? "close()" : "a failed write or close"));
  if (rgb == nullptr) throw InvalidArgument("video '" + path_ + "': write() of a null frame");
  try {
    write_frame(rgb);
  } catch (...) {
    state_ = State::failed;
    throw;
  }
  ++frames_;
}

void VideoWriter::write(const std::uint8_t* rgb, int width, int height) {
  if (width != width_ || height != height_)
    throw InvalidArgument("video '" + path_ + "' is " + std::to_string(width_) + "x" +
                          std::to_string(height_) + " (width x height); got a frame of " +
                          std::to_string(width) + "x" + std::to_string(height));
  write(rgb);
}

void VideoWriter::close() {
  if (state_ == State::closed) return;
  if (state_ == State::failed)
    throw StateError("video '" + path_ + "': close() after a failed write or close; no file was kept");
  state_ = State::failed;  // until finish() returns: a throwing close leaves nothing to retry
  finish();
  state_ = State::closed;
}

namespace {

constexpr int kMaxSide = 8192;  // beyond any H.264 level and any sensible GIF

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

void require_video_format(const std::string& path) {
  const fs::path p(path);
  const std::string ext = lower(p.extension().string());
  if (ext != ".gif" && ext != ".mp4")
    throw InvalidArgument("video '" + path + "': unknown video format '" + p.extension().string() +
                          "'; the file name must end in .gif or .mp4");
  if (ext == ".gif")
    detail::require_gif_support();
  else
    detail::require_mp4_support();
}

std::unique_ptr<VideoWriter> open_video(const std::string& path, int width, int height, double fps,
                                        bool overwrite) {
  const std::string what = "video '" + path + "'";
  const fs::path p(path);
  const std::string ext = lower(p.extension().string());
  require_video_format(path);
  if (width < 1 || width > kMaxSide || height < 1 || height > kMaxSide)
    throw InvalidArgument(what + ": frame size " + std::to_string(width) + "x" +
                          std::to_string(height) + " (width x height) is outside 1.." +
                          std::to_string(kMaxSide));
  if (!std::isfinite(fps) || fps < 0.1 || fps > 1000)
    throw InvalidArgument(what + ": fps " + num(fps) + " is outside [0.1, 1000]");

  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InvalidArgument(what + ": the folder '" + dir.string() + "' does not exist");
  const fs::file_status st = fs::symlink_status(p, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) throw InvalidArgument(what + " is a folder, not a file");
    if (!overwrite)
      throw InvalidArgument(what + " exists and was left as it is; pass --force (overwrite) to "
                            "replace it");
  }
  const detail::VideoTarget target{path, width, height, fps, overwrite};
  return ext == ".gif" ? detail::open_gif(target) : detail::open_mp4(target);
}

// Builds without a format's library: the format is a clear error at open_video, nothing else.
#ifndef RLFORGE_VIDEO_GIF
void detail::require_gif_support() {
  throw UnsupportedRender("this rlforge was built without giflib, so it cannot write .gif: install "
                          "libgif-dev and rebuild, or record an .mp4 instead");
}
std::unique_ptr<VideoWriter> detail::open_gif(const VideoTarget&) { require_gif_support(); return {}; }
#endif
#ifndef RLFORGE_VIDEO_MP4
void detail::require_mp4_support() {
  throw UnsupportedRender("this rlforge was built without libavformat/libavcodec, so it cannot "
                          "write .mp4: install libavformat-dev and libavcodec-dev and rebuild, or "
                          "record a .gif instead");
}
std::unique_ptr<VideoWriter> detail::open_mp4(const VideoTarget&) { require_mp4_support(); return {}; }
#endif

}  // namespace rlforge::render
