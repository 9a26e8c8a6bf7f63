#include "esact/ops.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace esact {

Requant requant_from_real(double f) {
  if (!(f > 0.0) || !std::isfinite(f)) throw std::invalid_argument("requant_from_real: factor must be a positive finite number");
  for (int s = 47; s >= 1; --s) {
    const double m = std::nearbyint(std::ldexp(f, s));
    if (m < 65536.0) {
      if (m < 1.0) throw std::invalid_argument("requant_from_real: factor too small for M >= 1 at S = 47");
      return Requant{static_cast<uint32_t>(m), static_cast<uint32_t>(s)};
    }
  }
  throw std::invalid_argument("requant_from_real: factor too large (needs S < 1)");
}

uint64_t isqrt(uint64_t v) {
  // Digit-by-digit (two bits per step): the same algorithm the RTL uses.
  uint64_t rem = 0, root = 0;
  for (int i = 31; i >= 0; --i) {
    rem = (rem << 2) | ((v >> (2 * i)) & 3u);
    const uint64_t trial = (root << 2) | 1u;
    root <<= 1;
    if (rem >= trial) {
      rem -= trial;
      root |= 1u;
    }
  }
  return root;
}

const std::array<uint16_t, 256>& exp2_table() {
  static const std::array<uint16_t, 256> table = [] {
    std::array<uint16_t, 256> t{};
    for (int r = 0; r < 256; ++r) {
      t[r] = static_cast<uint16_t>(std::floor(32768.0 * std::exp2(-r / 256.0) + 0.5));
    }
    return t;
  }();
  return table;
}

std::vector<int8_t> softmax_row(std::span<const int32_t> scores, std::span<const uint8_t> selected,
                                Requant sm) {
  const size_t n = scores.size();
  const bool all = selected.empty();
  if (!all && selected.size() != n) throw std::invalid_argument("softmax_row: mask size differs from score count");
  auto in_j = [&](size_t j) { return all || selected[j] != 0; };
  bool any = false;
  int64_t m = 0;
  for (size_t j = 0; j < n; ++j) {
    if (!in_j(j)) continue;
    if (!any || scores[j] > m) m = scores[j];
    any = true;
  }
  if (!any) throw std::invalid_argument("softmax_row: no key selected");
  const auto& tab = exp2_table();
  std::vector<uint32_t> e(n, 0);
  uint64_t sum = 0;
  for (size_t j = 0; j < n; ++j) {
    if (!in_j(j)) continue;
    const int64_t t = static_cast<int64_t>(scores[j]) - m;
    const int64_t w = -rshr(t * static_cast<int64_t>(sm.m), sm.s);
    const int64_t sh = w >> 8;
    e[j] = sh >= 16 ? 0u : static_cast<uint32_t>(tab[static_cast<size_t>(w & 255)] >> sh);
    sum += e[j];
  }
  const uint64_t rho = (uint64_t{1} << 32) / sum;
  std::vector<int8_t> p(n, 0);
  for (size_t j = 0; j < n; ++j) {
    if (!in_j(j)) continue;
    const uint64_t v = (static_cast<uint64_t>(e[j]) * rho + (uint64_t{1} << 24)) >> 25;
    p[j] = static_cast<int8_t>(std::min<uint64_t>(127, v));
  }
  return p;
}

std::vector<int8_t> layernorm_row(std::span<const int32_t> r, std::span<const int16_t> gamma,
                                  std::span<const int32_t> beta, Requant out) {
  const size_t d = r.size();
  if (gamma.size() != d || beta.size() != d) throw std::invalid_argument("layernorm_row: gamma/beta size differs from row");
  int64_t s1 = 0, s2 = 0;
  for (int32_t v : r) {
    s1 += v;
    s2 += static_cast<int64_t>(v) * v;
  }
  const int64_t D = static_cast<int64_t>(d);
  const int64_t var = D * s2 - s1 * s1;
  const uint64_t sig = std::max<uint64_t>(1, isqrt(static_cast<uint64_t>(var)));
  const int64_t iota = static_cast<int64_t>((uint64_t{1} << 30) / sig);
  std::vector<int8_t> y(d);
  for (size_t i = 0; i < d; ++i) {
    const int64_t c = D * r[i] - s1;
    const int64_t n = rshr(c * iota, 20);
    y[i] = rq(n * gamma[i] + beta[i], out);
  }
  return y;
}

}  // namespace esact
