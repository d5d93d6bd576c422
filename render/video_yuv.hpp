// RGB -> YCbCr 4:2:0 for the MP4 writer: BT.709 coefficients, limited ("TV") range (Y 16..235,
// Cb/Cr 16..240), the range and matrix H.264 players assume for tagged BT.709 video. Chroma is the
// mean of each 2x2 block (centred between the pixels, like JPEG). Integer arithmetic only, so
// every machine makes the same bytes (libswscale's SIMD paths need not).
#pragma once
#include <cstdint>

namespace rlforge::render {

// Converts a width x height RGB frame (rows of width * 3 bytes) into planes of the even size
// (width + width % 2) x (height + height % 2): an odd last column/row is repeated once. y, u, v
// point at the planes' first rows; *_stride are their row pitches in bytes (chroma planes have
// half the padded width and height).
void rgb_to_yuv420(const std::uint8_t* rgb, int width, int height, std::uint8_t* y, int y_stride,
                   std::uint8_t* u, int u_stride, std::uint8_t* v, int v_stride);

}  // namespace rlforge::render
