// Checkpoint pieces the three agents share: named tensor lists, per-env episode returns, the env state.
#pragma once
#include <string>
#include <vector>

#include "core/binary_io.hpp"
#include "core/vector_env.hpp"
#include "tensor/serialization.hpp"

namespace rlforge::agents {

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
void read_env_state_last(ByteReader& r, VectorEnv& envs);

}  // namespace rlforge::agents
