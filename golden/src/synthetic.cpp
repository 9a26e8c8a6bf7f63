// Synthetic workloads (see esact/synthetic.hpp and docs/golden.md).
#include "esact/synthetic.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "esact/float_ref.hpp"
#include "esact/layer.hpp"
#include "esact/ops.hpp"
#include "esact/params.hpp"

namespace esact {
namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("synthetic spec: " + what); }

// Portable distributions on top of mt19937_64 (whose output sequence the
// standard fixes): uniform from the top 53 bits, normal as the Irwin-Hall sum
// of 12 uniforms minus 6 (only additions, so bit-identical everywhere).
struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  double uniform() { return static_cast<double>(g() >> 11) * 0x1.0p-53; }
  double normal() {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }
  int below(int n) { return static_cast<int>(g() % static_cast<uint64_t>(n)); }
};

int64_t parse_int(std::string_view key, std::string_view v) {
  int64_t out = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size())
    bad(fmt::format("{} = '{}' is not an integer", key, v));
  return out;
}

double parse_double(std::string_view key, std::string_view v) {
  const std::string s(v);
  size_t pos = 0;
  double out = 0;
  try {
    out = std::stod(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != s.size() || s.empty() || !std::isfinite(out)) bad(fmt::format("{} = '{}' is not a number", key, v));
  return out;
}

int in_range(std::string_view key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) bad(fmt::format("{} = {} out of range {}..{}", key, v, lo, hi));
  return static_cast<int>(v);
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Scale that maps the largest magnitude to 127 (floor for all-zero tensors).
double scale_for(double mx) { return std::max(mx, 1e-6) / 127.0; }

template <class T>
std::vector<T> quantize(const std::vector<double>& v, double s, int64_t lo, int64_t hi) {
  std::vector<T> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<T>(std::clamp<int64_t>(std::llround(v[i] / s), lo, hi));
  return out;
}

std::vector<double> normal_vec(Rng& r, size_t count, double mean, double stdev) {
  std::vector<double> v(count);
  for (auto& e : v) e = mean + stdev * r.normal();
  return v;
}

std::vector<int8_t> normal_weights(Rng& r, size_t count) {
  std::vector<int8_t> w(count);
  for (auto& e : w) e = static_cast<int8_t>(std::clamp<int64_t>(std::llround(40.0 * r.normal()), -127, 127));
  return w;
}

}  // namespace

SplsKnobs default_knobs(int n, int heads) {
  SplsKnobs k;
  k.k = std::max(1, n / 4);
  k.window = static_cast<int>(std::min<unsigned>(4, params::W_MAX));
  k.threshold = (3 * heads * k.k + 3) / 4;
  k.ffn_reuse = true;
  return k;
}

SyntheticSpec parse_synthetic(std::string_view text) {
  SyntheticSpec s;
  std::set<std::string> seen;
  size_t pos = 0;
  if (text.empty()) bad("empty");
  while (pos <= text.size()) {
    const size_t end = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) {
      if (end == text.size()) break;
      bad("empty item");
    }
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) bad(fmt::format("'{}' is not key=value", item));
    const std::string_view key = item.substr(0, eq), v = item.substr(eq + 1);
    if (!seen.insert(std::string(key)).second) bad(fmt::format("key '{}' given twice", key));
    if (key == "n") s.n = in_range(key, parse_int(key, v), 1, params::N_MAX);
    else if (key == "d") s.d = in_range(key, parse_int(key, v), 1, params::D_MAX);
    else if (key == "heads") s.heads = in_range(key, parse_int(key, v), 1, params::H_MAX);
    else if (key == "ffn") s.ffn = in_range(key, parse_int(key, v), 1, params::F_MAX);
    else if (key == "layers") s.layers = in_range(key, parse_int(key, v), 1, params::L_MAX);
    else if (key == "seed") s.seed = static_cast<uint64_t>(in_range(key, parse_int(key, v), 0, INT32_MAX));
    else if (key == "similarity") {
      s.similarity = parse_double(key, v);
      if (s.similarity < 0 || s.similarity > 1) bad(fmt::format("similarity = {} out of range 0..1", s.similarity));
    } else if (key == "norm") {
      if (v == "post") s.norm = Norm::Post;
      else if (v == "pre") s.norm = Norm::Pre;
      else bad(fmt::format("norm = '{}' is not post or pre", v));
    } else if (key == "k") s.k = in_range(key, parse_int(key, v), 1, INT32_MAX);
    else if (key == "window") s.window = in_range(key, parse_int(key, v), 0, params::W_MAX);
    else if (key == "threshold") s.threshold = in_range(key, parse_int(key, v), 0, INT32_MAX);
    else if (key == "ffn_reuse") {
      if (v == "on" || v == "1" || v == "true") s.ffn_reuse = true;
      else if (v == "off" || v == "0" || v == "false") s.ffn_reuse = false;
      else bad(fmt::format("ffn_reuse = '{}' is not on or off", v));
    } else bad(fmt::format("unknown key '{}' (n d heads ffn layers similarity seed norm k window threshold ffn_reuse)", key));
  }
  if (s.d % s.heads != 0) bad(fmt::format("d = {} is not a multiple of heads = {}", s.d, s.heads));
  if (static_cast<unsigned>(s.d / s.heads) > params::DH_MAX)
    bad(fmt::format("head width d / heads = {} exceeds DH_MAX = {}", s.d / s.heads, params::DH_MAX));
  return s;
}

std::string to_string(const SyntheticSpec& s) {
  const SplsKnobs dk = default_knobs(s.n, s.heads);
  return fmt::format("n={},d={},heads={},ffn={},layers={},similarity={},seed={},norm={},k={},window={},threshold={},ffn_reuse={}",
                     s.n, s.d, s.heads, s.ffn, s.layers, s.similarity, s.seed, s.norm == Norm::Pre ? "pre" : "post",
                     s.k.value_or(dk.k), s.window.value_or(dk.window), s.threshold.value_or(dk.threshold),
                     s.ffn_reuse.value_or(dk.ffn_reuse) ? "on" : "off");
}

Synthetic make_synthetic(const SyntheticSpec& spec) {
  Synthetic out;
  out.spec = spec;
  const int n = spec.n, d = spec.d, heads = spec.heads, f = spec.ffn, dh = d / heads;
  const size_t D = static_cast<size_t>(d), F = static_cast<size_t>(f), nd = static_cast<size_t>(n) * D;
  Rng rng(spec.seed);

  // Input: runs of 2..8 neighbouring tokens share a base vector; each token is
  // sqrt(s) * base + sqrt(1 - s) * noise (unit variance, correlation s in a run).
  std::vector<double> xr(nd);
  const double a = std::sqrt(spec.similarity), b = std::sqrt(1.0 - spec.similarity);
  std::vector<double> base(D);
  for (int i = 0, left = 0; i < n; ++i, --left) {
    if (left == 0) {
      left = 2 + rng.below(7);
      for (auto& e : base) e = rng.normal();
    }
    for (size_t c = 0; c < D; ++c) xr[static_cast<size_t>(i) * D + c] = a * base[c] + b * rng.normal();
  }
  // Pre-LN keeps the residual stream (X, H, Y) at one scale; leave it 2x
  // headroom so that X + Z and H + Z2 rarely saturate.
  double s_x = scale_for(max_abs(xr)) * (spec.norm == Norm::Pre ? 2.0 : 1.0);
  const std::vector<int8_t> x = quantize<int8_t>(xr, s_x, -128, 127);
  std::vector<double> cur(nd);  // the real input of the current layer
  for (size_t i = 0; i < nd; ++i) cur[i] = x[i] * s_x;

  Model& m = out.model;
  m.d_model = d;
  m.n_heads = heads;
  m.d_ffn = f;
  m.source = "synthetic:" + to_string(spec);
  const SplsKnobs dk = default_knobs(n, heads);
  const SplsKnobs knobs{spec.k.value_or(dk.k), spec.window.value_or(dk.window), spec.threshold.value_or(dk.threshold),
                        spec.ffn_reuse.value_or(dk.ffn_reuse)};
  const bool pre = spec.norm == Norm::Pre;
  for (int l = 0; l < spec.layers; ++l) {
    Layer L;
    L.norm = spec.norm;
    L.spls = knobs;
    // int8 weights ~ N(0, 40) clipped to +-127; real std 1/sqrt(fan_in)
    // (2/sqrt(D) for Wq, Wk: sharper attention, as trained models have).
    L.wq = normal_weights(rng, D * D);
    L.wk = normal_weights(rng, D * D);
    L.wv = normal_weights(rng, D * D);
    L.wo = normal_weights(rng, D * D);
    L.w1 = normal_weights(rng, D * F);
    L.w2 = normal_weights(rng, F * D);
    LayerScales& s = L.scales;
    s.x = s_x;
    s.wq = s.wk = 2.0 / (40.0 * std::sqrt(d));
    s.wv = s.wo = s.w1 = 1.0 / (40.0 * std::sqrt(d));
    s.w2 = 1.0 / (40.0 * std::sqrt(f));
    // Real biases and LayerNorm parameters.
    FloatLayer fl;
    fl.norm = L.norm;
    fl.d = d;
    fl.f = f;
    fl.heads = heads;
    auto deq = [](const std::vector<int8_t>& w, double sc) {
      std::vector<double> r(w.size());
      for (size_t i = 0; i < w.size(); ++i) r[i] = w[i] * sc;
      return r;
    };
    fl.wq = deq(L.wq, s.wq);
    fl.wk = deq(L.wk, s.wk);
    fl.wv = deq(L.wv, s.wv);
    fl.wo = deq(L.wo, s.wo);
    fl.w1 = deq(L.w1, s.w1);
    fl.w2 = deq(L.w2, s.w2);
    fl.bq = normal_vec(rng, D, 0, 0.1);
    fl.bk = normal_vec(rng, D, 0, 0.1);
    fl.bv = normal_vec(rng, D, 0, 0.1);
    fl.bo = normal_vec(rng, D, 0, 0.1);
    fl.b1 = normal_vec(rng, F, 0, 0.1);
    fl.b2 = normal_vec(rng, D, 0, 0.1);
    const std::vector<double> g1r = normal_vec(rng, D, 1.0, 0.1), be1r = normal_vec(rng, D, 0, 0.1);
    const std::vector<double> g2r = normal_vec(rng, D, 1.0, 0.1), be2r = normal_vec(rng, D, 0, 0.1);
    s.ln1_g = max_abs(g1r) / 16383.0;
    s.ln2_g = max_abs(g2r) / 16383.0;
    L.ln1_gamma = quantize<int16_t>(g1r, s.ln1_g, -32768, 32767);
    L.ln2_gamma = quantize<int16_t>(g2r, s.ln2_g, -32768, 32767);
    L.ln1_beta = quantize<int32_t>(be1r, s.ln1_g / 1024.0, INT32_MIN, INT32_MAX);
    L.ln2_beta = quantize<int32_t>(be2r, s.ln2_g / 1024.0, INT32_MIN, INT32_MAX);
    // The float layer uses the quantized LayerNorm parameters (as the reference will).
    auto deq16 = [](const std::vector<int16_t>& v, double sc) {
      std::vector<double> r(v.size());
      for (size_t i = 0; i < v.size(); ++i) r[i] = v[i] * sc;
      return r;
    };
    auto deq32 = [](const std::vector<int32_t>& v, double sc) {
      std::vector<double> r(v.size());
      for (size_t i = 0; i < v.size(); ++i) r[i] = v[i] * sc;
      return r;
    };
    fl.ln1_gamma = deq16(L.ln1_gamma, s.ln1_g);
    fl.ln2_gamma = deq16(L.ln2_gamma, s.ln2_g);
    fl.ln1_beta = deq32(L.ln1_beta, s.ln1_g / 1024.0);
    fl.ln2_beta = deq32(L.ln2_beta, s.ln2_g / 1024.0);

    // Calibrate: run the dense float layer on this layer's real input and give
    // every tensor the scale that maps its largest magnitude to 127.
    const FloatTrace t = float_layer(fl, cur, n, nullptr);
    s.q = scale_for(max_abs(t.q));
    s.k = scale_for(max_abs(t.k));
    s.v = scale_for(max_abs(t.v));
    s.o = scale_for(max_abs(t.o));
    s.g1 = scale_for(max_abs(t.g1));
    s.g = scale_for(max_abs(t.g));
    if (pre) {
      s.h = scale_for(std::max(max_abs(t.a), max_abs(t.ffn_in)));  // both LayerNorm outputs
      s.y = s.x;
    } else {
      s.h = scale_for(max_abs(t.h));
      s.y = scale_for(max_abs(t.y));
    }
    const double s_a = pre ? s.h : s.x, s_ffn_in = s.h, s_z2 = pre ? s.x : s.h;
    LayerRequant& r = L.rq;
    r.q = requant_from_real(s_a * s.wq / s.q);
    r.k = requant_from_real(s_a * s.wk / s.k);
    r.v = requant_from_real(s_a * s.wv / s.v);
    r.softmax = requant_from_real(s.q * s.k / std::sqrt(static_cast<double>(dh)) * std::log2(std::exp(1.0)) * 256.0);
    r.av = requant_from_real(s.v / 128.0 / s.o);
    r.o = requant_from_real(s.o * s.wo / s.x);
    r.ln1 = requant_from_real(s.ln1_g / (1024.0 * s.h));
    r.ffn1 = requant_from_real(s_ffn_in * s.w1 / s.g1);
    r.ffn2 = requant_from_real(s.g * s.w2 / s_z2);
    r.ln2 = requant_from_real(s.ln2_g / (1024.0 * (pre ? s.h : s.y)));
    L.bq = quantize<int32_t>(fl.bq, s_a * s.wq, INT32_MIN, INT32_MAX);
    L.bk = quantize<int32_t>(fl.bk, s_a * s.wk, INT32_MIN, INT32_MAX);
    L.bv = quantize<int32_t>(fl.bv, s_a * s.wv, INT32_MIN, INT32_MAX);
    L.bo = quantize<int32_t>(fl.bo, s.o * s.wo, INT32_MIN, INT32_MAX);
    L.b1 = quantize<int32_t>(fl.b1, s_ffn_in * s.w1, INT32_MIN, INT32_MAX);
    L.b2 = quantize<int32_t>(fl.b2, s.g * s.w2, INT32_MIN, INT32_MAX);
    for (int v = -128; v < 128; ++v)
      L.gelu[static_cast<size_t>(v + 128)] = sat8(std::llround(gelu_exact(s.g1 * v) / s.g));
    m.layers.push_back(std::move(L));
    cur = t.y;
    s_x = output_scale(m.layers.back());
  }
  check_model_shape(m);

  Inputs& in = out.inputs;
  in.batch = 1;
  in.n = n;
  in.d = d;
  in.batched = false;
  in.tokens = x;
  in.source = m.source;
  return out;
}

}  // namespace esact
