// esact-spls-bench: the SPLS front end (esact_spls at the esact_pkg sizes) alone on
// one layer of a synthetic workload, or on every layer of one sequence of a
// trained model (--model), without stalls.  Every mask and every
// leader decision is checked against the golden model (exit 1 on a mismatch),
// the bytes read on the x and w streams are counted, and the cycle count is
// checked against the cycle model of docs/spls-rtl.md (spls_cycle_model.hpp;
// exit 2 when they differ; exit 3 on bad input, exit 4 with fewer followers than
// --min-followers).  It also counts the top-k unit's radix passes that decide
// nothing (spls_topk_count).  The last line is `front end cycles: C`
// (summed over the layers, and with --sequences over the sequences).
//
//   esact-spls-bench --synthetic n=128,d=768,heads=12,similarity=0.6,seed=1 [--k K] [--window W] [--threshold T]
//                    [--min-followers F]
//   esact-spls-bench --model models/digits_vit [--split test] [--sequence 0 | --sequences all|A|A-B] [knobs as above]
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "Vspls_pkg.h"
#include "esact/cli.hpp"
#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/params.hpp"
#include "esact/report.hpp"
#include "esact/synthetic.hpp"
#include "spls_cycle_model.hpp"
#include "spls_stream.hpp"
#include "tb_common.hpp"

namespace {
namespace params = esact::params;

struct Outcome {
  uint64_t cycles = 0, masks = 0, decisions = 0, followers = 0, mismatches = 0;
  uint64_t x_bytes = 0, w_bytes = 0;
  std::string first_mismatch;
};

void note_mismatch(Outcome& o, std::string what) {
  if (o.mismatches++ == 0) o.first_mismatch = std::move(what);
}

Outcome run_front_end(const esact::LayerResult& r, const esact::Layer& layer, int window, int threshold) {
  const int n = r.n, d = r.d, heads = r.heads, dh = d / heads;
  std::mt19937_64 rng(1);
  const auto xb = spls_tb::token_stream(r.a, n, d, static_cast<int>(params::SPLS_CH), rng);
  const auto wb = spls_tb::weight_stream(layer.wq, layer.wk, d, heads, static_cast<int>(params::SPLS_COLS), rng);
  Vspls_pkg m;
  spls_tb::reset(m);
  m.cfg_n_i = static_cast<uint32_t>(n);
  m.cfg_heads_i = static_cast<uint32_t>(heads);
  m.cfg_dh_i = static_cast<uint32_t>(dh);
  m.cfg_k_i = static_cast<uint32_t>(r.k_used);
  m.cfg_window_i = static_cast<uint32_t>(window);
  m.cfg_thresh_i = static_cast<uint32_t>(threshold);
  m.m_ready_i = 1;
  m.l_ready_i = 1;
  m.start_i = 1;
  Outcome o;
  size_t xi = 0, wi = 0;
  const uint64_t limit = 50 * spls_cycle_model(spls_pkg_shape(), n, d, heads, window, r.leader, r.pred.pam, r.k_used) + 100000;
  for (bool done = false; !done; ++o.cycles) {
    if (o.cycles > limit) throw std::runtime_error(fmt::format("hang: no done_o after {} cycles", o.cycles));
    m.x_valid_i = xi < xb.size();
    spls_tb::put_bytes(m.x_data_i, xi < xb.size() ? xb[xi] : spls_tb::Beat(params::SPLS_CH, 0));
    m.w_valid_i = wi < wb.size();
    spls_tb::put_bytes(m.w_data_i, wi < wb.size() ? wb[wi] : spls_tb::Beat(params::SPLS_COLS, 0));
    spls_tb::settle(m);
    if (m.m_valid_o) {
      const int i = static_cast<int>(o.masks / heads), h = static_cast<int>(o.masks % heads);
      if (static_cast<int>(m.m_row_o) != i || static_cast<int>(m.m_head_o) != h)
        note_mismatch(o, fmt::format("mask {} tagged row {} head {}", o.masks, m.m_row_o, m.m_head_o));
      for (int j = 0; j < static_cast<int>(params::N_MAX); ++j) {
        const int g = j < n ? r.masks[(static_cast<size_t>(h) * n + i) * n + j] : 0;
        if (spls_tb::get_bit(m.m_mask_o, j) != g)
          note_mismatch(o, fmt::format("mask row {} head {} key {}: rtl {} golden {}", i, h, j, 1 - g, g));
      }
      ++o.masks;
    }
    if (m.l_valid_o) {
      const int i = static_cast<int>(o.decisions);
      const int got = m.l_follower_o ? static_cast<int>(m.l_leader_o) : -1;
      if (i >= n || static_cast<int>(m.l_row_o) != i || got != r.leader[i])
        note_mismatch(o, fmt::format("decision {} (row tag {}): rtl {} golden {}", i, m.l_row_o, got,
                                     i < n ? r.leader[i] : -2));
      o.followers += got >= 0;
      ++o.decisions;
    }
    if (m.x_valid_i && m.x_ready_o) ++xi;
    if (m.w_valid_i && m.w_ready_o) ++wi;
    if (m.done_o) done = true;
    spls_tb::posedge(m);
    m.start_i = 0;
  }
  if (m.err_o != 0) note_mismatch(o, fmt::format("err_o = {:#x}", m.err_o));
  if (o.masks != static_cast<uint64_t>(n) * heads || o.decisions != static_cast<uint64_t>(n))
    note_mismatch(o, fmt::format("{} masks and {} decisions, expected {} and {}", o.masks, o.decisions, n * heads, n));
  if (xi != xb.size() || wi != wb.size())
    note_mismatch(o, fmt::format("{} of {} x beats and {} of {} w beats taken", xi, xb.size(), wi, wb.size()));
  o.x_bytes = xi * params::SPLS_CH;
  o.w_bytes = wi * params::SPLS_COLS;
  // The cycle count excludes the start cycle: cycles from start_i to done_o.
  o.cycles -= 1;
  return o;
}

// The build's maxima (esact_pkg): the front end refuses larger shapes.
void check_build(const esact::Model& model, int n) {
  const int d = model.d_model, heads = model.n_heads;
  if (n > static_cast<int>(params::N_MAX) || d > static_cast<int>(params::D_MAX) ||
      heads > static_cast<int>(params::H_MAX) || d / heads > static_cast<int>(params::DH_MAX))
    throw std::invalid_argument(fmt::format("n={} d={} heads={} exceed the build (N_MAX={} D_MAX={} H_MAX={} "
                                            "DH_MAX={})", n, d, heads, params::N_MAX, params::D_MAX,
                                            params::H_MAX, params::DH_MAX));
  for (size_t li = 0; li < model.layers.size(); ++li)
    if (model.layers[li].spls.window > static_cast<int>(params::W_MAX))
      throw std::invalid_argument(fmt::format("layer {}: window {} exceeds W_MAX = {}", li,
                                              model.layers[li].spls.window, params::W_MAX));
}

// What to run: the model, its inputs, and the sequences of them to run, each
// with a line that names it (the golden results are made one sequence at a
// time, in run_sequence).
struct Sequence {
  std::string name;
  int index = 0;  // in inputs
};
struct Workload {
  esact::Model model;
  esact::Inputs inputs;
  std::vector<Sequence> sequences;
};

Workload synthetic_workload(const std::string& text, const esact::KnobOverride& knobs) {
  // The options override the spec's knobs; folded into the spec, the workload
  // line prints the knobs actually used.
  esact::SyntheticSpec spec = esact::parse_synthetic(text);
  spec.layers = 1;
  if (knobs.k) spec.k = knobs.k;
  if (knobs.window) spec.window = knobs.window;
  if (knobs.threshold) spec.threshold = knobs.threshold;
  esact::Synthetic s = esact::make_synthetic(spec);
  esact::apply_knobs(s.model, knobs);  // range checks
  check_build(s.model, s.inputs.n);
  return {std::move(s.model), std::move(s.inputs), {{esact::to_string(spec), 0}}};
}

// sequences: --sequences' text, or empty for the one --sequence.
Workload trained_workload(const std::filesystem::path& dir, const std::string& split, int sequence,
                          const std::string& sequences, const esact::KnobOverride& knobs) {
  esact::Model model = esact::load_model(dir);
  esact::apply_knobs(model, knobs);
  esact::Inputs in = esact::load_inputs(dir / split, model);
  if (sequences.empty() && (sequence < 0 || sequence >= in.batch))
    throw std::invalid_argument(fmt::format("--sequence {}: {} holds sequences 0..{}", sequence,
                                            (dir / split).string(), in.batch - 1));
  const esact::cli::SeqRange range = sequences.empty() ? esact::cli::SeqRange{sequence, sequence}
                                                       : esact::cli::parse_sequences(sequences, in.batch,
                                                                                     (dir / split).string());
  check_build(model, in.n);
  Workload w{std::move(model), std::move(in), {}};
  for (int i = range.first; i <= range.last; ++i)
    w.sequences.push_back({fmt::format("{} {} sequence {}", dir.string(), split, i), i});
  return w;
}

// One layer on the RTL, compared with the golden model and the cycle model.
struct LayerRun {
  Outcome o;
  uint64_t model = 0;
  SplsTopkCount topk;         // the top-k unit's passes (spls_topk_count)
  uint64_t model_skipping = 0;  // the cycle model if the search skipped those that decide nothing
};

LayerRun run_layer(const esact::Model& model, const std::vector<esact::LayerResult>& layers, size_t li) {
  const esact::LayerResult& r = layers.at(li);
  const esact::Layer& layer = model.layers.at(li);
  LayerRun run;
  run.o = run_front_end(r, layer, layer.spls.window, layer.spls.threshold);
  run.model = spls_cycle_model(spls_pkg_shape(), r.n, r.d, r.heads, layer.spls.window, r.leader, r.pred.pam, r.k_used);
  run.topk = spls_topk_count(spls_pkg_shape(), r.n, r.heads, r.pred.pam, r.k_used);
  SplsShape skipping = spls_pkg_shape();
  skipping.topk_skip_trivial = true;
  run.model_skipping =
      spls_cycle_model(skipping, r.n, r.d, r.heads, layer.spls.window, r.leader, r.pred.pam, r.k_used);
  std::printf("layer %zu: knobs k=%d (used %d) W=%d T=%d; %llu masks, %llu decisions (%llu followers), "
              "%llu mismatches; bytes read %llu (x %llu, w %llu); cycles %llu, cycle model %llu, per query row %.1f\n",
              li, layer.spls.k, r.k_used, layer.spls.window, layer.spls.threshold,
              static_cast<unsigned long long>(run.o.masks), static_cast<unsigned long long>(run.o.decisions),
              static_cast<unsigned long long>(run.o.followers), static_cast<unsigned long long>(run.o.mismatches),
              static_cast<unsigned long long>(run.o.x_bytes + run.o.w_bytes),
              static_cast<unsigned long long>(run.o.x_bytes), static_cast<unsigned long long>(run.o.w_bytes),
              static_cast<unsigned long long>(run.o.cycles), static_cast<unsigned long long>(run.model),
              static_cast<double>(run.o.cycles) / r.n);
  return run;
}

// The layers of one sequence, and their sums.
struct SequenceRun {
  std::string name;
  std::vector<LayerRun> layers;
};

SequenceRun run_sequence(const Workload& w, const Sequence& seq) {
  std::printf("workload: %s\n", seq.name.c_str());
  const std::vector<esact::LayerResult> layers =
      esact::run_model(w.model, w.inputs.sequence(seq.index), w.inputs.n, esact::Mode::Spls);
  SequenceRun run{seq.name, {}};
  for (size_t li = 0; li < layers.size(); ++li) run.layers.push_back(run_layer(w.model, layers, li));
  return run;
}

// Exit code of the run: the first failure of mismatch (1), cycle model (2),
// too few followers (4, over all the sequences).
int verdict(const std::vector<SequenceRun>& runs, uint64_t min_followers) {
  uint64_t followers = 0;
  for (const SequenceRun& seq : runs) {
    for (size_t li = 0; li < seq.layers.size(); ++li) {
      const LayerRun& run = seq.layers[li];
      if (run.o.mismatches != 0) {
        std::fprintf(stderr, "esact-spls-bench: %s: layer %zu: MISMATCH (%llu): first: %s\n", seq.name.c_str(), li,
                     static_cast<unsigned long long>(run.o.mismatches), run.o.first_mismatch.c_str());
        return 1;
      }
      if (run.o.cycles != run.model) {
        std::fprintf(stderr, "esact-spls-bench: %s: layer %zu: cycle count %llu differs from the cycle model %llu\n",
                     seq.name.c_str(), li, static_cast<unsigned long long>(run.o.cycles),
                     static_cast<unsigned long long>(run.model));
        return 2;
      }
      followers += run.o.followers;
    }
  }
  if (followers < min_followers) {
    std::fprintf(stderr, "esact-spls-bench: %llu followers, fewer than --min-followers %llu\n",
                 static_cast<unsigned long long>(followers), static_cast<unsigned long long>(min_followers));
    return 4;
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ESACT SPLS front end alone (esact_spls, esact_pkg sizes): cycles, bytes, checked masks"};
  std::string synthetic, split = "test", sequences;
  std::optional<std::string> model_dir;
  int sequence = 0;
  esact::KnobOverride knobs;
  uint64_t min_followers = 0;
  auto* syn = app.add_option("--synthetic", synthetic, "workload, e.g. n=128,d=768,heads=12,similarity=0.6,seed=1");
  auto* mod = app.add_option("--model", model_dir, "a trained model's folder: every layer of one sequence");
  syn->excludes(mod);
  app.add_option("--split", split, "--model: the split folder (default test)")->needs(mod);
  auto* one = app.add_option("--sequence", sequence, "--model: the sequence (default 0)")->needs(mod);
  app.add_option("--sequences", sequences, "--model: several sequences, summed: all, A or A-B")
      ->needs(mod)
      ->excludes(one);
  app.add_option("--k", knobs.k, "SPLS top-k");
  app.add_option("--window", knobs.window, "SPLS similarity window W");
  app.add_option("--threshold", knobs.threshold, "SPLS similarity threshold T");
  app.add_option("--min-followers", min_followers,
                 "fail (exit 4) when fewer rows are followers: a test that needs the reuse path exercised");
  CLI11_PARSE(app, argc, argv);
  try {
    if (synthetic.empty() && !model_dir)
      throw std::invalid_argument("give a workload: --synthetic SPEC or --model DIR");
    spls_tb::init_verilator();
    const Workload w = model_dir ? trained_workload(*model_dir, split, sequence, sequences, knobs)
                                 : synthetic_workload(synthetic, knobs);
    std::printf("array %u x %u dot units x %u channels = %u lanes\n", static_cast<unsigned>(params::SPLS_ROWS),
                static_cast<unsigned>(params::SPLS_COLS), static_cast<unsigned>(params::SPLS_CH),
                static_cast<unsigned>(params::SPLS_ROWS * params::SPLS_COLS * params::SPLS_CH));
    std::vector<SequenceRun> runs;
    uint64_t cycles = 0;
    SplsTopkCount topk;
    uint64_t model_skipping = 0;
    for (const Sequence& seq : w.sequences) {
      runs.push_back(run_sequence(w, seq));
      for (const LayerRun& run : runs.back().layers) {
        cycles += run.o.cycles;
        topk += run.topk;
        model_skipping += run.model_skipping;
      }
    }
    std::printf("top-k: %llu radix passes over %llu (row, head) pairs (%.2f per pair), %llu of them decide nothing "
                "(one bin holds every candidate key): %llu cycles of reads; cycle model if the search skipped them: %llu "
                "(not built)\n",
                static_cast<unsigned long long>(topk.passes), static_cast<unsigned long long>(topk.pairs),
                topk.pairs ? static_cast<double>(topk.passes) / static_cast<double>(topk.pairs) : 0.0,
                static_cast<unsigned long long>(topk.trivial), static_cast<unsigned long long>(topk.trivial_reads),
                static_cast<unsigned long long>(model_skipping));
    const int rc = verdict(runs, min_followers);
    std::printf("front end cycles: %llu\n", static_cast<unsigned long long>(cycles));
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "esact-spls-bench: error: %s\n", e.what());
    return 3;
  }
}
