// Quantizer: a hash table of the rectangle's colours, then exact palette or greedy median cut,
// then nearest-colour mapping (render/video_palette.hpp says why each).
#include "render/video_palette.hpp"

#include <algorithm>
#include <bit>

namespace rlforge::render {

namespace {

struct Stats {
  double n = 0, sum[3] = {0, 0, 0}, sumsq[3] = {0, 0, 0};

  void add(std::uint32_t key, std::uint32_t count) {
    n += count;
    for (int c = 0; c < 3; ++c) {
      const double v = channel(key, c);
      sum[c] += v * count;
      sumsq[c] += v * v * count;
    }
  }
  double error(int c) const { return n > 0 ? sumsq[c] - sum[c] * sum[c] / n : 0.0; }
  double error() const { return error(0) + error(1) + error(2); }
  Stats minus(const Stats& o) const {
    Stats r;
    r.n = n - o.n;
    for (int c = 0; c < 3; ++c) r.sum[c] = sum[c] - o.sum[c], r.sumsq[c] = sumsq[c] - o.sumsq[c];
    return r;
  }
  static int channel(std::uint32_t key, int c) { return (key >> (16 - 8 * c)) & 0xFF; }
};

std::uint32_t key_at(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}

}  // namespace

std::uint32_t& Quantizer::slot(std::uint32_t key) {
  const std::size_t mask = keys_.size() - 1;
  // Fibonacci hashing: the top bits of the product, so neighbouring colours spread out.
  std::size_t i = static_cast<std::size_t>((std::uint64_t{key} * 0x9E3779B97F4A7C15ull) >> 32) & mask;
  while (keys_[i] != 0 && keys_[i] != key + 1) i = (i + 1) & mask;
  if (keys_[i] == 0) {
    keys_[i] = key + 1;
    values_[i] = 0;
    used_.push_back(static_cast<std::uint32_t>(i));
  }
  return values_[i];
}

void Quantizer::count_colours(const std::uint8_t* frame, int stride, int x, int y, int w, int h) {
  // At most half full, so probes stay short (there are at most 2^24 colours); grown only, so a
  // steady stream allocates nothing.
  const std::size_t most = std::min<std::size_t>(std::size_t(w) * h, std::size_t{1} << 24);
  const std::size_t want = std::bit_ceil(std::max<std::size_t>(1024, 2 * most));
  if (keys_.size() < want) {
    keys_.assign(want, 0);
    values_.assign(want, 0);
  }
  colours_.clear();
  for (int r = 0; r < h; ++r) {
    const std::uint8_t* p = frame + std::size_t(y + r) * stride + std::size_t(x) * 3;
    // Flat fills come in runs of one colour: one table look-up per run.
    std::uint32_t run_key = key_at(p), run = 0;
    for (int c = 0; c < w; ++c, p += 3) {
      const std::uint32_t k = key_at(p);
      if (k != run_key) {
        slot(run_key) += run;
        run_key = k, run = 0;
      }
      ++run;
    }
    slot(run_key) += run;
  }
  for (const std::uint32_t i : used_) colours_.push_back({keys_[i] - 1, values_[i]});
  std::sort(colours_.begin(), colours_.end(), [](const Colour& a, const Colour& b) { return a.key < b.key; });
}

void Quantizer::median_cut() {
  auto stats = [&](std::size_t b, std::size_t e) {
    Stats s;
    for (std::size_t i = b; i < e; ++i) s.add(colours_[i].key, colours_[i].count);
    return s;
  };
  boxes_.assign(1, Box{0, colours_.size(), stats(0, colours_.size()).error()});
  while (boxes_.size() < 256) {
    std::size_t worst = 0;
    for (std::size_t i = 1; i < boxes_.size(); ++i)
      if (boxes_[i].error > boxes_[worst].error) worst = i;
    const Box box = boxes_[worst];
    if (box.end - box.begin < 2 || box.error <= 0) break;  // every box a single colour
    const Stats all = stats(box.begin, box.end);
    int axis = 0;
    for (int c = 1; c < 3; ++c)
      if (all.error(c) > all.error(axis)) axis = c;
    // Ties on the axis fall back to the whole key: a total order, so the cut is deterministic.
    std::sort(colours_.begin() + box.begin, colours_.begin() + box.end,
              [axis](const Colour& a, const Colour& b) {
                const int va = Stats::channel(a.key, axis), vb = Stats::channel(b.key, axis);
                return va != vb ? va < vb : a.key < b.key;
              });
    Stats left;
    std::size_t cut = box.begin + 1;
    double best = -1;
    for (std::size_t i = box.begin; i + 1 < box.end; ++i) {
      left.add(colours_[i].key, colours_[i].count);
      const double e = left.error() + all.minus(left).error();
      if (best < 0 || e < best) best = e, cut = i + 1;
    }
    boxes_[worst] = Box{box.begin, cut, stats(box.begin, cut).error()};
    boxes_.push_back(Box{cut, box.end, stats(cut, box.end).error()});
  }
  palette_.size = static_cast<int>(boxes_.size());
  for (std::size_t b = 0; b < boxes_.size(); ++b) {
    const Stats s = stats(boxes_[b].begin, boxes_[b].end);
    const Colour* top = &colours_[boxes_[b].begin];
    for (std::size_t i = boxes_[b].begin; i < boxes_[b].end; ++i)
      if (colours_[i].count > top->count) top = &colours_[i];
    for (int c = 0; c < 3; ++c)
      palette_.rgb[b][c] = 2.0 * top->count >= s.n
                               ? static_cast<std::uint8_t>(Stats::channel(top->key, c))
                               : static_cast<std::uint8_t>(s.sum[c] / s.n + 0.5);
  }
}

const Palette& Quantizer::quantize(const std::uint8_t* frame, int stride, int x, int y, int w,
                                   int h, std::uint8_t* indices) {
  count_colours(frame, stride, x, y, w, h);
  if (colours_.size() <= 256) {
    palette_.size = static_cast<int>(colours_.size());
    for (std::size_t i = 0; i < colours_.size(); ++i) {
      for (int c = 0; c < 3; ++c) palette_.rgb[i][c] = Stats::channel(colours_[i].key, c);
      slot(colours_[i].key) = static_cast<std::uint32_t>(i);
    }
  } else {
    median_cut();
    for (const Colour& col : colours_) {
      int best = 0, best_d = 1 << 30;
      for (int i = 0; i < palette_.size; ++i) {
        int d = 0;
        for (int c = 0; c < 3; ++c) {
          const int diff = Stats::channel(col.key, c) - palette_.rgb[i][c];
          d += diff * diff;
        }
        if (d < best_d) best_d = d, best = i;
      }
      slot(col.key) = static_cast<std::uint32_t>(best);
    }
  }
  for (int r = 0; r < h; ++r) {
    const std::uint8_t* p = frame + std::size_t(y + r) * stride + std::size_t(x) * 3;
    std::uint32_t last_key = key_at(p) + 1, last_index = 0;  // +1: no match on the first pixel
    for (int c = 0; c < w; ++c, p += 3) {
      const std::uint32_t k = key_at(p);
      if (k != last_key) last_key = k, last_index = slot(k);
      *indices++ = static_cast<std::uint8_t>(last_index);
    }
  }
  for (const std::uint32_t i : used_) keys_[i] = 0;
  used_.clear();
  return palette_;
}

}  // namespace rlforge::render
