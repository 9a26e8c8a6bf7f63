// esact-eval: accuracy of a classifier model on a labelled test split, dense
// INT8 and SPLS, through the golden model (esact::run_model), with the work
// saved by SPLS.  The embedding (pre-computed int8 token rows or ids looked up
// in the model's embedding) and the classifier head (float32, pooled over the
// dequantized output of the last layer) run here, on the host side.
//
// One dense run per sequence is shared by every SPLS setting: give one setting
// with --k/--window/--threshold/--ffn-reuse (default: the model's own knobs) or
// a grid with --grid "k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off".
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

#include "esact/float_ref.hpp"
#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/model.hpp"
#include "esact/npy.hpp"
#include "esact/params.hpp"

namespace {

using esact::WorkCounts;

struct Setting {
  int k = 1, window = 0, threshold = 0;
  bool ffn_reuse = false;
  bool from_model = false;  ///< the model's own (per-layer) knobs
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

void add(WorkCounts& a, const WorkCounts& b) {
  a.qkv.macs += b.qkv.macs;
  a.qk.macs += b.qk.macs;
  a.av.macs += b.av.macs;
  a.wo.macs += b.wo.macs;
  a.ffn.macs += b.ffn.macs;
  a.softmax.exps += b.softmax.exps;
  a.prediction_additions += b.prediction_additions;
  a.weight_bytes += b.weight_bytes;
  a.activation_bytes += b.activation_bytes;
}

std::vector<int> parse_list(const std::string& key, const std::string& v) {
  std::vector<int> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (key == "ffn_reuse") {
      if (item == "on" || item == "1") out.push_back(1);
      else if (item == "off" || item == "0") out.push_back(0);
      else throw std::invalid_argument(fmt::format("--grid: ffn_reuse value '{}' is not on/off", item));
      continue;
    }
    size_t pos = 0;
    int x = 0;
    try {
      x = std::stoi(item, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != item.size()) throw std::invalid_argument(fmt::format("--grid: '{}' in {} is not an integer", item, key));
    out.push_back(x);
  }
  if (out.empty()) throw std::invalid_argument(fmt::format("--grid: {} has no values", key));
  return out;
}

/// "k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off" -> the cross product.
std::vector<Setting> parse_grid(const std::string& g) {
  std::map<std::string, std::vector<int>> v{{"k", {}}, {"window", {}}, {"threshold", {}}, {"ffn_reuse", {}}};
  std::stringstream ss(g);
  std::string part;
  while (std::getline(ss, part, ';')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string::npos) throw std::invalid_argument(fmt::format("--grid: '{}' is not key=v1,v2,...", part));
    const std::string key = part.substr(0, eq);
    if (!v.count(key)) throw std::invalid_argument(fmt::format("--grid: unknown key '{}' (k, window, threshold, ffn_reuse)", key));
    v[key] = parse_list(key, part.substr(eq + 1));
  }
  for (auto& [key, vals] : v)
    if (vals.empty()) throw std::invalid_argument(fmt::format("--grid: missing {}", key));
  std::vector<Setting> out;
  for (int k : v["k"])
    for (int w : v["window"])
      for (int t : v["threshold"])
        for (int f : v["ffn_reuse"]) out.push_back(Setting{k, w, t, f != 0, false});
  return out;
}

/// Classify the last layer's int8 output on the host: dequantize, pool, linear head.
int classify(const esact::Model& m, std::span<const int8_t> y, int n) {
  const esact::Classifier& c = *m.classifier;
  const int d = m.d_model;
  const double s = esact::output_scale(m.layers.back());
  std::vector<double> pooled(static_cast<size_t>(d), 0.0);
  if (c.pool_mean) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) pooled[j] += y[static_cast<size_t>(i) * d + j];
    for (double& p : pooled) p = p * s / n;
  } else {
    for (int j = 0; j < d; ++j) pooled[j] = y[j] * s;
  }
  int best = 0;
  double best_v = 0;
  for (int cl = 0; cl < c.classes; ++cl) {
    double v = c.bias[cl];
    for (int j = 0; j < d; ++j) v += pooled[j] * c.weight[static_cast<size_t>(j) * c.classes + cl];
    if (cl == 0 || v > best_v) best_v = v, best = cl;
  }
  return best;
}

/// The same on real-valued outputs (float reference).
int classify_real(const esact::Model& m, const std::vector<double>& y, int n) {
  const esact::Classifier& c = *m.classifier;
  const int d = m.d_model;
  std::vector<double> pooled(static_cast<size_t>(d), 0.0);
  for (int i = 0; i < (c.pool_mean ? n : 1); ++i)
    for (int j = 0; j < d; ++j) pooled[j] += y[static_cast<size_t>(i) * d + j];
  if (c.pool_mean)
    for (double& p : pooled) p /= n;
  int best = 0;
  double best_v = 0;
  for (int cl = 0; cl < c.classes; ++cl) {
    double v = c.bias[cl];
    for (int j = 0; j < d; ++j) v += pooled[j] * c.weight[static_cast<size_t>(j) * c.classes + cl];
    if (cl == 0 || v > best_v) best_v = v, best = cl;
  }
  return best;
}

double reduction(uint64_t dense, uint64_t spls) {
  return dense == 0 ? 0.0 : 1.0 - static_cast<double>(spls) / static_cast<double>(dense);
}

/// The setting's knobs on every layer; out-of-range values are errors naming the knob.
void apply_setting(esact::Model& m, const Setting& s) {
  if (s.k < 1) throw std::invalid_argument(fmt::format("k = {} must be >= 1", s.k));
  if (s.window < 0 || static_cast<unsigned>(s.window) > esact::params::W_MAX)
    throw std::invalid_argument(fmt::format("window = {} out of range 0..{}", s.window, esact::params::W_MAX));
  if (s.threshold < 0) throw std::invalid_argument(fmt::format("threshold = {} must be >= 0", s.threshold));
  for (esact::Layer& L : m.layers) L.spls = esact::SplsKnobs{s.k, s.window, s.threshold, s.ffn_reuse};
}

nlohmann::json work_json(const WorkCounts& d, const WorkCounts& s) {
  nlohmann::json j;
  auto comp = [&](const char* name, uint64_t dm, uint64_t sm) {
    j[name] = {{"dense_macs", dm}, {"spls_macs", sm}, {"reduction", reduction(dm, sm)}};
  };
  comp("qkv", d.qkv.macs, s.qkv.macs);
  comp("qk", d.qk.macs, s.qk.macs);
  comp("av", d.av.macs, s.av.macs);
  comp("wo", d.wo.macs, s.wo.macs);
  comp("ffn", d.ffn.macs, s.ffn.macs);
  comp("total", d.total_macs(), s.total_macs());
  j["softmax_exps"] = {{"dense", d.softmax.exps}, {"spls", s.softmax.exps}};
  j["prediction_additions"] = s.prediction_additions;
  j["prediction_additions_per_dense_mac"] =
      d.total_macs() ? static_cast<double>(s.prediction_additions) / static_cast<double>(d.total_macs()) : 0.0;
  j["bytes"] = {{"dense", d.weight_bytes + d.activation_bytes}, {"spls", s.weight_bytes + s.activation_bytes}};
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ESACT accuracy evaluation: dense INT8 vs SPLS on a labelled test split, through the golden model"};
  std::string model_dir, input, json_out, grid, dense_out;
  std::optional<int> k, window, threshold;
  std::string ffn_reuse;
  int max_seqs = 0;
  bool with_float = false, quiet = false;
  app.add_option("--model", model_dir, "model folder (manifest.json + .npy, docs/spec.md 5.1) with a classifier")
      ->required();
  app.add_option("--input", input, "labelled inputs (inputs.json folder, docs/spec.md 5.2); default MODEL/test");
  app.add_option("--k", k, "SPLS top-k for every layer");
  app.add_option("--window", window, "SPLS similarity window W for every layer");
  app.add_option("--threshold", threshold, "SPLS similarity threshold T for every layer");
  app.add_option("--ffn-reuse", ffn_reuse, "FFN reuse for every layer")->check(CLI::IsMember({"on", "off"}));
  app.add_option("--grid", grid, "sweep: \"k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off\" (cross product)");
  app.add_option("--max-seqs", max_seqs, "evaluate only the first N sequences (0: all)")->check(CLI::NonNegativeNumber);
  app.add_flag("--float", with_float, "also the accuracy of the float reference (dequantized weights, double)");
  app.add_option("--json", json_out, "write everything as JSON to this file");
  app.add_flag("--quiet", quiet, "no text output");
  app.add_option("--dense-output", dense_out, "write the last layer's dense int8 output [B, N, D] to this .npy");
  CLI11_PARSE(app, argc, argv);

  try {
    const esact::Model model = esact::load_model(model_dir);
    if (!model.classifier) throw std::invalid_argument(model_dir + ": the model has no \"classifier\" (needed for accuracy)");
    if (input.empty()) input = (std::filesystem::path(model_dir) / "test").string();
    const esact::Inputs in = esact::load_inputs(input, model);
    if (!in.labels) throw std::invalid_argument(input + ": no \"labels\" (needed for accuracy)");
    for (int b = 0; b < in.batch; ++b) {
      const int32_t l = (*in.labels)[static_cast<size_t>(b)];
      if (l < 0 || l >= model.classifier->classes)
        throw std::invalid_argument(fmt::format("{}: label of sequence {} is {}, outside 0..{}", input, b, l,
                                                model.classifier->classes - 1));
    }
    const int seqs = max_seqs > 0 ? std::min(max_seqs, in.batch) : in.batch;
    const int n = in.n;
    const int nl = static_cast<int>(model.layers.size());

    std::vector<Setting> settings;
    if (!grid.empty()) {
      if (k || window || threshold || !ffn_reuse.empty()) throw std::invalid_argument("--grid excludes --k/--window/--threshold/--ffn-reuse");
      settings = parse_grid(grid);
    } else {
      Setting s;
      s.from_model = !(k || window || threshold || !ffn_reuse.empty());
      const esact::SplsKnobs& k0 = model.layers[0].spls;
      s.k = k.value_or(k0.k);
      s.window = window.value_or(k0.window);
      s.threshold = threshold.value_or(k0.threshold);
      s.ffn_reuse = ffn_reuse.empty() ? k0.ffn_reuse : ffn_reuse == "on";
      settings.push_back(s);
    }
    std::vector<esact::Model> models;
    for (const Setting& s : settings) {
      esact::Model m = model;
      if (!s.from_model) apply_setting(m, s);
      models.push_back(std::move(m));
    }

    std::vector<Result> res(settings.size());
    for (size_t i = 0; i < settings.size(); ++i) {
      res[i].set = settings[i];
      res[i].layers.resize(static_cast<size_t>(nl));
    }
    uint64_t dense_correct = 0, float_correct = 0;
    std::vector<int> dense_pred(static_cast<size_t>(seqs));
    std::vector<int8_t> dense_y;
    if (!dense_out.empty()) dense_y.reserve(static_cast<size_t>(seqs) * n * model.d_model);
    const auto t0 = std::chrono::steady_clock::now();
    for (int b = 0; b < seqs; ++b) {
      const auto x = in.sequence(b);
      const int label = (*in.labels)[static_cast<size_t>(b)];
      const auto dr = esact::run_model(model, x, n, esact::Mode::Dense);
      const int pd = classify(model, dr.back().y, n);
      if (!dense_out.empty()) dense_y.insert(dense_y.end(), dr.back().y.begin(), dr.back().y.end());
      dense_pred[static_cast<size_t>(b)] = pd;
      dense_correct += pd == label;
      if (with_float) float_correct += classify_real(model, esact::float_model(model, x, n).back(), n) == label;
      for (size_t si = 0; si < settings.size(); ++si) {
        const auto sr = esact::run_model(models[si], x, n, esact::Mode::Spls);
        const int ps = classify(model, sr.back().y, n);
        Result& R = res[si];
        R.correct += ps == label;
        R.agree += ps == pd;
        for (int l = 0; l < nl; ++l) {
          LayerStats& L = R.layers[static_cast<size_t>(l)];
          const esact::LayerResult& s = sr[static_cast<size_t>(l)];
          L.rows += static_cast<uint64_t>(n);
          L.followers += static_cast<uint64_t>(n - s.leaders());
          for (uint8_t u : s.kv_needed) L.kv_pairs += u != 0;
          L.kv_total += s.kv_needed.size();
          add(L.dense, dr[static_cast<size_t>(l)].work);
          add(L.spls, s.work);
          add(R.dense, dr[static_cast<size_t>(l)].work);
          add(R.spls, s.work);
        }
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const double acc_dense = static_cast<double>(dense_correct) / seqs;
    nlohmann::json j;
    j["model"] = model_dir;
    j["input"] = input;
    j["sequences"] = seqs;
    j["n"] = n;
    j["d_model"] = model.d_model;
    j["n_heads"] = model.n_heads;
    j["d_ffn"] = model.d_ffn;
    j["layers"] = nl;
    j["dense"] = {{"correct", dense_correct}, {"accuracy", acc_dense}};
    if (with_float) j["float"] = {{"correct", float_correct}, {"accuracy", static_cast<double>(float_correct) / seqs}};
    j["seconds"] = secs;
    j["settings"] = nlohmann::json::array();
    for (const Result& R : res) {
      nlohmann::json s;
      if (R.set.from_model) {
        s["knobs"] = "model";
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
      for (int l = 0; l < nl; ++l) {
        const LayerStats& L = R.layers[static_cast<size_t>(l)];
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
      j["settings"].push_back(s);
    }

    if (!quiet) {
      std::printf("esact-eval: %s on %s: %d sequences, N=%d, D=%d, H=%d, F=%d, %d layers (%.1f s)\n", model_dir.c_str(),
                  input.c_str(), seqs, n, model.d_model, model.n_heads, model.d_ffn, nl, secs);
      if (with_float) std::printf("float reference accuracy %.4f (%llu/%d)\n", static_cast<double>(float_correct) / seqs,
                                  static_cast<unsigned long long>(float_correct), seqs);
      std::printf("INT8 dense accuracy      %.4f (%llu/%d)\n", acc_dense, static_cast<unsigned long long>(dense_correct), seqs);
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
        if (settings.size() == 1) {
          for (const auto& L : s["per_layer"])
            std::printf("  layer %d: followers %5.1f%%  unused keys %5.1f%%  MAC reduction %6.2f%%\n", L["layer"].get<int>(),
                        100 * L["follower_fraction"].get<double>(), 100 * L["unused_key_fraction"].get<double>(),
                        100 * L["reduction"].get<double>());
        }
      }
      std::printf("(reductions are 1 - SPLS MACs / dense MACs; pred.add = prediction additions per dense MAC, beside)\n");
    }
    if (!dense_out.empty())
      esact::npy::write(dense_out, dense_y,
                        {static_cast<size_t>(seqs), static_cast<size_t>(n), static_cast<size_t>(model.d_model)});
    if (!json_out.empty()) {
      std::ofstream out(json_out);
      out << j.dump(1) << "\n";
      if (!out) throw esact::FileError(json_out + ": write failed");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "esact-eval: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
