#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "esact/ops.hpp"

using namespace esact;

TEST_CASE("rshr and rq: round half up, saturate") {
  CHECK(rshr(5, 1) == 3);    // 2.5 -> 3
  CHECK(rshr(-5, 1) == -2);  // -2.5 -> -2 (half up)
  CHECK(rshr(-6, 2) == -1);  // -1.5 -> -1
  CHECK(rshr(7, 2) == 2);    // 1.75 -> 2
  CHECK(rq(1000, {1, 1}) == 127);
  CHECK(rq(-1000, {1, 1}) == -128);
  CHECK(rq(-257, {1, 1}) == -128);
  CHECK(rq(254, {1, 1}) == 127);
  CHECK(rq((int64_t{1} << 46), {65535, 47}) == 127);
}

TEST_CASE("requant_from_real picks the largest shift with a 16-bit multiplier") {
  const auto r = requant_from_real(0.001);
  CHECK(r.m < 65536);
  CHECK(r.m >= 32768);
  CHECK(std::abs(std::ldexp(double(r.m), -int(r.s)) - 0.001) / 0.001 < 1e-4);
  CHECK_THROWS(requant_from_real(0.0));
  CHECK_THROWS(requant_from_real(1e6));
}

TEST_CASE("isqrt is the floor square root") {
  std::mt19937_64 rng(2);
  for (uint64_t v = 0; v < 100000; ++v) {
    const uint64_t s = isqrt(v);
    REQUIRE(s * s <= v);
    REQUIRE((s + 1) * (s + 1) > v);
  }
  for (int t = 0; t < 100000; ++t) {
    const uint64_t v = rng() >> (rng() % 64);
    const auto s = static_cast<long double>(isqrt(v));  // exact: 64-bit mantissa
    REQUIRE(s * s <= v);
    REQUIRE((s + 1) * (s + 1) > v);
  }
  CHECK(isqrt(~uint64_t{0}) == 0xffffffffu);
}

TEST_CASE("exp2 table") {
  const auto& t = exp2_table();
  CHECK(t[0] == 32768);
  CHECK(t[128] == 23170);  // 2^15 / sqrt(2) = 23170.48
  for (int r = 1; r < 256; ++r) CHECK(t[r] < t[r - 1]);
}

TEST_CASE("integer softmax: error against float, masks, single key") {
  std::mt19937 rng(3);
  const double scale = 0.02;  // real score = int * scale
  const Requant sm = requant_from_real(scale * std::log2(std::exp(1.0)) * 256.0);
  double worst = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + trial % 128;
    std::vector<int32_t> s(n);
    for (auto& v : s) v = static_cast<int32_t>(rng() % 2001) - 1000;
    const auto p = softmax_row(s, {}, sm);
    const double mx = *std::max_element(s.begin(), s.end());
    double z = 0;
    for (int v : s) z += std::exp((v - mx) * scale);
    for (int j = 0; j < n; ++j) {
      const double ref = std::exp((s[j] - mx) * scale) / z;
      worst = std::max(worst, std::abs(p[j] / 128.0 - ref));
    }
  }
  MESSAGE("softmax worst abs error vs float: " << worst);
  CHECK(worst < 1.5 / 128.0);  // Q0.7 output: about one LSB

  std::vector<int32_t> s{5, 100, -7, 100};
  std::vector<uint8_t> sel{1, 0, 1, 0};
  const auto p = softmax_row(s, sel, sm);
  CHECK(p[1] == 0);
  CHECK(p[3] == 0);
  CHECK(p[0] > p[2]);
  std::vector<uint8_t> one{0, 0, 1, 0};
  CHECK(softmax_row(s, one, sm)[2] == 127);
  std::vector<uint8_t> none{0, 0, 0, 0};
  CHECK_THROWS(softmax_row(s, none, sm));
}

TEST_CASE("integer layernorm: error against float, constant row") {
  std::mt19937 rng(4);
  const int d = 256;
  const double g = 1.0 / 4096.0, out_scale = 1.0 / 32.0;
  const Requant r = requant_from_real(g / (1024.0 * out_scale));
  double worst = 0;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int32_t> x(d);
    std::vector<int16_t> gamma(d);
    std::vector<int32_t> beta(d);
    std::vector<double> gf(d), bf(d);
    for (int i = 0; i < d; ++i) {
      x[i] = static_cast<int32_t>(rng() % 511) - 256;
      gf[i] = 0.5 + (rng() % 1000) / 1000.0;
      bf[i] = ((rng() % 1000) / 1000.0 - 0.5) * 0.5;
      gamma[i] = static_cast<int16_t>(std::lround(gf[i] / g));
      beta[i] = static_cast<int32_t>(std::lround(bf[i] * 1024.0 / g));
    }
    const auto y = layernorm_row(x, gamma, beta, r);
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / d;
    double var = 0;
    for (int v : x) var += (v - mean) * (v - mean);
    var /= d;
    for (int i = 0; i < d; ++i) {
      const double ref = (x[i] - mean) / std::sqrt(var + 1e-5) * gf[i] + bf[i];
      const double clamped = std::clamp(ref, -128 * out_scale, 127 * out_scale);
      worst = std::max(worst, std::abs(y[i] * out_scale - clamped));
    }
  }
  MESSAGE("layernorm worst abs error vs float (real units, LSB = " << out_scale << "): " << worst);
  CHECK(worst <= out_scale * 0.6);
  std::vector<int32_t> flat(16, 7);
  std::vector<int16_t> gamma(16, 100);
  std::vector<int32_t> beta(16, 3 << 10);
  for (int8_t v : layernorm_row(flat, gamma, beta, {1, 10})) CHECK(v == 3);
}
