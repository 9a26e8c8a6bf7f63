// run_layer / run_model against docs/spec.md sections 2 and 4.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "esact/layer.hpp"
#include "esact/ops.hpp"
#include "esact/params.hpp"
#include "esact/spls.hpp"
#include "test_util.hpp"

using namespace esact;
using esact::test::random_model;

namespace {

void require_same(const LayerResult& a, const LayerResult& b) {
  CHECK(a.k_used == b.k_used);
  REQUIRE(a.leader == b.leader);
  REQUIRE(a.masks == b.masks);
  REQUIRE(a.kv_needed == b.kv_needed);
  REQUIRE(a.a == b.a);
  REQUIRE(a.q == b.q);
  REQUIRE(a.k == b.k);
  REQUIRE(a.v == b.v);
  REQUIRE(a.p == b.p);
  REQUIRE(a.o == b.o);
  REQUIRE(a.z == b.z);
  REQUIRE(a.h == b.h);
  REQUIRE(a.ffn_in == b.ffn_in);
  REQUIRE(a.g1 == b.g1);
  REQUIRE(a.g == b.g);
  REQUIRE(a.z2 == b.z2);
  REQUIRE(a.y == b.y);
}

std::vector<int8_t> random_input(int n, int d, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> x(static_cast<size_t>(n) * d);
  for (auto& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 161) - 80);
  return x;
}

int8_t ln_out(const std::vector<int32_t>& r, const std::vector<int16_t>& g, const std::vector<int32_t>& b, Requant q,
              int c) {
  return layernorm_row(r, g, b, q)[static_cast<size_t>(c)];
}

// A straight, slow transcription of spec 2 and 4 for one layer, given the
// masks and the leader table (which test_spls checks separately).
struct Naive {
  std::vector<int8_t> q, k, v, o, z, h, z2, y;
};
Naive naive_layer(const Model& m, const Layer& L, const std::vector<int8_t>& x, int n, const std::vector<uint8_t>& masks,
                  const std::vector<int32_t>& leader, bool ffn_reuse) {
  const int d = m.d_model, H = m.n_heads, dh = d / H, f = m.d_ffn;
  const bool pre = L.norm == Norm::Pre;
  auto at = [&](int i, int c) { return static_cast<size_t>(i) * d + c; };
  auto lead = [&](int i) { return leader[i] < 0 ? i : leader[i]; };
  std::vector<int8_t> A(x);
  if (pre)
    for (int i = 0; i < n; ++i) {
      std::vector<int32_t> r(x.begin() + i * d, x.begin() + (i + 1) * d);
      const auto y = layernorm_row(r, L.ln1_gamma, L.ln1_beta, L.rq.ln1);
      std::copy(y.begin(), y.end(), A.begin() + i * d);
    }
  auto in_u = [&](int h, int j) {
    for (int i = 0; i < n; ++i)
      if (leader[i] < 0 && masks[(static_cast<size_t>(h) * n + i) * n + j]) return true;
    return false;
  };
  Naive r;
  r.q.assign(static_cast<size_t>(n) * d, 0);
  r.k = r.v = r.o = r.z = r.h = r.z2 = r.y = r.q;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < d; ++c) {
      int64_t aq = L.bq[c], ak = L.bk[c], av = L.bv[c];
      for (int t = 0; t < d; ++t) {
        aq += A[at(i, t)] * L.wq[at(t, c)];
        ak += A[at(i, t)] * L.wk[at(t, c)];
        av += A[at(i, t)] * L.wv[at(t, c)];
      }
      if (leader[i] < 0) r.q[at(i, c)] = rq(aq, L.rq.q);
      if (in_u(c / dh, i)) {
        r.k[at(i, c)] = rq(ak, L.rq.k);
        r.v[at(i, c)] = rq(av, L.rq.v);
      }
    }
  for (int i = 0; i < n; ++i) {
    if (leader[i] >= 0) continue;
    for (int h = 0; h < H; ++h) {
      std::vector<int32_t> s(static_cast<size_t>(n), 0);
      std::vector<uint8_t> sel(masks.begin() + (static_cast<std::ptrdiff_t>(h) * n + i) * n,
                               masks.begin() + (static_cast<std::ptrdiff_t>(h) * n + i + 1) * n);
      for (int j = 0; j < n; ++j)
        for (int c = h * dh; c < (h + 1) * dh; ++c) s[j] += r.q[at(i, c)] * r.k[at(j, c)];
      const auto p = softmax_row(s, sel, L.rq.softmax);
      for (int c = h * dh; c < (h + 1) * dh; ++c) {
        int64_t acc = 0;
        for (int j = 0; j < n; ++j) acc += p[j] * r.v[at(j, c)];
        r.o[at(i, c)] = rq(acc, L.rq.av);
      }
    }
    for (int c = 0; c < d; ++c) {
      int64_t acc = L.bo[c];
      for (int t = 0; t < d; ++t) acc += r.o[at(i, t)] * L.wo[at(t, c)];
      r.z[at(i, c)] = rq(acc, L.rq.o);
    }
  }
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < d; ++c) r.z[at(i, c)] = r.z[at(lead(i), c)];
  std::vector<int8_t> fin(static_cast<size_t>(n) * d);
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> row(static_cast<size_t>(d));
    for (int c = 0; c < d; ++c) row[c] = x[at(i, c)] + r.z[at(i, c)];
    for (int c = 0; c < d; ++c) {
      if (pre) {
        r.h[at(i, c)] = sat8(row[c]);
      } else {
        r.h[at(i, c)] = ln_out(row, L.ln1_gamma, L.ln1_beta, L.rq.ln1, c);
      }
    }
    if (pre) {
      std::vector<int32_t> hr(r.h.begin() + i * d, r.h.begin() + (i + 1) * d);
      const auto y = layernorm_row(hr, L.ln2_gamma, L.ln2_beta, L.rq.ln2);
      std::copy(y.begin(), y.end(), fin.begin() + i * d);
    } else {
      std::copy(r.h.begin() + i * d, r.h.begin() + (i + 1) * d, fin.begin() + i * d);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (ffn_reuse && leader[i] >= 0) continue;
    std::vector<int8_t> g(static_cast<size_t>(f));
    for (int c = 0; c < f; ++c) {
      int64_t acc = L.b1[c];
      for (int t = 0; t < d; ++t) acc += fin[at(i, t)] * L.w1[static_cast<size_t>(t) * f + c];
      g[c] = L.gelu[rq(acc, L.rq.ffn1) + 128];
    }
    for (int c = 0; c < d; ++c) {
      int64_t acc = L.b2[c];
      for (int t = 0; t < f; ++t) acc += g[t] * L.w2[at(t, c)];
      r.z2[at(i, c)] = rq(acc, L.rq.ffn2);
    }
  }
  if (ffn_reuse)
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < d; ++c) r.z2[at(i, c)] = r.z2[at(lead(i), c)];
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> row(static_cast<size_t>(d));
    for (int c = 0; c < d; ++c) row[c] = r.h[at(i, c)] + r.z2[at(i, c)];
    if (pre) {
      for (int c = 0; c < d; ++c) r.y[at(i, c)] = sat8(row[c]);
    } else {
      const auto y = layernorm_row(row, L.ln2_gamma, L.ln2_beta, L.rq.ln2);
      std::copy(y.begin(), y.end(), r.y.begin() + i * d);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("SPLS with k = N and reuse off equals dense bit for bit") {
  for (Norm norm : {Norm::Post, Norm::Pre}) {
    for (int trial = 0; trial < 3; ++trial) {
      const int heads = 1 + trial, dh = 4 + 2 * trial, d = heads * dh, f = 2 * d + trial, n = 5 + 3 * trial;
      Model m = random_model(d, heads, f, 1, 100 + trial, norm);
      Layer& L = m.layers[0];
      L.spls = {n + 3 /* > N: clamped */, 0, 0, trial % 2 == 0};
      const auto x = random_input(n, d, 7 + trial);
      const auto dense = run_layer(m, L, x, n, Mode::Dense);
      const auto sp = run_layer(m, L, x, n, Mode::Spls);
      CHECK(sp.k_used == n);
      CHECK(sp.leaders() == n);
      require_same(dense, sp);
      // The same with T > H*k and a window: reuse is still off.
      L.spls = {n, 3, heads * n + 1, true};
      require_same(dense, run_layer(m, L, x, n, Mode::Spls));
      // MACs are equal, only the prediction is extra.
      CHECK(dense.work.total_macs() == sp.work.total_macs());
      CHECK(dense.work.prediction_additions == 0);
      CHECK(sp.work.prediction_additions == sp.pred.additions);
      CHECK(sp.work.prediction_additions > 0);
    }
  }
}

TEST_CASE("SPLS layer equals a naive transcription of the spec, and its rules hold") {
  int followers_seen = 0;
  for (Norm norm : {Norm::Post, Norm::Pre}) {
    for (int trial = 0; trial < 4; ++trial) {
      const int heads = 1 + trial % 3, dh = 4 + trial, d = heads * dh, f = 3 * d, n = 8 + 2 * trial;
      Model m = random_model(d, heads, f, 1, 300 + trial + (norm == Norm::Pre ? 50 : 0), norm);
      Layer& L = m.layers[0];
      const int k = 2 + trial;
      L.spls = {k, 1 + trial % 3, heads * k / 3, trial % 2 == 1};
      // Runs of identical tokens make followers likely.
      auto x = random_input(n, d, 900 + trial);
      for (int i = 1; i < n; i += 2)
        if (i % 3 != 0) std::copy_n(x.begin() + (i - 1) * d, d, x.begin() + i * d);
      const auto R = run_layer(m, L, x, n, Mode::Spls);
      CHECK(R.k_used == k);
      // Prediction, masks and leaders are those of the SPLS core functions.
      const auto pred = predict(R.a, L.wq, L.wk, n, d, heads);
      REQUIRE(R.pred.pam == pred.pam);
      REQUIRE(R.masks == topk_masks(pred.pam, n, heads, k));
      REQUIRE(R.leader == similarity(R.masks, n, heads, L.spls.window, L.spls.threshold));
      followers_seen += n - R.leaders();
      const Naive ref = naive_layer(m, L, x, n, R.masks, R.leader, L.spls.ffn_reuse);
      REQUIRE(R.q == ref.q);
      REQUIRE(R.k == ref.k);
      REQUIRE(R.v == ref.v);
      REQUIRE(R.o == ref.o);
      REQUIRE(R.z == ref.z);
      REQUIRE(R.h == ref.h);
      REQUIRE(R.z2 == ref.z2);
      REQUIRE(R.y == ref.y);
      // Explicit rules of spec 4.
      for (int i = 0; i < n; ++i) {
        const int li = R.leader[i];
        if (li < 0) continue;
        CHECK(R.leader[li] == -1);  // a follower's leader is a leader
        for (int c = 0; c < d; ++c) {
          REQUIRE(R.z[i * d + c] == R.z[li * d + c]);
          REQUIRE(R.q[i * d + c] == 0);
          if (L.spls.ffn_reuse) REQUIRE(R.z2[i * d + c] == R.z2[li * d + c]);
        }
        for (int h = 0; h < heads; ++h)
          for (int j = 0; j < n; ++j) REQUIRE(R.p[(h * n + i) * n + j] == 0);
      }
      for (int h = 0; h < heads; ++h)
        for (int j = 0; j < n; ++j)
          if (!R.kv_needed[h * n + j])
            for (int c = h * dh; c < (h + 1) * dh; ++c) {
              REQUIRE(R.k[j * d + c] == 0);
              REQUIRE(R.v[j * d + c] == 0);
            }
      // Work accounting, counted by brute force: one count per multiply of the
      // loops the layer runs, enumerated from the decisions (leaders, masks,
      // needed K/V), not from the implementation's closed forms.
      uint64_t nl = static_cast<uint64_t>(R.leaders()), su = 0;
      for (auto u : R.kv_needed) su += u;
      uint64_t qkv = 0, qk = 0, av = 0, exps = 0, wo = 0, ffn = 0;
      for (int i = 0; i < n; ++i) {
        const bool lead = R.leader[i] < 0;
        for (int h = 0; h < heads; ++h) {
          for (int c = h * dh; c < (h + 1) * dh; ++c)
            for (int e = 0; e < d; ++e) {
              qkv += lead;                                // Q[i][c] += X[i][e] * Wq[e][c]
              qkv += 2 * R.kv_needed[h * n + i];          // K and V of token i, head h
              wo += lead;                                 // O[i][c] += A[i][e] * Wo[e][c]
            }
          for (int j = 0; j < n; ++j) {
            const bool kept = lead && R.masks[(static_cast<size_t>(h) * n + i) * n + j];
            exps += kept;
            for (int c = 0; c < dh; ++c) qk += kept, av += kept;  // S[i][j] and A[i][c] terms
          }
        }
        if (lead || !L.spls.ffn_reuse)
          for (int e = 0; e < d; ++e)
            for (int g = 0; g < f; ++g) ffn += 2;  // W1 and W2
      }
      CHECK(R.work.qkv.macs == qkv);
      CHECK(R.work.qk.macs == qk);
      CHECK(R.work.av.macs == av);
      CHECK(R.work.softmax.exps == exps);
      CHECK(R.work.wo.macs == wo);
      CHECK(R.work.ffn.macs == ffn);
      CHECK(qk == nl * k * d);  // each leader row keeps exactly k keys per head
      CHECK(R.work.prediction_additions == pred.additions);
      // Bytes (spec 4.1): X, Y once; Q, O, Z of leaders, K and V of (token, head)
      // in U_h, H of all rows, G and Z2 of the FFN rows: written and read once.
      const uint64_t nffn = L.spls.ffn_reuse ? nl : static_cast<uint64_t>(n);
      CHECK(R.work.activation_bytes ==
            2ull * n * d + 2ull * (3 * nl * d + 2 * su * dh + 1ull * n * d + nffn * f + nffn * d));
      CHECK(R.work.weight_bytes == 6ull * d * d + 2ull * d * f + 4ull * (5 * d + f));
    }
  }
  CHECK(followers_seen > 0);  // the test exercised reuse
}

TEST_CASE("dense work accounting and bytes") {
  const int d = 8, heads = 2, f = 20, n = 6;
  Model m = random_model(d, heads, f, 1, 11, Norm::Post);
  const auto x = random_input(n, d, 3);
  const auto R = run_layer(m, m.layers[0], x, n, Mode::Dense);
  // Brute force: one count per multiply of the dense loops.
  uint64_t proj = 0, attn = 0, exps = 0, ffn = 0;
  for (int i = 0; i < n; ++i) {
    for (int c = 0; c < d; ++c)
      for (int e = 0; e < d; ++e) ++proj;        // one D x D projection of row i
    for (int h = 0; h < heads; ++h)
      for (int j = 0; j < n; ++j) {
        ++exps;
        for (int c = 0; c < d / heads; ++c) ++attn;  // S[h][i][j] (and A[i][c], the same count)
      }
    for (int e = 0; e < d; ++e)
      for (int g = 0; g < f; ++g) ffn += 2;
  }
  CHECK(R.work.qkv.macs == 3 * proj);
  CHECK(R.work.qk.macs == attn);
  CHECK(R.work.av.macs == attn);
  CHECK(R.work.softmax.exps == exps);
  CHECK(R.work.wo.macs == proj);
  CHECK(R.work.ffn.macs == ffn);
  CHECK(R.work.weight_bytes == 4ull * d * d + 2ull * d * f + 4ull * (5 * d + f));
  // X, Y once; Q K V O Z H (N x D) and Z2 (N x D), G (N x F) twice.
  CHECK(R.work.activation_bytes == 2ull * n * d + 2ull * (7ull * n * d + 1ull * n * f));
  const auto S = run_layer(m, m.layers[0], x, n, Mode::Spls);
  CHECK(S.work.weight_bytes == R.work.weight_bytes + 2ull * d * d);
}

TEST_CASE("multi-layer run chains the layers, post and pre mixed") {
  const int d = 12, heads = 3, f = 30, n = 9;
  Model m = random_model(d, heads, f, 3, 77, Norm::Post);
  m.layers[1].norm = Norm::Pre;
  for (auto& L : m.layers) L.spls = {4, 2, 5, true};
  const auto x = random_input(n, d, 5);
  for (Mode mode : {Mode::Dense, Mode::Spls}) {
    const auto rs = run_model(m, x, n, mode);
    REQUIRE(rs.size() == 3);
    std::vector<int8_t> in = x;
    for (int l = 0; l < 3; ++l) {
      const auto r = run_layer(m, m.layers[l], in, n, mode);
      REQUIRE(r.y == rs[l].y);
      in = r.y;
    }
    // Layers really change the data.
    CHECK(rs[2].y != x);
  }
}

TEST_CASE("run_layer rejects bad sizes and knobs with clear messages") {
  const int d = 8, heads = 2, f = 16, n = 4;
  const auto x = random_input(n, d, 1);
  auto expect_error = [&](Model m, int nn, std::span<const int8_t> xx, const std::string& needle) {
    try {
      (void)run_layer(m, m.layers[0], xx, nn, Mode::Spls);
      FAIL("no exception for: " << needle);
    } catch (const std::invalid_argument& e) {
      CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  const Model good = random_model(d, heads, f, 1, 1, Norm::Post);
  expect_error(good, 0, std::span<const int8_t>(), "sequence length");
  std::vector<int8_t> big(static_cast<size_t>(params::N_MAX + 1) * d, 0);
  expect_error(good, static_cast<int>(params::N_MAX) + 1, big, "sequence length");
  expect_error(good, n, std::span<const int8_t>(x.data(), x.size() - 1), "input has");
  Model m = good;
  m.layers[0].wq.pop_back();
  expect_error(m, n, x, "'wq'");
  m = good;
  m.layers[0].rq.softmax = {0, 5};
  expect_error(m, n, x, "'softmax'");
  m = good;
  m.layers[0].rq.ffn2 = {5, 48};
  expect_error(m, n, x, "'ffn2'");
  m = good;
  m.layers[0].spls.k = 0;
  expect_error(m, n, x, "k = 0");
  m = good;
  m.layers[0].spls.window = static_cast<int>(params::W_MAX) + 1;
  expect_error(m, n, x, "window");
  m = good;
  m.n_heads = 3;
  expect_error(m, n, x, "multiple");
  m = good;
  m.d_ffn = static_cast<int>(params::F_MAX) + 1;
  expect_error(m, n, x, "d_ffn");
}
