// esact-sim: run a model on the verilated esact_top against the golden model.
//
//   esact-sim --model DIR --input FILE [options]
//   esact-sim --synthetic "n=16,d=64,heads=4,ffn=128,layers=1,seed=7" [options]
//
// Prints PASS/FAIL with the first mismatch (layer, tensor, row, column, cycle),
// cycles per phase, MAC-array utilisation, memory stalls and simulation speed.
// Exit status: 0 pass, 1 mismatch or RTL/AXI error, 2 bad command line or input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/params.hpp"
#include "esact/sim/fst_tools.hpp"
#include "esact/sim/harness.hpp"
#include "esact/sim/image.hpp"
#if __has_include("esact/synthetic.hpp")
#include "esact/synthetic.hpp"
#define ESACT_HAVE_SYNTHETIC 1
#endif

using namespace esact;
using namespace esact::sim;
using json = nlohmann::json;

namespace {

struct PhaseWork {
  uint64_t macs[params::PH_COUNT] = {};
};

// Golden MACs per RTL phase (spec 4.1; FFN split evenly between FFN1 and FFN2).
PhaseWork golden_phase_macs(const std::vector<LayerResult>& res) {
  PhaseWork w;
  for (const auto& r : res) {
    w.macs[params::PH_QKV] += r.work.qkv.macs;
    w.macs[params::PH_QK] += r.work.qk.macs;
    w.macs[params::PH_AV] += r.work.av.macs;
    w.macs[params::PH_WO] += r.work.wo.macs;
    w.macs[params::PH_FFN1] += r.work.ffn.macs / 2;
    w.macs[params::PH_FFN2] += r.work.ffn.macs - r.work.ffn.macs / 2;
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"esact-sim: run the ESACT RTL (verilated esact_top) on a model and compare with the golden model"};
  std::string model_dir, input_path, synthetic, mode_s = "dense", json_path, trace_path, activity_path;
  uint64_t seed = 1, timeout = 200'000'000, trace_start = 0, trace_end = UINT64_MAX, scratch = 0;
  unsigned latency = 16, write_latency = 4, outstanding = 8;
  double backpressure = 0.0, bandwidth = 1.0, toggle_fj = 1.0;
  int sequence = 0;
  bool progress = false, quiet = false;
  auto* om = app.add_option("--model", model_dir, "model folder (manifest.json + .npy)")->check(CLI::ExistingDirectory);
  app.add_option("--input", input_path, "input .npy int8 [N,D] / [B,N,D], or a folder with inputs.json")
      ->check(CLI::ExistingPath);
  auto* osyn = app.add_option("--synthetic", synthetic, "synthetic model and input, e.g. n=16,d=64,heads=4,ffn=128,layers=1,seed=7");
  om->excludes(osyn);
  app.add_option("--sequence", sequence, "which sequence of a batched input (default 0)")->check(CLI::NonNegativeNumber);
  app.add_option("--mode", mode_s, "dense or spls")->check(CLI::IsMember({"dense", "spls"}));
  app.add_option("--seed", seed, "seed of the memory's back-pressure and of Verilator's X initialisation");
  app.add_option("--latency", latency, "read latency in cycles (AR accepted -> first R beat)")->check(CLI::Range(1u, 100000u));
  app.add_option("--write-latency", write_latency, "write latency in cycles (last W -> B)")->check(CLI::Range(1u, 100000u));
  app.add_option("--bandwidth", bandwidth, "memory bandwidth in beats per cycle on R and on W, (0, 1]");
  app.add_option("--outstanding", outstanding, "outstanding bursts the memory accepts per direction")->check(CLI::Range(1u, 256u));
  app.add_option("--backpressure", backpressure, "probability of a ready/valid gap per channel per cycle, [0, 1)");
  app.add_option("--timeout", timeout, "cycles before the run is declared hung");
  app.add_option("--scratch", scratch, "scratch region size in bytes (default: generous, see docs/harness.md)");
  app.add_option("--json", json_path, "write the results as JSON");
  app.add_option("--trace", trace_path, "write an FST trace (and FILE.gtkw, a GTKWave savefile)");
  app.add_option("--trace-start", trace_start, "first traced cycle");
  app.add_option("--trace-end", trace_end, "last traced cycle");
  app.add_option("--activity", activity_path,
                 "count toggles per unit from the trace (needs --trace) and write OpenSTA set_power_activity commands");
  app.add_option("--toggle-energy-fj", toggle_fj, "energy per bit toggle for the estimate (fJ)");
  app.add_flag("--progress", progress, "progress line on stderr (default: when stderr is a terminal)");
  app.add_flag("--quiet", quiet, "only the PASS/FAIL line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints the help or the error
    return rc == 0 ? 0 : 2;
  }

  if (!activity_path.empty() && trace_path.empty()) {
    fmt::print(stderr, "esact-sim: --activity needs --trace FILE.fst (toggles are counted from the trace)\n");
    return 2;
  }
  if (!(bandwidth > 0 && bandwidth <= 1) || !(backpressure >= 0 && backpressure < 1)) {
    fmt::print(stderr, "esact-sim: --bandwidth must be in (0, 1] and --backpressure in [0, 1)\n");
    return 2;
  }
  const Mode mode = mode_s == "spls" ? Mode::Spls : Mode::Dense;

  Model model;
  std::vector<int8_t> x;
  int n = 0;
  try {
    if (!synthetic.empty()) {
#ifdef ESACT_HAVE_SYNTHETIC
      auto syn = make_synthetic(synthetic);
      model = std::move(syn.model);
      const auto s = syn.inputs.sequence(0);
      x.assign(s.begin(), s.end());
      n = syn.inputs.n;
#else
      fmt::print(stderr, "esact-sim: --synthetic is not available in this build (no esact/synthetic.hpp)\n");
      return 2;
#endif
    } else {
      if (model_dir.empty() || input_path.empty()) {
        fmt::print(stderr, "esact-sim: give --model DIR and --input FILE, or --synthetic SPEC\n");
        return 2;
      }
      model = load_model(model_dir);
      const Inputs in = load_inputs(input_path, model);
      if (sequence >= in.batch) {
        fmt::print(stderr, "esact-sim: --sequence {} but {} holds {} sequence(s)\n", sequence, input_path, in.batch);
        return 2;
      }
      const auto s = in.sequence(sequence);
      x.assign(s.begin(), s.end());
      n = in.n;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "esact-sim: {}\n", e.what());
    return 2;
  }

  std::vector<LayerResult> golden;
  std::unique_ptr<MemoryImage> img;
  try {
    ImageOptions io;
    io.scratch_size = scratch;
    img = std::make_unique<MemoryImage>(model, x, n, io);
    golden = run_model(model, x, n, mode);
  } catch (const std::exception& e) {
    fmt::print(stderr, "esact-sim: {}\n", e.what());
    return 2;
  }

  HarnessConfig hc;
  hc.mem.base = img->base();
  hc.mem.size = img->memory_size();
  hc.mem.read_latency = latency;
  hc.mem.write_latency = write_latency;
  hc.mem.bandwidth = bandwidth;
  hc.mem.backpressure = backpressure;
  hc.mem.seed = seed;
  hc.mem.max_reads = hc.mem.max_writes = outstanding;
  hc.verilator_seed = seed;
  hc.trace_path = trace_path;
  hc.trace_start = trace_start;
  hc.trace_end = trace_end;
  hc.progress = progress || isatty(2);

  RunResult r;
  Mismatch mm;
  std::string fail;
  try {
    Harness h(hc);
    img->load(h.mem());
    r = h.run(*img, mode, timeout);
    h.close_trace();
    if (r.ok()) {
      mm = compare_outputs(h.mem(), *img, golden);
      if (mm.any) {
        fail = mm.str();
        const auto dg = diagnose_scratch(h.mem(), *img, golden.back(), model.layers.back().norm == Norm::Pre);
        if (dg.any)
          fail += fmt::format("\n      intermediates of layer {} (scratch): first differing tensor {} row {} col {}: rtl {} golden {} ({})",
                              dg.layer, dg.tensor, dg.row, dg.col, dg.rtl, dg.golden,
                              dg.cycle < 0 ? std::string("never written") : fmt::format("written at cycle {}", dg.cycle));
        else
          fail += "\n      intermediates of the last layer in scratch all match the golden model";
      }
    } else {
      fail = r.problem();
    }
  } catch (const std::exception& e) {
    fail = fmt::format("harness: {}", e.what());
  }
  const bool pass = fail.empty();

  const uint64_t N = static_cast<uint64_t>(n);
  const double array = params::MAC_ROWS * params::MAC_COLS;
  uint64_t gmacs = 0;
  for (const auto& g : golden) gmacs += g.work.total_macs();
  const PhaseWork pw = golden_phase_macs(golden);
  const double util = r.cycles ? static_cast<double>(gmacs) / (static_cast<double>(r.cycles) * array) : 0;
  const double cps = r.wall_seconds > 0 ? static_cast<double>(r.sim_cycles) / r.wall_seconds : 0;

  fmt::print("esact-sim: {} | N={} D={} H={} F={} layers={} | {} | latency {} bw {} backpressure {} seed {}\n",
             model.source.empty() ? (synthetic.empty() ? model_dir : synthetic) : model.source, N, model.d_model,
             model.n_heads, model.d_ffn, model.layers.size(), mode_s, latency, bandwidth, backpressure, seed);
  if (pass)
    fmt::print("PASS: all {} output bytes of {} layer(s) equal the golden model\n", img->act_bytes() * model.layers.size(),
               model.layers.size());
  else
    fmt::print("FAIL: {}\n", fail);

  json j;
  j["pass"] = pass;
  j["failure"] = fail;
  j["model"] = {{"source", model.source}, {"n", N}, {"d", model.d_model}, {"heads", model.n_heads},
                {"ffn", model.d_ffn}, {"layers", model.layers.size()}, {"mode", mode_s}};
  j["memory"] = {{"read_latency", latency}, {"write_latency", write_latency}, {"bandwidth", bandwidth},
                 {"backpressure", backpressure}, {"seed", seed}, {"outstanding", outstanding}};
  j["status"] = r.status;
  j["err_code"] = r.err_code;
  j["err_info"] = r.err_info;
  j["cycles"] = r.cycles;
  j["sim_cycles"] = r.sim_cycles;
  j["macs_rtl"] = r.macs;
  j["macs_golden"] = gmacs;
  j["utilisation"] = util;
  j["rd_stall"] = r.rd_stall;
  j["wr_stall"] = r.wr_stall;
  j["wall_seconds"] = r.wall_seconds;
  j["sim_cycles_per_second"] = cps;
  j["axi"] = {{"read_bursts", r.axi.read_bursts}, {"read_beats", r.axi.read_beats},
              {"write_bursts", r.axi.write_bursts}, {"write_beats", r.axi.write_beats},
              {"ar_stall", r.axi.ar_stall}, {"aw_stall", r.axi.aw_stall}, {"w_stall", r.axi.w_stall},
              {"r_wait", r.axi.r_wait}};
  if (mm.any)
    j["mismatch"] = {{"layer", mm.layer}, {"tensor", mm.tensor}, {"row", mm.row}, {"col", mm.col}, {"rtl", mm.rtl},
                     {"golden", mm.golden}, {"cycle", mm.cycle}, {"differing_bytes", mm.differing_bytes}};
  json phases = json::array();
  for (unsigned p = 0; p < params::PH_COUNT; ++p) {
    const std::string name = phase_name(p);
    if (name.empty()) continue;
    const double pu = r.phase_cycles[p] ? static_cast<double>(pw.macs[p]) / (r.phase_cycles[p] * array) : 0;
    phases.push_back({{"phase", name}, {"cycles", r.phase_cycles[p]}, {"golden_macs", pw.macs[p]}, {"utilisation", pu}});
  }
  j["phases"] = phases;

  if (!quiet) {
    fmt::print("cycles {} (harness {}), MACs rtl {} golden {}, MAC-array utilisation {:.1f}% ({}x{} array)\n", r.cycles,
               r.sim_cycles, r.macs, gmacs, 100 * util, params::MAC_ROWS, params::MAC_COLS);
    fmt::print("{:<8} {:>12} {:>7} {:>14} {:>7}\n", "phase", "cycles", "share", "golden MACs", "util");
    for (const auto& ph : phases) {
      const double share = r.cycles ? 100.0 * ph["cycles"].get<double>() / static_cast<double>(r.cycles) : 0;
      fmt::print("{:<8} {:>12} {:>6.1f}% {:>14} {:>6.1f}%\n", ph["phase"].get<std::string>(), ph["cycles"].get<uint64_t>(),
                 share, ph["golden_macs"].get<uint64_t>(), 100 * ph["utilisation"].get<double>());
    }
    fmt::print("memory stalls: read {} write {} cycles (RTL counters); memory model: AR {} AW {} W {} stalled, R waited {}\n",
               r.rd_stall, r.wr_stall, r.axi.ar_stall, r.axi.aw_stall, r.axi.w_stall, r.axi.r_wait);
    fmt::print("traffic: {} read bursts / {} beats, {} write bursts / {} beats\n", r.axi.read_bursts, r.axi.read_beats,
               r.axi.write_bursts, r.axi.write_beats);
    fmt::print("speed: {} cycles in {:.2f} s = {:.0f} simulated cycles/s\n", r.sim_cycles, r.wall_seconds, cps);
  }

  if (!trace_path.empty()) {
    try {
      const std::string gtkw = trace_path + ".gtkw";
      const int groups = write_gtkw(trace_path, gtkw);
      if (!quiet) fmt::print("trace: {} with {} ({} groups): gtkwave {} {}\n", trace_path, gtkw, groups, trace_path, gtkw);
      j["trace"] = {{"fst", trace_path}, {"gtkw", gtkw}};
      if (!activity_path.empty()) {
        const auto rep = count_toggles(trace_path, toggle_fj);
        write_activity_tcl(rep, activity_path);
        json units = json::array();
        if (!quiet)
          fmt::print("activity over {} traced cycles ({:.2f} s to count): {} toggles, {:.1f} pJ at {} fJ/toggle\n",
                     rep.cycles, rep.seconds, rep.toggles, rep.energy_pj, toggle_fj);
        for (const auto& u : rep.units) {
          units.push_back({{"unit", u.unit}, {"bits", u.bits}, {"toggles", u.toggles}, {"activity", u.activity},
                           {"energy_pj", u.energy_pj}});
          if (!quiet)
            fmt::print("  {:<24} {:>8} bits {:>12} toggles  activity {:.4f}  {:.1f} pJ\n", u.unit, u.bits, u.toggles,
                       u.activity, u.energy_pj);
        }
        j["activity"] = {{"cycles", rep.cycles}, {"toggles", rep.toggles}, {"energy_pj", rep.energy_pj},
                         {"energy_per_toggle_fj", toggle_fj}, {"count_seconds", rep.seconds}, {"units", units},
                         {"tcl", activity_path}};
        if (!quiet) fmt::print("activity: OpenSTA commands in {}\n", activity_path);
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "esact-sim: {}\n", e.what());
    }
  }
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << j.dump(2) << "\n";
  }
  return pass ? 0 : 1;
}
