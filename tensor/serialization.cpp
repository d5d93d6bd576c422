// Tensor files: cereal portable-binary payload inside a magic/version/length/checksum frame,
// written to a temporary file and renamed into place.
#include "tensor/serialization.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/atomic_file.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/kernels/element_type.hpp"

namespace rlforge::tensor {
namespace {

constexpr char kMagic[8] = {'R', 'L', 'F', 'T', 'E', 'N', 'S', 'R'};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw SerializationError("tensor file '" + path + "': " + what);
}

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_le(const std::string& s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

constexpr DType kFileDTypes[] = {DType::float32, DType::float64, DType::int64};
std::uint8_t file_code(DType d) { return file_dtype_code(d); }

std::string describe(DType d, const Shape& s) { return s.str() + " " + std::string(dtype_name(d)); }

}  // namespace

std::uint8_t file_dtype_code(DType d) {
  for (std::uint8_t c = 0; c < std::size(kFileDTypes); ++c) {
    if (kFileDTypes[c] == d) return c;
  }
  throw DTypeError("tensor files: no file code for dtype " + std::string(dtype_name(d)));  // impl_new refuses those
}

bool dtype_of_file_code(std::uint8_t code, DType* out) {
  if (code >= std::size(kFileDTypes)) return false;
  *out = kFileDTypes[code];
  return true;
}

std::uint64_t fnv1a64(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void save_tensors(const std::string& path, std::span<const NamedTensor> tensors) {
  std::ostringstream payload_stream(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(payload_stream);
    ar(static_cast<std::uint64_t>(tensors.size()));
    for (const NamedTensor& nt : tensors) {
      if (!nt.value.defined()) fail(path, "cannot save undefined tensor '" + nt.name + "'");
      // Bytes are written from host memory: CUDA tensors are copied over first.
      const Tensor c = nt.value.detach().to(Device::cpu()).contiguous();
      std::vector<std::int64_t> dims(c.shape().begin(), c.shape().end());
      ar(nt.name, file_code(c.dtype()), dims);
      with_element_type(c.dtype(), [&](auto t) {
        using T = decltype(t);  // typed, so the archive fixes each element's byte order
        ar(cereal::binary_data(c.data<T>(), static_cast<std::size_t>(c.numel()) * sizeof(T)));
      });
    }
  }
  const std::string payload = payload_stream.str();
  std::string file(kMagic, sizeof kMagic);
  put_u32(file, kTensorFileVersion);
  put_u64(file, payload.size());
  file += payload;
  put_u64(file, fnv1a64(payload.data(), payload.size()));

  try {
    write_file_atomic(path, file);  // the one writer: exclusive temporary, fsync, rename
  } catch (const SerializationError&) {
    throw;
  } catch (const Error& e) {
    throw SerializationError(e.what());
  }
}

std::vector<NamedTensor> load_tensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open (missing or unreadable)");
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kHeader = sizeof kMagic + 4 + 8;
  if (file.size() < sizeof kMagic || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    fail(path, "not an rlforge tensor file (bad magic; expected \"RLFTENSR\")");
  }
  if (file.size() < kHeader) {
    fail(path, "truncated: " + std::to_string(file.size()) + " bytes, shorter than the " + std::to_string(kHeader) +
                   "-byte header");
  }
  const auto version = static_cast<std::uint32_t>(get_le(file, sizeof kMagic, 4));
  if (version != kTensorFileVersion) {
    fail(path, "format version " + std::to_string(version) + ", but this build reads version " +
                   std::to_string(kTensorFileVersion));
  }
  const std::uint64_t len = get_le(file, sizeof kMagic + 4, 8);
  if (file.size() != kHeader + len + 8) {
    fail(path, "truncated or padded: header announces " + std::to_string(len) + " payload bytes, file holds " +
                   std::to_string(file.size() < kHeader + 8 ? 0 : file.size() - kHeader - 8));
  }
  const std::string payload = file.substr(kHeader, len);
  const std::uint64_t want = get_le(file, kHeader + len, 8);
  const std::uint64_t got = fnv1a64(payload.data(), payload.size());
  if (want != got) fail(path, "corrupt: checksum mismatch (stored " + std::to_string(want) + ", computed " + std::to_string(got) + ")");

  std::vector<NamedTensor> out;
  try {
    std::istringstream ps(payload, std::ios::binary);
    cereal::PortableBinaryInputArchive ar(ps);
    // Every length is checked against the bytes left before anything is allocated for it:
    // cereal would resize a string or vector to whatever count the bytes claim.
    const auto left = [&] { return payload.size() - static_cast<std::size_t>(ps.tellg()); };
    std::uint64_t count = 0;
    ar(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      NamedTensor nt;
      std::uint8_t dt = 0;
      cereal::size_type name_len = 0;
      ar(cereal::make_size_tag(name_len));  // the wire format of ar(std::string)
      if (name_len > left()) fail(path, "corrupt entry " + std::to_string(i) + ": name of " + std::to_string(name_len) + " bytes exceeds the payload");
      nt.name.resize(static_cast<std::size_t>(name_len));
      ar(cereal::binary_data(nt.name.data(), nt.name.size()));
      cereal::size_type rank = 0;
      ar(dt, cereal::make_size_tag(rank));  // then ar(std::vector<std::int64_t>)
      if (dt >= std::size(kFileDTypes) || rank > static_cast<cereal::size_type>(kMaxDims)) {
        fail(path, "corrupt entry '" + nt.name + "' (dtype code " + std::to_string(dt) + ", " + std::to_string(rank) + " dims)");
      }
      std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
      ar(cereal::binary_data(dims.data(), dims.size() * sizeof(std::int64_t)));
      const DType d = kFileDTypes[dt];
      // numel * element size must fit the payload; checked factor by factor, so no product
      // overflows. An empty tensor holds no bytes, but its other dims still make strides: their
      // product must stay below 2^48.
      bool empty = false;
      for (std::int64_t v : dims) {
        if (v < 0) fail(path, "corrupt entry '" + nt.name + "': negative dimension " + std::to_string(v));
        if (v == 0) empty = true;
      }
      std::uint64_t room = empty ? std::uint64_t{1} << 48 : payload.size() / dtype_size(d);
      for (std::int64_t v : dims) {
        if (v == 0) continue;
        if (static_cast<std::uint64_t>(v) > room) {
          std::string shape;
          for (std::size_t k = 0; k < dims.size(); ++k) shape += (k ? ", " : "") + std::to_string(dims[k]);
          fail(path, "corrupt entry '" + nt.name + "': shape (" + shape + ") exceeds the payload");
        }
        room /= static_cast<std::uint64_t>(v);
      }
      const Shape shape(dims.begin(), dims.end());
      nt.value = Tensor::empty(shape, d);
      const std::size_t bytes = static_cast<std::size_t>(shape.numel()) * dtype_size(d);
      with_element_type(d, [&](auto t) { ar(cereal::binary_data(nt.value.data<decltype(t)>(), bytes)); });
      out.push_back(std::move(nt));
    }
  } catch (const cereal::Exception& e) {
    fail(path, std::string("corrupt payload: ") + e.what());
  }
  return out;
}

void load_tensors_into(const std::string& path, std::span<const NamedTensor> targets) {
  const std::vector<NamedTensor> found = load_tensors(path);
  if (found.size() != targets.size()) {
    fail(path, "holds " + std::to_string(found.size()) + " tensors, expected " + std::to_string(targets.size()));
  }
  NoGradGuard no_grad;
  for (const NamedTensor& t : targets) {
    const NamedTensor* f = nullptr;
    for (const NamedTensor& c : found) {
      if (c.name == t.name) f = &c;
    }
    if (f == nullptr) fail(path, "has no tensor named '" + t.name + "'");
    if (f->value.shape() != t.value.shape() || f->value.dtype() != t.value.dtype()) {
      fail(path, "tensor '" + t.name + "': expected " + describe(t.value.dtype(), t.value.shape()) + ", found " +
                     describe(f->value.dtype(), f->value.shape()));
    }
    Tensor dst = t.value;
    dst.copy_(f->value);
  }
}

std::vector<NamedTensor> name_tensors(std::span<const std::string> names, std::span<const Tensor> values) {
  if (names.size() != values.size()) {
    throw SerializationError("name_tensors: " + std::to_string(names.size()) + " names for " +
                             std::to_string(values.size()) + " tensors");
  }
  std::vector<NamedTensor> out;
  for (std::size_t i = 0; i < names.size(); ++i) out.push_back({names[i], values[i]});
  return out;
}

}  // namespace rlforge::tensor
