// Corridor: the example user-defined env shared by the C++ example (corridor_example.cpp) and
// the Python example module (corridor_env.cpp): one env, usable from both.
//
// Cells 0..length-1, start in cell 0 (or a random cell below the last with
// {"random_start": true}); action 0 = left, 1 = right; reward -1 per step and 0 on reaching
// the last cell, which terminates. Observation: the one-hot position (float32). Info:
// "position" after every step.
#pragma once
#include <algorithm>
#include <string>

#include "core/env.hpp"
#include "core/error.hpp"

namespace rlforge_examples {

class Corridor : public rlforge::Env {
 public:
  explicit Corridor(const rlforge::JsonObject& kw)
      : Env(rlforge::Space::box(0.0, 1.0, rlforge::Shape{kw.get_int("length")}),
            rlforge::Space::discrete(2)),
        length_(static_cast<int>(kw.get_int("length"))),
        random_start_(kw.get_bool("random_start")) {
    if (length_ < 2)
      throw rlforge::InvalidArgument("Corridor-v0: length must be >= 2, got " +
                                     std::to_string(length_));
  }

 protected:
  void do_reset(rlforge::Rng& rng, const rlforge::JsonObject*, std::span<std::byte> obs,
                rlforge::Info&) override {
    pos_ = random_start_ ? static_cast<int>(rng.below(static_cast<std::uint64_t>(length_ - 1))) : 0;
    write(obs);
  }
  rlforge::StepResult do_step(const void* action, std::span<std::byte> obs,
                              rlforge::Info& info) override {
    const auto a = *static_cast<const std::int64_t*>(action);  // validated by the core: 0 or 1
    pos_ = a == 1 ? pos_ + 1 : std::max(pos_ - 1, 0);
    write(obs);
    info.set("position", pos_);
    const bool goal = pos_ == length_ - 1;
    return {goal ? 0.0 : -1.0, goal, false};
  }

 private:
  void write(std::span<std::byte> obs) const {
    auto* o = reinterpret_cast<float*>(obs.data());
    std::fill(o, o + length_, 0.0f);
    o[pos_] = 1.0f;
  }
  int length_;
  bool random_start_;
  int pos_ = 0;
};

}  // namespace rlforge_examples
