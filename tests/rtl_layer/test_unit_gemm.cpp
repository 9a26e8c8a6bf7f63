// esact_gemm + esact_mac_array (through the AXI engines) against a reference
// GEMM with the golden requantizer: normal and transposed B, raw int32 / rq /
// rq + GELU epilogues, partial tiles, several row blocks, unaligned operands,
// split tail tiles (a tail of 1..8 rows over two column tiles at once), the MAC
// count and the executed-tile count (XMACS), AXI error responses, abort and a
// correct run after it.  All under random back-pressure (unit_dp.hpp).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include "esact/ops.hpp"
#include "unit_dp.hpp"

using esact_test::Dp;

namespace {

struct GemmCase {
  int m = 1, k = 1, n = 1;
  bool trans = false, bias = true;
  int epi = 1;  // 0 raw int32, 1 rq, 2 rq + GELU
  esact::Requant rq{1, 1};
  std::vector<int8_t> a, b;  // a [m][k]; b [k][n], or [n][k] when trans
  std::vector<int32_t> bias_v;
  std::vector<int8_t> gelu;
};

constexpr uint32_t A0 = 0x10000, B0 = 0x30000, BI = 0x50000, GT = 0x51000, O0 = 0x60000;
constexpr int MR = 16, MC = 16;

/// Array cells of the tiles esact_gemm issues (xmac_inc_o summed): every full
/// row tile once per column tile; a tail of 1..MR/2 rows once per PAIR of
/// column tiles (a split tile), a longer tail once per column tile.
uint64_t issued_cells(int m, int k, int n) {
  const uint64_t ncol = static_cast<uint64_t>((n + MC - 1) / MC);
  const int tail = m % MR;
  const uint64_t tiles = static_cast<uint64_t>(m / MR) * ncol +
                         (tail == 0 ? 0 : (tail <= MR / 2 ? (ncol + 1) / 2 : ncol));
  return tiles * static_cast<uint64_t>(k) * MR * MC;
}

int run_gemm(Dp& dp, const GemmCase& c, uint32_t off, const std::string& what) {
  const uint32_t A = A0 + off, B = B0 + off, O = O0 + (off * 5) % 16;
  dp.put(A, c.a.data(), c.a.size());
  dp.put(B, c.b.data(), c.b.size());
  dp.put(BI, c.bias_v.data(), c.bias_v.size() * 4);
  dp.put(GT, c.gelu.data(), 256);
  const int esz = c.epi == 0 ? 4 : 1;
  const size_t obytes = static_cast<size_t>(c.m) * c.n * esz;
  std::vector<uint8_t> poison(obytes + 64, 0x55);
  dp.put(O, poison.data(), poison.size());
  auto& m = dp.m;
  dp.macs = 0;
  dp.xmacs = 0;
  const int64_t cyc = dp.run(
      1,
      [&] {
        m.g_a_i = A; m.g_lda_i = c.k; m.g_b_i = B; m.g_ldb_i = c.trans ? c.k : c.n; m.g_trans_i = c.trans;
        m.g_bias_i = BI; m.g_bias_en_i = c.bias; m.g_out_i = O; m.g_ldo_i = c.n * esz;
        m.g_m_i = c.m; m.g_k_i = c.k; m.g_n_i = c.n; m.g_epi_i = c.epi; m.g_gelu_i = GT;
        m.rq_m_i = c.rq.m; m.rq_s_i = c.rq.s;
      },
      [&](bool v) { m.g_start_i = v; }, [&] { return m.g_done_o != 0; });
  REQUIRE_MESSAGE(cyc > 0, what, ": GEMM did not finish");
  CHECK_MESSAGE(dp.macs == static_cast<uint64_t>(c.m) * c.n * c.k, what, ": MAC count");
  CHECK_MESSAGE(dp.xmacs == issued_cells(c.m, c.k, c.n), what, ": executed cells (XMACS) ", dp.xmacs,
                ", expected ", issued_cells(c.m, c.k, c.n));
  std::vector<uint8_t> out(obytes + 64);
  dp.get(O, out.data(), out.size());
  int bad = 0;
  for (int i = 0; i < c.m; ++i)
    for (int j = 0; j < c.n; ++j) {
      int32_t acc = c.bias ? c.bias_v[static_cast<size_t>(j)] : 0;
      for (int kk = 0; kk < c.k; ++kk) {
        const int8_t bv = c.trans ? c.b[static_cast<size_t>(j) * c.k + kk] : c.b[static_cast<size_t>(kk) * c.n + j];
        acc += static_cast<int32_t>(c.a[static_cast<size_t>(i) * c.k + kk]) * bv;
      }
      int64_t gold, got;
      const size_t e = static_cast<size_t>(i) * c.n + j;
      if (c.epi == 0) {
        gold = acc;
        int32_t v;
        std::memcpy(&v, &out[e * 4], 4);
        got = v;
      } else {
        const int8_t q = esact::rq(acc, c.rq);
        gold = c.epi == 2 ? c.gelu[static_cast<size_t>(q + 128)] : q;
        got = static_cast<int8_t>(out[e]);
      }
      if (got != gold && bad++ < 5)
        FAIL_CHECK(fmt::format("{}: first mismatch out[{}][{}]: rtl {} golden {}", what, i, j, got, gold));
    }
  for (int i = 0; i < 64; ++i)
    if (out[obytes + i] != 0x55 && bad++ < 5) FAIL_CHECK(what, ": wrote past the output");
  CHECK(dp.errors().empty());
  for (auto& e : dp.errors()) MESSAGE(e);
  return bad;
}

GemmCase random_case(std::mt19937_64& rng, int m, int k, int n, bool trans, int epi) {
  GemmCase c;
  c.m = m; c.k = k; c.n = n; c.trans = trans; c.epi = epi; c.bias = (rng() & 3) != 0;
  c.a.resize(static_cast<size_t>(m) * k);
  c.b.resize(static_cast<size_t>(k) * n);
  for (auto& v : c.a) v = static_cast<int8_t>(rng());
  for (auto& v : c.b) v = static_cast<int8_t>(rng());
  c.bias_v.resize(static_cast<size_t>(n));
  for (auto& v : c.bias_v) v = static_cast<int32_t>(rng() % (1u << 22)) - (1 << 21);
  c.gelu.resize(256);
  for (auto& v : c.gelu) v = static_cast<int8_t>(rng());
  c.rq = {static_cast<uint32_t>(1 + rng() % 65535), static_cast<uint32_t>(8 + rng() % 20)};
  return c;
}

// Every {m, k, n} shape x both B layouts x the three epilogues, each a random
// case at a random address offset; the label names the case.
template <size_t N>
void run_shapes(Dp& dp, std::mt19937_64& rng, const int (&shapes)[N][3], const std::string& tag) {
  for (const auto& sh : shapes)
    for (int trans = 0; trans < 2; ++trans)
      for (int epi = 0; epi < 3; ++epi) {
        const auto c = random_case(rng, sh[0], sh[1], sh[2], trans != 0, epi);
        CHECK(run_gemm(dp, c, static_cast<uint32_t>(rng() % 16),
                       fmt::format("{}m={} k={} n={} trans={} epi={}", tag, sh[0], sh[1], sh[2], trans, epi)) == 0);
      }
}

}  // namespace

TEST_CASE("rtl gemm: shapes around the tile and row-block sizes, all epilogues, both B layouts") {
  Dp dp;
  std::mt19937_64 rng(41);
  // tb_unit_dp: k <= KC = 128, A buffer AB = 256 bytes per lane, so a row block
  // holds floor(16 / ceil(k / 16)) row tiles: k = 100 -> 2 tiles (70 rows: 3 blocks),
  // k = 128 -> 2, k = 20 -> 8.  Tiny k runs tiles back to back against the epilogue.
  const int shapes[][3] = {{1, 1, 1}, {16, 32, 16}, {17, 33, 15}, {5, 70, 40}, {33, 64, 17}, {3, 100, 3},
                           {40, 20, 33}, {33, 32, 20}, {70, 100, 40}, {64, 128, 20}, {48, 1, 50}, {50, 2, 17}};
  run_shapes(dp, rng, shapes, "");
}

TEST_CASE("rtl gemm: split tail tiles: tails of 1..8 rows, odd and even column tile counts, k = 1") {
  // A tail of t <= 8 rows runs as ONE tile over two column tiles: array rows
  // 0..7 against tile j (one B bank), rows 8..15 against tile j + 1 (the other
  // bank).  Random B and bias per column: the lower half reading the wrong bank,
  // or its output written to the wrong tile, or with the wrong bias, mismatches.
  // {m, k, n}: no full row tile (m <= 8), one block with full tiles, several
  // row blocks (k = 100 or 64: 2 or 4 row tiles per block, the first block the
  // short one), the second tile of a pair partial (n % 16 != 0), an odd last
  // column tile (a normal tail), tails of 9 rows (no split) as the control.
  Dp dp(1 << 20, 5);
  std::mt19937_64 rng(44);
  const int shapes[][3] = {{1, 1, 32},  {2, 16, 48},  {19, 40, 64}, {36, 100, 33}, {53, 7, 31},
                           {22, 128, 17}, {71, 20, 90}, {8, 3, 100}, {104, 64, 40}, {5, 1, 64},
                           {24, 1, 47},  {9, 33, 40}, {72, 100, 16}, {7, 128, 20}};
  run_shapes(dp, rng, shapes, "split ");
}

TEST_CASE("rtl gemm: saturation and extreme operands") {
  Dp dp;
  std::mt19937_64 rng(42);
  auto c = random_case(rng, 18, 40, 20, false, 1);
  for (auto& v : c.a) v = -128;
  for (size_t i = 0; i < c.b.size(); ++i) c.b[i] = (i % 2) ? 127 : -128;
  c.rq = {65535, 10};
  CHECK(run_gemm(dp, c, 0, "extremes rq") == 0);
  c.epi = 0;
  CHECK(run_gemm(dp, c, 7, "extremes raw") == 0);
}

TEST_CASE("rtl gemm: SLVERR on a read and on a write is reported; abort drains; the next run is correct") {
  std::mt19937_64 rng(43);
  const auto c = random_case(rng, 20, 40, 20, false, 1);
  {
    Dp dp;
    dp.mem.add_error_range(B0 + 100, 1, true, true);  // inside B
    auto& m = dp.m;
    dp.put(A0, c.a.data(), c.a.size());
    m.unit_i = 1;
    m.g_a_i = A0; m.g_lda_i = c.k; m.g_b_i = B0; m.g_ldb_i = c.n; m.g_trans_i = 0; m.g_bias_i = BI;
    m.g_bias_en_i = 1; m.g_out_i = O0; m.g_ldo_i = c.n; m.g_m_i = c.m; m.g_k_i = c.k; m.g_n_i = c.n;
    m.g_epi_i = 1; m.rq_m_i = 100; m.rq_s_i = 10;
    m.g_start_i = 1; dp.tick(); m.g_start_i = 0;
    int c1 = 0;
    while (!m.rd_err_o && c1 < 100000) { dp.tick(); ++c1; }
    REQUIRE(m.rd_err_o);
    m.abort_i = 1; dp.tick(); m.abort_i = 0;
    int c2 = 0;
    while (!(m.rd_idle_o && m.wr_idle_o && dp.quiet()) && c2 < 10000) { dp.tick(); ++c2; }
    CHECK(c2 < 10000);
    // A fresh unit after reset: a full correct run.
    m.rst_ni = 0; dp.tick(); dp.tick(); m.rst_ni = 1;
    dp.mem.clear_error_ranges();
    CHECK(run_gemm(dp, c, 3, "after read error + abort + reset") == 0);
  }
  {
    Dp dp;
    dp.mem.add_error_range(O0 + 40, 1, true, true);  // inside the output
    auto& m = dp.m;
    dp.put(A0, c.a.data(), c.a.size());
    dp.put(B0, c.b.data(), c.b.size());
    m.unit_i = 1;
    m.g_a_i = A0; m.g_lda_i = c.k; m.g_b_i = B0; m.g_ldb_i = c.n; m.g_trans_i = 0; m.g_bias_i = BI;
    m.g_bias_en_i = 0; m.g_out_i = O0; m.g_ldo_i = c.n; m.g_m_i = c.m; m.g_k_i = c.k; m.g_n_i = c.n;
    m.g_epi_i = 1; m.rq_m_i = 100; m.rq_s_i = 10;
    m.g_start_i = 1; dp.tick(); m.g_start_i = 0;
    int c1 = 0;
    while (!m.wr_err_o && c1 < 200000) { dp.tick(); ++c1; }
    REQUIRE(m.wr_err_o);
    m.abort_i = 1; dp.tick(); m.abort_i = 0;
    int c2 = 0;
    while (!(m.rd_idle_o && m.wr_idle_o && dp.quiet()) && c2 < 10000) { dp.tick(); ++c2; }
    CHECK(c2 < 10000);
  }
  {
    // Abort in the middle of a healthy run, then run again without reset.
    Dp dp;
    auto& m = dp.m;
    dp.put(A0, c.a.data(), c.a.size());
    m.unit_i = 1;
    m.g_a_i = A0; m.g_lda_i = c.k; m.g_b_i = B0; m.g_ldb_i = c.n; m.g_trans_i = 0; m.g_bias_i = BI;
    m.g_bias_en_i = 0; m.g_out_i = O0; m.g_ldo_i = c.n; m.g_m_i = c.m; m.g_k_i = c.k; m.g_n_i = c.n;
    m.g_epi_i = 1; m.rq_m_i = 100; m.rq_s_i = 10;
    m.g_start_i = 1; dp.tick(); m.g_start_i = 0;
    for (int i = 0; i < 700; ++i) dp.tick();
    m.abort_i = 1; dp.tick(); m.abort_i = 0;
    int c2 = 0;
    while (!(m.rd_idle_o && m.wr_idle_o && dp.quiet()) && c2 < 10000) { dp.tick(); ++c2; }
    CHECK(c2 < 10000);
    CHECK(run_gemm(dp, c, 1, "after abort") == 0);
  }
}
