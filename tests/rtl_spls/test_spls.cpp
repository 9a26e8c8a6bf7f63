// esact_spls (the whole SPLS front end) against the golden model: masks of every
// (row, head) equal esact::topk_masks(esact::predict(...).pam) and every leader
// decision equals esact::similarity.  Random sizes within the test build, token
// rows with low/medium/high local similarity, random k/W/T with the edge cases,
// random stalls on all four streams, and every configuration error.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include "Vspls.h"
#include "esact/spls.hpp"
#include "spls_cycle_model.hpp"
#include "spls_drive.hpp"

namespace {
// -G of this test build (tests/rtl_spls/CMakeLists.txt)
constexpr int kNMax = 16, kDMax = 32, kHMax = 4, kDhMax = 16, kWMax = 4;
constexpr int kRows = 4, kCols = 2, kCh = 4;

struct Cfg {
  int n, heads, dh, k, window, threshold;
  double sim;   // chance that a token row copies its predecessor
  int mode;     // data distribution (spls_stream.hpp)
  const char* kind;
};

using spls_tb::Stalls;

spls_tb::Knobs knobs(const Cfg& c) { return {c.n, c.heads, c.dh, c.k, c.window, c.threshold}; }

spls_tb::RunStats run(Vspls& m, std::mt19937_64& rng, const Cfg& c, const Stalls& st, int run_no,
                      const std::vector<int8_t>* x_in = nullptr, std::vector<int32_t>* leader_out = nullptr,
                      std::vector<int64_t>* pam_out = nullptr) {
  const int d = c.heads * c.dh, n = c.n;
  const auto x = x_in ? *x_in : spls_tb::similar_rows(rng, n, d, c.sim, c.mode);
  const auto wq = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, c.mode);
  const auto wk = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, c.mode);
  const auto pred = esact::predict(x, wq, wk, n, d, c.heads);
  const auto masks = esact::topk_masks(pred.pam, n, c.heads, c.k);
  const auto leader = esact::similarity(masks, n, c.heads, c.window, c.threshold);
  if (leader_out) *leader_out = leader;
  if (pam_out) *pam_out = pred.pam;
  const auto xb = spls_tb::token_stream(x, n, d, kCh, rng);
  const auto beats = spls_tb::weight_stream(wq, wk, d, c.heads, kCols, rng);
  const std::string where = fmt::format("spls run {} ({}): n={} heads={} dh={} k={} W={} T={} data mode {}", run_no,
                                        c.kind, n, c.heads, c.dh, c.k, c.window, c.threshold, c.mode);
  return spls_tb::run(m, rng, knobs(c), xb, beats, {masks, leader, pred.pam}, st, kNMax, kCh, kCols, 5'000'000,
                      where);
}

Cfg random_cfg(std::mt19937_64& rng, int t) {
  static const double sims[3] = {0.0, 0.6, 0.95};
  static const char* kinds[3] = {"low similarity", "medium similarity", "high similarity"};
  Cfg c{};
  c.heads = 1 + static_cast<int>(rng() % kHMax);
  c.dh = 1 + static_cast<int>(rng() % std::min(kDhMax, kDMax / c.heads));
  c.n = 1 + static_cast<int>(rng() % kNMax);
  c.k = 1 + static_cast<int>(rng() % c.n);
  c.window = static_cast<int>(rng() % (kWMax + 1));
  const int hk = c.heads * c.k;
  c.threshold = (t % 4 == 0) ? hk + 1 : static_cast<int>(rng() % (hk + 1));
  c.sim = sims[t % 3];
  c.kind = kinds[t % 3];
  c.mode = static_cast<int>(rng() % 3);
  return c;
}
}  // namespace

TEST_CASE("rtl spls: masks and leader table equal the golden model (random, with stalls)") {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0x5b15);
  Vspls m;
  spls_tb::reset(m);
  for (int t = 0; t < 36; ++t) {
    const Cfg c = random_cfg(rng, t);
    const bool stall = t % 2 == 1;
    const Stalls st{{stall ? 0.5 : 1.0}, {stall ? 0.7 : 1.0}, {stall ? 0.3 : 1.0}, {stall ? 0.5 : 1.0}};
    run(m, rng, c, st, t);
  }
}

TEST_CASE("rtl spls: edge cases (N = 1, k = 1, k = N, W = 0, T above H*k, all-equal scores, full sizes)") {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0xed6e);
  Vspls m;
  spls_tb::reset(m);
  const Stalls none{{1.0}, {1.0}, {1.0}, {1.0}};
  const Stalls some{{0.6}, {0.6}, {0.4}, {0.4}};
  int no = 100;
  const std::vector<Cfg> cfgs = {
      {1, 1, 1, 1, 0, 0, 0.0, 0, "N = 1"},
      {1, kHMax, kDhMax / 2, 1, kWMax, 0, 0.0, 0, "N = 1, W = W_MAX"},
      {kNMax, 2, 8, 1, 2, 1, 0.95, 0, "k = 1"},
      {kNMax, 2, 8, kNMax, 3, 2 * kNMax, 0.6, 0, "k = N (every key), T = H*k"},
      {kNMax, 4, 8, 5, 0, 0, 0.95, 0, "W = 0 (reuse off)"},
      {kNMax, 3, 5, 4, kWMax, 3 * 4 + 1, 0.95, 0, "T above H*k (reuse off)"},
      {kNMax, 4, 8, 6, kWMax, 0, 0.0, 0, "T = 0 (every row with a leader in reach follows)"},
      {kNMax, kHMax, kDMax / kHMax, 7, kWMax, 10, 0.6, 3, "D = D_MAX, extreme data"},
      {kNMax, 2, kDhMax, 3, 2, 3, 0.6, 1, "Dh = DH_MAX"},
  };
  for (const auto& c : cfgs) {
    run(m, rng, c, none, no++);
    run(m, rng, c, some, no++);
  }
  // All-equal scores: zero tokens make every PAM score 0; ties go to the smaller key.
  for (int k : {1, 5, kNMax}) {
    const Cfg c{kNMax, 2, 6, k, 3, 1, 0.0, 0, "all-equal scores"};
    const std::vector<int8_t> zeros(static_cast<size_t>(c.n) * c.heads * c.dh, 0);
    run(m, rng, c, some, no++, &zeros);
  }
}

TEST_CASE("rtl spls: a bad configuration is reported (err_o bit, done_o) and starts nothing") {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0xbadc);
  Vspls m;
  spls_tb::reset(m);
  struct Bad {
    Cfg c;
    unsigned bit;
  };
  const std::vector<Bad> bad = {
      {{0, 1, 4, 1, 0, 0, 0, 0, "n = 0 (and so k > n)"}, (1u << 0) | (1u << 4)},
      {{kNMax + 1, 1, 4, 1, 0, 0, 0, 0, "n > N_MAX"}, 1u << 0},
      {{4, 0, 4, 1, 0, 0, 0, 0, "heads = 0"}, 1u << 1},
      {{4, kHMax + 1, 4, 1, 0, 0, 0, 0, "heads > H_MAX"}, 1u << 1},
      {{4, 1, 0, 1, 0, 0, 0, 0, "dh = 0"}, 1u << 2},
      {{4, 1, kDhMax + 1, 1, 0, 0, 0, 0, "dh > DH_MAX"}, 1u << 2},
      {{4, kHMax, kDhMax, 1, 0, 0, 0, 0, "heads * dh > D_MAX"}, 1u << 3},
      {{4, 1, 4, 0, 0, 0, 0, 0, "k = 0"}, 1u << 4},
      {{4, 1, 4, 5, 0, 0, 0, 0, "k > n"}, 1u << 4},
      {{4, 1, 4, 2, kWMax + 1, 0, 0, 0, "W > W_MAX"}, 1u << 5},
  };
  static_assert(kHMax * kDhMax > kDMax, "the D_MAX case needs heads * dh > D_MAX");
  for (const auto& b : bad) {
    INFO(std::string(b.c.kind));
    spls_tb::start(m, knobs(b.c));
    m.x_valid_i = 1;  // offered, must not be taken
    m.w_valid_i = 1;
    bool done = false;
    for (int cyc = 0; cyc < 100 && !done; ++cyc) {
      spls_tb::settle(m);
      CHECK(m.x_ready_o == 0);
      CHECK(m.w_ready_o == 0);
      CHECK(m.m_valid_o == 0);
      CHECK(m.l_valid_o == 0);
      done = m.done_o;
      spls_tb::posedge(m);
    }
    REQUIRE_MESSAGE(done, "no done_o after a bad configuration");
    spls_tb::settle(m);
    CHECK(m.err_o == b.bit);
    CHECK(m.busy_o == 0);
  }
  // The unit still works afterwards.
  run(m, rng, {6, 2, 4, 3, 2, 2, 0.6, 0, "good run after errors"}, {{1.0}, {1.0}, {1.0}, {1.0}}, 999);
}

TEST_CASE("rtl spls: cycles without stalls equal the cycle model (docs/spls-rtl.md)") {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0xc1c);
  Vspls m;
  spls_tb::reset(m);
  const Stalls none{{1.0}, {1.0}, {1.0}, {1.0}};
  const SplsShape shape{kRows, kCols, kCh, kNMax, kDhMax, kWMax};
  for (const Cfg& c : {Cfg{16, 4, 8, 4, 2, 6, 0.6, 0, "bench"}, Cfg{16, 2, 16, 4, 2, 6, 0.6, 0, "bench"},
                       Cfg{8, 4, 8, 4, 2, 6, 0.6, 0, "bench"}, Cfg{16, 1, 4, 4, 2, 6, 0.6, 0, "bench"},
                       Cfg{5, 3, 7, 2, 2, 3, 0.6, 0, "bench"}, Cfg{1, 1, 1, 1, 0, 0, 0.0, 0, "bench"}}) {
    std::vector<int32_t> leader;
    std::vector<int64_t> pam;
    const auto r = run(m, rng, c, none, 500, nullptr, &leader, &pam);
    const uint64_t model = spls_cycle_model(shape, c.n, c.heads * c.dh, c.heads, c.window, leader, pam, c.k);
    MESSAGE(fmt::format("N={} D={} H={} Dh={} ROWS={} COLS={} CH={}: {} cycles (model {}), first decision at cycle {}",
                        c.n, c.heads * c.dh, c.heads, c.dh, kRows, kCols, kCh, r.cycles, model, r.first_row_cycle));
    CHECK(r.cycles == model);
  }
}
