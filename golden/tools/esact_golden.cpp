// esact-golden: run the golden model dense and SPLS on a model (or a synthetic
// workload) and report the work, the reuse and the error against the float
// reference; dump layer-0 intermediates; write synthetic models and inputs.
// Exit status and error messages: esact/cli.hpp.  Outputs are all-or-nothing
// (esact/outputs.hpp): a failing run leaves no new file.
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "esact/cli.hpp"
#include "esact/io.hpp"
#include "esact/outputs.hpp"
#include "esact/report.hpp"
#include "esact/synthetic.hpp"

namespace {

constexpr const char* kTool = "esact-golden";

struct Options {
  std::string model_dir, synthetic, input, json_out, dump_dir, write_model, write_input;
  std::optional<int> k, window, threshold;
  std::string ffn_reuse;
  int max_seqs = 0;
  bool no_float = false, quiet = false;
};

void add_options(CLI::App& app, Options& o) {
  auto* om = app.add_option("--model", o.model_dir, "model folder (manifest.json + .npy, docs/spec.md 5.1)");
  auto* os = app.add_option("--synthetic", o.synthetic,
                            "synthetic workload, e.g. n=128,d=768,heads=12,ffn=3072,layers=1,similarity=0.6,seed=7");
  om->excludes(os);
  os->excludes(om);
  app.add_option("--input", o.input, "input .npy or inputs.json folder (default: the synthetic input)");
  app.add_option("--k", o.k, "SPLS top-k for every layer");
  app.add_option("--window", o.window, "SPLS similarity window W for every layer");
  app.add_option("--threshold", o.threshold, "SPLS similarity threshold T for every layer");
  app.add_option("--ffn-reuse", o.ffn_reuse, "FFN reuse for every layer")->check(CLI::IsMember({"on", "off"}));
  app.add_option("--max-seqs", o.max_seqs, "run at most this many sequences of a batched input (0: all)")
      ->check(esact::cli::kNonNegative);
  app.add_flag("--no-float", o.no_float, "skip the float reference");
  app.add_option("--json", o.json_out, "write the report as JSON to this file");
  app.add_option("--dump", o.dump_dir, "write layer-0 intermediates of sequence 0 as .npy into this folder");
  app.add_option("--write-model", o.write_model, "save the model (e.g. the synthetic one) to this folder");
  app.add_option("--write-input", o.write_input, "save the input to this .npy file (or inputs.json folder)");
  app.add_flag("--quiet", o.quiet, "do not print the text report");
}

struct Workload {
  esact::Model model;
  std::optional<esact::Inputs> inputs;
};

// Model, knobs and inputs; every problem here is bad input (exit 2).
Workload load(const Options& o) {
  if (o.model_dir.empty() && o.synthetic.empty()) throw esact::cli::UsageError("give --model DIR or --synthetic SPEC");
  Workload w;
  std::optional<esact::SyntheticSpec> spec;
  if (!o.synthetic.empty()) {
    spec = esact::parse_synthetic(o.synthetic);
    esact::Synthetic s = esact::make_synthetic(*spec);
    w.model = std::move(s.model);
    w.inputs = std::move(s.inputs);
  } else {
    w.model = esact::load_model(o.model_dir);
  }
  esact::KnobOverride ko{o.k, o.window, o.threshold, std::nullopt};
  if (!o.ffn_reuse.empty()) ko.ffn_reuse = o.ffn_reuse == "on";
  esact::apply_knobs(w.model, ko);
  if (spec) {  // the recorded source names the knobs the run uses
    const esact::SplsKnobs& k0 = w.model.layers.at(0).spls;
    spec->k = k0.k;
    spec->window = k0.window;
    spec->threshold = k0.threshold;
    spec->ffn_reuse = k0.ffn_reuse;
    w.model.source = "synthetic:" + esact::to_string(*spec);
  }
  if (!o.input.empty()) w.inputs = esact::load_inputs(o.input, w.model);
  if (!w.inputs) throw esact::cli::UsageError("a model folder needs --input FILE");
  return w;
}

// Run, stage every output, print, then commit (exit 1 on any failure, no new file left).
void run(const Options& o, const Workload& w) {
  esact::ReportOptions opt;
  opt.with_float = !o.no_float;
  opt.max_sequences = o.max_seqs;
  std::vector<esact::LayerResult> spls0, dense0;
  const esact::Report r = esact::build_report(w.model, *w.inputs, opt, &spls0, &dense0);
  esact::OutputSet out;
  if (!o.write_model.empty()) esact::save_model(w.model, o.write_model, &out);
  if (!o.write_input.empty()) esact::save_inputs(*w.inputs, o.write_input, &out);
  if (!o.json_out.empty()) out.write_text(o.json_out, esact::report_json(r).dump(2) + "\n");
  if (!o.dump_dir.empty())
    esact::dump_layer0(w.model, spls0.at(0), w.inputs->sequence(0), o.dump_dir, &dense0.at(0), &out);
  if (!o.quiet) std::fputs(esact::format_report(r).c_str(), stdout);
  esact::check_stdout();
  out.commit();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ESACT golden model: dense vs SPLS work, reuse and error against the float reference"};
  Options o;
  add_options(app, o);
  if (const int rc = esact::cli::parse(app, argc, argv, kTool); rc >= 0) return rc;
  Workload w;
  if (const int rc = esact::cli::guarded(kTool, esact::cli::kBadInput, [&] { w = load(o); })) return rc;
  return esact::cli::guarded(kTool, esact::cli::kFailed, [&] { run(o, w); });
}
