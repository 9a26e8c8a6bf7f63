#include "esact/spls.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "esact/hlog.hpp"
#include "esact/ops.hpp"

namespace esact {
namespace {

// Counts of HLog codes by kind: nonzero with h = 0 (one term) and h = 1.
struct Kinds {
  uint64_t h0 = 0, h1 = 0;
};
Kinds kinds_of(int64_t v) {
  const HlogCode c = hlog_encode(v);
  if (!c.nonzero) return {};
  return c.h ? Kinds{0, 1} : Kinds{1, 0};
}
// Shifted terms of sum over all pairs: (h0,h0) -> 1, any h -> 2 (spec 3.1 table).
uint64_t pair_terms(Kinds a, Kinds b) { return a.h0 * b.h0 + 2 * (a.h0 * b.h1 + a.h1 * b.h0 + a.h1 * b.h1); }

// out[i][c] = sum_d hlog(x[i][d]) * hlog(w[d][c]) over all c.
std::vector<int32_t> hlog_matmul(std::span<const int8_t> x, std::span<const int8_t> w, int n, int d, uint64_t& adds) {
  std::vector<int32_t> hx(x.size()), hw(w.size());
  for (size_t i = 0; i < x.size(); ++i) hx[i] = static_cast<int32_t>(hlog(x[i]));
  for (size_t i = 0; i < w.size(); ++i) hw[i] = static_cast<int32_t>(hlog(w[i]));
  std::vector<int32_t> out(static_cast<size_t>(n) * d, 0);
  for (int i = 0; i < n; ++i) {
    int32_t* o = &out[static_cast<size_t>(i) * d];
    for (int k = 0; k < d; ++k) {
      const int32_t a = hx[static_cast<size_t>(i) * d + k];
      if (a == 0) continue;
      const int32_t* wr = &hw[static_cast<size_t>(k) * d];
      for (int c = 0; c < d; ++c) o[c] += a * wr[c];
    }
  }
  adds = 0;
  for (int k = 0; k < d; ++k) {
    Kinds xa, wb;
    for (int i = 0; i < n; ++i) {
      const Kinds t = kinds_of(x[static_cast<size_t>(i) * d + k]);
      xa.h0 += t.h0;
      xa.h1 += t.h1;
    }
    for (int c = 0; c < d; ++c) {
      const Kinds t = kinds_of(w[static_cast<size_t>(k) * d + c]);
      wb.h0 += t.h0;
      wb.h1 += t.h1;
    }
    adds += pair_terms(xa, wb);
  }
  return out;
}

}  // namespace

int pam_bits(int dh_max) {
  int lg = 0;
  while ((1 << lg) < dh_max) ++lg;
  return 18 + lg;
}

unsigned spls_shift(std::span<const int32_t> values) {
  uint64_t mx = 0;
  for (int32_t v : values) mx = std::max<uint64_t>(mx, static_cast<uint64_t>(v < 0 ? -static_cast<int64_t>(v) : v));
  const int lo = leading_one(mx);
  return lo > 7 ? static_cast<unsigned>(lo - 7) : 0u;
}

int32_t shifted_hlog(int32_t v, unsigned shift) {
  const int64_t a = v < 0 ? -static_cast<int64_t>(v) : v;
  const int64_t s = a >> shift;
  return static_cast<int32_t>(hlog(v < 0 ? -s : s));
}

Prediction predict(std::span<const int8_t> a, std::span<const int8_t> wq, std::span<const int8_t> wk, int n, int d,
                   int heads) {
  if (n < 1 || d < 1 || heads < 1 || d % heads != 0) throw std::invalid_argument("predict: bad sizes");
  if (a.size() != static_cast<size_t>(n) * d || wq.size() != static_cast<size_t>(d) * d || wk.size() != wq.size())
    throw std::invalid_argument("predict: array sizes do not match n and d");
  const int dh = d / heads;
  Prediction p;
  p.n = n;
  p.d = d;
  p.heads = heads;
  p.khat = hlog_matmul(a, wk, n, d, p.additions_khat);
  p.qhat = hlog_matmul(a, wq, n, d, p.additions_qhat);
  p.k_shift.assign(heads, 0);
  p.q_shift.assign(static_cast<size_t>(n) * heads, 0);
  p.ktilde.assign(p.khat.size(), 0);
  p.qtilde.assign(p.qhat.size(), 0);
  for (int h = 0; h < heads; ++h) {
    uint64_t mx = 0;
    for (int j = 0; j < n; ++j)
      for (int c = h * dh; c < (h + 1) * dh; ++c) {
        const int64_t v = p.khat[static_cast<size_t>(j) * d + c];
        mx = std::max<uint64_t>(mx, static_cast<uint64_t>(v < 0 ? -v : v));
      }
    const int lo = leading_one(mx);
    p.k_shift[h] = static_cast<uint8_t>(lo > 7 ? lo - 7 : 0);
    for (int j = 0; j < n; ++j)
      for (int c = h * dh; c < (h + 1) * dh; ++c) {
        const size_t idx = static_cast<size_t>(j) * d + c;
        p.ktilde[idx] = shifted_hlog(p.khat[idx], p.k_shift[h]);
      }
    for (int i = 0; i < n; ++i) {
      const size_t base = static_cast<size_t>(i) * d + static_cast<size_t>(h) * dh;
      const unsigned sq = spls_shift(std::span<const int32_t>(&p.qhat[base], dh));
      p.q_shift[static_cast<size_t>(i) * heads + h] = static_cast<uint8_t>(sq);
      for (int c = 0; c < dh; ++c) p.qtilde[base + c] = shifted_hlog(p.qhat[base + c], sq);
    }
  }
  // PAM and its additions.
  p.pam.assign(static_cast<size_t>(heads) * n * n, 0);
  for (int h = 0; h < heads; ++h) {
    for (int i = 0; i < n; ++i) {
      const int32_t* q = &p.qtilde[static_cast<size_t>(i) * d + static_cast<size_t>(h) * dh];
      int64_t* row = &p.pam[(static_cast<size_t>(h) * n + i) * n];
      for (int j = 0; j < n; ++j) {
        const int32_t* k = &p.ktilde[static_cast<size_t>(j) * d + static_cast<size_t>(h) * dh];
        int64_t acc = 0;
        for (int c = 0; c < dh; ++c) acc += static_cast<int64_t>(q[c]) * k[c];
        row[j] = acc;
      }
    }
    for (int c = h * dh; c < (h + 1) * dh; ++c) {
      Kinds qa, kb;
      for (int i = 0; i < n; ++i) {
        const Kinds tq = kinds_of(p.qtilde[static_cast<size_t>(i) * d + c]);
        qa.h0 += tq.h0;
        qa.h1 += tq.h1;
        const Kinds tk = kinds_of(p.ktilde[static_cast<size_t>(i) * d + c]);
        kb.h0 += tk.h0;
        kb.h1 += tk.h1;
      }
      p.additions_pam += pair_terms(qa, kb);
    }
  }
  p.additions = p.additions_khat + p.additions_qhat + p.additions_pam;
  return p;
}

std::vector<uint8_t> topk_mask(std::span<const int64_t> scores, int k) {
  const int n = static_cast<int>(scores.size());
  if (k < 1 || k > n) throw std::invalid_argument("topk_mask: k must be in 1..n, got " + std::to_string(k));
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int x, int y) { return scores[x] > scores[y]; });
  std::vector<uint8_t> m(n, 0);
  for (int t = 0; t < k; ++t) m[idx[t]] = 1;
  return m;
}

std::vector<uint8_t> topk_masks(std::span<const int64_t> pam, int n, int heads, int k) {
  std::vector<uint8_t> masks(static_cast<size_t>(heads) * n * n);
  for (int h = 0; h < heads; ++h)
    for (int i = 0; i < n; ++i) {
      const size_t base = (static_cast<size_t>(h) * n + i) * n;
      const auto m = topk_mask(pam.subspan(base, n), k);
      std::copy(m.begin(), m.end(), masks.begin() + static_cast<std::ptrdiff_t>(base));
    }
  return masks;
}

int overlap(std::span<const uint8_t> masks, int n, int heads, int i, int j) {
  int ov = 0;
  for (int h = 0; h < heads; ++h) {
    const uint8_t* mi = &masks[(static_cast<size_t>(h) * n + i) * n];
    const uint8_t* mj = &masks[(static_cast<size_t>(h) * n + j) * n];
    for (int c = 0; c < n; ++c) ov += (mi[c] && mj[c]) ? 1 : 0;
  }
  return ov;
}

std::vector<int32_t> similarity(std::span<const uint8_t> masks, int n, int heads, int window, int threshold) {
  if (masks.size() != static_cast<size_t>(heads) * n * n) throw std::invalid_argument("similarity: mask size mismatch");
  if (window < 0 || threshold < 0) throw std::invalid_argument("similarity: window and threshold must be >= 0");
  std::vector<int32_t> leader(n, -1);
  for (int i = 1; i < n; ++i) {
    int best = -1, best_ov = -1;
    for (int j = i - 1; j >= std::max(0, i - window); --j) {  // nearest first: strict > keeps the nearest on ties
      if (leader[j] != -1) continue;
      const int ov = overlap(masks, n, heads, i, j);
      if (ov > best_ov) {
        best_ov = ov;
        best = j;
      }
    }
    if (best >= 0 && best_ov >= threshold) leader[i] = best;
  }
  return leader;
}

}  // namespace esact
