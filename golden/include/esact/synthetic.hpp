// Seeded synthetic workloads: a quantized model and one input sequence whose
// neighbouring tokens are as alike as the `similarity` knob says.
//
// Spec string: comma-separated key=value, e.g.
//   "n=128,d=768,heads=12,ffn=3072,layers=1,similarity=0.6,seed=7"
// keys: n d heads ffn layers similarity seed norm(post|pre) k window threshold
// ffn_reuse(on|off).  Unset SPLS knobs get the defaults of default_knobs().
// The result depends only on the spec (std::mt19937_64 with our own
// distribution code; std:: distributions differ between library versions).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "esact/io.hpp"
#include "esact/model.hpp"

namespace esact {

struct SyntheticSpec {
  int n = 128, d = 768, heads = 12, ffn = 3072, layers = 1;
  double similarity = 0.5;  ///< 0: independent tokens .. 1: identical runs of tokens
  uint64_t seed = 1;
  Norm norm = Norm::Post;
  std::optional<int> k, window, threshold;
  std::optional<bool> ffn_reuse;
};

/// Parse a spec string; throws std::invalid_argument naming the key and the problem.
SyntheticSpec parse_synthetic(std::string_view text);
/// The canonical spec string (every key, defaults filled in).
std::string to_string(const SyntheticSpec& spec);

/// Default SPLS knobs for n tokens and h heads: k = max(1, n/4), W = min(4, W_MAX),
/// T = ceil(3 H k / 4), ffn_reuse on.
SplsKnobs default_knobs(int n, int heads);

struct Synthetic {
  SyntheticSpec spec;
  Model model;
  Inputs inputs;  ///< one sequence, int8 [n][d]
};

/// Build the workload (see docs/golden.md, "Synthetic workloads", for how the
/// scales are calibrated).
Synthetic make_synthetic(const SyntheticSpec& spec);
inline Synthetic make_synthetic(std::string_view text) { return make_synthetic(parse_synthetic(text)); }

}  // namespace esact
