// Integer arithmetic of docs/spec.md sections 1 and 2.3-2.5: the one
// requantization rule, integer softmax, integer LayerNorm, integer sqrt.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace esact {

/// A requantization pair (spec 1): real factor M / 2^S.
struct Requant {
  uint32_t m = 1;  ///< 1..65535
  uint32_t s = 1;  ///< 1..47
};

/// clamp to [-128, 127]
constexpr int8_t sat8(int64_t x) {
  return static_cast<int8_t>(x < -128 ? -128 : (x > 127 ? 127 : x));
}

/// floor((x + 2^(s-1)) / 2^s), s >= 1: arithmetic shift with round half up.
constexpr int64_t rshr(int64_t x, unsigned s) {
  return (x + (int64_t{1} << (s - 1))) >> s;
}

/// The one requantization rule: sat8(rshr(acc * M, S)).
constexpr int8_t rq(int64_t acc, Requant r) { return sat8(rshr(acc * static_cast<int64_t>(r.m), r.s)); }

/// Pick (M, S) for a real factor f > 0 (spec 1): largest S <= 47 with round(f 2^S) < 2^16.
Requant requant_from_real(double f);

/// Floor square root of a non-negative 64-bit integer.
uint64_t isqrt(uint64_t v);

/// Index of the leading one of a > 0 (0-based); -1 for a == 0.
constexpr int leading_one(uint64_t a) { return a == 0 ? -1 : 63 - __builtin_clzll(a); }

/// EXP2[r] = floor(2^15 * 2^(-r/256) + 1/2), r = 0..255 (spec 2.3).
const std::array<uint16_t, 256>& exp2_table();

/// Integer softmax over one row (spec 2.3).  `scores[j]` are raw int32 scores,
/// `selected[j]` says whether key j is in J (empty span = all keys).  Returns
/// Q0.7 probabilities, 0 for keys not in J.  At least one key must be selected.
std::vector<int8_t> softmax_row(std::span<const int32_t> scores, std::span<const uint8_t> selected,
                                Requant sm);

/// Integer LayerNorm of one row (spec 2.4).  |r| < 2^10.
std::vector<int8_t> layernorm_row(std::span<const int32_t> r, std::span<const int16_t> gamma,
                                  std::span<const int32_t> beta, Requant out);

}  // namespace esact
