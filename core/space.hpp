// Space: the sets observations and actions live in, with gymnasium 1.x semantics
// (Discrete, Box, MultiDiscrete, MultiBinary): bounds, dtypes, contains, sample, JSON.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "core/rng.hpp"
#include "core/shape.hpp"

namespace rlforge {

// One value type for all kinds rather than a class hierarchy: spaces are copied into specs,
// wrappers and Python, compared, and serialized, and a closed set of kinds keeps that simple.
class Space {
 public:
  enum class Kind : std::uint8_t { Discrete, Box, MultiDiscrete, MultiBinary };

  // Discrete(n, start): integers start .. start+n-1, dtype int64, shape ().
  static Space discrete(std::int64_t n, std::int64_t start = 0);
  // Box with per-element bounds (low/high have shape.numel() values, or 1 to broadcast).
  // +-inf marks an unbounded side; for signed integer dtypes -inf/+inf become the dtype's
  // limits (and count as unbounded), as in gymnasium. Bounds are rounded to the dtype.
  static Space box(std::vector<double> low, std::vector<double> high, Shape shape,
                   DType dtype = DType::float32);
  static Space box(double low, double high, Shape shape, DType dtype = DType::float32);
  // MultiDiscrete(nvec, start): element i in start[i] .. start[i]+nvec[i]-1, dtype int64.
  static Space multi_discrete(std::vector<std::int64_t> nvec, std::vector<std::int64_t> start = {});
  // MultiBinary(shape): elements 0 or 1, dtype int8.
  static Space multi_binary(Shape shape);

  Kind kind() const { return kind_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t numel() const { return shape_.numel(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }

  // Discrete only.
  std::int64_t n() const { return n_; }
  std::int64_t start() const { return start_; }
  // Box: bounds per element, as double (exactly the dtype's values).
  const std::vector<double>& low() const { return low_; }
  const std::vector<double>& high() const { return high_; }
  bool bounded_below(std::size_t i) const { return bounded_below_[i] != 0; }
  bool bounded_above(std::size_t i) const { return bounded_above_[i] != 0; }
  bool is_bounded() const;
  // MultiDiscrete only.
  const std::vector<std::int64_t>& nvec() const { return nvec_; }
  const std::vector<std::int64_t>& starts() const { return starts_; }

  // True when x has a dtype that casts safely to dtype() (numpy's can_cast), the same
  // shape, and every element inside the bounds (NaN is never inside).
  bool contains(const ConstArray& x) const;
  // Why x is not an element: "" when it is, otherwise names the first offending part.
  std::string explain_not_contained(const ConstArray& x) const;
  // Draws a sample into `out` (nbytes() bytes) with gymnasium's distributions: uniform on
  // bounded Box dims (integer dtypes: inclusive high), exponential on half-bounded ones,
  // normal on unbounded ones; uniform integers for the discrete kinds.
  void sample(Rng& rng, void* out) const;
  // `count` samples laid out one after another (a batch of actions for a VectorEnv). Same
  // distribution as sample(); Discrete spaces of power-of-two size take their values from
  // the bits of each 64-bit draw (64 samples of Discrete(2) per draw), so the stream of
  // values differs from `count` calls of sample().
  void sample_batch(Rng& rng, void* out, std::int64_t count) const;

  // "Box(-1.0, 1.0, (3,), float32)", "Discrete(2)", as gymnasium prints them.
  std::string repr() const;
  std::string to_json() const;
  // Throws ConfigError naming `where` and the offending key.
  static Space from_json(std::string_view text, const std::string& where = "space JSON");

  bool operator==(const Space& o) const;

 private:
  Kind kind_ = Kind::Discrete;
  DType dtype_ = DType::int64;
  Shape shape_;
  std::int64_t n_ = 0, start_ = 0;
  std::vector<double> low_, high_;
  std::vector<std::uint8_t> bounded_below_, bounded_above_;
  std::vector<std::int64_t> nvec_, starts_;
};

// A value in a space, converted to the space's dtype: returns false (and leaves `out`
// untouched) when x is not castable. Used to accept e.g. int32 actions for a Discrete space.
bool cast_into(const Space& space, const ConstArray& x, void* out);

}  // namespace rlforge
