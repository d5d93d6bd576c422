// libFuzzer target: state files and checkpoints from arbitrary bytes. The bytes go through
// load_state_file as a whole file (header, kind, length, checksum), then, saved as the payload
// of a valid checkpoint file (save_state_file: a fresh checksum), through the checkpoint
// decoder (agents::load_checkpoint: config, trainer counters, agent and env state). Failures
// are rlforge errors (ConfigError naming the file; NotFound for an env id no build registers),
// never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <type_traits>

#include "agents/config.hpp"
#include "agents/trainer.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/state_file.hpp"
#include "fuzz_common.hpp"

namespace {
// The fuzzer's own resource cap, not a limit of the format: a checkpoint may well hold a config
// with a million-transition replay buffer or 4096-wide layers, which load fine but would take
// gigabytes per input. Those inputs are skipped.
bool small_enough(std::string_view payload) {
  try {
    rlforge::ByteReader r(payload);
    const auto cfg = rlforge::agents::config_from_json(rlforge::JsonObject::parse(r.str(), "fuzz"));
    return std::visit(
        [](const auto& c) {
          bool ok = c.num_envs <= 16;
          for (auto h : c.hidden) ok = ok && h <= 128;
          if constexpr (!std::is_same_v<std::decay_t<decltype(c)>, rlforge::agents::PpoConfig>)
            ok = ok && c.buffer_size <= 100000;
          else
            ok = ok && c.num_steps <= 4096;
          return ok;
        },
        cfg);
  } catch (const rlforge::Error&) {
    return true;  // the decoder must refuse it too
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& path = rlforge::fuzz::temp_path("checkpoint");
  rlforge::fuzz::write_bytes(path, bytes);
  try {
    (void)rlforge::load_state_file(path, "rlforge.checkpoint/2");
  } catch (const rlforge::ConfigError&) {
  }
  if (!small_enough(bytes)) return 0;
  rlforge::save_state_file(path, "rlforge.checkpoint/2", bytes);
  try {
    (void)rlforge::agents::load_checkpoint(path)->global_step();
  } catch (const rlforge::Error&) {
  }
  return 0;
}
