#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>

#include "esact/hlog.hpp"

using esact::hlog;
using esact::hlog_encode;

namespace {
// Every HLog level up to 2^20, ascending: 1, 2, 3, 4, 6, 8, 12, ...
std::vector<int64_t> levels() {
  std::vector<int64_t> l{1, 2, 3};
  for (int e = 2; e <= 20; ++e) {
    l.push_back(int64_t{1} << e);
    l.push_back(int64_t{3} << (e - 1));  // 3 * 2^(e-1)
  }
  std::sort(l.begin(), l.end());
  l.erase(std::unique(l.begin(), l.end()), l.end());
  return l;
}
}  // namespace

TEST_CASE("hlog: small values are exact and zero maps to zero") {
  CHECK(hlog(0) == 0);
  CHECK(hlog(1) == 1);
  CHECK(hlog(2) == 2);
  CHECK(hlog(3) == 3);
  CHECK(hlog(-3) == -3);
  CHECK(!hlog_encode(0).nonzero);
}

TEST_CASE("hlog: the two bits below the leading one pick the level") {
  // p = 4 (16..31): b = 00 -> 16, 01 -> 24, 10 -> 24, 11 -> 32
  CHECK(hlog(16) == 16);
  CHECK(hlog(19) == 16);
  CHECK(hlog(20) == 24);
  CHECK(hlog(27) == 24);
  CHECK(hlog(28) == 32);
  CHECK(hlog(31) == 32);
  CHECK(hlog(127) == 128);
  CHECK(hlog(-128) == -128);
  CHECK(hlog(96) == 96);
}

TEST_CASE("hlog: nearest level, ties up, sign kept, worst error 20%") {
  const auto lv = levels();
  double worst = 0;
  for (int64_t v = 1; v < (1 << 19); ++v) {
    // nearest level by brute force, ties to the larger level
    int64_t best = lv[0];
    for (int64_t l : lv) {
      const int64_t d = std::llabs(l - v), bd = std::llabs(best - v);
      if (d < bd || (d == bd && l > best)) best = l;
    }
    REQUIRE_MESSAGE(hlog(v) == best, "v = " << v);
    REQUIRE(hlog(-v) == -best);
    worst = std::max(worst, std::abs(double(hlog(v) - v)) / double(v));
  }
  CHECK(worst <= 0.2 + 1e-12);
  CHECK(worst > 0.19);  // 5 -> 6, 10 -> 12 ... reach 20%
}

TEST_CASE("hlog: code <-> byte round trip and the value of every code") {
  for (int v = -128; v <= 127; ++v) {
    const auto c = hlog_encode(v);
    CHECK(esact::hlog_from_byte(esact::hlog_to_byte(c)) == c);
    CHECK(esact::hlog_value(c) == hlog(v));
    if (c.nonzero) CHECK((esact::hlog_to_byte(c) & 0x40) != 0);
  }
  CHECK(esact::hlog_to_byte(hlog_encode(0)) == 0);
}

TEST_CASE("hlog: the product of two codes equals the product of values and has at most two set bits") {
  std::mt19937_64 rng(1);
  for (int a = -300; a <= 300; ++a) {
    for (int b = -300; b <= 300; b += 7) {
      const auto ca = hlog_encode(a), cb = hlog_encode(b);
      const auto p = esact::hlog_product(ca, cb);
      REQUIRE(p.value == esact::hlog_value(ca) * esact::hlog_value(cb));
      const uint64_t mag = static_cast<uint64_t>(std::llabs(p.value));
      CHECK(__builtin_popcountll(mag) <= 2);
      CHECK(p.terms == (p.value == 0 ? 0 : (ca.h || cb.h ? 2 : 1)));
    }
  }
}
