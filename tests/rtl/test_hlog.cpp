// esact_hlog.sv against the golden HLog: all 8-bit inputs, a million random 32-bit ones.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <random>

#include "Vhlog32.h"
#include "Vhlog8.h"
#include "esact/hlog.hpp"

namespace {
template <typename Model>
esact::HlogCode eval(Model& m, int64_t v, uint32_t in_mask) {
  m.value_i = static_cast<uint32_t>(v) & in_mask;
  m.eval();
  return {m.neg_o != 0, m.nz_o != 0, static_cast<uint8_t>(m.e_o), m.h_o != 0};
}
std::string show(const esact::HlogCode& c) {
  return fmt::format("(neg={} nz={} e={} h={})", c.neg, c.nonzero, c.e, c.h);
}
}  // namespace

TEST_CASE("rtl hlog: every 8-bit input equals the golden code") {
  Vhlog8 m;
  int failures = 0;
  for (int v = -128; v <= 127; ++v) {
    const auto rtl = eval(m, v, 0xffu);
    const auto gold = esact::hlog_encode(v);
    if (!(rtl == gold)) {
      if (failures++ < 5) FAIL_CHECK(fmt::format("v={} rtl={} golden={}", v, show(rtl), show(gold)));
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("rtl hlog: a million random 32-bit inputs equal the golden code") {
  Vhlog32 m;
  std::mt19937_64 rng(0xE5AC7);
  int failures = 0;
  for (int t = 0; t < 1'000'000; ++t) {
    // Mix uniform values with small magnitudes so every exponent is exercised.
    const unsigned bits = static_cast<unsigned>(rng() % 33);
    int64_t v = static_cast<int32_t>(static_cast<uint32_t>(rng()));
    if (bits < 32) v = static_cast<int64_t>(rng() & ((uint64_t{1} << bits) - 1)) * ((rng() & 1) ? -1 : 1);
    const auto rtl = eval(m, v, 0xffffffffu);
    const auto gold = esact::hlog_encode(v);
    if (!(rtl == gold)) {
      if (failures++ < 5) FAIL_CHECK(fmt::format("v={} rtl={} golden={}", v, show(rtl), show(gold)));
    }
  }
  CHECK(failures == 0);
  // The extremes.
  CHECK(eval(m, INT32_MIN, 0xffffffffu) == esact::hlog_encode(INT32_MIN));
  CHECK(eval(m, INT32_MAX, 0xffffffffu) == esact::hlog_encode(INT32_MAX));
}
