// Layer-RTL arithmetic leaves against the golden ops (golden/include/esact/ops.hpp):
// esact_requant (32/64-bit), esact_exp2_rom, esact_div, esact_isqrt.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <random>

#include "Vtb_unit_arith.h"
#include "esact/ops.hpp"
#include "esact/params.hpp"

namespace {

struct Arith {
  Vtb_unit_arith m;
  Arith() {
    m.clk_i = 0;
    m.rst_ni = 0;
    m.div_start_i = 0;
    m.sqrt_start_i = 0;
    m.div2_start_i = 0;
    m.sqrt2_start_i = 0;
    m.eval();
    tick();
    m.rst_ni = 1;
    m.eval();
  }
  void tick() {
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
  }
  int8_t rq32(int32_t acc, esact::Requant r) {
    m.rq32_acc_i = static_cast<uint32_t>(acc);
    m.rq_m_i = r.m;
    m.rq_s_i = r.s;
    m.eval();
    return static_cast<int8_t>(m.rq32_o);
  }
  int8_t rq64(int64_t acc, esact::Requant r) {
    m.rq64_acc_i = static_cast<uint64_t>(acc);
    m.rq_m_i = r.m;
    m.rq_s_i = r.s;
    m.eval();
    return static_cast<int8_t>(m.rq64_o);
  }
  // A serial unit's result and its latency (clock edges from start_i to done_o).
  struct Serial {
    uint64_t value;
    int cycles;
  };
  template <typename Start, typename Done, typename Value>
  Serial serial(const char* what, Start& start, const Done& done, const Value& value) {
    start = 1;
    tick();
    start = 0;
    for (int c = 1; c <= 100; ++c) {
      tick();
      if (done) return {static_cast<uint64_t>(value), c};
    }
    FAIL(what << ": no done within 100 cycles");
    return {0, 0};
  }
  uint64_t div(uint64_t a, uint64_t b) {
    m.div_dividend_i = a;
    m.div_divisor_i = b;
    const Serial r = serial("divider (softmax)", m.div_start_i, m.div_done_o, m.div_quotient_o);
    CHECK(r.cycles == 33 / static_cast<int>(esact::params::SM_DIV_STEPS));
    return r.value;
  }
  uint64_t sqrt(uint64_t v) {
    m.sqrt_value_i = v;
    const Serial r = serial("isqrt", m.sqrt_start_i, m.sqrt_done_o, m.sqrt_root_o);
    CHECK(r.cycles == 32);
    return r.value;
  }
  // The LayerNorm's: esact::params::LN_STATS_STEPS result bits per cycle.
  static constexpr int kLnSteps = static_cast<int>(esact::params::LN_STATS_STEPS);
  uint64_t div2(uint32_t a, uint32_t b) {
    m.div2_dividend_i = a;
    m.div2_divisor_i = b;
    const Serial r = serial("divider (LayerNorm)", m.div2_start_i, m.div2_done_o, m.div2_quotient_o);
    CHECK(r.cycles == 32 / kLnSteps);
    return r.value;
  }
  uint64_t sqrt2(uint64_t v) {
    m.sqrt2_value_i = v;
    const Serial r = serial("isqrt (LayerNorm)", m.sqrt2_start_i, m.sqrt2_done_o, m.sqrt2_root_o);
    CHECK(r.cycles == 20 / kLnSteps);
    return r.value;
  }
};

esact::Requant rand_rq(std::mt19937_64& rng) {
  return {static_cast<uint32_t>(1 + rng() % 65535), static_cast<uint32_t>(1 + rng() % 47)};
}

}  // namespace

TEST_CASE("rtl requant: 32-bit accumulators equal esact::rq (random, edges, saturation)") {
  Arith a;
  std::mt19937_64 rng(11);
  int bad = 0;
  const int32_t edges[] = {0, 1, -1, 127, -128, 128, -129, INT32_MAX, INT32_MIN, 1 << 20, -(1 << 20)};
  for (int t = 0; t < 200000; ++t) {
    const auto r = rand_rq(rng);
    int32_t acc;
    if (t < 11 * 64) acc = edges[t % 11];
    else {
      const unsigned bits = static_cast<unsigned>(rng() % 33);
      acc = static_cast<int32_t>(rng() >> (64 - std::max(bits, 1u)));
      if (rng() & 1) acc = -acc;
    }
    const int8_t rtl = a.rq32(acc, r), gold = esact::rq(acc, r);
    if (rtl != gold && bad++ < 5) FAIL_CHECK(fmt::format("acc={} M={} S={}: rtl {} golden {}", acc, r.m, r.s, rtl, gold));
  }
  CHECK(bad == 0);
  // Rounding half up at the boundary and both saturations.
  CHECK(a.rq32(1, {1, 1}) == esact::rq(1, {1, 1}));    // 0.5 -> 1
  CHECK(a.rq32(-1, {1, 1}) == esact::rq(-1, {1, 1}));  // -0.5 -> 0
  CHECK(a.rq32(INT32_MAX, {65535, 1}) == 127);
  CHECK(a.rq32(INT32_MIN, {65535, 1}) == -128);
}

TEST_CASE("rtl requant: 64-bit accumulators (LayerNorm) equal esact::rq for |acc| < 2^47") {
  Arith a;
  std::mt19937_64 rng(12);
  int bad = 0;
  for (int t = 0; t < 200000; ++t) {
    const auto r = rand_rq(rng);
    const unsigned bits = static_cast<unsigned>(rng() % 48);
    int64_t acc = static_cast<int64_t>(rng() >> (64 - std::max(bits, 1u)));
    if (rng() & 1) acc = -acc;
    const int8_t rtl = a.rq64(acc, r), gold = esact::rq(acc, r);
    if (rtl != gold && bad++ < 5) FAIL_CHECK(fmt::format("acc={} M={} S={}: rtl {} golden {}", acc, r.m, r.s, rtl, gold));
  }
  CHECK(bad == 0);
}

TEST_CASE("rtl exp2 ROM equals esact::exp2_table() entry by entry") {
  Arith a;
  const auto& tab = esact::exp2_table();
  for (int r = 0; r < 256; ++r) {
    a.m.rom_addr_i = static_cast<uint8_t>(r);
    a.m.eval();
    INFO("entry ", r);
    CHECK(a.m.rom_data_o == tab[static_cast<size_t>(r)]);
  }
  CHECK(tab[0] == 32768);
}

TEST_CASE("rtl divider: floor(a / b), including the softmax reciprocal 2^32 / sum") {
  Arith a;
  std::mt19937_64 rng(13);
  const uint64_t two32 = uint64_t{1} << 32;
  for (uint64_t sum : {uint64_t{32768}, uint64_t{32769}, uint64_t{65535}, uint64_t{256} * 32768, uint64_t{1}, uint64_t{3}})
    CHECK(a.div(two32, sum) == two32 / sum);
  int bad = 0;
  for (int t = 0; t < 3000; ++t) {
    const uint64_t x = rng() & ((uint64_t{1} << 33) - 1);
    uint64_t y = (rng() >> (31 + rng() % 33)) & ((uint64_t{1} << 33) - 1);
    if (y == 0) y = 1;
    if (a.div(x, y) != x / y && bad++ < 5) FAIL_CHECK(fmt::format("{} / {}", x, y));
  }
  CHECK(bad == 0);
}

TEST_CASE("rtl isqrt equals esact::isqrt (squares, neighbours, random, extremes)") {
  Arith a;
  std::mt19937_64 rng(14);
  int bad = 0;
  auto one = [&](uint64_t v) {
    const uint64_t rtl = a.sqrt(v), gold = esact::isqrt(v);
    if (rtl != gold && bad++ < 5) FAIL_CHECK(fmt::format("isqrt({}) rtl {} golden {}", v, rtl, gold));
  };
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{4}, UINT64_MAX, uint64_t{1} << 42}) one(v);
  for (int t = 0; t < 2000; ++t) {
    const uint64_t r = rng() >> (32 + rng() % 32);
    one(r * r);
    if (r) one(r * r - 1);
    one(rng() >> (rng() % 64));
  }
  CHECK(bad == 0);
}

TEST_CASE("rtl divider at the LayerNorm's LN_STATS_STEPS bits per cycle: floor(2^30 / sig) for every sig class, random 32-bit") {
  Arith a;
  std::mt19937_64 rng(15);
  const uint32_t two30 = uint32_t{1} << 30;
  int bad = 0;
  auto one = [&](uint32_t x, uint32_t y) {
    if (a.div2(x, y) != x / y && bad++ < 5) FAIL_CHECK(fmt::format("{} / {}", x, y));
  };
  for (uint32_t sig = 1; sig <= (uint32_t{1} << 20); sig = sig < 4096 ? sig + 1 : sig * 2 - 1) one(two30, sig);
  one(two30, uint32_t{1} << 20);
  for (int t = 0; t < 3000; ++t) {
    const uint32_t x = static_cast<uint32_t>(rng());
    uint32_t y = static_cast<uint32_t>(rng() >> (32 + rng() % 32));
    if (y == 0) y = 1;
    one(x, y);
  }
  one(UINT32_MAX, 1);
  one(UINT32_MAX, UINT32_MAX);
  CHECK(bad == 0);
}

TEST_CASE("rtl isqrt at the LayerNorm's LN_STATS_STEPS bits per cycle (40 bits) equals esact::isqrt") {
  Arith a;
  std::mt19937_64 rng(16);
  const uint64_t top = (uint64_t{1} << 40) - 1;
  int bad = 0;
  auto one = [&](uint64_t v) {
    const uint64_t rtl = a.sqrt2(v), gold = esact::isqrt(v);
    if (rtl != gold && bad++ < 5) FAIL_CHECK(fmt::format("isqrt({}) rtl {} golden {}", v, rtl, gold));
  };
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{4}, top, top - 1}) one(v);
  for (int t = 0; t < 2000; ++t) {
    const uint64_t r = rng() >> (44 + rng() % 20);  // r < 2^20: r^2 < 2^40
    one(r * r);
    if (r) one(r * r - 1);
    one((rng() >> (rng() % 64)) & top);
  }
  CHECK(bad == 0);
}
