#include "render/png.hpp"

#include <png.h>
#include <sys/stat.h>

#include <cstring>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace rlforge::render {

namespace {
void check_size(int width, int height, const char* who) {
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
    throw InvalidArgument(std::string(who) + ": image " + std::to_string(width) + "x" +
                          std::to_string(height) + " is not in 1..65535 x 1..65535");
}
}  // namespace

// libpng's simplified API writes no time or text chunks, so the bytes depend on pixels alone.
std::string encode_png(const std::uint8_t* rgb, int width, int height) {
  check_size(width, height, "encode_png");
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(width);
  img.height = static_cast<png_uint_32>(height);
  img.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, rgb, 0, nullptr))
    throw Error(std::string("encode_png: libpng: ") + img.message);
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&img, out.data(), &size, 0, rgb, 0, nullptr))
    throw Error(std::string("encode_png: libpng: ") + img.message);
  out.resize(size);
  return out;
}

void write_png(const std::string& path, const std::uint8_t* rgb, int width, int height, bool overwrite) {
  struct stat st;
  if (!overwrite && ::lstat(path.c_str(), &st) == 0)
    throw Error(path + ": exists; refusing to overwrite it (choose another path, or remove it first)");
  const std::string bytes = encode_png(rgb, width, height);  // before anything touches the disk
  AtomicFile f(path);
  f.write(bytes);
  f.commit(/*replace=*/overwrite);  // a file that appeared meanwhile is not replaced either
}

RgbImage read_png(const std::string& path) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str()))
    throw Error(path + ": cannot read as PNG: " + img.message);
  img.format = PNG_FORMAT_RGB;
  RgbImage out;
  out.width = static_cast<int>(img.width);
  out.height = static_cast<int>(img.height);
  if (img.width == 0 || img.height == 0 || img.width > 65535 || img.height > 65535) {
    png_image_free(&img);
    throw Error(path + ": PNG of " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                " pixels is not in 1..65535 x 1..65535");
  }
  out.rgb.resize(PNG_IMAGE_SIZE(img));
  // Composited on white, as a viewer shows it, if the file has alpha.
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&img, &white, out.rgb.data(), 0, nullptr))
    throw Error(path + ": cannot decode PNG: " + img.message);
  return out;
}

}  // namespace rlforge::render
