// RunningMeanStd update from batch moments.
#include "core/running_mean_std.hpp"

#include <string>

#include "core/error.hpp"

namespace rlforge {

void RunningMeanStd::update(std::span<const double> batch, std::size_t rows) {
  const std::size_t n = mean_.size();
  if (rows == 0) return;
  if (batch.size() != rows * n)
    throw InvalidArgument("RunningMeanStd::update: got " + std::to_string(batch.size()) +
                          " values, expected " + std::to_string(rows) + " rows of " +
                          std::to_string(n));
  batch_mean_.assign(n, 0.0);
  batch_var_.assign(n, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < n; ++j) batch_mean_[j] += batch[r * n + j];
  for (std::size_t j = 0; j < n; ++j) batch_mean_[j] /= static_cast<double>(rows);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < n; ++j) {
      const double d = batch[r * n + j] - batch_mean_[j];
      batch_var_[j] += d * d;
    }
  const double b = static_cast<double>(rows);
  const double total = count_ + b;
  for (std::size_t j = 0; j < n; ++j) {
    batch_var_[j] /= b;
    const double delta = batch_mean_[j] - mean_[j];
    const double m2 = var_[j] * count_ + batch_var_[j] * b + delta * delta * count_ * b / total;
    mean_[j] += delta * b / total;
    var_[j] = m2 / total;
  }
  count_ = total;
}

void RunningMeanStd::set(std::vector<double> mean, std::vector<double> var, double count) {
  if (mean.size() != mean_.size() || var.size() != mean_.size())
    throw InvalidArgument("RunningMeanStd::set: expected " + std::to_string(mean_.size()) +
                          " values, got mean " + std::to_string(mean.size()) + " and var " +
                          std::to_string(var.size()));
  mean_ = std::move(mean);
  var_ = std::move(var);
  count_ = count;
}

}  // namespace rlforge
