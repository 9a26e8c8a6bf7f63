// Helpers shared by the golden_ext tests: a small random model whose requant
// pairs keep the intermediates in a sensible int8 range.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "esact/model.hpp"
#include "esact/ops.hpp"

namespace esact::test {

inline Model random_model(int d, int heads, int f, int layers, uint32_t seed, Norm norm) {
  std::mt19937 rng(seed);
  auto i8 = [&](size_t count) {
    std::vector<int8_t> v(count);
    for (auto& e : v) e = static_cast<int8_t>(rng());
    return v;
  };
  auto i32 = [&](size_t count, int range) {
    std::vector<int32_t> v(count);
    for (auto& e : v) e = static_cast<int32_t>(rng() % (2 * range + 1)) - range;
    return v;
  };
  Model m;
  m.d_model = d;
  m.n_heads = heads;
  m.d_ffn = f;
  m.source = "test::random_model";
  const double dh = d / heads;
  for (int l = 0; l < layers; ++l) {
    Layer L;
    L.norm = norm;
    L.spls = {2, 2, 1, true};
    const size_t D = static_cast<size_t>(d), F = static_cast<size_t>(f);
    L.wq = i8(D * D);
    L.wk = i8(D * D);
    L.wv = i8(D * D);
    L.wo = i8(D * D);
    L.w1 = i8(D * F);
    L.w2 = i8(F * D);
    L.bq = i32(D, 3000);
    L.bk = i32(D, 3000);
    L.bv = i32(D, 3000);
    L.bo = i32(D, 3000);
    L.b1 = i32(F, 3000);
    L.b2 = i32(D, 3000);
    L.ln1_gamma.resize(D);
    L.ln2_gamma.resize(D);
    for (auto& g : L.ln1_gamma) g = static_cast<int16_t>(200 + rng() % 400);
    for (auto& g : L.ln2_gamma) g = static_cast<int16_t>(200 + rng() % 400);
    L.ln1_beta = i32(D, 20000);
    L.ln2_beta = i32(D, 20000);
    const double mm = 46.0 * 73.0;  // std of int8 activation x std of uniform int8 weight
    L.rq.q = requant_from_real(40.0 / (mm * std::sqrt(d)));
    L.rq.k = L.rq.q;
    L.rq.v = L.rq.q;
    L.rq.o = L.rq.q;
    L.rq.softmax = requant_from_real(512.0 / (1600.0 * std::sqrt(dh)));
    L.rq.av = requant_from_real(1.0 / 128.0);
    L.rq.ln1 = requant_from_real(30.0 / 409600.0);
    L.rq.ln2 = L.rq.ln1;
    L.rq.ffn1 = requant_from_real(40.0 / (mm * std::sqrt(d)));
    L.rq.ffn2 = requant_from_real(40.0 / (30.0 * 73.0 * std::sqrt(f)));
    for (int v = -128; v < 128; ++v) {
      const double t = v / 32.0;
      const double g = 0.5 * t * (1.0 + std::erf(t / std::sqrt(2.0)));
      L.gelu[static_cast<size_t>(v + 128)] = sat8(std::llround(g * 32.0));
    }
    m.layers.push_back(std::move(L));
  }
  return m;
}

}  // namespace esact::test
