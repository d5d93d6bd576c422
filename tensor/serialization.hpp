// Tensor files: named tensors (parameters, optimizer state) in a versioned, checksummed binary
// format written atomically. Layout: magic "RLFTENSR", u32 format version, u64 payload length,
// payload (cereal portable binary: count, then per tensor name, dtype, dims, raw values), u64
// FNV-1a checksum of the payload. Every failure throws SerializationError naming the file.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace rlforge::tensor {

struct NamedTensor {
  std::string name;
  Tensor value;
};

constexpr std::uint32_t kTensorFileVersion = 1;

// Writes `tensors` (any layout; stored row-major) to `path` via a temporary file and a rename,
// so a crash never leaves a half-written file under `path`.
void save_tensors(const std::string& path, std::span<const NamedTensor> tensors);
// Reads every tensor in the file (new CPU tensors). Throws SerializationError if the file is
// missing, truncated, not a tensor file, of another version, or fails its checksum.
std::vector<NamedTensor> load_tensors(const std::string& path);
// Reads the file and copies each entry into the same-named target (under no-grad). Throws
// SerializationError naming the file and the tensor when a name is missing or extra, or when
// shape or dtype differ ("expected (64, 4) float32, found (64, 8) float32").
void load_tensors_into(const std::string& path, std::span<const NamedTensor> targets);

// Names + handles of a list of parameters, for the calls above.
std::vector<NamedTensor> name_tensors(std::span<const std::string> names, std::span<const Tensor> values);

std::uint64_t fnv1a64(const void* data, std::size_t n);

// The dtype codes of tensor files and checkpoints, fixed by those formats (0 float32, 1 float64,
// 2 int64) rather than taken from core's DType, whose numbering serves spaces and may grow.
// file_dtype_code throws DTypeError for another dtype; dtype_of_file_code returns false for an
// unknown code.
std::uint8_t file_dtype_code(DType d);
bool dtype_of_file_code(std::uint8_t code, DType* out);

}  // namespace rlforge::tensor
