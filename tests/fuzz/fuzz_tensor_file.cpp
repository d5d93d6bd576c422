// libFuzzer target: tensor files (tensor::load_tensors) from arbitrary bytes: once as the whole
// file (header, length, checksum), once as a payload behind a valid header and checksum, so the
// fuzzer reaches the tensor records themselves. Failures must be SerializationError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tensor/errors.hpp"
#include "tensor/serialization.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace T = rlforge::tensor;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& path = rlforge::fuzz::temp_path("tensor");
  rlforge::fuzz::write_bytes(path, bytes);
  try {
    (void)T::load_tensors(path);
  } catch (const T::SerializationError&) {
  }
  rlforge::fuzz::write_bytes(path, rlforge::fuzz::tensor_file_around(bytes));
  try {
    for (const auto& t : T::load_tensors(path)) (void)t.value.numel();
  } catch (const T::SerializationError&) {
  }
  return 0;
}
