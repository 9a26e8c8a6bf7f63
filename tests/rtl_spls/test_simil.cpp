// esact_simil (and its Yosys netlist) against esact::similarity: random sequences
// with low, medium and high local similarity, random W and T (W = 0, T = 0,
// T above H*k), random stalls on both streams.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "Vsimil.h"
#include "Vsimil_nl.h"
#include "esact/spls.hpp"
#include "tb_common.hpp"

namespace {
// Sizes of the test builds (tests/rtl_spls/CMakeLists.txt).
struct Sizes {
  int n_max, h_max, w_max;
};
template <typename M>
constexpr Sizes kSizes{32, 4, 4};
template <>
constexpr Sizes kSizes<Vsimil_nl>{16, 3, 3};

struct Seq {
  int n, heads, k, window, threshold;
  std::vector<uint8_t> masks;  // [heads][n][n], golden layout
  const char* kind;
};

// k-of-n masks; `sim` in [0,1] is the chance that a row copies its predecessor's
// mask of a head and then moves a few of its selected keys.
Seq make_seq(std::mt19937_64& rng, int n, int heads, int k, double sim, const char* kind) {
  Seq s{n, heads, k, 0, 0, std::vector<uint8_t>(static_cast<size_t>(heads) * n * n, 0), kind};
  std::vector<int> idx(n);
  for (int h = 0; h < heads; ++h)
    for (int i = 0; i < n; ++i) {
      uint8_t* row = &s.masks[(static_cast<size_t>(h) * n + i) * n];
      if (i > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < sim) {
        const uint8_t* prev = row - n;
        std::copy(prev, prev + n, row);
        const int moves = static_cast<int>(rng() % 3);
        for (int t = 0; t < moves; ++t) {
          const int a = static_cast<int>(rng() % n), b = static_cast<int>(rng() % n);
          std::swap(row[a], row[b]);
        }
      } else {
        for (int j = 0; j < n; ++j) idx[j] = j;
        std::shuffle(idx.begin(), idx.end(), rng);
        for (int t = 0; t < k; ++t) row[idx[t]] = 1;
      }
    }
  return s;
}

template <typename M>
void run_seq(M& m, std::mt19937_64& rng, const Seq& s, spls_tb::Stall in_stall, spls_tb::Stall out_stall,
             const char* what, int seq_no, bool junk = false) {
  // junk: random bits at and above n (not keys): the unit must ignore them.
  const int n_max = kSizes<M>.n_max;
  // start: a new sequence
  m.window_i = static_cast<uint32_t>(s.window);
  m.thresh_i = static_cast<uint32_t>(s.threshold);
  m.n_i = static_cast<uint32_t>(s.n);
  m.in_valid_i = 0;
  m.out_ready_i = 0;
  m.start_i = 1;
  spls_tb::settle(m);
  spls_tb::posedge(m);
  m.start_i = 0;
  const auto gold = esact::similarity(s.masks, s.n, s.heads, s.window, s.threshold);
  size_t beat = 0;
  const size_t beats = static_cast<size_t>(s.n) * s.heads;
  int row = 0;
  for (uint64_t cycle = 0; row < s.n; ++cycle) {
    REQUIRE_MESSAGE(cycle < 200000, fmt::format("{}: sequence {} hangs", what, seq_no));
    const int bi = static_cast<int>(beat / s.heads), bh = static_cast<int>(beat % s.heads);
    uint64_t mask = 0;
    if (beat < beats)
      for (int j = 0; j < s.n; ++j)
        mask |= static_cast<uint64_t>(s.masks[(static_cast<size_t>(bh) * s.n + bi) * s.n + j]) << j;
    if (junk && s.n < n_max) mask |= (rng() << s.n) & ((uint64_t{1} << n_max) - 1);  // bits n .. N_MAX - 1
    m.in_valid_i = beat < beats && in_stall(rng);
    m.in_mask_i = mask;
    m.in_last_i = bh == s.heads - 1;
    m.out_ready_i = out_stall(rng);
    spls_tb::settle(m);
    if (m.out_valid_o && m.out_ready_i) {
      const int lead = m.out_follower_o ? static_cast<int>(m.out_leader_o) : -1;
      INFO(fmt::format("{} seq {} ({}: n={} H={} k={} W={} T={})", what, seq_no, s.kind, s.n, s.heads, s.k,
                       s.window, s.threshold));
      REQUIRE_MESSAGE(static_cast<int>(m.out_row_o) == row, fmt::format("row tag {} expected {}", m.out_row_o, row));
      if (lead != gold[row])
        FAIL(fmt::format("first mismatch at row {}: rtl leader {} golden {} (best ov {}, cycle {})", row, lead,
                         gold[row], m.out_ov_o, cycle));
      ++row;
    }
    if (m.in_valid_i && m.in_ready_o) ++beat;
    spls_tb::posedge(m);
  }
  CHECK(m.err_o == 0);
}

template <typename M>
void simil_suite(const char* what) {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0x5111);
  M m;
  const int kNMax = kSizes<M>.n_max, kHMax = kSizes<M>.h_max, kWMax = kSizes<M>.w_max;
  spls_tb::reset(m);
  int seq_no = 0;
  const double sims[3] = {0.0, 0.6, 0.97};
  const char* kinds[3] = {"low", "medium", "high"};
  for (int t = 0; t < 90; ++t) {
    const int lvl = t % 3;
    const int n = (t < 3) ? 1 : 1 + static_cast<int>(rng() % kNMax);
    const int heads = 1 + static_cast<int>(rng() % kHMax);
    const int k = (t % 7 == 0) ? 1 : (t % 7 == 1) ? n : 1 + static_cast<int>(rng() % n);
    Seq s = make_seq(rng, n, heads, k, sims[lvl], kinds[lvl]);
    s.window = (t % 5 == 0) ? 0 : static_cast<int>(rng() % (kWMax + 1));
    const int hk = heads * k;
    switch (t % 4) {
      case 0: s.threshold = 0; break;
      case 1: s.threshold = hk + 1 + static_cast<int>(rng() % 3); break;  // above H*k: reuse off
      case 2: s.threshold = hk; break;
      default: s.threshold = static_cast<int>(rng() % (hk + 1)); break;
    }
    run_seq(m, rng, s, {1.0}, {1.0}, what, seq_no++);
    run_seq(m, rng, s, {0.5}, {0.4}, what, seq_no++, /*junk=*/t % 2 == 1);
  }
  // Overlap ties between several leaders in the window (nearest must win):
  // small k, T = 1, the widest window, independent rows.
  for (int t = 0; t < 40; ++t) {
    const int n = 4 + static_cast<int>(rng() % (kNMax - 3));
    const int heads = 1 + static_cast<int>(rng() % kHMax);
    Seq s = make_seq(rng, n, heads, 2 + static_cast<int>(rng() % 2), 0.0, "ties");
    s.window = kWMax;
    s.threshold = 1 + static_cast<int>(rng() % 2);
    run_seq(m, rng, s, {0.7}, {0.7}, what, seq_no++);
  }
  // A hand-made tie (n = 4, one head, k = 2, W = 2, T = 1): rows 0 and 1 are
  // leaders with disjoint masks; row 2 overlaps both by one key and must follow
  // the nearer row 1.
  const Seq tie{4, 1, 2, 2, 1, {1, 1, 0, 0, /**/ 0, 0, 1, 1, /**/ 1, 0, 1, 0, /**/ 0, 1, 0, 1}, "hand-made tie"};
  const auto gold = esact::similarity(tie.masks, 4, 1, 2, 1);
  REQUIRE(gold[2] == 1);
  run_seq(m, rng, tie, {1.0}, {1.0}, what, seq_no++);
}
}  // namespace

TEST_CASE("rtl simil: leader/follower decisions equal the golden model, random stalls") {
  simil_suite<Vsimil>("simil rtl");
}

TEST_CASE("rtl simil: the Yosys netlist gives the same decisions") {
  simil_suite<Vsimil_nl>("simil netlist");
}
