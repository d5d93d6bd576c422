// Info: the per-step info dict of an env, kept as flat numeric entries so a step allocates nothing.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace rlforge {

// Keys are string literals with static lifetime (nested dicts use dotted keys, e.g.
// "episode.r"); Python turns them into gymnasium's info dict. clear() keeps the capacity,
// so after the first steps setting entries does not allocate.
class Info {
 public:
  void clear() { items_.clear(); }
  void set(std::string_view key, double value) {
    for (auto& kv : items_)
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    items_.emplace_back(key, value);
  }
  const double* find(std::string_view key) const {
    for (auto& kv : items_)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<std::string_view, double>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string_view, double>> items_;
};

}  // namespace rlforge
