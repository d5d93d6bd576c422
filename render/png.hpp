// PNG files of RGB pixels (H x W x 3 uint8), through libpng: written atomically (core/atomic_file),
// read back for golden tests. Errors name the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rlforge::render {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // height rows of width * 3 bytes
};

// The PNG bytes of an image (deterministic: fixed zlib level and no timestamps).
std::string encode_png(const std::uint8_t* rgb, int width, int height);
// Writes through an exclusive temporary and a rename; refuses an existing file unless overwrite.
void write_png(const std::string& path, const std::uint8_t* rgb, int width, int height,
               bool overwrite = false);
// Reads an 8-bit RGB or RGBA PNG (alpha dropped). Throws rlforge::Error naming the file.
RgbImage read_png(const std::string& path);

}  // namespace rlforge::render
