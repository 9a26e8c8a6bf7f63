// Float reference: the layer of docs/spec.md 2 in double precision, from the
// dequantized weights and input (real scales from LayerScales), with exact
// softmax, LayerNorm with eps = 1e-5 and the erf GELU.  SPLS is applied by
// reusing the integer run's masks and leader table, so that the integer error
// and the extra error of SPLS can be measured separately.
//
// Scales (see docs/golden.md, "Scales"): weights at s_w*, biases of a product
// at (scale of its input) * s_w, LayerNorm gamma at ln*_g and beta at
// ln*_g / 2^10.  Post-LN: A = X at s_x; LN1 output H at s_h; Z2 at s_h; Y at
// s_y.  Pre-LN: both LayerNorm outputs (A = LN1(X) and LN2(H)) at s_h; X, Z,
// H, Z2 and Y at s_x.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "esact/layer.hpp"
#include "esact/model.hpp"

namespace esact {

/// One layer in real numbers.
struct FloatLayer {
  Norm norm = Norm::Post;
  int d = 0, f = 0, heads = 0;
  std::vector<double> wq, wk, wv, wo, w1, w2;  ///< input-major, as in Layer
  std::vector<double> bq, bk, bv, bo, b1, b2;
  std::vector<double> ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;
};

/// Dequantize a layer with its LayerScales.
FloatLayer dequantize_layer(const Model& model, const Layer& layer);

/// Everything the float layer computes, row-major like LayerResult.
struct FloatTrace {
  std::vector<double> a, q, k, v, o, z, h, ffn_in, g1, g, z2, y;
};

/// Reuse information taken from an integer SPLS run (masks [H][N][N], leader [N]).
struct FloatSparsity {
  std::span<const uint8_t> masks;
  std::span<const int32_t> leader;
  bool ffn_reuse = false;
};

/// One layer in double.  `sp` == nullptr: dense.
FloatTrace float_layer(const FloatLayer& L, std::span<const double> x, int n, const FloatSparsity* sp = nullptr);

/// Every layer of the model in double from the dequantized int8 input
/// (scale: the first layer's s_x).  With `spls` (the integer SPLS run's
/// per-layer results), each layer uses that run's masks and leaders.
/// Returns each layer's real output Y.
std::vector<std::vector<double>> float_model(const Model& model, std::span<const int8_t> x, int n,
                                             const std::vector<LayerResult>* spls = nullptr);

/// Error of a quantized tensor (int8 at `scale`) against a real one.
struct ErrorStats {
  double max_abs = 0, mean_abs = 0, cosine = 0;
  double ref_rms = 0;  ///< RMS of the reference, to put the errors in proportion
};
ErrorStats compare(std::span<const int8_t> q, double scale, std::span<const double> ref);
ErrorStats compare(std::span<const double> a, std::span<const double> ref);

/// The real scale of a layer's output Y (s_y post-LN, s_x pre-LN).
double output_scale(const Layer& layer);

/// Exact GELU, 0.5 x (1 + erf(x / sqrt 2)).
double gelu_exact(double x);

}  // namespace esact
