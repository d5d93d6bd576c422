// The run folder's learning-curve plot: learning_curve.svg (and .png) drawn from metrics.csv (training
// return per update as a line, evaluations as points with +-1 std bars, the target as a dashed
// line). SVG, written by hand: a run folder stays self-contained and the build needs no
// plotting library; any browser or image viewer opens it.
#pragma once
#include <optional>
#include <string>

namespace rlforge::agents {

// metrics_csv: the trainer's metrics.csv (header with step, train_return, eval_return and
// eval_std columns; empty cells skipped). Throws ConfigError naming the missing column.
std::string learning_curve_svg(const std::string& metrics_csv, const std::string& title,
                               std::optional<double> target);
// The same plot as PNG bytes (720x440, drawn by render/'s rasterizer): learning_curve.png.
std::string learning_curve_png(const std::string& metrics_csv, const std::string& title,
                               std::optional<double> target);

}  // namespace rlforge::agents
