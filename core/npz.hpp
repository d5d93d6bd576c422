// Npz: writes numpy's .npz (a ZIP of .npy v1.0 files, stored uncompressed) atomically.
//
// Format, so other tools can read what we write without numpy:
//  - .npy v1.0: magic "\x93NUMPY", bytes 1 0, a little-endian uint16 header length, then an
//    ASCII dict "{'descr': '<f4', 'fortran_order': False, 'shape': (N, 4), }" padded with
//    spaces and ending in '\n' so the data starts at a multiple of 64 bytes; then the raw
//    array in C order, little-endian.
//  - .npz: one ZIP member "<name>.npy" per array, in the order given, method 0 (stored), with
//    CRC-32 (IEEE, as zlib), no data descriptors, no extra fields, and the timestamp fixed
//    at 1980-01-01 00:00 so that equal arrays give byte-identical files.
//  - ZIP64 is not written: an archive of 4 GiB or more (or 65535+ arrays) throws
//    InvalidArgument before anything is written.
// Throws: InvalidArgument (bad name, size limits), Error (I/O, naming the path and errno).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"

namespace rlforge {

// numpy's dtype string for bool arrays (one byte per element, 0 or 1).
inline constexpr std::string_view kNpyBool = "|b1";
// numpy's dtype string for a DType: "<f4", "<f8", "|u1", "|i1", "<i4", "<i8".
std::string_view npy_descr(DType t);

// One array to store; a view: `data` must hold numel(shape) * itemsize bytes and stay alive
// until write_npz returns.
struct NpyArray {
  std::string name;                 // member name without ".npy"; numpy.load's key
  std::string descr;                // numpy dtype string, e.g. npy_descr(DType::float32)
  std::size_t itemsize = 0;         // bytes per element
  std::vector<std::int64_t> shape;  // C order; {} is a scalar
  const void* data = nullptr;

  std::uint64_t nbytes() const;
};

// Convenience builders for the two common element kinds.
NpyArray npy_array(std::string name, DType dtype, std::vector<std::int64_t> shape,
                   const void* data);
NpyArray npy_bool_array(std::string name, std::vector<std::int64_t> shape,
                        const std::uint8_t* data);

// CRC-32 as zlib's crc32(): pass the previous result to continue over several buffers.
std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc = 0);

// The .npy preamble for an array: magic, version, header length and the padded dict.
std::string npy_header(const NpyArray& a);

// Writes the arrays as an .npz to `path` atomically (a temporary file in the same folder,
// then rename): on any error the temporary is removed and `path` is left as it was. With
// replace = false an existing file at `path` is never replaced (Error naming it, nothing written).
void write_npz(const std::string& path, std::span<const NpyArray> arrays, bool replace = true);

}  // namespace rlforge
