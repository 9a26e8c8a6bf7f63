// Stream contents of the SPLS front end (docs/spls-rtl.md): the token beats and
// the weight beats in the order esact_pred consumes them.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace spls_tb {

/// The bytes of one beat (byte 0 in bits 7..0).
using Beat = std::vector<uint8_t>;

/// Token beats: for token j, channel chunk q: CH bytes x[j][q*CH + p]; bytes past
/// D carry random junk (the RTL must ignore them).
inline std::vector<Beat> token_stream(const std::vector<int8_t>& x, int n, int d, int ch, std::mt19937_64& rng) {
  std::vector<Beat> s;
  const int qd = (d + ch - 1) / ch;
  for (int j = 0; j < n; ++j)
    for (int q = 0; q < qd; ++q) {
      Beat b(ch);
      for (int p = 0; p < ch; ++p) {
        const int c = q * ch + p;
        b[p] = c < d ? static_cast<uint8_t>(x[static_cast<size_t>(j) * d + c]) : static_cast<uint8_t>(rng());
      }
      s.push_back(std::move(b));
    }
  return s;
}

/// Beats of one int8 weight matrix w [d][d] (input-major): for head h, column group
/// g, channel k: COLS bytes w[k][h*dh + g*COLS + c].  Columns past the head carry
/// junk (the RTL must ignore them).
inline void append_weight_pass(std::vector<Beat>& out, const std::vector<int8_t>& w, int d, int heads, int cols,
                               std::mt19937_64& rng) {
  const int dh = d / heads, gph = (dh + cols - 1) / cols;
  for (int h = 0; h < heads; ++h)
    for (int g = 0; g < gph; ++g)
      for (int k = 0; k < d; ++k) {
        Beat b(cols);
        for (int c = 0; c < cols; ++c) {
          const int cc = g * cols + c;
          b[c] = cc < dh ? static_cast<uint8_t>(w[static_cast<size_t>(k) * d + h * dh + cc])
                         : static_cast<uint8_t>(rng());
        }
        out.push_back(std::move(b));
      }
}

/// The whole w stream of a run: Wk once, then Wq once.
inline std::vector<Beat> weight_stream(const std::vector<int8_t>& wq, const std::vector<int8_t>& wk, int d,
                                       int heads, int cols, std::mt19937_64& rng) {
  std::vector<Beat> s;
  append_weight_pass(s, wk, d, heads, cols, rng);
  append_weight_pass(s, wq, d, heads, cols, rng);
  return s;
}

/// Random int8 data: 0 uniform, 1 small magnitudes, 2 mostly zero, 3 extremes only.
inline std::vector<int8_t> random_int8(std::mt19937_64& rng, size_t count, int mode) {
  std::vector<int8_t> v(count);
  for (auto& x : v) {
    switch (mode) {
      case 0: x = static_cast<int8_t>(rng()); break;
      case 1: x = static_cast<int8_t>(static_cast<int>(rng() % 7) - 3); break;
      case 2: x = (rng() % 4 == 0) ? static_cast<int8_t>(rng()) : 0; break;
      default: x = (rng() & 1) ? int8_t{-128} : int8_t{127}; break;
    }
  }
  return v;
}

/// Token rows with a given local similarity: each row copies its predecessor with
/// probability `sim` (then perturbs a few entries), else is fresh random data.
inline std::vector<int8_t> similar_rows(std::mt19937_64& rng, int n, int d, double sim, int mode) {
  auto x = random_int8(rng, static_cast<size_t>(n) * d, mode);
  for (int i = 1; i < n; ++i) {
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= sim) continue;
    for (int c = 0; c < d; ++c) x[static_cast<size_t>(i) * d + c] = x[static_cast<size_t>(i - 1) * d + c];
    const int moves = static_cast<int>(rng() % 3);
    for (int t = 0; t < moves; ++t) x[static_cast<size_t>(i) * d + rng() % d] = static_cast<int8_t>(rng());
  }
  return x;
}

}  // namespace spls_tb
