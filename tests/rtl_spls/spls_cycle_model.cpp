// Cycle model of esact_spls; see spls_cycle_model.hpp and docs/spls-rtl.md.
#include "spls_cycle_model.hpp"

#include <algorithm>
#include <vector>

#include "esact/params.hpp"

namespace {
int ceil_div(int a, int b) { return (a + b - 1) / b; }
int clog2(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}
}  // namespace

SplsShape spls_pkg_shape() {
  namespace p = esact::params;
  return {static_cast<int>(p::SPLS_ROWS), static_cast<int>(p::SPLS_COLS), static_cast<int>(p::SPLS_CH),
          static_cast<int>(p::N_MAX), static_cast<int>(p::DH_MAX), static_cast<int>(p::W_MAX)};
}

uint64_t spls_cycle_model(const SplsShape& s, int n, int d, int heads) {
  const int64_t dh = d / heads;
  const int64_t tb = ceil_div(n, s.rows);                // token (key) blocks
  const int64_t qd = ceil_div(d, s.ch);                  // channel chunks of D
  const int64_t gph = ceil_div(static_cast<int>(dh), s.cols);          // column groups per head
  const int64_t sqh = ceil_div(static_cast<int>(dh), s.cols * s.ch);   // PAM chunks per head
  const int64_t steps = ceil_div(18 + clog2(s.dh_max) + clog2(s.n_max), 2);  // top-k select steps
  // Configuration checks (esact_spls, H + 1 cycles) and the unit's own set-up (H + 1).
  const int64_t x0 = 3 + 2 * int64_t{heads};
  // Tokens: one beat of CH channels per cycle.
  const int64_t p0 = x0 + n * qd;
  // Weight groups (Wk then Wq): group g fills its bank (D beats) once the
  // previous group is in and the bank's group g-2 has been issued; it is issued
  // (TB x QD cycles) once filled and the lanes are free.  A head's last group is
  // followed by its conversion: K 2 TB GPH + 6 cycles, Q 2 TB GPH + 2 TB + 4.
  const int64_t groups = heads * gph;
  std::vector<int64_t> fill_end(2 * groups), issue_end(2 * groups);
  int64_t ready = p0;  // the lanes are free from this cycle
  for (int64_t g = 0; g < 2 * groups; ++g) {
    int64_t start = g == 0 ? x0 : fill_end[g - 1];
    if (g >= 2) start = std::max(start, issue_end[g - 2] + 1);
    fill_end[g] = start + d;  // first cycle with the bank full
    const int64_t issue = std::max(fill_end[g], ready);
    issue_end[g] = issue + tb * qd - 1;
    ready = issue_end[g] + 1;
    if ((g + 1) % gph == 0) ready += (g < groups) ? 2 * tb * gph + 6 : 2 * tb * gph + 2 * tb + 4;
  }
  // PAM and top-k: the first score beat is taken SQH + 1 cycles after the PAM
  // starts; each (row, head) takes TB beats, SQH cycles apart, then the
  // select blocks the input for STEPS + 1 cycles.
  const int64_t first = ready + sqh + 1;
  const int64_t pairs = int64_t{n} * heads;
  const int64_t last_beat = first + (pairs - 1) * ((tb - 1) * sqh + steps + 2) + (tb - 1) * sqh;
  // The last mask leaves STEPS + 2 cycles later; the similarity unit counts its
  // overlap with the W_MAX + 1 window slots one per cycle, so the decision
  // follows W_MAX + 2 cycles after the mask, done_o 1 more.  (Earlier masks
  // never wait for it: they come STEPS + 2 > W_MAX + 2 cycles apart.)
  return static_cast<uint64_t>(last_beat + steps + 5 + s.w_max);
}
