// learning_curve_svg/png: parse the metrics CSV, pick axis ranges with round tick steps, emit SVG or draw a PNG.
#include "agents/learning_curve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "render/png.hpp"
#include "render/raster.hpp"

namespace rlforge::agents {
namespace {

struct Series {
  std::vector<double> train_x, train_y, eval_x, eval_y, eval_s;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// A finite number, or nothing for an empty or non-numeric cell.
std::optional<double> number(const std::vector<std::string>& row, std::size_t col) {
  if (col >= row.size() || row[col].empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(row[col].c_str(), &end);
  if (end == row[col].c_str() || !std::isfinite(v)) return std::nullopt;
  return v;
}

Series parse(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  if (!std::getline(in, line)) throw ConfigError("learning curve: metrics.csv is empty (no header)");
  const std::vector<std::string> header = split(line);
  auto column = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw ConfigError(std::string("learning curve: metrics.csv has no '") + name + "' column");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_step = column("step"), c_train = column("train_return"), c_eval = column("eval_return"),
                    c_std = column("eval_std");
  Series s;
  while (std::getline(in, line)) {
    const std::vector<std::string> row = split(line);
    const auto step = number(row, c_step);
    if (!step) continue;
    if (const auto t = number(row, c_train)) s.train_x.push_back(*step), s.train_y.push_back(*t);
    if (const auto e = number(row, c_eval)) {
      s.eval_x.push_back(*step);
      s.eval_y.push_back(*e);
      s.eval_s.push_back(number(row, c_std).value_or(0.0));
    }
  }
  return s;
}

// A round tick step (1, 2 or 5 times a power of ten) giving about `n` ticks over [lo, hi].
double tick_step(double lo, double hi, int n) {
  const double raw = (hi - lo) / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10.0 * p;
}

std::string num(double v) {
  char buf[32];
  if (std::abs(v) >= 1e6) std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
  else if (std::abs(v) >= 1000) std::snprintf(buf, sizeof buf, "%gk", v / 1000.0);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// Size, margins, ranges and ticks of the plot: shared by the SVG and the PNG.
struct Plot {
  static constexpr double W = 720, H = 440, L = 70, R = 20, T = 64, B = 50;  // legend above the plot
  Series s;
  std::optional<double> target;
  double x1 = 1, y0 = 0, y1 = 1, xs = 1, ys = 1;
  double px(double x) const { return L + (W - L - R) * x / x1; }
  double py(double y) const { return H - B - (H - T - B) * (y - y0) / (y1 - y0); }
};

Plot layout(const std::string& metrics_csv, std::optional<double> target) {
  Plot p;
  p.s = parse(metrics_csv);
  p.target = target;
  const Series& s = p.s;
  // Ranges over everything drawn (eval bars and the target included), padded a little.
  double x1 = 1, y0 = std::numeric_limits<double>::infinity(), y1 = -y0;
  for (double x : s.train_x) x1 = std::max(x1, x);
  for (double x : s.eval_x) x1 = std::max(x1, x);
  for (double y : s.train_y) y0 = std::min(y0, y), y1 = std::max(y1, y);
  for (std::size_t i = 0; i < s.eval_y.size(); ++i) {
    y0 = std::min(y0, s.eval_y[i] - s.eval_s[i]);
    y1 = std::max(y1, s.eval_y[i] + s.eval_s[i]);
  }
  if (target) y0 = std::min(y0, *target), y1 = std::max(y1, *target);
  if (!(y0 <= y1)) y0 = 0, y1 = 1;  // nothing recorded yet
  if (y1 - y0 < 1e-9) y0 -= 1, y1 += 1;
  p.ys = tick_step(y0, y1, 5);
  p.xs = tick_step(0, x1, 6);
  p.y0 = std::floor(y0 / p.ys) * p.ys;
  p.y1 = std::ceil(y1 / p.ys) * p.ys;
  p.x1 = std::ceil(x1 / p.xs) * p.xs;
  return p;
}

}  // namespace

std::string learning_curve_svg(const std::string& metrics_csv, const std::string& title,
                               std::optional<double> target) {
  const Plot p = layout(metrics_csv, target);
  const Series& s = p.s;
  constexpr double W = Plot::W, H = Plot::H, L = Plot::L, R = Plot::R, T = Plot::T, B = Plot::B;
  const double x1 = p.x1, y0 = p.y0, y1 = p.y1, xs = p.xs, ys = p.ys;
  auto px = [&](double x) { return p.px(x); };
  auto py = [&](double y) { return p.py(y); };
  auto f = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return std::string(buf);
  };

  std::string o;
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + f(W) + "\" height=\"" + f(H) + "\" viewBox=\"0 0 " +
       f(W) + " " + f(H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + f(W / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) + "</text>\n";
  // Grid and tick labels.
  for (double y = y0; y <= y1 + ys / 2; y += ys) {
    o += "<line x1=\"" + f(L) + "\" y1=\"" + f(py(y)) + "\" x2=\"" + f(W - R) + "\" y2=\"" + f(py(y)) +
         "\" stroke=\"#e0e0e0\"/>\n";
    o += "<text x=\"" + f(L - 6) + "\" y=\"" + f(py(y) + 4) + "\" text-anchor=\"end\">" + num(y) + "</text>\n";
  }
  for (double x = 0; x <= x1 + xs / 2; x += xs) {
    o += "<text x=\"" + f(px(x)) + "\" y=\"" + f(H - B + 16) + "\" text-anchor=\"middle\">" + num(x) + "</text>\n";
  }
  o += "<rect x=\"" + f(L) + "\" y=\"" + f(T) + "\" width=\"" + f(W - L - R) + "\" height=\"" + f(H - T - B) +
       "\" fill=\"none\" stroke=\"#808080\"/>\n";
  o += "<text x=\"" + f(L + (W - L - R) / 2) + "\" y=\"" + f(H - 12) + "\" text-anchor=\"middle\">env steps</text>\n";
  o += "<text transform=\"rotate(-90)\" x=\"" + f(-(T + (H - T - B) / 2)) + "\" y=\"16\" text-anchor=\"middle\">return</text>\n";
  if (target) {
    o += "<line class=\"target\" x1=\"" + f(L) + "\" y1=\"" + f(py(*target)) + "\" x2=\"" + f(W - R) + "\" y2=\"" +
         f(py(*target)) + "\" stroke=\"#2ca02c\" stroke-dasharray=\"6 4\"/>\n";
  }
  if (!s.train_x.empty()) {
    o += "<polyline class=\"train\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"";
    for (std::size_t i = 0; i < s.train_x.size(); ++i) o += (i ? " " : "") + f(px(s.train_x[i])) + "," + f(py(s.train_y[i]));
    o += "\"/>\n";
  }
  for (std::size_t i = 0; i < s.eval_x.size(); ++i) {
    const double x = px(s.eval_x[i]);
    o += "<line x1=\"" + f(x) + "\" y1=\"" + f(py(s.eval_y[i] - s.eval_s[i])) + "\" x2=\"" + f(x) + "\" y2=\"" +
         f(py(s.eval_y[i] + s.eval_s[i])) + "\" stroke=\"#ff7f0e\"/>\n";
    o += "<circle class=\"eval\" cx=\"" + f(x) + "\" cy=\"" + f(py(s.eval_y[i])) + "\" r=\"3.5\" fill=\"#ff7f0e\"/>\n";
  }
  // Legend: one row between the title and the plot, so it never covers the data.
  const double ly = 46;
  double lx = L;
  o += "<line x1=\"" + f(lx) + "\" y1=\"" + f(ly) + "\" x2=\"" + f(lx + 20) + "\" y2=\"" + f(ly) +
       "\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/><text x=\"" + f(lx + 26) + "\" y=\"" + f(ly + 4) +
       "\">training return (recent episodes)</text>\n";
  lx += 230;
  o += "<circle cx=\"" + f(lx + 10) + "\" cy=\"" + f(ly) + "\" r=\"3.5\" fill=\"#ff7f0e\"/><text x=\"" + f(lx + 26) +
       "\" y=\"" + f(ly + 4) + "\">evaluation (mean, +-1 std)</text>\n";
  lx += 200;
  if (target) {
    o += "<line x1=\"" + f(lx) + "\" y1=\"" + f(ly) + "\" x2=\"" + f(lx + 20) + "\" y2=\"" + f(ly) +
         "\" stroke=\"#2ca02c\" stroke-dasharray=\"6 4\"/><text x=\"" + f(lx + 26) + "\" y=\"" + f(ly + 4) +
         "\">target " + num(*target) + "</text>\n";
  }
  o += "</svg>\n";
  return o;
}

// The same plot as pixels: drawn as a Frame on a 720x440 canvas (y down, as the SVG) and
// rasterized, so a run folder has a picture any tool shows, not only browsers.
std::string learning_curve_png(const std::string& metrics_csv, const std::string& title,
                               std::optional<double> target) {
  const Plot p = layout(metrics_csv, target);
  const Series& s = p.s;
  constexpr double W = Plot::W, H = Plot::H, L = Plot::L, R = Plot::R, T = Plot::T, B = Plot::B;
  auto v = [](double x, double y) { return Vec2{static_cast<float>(x), static_cast<float>(y)}; };
  const Color grid{224, 224, 224}, frame_c{128, 128, 128}, ink{0, 0, 0}, blue{31, 119, 180},
      orange{255, 127, 14}, green{44, 160, 44};
  Frame f;
  f.begin(static_cast<int>(W), static_cast<int>(H), Color{255, 255, 255});
  f.text(v(W / 2, 10), title, ink, 15, TextAlign::Center);
  for (double y = p.y0; y <= p.y1 + p.ys / 2; y += p.ys) {
    f.line(v(L, p.py(y)), v(W - R, p.py(y)), grid);
    f.text(v(L - 6, p.py(y) - 6), num(y), ink, 12, TextAlign::Right);
  }
  for (double x = 0; x <= p.x1 + p.xs / 2; x += p.xs) f.text(v(p.px(x), H - B + 6), num(x), ink, 12, TextAlign::Center);
  f.stroke_polygon({v(L, T), v(W - R, T), v(W - R, H - B), v(L, H - B)}, frame_c);
  f.text(v(L + (W - L - R) / 2, H - 22), "env steps", ink, 12, TextAlign::Center);
  f.text(v(4, T + (H - T - B) / 2 - 6), "return", ink, 12);
  auto dashed = [&](double ya, double xa, double xb, Color c) {
    for (double x = xa; x < xb; x += 10) f.line(v(x, ya), v(std::min(x + 6, xb), ya), c, 1.0f);
  };
  if (target) dashed(p.py(*target), L, W - R, green);
  if (!s.train_x.empty()) {
    std::vector<Vec2> pts;
    for (std::size_t i = 0; i < s.train_x.size(); ++i) pts.push_back(v(p.px(s.train_x[i]), p.py(s.train_y[i])));
    f.polyline(pts, blue, 1.5f);
  }
  for (std::size_t i = 0; i < s.eval_x.size(); ++i) {
    const double x = p.px(s.eval_x[i]);
    f.line(v(x, p.py(s.eval_y[i] - s.eval_s[i])), v(x, p.py(s.eval_y[i] + s.eval_s[i])), orange);
    f.fill_circle(v(x, p.py(s.eval_y[i])), 3.5, orange);
  }
  const double ly = 46;
  f.line(v(L, ly), v(L + 20, ly), blue, 1.5f);
  f.text(v(L + 26, ly - 6), "training return (recent episodes)", ink, 12);
  // The built-in font is wider than the SVG's: entries placed by its text widths.
  f.fill_circle(v(L + 255, ly), 3.5, orange);
  f.text(v(L + 271, ly - 6), "evaluation (mean, +-1 std)", ink, 12);
  if (target) {
    dashed(ly, L + 455, L + 475, green);
    f.text(v(L + 481, ly - 6), "target " + num(*target), ink, 12);
  }
  const std::vector<std::uint8_t> rgb = render::rasterize(f);
  return render::encode_png(rgb.data(), f.width(), f.height());
}

}  // namespace rlforge::agents
