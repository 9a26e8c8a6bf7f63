// Dense-vs-SPLS report (see esact/report.hpp).
#include "esact/report.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "esact/npy.hpp"
#include "esact/params.hpp"

namespace esact {
namespace {

using clk = std::chrono::steady_clock;
double since(clk::time_point t) { return std::chrono::duration<double>(clk::now() - t).count(); }

void add(Work& a, const Work& b) {
  a.macs += b.macs;
  a.exps += b.exps;
}

nlohmann::json err_json(const ErrorStats& e) {
  return {{"max_abs", e.max_abs}, {"mean_abs", e.mean_abs}, {"cosine", e.cosine}, {"ref_rms", e.ref_rms}};
}

std::string human(uint64_t v) {
  if (v >= 10'000'000'000ull) return fmt::format("{:.2f} G", static_cast<double>(v) / 1e9);
  if (v >= 10'000'000ull) return fmt::format("{:.2f} M", static_cast<double>(v) / 1e6);
  if (v >= 10'000ull) return fmt::format("{:.2f} k", static_cast<double>(v) / 1e3);
  return fmt::format("{}", v);
}

}  // namespace

double reduction(uint64_t dense, uint64_t spls) {
  return dense == 0 ? 0.0 : 1.0 - static_cast<double>(spls) / static_cast<double>(dense);
}

void add(WorkCounts& a, const WorkCounts& b) {
  add(a.qkv, b.qkv);
  add(a.qk, b.qk);
  add(a.softmax, b.softmax);
  add(a.av, b.av);
  add(a.wo, b.wo);
  add(a.ffn, b.ffn);
  a.prediction_additions += b.prediction_additions;
  a.weight_bytes += b.weight_bytes;
  a.activation_bytes += b.activation_bytes;
}

nlohmann::json work_json(const WorkCounts& d, const WorkCounts& s) {
  nlohmann::json j;
  auto comp = [&](const char* name, uint64_t dv, uint64_t sv) {
    j[name] = {{"dense", dv}, {"spls", sv}, {"reduction", reduction(dv, sv)}};
  };
  comp("qkv", d.qkv.macs, s.qkv.macs);
  comp("qk", d.qk.macs, s.qk.macs);
  comp("av", d.av.macs, s.av.macs);
  comp("wo", d.wo.macs, s.wo.macs);
  comp("ffn", d.ffn.macs, s.ffn.macs);
  comp("total", d.total_macs(), s.total_macs());
  comp("softmax_exps", d.softmax.exps, s.softmax.exps);
  j["prediction_additions"] = s.prediction_additions;
  j["prediction_additions_per_dense_mac"] =
      d.total_macs() ? static_cast<double>(s.prediction_additions) / static_cast<double>(d.total_macs()) : 0.0;
  j["weight_bytes"] = {{"dense", d.weight_bytes}, {"spls", s.weight_bytes}};
  j["activation_bytes"] = {{"dense", d.activation_bytes}, {"spls", s.activation_bytes}};
  return j;
}

void apply_knobs(Model& model, const KnobOverride& o) {
  if (o.k && *o.k < 1) throw std::invalid_argument(fmt::format("--k = {} must be >= 1", *o.k));
  if (o.window && (*o.window < 0 || static_cast<unsigned>(*o.window) > params::W_MAX))
    throw std::invalid_argument(fmt::format("--window = {} out of range 0..{}", *o.window, params::W_MAX));
  if (o.threshold && *o.threshold < 0)
    throw std::invalid_argument(fmt::format("--threshold = {} must be >= 0", *o.threshold));
  for (Layer& L : model.layers) {
    if (o.k) L.spls.k = *o.k;
    if (o.window) L.spls.window = *o.window;
    if (o.threshold) L.spls.threshold = *o.threshold;
    if (o.ffn_reuse) L.spls.ffn_reuse = *o.ffn_reuse;
  }
}

Report build_report(const Model& model, const Inputs& inputs, const ReportOptions& opt,
                    std::vector<LayerResult>* first_spls, std::vector<LayerResult>* first_dense) {
  check_model_shape(model);
  if (inputs.d != model.d_model)
    throw std::invalid_argument(fmt::format("input width D = {} differs from the model's d_model = {}", inputs.d,
                                            model.d_model));
  if (inputs.batch < 1) throw std::invalid_argument("no input sequences");
  Report r;
  r.source = model.source;
  r.input = inputs.source;
  r.n = inputs.n;
  r.d = model.d_model;
  r.heads = model.n_heads;
  r.ffn = model.d_ffn;
  r.layers = static_cast<int>(model.layers.size());
  r.sequences = opt.max_sequences > 0 ? std::min(opt.max_sequences, inputs.batch) : inputs.batch;
  r.with_float = opt.with_float;
  const size_t L = model.layers.size();
  r.per_layer.resize(L);
  // Per layer, the concatenation over sequences of the outputs to compare.
  std::vector<std::vector<double>> id(L), is(L), fd(L), fs(L);
  for (int b = 0; b < r.sequences; ++b) {
    const auto x = inputs.sequence(b);
    auto t = clk::now();
    auto dense = run_model(model, x, inputs.n, Mode::Dense);
    r.seconds_dense += since(t);
    t = clk::now();
    auto spls = run_model(model, x, inputs.n, Mode::Spls);
    r.seconds_spls += since(t);
    std::vector<std::vector<double>> fdl, fsl;
    if (opt.with_float) {
      t = clk::now();
      fdl = float_model(model, x, inputs.n);
      fsl = float_model(model, x, inputs.n, &spls);
      r.seconds_float += since(t);
    }
    for (size_t l = 0; l < L; ++l) {
      LayerReport& lr = r.per_layer[l];
      lr.layer = static_cast<int>(l);
      lr.k_used = spls[l].k_used;
      lr.rows += static_cast<uint64_t>(inputs.n);
      lr.leaders += static_cast<uint64_t>(spls[l].leaders());
      for (uint8_t u : spls[l].kv_needed) lr.kv_pairs += u;
      lr.kv_total += spls[l].kv_needed.size();
      add(lr.dense, dense[l].work);
      add(lr.spls, spls[l].work);
      if (opt.with_float) {
        const double s = output_scale(model.layers[l]);
        for (int8_t v : dense[l].y) id[l].push_back(v * s);
        for (int8_t v : spls[l].y) is[l].push_back(v * s);
        fd[l].insert(fd[l].end(), fdl[l].begin(), fdl[l].end());
        fs[l].insert(fs[l].end(), fsl[l].begin(), fsl[l].end());
      }
    }
    if (b == 0) {
      if (first_spls) *first_spls = std::move(spls);
      if (first_dense) *first_dense = std::move(dense);
    }
  }
  for (size_t l = 0; l < L; ++l) {
    LayerReport& lr = r.per_layer[l];
    add(r.dense, lr.dense);
    add(r.spls, lr.spls);
    if (opt.with_float) {
      lr.int_dense_vs_float = compare(id[l], fd[l]);
      lr.int_spls_vs_float = compare(is[l], fd[l]);
      lr.float_spls_vs_float = compare(fs[l], fd[l]);
    }
  }
  if (opt.with_float) {
    r.int_dense_vs_float = r.per_layer.back().int_dense_vs_float;
    r.int_spls_vs_float = r.per_layer.back().int_spls_vs_float;
    r.float_spls_vs_float = r.per_layer.back().float_spls_vs_float;
  }
  return r;
}

std::string format_report(const Report& r) {
  std::string s;
  auto line = [&](const std::string& t) { s += t + "\n"; };
  line(fmt::format("model    {}", r.source));
  line(fmt::format("input    {}", r.input));
  line(fmt::format("shape    N={} D={} H={} F={} layers={} sequences={}", r.n, r.d, r.heads, r.ffn, r.layers,
                   r.sequences));
  line("");
  line("work (all layers and sequences)   dense            SPLS             reduction");
  auto row = [&](const char* name, uint64_t d, uint64_t sp) {
    line(fmt::format("  {:<30} {:>16} {:>16} {:>9.2f} %", name, d, sp, 100.0 * reduction(d, sp)));
  };
  row("qkv MACs", r.dense.qkv.macs, r.spls.qkv.macs);
  row("qk MACs", r.dense.qk.macs, r.spls.qk.macs);
  row("softmax exponentials", r.dense.softmax.exps, r.spls.softmax.exps);
  row("av MACs", r.dense.av.macs, r.spls.av.macs);
  row("wo MACs", r.dense.wo.macs, r.spls.wo.macs);
  row("ffn MACs", r.dense.ffn.macs, r.spls.ffn.macs);
  row("total MACs", r.dense.total_macs(), r.spls.total_macs());
  line(fmt::format("  {:<30} {:>16} {:>16}   (beside, not in the total: {} per dense MAC)", "prediction additions", 0,
                   r.spls.prediction_additions,
                   fmt::format("{:.3f}", r.dense.total_macs() ? static_cast<double>(r.spls.prediction_additions) /
                                                                   static_cast<double>(r.dense.total_macs())
                                                             : 0.0)));
  row("weight bytes", r.dense.weight_bytes, r.spls.weight_bytes);
  row("activation bytes", r.dense.activation_bytes, r.spls.activation_bytes);
  line("");
  line("per layer      k   leaders/rows  followers   unused K/V (token,head)   MAC reduction   pred adds");
  for (const LayerReport& l : r.per_layer)
    line(fmt::format("  layer {:<3} {:>4}   {:>6}/{:<6} {:>8.1f} %   {:>10} of {:<10} {:>10.2f} %   {:>10}", l.layer, l.k_used,
                     l.leaders, l.rows, 100.0 * (1.0 - static_cast<double>(l.leaders) / static_cast<double>(l.rows)),
                     l.kv_total - l.kv_pairs, l.kv_total, 100.0 * reduction(l.dense.total_macs(), l.spls.total_macs()),
                     human(l.spls.prediction_additions)));
  if (r.with_float) {
    line("");
    line("error of the output vs the float reference (dequantized, real units)");
    line("  layer  compared                          max abs    mean abs   cosine     ref rms");
    for (const LayerReport& l : r.per_layer) {
      auto e = [&](const char* name, const ErrorStats& x) {
        line(fmt::format("  {:<5}  {:<32} {:>9.4f} {:>10.5f} {:>9.6f} {:>9.4f}", l.layer, name, x.max_abs, x.mean_abs,
                         x.cosine, x.ref_rms));
      };
      e("int dense  vs float dense", l.int_dense_vs_float);
      e("int SPLS   vs float dense", l.int_spls_vs_float);
      e("float SPLS vs float dense", l.float_spls_vs_float);
    }
  }
  line("");
  line(fmt::format("time     integer dense {:.3f} s, integer SPLS {:.3f} s, float reference {:.3f} s", r.seconds_dense,
                   r.seconds_spls, r.seconds_float));
  return s;
}

nlohmann::json report_json(const Report& r) {
  nlohmann::json j;
  j["model"] = r.source;
  j["input"] = r.input;
  j["shape"] = {{"n", r.n}, {"d", r.d}, {"heads", r.heads}, {"ffn", r.ffn}, {"layers", r.layers},
                {"sequences", r.sequences}};
  j["work"] = work_json(r.dense, r.spls);
  j["layers"] = nlohmann::json::array();
  for (const LayerReport& l : r.per_layer) {
    nlohmann::json jl = {{"layer", l.layer},
                         {"k", l.k_used},
                         {"rows", l.rows},
                         {"leaders", l.leaders},
                         {"followers", l.rows - l.leaders},
                         {"kv_pairs_used", l.kv_pairs},
                         {"kv_pairs_total", l.kv_total},
                         {"unused_kv", l.kv_total - l.kv_pairs},
                         {"work", work_json(l.dense, l.spls)}};
    if (r.with_float)
      jl["error"] = {{"int_dense_vs_float", err_json(l.int_dense_vs_float)},
                     {"int_spls_vs_float", err_json(l.int_spls_vs_float)},
                     {"float_spls_vs_float", err_json(l.float_spls_vs_float)}};
    j["layers"].push_back(jl);
  }
  if (r.with_float)
    j["error"] = {{"int_dense_vs_float", err_json(r.int_dense_vs_float)},
                  {"int_spls_vs_float", err_json(r.int_spls_vs_float)},
                  {"float_spls_vs_float", err_json(r.float_spls_vs_float)}};
  j["seconds"] = {{"dense", r.seconds_dense}, {"spls", r.seconds_spls}, {"float", r.seconds_float}};
  return j;
}

void dump_layer0(const Model& model, const LayerResult& R, std::span<const int8_t> x, const std::string& dir_s,
                 const LayerResult* dense, OutputSet* out) {
  OutputSet own;
  OutputSet& o = out ? *out : own;
  namespace fs = std::filesystem;
  const fs::path dir(dir_s);
  const Layer& L = model.layers.at(0);
  const size_t N = static_cast<size_t>(R.n), D = static_cast<size_t>(R.d), H = static_cast<size_t>(R.heads);
  if (R.pred.pam.empty()) throw std::invalid_argument("dump_layer0: needs an SPLS run (it has the prediction)");
  o.make_dir(dir);
  npy::write(dir / "x.npy", x, {N, D}, &o);
  npy::write(dir / "a.npy", R.a, {N, D}, &o);
  npy::write(dir / "wq.npy", L.wq, {D, D}, &o);
  npy::write(dir / "wk.npy", L.wk, {D, D}, &o);
  npy::write(dir / "khat.npy", R.pred.khat, {N, D}, &o);
  npy::write(dir / "qhat.npy", R.pred.qhat, {N, D}, &o);
  npy::write(dir / "ktilde.npy", R.pred.ktilde, {N, D}, &o);
  npy::write(dir / "qtilde.npy", R.pred.qtilde, {N, D}, &o);
  npy::write(dir / "k_shift.npy", R.pred.k_shift, {H}, &o);
  npy::write(dir / "q_shift.npy", R.pred.q_shift, {N, H}, &o);
  npy::write(dir / "pam.npy", R.pred.pam, {H, N, N}, &o);
  npy::write(dir / "mask.npy", R.masks, {H, N, N}, &o);
  npy::write(dir / "leader.npy", R.leader, {N}, &o);
  npy::write(dir / "y.npy", R.y, {N, D}, &o);
  if (dense) npy::write(dir / "y_dense.npy", dense->y, {N, D}, &o);
  nlohmann::json c = {{"N", R.n},
                      {"D", R.d},
                      {"H", R.heads},
                      {"F", R.f},
                      {"k", L.spls.k},
                      {"k_used", R.k_used},
                      {"W", L.spls.window},
                      {"T", L.spls.threshold},
                      {"ffn_reuse", L.spls.ffn_reuse},
                      {"norm", L.norm == Norm::Pre ? "pre" : "post"},
                      {"prediction_additions", R.pred.additions},
                      {"leaders", R.leaders()},
                      {"source", model.source}};
  o.write_text(dir / "config.json", c.dump(2) + "\n");
  if (!out) own.commit();
}

}  // namespace esact
