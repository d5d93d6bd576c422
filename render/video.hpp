// Video files written frame by frame: GIF (giflib) and MP4 (H.264 through libavformat/libavcodec).
//
// Frames are height x width x 3 uint8 RGB, row-major (what the rasterizer makes). A writer keeps
// at most a frame or two of its own, never the recording: memory is constant in the number of
// frames. The file goes to an exclusive temporary beside the target ("<path>.tmp.<pid>.<n>",
// core/atomic_file.hpp) and is renamed into place by close(); a writer destroyed without close()
// (an exception, Ctrl-C unwinding) removes the temporary and leaves nothing behind.
//
// GIF: loops forever; each frame's delay is a whole number of centiseconds, 100/fps rounded and at
// least 2 (browsers play 0 or 1 cs as 10 cs), so 50 fps -> 2 cs, 30 fps -> 3 cs (33.3 fps), 60 fps ->
// 2 cs (50 fps): fps() says the rate the file plays at. Colours: a palette per frame (at most 256),
// exact when the changed part of the frame has at most 256 colours, else a variance-splitting
// median cut that keeps each flat colour exact (render/video_palette.hpp); no dithering. Only the
// rectangle that changed since the previous frame is stored. Same frames -> same bytes.
// MP4: H.264 (libx264, crf 20, preset fast, yuv420p, BT.709 limited range, tagged so), moov atom
// first (faststart) so browsers play it while it downloads. 4:2:0 keeps one colour sample per 2x2
// pixels: a saturated edge on an odd column blurs in colour by a pixel, as in every such video.
// Odd widths/heights are padded to even by repeating the last column/row (width()/height() stay
// the caller's; the file is one pixel larger). Same frames -> same bytes for one libx264 build:
// one thread, bit-exact flags, and x264's AVX-512 code turned off (it is not repeatable).
//
// Errors: open_video throws rlforge::InvalidArgument for a bad path or size (nothing is created),
// rlforge::UnsupportedRender when the format's library is missing from this build; write/close
// throw rlforge::Error on I/O failure and rlforge::StateError when used after close or a failure.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace rlforge::render {

class VideoWriter {
 public:
  // Without close(): frees everything and removes the temporary, leaving no file.
  virtual ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // One frame of width() * height() * 3 bytes.
  void write(const std::uint8_t* rgb);
  // Same, checking the frame's size against the video's (InvalidArgument naming both).
  void write(const std::uint8_t* rgb, int width, int height);
  // Flushes, fsyncs and renames the file into place. A second close() does nothing; after a failed
  // write or close the writer is unusable (StateError) and its temporary is removed.
  void close();

  int frames() const { return frames_; }
  int width() const { return width_; }
  int height() const { return height_; }
  double fps() const { return fps_; }  // the rate the file plays at (GIF: 100 / delay in cs)
  const std::string& path() const { return path_; }

 protected:
  VideoWriter(std::string path, int width, int height, double fps);
  virtual void write_frame(const std::uint8_t* rgb) = 0;
  virtual void finish() = 0;  // everything close() does but the bookkeeping
  double fps_;

 private:
  enum class State { open, closed, failed };
  std::string path_;
  int width_, height_;
  int frames_ = 0;
  State state_ = State::open;
};

// Throws as open_video would for the extension of `path` (unknown: InvalidArgument; its library
// missing from this build: UnsupportedRender), creating nothing: for checks before a long job.
void require_video_format(const std::string& path);

// By extension (case-insensitive): ".gif" or ".mp4". Checks everything before creating anything:
// the extension, width/height in 1..8192, fps in [0.1, 1000], the folder exists, and the file does
// not (unless overwrite; it is then replaced only by close()). With overwrite = false a file that
// appears at the path while recording is not replaced either: close() throws.
std::unique_ptr<VideoWriter> open_video(const std::string& path, int width, int height, double fps,
                                        bool overwrite = false);

}  // namespace rlforge::render
