// The whole encoder layer in integers, dense and SPLS (docs/spec.md 2 and 4).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "esact/model.hpp"
#include "esact/spls.hpp"

namespace esact {

enum class Mode { Dense, Spls };

/// Work of one component (spec 4.1).
struct Work {
  uint64_t macs = 0;       ///< multiply-accumulates on the MAC array
  uint64_t exps = 0;       ///< softmax exponentials (softmax only)
};

/// Per-layer work accounting (spec 4.1).
struct WorkCounts {
  Work qkv, qk, softmax, av, wo, ffn;
  uint64_t prediction_additions = 0;  ///< 0 in dense mode
  uint64_t weight_bytes = 0, activation_bytes = 0;
  uint64_t total_macs() const { return qkv.macs + qk.macs + av.macs + wo.macs + ffn.macs; }
};

/// Everything one layer computes.  Tensors are row-major; rows that SPLS does
/// not compute are left 0 in Q/K/V/O (K/V: per head) and filled from the
/// leader in Z and Z2, exactly as spec 4 says.
struct LayerResult {
  int n = 0, d = 0, f = 0, heads = 0;
  int k_used = 0;                  ///< k after clamping to N (N in dense mode)
  Prediction pred;                 ///< empty in dense mode
  std::vector<uint8_t> masks;      ///< [H][N][N]; all ones in dense mode
  std::vector<int32_t> leader;     ///< [N]: -1 leader, else its leader row
  std::vector<uint8_t> kv_needed;  ///< [H][N]: token j's K/V of head h computed
  std::vector<int8_t> a;           ///< attention input [N][D] (X, or LN1(X) for pre-LN)
  std::vector<int8_t> q, k, v;     ///< [N][D]
  std::vector<int8_t> p;           ///< [H][N][N] Q0.7 probabilities
  std::vector<int8_t> o;           ///< [N][D] attention output before Wo
  std::vector<int8_t> z;           ///< [N][D] Wo output (at the scale of X)
  std::vector<int8_t> h;           ///< [N][D]
  std::vector<int8_t> ffn_in;      ///< [N][D]: H (post-LN) or LN2(H) (pre-LN)
  std::vector<int8_t> g1, g;       ///< [N][F]
  std::vector<int8_t> z2;          ///< [N][D]
  std::vector<int8_t> y;           ///< [N][D] layer output
  WorkCounts work;
  int leaders() const;
};

/// Check the model's sizes against the build maxima (esact::params); throws
/// std::invalid_argument naming the problem.
void check_model_shape(const Model& model);

/// Check one layer's array sizes, requant pairs and SPLS knobs against the
/// model's sizes and the build maxima; `index` is used in the message.
void check_layer(const Model& model, const Layer& layer, int index);

/// Run one layer on x (int8 [n][D]).  Throws std::invalid_argument on sizes
/// that do not match the model or exceed the build's maxima.
LayerResult run_layer(const Model& model, const Layer& layer, std::span<const int8_t> x, int n, Mode mode);

/// Run every layer; returns each layer's result (the last one's y is the output).
std::vector<LayerResult> run_model(const Model& model, std::span<const int8_t> x, int n, Mode mode);

}  // namespace esact
