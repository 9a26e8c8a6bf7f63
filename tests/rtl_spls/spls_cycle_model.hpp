// Cycle model of esact_spls (docs/spls-rtl.md, "Cycle model"): the cycles from the
// cycle that raises start_i to the cycle in which done_o is high, for one layer
// with every input stream always valid and every output always ready.  The
// tests and esact-spls-bench check the measured count against it, exactly.
#pragma once
#include <cstdint>

#include "esact/params.hpp"

struct SplsShape {
  int rows, cols, ch;   ///< the array: ROWS x COLS dot units of CH products
  int n_max, dh_max;    ///< build maxima (they set the top-k key width)
  int w_max;            ///< similarity window maximum (W_MAX + 1 slots counted in turn)
  /// Top-k: score beats (rows each) per memory read, key bits per radix pass.
  int topk_beats = static_cast<int>(esact::params::SPLS_TOPK_BEATS);
  int topk_radix = static_cast<int>(esact::params::SPLS_TOPK_RADIX);
};

/// The esact_pkg shape (what esact-spls-bench simulates).
SplsShape spls_pkg_shape();

uint64_t spls_cycle_model(const SplsShape& s, int n, int d, int heads);
