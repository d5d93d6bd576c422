// Space construction, membership, sampling and JSON, following gymnasium 1.x spaces.
#include "core/space.hpp"

#include <cereal/archives/json.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.hpp"
#include "core/json.hpp"

namespace rlforge {

namespace {

bool is_integer(DType t) { return !dtype_is_float(t); }

// numpy's can_cast(from, to, casting="safe") for the dtypes we support.
bool can_cast_safe(DType from, DType to) {
  if (from == to) return true;
  switch (to) {
    case DType::float64: return true;
    case DType::float32: return from == DType::uint8 || from == DType::int8;
    case DType::int64: return is_integer(from);
    case DType::int32: return from == DType::uint8 || from == DType::int8;
    case DType::int8: return false;
    case DType::uint8: return false;
  }
  return false;
}

double round_to(DType t, double v) {
  if (t == DType::float32 && std::isfinite(v)) return static_cast<float>(v);
  return v;
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

// The shortest digits that round-trip in the dtype, as numpy prints (float32 0.1 is "0.1").
std::string num(double v, DType t) {
  if (std::isinf(v) || !dtype_is_float(t)) return dtype_is_float(t) ? num(v) : std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = t == DType::float32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                                     : std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Space Space::discrete(std::int64_t n, std::int64_t start) {
  if (n <= 0) throw InvalidArgument("Discrete: n must be positive, got " + std::to_string(n));
  Space s;
  s.kind_ = Kind::Discrete;
  s.dtype_ = DType::int64;
  s.n_ = n;
  s.start_ = start;
  return s;
}

Space Space::box(double low, double high, Shape shape, DType dtype) {
  return box(std::vector<double>{low}, std::vector<double>{high}, shape, dtype);
}

Space Space::box(std::vector<double> low, std::vector<double> high, Shape shape, DType dtype) {
  const auto n = static_cast<std::size_t>(shape.numel());
  auto broadcast = [&](std::vector<double>& v, const char* name) {
    if (v.size() == 1 && n != 1) v.assign(n, v[0]);
    if (v.size() != n)
      throw InvalidArgument(std::string("Box: ") + name + " has " + std::to_string(v.size()) +
                            " values, expected 1 or " + std::to_string(n) + " for shape " +
                            shape.str());
  };
  broadcast(low, "low");
  broadcast(high, "high");
  Space s;
  s.kind_ = Kind::Box;
  s.dtype_ = dtype;
  s.shape_ = shape;
  s.bounded_below_.resize(n);
  s.bounded_above_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(low[i]) || std::isnan(high[i]))
      throw InvalidArgument("Box: bounds cannot be NaN (element " + std::to_string(i) + ")");
    s.bounded_below_[i] = low[i] > -std::numeric_limits<double>::infinity();
    s.bounded_above_[i] = high[i] < std::numeric_limits<double>::infinity();
    if (is_integer(dtype)) {
      const bool is_signed = dtype != DType::uint8;
      if (std::isinf(low[i]) && low[i] < 0) {
        if (!is_signed)
          throw InvalidArgument("Box: dtype " + std::string(dtype_name(dtype)) +
                                " does not support low = -inf");
        low[i] = dtype_min(dtype);
      }
      if (std::isinf(high[i]) && high[i] > 0) {
        if (!is_signed)
          throw InvalidArgument("Box: dtype " + std::string(dtype_name(dtype)) +
                                " does not support high = inf");
        high[i] = dtype_max(dtype);
      }
      if (low[i] < dtype_min(dtype) || high[i] > dtype_max(dtype))
        throw InvalidArgument("Box: bounds [" + num(low[i]) + ", " + num(high[i]) +
                              "] do not fit dtype " + std::string(dtype_name(dtype)));
      low[i] = std::floor(low[i]);
      high[i] = std::floor(high[i]);
    } else {
      low[i] = round_to(dtype, low[i]);
      high[i] = round_to(dtype, high[i]);
    }
    if (low[i] > high[i])
      throw InvalidArgument("Box: low must be <= high, but element " + std::to_string(i) +
                            " has low " + num(low[i]) + " > high " + num(high[i]));
  }
  s.low_ = std::move(low);
  s.high_ = std::move(high);
  return s;
}

Space Space::multi_discrete(std::vector<std::int64_t> nvec, std::vector<std::int64_t> start) {
  if (nvec.empty()) throw InvalidArgument("MultiDiscrete: nvec must not be empty");
  if (start.empty()) start.assign(nvec.size(), 0);
  if (start.size() != nvec.size())
    throw InvalidArgument("MultiDiscrete: start has " + std::to_string(start.size()) +
                          " values, expected " + std::to_string(nvec.size()));
  for (auto v : nvec)
    if (v <= 0)
      throw InvalidArgument("MultiDiscrete: every nvec entry must be positive, got " +
                            std::to_string(v));
  Space s;
  s.kind_ = Kind::MultiDiscrete;
  s.dtype_ = DType::int64;
  s.shape_ = Shape{static_cast<std::int64_t>(nvec.size())};
  s.nvec_ = std::move(nvec);
  s.starts_ = std::move(start);
  return s;
}

Space Space::multi_binary(Shape shape) {
  if (shape.ndim() == 0) throw InvalidArgument("MultiBinary: shape must have at least one dim");
  Space s;
  s.kind_ = Kind::MultiBinary;
  s.dtype_ = DType::int8;
  s.shape_ = shape;
  return s;
}

bool Space::is_bounded() const {
  for (std::size_t i = 0; i < bounded_below_.size(); ++i)
    if (!bounded_below_[i] || !bounded_above_[i]) return false;
  return true;
}

bool Space::contains(const ConstArray& x) const { return explain_not_contained(x).empty(); }

std::string Space::explain_not_contained(const ConstArray& x) const {
  if (x.data == nullptr && x.shape.numel() > 0) return "the value is a null pointer";
  switch (kind_) {
    case Kind::Discrete: {
      if (!is_integer(x.dtype))
        return "dtype " + std::string(dtype_name(x.dtype)) + " is not an integer dtype";
      if (x.shape.ndim() != 0) return "shape " + x.shape.str() + " is not a scalar shape ()";
      const double v = load_as_double(x.data, x.dtype, 0);
      if (v < static_cast<double>(start_) || v >= static_cast<double>(start_ + n_))
        return "value " + format_values(x) + " is outside [" + std::to_string(start_) + ", " +
               std::to_string(start_ + n_ - 1) + "]";
      return {};
    }
    case Kind::Box: {
      if (!can_cast_safe(x.dtype, dtype_))
        return "dtype " + std::string(dtype_name(x.dtype)) + " cannot be cast safely to " +
               std::string(dtype_name(dtype_));
      if (!(x.shape == shape_)) return "shape " + x.shape.str() + " is not " + shape_.str();
      const auto n = static_cast<std::size_t>(numel());
      for (std::size_t i = 0; i < n; ++i) {
        const double v = load_as_double(x.data, x.dtype, i);
        if (std::isnan(v)) return "element " + std::to_string(i) + " is NaN";
        if (v < low_[i] || v > high_[i])
          return "element " + std::to_string(i) + " = " + num(v) + " is outside [" +
                 num(low_[i]) + ", " + num(high_[i]) + "]";
      }
      return {};
    }
    case Kind::MultiDiscrete:
    case Kind::MultiBinary: {
      if (!is_integer(x.dtype))
        return "dtype " + std::string(dtype_name(x.dtype)) + " is not an integer dtype";
      if (!(x.shape == shape_)) return "shape " + x.shape.str() + " is not " + shape_.str();
      const auto n = static_cast<std::size_t>(numel());
      for (std::size_t i = 0; i < n; ++i) {
        const double v = load_as_double(x.data, x.dtype, i);
        const double lo = kind_ == Kind::MultiBinary ? 0.0 : static_cast<double>(starts_[i]);
        const double hi =
            kind_ == Kind::MultiBinary ? 1.0 : static_cast<double>(starts_[i] + nvec_[i] - 1);
        if (v < lo || v > hi)
          return "element " + std::to_string(i) + " = " + num(v) + " is outside [" + num(lo) +
                 ", " + num(hi) + "]";
      }
      return {};
    }
  }
  return "unknown space kind";
}

void Space::sample(Rng& rng, void* out) const {
  switch (kind_) {
    case Kind::Discrete:
      *static_cast<std::int64_t*>(out) =
          start_ + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n_)));
      return;
    case Kind::MultiDiscrete:
      for (std::size_t i = 0; i < nvec_.size(); ++i)
        static_cast<std::int64_t*>(out)[i] =
            starts_[i] + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(nvec_[i])));
      return;
    case Kind::MultiBinary:
      for (std::int64_t i = 0; i < numel(); ++i)
        static_cast<std::int8_t*>(out)[i] = static_cast<std::int8_t>(rng.below(2));
      return;
    case Kind::Box: {
      const bool integer = is_integer(dtype_);
      for (std::size_t i = 0; i < low_.size(); ++i) {
        // Integer Boxes include their upper bound: sample [low, high + 1) and floor.
        const double high = integer ? high_[i] + 1.0 : high_[i];
        double v;
        if (bounded_below_[i] && bounded_above_[i])
          v = rng.uniform(low_[i], high);
        else if (bounded_below_[i])
          v = low_[i] + rng.exponential();
        else if (bounded_above_[i])
          v = high - rng.exponential();
        else
          v = rng.normal();
        if (integer) {
          v = std::floor(v);
          v = std::min(std::max(v, std::max(low_[i], dtype_min(dtype_))),
                       std::min(high_[i], dtype_max(dtype_)));
        } else if (dtype_ == DType::float32 && v > high_[i]) {
          v = high_[i];  // rounding to float32 must not leave the box
        }
        store_from_double(out, dtype_, i, v);
      }
      return;
    }
  }
}

void Space::sample_batch(Rng& rng, void* out, std::int64_t count) const {
  if (kind_ == Kind::Discrete && (n_ & (n_ - 1)) == 0) {
    auto* a = static_cast<std::int64_t*>(out);
    int bits = 0;
    while ((std::int64_t{1} << bits) < n_) ++bits;
    if (bits == 0) {
      std::fill(a, a + count, start_);
      return;
    }
    const int per_draw = 64 / bits;
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    for (std::int64_t i = 0; i < count;) {
      std::uint64_t r = rng.next_u64();
      for (int k = 0; k < per_draw && i < count; ++k, ++i, r >>= bits)
        a[i] = start_ + static_cast<std::int64_t>(r & mask);
    }
    return;
  }
  if (kind_ == Kind::Discrete) {  // the same draws as sample(), without its per-call dispatch
    auto* a = static_cast<std::int64_t*>(out);
    const auto n = static_cast<std::uint64_t>(n_);
    for (std::int64_t i = 0; i < count; ++i) a[i] = start_ + static_cast<std::int64_t>(rng.below(n));
    return;
  }
  auto* bytes = static_cast<std::byte*>(out);
  for (std::int64_t i = 0; i < count; ++i) sample(rng, bytes + static_cast<std::size_t>(i) * nbytes());
}

std::string Space::repr() const {
  switch (kind_) {
    case Kind::Discrete:
      return "Discrete(" + std::to_string(n_) +
             (start_ ? ", start=" + std::to_string(start_) : std::string()) + ")";
    case Kind::MultiBinary: return "MultiBinary(" + shape_.str() + ")";
    case Kind::MultiDiscrete: {
      std::string s = "MultiDiscrete([";
      for (std::size_t i = 0; i < nvec_.size(); ++i)
        s += (i ? " " : "") + std::to_string(nvec_[i]);
      return s + "])";
    }
    case Kind::Box: {
      auto all_same = [](const std::vector<double>& v) {
        for (double x : v)
          if (x != v[0]) return false;
        return true;
      };
      auto bound = [&](const std::vector<double>& v) {
        if (v.empty()) return std::string("[]");
        if (all_same(v)) return num(v[0], dtype_);
        std::string s = "[";
        for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + num(v[i], dtype_);
        return s + "]";
      };
      return "Box(" + bound(low_) + ", " + bound(high_) + ", " + shape_.str() + ", " +
             std::string(dtype_name(dtype_)) + ")";
    }
  }
  return "Space(?)";
}

std::string Space::to_json() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>
      w(sb);
  auto ints = [&](const char* key, const auto& values) {
    w.Key(key);
    w.StartArray();
    for (auto v : values) w.Int64(static_cast<std::int64_t>(v));
    w.EndArray();
  };
  auto doubles = [&](const char* key, const std::vector<double>& values) {
    w.Key(key);
    w.StartArray();
    for (double v : values) w.Double(v);
    w.EndArray();
  };
  w.StartObject();
  switch (kind_) {
    case Kind::Discrete:
      w.Key("type"), w.String("Discrete");
      w.Key("n"), w.Int64(n_);
      w.Key("start"), w.Int64(start_);
      break;
    case Kind::Box:
      w.Key("type"), w.String("Box");
      w.Key("dtype"), w.String(std::string(dtype_name(dtype_)).c_str());
      ints("shape", shape_);
      // Unbounded sides are written as +-Infinity whatever the dtype, so that an integer
      // Box keeps its "unbounded" marks through a round trip.
      {
        std::vector<double> lo = low_, hi = high_;
        for (std::size_t i = 0; i < lo.size(); ++i) {
          if (!bounded_below_[i]) lo[i] = -std::numeric_limits<double>::infinity();
          if (!bounded_above_[i]) hi[i] = std::numeric_limits<double>::infinity();
        }
        doubles("low", lo);
        doubles("high", hi);
      }
      break;
    case Kind::MultiDiscrete:
      w.Key("type"), w.String("MultiDiscrete");
      ints("nvec", nvec_);
      ints("start", starts_);
      break;
    case Kind::MultiBinary:
      w.Key("type"), w.String("MultiBinary");
      ints("shape", shape_);
      break;
  }
  w.EndObject();
  return sb.GetString();
}

Space Space::from_json(std::string_view text, const std::string& where) {
  const JsonObject o = JsonObject::parse(text, where);
  const std::string type = o.get_string("type");
  auto int_list = [&](const char* key) {
    std::vector<std::int64_t> out;
    for (double v : o.get_doubles(key)) {
      if (v != std::floor(v))
        throw ConfigError(where + ": key '" + key + "' must hold integers, got " + num(v));
      out.push_back(static_cast<std::int64_t>(v));
    }
    return out;
  };
  auto shape_of = [&](const char* key) {
    auto dims = int_list(key);
    return Shape(dims.begin(), dims.end());
  };
  try {
    if (type == "Discrete") return discrete(o.get_int("n"), o.get_int("start", 0));
    if (type == "Box")
      return box(o.get_doubles("low"), o.get_doubles("high"), shape_of("shape"),
                 parse_dtype(o.get_string("dtype")));
    if (type == "MultiDiscrete")
      return multi_discrete(int_list("nvec"), o.has("start") ? int_list("start")
                                                             : std::vector<std::int64_t>{});
    if (type == "MultiBinary") return multi_binary(shape_of("shape"));
  } catch (const InvalidArgument& e) {
    throw ConfigError(where + ": " + e.what());
  }
  throw ConfigError(where + ": key 'type' must be one of Discrete, Box, MultiDiscrete, "
                            "MultiBinary, got '" + type + "'");
}

bool Space::operator==(const Space& o) const {
  return kind_ == o.kind_ && dtype_ == o.dtype_ && shape_ == o.shape_ && n_ == o.n_ &&
         start_ == o.start_ && low_ == o.low_ && high_ == o.high_ &&
         bounded_below_ == o.bounded_below_ && bounded_above_ == o.bounded_above_ &&
         nvec_ == o.nvec_ && starts_ == o.starts_;
}

bool cast_into(const Space& space, const ConstArray& x, void* out) {
  if (space.kind() == Space::Kind::Box ? !can_cast_safe(x.dtype, space.dtype())
                                       : dtype_is_float(x.dtype))
    return false;
  if (!(x.shape == space.shape())) return false;
  const auto n = static_cast<std::size_t>(space.numel());
  for (std::size_t i = 0; i < n; ++i)
    store_from_double(out, space.dtype(), i, load_as_double(x.data, x.dtype, i));
  return true;
}

}  // namespace rlforge
