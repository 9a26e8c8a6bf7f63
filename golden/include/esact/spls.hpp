// SPLS: prediction, row-wise top-k and local similarity (docs/spec.md 3.2-3.4).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace esact {

/// Everything the prediction unit makes for one layer.
struct Prediction {
  int n = 0, d = 0, heads = 0;
  std::vector<int32_t> khat;   ///< [n][d], before the shift
  std::vector<int32_t> qhat;   ///< [n][d], before the shift
  std::vector<uint8_t> k_shift;  ///< [heads]: sK_h
  std::vector<uint8_t> q_shift;  ///< [n][heads]: sQ_{i,h}
  std::vector<int32_t> ktilde;   ///< [n][d]: hlog(sign * (|khat| >> sK_h))
  std::vector<int32_t> qtilde;   ///< [n][d]
  std::vector<int64_t> pam;      ///< [heads][n][n]
  uint64_t additions = 0;        ///< shifted terms accumulated (spec 4.1)
  uint64_t additions_khat = 0, additions_qhat = 0, additions_pam = 0;
};

/// Khat/Qhat/PAM from the attention input A (int8 [n][d]) and the INT8 weights
/// Wq, Wk ([d][d], input-major; HLog'd here as the host would).
Prediction predict(std::span<const int8_t> a, std::span<const int8_t> wq, std::span<const int8_t> wk,
                   int n, int d, int heads);

/// Signed bits of a PAM score for heads of up to dh_max dimensions: each
/// product of two shifted HLog values is at most 2^16 in magnitude, so
/// |PAM| <= Dh 2^16 fits 18 + ceil(log2(dh_max)) bits (the RTL's PAM_W, the
/// top-k's score width).
int pam_bits(int dh_max);

/// Shift of a group of values to a leading one at or below bit 7: max(0, LO(max |v|) - 7).
unsigned spls_shift(std::span<const int32_t> values);

/// hlog(sign(v) * (|v| >> shift)) as a value.
int32_t shifted_hlog(int32_t v, unsigned shift);

/// Row-wise top-k: mask[j] = 1 for the k largest scores, ties to the smaller j.  1 <= k <= n.
std::vector<uint8_t> topk_mask(std::span<const int64_t> scores, int k);

/// masks [heads][n][n] (1 = selected) from a PAM [heads][n][n].
std::vector<uint8_t> topk_masks(std::span<const int64_t> pam, int n, int heads, int k);

/// Local similarity (spec 3.4): leader[i] = -1 for a leader, else the row it follows.
std::vector<int32_t> similarity(std::span<const uint8_t> masks, int n, int heads, int window, int threshold);

/// ov(i, j) = sum_h popcount(M[h][i] AND M[h][j]).
int overlap(std::span<const uint8_t> masks, int n, int heads, int i, int j);

}  // namespace esact
