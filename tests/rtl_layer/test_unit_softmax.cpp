// esact_softmax (through the AXI engines) against esact::softmax_row (spec 2.3):
// random rows, a single key, all-equal scores, extreme values, unaligned rows.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "esact/ops.hpp"
#include "unit_dp.hpp"

using esact_test::Dp;

namespace {

// Run `rows` rows of n scores; compare every probability; returns the mismatches.
int run_softmax(Dp& dp, const std::vector<int32_t>& scores, int rows, int n, esact::Requant sm,
                uint32_t in_base, uint32_t out_base, const std::string& what) {
  dp.put(in_base, scores.data(), scores.size() * 4);
  std::vector<int8_t> poison(static_cast<size_t>(rows) * n + 32, 0x55);
  dp.put(out_base, poison.data(), poison.size());
  auto& m = dp.m;
  const int64_t cyc = dp.run(
      2,
      [&] {
        m.s_in_i = in_base; m.s_in_stride_i = 4u * n; m.s_out_i = out_base; m.s_out_stride_i = n;
        m.s_rows_i = rows; m.s_n_i = n; m.rq_m_i = sm.m; m.rq_s_i = sm.s;
      },
      [&](bool v) { m.s_start_i = v; }, [&] { return m.s_done_o != 0; });
  REQUIRE_MESSAGE(cyc > 0, what, ": softmax did not finish");
  int bad = 0;
  std::vector<int8_t> out(static_cast<size_t>(rows) * n + 32);
  dp.get(out_base, out.data(), out.size());
  for (int r = 0; r < rows; ++r) {
    const auto gold = esact::softmax_row(std::span<const int32_t>(&scores[static_cast<size_t>(r) * n], n), {}, sm);
    for (int j = 0; j < n; ++j) {
      const int8_t got = out[static_cast<size_t>(r) * n + j];
      if (got != gold[j] && bad++ < 5)
        FAIL_CHECK(fmt::format("{}: first mismatch row {} key {}: rtl {} golden {}", what, r, j, got, gold[j]));
    }
  }
  for (int i = 0; i < 32; ++i)
    if (out[static_cast<size_t>(rows) * n + i] != 0x55 && bad++ < 5) FAIL_CHECK(what, ": wrote past the last row");
  CHECK(dp.errors().empty());
  for (auto& e : dp.errors()) MESSAGE(e);
  return bad;
}

}  // namespace

TEST_CASE("rtl softmax: random rows, every length 1..64, unaligned rows") {
  Dp dp;
  std::mt19937_64 rng(21);
  for (int n = 1; n <= 64; n += (n < 8 ? 1 : 7)) {
    const int rows = 3;
    std::vector<int32_t> sc(static_cast<size_t>(rows) * n);
    const int spread = 1 << (rng() % 20);
    for (auto& v : sc) v = static_cast<int32_t>(rng() % (2 * spread)) - spread;
    const esact::Requant sm{static_cast<uint32_t>(1 + rng() % 65535), static_cast<uint32_t>(10 + rng() % 20)};
    CHECK(run_softmax(dp, sc, rows, n, sm, 0x1000 + 4 * static_cast<uint32_t>(rng() % 4), 0x8000 + static_cast<uint32_t>(rng() % 16),
                      fmt::format("n={}", n)) == 0);
  }
}

TEST_CASE("rtl softmax: corner cases (single key, all equal, extremes, saturation)") {
  Dp dp;
  std::mt19937_64 rng(22);
  const esact::Requant sm{23170, 16};
  // a single key: p = min(127, ...) of the maximum
  CHECK(run_softmax(dp, {12345}, 1, 1, sm, 0x1000, 0x8000, "single key") == 0);
  // all equal scores
  CHECK(run_softmax(dp, std::vector<int32_t>(40, -7), 1, 40, sm, 0x1000, 0x8000, "all equal") == 0);
  // extremes: INT32_MIN and INT32_MAX in one row (t = -2^32 + 1), big M, small S
  std::vector<int32_t> ext(33);
  for (int i = 0; i < 33; ++i) ext[i] = (i % 3 == 0) ? INT32_MAX : (i % 3 == 1 ? INT32_MIN : 0);
  CHECK(run_softmax(dp, ext, 1, 33, {65535, 1}, 0x1000, 0x8000, "extremes S=1") == 0);
  CHECK(run_softmax(dp, ext, 1, 33, {1, 47}, 0x1000, 0x8000, "extremes S=47") == 0);
  // one dominant key among many tiny ones (e near 0 for the rest)
  std::vector<int32_t> dom(64, -100000);
  dom[37] = 100000;
  CHECK(run_softmax(dp, dom, 1, 64, sm, 0x1000, 0x8000, "dominant") == 0);
  // two keys tied at the max, many at w just below 16 * 256
  std::vector<int32_t> tie(50);
  for (int i = 0; i < 50; ++i) tie[i] = i < 2 ? 1000 : 1000 - static_cast<int32_t>(rng() % 5000);
  CHECK(run_softmax(dp, tie, 1, 50, {256, 8}, 0x1000, 0x8000, "ties") == 0);
}

TEST_CASE("rtl softmax: many rows through the four pipeline stages (bank reuse, short and long rows)") {
  // More rows than score banks (2) and exponential banks (4), so every bank is
  // reused several times with rows of different maxima and sums in flight.
  Dp dp;
  std::mt19937_64 rng(23);
  for (const int n : {1, 3, 4, 16, 37, 64}) {
    const int rows = 13;
    std::vector<int32_t> sc(static_cast<size_t>(rows) * n);
    for (int r = 0; r < rows; ++r) {
      const int spread = 1 << (rng() % 24);
      const int32_t base = static_cast<int32_t>(rng() % 2000000) - 1000000;
      for (int j = 0; j < n; ++j)
        sc[static_cast<size_t>(r) * n + j] = base + static_cast<int32_t>(rng() % (2 * spread)) - spread;
    }
    const esact::Requant sm{static_cast<uint32_t>(1 + rng() % 65535), static_cast<uint32_t>(8 + rng() % 24)};
    CHECK(run_softmax(dp, sc, rows, n, sm, 0x1000 + 4 * static_cast<uint32_t>(rng() % 4), 0x9000 + static_cast<uint32_t>(rng() % 16),
                      fmt::format("rows={} n={}", rows, n)) == 0);
  }
}
