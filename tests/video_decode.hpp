// Reading back what render/video.hpp wrote, for the tests and video_probe: GIF through giflib
// (record by record, frames composited as a viewer shows them), MP4 through libavformat/libavcodec
// (every frame decoded; pixels to RGB by libswscale with BT.709 limited range, independent of
// render/'s own conversion). Throws std::runtime_error naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rlforge::test {

struct GifImage {
  int left, top, width, height;  // the rectangle this frame's image covers
  int delay_cs, disposal, transparent;
};

struct DecodedVideo {
  std::string codec, pix_fmt;    // "gif" "pal8", or libav's names ("h264" "yuv420p")
  int width = 0, height = 0;     // as stored (MP4: even, padded)
  int frames = 0;
  double duration_s = 0;         // GIF: the sum of delays; MP4: the stream's duration
  int loop_count = -1;           // GIF: NETSCAPE2.0 loop count (0 = forever), -1 when absent
  std::vector<GifImage> images;  // GIF only
  std::string color_space;       // MP4 only ("bt709")
  std::vector<std::vector<std::uint8_t>> rgb;  // each frame, height x width x 3, when asked for
};

DecodedVideo decode_gif(const std::string& path, bool keep_pixels);
DecodedVideo decode_mp4(const std::string& path, bool keep_pixels);
// By extension: .gif or .mp4.
DecodedVideo decode_video(const std::string& path, bool keep_pixels);

}  // namespace rlforge::test
