// esact_pred against esact::predict: every PAM score, in stream order (ROWS keys
// per beat), with its row/head tags and count; random sizes, data and stalls on
// all three streams.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "Vpred.h"
#include "esact/spls.hpp"
#include "spls_stream.hpp"
#include "tb_common.hpp"

namespace {
constexpr int kNMax = 16, kDMax = 32, kHMax = 4, kDhMax = 16;  // -G of this build
constexpr int kRows = 2, kCols = 2, kCh = 4;
constexpr unsigned kPamW = 18 + 4;  // 18 + clog2(DH_MAX)

struct Run {
  int n, heads, dh;
  int mode;
};

uint64_t run_pred(Vpred& m, std::mt19937_64& rng, const Run& r, spls_tb::Stall xs, spls_tb::Stall ws,
                  spls_tb::Stall ss, int run_no) {
  const int d = r.heads * r.dh, n = r.n;
  const auto x = spls_tb::random_int8(rng, static_cast<size_t>(n) * d, r.mode);
  const auto wq = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, r.mode == 3 ? 0 : r.mode);
  const auto wk = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, r.mode);
  const auto gold = esact::predict(x, wq, wk, n, d, r.heads);
  const auto xb = spls_tb::token_stream(x, n, d, kCh, rng);
  const auto beats = spls_tb::weight_stream(wq, wk, d, r.heads, kCols, rng);
  INFO(fmt::format("pred run {}: n={} heads={} dh={} data mode {}", run_no, n, r.heads, r.dh, r.mode));

  m.n_i = static_cast<uint32_t>(n);
  m.heads_i = static_cast<uint32_t>(r.heads);
  m.dh_i = static_cast<uint32_t>(r.dh);
  m.start_i = 1;
  m.x_valid_i = 0;
  m.w_valid_i = 0;
  m.s_ready_i = 0;
  spls_tb::settle(m);
  spls_tb::posedge(m);
  m.start_i = 0;
  size_t xi = 0, wi = 0, si = 0;
  const int kbs = (n + kRows - 1) / kRows;
  const size_t total = static_cast<size_t>(n) * r.heads * kbs;  // beats
  bool done = false;
  uint64_t cycle = 0;
  for (; !done; ++cycle) {
    REQUIRE_MESSAGE(cycle < 5'000'000, "hang");
    m.x_valid_i = xi < xb.size() && xs(rng);
    spls_tb::put_bytes(m.x_data_i, xi < xb.size() ? xb[xi] : spls_tb::Beat(kCh, 0));
    m.w_valid_i = wi < beats.size() && ws(rng);
    spls_tb::put_bytes(m.w_data_i, wi < beats.size() ? beats[wi] : spls_tb::Beat(kCols, 0));
    m.s_ready_i = ss(rng);
    spls_tb::settle(m);
    if (m.s_valid_o && m.s_ready_i) {
      REQUIRE_MESSAGE(si < total, "more score beats than n*heads*ceil(n/ROWS)");
      const int i = static_cast<int>(si / (static_cast<size_t>(kbs) * r.heads));
      const int h = static_cast<int>((si / kbs) % r.heads);
      const int kb = static_cast<int>(si % kbs);
      const int count = std::min(kRows, n - kb * kRows);
      REQUIRE_MESSAGE((m.s_row_o == static_cast<uint32_t>(i) && m.s_head_o == static_cast<uint32_t>(h) &&
                       m.s_count_o == static_cast<uint32_t>(count) && m.s_last_o == (kb == kbs - 1)),
                      fmt::format("score beat {} tags row {} head {} count {} last {}, expected {} {} {} {}", si,
                                  m.s_row_o, m.s_head_o, m.s_count_o, m.s_last_o, i, h, count, kb == kbs - 1));
      for (int rr = 0; rr < count; ++rr) {
        const int j = kb * kRows + rr;
        const int64_t rtl = spls_tb::get_field(m.s_scores_o, rr * static_cast<int>(kPamW), kPamW);
        const int64_t g = gold.pam[(static_cast<size_t>(h) * n + i) * n + j];
        if (rtl != g)
          FAIL(fmt::format("first PAM mismatch: row {} head {} key {}: rtl {} golden {} (cycle {}; K shift of the "
                           "head {}, Q shift {})",
                           i, h, j, rtl, g, cycle, gold.k_shift[h],
                           gold.q_shift[static_cast<size_t>(i) * r.heads + h]));
      }
      ++si;
    }
    if (m.x_valid_i && m.x_ready_o) ++xi;
    if (m.w_valid_i && m.w_ready_o) ++wi;
    if (m.done_o) done = true;
    spls_tb::posedge(m);
  }
  CHECK(si == total);
  CHECK(xi == xb.size());
  CHECK(wi == beats.size());
  CHECK(m.busy_o == 0);
  return cycle;
}
}  // namespace

TEST_CASE("rtl pred: PAM scores equal the golden prediction (random sizes, data, stalls)") {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0x94ed);
  Vpred m;
  spls_tb::reset(m);
  std::vector<Run> runs = {
      {1, 1, 1, 0},                   // N = 1, D = 1
      {kNMax, kHMax, 8, 0},           // D = D_MAX
      {kNMax, 2, kDhMax, 3},          // extremes: widest Khat, largest shifts
      {5, 3, 7, 2},                   // partial column groups, channel chunks and key blocks
      {kNMax, 1, kDhMax, 0},          // two channel chunks per head (Dh > COLS*CH)
      {4, 1, 1, 1},
  };
  for (int t = 0; t < 30; ++t) {
    const int heads = 1 + static_cast<int>(rng() % kHMax);
    const int dh = 1 + static_cast<int>(rng() % std::min(kDhMax, kDMax / heads));
    runs.push_back({1 + static_cast<int>(rng() % kNMax), heads, dh, static_cast<int>(rng() % 4)});
  }
  int run_no = 0;
  for (const auto& r : runs) {
    const bool stall = run_no % 2 == 1;
    run_pred(m, rng, r, {stall ? 0.5 : 1.0}, {stall ? 0.6 : 1.0}, {stall ? 0.4 : 1.0}, run_no);
    ++run_no;
  }
}
