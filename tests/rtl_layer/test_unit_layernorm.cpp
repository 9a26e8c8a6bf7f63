// esact_layernorm (through the AXI engines) against esact::layernorm_row (spec 2.4)
// and the pre-LN residual sat8(x + z): random rows, constant rows, extremes.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <random>
#include <vector>

#include "esact/ops.hpp"
#include "unit_dp.hpp"

using esact_test::Dp;

namespace {

struct LnCase {
  int rows = 1, d = 1;
  int stride = 0;  // row stride in bytes (0: d, rows back to back)
  bool ln = true, in2 = true;
  std::vector<int8_t> x, z;
  std::vector<int16_t> gamma;
  std::vector<int32_t> beta;
  esact::Requant rq{1, 1};
};

int run_ln(Dp& dp, const LnCase& c, uint32_t off, const std::string& what) {
  const uint32_t X = 0x1000 + off, Z = 0x9000 + off, O = 0x11000 + off, G = 0x19000, B = 0x1b000;
  const int stride = c.stride ? c.stride : c.d;
  const size_t span = static_cast<size_t>(c.rows - 1) * stride + c.d;
  for (int i = 0; i < c.rows; ++i) {
    dp.put(X + static_cast<uint32_t>(i * stride), c.x.data() + static_cast<size_t>(i) * c.d, static_cast<size_t>(c.d));
    if (c.in2)
      dp.put(Z + static_cast<uint32_t>(i * stride), c.z.data() + static_cast<size_t>(i) * c.d, static_cast<size_t>(c.d));
  }
  dp.put(G, c.gamma.data(), c.gamma.size() * 2);
  dp.put(B, c.beta.data(), c.beta.size() * 4);
  std::vector<int8_t> poison(span + 32, 0x55);
  dp.put(O, poison.data(), poison.size());
  auto& m = dp.m;
  const int64_t cyc = dp.run(
      3,
      [&] {
        m.l_mode_ln_i = c.ln; m.l_in2_en_i = c.in2; m.l_in1_i = X; m.l_in2_i = Z; m.l_out_i = O;
        m.l_stride_i = static_cast<uint32_t>(stride); m.l_rows_i = c.rows; m.l_d_i = c.d; m.l_gamma_i = G; m.l_beta_i = B;
        m.rq_m_i = c.rq.m; m.rq_s_i = c.rq.s;
      },
      [&](bool v) { m.l_start_i = v; }, [&] { return m.l_done_o != 0; });
  REQUIRE_MESSAGE(cyc > 0, what, ": layernorm did not finish");
  std::vector<int8_t> out(span + 32);
  dp.get(O, out.data(), out.size());
  int bad = 0;
  std::vector<int32_t> r(static_cast<size_t>(c.d));
  for (int i = 0; i < c.rows; ++i) {
    std::vector<int8_t> gold(static_cast<size_t>(c.d));
    for (int k = 0; k < c.d; ++k) {
      const size_t e = static_cast<size_t>(i) * c.d + k;
      r[k] = c.x[e] + (c.in2 ? c.z[e] : 0);
      if (!c.ln) gold[k] = esact::sat8(r[k]);
    }
    if (c.ln) gold = esact::layernorm_row(r, c.gamma, c.beta, c.rq);
    for (int k = 0; k < c.d; ++k) {
      const int8_t got = out[static_cast<size_t>(i) * stride + k];
      if (got != gold[k] && bad++ < 5)
        FAIL_CHECK(fmt::format("{}: first mismatch row {} col {}: rtl {} golden {}", what, i, k, got, gold[k]));
    }
  }
  for (size_t e = 0; e < out.size(); ++e) {  // the gaps between rows and the bytes after the last
    const bool in_row = e < span && static_cast<int>(e % static_cast<size_t>(stride)) < c.d;
    if (!in_row && out[e] != 0x55 && bad++ < 5) FAIL_CHECK(fmt::format("{}: wrote byte {} outside the rows", what, e));
  }
  CHECK(dp.errors().empty());
  for (auto& e : dp.errors()) MESSAGE(e);
  return bad;
}

LnCase random_case(std::mt19937_64& rng, int rows, int d, bool ln, bool in2) {
  LnCase c;
  c.rows = rows; c.d = d; c.ln = ln; c.in2 = in2;
  const size_t nd = static_cast<size_t>(rows) * d;
  c.x.resize(nd); c.z.resize(nd);
  for (auto& v : c.x) v = static_cast<int8_t>(rng());
  for (auto& v : c.z) v = static_cast<int8_t>(rng());
  c.gamma.resize(static_cast<size_t>(d)); c.beta.resize(static_cast<size_t>(d));
  for (auto& g : c.gamma) g = static_cast<int16_t>(rng());
  for (auto& b : c.beta) b = static_cast<int32_t>(rng() % (1u << 24)) - (1 << 23);
  c.rq = {static_cast<uint32_t>(1 + rng() % 65535), static_cast<uint32_t>(12 + rng() % 30)};
  return c;
}

}  // namespace

TEST_CASE("rtl layernorm: LN(x + z), LN(x) and sat8(x + z) on random rows of many widths") {
  Dp dp;
  std::mt19937_64 rng(31);
  for (int d : {1, 2, 15, 16, 17, 48, 100, 128}) {
    for (int mode = 0; mode < 3; ++mode) {
      const bool ln = mode != 2, in2 = mode != 1;
      const auto c = random_case(rng, 3, d, ln, in2);
      CHECK(run_ln(dp, c, static_cast<uint32_t>(rng() % 16), fmt::format("d={} mode={}", d, mode)) == 0);
    }
  }
}

TEST_CASE("rtl layernorm: constant rows (V = 0), extremes, saturation") {
  Dp dp;
  std::mt19937_64 rng(32);
  auto c = random_case(rng, 4, 64, true, true);
  for (size_t i = 0; i < c.x.size(); ++i) { c.x[i] = 5; c.z[i] = -3; }  // constant rows: n = 0, y = rq(beta)
  CHECK(run_ln(dp, c, 0, "constant rows") == 0);
  auto e = random_case(rng, 4, 64, true, true);
  for (size_t i = 0; i < e.x.size(); ++i) { e.x[i] = (i % 2) ? 127 : -128; e.z[i] = (i % 3) ? 127 : -128; }
  for (auto& g : e.gamma) g = (rng() & 1) ? 32767 : -32768;
  e.rq = {65535, 12};  // saturates both ways
  CHECK(run_ln(dp, e, 5, "extremes") == 0);
  auto s = random_case(rng, 2, 64, false, true);
  for (size_t i = 0; i < s.x.size(); ++i) { s.x[i] = (i % 2) ? 127 : -128; s.z[i] = (i % 2) ? 100 : -100; }
  CHECK(run_ln(dp, s, 3, "residual saturation") == 0);
  auto one = random_case(rng, 2, 64, true, true);
  for (size_t i = 0; i < one.x.size(); ++i) { one.x[i] = 0; one.z[i] = (i % 64 == 7) ? 100 : 0; }  // one spike
  CHECK(run_ln(dp, one, 0, "single spike") == 0);
}

TEST_CASE("rtl layernorm: many rows through the pipeline (every r bank reused, rows of different statistics)") {
  // Over three times as many rows as r banks (4): FRONT, SQRT, DIV and OUT work
  // on different rows at once; widths below, at and above one beat (one-beat
  // rows keep F_ZPRE); every mode.
  Dp dp;
  std::mt19937_64 rng(33);
  for (int d : {1, 16, 33, 128}) {
    for (int mode = 0; mode < 3; ++mode) {
      const bool ln = mode != 2, in2 = mode != 1;
      auto c = random_case(rng, 13, d, ln, in2);
      for (int i = 0; i < c.rows; ++i) {  // rows of very different spread
        const int sh = static_cast<int>(rng() % 7);
        for (int k = 0; k < d; ++k) {
          const size_t e = static_cast<size_t>(i) * d + k;
          c.x[e] = static_cast<int8_t>(c.x[e] >> sh);
          c.z[e] = static_cast<int8_t>(c.z[e] >> sh);
        }
      }
      CHECK(run_ln(dp, c, static_cast<uint32_t>(rng() % 16), fmt::format("rows=13 d={} mode={}", d, mode)) == 0);
    }
  }
}

TEST_CASE("rtl layernorm: rows with gaps (stride > d: one write request per row) and back to back (one per call)") {
  // stride = d with d a multiple of the beat: the call's output is one write
  // request; otherwise one request per row.  Both ways the gaps stay untouched.
  Dp dp;
  std::mt19937_64 rng(34);
  for (int d : {16, 32, 64, 20}) {
    for (int gap : {0, 16, 5}) {
      for (int mode = 0; mode < 3; ++mode) {
        const bool ln = mode != 2, in2 = mode != 1;
        auto c = random_case(rng, 7, d, ln, in2);
        c.stride = d + gap;
        CHECK(run_ln(dp, c, static_cast<uint32_t>(rng() % 16), fmt::format("d={} stride={} mode={}", d, d + gap, mode)) == 0);
      }
    }
  }
}
