// esact_topk (and its Yosys netlist) against esact::topk_mask: random row lengths,
// k from 1 to N, score distributions with many ties, random stalls on both streams;
// rows one at a time and rows streamed back to back (both memory banks in use).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "Vtopk.h"
#include "Vtopk_nl.h"
#include "esact/spls.hpp"
#include "tb_common.hpp"

namespace {
// Sizes of the test builds (tests/rtl_spls/CMakeLists.txt): RTL N_MAX = 64,
// netlist N_MAX = 16; SCORE_W = 25 for both.
template <typename M>
constexpr int kNMaxOf = 64;
template <>
constexpr int kNMaxOf<Vtopk_nl> = 16;
constexpr int kScoreW = 25;
constexpr int kS = 4;  // scores per beat (both builds)

struct Row {
  std::vector<int64_t> scores;
  int k;
};

// Scores of one row: mode 0 wide uniform, 1 a few distinct values (ties), 2 all equal,
// 3 extremes of the score width.
std::vector<int64_t> make_scores(std::mt19937_64& rng, int n, int mode) {
  std::vector<int64_t> s(n);
  const int64_t lo = -(int64_t{1} << (kScoreW - 1)), hi = (int64_t{1} << (kScoreW - 1)) - 1;
  const int64_t c = static_cast<int64_t>(rng() % 2001) - 1000;
  for (auto& v : s) {
    switch (mode) {
      case 0: v = std::uniform_int_distribution<int64_t>(lo, hi)(rng); break;
      case 1: v = static_cast<int64_t>(rng() % 4) - 2; break;
      case 2: v = c; break;
      default: v = (rng() & 1) ? lo : hi; break;
    }
  }
  return s;
}

template <typename M>
void run_rows(M& m, std::mt19937_64& rng, const std::vector<Row>& rows, spls_tb::Stall in_stall,
              spls_tb::Stall out_stall, const char* what) {
  spls_tb::reset(m);
  uint64_t cycle = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const int n = static_cast<int>(row.scores.size());
    m.k_i = static_cast<uint32_t>(row.k);
    size_t sent = 0;  // scores sent
    bool got = false;
    uint64_t mask = 0;
    for (uint64_t guard = 0; !got; ++guard) {
      REQUIRE_MESSAGE(guard < 100000, fmt::format("{}: row {} hangs at cycle {}", what, r, cycle));
      const int count = std::min(kS, n - static_cast<int>(sent));
      m.in_valid_i = sent < static_cast<size_t>(n) && in_stall(rng);
      uint64_t packed[2] = {0, 0};  // kS * kScoreW = 100 bits
      for (int t = 0; t < kS; ++t) {
        // Scores past the count carry junk; the RTL must ignore them.
        const uint64_t v = (t < count ? static_cast<uint64_t>(row.scores[sent + t]) : rng()) &
                           ((uint64_t{1} << kScoreW) - 1);
        for (int b = 0; b < kScoreW; ++b)
          if ((v >> b) & 1u) packed[(t * kScoreW + b) / 64] |= uint64_t{1} << ((t * kScoreW + b) % 64);
      }
      for (int w = 0; w < 4; ++w) m.in_scores_i[w] = static_cast<uint32_t>(packed[w / 2] >> (32 * (w % 2)));
      m.in_count_i = static_cast<uint32_t>(std::max(count, 0));
      m.in_last_i = sent + static_cast<size_t>(std::max(count, 0)) == static_cast<size_t>(n);
      m.out_ready_i = out_stall(rng);
      spls_tb::settle(m);
      const bool in_fire = m.in_valid_i && m.in_ready_o;
      if (m.out_valid_o && m.out_ready_i) {
        REQUIRE_MESSAGE(sent == static_cast<size_t>(n),
                        fmt::format("{}: row {} mask before its last score (cycle {})", what, r, cycle));
        mask = 0;
        for (int j = 0; j < kNMaxOf<M>; ++j) mask |= static_cast<uint64_t>(spls_tb::get_bit(m.out_mask_o, j)) << j;
        got = true;
      }
      if (in_fire) sent += static_cast<size_t>(count);
      spls_tb::posedge(m);
      ++cycle;
    }
    const auto gold = esact::topk_mask(row.scores, row.k);
    for (int j = 0; j < kNMaxOf<M>; ++j) {
      const int g = j < n ? gold[j] : 0;
      const int h = static_cast<int>((mask >> j) & 1);
      if (g != h) {
        FAIL(fmt::format("{}: row {} (n={} k={}) first mismatch at column {}: rtl {} golden {} (mask out at cycle {})",
                         what, r, n, row.k, j, h, g, cycle));
      }
    }
  }
  CHECK(m.err_o == 0);
}

// Rows back to back with one k (as in esact_spls): the next row's scores go in
// while the select of the previous one runs and while its mask waits on the
// output, so the two memory banks and the held mask are exercised.
template <typename M>
void stream_rows(M& m, std::mt19937_64& rng, const std::vector<std::vector<int64_t>>& rows, int k,
                 spls_tb::Stall in_stall, spls_tb::Stall out_stall, const char* what) {
  spls_tb::reset(m);
  m.k_i = static_cast<uint32_t>(k);
  size_t r_in = 0, sent = 0, r_out = 0;
  for (uint64_t cycle = 0; r_out < rows.size(); ++cycle) {
    REQUIRE_MESSAGE(cycle < 200000 * rows.size(), fmt::format("{}: stream hangs at row {}", what, r_out));
    const bool have = r_in < rows.size();
    const int n = have ? static_cast<int>(rows[r_in].size()) : 0;
    const int count = have ? std::min(kS, n - static_cast<int>(sent)) : 0;
    m.in_valid_i = have && in_stall(rng);
    uint64_t packed[2] = {0, 0};
    for (int t = 0; t < kS; ++t) {
      const uint64_t v = (t < count ? static_cast<uint64_t>(rows[r_in][sent + t]) : rng()) &
                         ((uint64_t{1} << kScoreW) - 1);
      for (int b = 0; b < kScoreW; ++b)
        if ((v >> b) & 1u) packed[(t * kScoreW + b) / 64] |= uint64_t{1} << ((t * kScoreW + b) % 64);
    }
    for (int w = 0; w < 4; ++w) m.in_scores_i[w] = static_cast<uint32_t>(packed[w / 2] >> (32 * (w % 2)));
    m.in_count_i = static_cast<uint32_t>(count);
    m.in_last_i = have && sent + static_cast<size_t>(count) == static_cast<size_t>(n);
    m.out_ready_i = out_stall(rng);
    spls_tb::settle(m);
    if (m.out_valid_o && m.out_ready_i) {
      REQUIRE_MESSAGE(r_out < r_in, fmt::format("{}: mask of row {} before its last score", what, r_out));
      const auto& sc = rows[r_out];
      const auto gold = esact::topk_mask(sc, k);
      for (int j = 0; j < kNMaxOf<M>; ++j) {
        const int g = j < static_cast<int>(sc.size()) ? gold[j] : 0;
        if (g != spls_tb::get_bit(m.out_mask_o, j)) {
          FAIL(fmt::format("{}: streamed row {} (n={} k={}) first mismatch at column {}: golden {} (cycle {})", what,
                           r_out, sc.size(), k, j, g, cycle));
        }
      }
      ++r_out;
    }
    if (m.in_valid_i && m.in_ready_o) {
      sent += static_cast<size_t>(count);
      if (m.in_last_i) {
        ++r_in;
        sent = 0;
      }
    }
    spls_tb::posedge(m);
  }
  CHECK(m.err_o == 0);
}

template <typename M>
void topk_suite(const char* what) {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ 0x70b4);
  M m;
  constexpr int kNMax = kNMaxOf<M>;
  std::vector<Row> rows;
  // Edge cases: N = 1, k = 1, k = N, all equal, N = N_MAX.
  rows.push_back({{42}, 1});
  for (int mode = 0; mode < 4; ++mode) {
    rows.push_back({make_scores(rng, kNMax, mode), 1});
    rows.push_back({make_scores(rng, kNMax, mode), kNMax});
    rows.push_back({make_scores(rng, 7, mode), 7});
  }
  for (int t = 0; t < 400; ++t) {
    const int n = 1 + static_cast<int>(rng() % kNMax);
    const int k = 1 + static_cast<int>(rng() % n);
    rows.push_back({make_scores(rng, n, static_cast<int>(rng() % 4)), k});
  }
  run_rows(m, rng, rows, {1.0}, {1.0}, what);
  run_rows(m, rng, rows, {0.6}, {0.5}, what);
  run_rows(m, rng, rows, {0.2}, {0.9}, what);
  // Streams of rows of one length and one k, with and without stalls.
  for (int t = 0; t < 12; ++t) {
    const int n = (t < 2) ? kNMax : 1 + static_cast<int>(rng() % kNMax);
    const int k = (t == 2) ? n : 1 + static_cast<int>(rng() % n);
    std::vector<std::vector<int64_t>> srows;
    for (int r = 0; r < 8; ++r) srows.push_back(make_scores(rng, n, static_cast<int>(rng() % 4)));
    stream_rows(m, rng, srows, k, {1.0}, {1.0}, what);
    stream_rows(m, rng, srows, k, {0.7}, {0.3}, what);
    stream_rows(m, rng, srows, k, {1.0}, {0.1}, what);
  }
}
}  // namespace

TEST_CASE("rtl topk: masks equal the golden top-k (ties to the smaller index), random stalls") {
  topk_suite<Vtopk>("topk rtl");
}

TEST_CASE("rtl topk: the Yosys netlist gives the same masks") {
  topk_suite<Vtopk_nl>("topk netlist");
}

TEST_CASE("rtl topk: more than N_MAX scores raise err_o and never hang") {
  spls_tb::init_verilator();
  Vtopk m;
  constexpr int kNMax = kNMaxOf<Vtopk>;
  spls_tb::reset(m);
  m.k_i = 3;
  m.out_ready_i = 1;
  const int beats = kNMax / kS + 2;
  for (int t = 0; t < beats; ++t) {
    m.in_valid_i = 1;
    uint64_t packed[2] = {0, 0};
    for (int u = 0; u < kS; ++u) {
      const uint64_t v = static_cast<uint64_t>(t * kS + u);
      for (int b = 0; b < kScoreW; ++b)
        if ((v >> b) & 1u) packed[(u * kScoreW + b) / 64] |= uint64_t{1} << ((u * kScoreW + b) % 64);
    }
    for (int w = 0; w < 4; ++w) m.in_scores_i[w] = static_cast<uint32_t>(packed[w / 2] >> (32 * (w % 2)));
    m.in_count_i = kS;
    m.in_last_i = t == beats - 1;
    spls_tb::settle(m);
    REQUIRE(m.in_ready_o);
    spls_tb::posedge(m);
  }
  m.in_valid_i = 0;
  bool out = false;
  for (int c = 0; c < 100 && !out; ++c) {
    spls_tb::settle(m);
    out = m.out_valid_o;
    if (!out) spls_tb::posedge(m);
  }
  CHECK(m.err_o == 1);
  REQUIRE(out);
  // The N_MAX stored scores 0..N_MAX-1: the top 3 are the last three stored.
  uint64_t mask = 0;
  for (int j = 0; j < kNMax; ++j) mask |= static_cast<uint64_t>(spls_tb::get_bit(m.out_mask_o, j)) << j;
  CHECK(mask == (uint64_t{7} << (kNMax - 3)));
}
