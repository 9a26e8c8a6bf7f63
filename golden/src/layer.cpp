// The encoder layer in integers, dense and SPLS (docs/spec.md sections 2 and 4).
#include "esact/layer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "esact/ops.hpp"
#include "esact/params.hpp"

namespace esact {
namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

void check_requant(const Requant& r, const char* name, int layer_idx) {
  if (r.m < 1 || r.m > 65535 || r.s < 1 || r.s > params::RQ_S_MAX)
    bad(fmt::format("layer {}: requant '{}' = [{}, {}] out of range (M in 1..65535, S in 1..{})", layer_idx, name, r.m,
                    r.s, params::RQ_S_MAX));
}

void check_size(size_t got, size_t want, const char* name, int layer_idx) {
  if (got != want)
    bad(fmt::format("layer {}: array '{}' has {} elements, expected {}", layer_idx, name, got, want));
}

// acc[r][c - c0] = bias[c] + sum_k a[rows[r]][k] * w[k][c] for c in [c0, c1).
// int8 x int8 products accumulate exactly in int32 (spec 1).  Four rows at a
// time so that each weight row is read once per four output rows; the inner
// loop over c is contiguous and vectorizes.
void gemm_rows(const int8_t* a, int kdim, const std::vector<int>& rows, const int8_t* w, int ldw, int c0, int c1,
               const int32_t* bias, std::vector<int32_t>& acc) {
  const int nc = c1 - c0;
  const size_t nr = rows.size();
  acc.resize(nr * static_cast<size_t>(nc));
  for (size_t r = 0; r < nr; ++r)
    for (int c = 0; c < nc; ++c) acc[r * nc + c] = bias[c0 + c];
  size_t r = 0;
  for (; r + 4 <= nr; r += 4) {
    const int8_t* a0 = a + static_cast<size_t>(rows[r]) * kdim;
    const int8_t* a1 = a + static_cast<size_t>(rows[r + 1]) * kdim;
    const int8_t* a2 = a + static_cast<size_t>(rows[r + 2]) * kdim;
    const int8_t* a3 = a + static_cast<size_t>(rows[r + 3]) * kdim;
    int32_t* o0 = &acc[r * nc];
    int32_t* o1 = o0 + nc;
    int32_t* o2 = o1 + nc;
    int32_t* o3 = o2 + nc;
    for (int k = 0; k < kdim; ++k) {
      const int32_t x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
      const int8_t* wr = w + static_cast<size_t>(k) * ldw + c0;
      for (int c = 0; c < nc; ++c) {
        const int32_t wv = wr[c];
        o0[c] += x0 * wv;
        o1[c] += x1 * wv;
        o2[c] += x2 * wv;
        o3[c] += x3 * wv;
      }
    }
  }
  for (; r < nr; ++r) {
    const int8_t* a0 = a + static_cast<size_t>(rows[r]) * kdim;
    int32_t* o0 = &acc[r * nc];
    for (int k = 0; k < kdim; ++k) {
      const int32_t x0 = a0[k];
      if (x0 == 0) continue;
      const int8_t* wr = w + static_cast<size_t>(k) * ldw + c0;
      for (int c = 0; c < nc; ++c) o0[c] += x0 * static_cast<int32_t>(wr[c]);
    }
  }
}

// out[rows[r]][c] = rq(acc[r][c - c0]) into an [n][ld] tensor.
void requant_rows(const std::vector<int32_t>& acc, const std::vector<int>& rows, int c0, int c1, Requant r,
                  int8_t* out, int ld) {
  const int nc = c1 - c0;
  for (size_t i = 0; i < rows.size(); ++i) {
    int8_t* o = out + static_cast<size_t>(rows[i]) * ld + c0;
    const int32_t* s = &acc[i * nc];
    for (int c = 0; c < nc; ++c) o[c] = rq(s[c], r);
  }
}

// LayerNorm of row `row` of the [n][d] int32 tensor `r` into out.
void ln_row(const int32_t* r, int d, const Layer& L, bool second, Requant rqp, int8_t* out) {
  const auto y = layernorm_row(std::span<const int32_t>(r, d), second ? L.ln2_gamma : L.ln1_gamma,
                               second ? L.ln2_beta : L.ln1_beta, rqp);
  std::copy(y.begin(), y.end(), out);
}

}  // namespace

int LayerResult::leaders() const {
  return static_cast<int>(std::count(leader.begin(), leader.end(), -1));
}

void check_model_shape(const Model& model) {
  const int d = model.d_model, h = model.n_heads, f = model.d_ffn;
  if (d < 1 || static_cast<unsigned>(d) > params::D_MAX)
    bad(fmt::format("model: d_model = {} out of range 1..{}", d, params::D_MAX));
  if (h < 1 || static_cast<unsigned>(h) > params::H_MAX)
    bad(fmt::format("model: n_heads = {} out of range 1..{}", h, params::H_MAX));
  if (d % h != 0) bad(fmt::format("model: d_model = {} is not a multiple of n_heads = {}", d, h));
  if (static_cast<unsigned>(d / h) > params::DH_MAX)
    bad(fmt::format("model: head width d_model / n_heads = {} exceeds DH_MAX = {}", d / h, params::DH_MAX));
  if (f < 1 || static_cast<unsigned>(f) > params::F_MAX)
    bad(fmt::format("model: d_ffn = {} out of range 1..{}", f, params::F_MAX));
  if (model.layers.empty()) bad("model: no layers");
  if (model.layers.size() > params::L_MAX)
    bad(fmt::format("model: {} layers exceed L_MAX = {}", model.layers.size(), params::L_MAX));
}

void check_layer(const Model& model, const Layer& L, int idx) {
  const size_t d = static_cast<size_t>(model.d_model), f = static_cast<size_t>(model.d_ffn);
  check_size(L.wq.size(), d * d, "wq", idx);
  check_size(L.wk.size(), d * d, "wk", idx);
  check_size(L.wv.size(), d * d, "wv", idx);
  check_size(L.wo.size(), d * d, "wo", idx);
  check_size(L.bq.size(), d, "bq", idx);
  check_size(L.bk.size(), d, "bk", idx);
  check_size(L.bv.size(), d, "bv", idx);
  check_size(L.bo.size(), d, "bo", idx);
  check_size(L.w1.size(), d * f, "w1", idx);
  check_size(L.b1.size(), f, "b1", idx);
  check_size(L.w2.size(), f * d, "w2", idx);
  check_size(L.b2.size(), d, "b2", idx);
  check_size(L.ln1_gamma.size(), d, "ln1_gamma", idx);
  check_size(L.ln2_gamma.size(), d, "ln2_gamma", idx);
  check_size(L.ln1_beta.size(), d, "ln1_beta", idx);
  check_size(L.ln2_beta.size(), d, "ln2_beta", idx);
  const LayerRequant& r = L.rq;
  check_requant(r.q, "q", idx);
  check_requant(r.k, "k", idx);
  check_requant(r.v, "v", idx);
  check_requant(r.softmax, "softmax", idx);
  check_requant(r.av, "av", idx);
  check_requant(r.o, "o", idx);
  check_requant(r.ln1, "ln1", idx);
  check_requant(r.ffn1, "ffn1", idx);
  check_requant(r.ffn2, "ffn2", idx);
  check_requant(r.ln2, "ln2", idx);
  if (L.spls.k < 1) bad(fmt::format("layer {}: spls k = {} must be >= 1", idx, L.spls.k));
  if (L.spls.window < 0 || static_cast<unsigned>(L.spls.window) > params::W_MAX)
    bad(fmt::format("layer {}: spls window = {} out of range 0..{}", idx, L.spls.window, params::W_MAX));
  if (L.spls.threshold < 0) bad(fmt::format("layer {}: spls threshold = {} must be >= 0", idx, L.spls.threshold));
}

LayerResult run_layer(const Model& model, const Layer& L, std::span<const int8_t> x, int n, Mode mode) {
  check_model_shape(model);
  int idx = -1;
  for (size_t i = 0; i < model.layers.size(); ++i)
    if (&model.layers[i] == &L) idx = static_cast<int>(i);
  check_layer(model, L, idx);
  if (n < 1 || static_cast<unsigned>(n) > params::N_MAX)
    bad(fmt::format("run_layer: sequence length n = {} out of range 1..{}", n, params::N_MAX));
  const int d = model.d_model, heads = model.n_heads, dh = d / heads, f = model.d_ffn;
  const size_t nd = static_cast<size_t>(n) * d;
  if (x.size() != nd) bad(fmt::format("run_layer: input has {} elements, expected n * d_model = {}", x.size(), nd));

  LayerResult R;
  R.n = n;
  R.d = d;
  R.f = f;
  R.heads = heads;
  const bool spls = mode == Mode::Spls;
  const bool pre = L.norm == Norm::Pre;

  // Attention input A.
  R.a.assign(nd, 0);
  std::vector<int32_t> row32(static_cast<size_t>(d));
  if (pre) {
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < d; ++c) row32[c] = x[static_cast<size_t>(i) * d + c];
      ln_row(row32.data(), d, L, false, L.rq.ln1, &R.a[static_cast<size_t>(i) * d]);
    }
  } else {
    std::copy(x.begin(), x.end(), R.a.begin());
  }

  // Prediction, masks, leaders.
  const size_t hnn = static_cast<size_t>(heads) * n * n;
  if (spls) {
    R.k_used = std::min(L.spls.k, n);
    R.pred = predict(R.a, L.wq, L.wk, n, d, heads);
    R.masks = topk_masks(R.pred.pam, n, heads, R.k_used);
    R.leader = similarity(R.masks, n, heads, L.spls.window, L.spls.threshold);
  } else {
    R.k_used = n;
    R.masks.assign(hnn, 1);
    R.leader.assign(static_cast<size_t>(n), -1);
  }
  std::vector<int> leaders, all_rows(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    all_rows[i] = i;
    if (R.leader[i] == -1) leaders.push_back(i);
  }
  // lead(i): a follower's leader is itself a leader (similarity only picks leader rows).
  auto lead = [&](int i) { return R.leader[i] == -1 ? i : R.leader[i]; };

  // U_h: tokens whose K/V of head h some leader needs.
  R.kv_needed.assign(static_cast<size_t>(heads) * n, 0);
  for (int h = 0; h < heads; ++h)
    for (int i : leaders) {
      const uint8_t* m = &R.masks[(static_cast<size_t>(h) * n + i) * n];
      uint8_t* u = &R.kv_needed[static_cast<size_t>(h) * n];
      for (int j = 0; j < n; ++j) u[j] |= m[j];
    }

  // Q for leader rows; K, V per head for tokens in U_h.
  std::vector<int32_t> acc;
  R.q.assign(nd, 0);
  R.k.assign(nd, 0);
  R.v.assign(nd, 0);
  gemm_rows(R.a.data(), d, leaders, L.wq.data(), d, 0, d, L.bq.data(), acc);
  requant_rows(acc, leaders, 0, d, L.rq.q, R.q.data(), d);
  uint64_t sum_u = 0;
  std::vector<int> u_rows;
  for (int h = 0; h < heads; ++h) {
    u_rows.clear();
    for (int j = 0; j < n; ++j)
      if (R.kv_needed[static_cast<size_t>(h) * n + j]) u_rows.push_back(j);
    sum_u += u_rows.size();
    gemm_rows(R.a.data(), d, u_rows, L.wk.data(), d, h * dh, (h + 1) * dh, L.bk.data(), acc);
    requant_rows(acc, u_rows, h * dh, (h + 1) * dh, L.rq.k, R.k.data(), d);
    gemm_rows(R.a.data(), d, u_rows, L.wv.data(), d, h * dh, (h + 1) * dh, L.bv.data(), acc);
    requant_rows(acc, u_rows, h * dh, (h + 1) * dh, L.rq.v, R.v.data(), d);
  }

  // Attention for leader rows over their selected keys.
  R.p.assign(hnn, 0);
  R.o.assign(nd, 0);
  std::vector<int32_t> scores(static_cast<size_t>(n));
  std::vector<int32_t> oacc(static_cast<size_t>(dh));
  for (int h = 0; h < heads; ++h) {
    for (int i : leaders) {
      const uint8_t* m = &R.masks[(static_cast<size_t>(h) * n + i) * n];
      const int8_t* q = &R.q[static_cast<size_t>(i) * d + static_cast<size_t>(h) * dh];
      for (int j = 0; j < n; ++j) {
        if (!m[j]) {
          scores[j] = 0;
          continue;
        }
        const int8_t* kr = &R.k[static_cast<size_t>(j) * d + static_cast<size_t>(h) * dh];
        int32_t s = 0;
        for (int c = 0; c < dh; ++c) s += static_cast<int32_t>(q[c]) * kr[c];
        scores[j] = s;
      }
      const auto p = softmax_row(scores, std::span<const uint8_t>(m, static_cast<size_t>(n)), L.rq.softmax);
      int8_t* prow = &R.p[(static_cast<size_t>(h) * n + i) * n];
      std::copy(p.begin(), p.end(), prow);
      std::fill(oacc.begin(), oacc.end(), 0);
      for (int j = 0; j < n; ++j) {
        if (!m[j]) continue;
        const int32_t pj = prow[j];
        const int8_t* vr = &R.v[static_cast<size_t>(j) * d + static_cast<size_t>(h) * dh];
        for (int c = 0; c < dh; ++c) oacc[c] += pj * vr[c];
      }
      int8_t* orow = &R.o[static_cast<size_t>(i) * d + static_cast<size_t>(h) * dh];
      for (int c = 0; c < dh; ++c) orow[c] = rq(oacc[c], L.rq.av);
    }
  }

  // Wo for leader rows; followers take their leader's Z.
  R.z.assign(nd, 0);
  gemm_rows(R.o.data(), d, leaders, L.wo.data(), d, 0, d, L.bo.data(), acc);
  requant_rows(acc, leaders, 0, d, L.rq.o, R.z.data(), d);
  for (int i = 0; i < n; ++i)
    if (lead(i) != i)
      std::copy_n(&R.z[static_cast<size_t>(lead(i)) * d], d, &R.z[static_cast<size_t>(i) * d]);

  // Residual 1 (own X_i) and LN1 (post) or saturation (pre).
  R.h.assign(nd, 0);
  R.ffn_in.assign(nd, 0);
  for (int i = 0; i < n; ++i) {
    const size_t b = static_cast<size_t>(i) * d;
    if (pre) {
      for (int c = 0; c < d; ++c) R.h[b + c] = sat8(static_cast<int32_t>(x[b + c]) + R.z[b + c]);
      for (int c = 0; c < d; ++c) row32[c] = R.h[b + c];
      ln_row(row32.data(), d, L, true, L.rq.ln2, &R.ffn_in[b]);
    } else {
      for (int c = 0; c < d; ++c) row32[c] = static_cast<int32_t>(x[b + c]) + R.z[b + c];
      ln_row(row32.data(), d, L, false, L.rq.ln1, &R.h[b]);
    }
  }
  if (!pre) R.ffn_in = R.h;

  // FFN for leader rows (ffn_reuse) or all rows.
  const bool ffn_reuse = spls && L.spls.ffn_reuse;
  const std::vector<int>& ffn_rows = ffn_reuse ? leaders : all_rows;
  const size_t nf = static_cast<size_t>(n) * f;
  R.g1.assign(nf, 0);
  R.g.assign(nf, 0);
  R.z2.assign(nd, 0);
  gemm_rows(R.ffn_in.data(), d, ffn_rows, L.w1.data(), f, 0, f, L.b1.data(), acc);
  requant_rows(acc, ffn_rows, 0, f, L.rq.ffn1, R.g1.data(), f);
  for (int i : ffn_rows)
    for (int c = 0; c < f; ++c) {
      const size_t e = static_cast<size_t>(i) * f + c;
      R.g[e] = L.gelu[static_cast<size_t>(R.g1[e] + 128)];
    }
  gemm_rows(R.g.data(), f, ffn_rows, L.w2.data(), d, 0, d, L.b2.data(), acc);
  requant_rows(acc, ffn_rows, 0, d, L.rq.ffn2, R.z2.data(), d);
  if (ffn_reuse)
    for (int i = 0; i < n; ++i)
      if (lead(i) != i)
        std::copy_n(&R.z2[static_cast<size_t>(lead(i)) * d], d, &R.z2[static_cast<size_t>(i) * d]);

  // Residual 2 (own H_i) and LN2 (post) or saturation (pre).
  R.y.assign(nd, 0);
  for (int i = 0; i < n; ++i) {
    const size_t b = static_cast<size_t>(i) * d;
    if (pre) {
      for (int c = 0; c < d; ++c) R.y[b + c] = sat8(static_cast<int32_t>(R.h[b + c]) + R.z2[b + c]);
    } else {
      for (int c = 0; c < d; ++c) row32[c] = static_cast<int32_t>(R.h[b + c]) + R.z2[b + c];
      ln_row(row32.data(), d, L, true, L.rq.ln2, &R.y[b]);
    }
  }

  // Work accounting (spec 4.1).
  const uint64_t N = static_cast<uint64_t>(n), D = static_cast<uint64_t>(d), F = static_cast<uint64_t>(f),
                 H = static_cast<uint64_t>(heads), Dh = static_cast<uint64_t>(dh),
                 nl = static_cast<uint64_t>(leaders.size()), kk = static_cast<uint64_t>(R.k_used),
                 nffn = static_cast<uint64_t>(ffn_rows.size());
  WorkCounts& w = R.work;
  if (spls) {
    w.qkv.macs = nl * D * D + 2 * Dh * D * sum_u;
    w.qk.macs = nl * kk * D;
    w.softmax.exps = nl * kk * H;
    w.av.macs = nl * kk * D;
    w.wo.macs = nl * D * D;
    w.prediction_additions = R.pred.additions;
  } else {
    w.qkv.macs = 3 * N * D * D;
    w.qk.macs = N * N * D;
    w.softmax.exps = N * N * H;
    w.av.macs = N * N * D;
    w.wo.macs = N * D * D;
  }
  w.ffn.macs = 2 * nffn * D * F;
  // Bytes: weights and biases once per layer (+ HLog codes of Wq, Wk in SPLS).
  w.weight_bytes = 4 * D * D + 2 * D * F + 4 * (5 * D + F) + (spls ? 2 * D * D : 0);
  // Activations: X read, Y written; every produced int8 row written and read once.
  const uint64_t rows_q = nl, rows_o = nl, rows_z = nl;
  const uint64_t kv_elems = sum_u * Dh;  // per K and per V
  w.activation_bytes = N * D + N * D +
                       2 * (rows_q * D + 2 * kv_elems + rows_o * D + rows_z * D + N * D /*H*/ + nffn * F /*G*/ +
                            nffn * D /*Z2*/);
  return R;
}

std::vector<LayerResult> run_model(const Model& model, std::span<const int8_t> x, int n, Mode mode) {
  check_model_shape(model);
  std::vector<LayerResult> out;
  out.reserve(model.layers.size());
  std::span<const int8_t> in = x;
  for (const Layer& L : model.layers) {
    out.push_back(run_layer(model, L, in, n, mode));
    in = out.back().y;
  }
  return out;
}

}  // namespace esact
