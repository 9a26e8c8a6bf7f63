// The model: what docs/spec.md section 5.1 stores on disk, in memory.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esact/ops.hpp"

namespace esact {

enum class Norm { Post, Pre };

/// SPLS knobs of one layer (spec 3.4).
struct SplsKnobs {
  int k = 1;            ///< keys kept per query row and head; clamped to N at run time
  int window = 0;       ///< W, 0..W_MAX; 0 turns reuse off
  int threshold = 0;    ///< T
  bool ffn_reuse = false;
};

/// Requantization pairs of one layer (spec 2).
struct LayerRequant {
  Requant q, k, v, softmax, av, o, ln1, ffn1, ffn2, ln2;
};

/// Real scales (for the float reference and reports only; the integer pipeline
/// uses LayerRequant).  Names as in the manifest's "scales".
struct LayerScales {
  double x = 1, wq = 1, wk = 1, wv = 1, wo = 1, w1 = 1, w2 = 1;
  double q = 1, k = 1, v = 1, o = 1, h = 1, g1 = 1, g = 1, y = 1;
  double ln1_g = 1, ln2_g = 1;
};

struct Layer {
  Norm norm = Norm::Post;
  SplsKnobs spls;
  LayerRequant rq;
  LayerScales scales;
  std::vector<int8_t> wq, wk, wv, wo;  ///< [D][D], input-major
  std::vector<int32_t> bq, bk, bv, bo; ///< [D]
  std::vector<int8_t> w1;              ///< [D][F]
  std::vector<int32_t> b1;             ///< [F]
  std::vector<int8_t> w2;              ///< [F][D]
  std::vector<int32_t> b2;             ///< [D]
  std::vector<int16_t> ln1_gamma, ln2_gamma;  ///< [D]
  std::vector<int32_t> ln1_beta, ln2_beta;    ///< [D]
  std::array<int8_t, 256> gelu{};             ///< indexed by G1 + 128
};

struct Classifier {
  std::vector<float> weight;  ///< [D][C]
  std::vector<float> bias;    ///< [C]
  int classes = 0;
  bool pool_mean = true;      ///< false: token 0
};

struct Model {
  int d_model = 0, n_heads = 0, d_ffn = 0;
  std::vector<Layer> layers;
  std::optional<std::vector<int8_t>> embedding;  ///< [V][D]
  int vocab = 0;
  std::optional<Classifier> classifier;
  std::string source;  ///< where it came from (path or synthetic spec), for reports

  int head_dim() const { return n_heads > 0 ? d_model / n_heads : 0; }
};

}  // namespace esact
