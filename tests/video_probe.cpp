// video_probe FILE: prints "frames width height codec pix_fmt" of a GIF or MP4, one line, for the
// Python tests (ffprobe is not installed). GIF: codec "gif", pix_fmt "pal8"; MP4: libav's names
// ("h264 yuv420p"); the size is the stored one (an MP4's is even). Exit 1 with a message on
// failure, 2 on bad usage.
#include <cstdio>
#include <exception>

#include "tests/video_decode.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: video_probe FILE.gif|FILE.mp4\n");
    return 2;
  }
  try {
    const auto v = rlforge::test::decode_video(argv[1], false);
    std::printf("%d %d %d %s %s\n", v.frames, v.width, v.height, v.codec.c_str(), v.pix_fmt.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "video_probe: %s\n", e.what());
    return 1;
  }
}
