// esact-golden: run the golden model dense and SPLS on a model (or a synthetic
// workload) and report the work, the reuse and the error against the float
// reference; dump layer-0 intermediates; write synthetic models and inputs.
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "esact/io.hpp"
#include "esact/report.hpp"
#include "esact/synthetic.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ESACT golden model: dense vs SPLS work, reuse and error against the float reference"};
  std::string model_dir, synthetic, input, json_out, dump_dir, write_model, write_input;
  std::optional<int> k, window, threshold;
  std::string ffn_reuse;
  int max_seqs = 0;
  bool no_float = false, quiet = false;
  auto* om = app.add_option("--model", model_dir, "model folder (manifest.json + .npy, docs/spec.md 5.1)");
  auto* os = app.add_option("--synthetic", synthetic,
                            "synthetic workload, e.g. n=128,d=768,heads=12,ffn=3072,layers=1,similarity=0.6,seed=7");
  om->excludes(os);
  os->excludes(om);
  app.add_option("--input", input, "input .npy or inputs.json folder (default: the synthetic input)");
  app.add_option("--k", k, "SPLS top-k for every layer");
  app.add_option("--window", window, "SPLS similarity window W for every layer");
  app.add_option("--threshold", threshold, "SPLS similarity threshold T for every layer");
  app.add_option("--ffn-reuse", ffn_reuse, "FFN reuse for every layer")->check(CLI::IsMember({"on", "off"}));
  app.add_option("--max-seqs", max_seqs, "run at most this many sequences of a batched input (0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-float", no_float, "skip the float reference");
  app.add_option("--json", json_out, "write the report as JSON to this file");
  app.add_option("--dump", dump_dir, "write layer-0 intermediates of sequence 0 as .npy into this folder");
  app.add_option("--write-model", write_model, "save the model (e.g. the synthetic one) to this folder");
  app.add_option("--write-input", write_input, "save the input to this .npy file (or inputs.json folder)");
  app.add_flag("--quiet", quiet, "do not print the text report");
  CLI11_PARSE(app, argc, argv);

  try {
    if (model_dir.empty() && synthetic.empty()) throw std::invalid_argument("give --model DIR or --synthetic SPEC");
    esact::Model model;
    std::optional<esact::Inputs> inputs;
    if (!synthetic.empty()) {
      esact::Synthetic s = esact::make_synthetic(synthetic);
      model = std::move(s.model);
      inputs = std::move(s.inputs);
    } else {
      model = esact::load_model(model_dir);
    }
    esact::KnobOverride ko{k, window, threshold, std::nullopt};
    if (!ffn_reuse.empty()) ko.ffn_reuse = ffn_reuse == "on";
    esact::apply_knobs(model, ko);
    if (!input.empty()) inputs = esact::load_inputs(input, model);
    if (!inputs) throw std::invalid_argument("a model folder needs --input FILE");
    if (!write_model.empty()) esact::save_model(model, write_model);
    if (!write_input.empty()) esact::save_inputs(*inputs, write_input);

    esact::ReportOptions opt;
    opt.with_float = !no_float;
    opt.max_sequences = max_seqs;
    std::vector<esact::LayerResult> spls0, dense0;
    const esact::Report r = esact::build_report(model, *inputs, opt, &spls0, &dense0);
    if (!quiet) std::fputs(esact::format_report(r).c_str(), stdout);
    if (!json_out.empty()) {
      std::ofstream out(json_out);
      out << esact::report_json(r).dump(2) << "\n";
      if (!out) throw esact::FileError(json_out + ": write failed");
    }
    if (!dump_dir.empty()) esact::dump_layer0(model, spls0.at(0), inputs->sequence(0), dump_dir, &dense0.at(0));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "esact-golden: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
