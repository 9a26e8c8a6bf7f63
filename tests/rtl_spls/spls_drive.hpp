// One run of esact_spls (the whole SPLS front end) against the golden model:
// drive its x and w streams, take its m and l streams with random stalls, and
// FAIL on the first mask bit or leader decision that differs from the golden
// one (naming where, row, head, column and cycle).  Shared by test_spls.cpp
// (random configurations, small build) and test_spls_real.cpp (the trained
// models, package array); both models have esact_spls's ports.
#pragma once
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "spls_stream.hpp"
#include "tb_common.hpp"

namespace spls_tb {

/// The front end's configuration inputs (cfg_*_i).
struct Knobs {
  int n, heads, dh, k, window, threshold;
};

/// Willingness of the testbench side of each stream (x, w: valid; m, l: ready).
struct Stalls {
  Stall x, w, m, l;
};

/// What a run should produce: masks [H][N][N] and leader [N] (-1 = leader) of
/// the golden model; `pam` [H][N][N] (optional) is printed beside a mask mismatch.
struct Expected {
  std::span<const uint8_t> masks;
  std::span<const int32_t> leader;
  std::span<const int64_t> pam = {};
};

/// What a run did: cycles from start to done_o, the cycles of the first and
/// last leader decision, and how much was compared.
struct RunStats {
  uint64_t cycles = 0, first_row_cycle = 0, last_row_cycle = 0;
  uint64_t masks = 0, mask_bits = 0, decisions = 0, followers = 0;
};

/// Apply the knobs and pulse start_i for one cycle, all streams idle.
template <typename M>
void start(M& m, const Knobs& c) {
  m.cfg_n_i = static_cast<uint32_t>(c.n);
  m.cfg_heads_i = static_cast<uint32_t>(c.heads);
  m.cfg_dh_i = static_cast<uint32_t>(c.dh);
  m.cfg_k_i = static_cast<uint32_t>(c.k);
  m.cfg_window_i = static_cast<uint32_t>(c.window);
  m.cfg_thresh_i = static_cast<uint32_t>(c.threshold);
  m.x_valid_i = 0;
  m.w_valid_i = 0;
  m.m_ready_i = 0;
  m.l_ready_i = 0;
  m.start_i = 1;
  settle(m);
  posedge(m);
  m.start_i = 0;
}

namespace detail {

/// The mask beat on m_*_o is mask number `mi` (row-major over (row, head)): its
/// tags and every bit of the N_MAX-wide row are checked.
template <typename M>
void check_mask(const M& m, const Knobs& c, const Expected& e, int n_max, size_t mi, uint64_t cycle,
                const std::string& where, RunStats& s) {
  const int n = c.n, i = static_cast<int>(mi / c.heads), h = static_cast<int>(mi % c.heads);
  REQUIRE_MESSAGE(i < n, fmt::format("{}: more masks than rows x heads", where));
  REQUIRE_MESSAGE((static_cast<int>(m.m_row_o) == i && static_cast<int>(m.m_head_o) == h),
                  fmt::format("{}: mask {} tagged row {} head {}, expected row {} head {} (cycle {})", where, mi,
                              m.m_row_o, m.m_head_o, i, h, cycle));
  const size_t row = (static_cast<size_t>(h) * n + i) * n;
  for (int j = 0; j < n_max; ++j) {
    const int g = j < n ? e.masks[row + j] : 0;
    const int r = get_bit(m.m_mask_o, j);
    if (r != g)
      FAIL(fmt::format("first mask mismatch: {} row {} head {} column {}: rtl {} golden {} (PAM {}; cycle {})", where,
                       i, h, j, r, g, j < n && !e.pam.empty() ? e.pam[row + j] : 0, cycle));
  }
  s.mask_bits += static_cast<uint64_t>(n_max);
  ++s.masks;
}

/// The decision on l_*_o is row `li`'s.  The m and l streams are independent: a
/// decision may leave before the m stream has delivered the row's masks.
template <typename M>
void check_decision(const M& m, const Knobs& c, const Expected& e, int li, uint64_t cycle, const std::string& where,
                    RunStats& s) {
  REQUIRE_MESSAGE(li < c.n, fmt::format("{}: more decisions than rows", where));
  REQUIRE_MESSAGE(static_cast<int>(m.l_row_o) == li,
                  fmt::format("{}: decision tagged row {}, expected {} (cycle {})", where, m.l_row_o, li, cycle));
  const int got = m.l_follower_o ? static_cast<int>(m.l_leader_o) : -1;
  if (got != e.leader[li])
    FAIL(fmt::format("first leader mismatch: {} row {}: rtl {} golden {} (-1 = leader; cycle {})", where, li, got,
                     e.leader[li], cycle));
  if (li == 0) s.first_row_cycle = cycle;
  s.last_row_cycle = cycle;
  s.followers += got >= 0;
  ++s.decisions;
}

}  // namespace detail

/// Start the front end with `c`, stream `xb`/`beats` in and compare every mask
/// and decision with `e` until done_o; then require a clean finish (no error,
/// every beat taken, every mask and decision seen, not busy).  A run longer
/// than `max_cycles` FAILs as a hang.
template <typename M>
RunStats run(M& m, std::mt19937_64& rng, const Knobs& c, const std::vector<Beat>& xb, const std::vector<Beat>& beats,
             const Expected& e, const Stalls& st, int n_max, int ch, int cols, uint64_t max_cycles,
             const std::string& where) {
  start(m, c);
  size_t xi = 0, wi = 0, mi = 0;
  int li = 0;
  RunStats s;
  bool done = false;
  uint64_t cycle = 0;
  for (; !done; ++cycle) {
    REQUIRE_MESSAGE(cycle < max_cycles,
                    fmt::format("{}: hang at cycle {}: {} masks, {} decisions out", where, cycle, mi, li));
    m.x_valid_i = xi < xb.size() && st.x(rng);
    put_bytes(m.x_data_i, xi < xb.size() ? xb[xi] : Beat(ch, 0));
    m.w_valid_i = wi < beats.size() && st.w(rng);
    put_bytes(m.w_data_i, wi < beats.size() ? beats[wi] : Beat(cols, 0));
    m.m_ready_i = st.m(rng);
    m.l_ready_i = st.l(rng);
    settle(m);
    if (m.m_valid_o && m.m_ready_i) detail::check_mask(m, c, e, n_max, mi++, cycle, where, s);
    if (m.l_valid_o && m.l_ready_i) detail::check_decision(m, c, e, li++, cycle, where, s);
    if (m.x_valid_i && m.x_ready_o) ++xi;
    if (m.w_valid_i && m.w_ready_o) ++wi;
    if (m.done_o) done = true;
    posedge(m);
  }
  REQUIRE_MESSAGE(m.err_o == 0, fmt::format("{}: err_o = {:#x}", where, m.err_o));
  REQUIRE(li == c.n);
  REQUIRE(mi == static_cast<size_t>(c.n) * c.heads);
  REQUIRE(xi == xb.size());
  REQUIRE(wi == beats.size());
  settle(m);
  REQUIRE(m.busy_o == 0);
  s.cycles = cycle;
  return s;
}

}  // namespace spls_tb
