// Float reference of the layer (see esact/float_ref.hpp).
#include "esact/float_ref.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace esact {
namespace {

template <class T>
std::vector<double> deq(const std::vector<T>& v, double s) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<double>(v[i]) * s;
  return out;
}

// out[r][c] = b[c] + sum_k a[r][k] w[k][c] for the given rows.
void gemm(const std::vector<double>& a, int kdim, const std::vector<int>& rows, const std::vector<double>& w, int nc,
          const std::vector<double>& b, std::vector<double>& out) {
  for (int r : rows) {
    double* o = &out[static_cast<size_t>(r) * nc];
    for (int c = 0; c < nc; ++c) o[c] = b[c];
    const double* ar = &a[static_cast<size_t>(r) * kdim];
    for (int k = 0; k < kdim; ++k) {
      const double x = ar[k];
      const double* wr = &w[static_cast<size_t>(k) * nc];
      for (int c = 0; c < nc; ++c) o[c] += x * wr[c];
    }
  }
}

void layernorm(const double* r, int d, const std::vector<double>& g, const std::vector<double>& b, double* out) {
  double mean = 0;
  for (int i = 0; i < d; ++i) mean += r[i];
  mean /= d;
  double var = 0;
  for (int i = 0; i < d; ++i) var += (r[i] - mean) * (r[i] - mean);
  var /= d;
  const double inv = 1.0 / std::sqrt(var + 1e-5);
  for (int i = 0; i < d; ++i) out[i] = (r[i] - mean) * inv * g[i] + b[i];
}

}  // namespace

double gelu_exact(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

double output_scale(const Layer& L) { return L.norm == Norm::Pre ? L.scales.x : L.scales.y; }

FloatLayer dequantize_layer(const Model& m, const Layer& L) {
  const LayerScales& s = L.scales;
  const bool pre = L.norm == Norm::Pre;
  const double s_a = pre ? s.h : s.x;     // attention input
  const double s_ffn_in = s.h;            // H (post) or LN2(H) (pre)
  FloatLayer f;
  f.norm = L.norm;
  f.d = m.d_model;
  f.f = m.d_ffn;
  f.heads = m.n_heads;
  f.wq = deq(L.wq, s.wq);
  f.wk = deq(L.wk, s.wk);
  f.wv = deq(L.wv, s.wv);
  f.wo = deq(L.wo, s.wo);
  f.w1 = deq(L.w1, s.w1);
  f.w2 = deq(L.w2, s.w2);
  f.bq = deq(L.bq, s_a * s.wq);
  f.bk = deq(L.bk, s_a * s.wk);
  f.bv = deq(L.bv, s_a * s.wv);
  f.bo = deq(L.bo, s.o * s.wo);
  f.b1 = deq(L.b1, s_ffn_in * s.w1);
  f.b2 = deq(L.b2, s.g * s.w2);
  f.ln1_gamma = deq(L.ln1_gamma, s.ln1_g);
  f.ln2_gamma = deq(L.ln2_gamma, s.ln2_g);
  f.ln1_beta = deq(L.ln1_beta, s.ln1_g / 1024.0);
  f.ln2_beta = deq(L.ln2_beta, s.ln2_g / 1024.0);
  return f;
}

FloatTrace float_layer(const FloatLayer& L, std::span<const double> x, int n, const FloatSparsity* sp) {
  const int d = L.d, f = L.f, heads = L.heads, dh = d / heads;
  const size_t nd = static_cast<size_t>(n) * d;
  if (x.size() != nd) throw std::invalid_argument(fmt::format("float_layer: input has {} elements, expected {}", x.size(), nd));
  if (sp && (sp->masks.size() != static_cast<size_t>(heads) * n * n || sp->leader.size() != static_cast<size_t>(n)))
    throw std::invalid_argument("float_layer: sparsity masks/leader sizes do not match");
  const bool pre = L.norm == Norm::Pre;
  auto is_leader = [&](int i) { return !sp || sp->leader[i] < 0; };
  auto lead = [&](int i) { return is_leader(i) ? i : sp->leader[i]; };
  std::vector<int> all(static_cast<size_t>(n)), leaders;
  for (int i = 0; i < n; ++i) {
    all[i] = i;
    if (is_leader(i)) leaders.push_back(i);
  }
  FloatTrace t;
  t.a.assign(x.begin(), x.end());
  if (pre)
    for (int i = 0; i < n; ++i) layernorm(&x[static_cast<size_t>(i) * d], d, L.ln1_gamma, L.ln1_beta, &t.a[static_cast<size_t>(i) * d]);
  t.q.assign(nd, 0);
  t.k.assign(nd, 0);
  t.v.assign(nd, 0);
  gemm(t.a, d, leaders, L.wq, d, L.bq, t.q);
  gemm(t.a, d, all, L.wk, d, L.bk, t.k);
  gemm(t.a, d, all, L.wv, d, L.bv, t.v);
  t.o.assign(nd, 0);
  const double inv_sqrt = 1.0 / std::sqrt(static_cast<double>(dh));
  std::vector<double> sc(static_cast<size_t>(n));
  for (int h = 0; h < heads; ++h)
    for (int i : leaders) {
      const uint8_t* m = sp ? &sp->masks[(static_cast<size_t>(h) * n + i) * n] : nullptr;
      double mx = -INFINITY;
      for (int j = 0; j < n; ++j) {
        if (m && !m[j]) continue;
        double s = 0;
        for (int c = h * dh; c < (h + 1) * dh; ++c) s += t.q[static_cast<size_t>(i) * d + c] * t.k[static_cast<size_t>(j) * d + c];
        sc[j] = s * inv_sqrt;
        mx = std::max(mx, sc[j]);
      }
      double sum = 0;
      for (int j = 0; j < n; ++j) {
        if (m && !m[j]) continue;
        sc[j] = std::exp(sc[j] - mx);
        sum += sc[j];
      }
      double* o = &t.o[static_cast<size_t>(i) * d];
      for (int j = 0; j < n; ++j) {
        if (m && !m[j]) continue;
        const double p = sc[j] / sum;
        for (int c = h * dh; c < (h + 1) * dh; ++c) o[c] += p * t.v[static_cast<size_t>(j) * d + c];
      }
    }
  t.z.assign(nd, 0);
  gemm(t.o, d, leaders, L.wo, d, L.bo, t.z);
  for (int i = 0; i < n; ++i)
    if (lead(i) != i) std::copy_n(&t.z[static_cast<size_t>(lead(i)) * d], d, &t.z[static_cast<size_t>(i) * d]);
  t.h.assign(nd, 0);
  t.ffn_in.assign(nd, 0);
  std::vector<double> row(static_cast<size_t>(d));
  for (int i = 0; i < n; ++i) {
    const size_t b = static_cast<size_t>(i) * d;
    for (int c = 0; c < d; ++c) row[c] = x[b + c] + t.z[b + c];
    if (pre) {
      std::copy(row.begin(), row.end(), &t.h[b]);
      layernorm(row.data(), d, L.ln2_gamma, L.ln2_beta, &t.ffn_in[b]);
    } else {
      layernorm(row.data(), d, L.ln1_gamma, L.ln1_beta, &t.h[b]);
    }
  }
  if (!pre) t.ffn_in = t.h;
  const bool reuse = sp && sp->ffn_reuse;
  const std::vector<int>& rows = reuse ? leaders : all;
  t.g1.assign(static_cast<size_t>(n) * f, 0);
  t.g.assign(static_cast<size_t>(n) * f, 0);
  t.z2.assign(nd, 0);
  gemm(t.ffn_in, d, rows, L.w1, f, L.b1, t.g1);
  for (int i : rows)
    for (int c = 0; c < f; ++c) t.g[static_cast<size_t>(i) * f + c] = gelu_exact(t.g1[static_cast<size_t>(i) * f + c]);
  gemm(t.g, f, rows, L.w2, d, L.b2, t.z2);
  if (reuse)
    for (int i = 0; i < n; ++i)
      if (lead(i) != i) std::copy_n(&t.z2[static_cast<size_t>(lead(i)) * d], d, &t.z2[static_cast<size_t>(i) * d]);
  t.y.assign(nd, 0);
  for (int i = 0; i < n; ++i) {
    const size_t b = static_cast<size_t>(i) * d;
    for (int c = 0; c < d; ++c) row[c] = t.h[b + c] + t.z2[b + c];
    if (pre) std::copy(row.begin(), row.end(), &t.y[b]);
    else layernorm(row.data(), d, L.ln2_gamma, L.ln2_beta, &t.y[b]);
  }
  return t;
}

std::vector<std::vector<double>> float_model(const Model& model, std::span<const int8_t> x, int n,
                                             const std::vector<LayerResult>* spls) {
  check_model_shape(model);
  if (spls && spls->size() != model.layers.size())
    throw std::invalid_argument("float_model: the SPLS run has a different number of layers");
  std::vector<double> in(x.size());
  for (size_t i = 0; i < x.size(); ++i) in[i] = x[i] * model.layers[0].scales.x;
  std::vector<std::vector<double>> out;
  for (size_t l = 0; l < model.layers.size(); ++l) {
    const FloatLayer fl = dequantize_layer(model, model.layers[l]);
    FloatSparsity sp;
    if (spls) {
      const LayerResult& r = (*spls)[l];
      sp.masks = r.masks;
      sp.leader = r.leader;
      sp.ffn_reuse = model.layers[l].spls.ffn_reuse;
    }
    FloatTrace t = float_layer(fl, in, n, spls ? &sp : nullptr);
    in = t.y;
    out.push_back(std::move(t.y));
  }
  return out;
}

ErrorStats compare(std::span<const double> a, std::span<const double> ref) {
  if (a.size() != ref.size() || a.empty()) throw std::invalid_argument("compare: sizes differ or are empty");
  ErrorStats e;
  double dot = 0, na = 0, nr = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i] - ref[i]);
    e.max_abs = std::max(e.max_abs, d);
    e.mean_abs += d;
    dot += a[i] * ref[i];
    na += a[i] * a[i];
    nr += ref[i] * ref[i];
  }
  e.mean_abs /= static_cast<double>(a.size());
  e.cosine = (na > 0 && nr > 0) ? dot / std::sqrt(na * nr) : (na == nr ? 1.0 : 0.0);
  e.ref_rms = std::sqrt(nr / static_cast<double>(a.size()));
  return e;
}

ErrorStats compare(std::span<const int8_t> q, double scale, std::span<const double> ref) {
  std::vector<double> a(q.size());
  for (size_t i = 0; i < q.size(); ++i) a[i] = q[i] * scale;
  return compare(a, ref);
}

}  // namespace esact
