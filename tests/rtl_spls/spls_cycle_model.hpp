// Cycle model of esact_spls (docs/spls-rtl.md, "Cycle model"): the cycles from the
// cycle that raises start_i to the cycle in which done_o is high, for one layer
// with every input stream always valid and every output always ready.  The
// tests and esact-spls-bench check the measured count against it, exactly.
#pragma once
#include <cstdint>
#include <span>

#include "esact/params.hpp"

struct SplsShape {
  int rows, cols, ch;   ///< the array: ROWS x COLS dot units of CH products
  int n_max, dh_max;    ///< build maxima (they set the top-k key width)
  int w_max;            ///< similarity window maximum (W_MAX + 1 slots in the unit's ring)
  /// Top-k: score beats (rows each) per memory read, key bits per radix pass.
  int topk_beats = static_cast<int>(esact::params::SPLS_TOPK_BEATS);
  int topk_radix = static_cast<int>(esact::params::SPLS_TOPK_RADIX);
  /// What-if, not the RTL: the top-k search skips the passes that decide
  /// nothing (spls_topk_count), e.g. by starting below the row's
  /// common key prefix.  esact-spls-bench prints the model with it.
  bool topk_skip_trivial = false;
};

/// The esact_pkg shape (what esact-spls-bench simulates).
SplsShape spls_pkg_shape();

/// `window` (W) and `leader` (esact::similarity's table, [n]: -1 for a leader)
/// set the similarity unit's count: per head beat of row i, the leader rows
/// in [i - W, i - 1] (at least one slot) times the mask parts that hold keys.
/// `pam` ([heads][n][n], esact::predict's) and k (the k used: min(k, n)) set
/// each (row, head) pair's top-k passes (as spls_topk_count counts them).
uint64_t spls_cycle_model(const SplsShape& s, int n, int d, int heads, int window, std::span<const int32_t> leader,
                          std::span<const int64_t> pam, int k);

/// The top-k unit's radix passes over every (row, head) pair of a layer (`pam`
/// and k as for spls_cycle_model; per row: the passes before the emitting
/// one, which stop after the first pass, of NP = ceil(score_w / radix), whose
/// picked bin holds exactly the keys still to choose), and those that decide nothing: every key
/// still agreeing with T falls into one bin, so the pass picks it with need
/// unchanged.  Skipping them (e.g. from a common prefix of the row's keys
/// found while the row is stored) is the most a smarter search start could
/// save; not built.  trivial_reads: their memory reads (ceil(n / RD) each).
struct SplsTopkCount {
  uint64_t pairs = 0, passes = 0, trivial = 0, trivial_reads = 0;
  SplsTopkCount& operator+=(const SplsTopkCount& o) {
    pairs += o.pairs;
    passes += o.passes;
    trivial += o.trivial;
    trivial_reads += o.trivial_reads;
    return *this;
  }
};
SplsTopkCount spls_topk_count(const SplsShape& s, int n, int heads, std::span<const int64_t> pam, int k);
