// State files: versioned, checksummed, atomically written binary files (normalizer state now,
// checkpoints later). Layout: magic "RLFSTATE", u32 format version, u32 kind length, kind,
// u64 payload length, payload, u64 FNV-1a checksum of the payload; little-endian.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace rlforge {

// Writes `payload` tagged with `kind` (e.g. "NormalizeObservation/1") to `path` atomically.
void save_state_file(const std::string& path, std::string_view kind, std::string_view payload);
// Reads a state file and returns its payload. Throws ConfigError naming the file and what is
// wrong: missing, truncated, not a state file, another kind, or a checksum mismatch.
std::string load_state_file(const std::string& path, std::string_view kind);

std::uint64_t fnv1a64(std::string_view bytes);

}  // namespace rlforge
