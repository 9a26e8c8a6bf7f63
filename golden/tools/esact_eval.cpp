// esact-eval: accuracy of a classifier model on a labelled test split, dense
// INT8 and SPLS, through the golden model (esact::run_model), with the work
// saved by SPLS.  The embedding (pre-computed int8 token rows or ids looked up
// in the model's embedding) and the classifier head (float32, pooled over the
// dequantized output of the last layer) run here, on the host side.
//
// One dense run per sequence is shared by every SPLS setting: give one setting
// with --k/--window/--threshold/--ffn-reuse (default: the model's own knobs) or
// a grid with --grid "k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off", or
// a list of settings with per-layer knobs (--settings FILE, for calibration).
// --split val|test picks the model's validation or test split (MODEL/<split>).
//
// Output: a text table, and with --json FILE everything, per setting:
// accuracy (dense, SPLS, loss), MACs per component dense/SPLS and the
// reduction, prediction additions (beside, never folded in), and per layer the
// fraction of follower rows and of unused keys (tokens whose K/V no leader
// needs, per head).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "esact/classify.hpp"
#include "esact/cli.hpp"
#include "esact/float_ref.hpp"
#include "esact/io.hpp"
#include "esact/knob_grid.hpp"
#include "esact/layer.hpp"
#include "esact/model.hpp"
#include "esact/npy.hpp"
#include "esact/outputs.hpp"
#include "esact/params.hpp"
#include "esact/report.hpp"

namespace {

using esact::add;
using esact::reduction;
using esact::work_json;
using esact::WorkCounts;

struct Setting {
  int k = 1, window = 0, threshold = 0;
  bool ffn_reuse = false;
  bool from_model = false;  ///< the model's own (per-layer) knobs
  std::vector<esact::SplsKnobs> per_layer = {};  ///< from --settings: one entry per layer (else empty)
};

struct LayerStats {
  uint64_t rows = 0, followers = 0, kv_pairs = 0, kv_total = 0;
  WorkCounts dense, spls;
};

struct Result {
  Setting set;
  uint64_t correct = 0, agree = 0;  ///< SPLS correct; SPLS prediction equal to dense
  std::vector<LayerStats> layers;
  WorkCounts dense, spls;
};

void check_knobs(const esact::SplsKnobs& s) {
  if (s.k < 1) throw std::invalid_argument(fmt::format("k = {} must be >= 1", s.k));
  if (s.window < 0 || static_cast<unsigned>(s.window) > esact::params::W_MAX)
    throw std::invalid_argument(fmt::format("window = {} out of range 0..{}", s.window, esact::params::W_MAX));
  if (s.threshold < 0) throw std::invalid_argument(fmt::format("threshold = {} must be >= 0", s.threshold));
}

/// The setting's knobs (one set for every layer, or per layer); out-of-range values are errors naming the knob.
void apply_setting(esact::Model& m, const Setting& s) {
  if (!s.per_layer.empty()) {
    if (s.per_layer.size() != m.layers.size())
      throw std::invalid_argument(fmt::format("--settings: {} layer knobs for a model of {} layers", s.per_layer.size(),
                                              m.layers.size()));
    for (size_t l = 0; l < m.layers.size(); ++l) {
      check_knobs(s.per_layer[l]);
      m.layers[l].spls = s.per_layer[l];
    }
    return;
  }
  const esact::SplsKnobs kn{s.k, s.window, s.threshold, s.ffn_reuse};
  check_knobs(kn);
  for (esact::Layer& L : m.layers) L.spls = kn;
}

esact::SplsKnobs knobs_from_json(const nlohmann::json& j, const std::string& where) {
  for (const char* key : {"k", "window", "threshold", "ffn_reuse"})
    if (!j.is_object() || !j.contains(key))
      throw std::invalid_argument(fmt::format("--settings: {} has no \"{}\"", where, key));
  try {
    return esact::SplsKnobs{j.at("k").get<int>(), j.at("window").get<int>(), j.at("threshold").get<int>(),
                            j.at("ffn_reuse").get<bool>()};
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("--settings: {}: {}", where, e.what()));
  }
}

/// --settings FILE: a JSON array; each element is {"k","window","threshold","ffn_reuse"}
/// (every layer) or {"layers": [{...}, ...]} (one entry per layer).
std::vector<Setting> read_settings(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(path + ": cannot open the --settings file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("{}: not JSON: {}", path, e.what()));
  }
  if (!j.is_array() || j.empty()) throw std::invalid_argument(path + ": --settings wants a non-empty JSON array");
  std::vector<Setting> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = fmt::format("{} setting {}", path, i);
    Setting s;
    esact::SplsKnobs k0;
    if (j[i].is_object() && j[i].contains("layers")) {
      if (!j[i]["layers"].is_array() || j[i]["layers"].empty())
        throw std::invalid_argument("--settings: " + where + ": \"layers\" must be a non-empty array");
      for (size_t l = 0; l < j[i]["layers"].size(); ++l)
        s.per_layer.push_back(knobs_from_json(j[i]["layers"][l], fmt::format("{} layer {}", where, l)));
      k0 = s.per_layer.front();
    } else {
      k0 = knobs_from_json(j[i], where);
    }
    s.k = k0.k, s.window = k0.window, s.threshold = k0.threshold, s.ffn_reuse = k0.ffn_reuse;
    out.push_back(s);
  }
  return out;
}

constexpr const char* kTool = "esact-eval";

struct Options {
  std::string model_dir, input, split, json_out, grid, settings_file, dense_out;
  std::optional<int> k, window, threshold;
  std::string ffn_reuse;
  int max_seqs = 0;
  bool with_float = false, quiet = false;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--model", o.model_dir, "model folder (manifest.json + .npy, docs/spec.md 5.1) with a classifier")
      ->required();
  app.add_option("--input", o.input, "labelled inputs (inputs.json folder, docs/spec.md 5.2); default MODEL/test");
  app.add_option("--split", o.split, "the model's own split MODEL/<split> (val: choose knobs, test: report)")
      ->check(CLI::IsMember({"val", "test"}))
      ->excludes("--input");
  app.add_option("--k", o.k, "SPLS top-k for every layer");
  app.add_option("--window", o.window, "SPLS similarity window W for every layer");
  app.add_option("--threshold", o.threshold, "SPLS similarity threshold T for every layer");
  app.add_option("--ffn-reuse", o.ffn_reuse, "FFN reuse for every layer")->check(CLI::IsMember({"on", "off"}));
  app.add_option("--grid", o.grid, "sweep: \"k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off\" (cross product)");
  app.add_option("--settings", o.settings_file,
                 "JSON array of settings, each {k,window,threshold,ffn_reuse} or {\"layers\": [one per layer]}");
  app.add_option("--max-seqs", o.max_seqs, "evaluate only the first N sequences (0: all)")->check(esact::cli::kNonNegative);
  app.add_flag("--float", o.with_float, "also the accuracy of the float reference (dequantized weights, double)");
  app.add_option("--json", o.json_out, "write everything as JSON to this file");
  app.add_flag("--quiet", o.quiet, "no text output");
  app.add_option("--dense-output", o.dense_out, "write the last layer's dense int8 output [B, N, D] to this .npy");
}

// The model, the labelled inputs and one model per SPLS setting; all checked (exit 2).
struct Prepared {
  esact::Model model;
  esact::Inputs in;
  std::vector<Setting> settings;
  std::vector<esact::Model> models;  ///< per setting
  int seqs = 0;
};

Prepared prepare(Options& o) {
  Prepared p;
  p.model = esact::load_model(o.model_dir);
  const esact::Model& model = p.model;
  if (!model.classifier) throw std::invalid_argument(o.model_dir + ": the model has no \"classifier\" (needed for accuracy)");
  if (o.input.empty()) o.input = (std::filesystem::path(o.model_dir) / (o.split.empty() ? "test" : o.split)).string();
  p.in = esact::load_inputs(o.input, model);
  const esact::Inputs& in = p.in;
  if (!in.labels) throw std::invalid_argument(o.input + ": no \"labels\" (needed for accuracy)");
  for (int b = 0; b < in.batch; ++b) {
    const int32_t l = (*in.labels)[static_cast<size_t>(b)];
    if (l < 0 || l >= model.classifier->classes)
      throw std::invalid_argument(fmt::format("{}: label of sequence {} is {}, outside 0..{}", o.input, b, l,
                                              model.classifier->classes - 1));
  }
  p.seqs = o.max_seqs > 0 ? std::min(o.max_seqs, in.batch) : in.batch;
  const bool knobs = o.k || o.window || o.threshold || !o.ffn_reuse.empty();
  if (!o.grid.empty() && !o.settings_file.empty()) throw std::invalid_argument("--grid excludes --settings");
  if (!o.grid.empty()) {
    if (knobs) throw std::invalid_argument("--grid excludes --k/--window/--threshold/--ffn-reuse");
    for (const esact::SplsKnobs& g : esact::parse_grid(o.grid))
      p.settings.push_back(Setting{g.k, g.window, g.threshold, g.ffn_reuse, false});
  } else if (!o.settings_file.empty()) {
    if (knobs) throw std::invalid_argument("--settings excludes --k/--window/--threshold/--ffn-reuse");
    p.settings = read_settings(o.settings_file);
  } else {
    Setting s;
    s.from_model = !knobs;
    const esact::SplsKnobs& k0 = model.layers[0].spls;
    s.k = o.k.value_or(k0.k);
    s.window = o.window.value_or(k0.window);
    s.threshold = o.threshold.value_or(k0.threshold);
    s.ffn_reuse = o.ffn_reuse.empty() ? k0.ffn_reuse : o.ffn_reuse == "on";
    p.settings.push_back(s);
  }
  for (const Setting& s : p.settings) {
    esact::Model m = model;
    if (!s.from_model) apply_setting(m, s);
    p.models.push_back(std::move(m));
  }
  return p;
}

struct Evaluation {
  std::vector<Result> res;
  uint64_t dense_correct = 0, float_correct = 0;
  std::vector<int8_t> dense_y;  ///< with --dense-output
  double secs = 0;
};

// Add one sequence's SPLS run to a setting's result.
void accumulate(Result& R, const std::vector<esact::LayerResult>& dr, const std::vector<esact::LayerResult>& sr, int n) {
  for (size_t l = 0; l < sr.size(); ++l) {
    LayerStats& L = R.layers[l];
    const esact::LayerResult& s = sr[l];
    L.rows += static_cast<uint64_t>(n);
    L.followers += static_cast<uint64_t>(n - s.leaders());
    for (uint8_t u : s.kv_needed) L.kv_pairs += u != 0;
    L.kv_total += s.kv_needed.size();
    add(L.dense, dr[l].work);
    add(L.spls, s.work);
    add(R.dense, dr[l].work);
    add(R.spls, s.work);
  }
}

// One dense run per sequence, shared by every SPLS setting.
Evaluation evaluate(const Options& o, const Prepared& p) {
  const esact::Model& model = p.model;
  const int n = p.in.n;
  Evaluation ev;
  ev.res.resize(p.settings.size());
  for (size_t i = 0; i < p.settings.size(); ++i) {
    ev.res[i].set = p.settings[i];
    ev.res[i].layers.resize(model.layers.size());
  }
  if (!o.dense_out.empty()) ev.dense_y.reserve(static_cast<size_t>(p.seqs) * n * model.d_model);
  const auto t0 = std::chrono::steady_clock::now();
  for (int b = 0; b < p.seqs; ++b) {
    const auto x = p.in.sequence(b);
    const int label = (*p.in.labels)[static_cast<size_t>(b)];
    const auto dr = esact::run_model(model, x, n, esact::Mode::Dense);
    const int pd = esact::classify(model, dr.back().y, n);
    if (!o.dense_out.empty()) ev.dense_y.insert(ev.dense_y.end(), dr.back().y.begin(), dr.back().y.end());
    ev.dense_correct += pd == label;
    if (o.with_float) ev.float_correct += esact::classify_real(model, esact::float_model(model, x, n).back(), n) == label;
    for (size_t si = 0; si < p.settings.size(); ++si) {
      const auto sr = esact::run_model(p.models[si], x, n, esact::Mode::Spls);
      const int ps = esact::classify(model, sr.back().y, n);
      ev.res[si].correct += ps == label;
      ev.res[si].agree += ps == pd;
      accumulate(ev.res[si], dr, sr, n);
    }
  }
  ev.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ev;
}

/// model: the setting's own model (its per-layer knobs are reported).
nlohmann::json setting_json(const esact::Model& model, const Result& R, int seqs, double acc_dense) {
  nlohmann::json s;
  if (R.set.from_model || !R.set.per_layer.empty()) {
    s["knobs"] = R.set.from_model ? "model" : "per_layer";
    nlohmann::json per = nlohmann::json::array();
    for (const auto& L : model.layers)
      per.push_back({{"k", L.spls.k}, {"window", L.spls.window}, {"threshold", L.spls.threshold},
                     {"ffn_reuse", L.spls.ffn_reuse}});
    s["layer_knobs"] = per;
  }
  s["k"] = R.set.k;
  s["window"] = R.set.window;
  s["threshold"] = R.set.threshold;
  s["ffn_reuse"] = R.set.ffn_reuse;
  s["correct"] = R.correct;
  s["accuracy"] = static_cast<double>(R.correct) / seqs;
  s["accuracy_loss"] = acc_dense - static_cast<double>(R.correct) / seqs;
  s["agreement_with_dense"] = static_cast<double>(R.agree) / seqs;
  s["work"] = work_json(R.dense, R.spls);
  s["reduction"] = reduction(R.dense.total_macs(), R.spls.total_macs());
  nlohmann::json pl = nlohmann::json::array();
  uint64_t fol = 0, rows = 0;
  for (size_t l = 0; l < R.layers.size(); ++l) {
    const LayerStats& L = R.layers[l];
    fol += L.followers;
    rows += L.rows;
    pl.push_back({{"layer", l},
                  {"follower_fraction", static_cast<double>(L.followers) / L.rows},
                  {"unused_key_fraction", 1.0 - static_cast<double>(L.kv_pairs) / L.kv_total},
                  {"reduction", reduction(L.dense.total_macs(), L.spls.total_macs())},
                  {"work", work_json(L.dense, L.spls)}});
  }
  s["follower_fraction"] = static_cast<double>(fol) / rows;
  s["per_layer"] = pl;
  return s;
}

nlohmann::json results_json(const Options& o, const Prepared& p, const Evaluation& ev) {
  const esact::Model& model = p.model;
  const int seqs = p.seqs;
  const double acc_dense = static_cast<double>(ev.dense_correct) / seqs;
  nlohmann::json j;
  j["model"] = o.model_dir;
  j["input"] = o.input;
  j["split"] = o.split.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.split);
  j["sequences"] = seqs;
  j["n"] = p.in.n;
  j["d_model"] = model.d_model;
  j["n_heads"] = model.n_heads;
  j["d_ffn"] = model.d_ffn;
  j["layers"] = model.layers.size();
  j["dense"] = {{"correct", ev.dense_correct}, {"accuracy", acc_dense}};
  if (o.with_float)
    j["float"] = {{"correct", ev.float_correct}, {"accuracy", static_cast<double>(ev.float_correct) / seqs}};
  j["seconds"] = ev.secs;
  j["settings"] = nlohmann::json::array();
  for (size_t i = 0; i < ev.res.size(); ++i) j["settings"].push_back(setting_json(p.models[i], ev.res[i], seqs, acc_dense));
  return j;
}

void print_text(const Options& o, const Prepared& p, const Evaluation& ev, const nlohmann::json& j) {
  const esact::Model& model = p.model;
  const int seqs = p.seqs;
  std::printf("esact-eval: %s on %s: %d sequences, N=%d, D=%d, H=%d, F=%d, %zu layers (%.1f s)\n", o.model_dir.c_str(),
              o.input.c_str(), seqs, p.in.n, model.d_model, model.n_heads, model.d_ffn, model.layers.size(), ev.secs);
  if (o.with_float)
    std::printf("float reference accuracy %.4f (%llu/%d)\n", static_cast<double>(ev.float_correct) / seqs,
                static_cast<unsigned long long>(ev.float_correct), seqs);
  std::printf("INT8 dense accuracy      %.4f (%llu/%d)\n", j["dense"]["accuracy"].get<double>(),
              static_cast<unsigned long long>(ev.dense_correct), seqs);
  std::printf("%5s %3s %5s %4s | %8s %7s %6s | %7s %7s %7s %7s %7s | %7s | %9s %9s\n", "k", "W", "T", "ffn", "accuracy",
              "loss", "agree", "qkv", "qk", "av", "wo", "ffn", "TOTAL", "pred.add", "followers");
  for (const auto& s : j["settings"]) {
    const auto& w = s["work"];
    std::printf("%5d %3d %5d %4s | %8.4f %+7.4f %6.3f | %6.1f%% %6.1f%% %6.1f%% %6.1f%% %6.1f%% | %6.2f%% | %8.3fx %8.1f%%\n",
                s["k"].get<int>(), s["window"].get<int>(), s["threshold"].get<int>(),
                s["ffn_reuse"].get<bool>() ? "on" : "off", s["accuracy"].get<double>(),
                -s["accuracy_loss"].get<double>(), s["agreement_with_dense"].get<double>(),
                100 * w["qkv"]["reduction"].get<double>(), 100 * w["qk"]["reduction"].get<double>(),
                100 * w["av"]["reduction"].get<double>(), 100 * w["wo"]["reduction"].get<double>(),
                100 * w["ffn"]["reduction"].get<double>(), 100 * s["reduction"].get<double>(),
                w["prediction_additions_per_dense_mac"].get<double>(), 100 * s["follower_fraction"].get<double>());
    if (p.settings.size() == 1) {
      for (const auto& L : s["per_layer"])
        std::printf("  layer %d: followers %5.1f%%  unused keys %5.1f%%  MAC reduction %6.2f%%\n", L["layer"].get<int>(),
                    100 * L["follower_fraction"].get<double>(), 100 * L["unused_key_fraction"].get<double>(),
                    100 * L["reduction"].get<double>());
    }
  }
  std::printf("(reductions are 1 - SPLS MACs / dense MACs; pred.add = prediction additions per dense MAC, beside)\n");
}

// Evaluate, stage the outputs, print, then commit: a failure leaves no new file (exit 1).
void run(const Options& o, const Prepared& p) {
  const Evaluation ev = evaluate(o, p);
  const nlohmann::json j = results_json(o, p, ev);
  esact::OutputSet out;
  if (!o.dense_out.empty())
    esact::npy::write(o.dense_out, ev.dense_y,
                      {static_cast<size_t>(p.seqs), static_cast<size_t>(p.in.n), static_cast<size_t>(p.model.d_model)},
                      &out);
  if (!o.json_out.empty()) out.write_text(o.json_out, j.dump(1) + "\n");
  if (!o.quiet) print_text(o, p, ev, j);
  esact::check_stdout();
  out.commit();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ESACT accuracy evaluation: dense INT8 vs SPLS on a labelled test split, through the golden model"};
  Options o;
  add_options(app, o);
  if (const int rc = esact::cli::parse(app, argc, argv, kTool); rc >= 0) return rc;
  Prepared p;
  if (const int rc = esact::cli::guarded(kTool, esact::cli::kBadInput, [&] { p = prepare(o); })) return rc;
  return esact::cli::guarded(kTool, esact::cli::kFailed, [&] { run(o, p); });
}
