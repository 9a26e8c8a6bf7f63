// Stream contents of the SPLS front end (docs/spls-rtl.md): token bytes and the
// weight-code beats in the order esact_pred consumes them.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "esact/hlog.hpp"

namespace spls_tb {

/// LANES byte codes of one beat, packed little-endian (lane l in bits 8l+7..8l).
using Beat = std::vector<uint8_t>;

/// Beats of one weight matrix w [d][d] (input-major) for one pass over the heads:
/// for head h, group g, channel d: lanes l -> column h*dh + g*lanes + l.  Idle
/// lanes of a partial group carry `junk` (the RTL must ignore them).
inline void append_weight_pass(std::vector<Beat>& out, const std::vector<int8_t>& w, int d, int heads, int lanes,
                               std::mt19937_64& rng) {
  const int dh = d / heads, gph = (dh + lanes - 1) / lanes;
  for (int h = 0; h < heads; ++h)
    for (int g = 0; g < gph; ++g)
      for (int k = 0; k < d; ++k) {
        Beat b(lanes);
        for (int l = 0; l < lanes; ++l) {
          const int cc = g * lanes + l;
          b[l] = cc < dh ? esact::hlog_to_byte(esact::hlog_encode(w[static_cast<size_t>(k) * d + h * dh + cc]))
                         : static_cast<uint8_t>(rng());
        }
        out.push_back(std::move(b));
      }
}

/// The whole w stream of a run: Wk once, then Wq once per query row.
inline std::vector<Beat> weight_stream(const std::vector<int8_t>& wq, const std::vector<int8_t>& wk, int n, int d,
                                       int heads, int lanes, std::mt19937_64& rng) {
  std::vector<Beat> s;
  append_weight_pass(s, wk, d, heads, lanes, rng);
  for (int i = 0; i < n; ++i) append_weight_pass(s, wq, d, heads, lanes, rng);
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
