// Dense-vs-SPLS report: what esact-golden prints, as a library so that sibling
// tools (e.g. an accuracy tool) can build and print the same report.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "esact/float_ref.hpp"
#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/model.hpp"

namespace esact {

/// Knob overrides applied to every layer (unset: keep the model's).
struct KnobOverride {
  std::optional<int> k, window, threshold;
  std::optional<bool> ffn_reuse;
};
/// Apply overrides; throws std::invalid_argument for values out of range.
void apply_knobs(Model& model, const KnobOverride& o);

struct LayerReport {
  int layer = 0;
  int k_used = 0;
  uint64_t rows = 0;       ///< N x sequences
  uint64_t leaders = 0;    ///< summed over the sequences
  uint64_t kv_pairs = 0;   ///< sum_h |U_h| over the sequences
  uint64_t kv_total = 0;   ///< H x N x sequences
  WorkCounts dense, spls;  ///< summed over the sequences
  ErrorStats int_dense_vs_float;       ///< integer dense vs float dense (quantization)
  ErrorStats int_spls_vs_float;        ///< integer SPLS vs float dense (quantization + SPLS)
  ErrorStats float_spls_vs_float;      ///< float SPLS vs float dense (SPLS alone)
};

struct Report {
  std::string source, input;
  int n = 0, d = 0, heads = 0, ffn = 0, layers = 0, sequences = 0;
  std::vector<LayerReport> per_layer;
  WorkCounts dense, spls;  ///< summed over layers and sequences
  ErrorStats int_dense_vs_float, int_spls_vs_float, float_spls_vs_float;  ///< of the last layer's output
  double seconds_dense = 0, seconds_spls = 0, seconds_float = 0;          ///< wall time of the runs
  bool with_float = true;
};

struct ReportOptions {
  bool with_float = true;    ///< also run the float reference (dense and SPLS)
  int max_sequences = 0;     ///< 0: all sequences of the input
};

/// Run dense and SPLS (and the float reference) on every sequence and account.
/// `first_spls` (optional) receives the SPLS layer results of sequence 0.
Report build_report(const Model& model, const Inputs& inputs, const ReportOptions& opt = {},
                    std::vector<LayerResult>* first_spls = nullptr, std::vector<LayerResult>* first_dense = nullptr);

/// 1 - spls / dense (0 when dense is 0).
double reduction(uint64_t dense, uint64_t spls);

/// a += b, every counter.
void add(WorkCounts& a, const WorkCounts& b);

/// The work of a dense and an SPLS run as JSON (esact-golden's and esact-eval's
/// "work"): per component qkv, qk, av, wo, ffn, total (MACs) and softmax_exps
/// {dense, spls, reduction}; prediction_additions (SPLS) and
/// prediction_additions_per_dense_mac; weight_bytes and activation_bytes
/// {dense, spls}.
nlohmann::json work_json(const WorkCounts& dense, const WorkCounts& spls);

/// Human-readable text report.
std::string format_report(const Report& r);
/// The same as JSON.
nlohmann::json report_json(const Report& r);

/// Write layer-0 intermediates of sequence 0 (see docs/golden.md, "Dump").
void dump_layer0(const Model& model, const LayerResult& spls, std::span<const int8_t> x, const std::string& dir,
                 const LayerResult* dense = nullptr, OutputSet* out = nullptr);

}  // namespace esact
