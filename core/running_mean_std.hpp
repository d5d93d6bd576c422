// RunningMeanStd: per-element running mean and variance (parallel-moments update), in float64.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rlforge {

// Chan et al.'s parallel update, as gymnasium's RunningMeanStd: starts at mean 0, var 1 and
// a count of 1e-4, so the first batch dominates without dividing by zero.
class RunningMeanStd {
 public:
  explicit RunningMeanStd(std::size_t size = 1, double initial_count = 1e-4)
      : mean_(size, 0.0), var_(size, 1.0), count_(initial_count) {}

  std::size_t size() const { return mean_.size(); }
  // Folds in `rows` samples of size() values each, laid out row after row.
  void update(std::span<const double> batch, std::size_t rows);
  // Folds in one sample.
  void update_one(std::span<const double> x) { update(x, 1); }

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& var() const { return var_; }
  double count() const { return count_; }
  void set(std::vector<double> mean, std::vector<double> var, double count);

  template <class Archive>
  void serialize(Archive& ar) {
    ar(mean_, var_, count_);
  }

 private:
  std::vector<double> mean_, var_;
  double count_;
  std::vector<double> batch_mean_, batch_var_;  // scratch, sized once
};

}  // namespace rlforge
