// libFuzzer target: arbitrary text through the config reader (JsonObject::parse, then
// agents::config_from_json). Every bad input must end in ConfigError, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agents/config.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto cfg = rlforge::agents::config_from_json(rlforge::JsonObject::parse(text, "fuzz.json"));
    (void)rlforge::agents::to_json(cfg);  // a config that reads must also write
  } catch (const rlforge::ConfigError&) {
  }
  return 0;
}
