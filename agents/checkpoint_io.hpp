// Checkpoint pieces the three agents share: named tensor lists, per-env episode returns, the env state.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/binary_io.hpp"
#include "core/vector_env.hpp"
#include "tensor/serialization.hpp"

namespace rlforge::agents {

// Refuses a counter read from a checkpoint unless lo <= value <= hi: ConfigError
// "checkpoint: field 'FIELD' is V, expected LO..HI (WHY)". A checksum only proves the bytes are
// the ones written; an edited file with a fresh checksum must still not resume at step -1 or
// loop forever, so every count, index and step a state holds is checked against the config.
void check_field(const char* field, std::int64_t value, std::int64_t lo, std::int64_t hi, const std::string& why = "");

// Count, then per tensor its name and write_tensor bytes.
void write_tensors(ByteWriter& w, const std::vector<tensor::NamedTensor>& tensors);
// Restores into the given tensors (they share storage with the agent's): ConfigError when the
// count or a name differs from the list, or a tensor does not fit (read_tensor_into).
void read_tensors_into(ByteReader& r, const std::vector<tensor::NamedTensor>& tensors);

// The running episode return of each env; the read checks the env count against `returns`.
void write_episode_returns(ByteWriter& w, const std::vector<double>& returns);
void read_episode_returns(ByteReader& r, std::vector<double>& returns);

// The VectorEnv state as the last field of an agent state; the read turns the env's
// InvalidArgument into ConfigError("checkpoint: ...") and rejects bytes after it.
void write_env_state_last(ByteWriter& w, const VectorEnv& envs);
// Restores the training envs (the state's last field). Envs that cannot expose their state
// start new episodes instead: their running returns in `ep_return` restart at 0, and one line
// on stderr says that this resume is not bit-identical.
void read_env_state_last(ByteReader& r, VectorEnv& envs, std::vector<double>& ep_return);

}  // namespace rlforge::agents
