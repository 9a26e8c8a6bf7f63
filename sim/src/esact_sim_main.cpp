// esact-sim: run a model on the verilated esact_top against the golden model.
//
//   esact-sim --model DIR --input FILE [options]
//   esact-sim --synthetic "n=16,d=64,heads=4,ffn=128,layers=1,seed=7" [options]
//   esact-sim --mode spls --synthetic "...,similarity=0.9" [options]
//   esact-sim --compare --synthetic "...,similarity=0.9" [options]
//   esact-sim [--compare] --model DIR --input SPLIT --sequences all|A-B [options]
//
// esact-sim runs the dense model (vesact_top, built without the SPLS front
// end: the fast one).  esact-sim-spls is the same program on the SPLS model
// (vesact_top_spls: SPLS_EN = 1, N <= ESACT_SIM_N_MAX, D <= ESACT_SIM_D_MAX);
// esact-sim hands --mode spls and --compare to it (it executes the
// esact-sim-spls next to itself with the same arguments: ESACT_SIM_SPLS_PEER).
// --mode spls compiles every layer for SPLS (PREDICT, masked softmax, row
// reuse) and compares with the golden SPLS layers.  --compare runs the
// workload twice on the SPLS model, dense and SPLS, each against its golden
// layer chain, and ends with the kept line (esact/sim/compare.hpp):
//   kept K: cycles dense Cd spls Cs (-X%), MACs dense Md spls Ms (-Y%)
//
// --sequences runs a range of the sequences of a batched input, each against
// the golden model, and reports the sums (cycles, MACs, phases) and, for a
// model with a classifier and a labelled input, the RTL's accuracy beside the
// golden model's (the classifier of esact/classify.hpp applied to each run's
// last-layer output); with --compare the kept line is over the sums.
//
// Prints PASS/FAIL with the first mismatch (layer, tensor, row, column, cycle),
// cycles per phase, MAC-array utilisation, memory stalls and simulation speed.
// --fault injects an SLVERR (read or write) or a reset in the middle of the run:
// the accelerator must stop with the right error (or go idle after the reset)
// and the next run must be bit-exact.  The SLVERR read is on the last layer's
// W1 (slverr-read) or, in SPLS mode, on its Wq^T, which only PREDICT reads
// before the Q GEMM (slverr-read-predict); the SLVERR write on layer 0's output.
// Exit status (esact/cli.hpp): 0 pass, 1 mismatch, RTL/AXI error or an output
// that could not be written, 2 bad command line or input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "esact/classify.hpp"
#include "esact/cli.hpp"
#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/outputs.hpp"
#include "esact/params.hpp"
#include "esact/sim/compare.hpp"
#include "esact/sim/fst_tools.hpp"
#include "esact/sim/harness.hpp"
#include "esact/sim/image.hpp"
#include "esact/synthetic.hpp"

using namespace esact;
using namespace esact::sim;
using json = nlohmann::json;

namespace {

#ifdef ESACT_SIM_SPLS
#ifndef ESACT_SIM_TOOL
#define ESACT_SIM_TOOL "esact-sim-spls"
#endif
constexpr const char* kTool = ESACT_SIM_TOOL;
constexpr bool kSplsModel = true;
constexpr int kModelNMax = ESACT_SIM_N_MAX;
constexpr int kModelDMax = ESACT_SIM_D_MAX;
#else
constexpr const char* kTool = "esact-sim";
constexpr bool kSplsModel = false;
#endif
// Below this the memory model starves the accelerator for hours (a run is
// bounded by bandwidth): refuse rather than appear to hang.
constexpr double kMinBandwidth = 0.01;
constexpr double kMaxBackpressure = 0.95;

struct Options {
  std::string model_dir, input_path, synthetic, mode_s = "dense", json_path, trace_path, activity_path, sequences;
  uint64_t seed = 1, timeout = 200'000'000, trace_start = 0, trace_end = UINT64_MAX, scratch = 0;
  unsigned latency = 16, write_latency = 4, outstanding = 8;
  double backpressure = 0.0, bandwidth = 1.0, toggle_fj = 1.0;
  int sequence = 0;
  std::string fault = "none";
  double fault_at = 0.5;
  bool progress = false, quiet = false, serial = false, compare = false, accuracy = false, key_rows = false;
  uint64_t toggle_window = 0;  ///< gate-level power flow (scripts/power): toggle windows
  std::string toggle_prefix = "toggles";
  std::vector<std::string> trace_only;
};

void add_options(CLI::App& app, Options& o) {
  auto* om = app.add_option("--model", o.model_dir, "model folder (manifest.json + .npy)")->check(CLI::ExistingDirectory);
  app.add_option("--input", o.input_path, "input .npy int8 [N,D] / [B,N,D], or a folder with inputs.json")
      ->check(CLI::ExistingPath);
  auto* osyn =
      app.add_option("--synthetic", o.synthetic, "synthetic model and input, e.g. n=16,d=64,heads=4,ffn=128,layers=1,seed=7");
  om->excludes(osyn);
  auto* oseq = app.add_option("--sequence", o.sequence, "which sequence of a batched input (default 0)")
                   ->check(esact::cli::kNonNegative);
  auto* oseqs = app.add_option("--sequences", o.sequences,
                               "run sequences of a batched input, each against the golden model, and sum: all, A or "
                               "A-B (0-based, inclusive)")
                    ->excludes(oseq);
  app.add_flag("--accuracy", o.accuracy,
               "with --sequences: require the classification accuracy (a model with a classifier, a labelled input)")
      ->needs(oseqs);
  auto* omode = app.add_option("--mode", o.mode_s, "dense or spls (SPLS runs on the SPLS model, esact-sim-spls)")
                    ->check(CLI::IsMember({"dense", "spls"}));
  app.add_option("--seed", o.seed, "seed of the memory's back-pressure and of Verilator's X initialisation")
      ->check(esact::cli::kNonNegative);
  app.add_option("--latency", o.latency, "read latency in cycles (AR accepted -> first R beat)")->check(CLI::Range(1u, 100000u));
  app.add_option("--write-latency", o.write_latency, "write latency in cycles (last W -> B)")->check(CLI::Range(1u, 100000u));
  app.add_option("--bandwidth", o.bandwidth, fmt::format("memory bandwidth in beats per cycle on R and on W, [{}, 1]", kMinBandwidth))
      ->check(CLI::Range(kMinBandwidth, 1.0));
  app.add_option("--outstanding", o.outstanding, "outstanding bursts the memory accepts per direction")->check(CLI::Range(1u, 256u));
  app.add_option("--backpressure", o.backpressure,
                 fmt::format("probability of a ready/valid gap per channel per cycle, [0, {}]", kMaxBackpressure))
      ->check(CLI::Range(0.0, kMaxBackpressure));
  app.add_option("--timeout", o.timeout, "cycles before the run is declared hung (>= 1)")->check(esact::cli::kPositive);
  app.add_option("--scratch", o.scratch, "scratch region size in bytes (default: generous, see docs/harness.md)")
      ->check(esact::cli::kNonNegative);
  auto* ofault = app.add_option("--fault", o.fault,
                                "inject a fault: none, slverr-read (W1), slverr-read-predict (Wq^T, read by PREDICT; "
                                "--mode spls), slverr-write, reset")
      ->check(CLI::IsMember({"none", "slverr-read", "slverr-read-predict", "slverr-write", "reset"}));
  app.add_option("--fault-at", o.fault_at, "where: fraction of the faulted region (SLVERR) or of the run (reset), (0, 1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--json", o.json_path, "write the results as JSON");
  auto* otrace = app.add_option("--trace", o.trace_path, "write an FST trace (and FILE.gtkw, a GTKWave savefile)");
  app.add_option("--trace-start", o.trace_start, "first traced cycle")->check(esact::cli::kNonNegative);
  app.add_option("--trace-end", o.trace_end, "last traced cycle")->check(esact::cli::kNonNegative);
  app.add_option("--trace-only", o.trace_only,
                 "trace only this signal or scope and what is below it (TOP.esact_top.phase; repeatable)");
  app.add_option("--activity", o.activity_path,
                 "count toggles per unit from the trace (needs --trace) and write OpenSTA set_power_activity commands");
  app.add_option("--toggle-energy-fj", o.toggle_fj, "energy per bit toggle for the estimate (fJ, > 0)")
      ->check(esact::cli::kPositive);
  auto* owin = app.add_option("--toggle-window", o.toggle_window,
                 "write per-net toggle counts every N cycles to PREFIX.<k>.dat (a model built with toggle "
                 "coverage: the gate-level esact-sim-gl of scripts/power)");
  app.add_option("--toggle-prefix", o.toggle_prefix, "file prefix of --toggle-window (default toggles)");
  app.add_flag("--progress", o.progress, "progress line on stderr (default: when stderr is a terminal)");
  app.add_flag("--quiet", o.quiet, "only the PASS/FAIL line");
  app.add_flag("--key-rows", o.key_rows,
               "SPLS: V as one GEMM per head; the heads issued after PREDICT run on the keys of U_h only");
  app.add_flag("--serial", o.serial,
               "compile the command lists serially (one unit at a time) instead of overlapping attention");
  oseqs->excludes(ofault)->excludes(otrace)->excludes(owin);
  app.add_flag("--compare", o.compare,
               "run dense and SPLS on the same workload and SPLS model, each against its golden chain; the last "
               "line is 'kept K: cycles dense Cd spls Cs (..%), MACs dense Md spls Ms (..%)'")
      ->excludes(omode)
      ->excludes(ofault)
      ->excludes(otrace)
      ->excludes(owin);
}

bool needs_spls_model(const Options& o) { return o.mode_s == "spls" || o.compare; }

// Combinations CLI11 cannot check.
void validate(const Options& o, const CLI::App& app) {
  using cli::UsageError;
  const bool window = app.count("--trace-start") || app.count("--trace-end");
  if (!o.activity_path.empty() && o.trace_path.empty())
    throw UsageError("--activity needs --trace FILE.fst (toggles are counted from the trace)");
  if ((window || !o.trace_only.empty()) && o.trace_path.empty())
    throw UsageError("--trace-start/--trace-end/--trace-only need --trace FILE.fst");
  if (o.trace_end < o.trace_start)
    throw UsageError(fmt::format("--trace-end {} is before --trace-start {}: the trace window is empty", o.trace_end,
                                 o.trace_start));
  if (!std::isfinite(o.toggle_fj)) throw UsageError("--toggle-energy-fj must be finite");
  if (app.count("--fault-at") && !(o.fault_at > 0 && o.fault_at < 1))
    throw UsageError(fmt::format("--fault-at {} must be inside (0, 1)", o.fault_at));
  if (o.fault == "slverr-read-predict" && o.mode_s != "spls")
    throw UsageError("--fault slverr-read-predict needs --mode spls (only SPLS runs have a PREDICT)");
  if (o.synthetic.empty() && (o.model_dir.empty() || o.input_path.empty()))
    throw UsageError("give --model DIR and --input FILE, or --synthetic SPEC");
  if (!o.synthetic.empty() && (app.count("--input") || app.count("--sequence") || app.count("--sequences")))
    throw UsageError("--synthetic brings its own input: --input/--sequence/--sequences are for --model");
#ifndef ESACT_SIM_SPLS_PEER
  if (needs_spls_model(o) && !kSplsModel)
    throw UsageError("--mode spls needs the model with the SPLS front end: run esact-sim-spls (same options)");
#endif
}

#ifdef ESACT_SIM_SPLS_PEER
// --mode spls and --compare run on the SPLS model: replace this process by the
// esact-sim-spls built next to it, with the same arguments (returns only on error).
void exec_spls_peer(char** argv) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path peer = (ec ? fs::path(argv[0]).parent_path() : self.parent_path()) / ESACT_SIM_SPLS_PEER;
  if (access(peer.c_str(), X_OK) != 0)
    throw cli::UsageError(fmt::format("--mode spls and --compare run on the SPLS model ({}), which is not built: {} "
                                      "(cmake --build BUILD --target {})",
                                      ESACT_SIM_SPLS_PEER, peer.string(), ESACT_SIM_SPLS_PEER));
  std::fflush(stdout);
  execv(peer.c_str(), argv);
  throw std::runtime_error(fmt::format("cannot run {}: {}", peer.string(), std::strerror(errno)));
}
#endif

// The SPLS model is a smaller build (sim/CMakeLists.txt): name the limit instead of an RTL error.
void check_model_fits(const Model& m, int n) {
#ifdef ESACT_SIM_SPLS
  const auto limit = [](const char* what, int v, const char* name, int max) {
#ifdef ESACT_SIM_BIGGER
    const std::string bigger =
        fmt::format("; {} (make sim-spls-bert) is the SPLS model with N_MAX = {}, D_MAX = {}", ESACT_SIM_BIGGER,
                    ESACT_SIM_BIGGER_N_MAX, ESACT_SIM_BIGGER_D_MAX);
#else
    const std::string bigger;
#endif
    return fmt::format("{} = {} is over {} = {} of the SPLS model {} (sim/CMakeLists.txt){}", what, v, name, max, kTool,
                       bigger);
  };
  if (n > kModelNMax) throw std::invalid_argument(limit("n (tokens)", n, "N_MAX", kModelNMax));
  if (m.d_model > kModelDMax) throw std::invalid_argument(limit("d (model width)", m.d_model, "D_MAX", kModelDMax));
#else
  (void)m;
  (void)n;
#endif
}

struct Workload {
  Model model;
  std::vector<int8_t> x;
  int n = 0;
  std::unique_ptr<MemoryImage> img;
  std::vector<LayerResult> golden;
};

// The model and its input sequences (--model/--input or --synthetic).
struct Source {
  Model model;
  Inputs in;
};

// Every problem here is bad input (exit 2).
Source load_source(const Options& o) {
  Source src;
  if (!o.synthetic.empty()) {
    auto syn = make_synthetic(o.synthetic);
    src.model = std::move(syn.model);
    src.in = std::move(syn.inputs);
  } else {
    src.model = load_model(o.model_dir);
    src.in = load_inputs(o.input_path, src.model);
  }
  check_model_fits(src.model, src.in.n);
  return src;
}

// Sequence `seq` of the source: memory image and golden run (bad input: exit 2).
Workload make_workload(const Options& o, const Source& src, int seq, Mode mode) {
  Workload w;
  w.model = src.model;
  const auto s = src.in.sequence(seq);
  w.x.assign(s.begin(), s.end());
  w.n = src.in.n;
  ImageOptions io;
  io.scratch_size = o.scratch;
  io.schedule = o.serial ? Schedule::Serial : Schedule::Overlap;
  io.spls = mode == Mode::Spls;
  io.key_rows = o.key_rows;
  w.img = std::make_unique<MemoryImage>(w.model, w.x, w.n, io);
  w.golden = run_model(w.model, w.x, w.n, mode);
  return w;
}

// The workload of one run (--sequence B of the input; a synthetic input has one).
Workload load(const Options& o, Mode mode) {
  const Source src = load_source(o);
  if (o.sequence >= src.in.batch)
    throw cli::UsageError(fmt::format("--sequence {} but {} holds {} sequence(s)", o.sequence, o.input_path, src.in.batch));
  return make_workload(o, src, o.sequence, mode);
}

HarnessConfig harness_config(const Options& o, const MemoryImage& img, const std::string& trace_file) {
  HarnessConfig hc;
  hc.mem.base = img.base();
  hc.mem.size = img.memory_size();
  hc.mem.read_latency = o.latency;
  hc.mem.write_latency = o.write_latency;
  hc.mem.bandwidth = o.bandwidth;
  hc.mem.backpressure = o.backpressure;
  hc.mem.seed = o.seed;
  hc.mem.max_reads = hc.mem.max_writes = o.outstanding;
  hc.verilator_seed = o.seed;
  hc.trace_path = trace_file;
  hc.trace_start = o.trace_start;
  hc.trace_end = o.trace_end;
  hc.trace_only = o.trace_only;
  hc.toggle_window = o.toggle_window;
  hc.toggle_prefix = o.toggle_prefix;
  hc.progress = o.progress || isatty(2);
  return hc;
}

struct Outcome {
  RunResult r;     ///< the (last) run that is compared with the golden model
  Mismatch mm;
  std::string fail, fault_note;
  std::vector<SramAccesses> srams;  ///< esact_sram read/write counts (docs/power.md)
  std::vector<int8_t> y;            ///< the RTL's last-layer output (when the run ended without error)
};

// The injected fault's run: "" when the accelerator reacted as it must, else the problem.
std::string run_fault(const Options& o, const Workload& w, Harness& h, Mode mode, std::string& note) {
  namespace P = params;
  const MemoryImage& img = *w.img;
  if (o.fault == "reset") {
    img.load(h.mem());
    const RunResult clean = h.run(img, mode, o.timeout);
    if (!clean.ok()) return "fault reset: the run before the reset failed: " + clean.problem();
    const uint64_t at = std::max<uint64_t>(1, static_cast<uint64_t>(o.fault_at * static_cast<double>(clean.sim_cycles)));
    img.load(h.mem());
    h.configure(img, mode);
    h.start();
    h.step(at);
    const bool busy = (h.csr_read(P::CSR_STATUS) & 1u) != 0;
    h.reset(3);
    const uint32_t status = h.csr_read(P::CSR_STATUS);
    note = fmt::format("reset at cycle {} of {} ({}busy)", at, clean.sim_cycles, busy ? "" : "not ");
    if (status != 0) return fmt::format("fault reset: STATUS = {:#x} after the reset, expected 0", status);
    if (!h.mem().errors().empty()) return "fault reset: AXI protocol error around the reset";
    return "";
  }
  // The faulted region: W1 or Wq^T of the last layer (reads), layer 0's output (writes).
  const bool predict = o.fault == "slverr-read-predict", read = predict || o.fault == "slverr-read";
  const int last = img.n_layers() - 1;
  const uint64_t d = static_cast<uint64_t>(w.model.d_model), f = static_cast<uint64_t>(w.model.d_ffn);
  const uint64_t lo = predict ? img.desc_word(last, P::DESC_WQ) : read ? img.desc_word(last, P::DESC_W1) : img.act_addr(1);
  const uint64_t len = predict ? d * d : read ? d * f : img.act_bytes();
  const char* region = predict ? "Wq^T" : read ? "W1" : "Y";
  const uint64_t at = lo + (static_cast<uint64_t>(o.fault_at * static_cast<double>(len)) & ~uint64_t{15});
  img.load(h.mem());
  h.mem().add_error_range(at, 16, read, !read);
  const RunResult r = h.run(img, mode, o.timeout);
  h.mem().clear_error_ranges();
  const uint32_t want = read ? P::ERR_AXI_READ : P::ERR_AXI_WRITE;
  note = fmt::format("SLVERR on {} of {:#x} ({} of layer {}), run ended after {} cycles with {}", read ? "reads" : "writes",
                     at, region, read ? last : 0, r.sim_cycles, err_name(r.err_code));
  if (r.timed_out || !r.finished) return fmt::format("fault {}: the accelerator did not stop: {}", o.fault, r.problem());
  if (r.err_code != want)
    return fmt::format("fault {}: error {} ({}), expected {}", o.fault, err_name(r.err_code), r.err_code, err_name(want));
  const uint32_t layer = read ? static_cast<uint32_t>(last) : 0u;
  if ((r.err_info & 0xffu) != layer)
    return fmt::format("fault {}: the error names layer {} (ERR_INFO {:#x}), expected layer {}", o.fault,
                       r.err_info & 0xffu, r.err_info, layer);
  return "";
}

std::string scratch_diagnosis(AxiMem& mem, const Workload& w) {
  const auto dg = diagnose_scratch(mem, *w.img, w.golden.back(), w.model.layers.back().norm == Norm::Pre);
  if (!dg.any) return "\n      intermediates of the last layer in scratch all match the golden model";
  return fmt::format("\n      intermediates of layer {} (scratch): first differing tensor {} row {} col {}: rtl {} golden {} ({})",
                     dg.layer, dg.tensor, dg.row, dg.col, dg.rtl, dg.golden,
                     dg.cycle < 0 ? std::string("never written") : fmt::format("written at cycle {}", dg.cycle));
}

// The run (after the fault, if any) and the comparison with the golden model.
Outcome simulate(const Options& o, const Workload& w, Mode mode, const std::string& trace_file) {
  Outcome oc;
  try {
    Harness h(harness_config(o, *w.img, trace_file));
    if (o.fault != "none") oc.fail = run_fault(o, w, h, mode, oc.fault_note);
    if (oc.fail.empty()) {
      w.img->load(h.mem());
      oc.r = h.run(*w.img, mode, o.timeout);
      if (oc.r.ok()) {
        oc.y.resize(w.img->act_bytes());
        h.mem().read(w.img->act_addr(w.img->n_layers()),
                     std::span<uint8_t>(reinterpret_cast<uint8_t*>(oc.y.data()), oc.y.size()));
        oc.mm = compare_outputs(h.mem(), *w.img, w.golden);
        if (oc.mm.any) oc.fail = oc.mm.str() + scratch_diagnosis(h.mem(), w);
      } else {
        oc.fail = oc.r.problem();
      }
    }
    h.close_trace();
    oc.srams = h.sram_accesses();
  } catch (const std::exception& e) {
    oc.fail = fmt::format("harness: {}", e.what());
  }
  return oc;
}

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

constexpr double kArray = params::MAC_ROWS * params::MAC_COLS;

constexpr uint64_t kBeatBytes = params::AXI_DW / 8;  // bytes per AXI beat

json results_json(const Options& o, const Workload& w, const Outcome& oc, const std::string& mode) {
  const RunResult& r = oc.r;
  uint64_t gmacs = 0, gadds = 0;
  for (const auto& g : w.golden) {
    gmacs += g.work.total_macs();
    gadds += g.work.prediction_additions;
  }
  json j;
  j["pass"] = oc.fail.empty();
  j["failure"] = oc.fail;
  j["model"] = {{"source", w.model.source}, {"n", w.n}, {"d", w.model.d_model}, {"heads", w.model.n_heads},
                {"ffn", w.model.d_ffn}, {"layers", w.model.layers.size()}, {"mode", mode}};
  j["workload"] = j["model"];  // "model" is the verilated model's name below
  j["memory"] = {{"read_latency", o.latency}, {"write_latency", o.write_latency}, {"bandwidth", o.bandwidth},
                 {"backpressure", o.backpressure}, {"seed", o.seed}, {"outstanding", o.outstanding}};
  j["schedule"] = o.serial ? "serial" : "overlap";
  j["key_rows"] = o.key_rows;
  j["fault"] = {{"kind", o.fault}, {"at", o.fault_at}, {"note", oc.fault_note}};
  j["status"] = r.status;
  j["err_code"] = r.err_code;
  j["err_info"] = r.err_info;
  j["cycles"] = r.cycles;
  j["sim_cycles"] = r.sim_cycles;
  j["macs_rtl"] = r.macs;
  j["xmacs_rtl"] = r.xmacs;  // CSR_XMACS: every cell of every array cycle (tile padding included)
  j["macs_golden"] = gmacs;
  j["prediction_additions"] = gadds;
  j["utilisation"] = r.cycles ? static_cast<double>(gmacs) / (static_cast<double>(r.cycles) * kArray) : 0;
  j["rd_stall"] = r.rd_stall;
  j["wr_stall"] = r.wr_stall;
  j["wall_seconds"] = r.wall_seconds;
  j["sim_cycles_per_second"] = r.wall_seconds > 0 ? static_cast<double>(r.sim_cycles) / r.wall_seconds : 0;
  j["bytes_read"] = r.axi.read_beats * kBeatBytes;     // every beat on R, whole bus width
  j["bytes_written"] = r.axi.write_beats * kBeatBytes;  // every beat on W (strobes not subtracted)
  j["axi"] = {{"read_bursts", r.axi.read_bursts}, {"read_beats", r.axi.read_beats},
              {"write_bursts", r.axi.write_bursts}, {"write_beats", r.axi.write_beats},
              {"ar_stall", r.axi.ar_stall}, {"aw_stall", r.axi.aw_stall}, {"w_stall", r.axi.w_stall},
              {"r_wait", r.axi.r_wait}};
  const Mismatch& mm = oc.mm;
  if (mm.any)
    j["mismatch"] = {{"layer", mm.layer}, {"tensor", mm.tensor}, {"row", mm.row}, {"col", mm.col}, {"rtl", mm.rtl},
                     {"golden", mm.golden}, {"cycle", mm.cycle}, {"differing_bytes", mm.differing_bytes}};
  const PhaseWork pw = golden_phase_macs(w.golden);
  json phases = json::array();
  for (unsigned p = 0; p < params::PH_COUNT; ++p) {
    const std::string name = phase_name(p);
    if (name.empty()) continue;
    const double pu = r.phase_cycles[p] ? static_cast<double>(pw.macs[p]) / (r.phase_cycles[p] * kArray) : 0;
    phases.push_back({{"phase", name}, {"cycles", r.phase_cycles[p]}, {"golden_macs", pw.macs[p]}, {"utilisation", pu},
                      {"bytes_read", r.phase_rd_beats[p] * kBeatBytes},
                      {"bytes_written", r.phase_wr_beats[p] * kBeatBytes}});
  }
  j["phases"] = phases;
  json sj = json::array();
  for (const auto& s : oc.srams)
    sj.push_back({{"instance", s.instance}, {"width", s.width}, {"depth", s.depth}, {"reads", s.reads},
                  {"writes", s.writes}});
  j["srams"] = sj;
  j["model"] = model_name();
  return j;
}

void print_workload(const Options& o, const Workload& w, const Outcome& oc, const std::string& mode) {
  fmt::print("esact-sim: {} | N={} D={} H={} F={} layers={} | {} | latency {} bw {} backpressure {} seed {}\n",
             w.model.source.empty() ? (o.synthetic.empty() ? o.model_dir : o.synthetic) : w.model.source, w.n,
             w.model.d_model, w.model.n_heads, w.model.d_ffn, w.model.layers.size(), mode, o.latency, o.bandwidth,
             o.backpressure, o.seed);
  if (!oc.fault_note.empty()) fmt::print("fault: {}\n", oc.fault_note);
}

// `label` prefixes the PASS/FAIL line ("dense: " and "spls: " under --compare).
void print_header(const Options& o, const Workload& w, const Outcome& oc, const std::string& mode,
                  const std::string& label = "") {
  if (!o.quiet) print_workload(o, w, oc, mode);
  if (oc.fail.empty())
    fmt::print("{}PASS: all {} output bytes of {} layer(s) equal the golden model\n", label,
               w.img->act_bytes() * w.model.layers.size(), w.model.layers.size());
  else
    fmt::print("{}FAIL: {}\n", label, oc.fail);
}

void print_details(const json& j) {
  const uint64_t cycles = j["cycles"];
  fmt::print("cycles {} (harness {}), MACs rtl {} golden {}, MAC-array utilisation {:.1f}% ({}x{} array)\n", cycles,
             j["sim_cycles"].get<uint64_t>(), j["macs_rtl"].get<uint64_t>(), j["macs_golden"].get<uint64_t>(),
             100 * j["utilisation"].get<double>(), params::MAC_ROWS, params::MAC_COLS);
  fmt::print("{:<8} {:>12} {:>7} {:>14} {:>7} {:>12} {:>12}\n", "phase", "cycles", "share", "golden MACs", "util",
             "bytes read", "written");
  for (const auto& ph : j["phases"]) {
    const double share = cycles ? 100.0 * ph["cycles"].get<double>() / static_cast<double>(cycles) : 0;
    fmt::print("{:<8} {:>12} {:>6.1f}% {:>14} {:>6.1f}% {:>12} {:>12}\n", ph["phase"].get<std::string>(),
               ph["cycles"].get<uint64_t>(), share, ph["golden_macs"].get<uint64_t>(),
               100 * ph["utilisation"].get<double>(), ph["bytes_read"].get<uint64_t>(),
               ph["bytes_written"].get<uint64_t>());
  }
  const json& a = j["axi"];
  fmt::print("memory stalls: read {} write {} cycles (RTL counters); memory model: AR {} AW {} W {} stalled, R waited {}\n",
             j["rd_stall"].get<uint64_t>(), j["wr_stall"].get<uint64_t>(), a["ar_stall"].get<uint64_t>(),
             a["aw_stall"].get<uint64_t>(), a["w_stall"].get<uint64_t>(), a["r_wait"].get<uint64_t>());
  fmt::print("traffic: {} read bursts / {} beats ({} bytes), {} write bursts / {} beats ({} bytes)\n",
             a["read_bursts"].get<uint64_t>(), a["read_beats"].get<uint64_t>(), j["bytes_read"].get<uint64_t>(),
             a["write_bursts"].get<uint64_t>(), a["write_beats"].get<uint64_t>(), j["bytes_written"].get<uint64_t>());
  fmt::print("speed: {} cycles in {:.2f} s = {:.0f} simulated cycles/s\n", j["sim_cycles"].get<uint64_t>(),
             j["wall_seconds"].get<double>(), j["sim_cycles_per_second"].get<double>());
}

// GTKWave savefile and toggle counts of the staged trace (read from its temporary name).
void trace_products(const Options& o, const std::string& trace_tmp, OutputSet& out, json& j) {
  const std::string gtkw = o.trace_path + ".gtkw";
  int groups = 0;
  out.write_text(gtkw, gtkw_savefile(trace_tmp, o.trace_path, 24, &groups));
  if (!o.quiet) fmt::print("trace: {} with {} ({} groups): gtkwave {} {}\n", o.trace_path, gtkw, groups, o.trace_path, gtkw);
  j["trace"] = {{"fst", o.trace_path}, {"gtkw", gtkw}};
  if (o.activity_path.empty()) return;
  const auto rep = count_toggles(trace_tmp, o.toggle_fj);
  if (rep.cycles == 0) throw std::runtime_error(o.trace_path + ": the trace window holds no cycle of the run");
  out.write_text(o.activity_path, activity_tcl(rep));
  json units = json::array();
  if (!o.quiet)
    fmt::print("activity over {} traced cycles ({:.2f} s to count): {} toggles, {:.1f} pJ at {} fJ/toggle\n", rep.cycles,
               rep.seconds, rep.toggles, rep.energy_pj, o.toggle_fj);
  for (const auto& u : rep.units) {
    units.push_back({{"unit", u.unit}, {"bits", u.bits}, {"toggles", u.toggles}, {"activity", u.activity},
                     {"energy_pj", u.energy_pj}});
    if (!o.quiet)
      fmt::print("  {:<24} {:>8} bits {:>12} toggles  activity {:.4f}  {:.1f} pJ\n", u.unit, u.bits, u.toggles,
                 u.activity, u.energy_pj);
  }
  j["activity"] = {{"cycles", rep.cycles}, {"toggles", rep.toggles}, {"energy_pj", rep.energy_pj},
                   {"energy_per_toggle_fj", o.toggle_fj}, {"count_seconds", rep.seconds}, {"units", units},
                   {"tcl", o.activity_path}};
  if (!o.quiet) fmt::print("activity: OpenSTA commands in {}\n", o.activity_path);
}

// One run (--mode dense or spls), optionally with a fault, a trace and toggle counts.
int run_single(const Options& o) {
  const Mode mode = o.mode_s == "spls" ? Mode::Spls : Mode::Dense;
  Workload w;
  OutputSet out;  // every output is staged, then committed at the end
  std::string trace_tmp;
  if (const int rc = cli::guarded(kTool, cli::kBadInput, [&] {
        // Reserve the outputs now: an unwritable path fails in seconds, not after the run.
        if (!o.json_path.empty()) out.reserve(o.json_path);
        if (!o.trace_path.empty()) trace_tmp = out.reserve(o.trace_path).string();
        if (!o.trace_path.empty()) out.reserve(o.trace_path + ".gtkw");
        if (!o.activity_path.empty()) out.reserve(o.activity_path);
        w = load(o, mode);
      }))
    return rc;

  const Outcome oc = simulate(o, w, mode, trace_tmp);
  json j = results_json(o, w, oc, o.mode_s);
  print_header(o, w, oc, o.mode_s);
  if (!o.quiet) print_details(j);
  const int rc = cli::guarded(kTool, cli::kFailed, [&] {
    if (!o.trace_path.empty()) trace_products(o, trace_tmp, out, j);
    if (!o.json_path.empty()) out.write_text(o.json_path, j.dump(2) + "\n");
    check_stdout();
    out.commit();
  });
  if (rc) return rc;
  return oc.fail.empty() ? cli::kOk : cli::kFailed;
}

// --compare: the dense and the SPLS run of one workload on this (the SPLS)
// model, each against its golden chain; the kept line last.
int run_compare(const Options& o) {
  Workload wd, ws;
  OutputSet out;
  if (const int rc = cli::guarded(kTool, cli::kBadInput, [&] {
        if (!o.json_path.empty()) out.reserve(o.json_path);
        wd = load(o, Mode::Dense);
        ws = load(o, Mode::Spls);
      }))
    return rc;

  const Outcome od = simulate(o, wd, Mode::Dense, "");
  const Outcome os = simulate(o, ws, Mode::Spls, "");
  const json c = compare_json(results_json(o, wd, od, "dense"), results_json(o, ws, os, "spls"));
  print_header(o, wd, od, "dense", "dense: ");
  if (!o.quiet) print_details(c["dense"]);
  print_header(o, ws, os, "spls", "spls: ");
  if (!o.quiet) {
    print_details(c["spls"]);
    print_compare_table(c);
  }
  const bool pass = c["pass"].get<bool>();
  if (pass)
    fmt::print("{}\n", c["kept_line"].get<std::string>());
  else
    fmt::print("FAIL: --compare: the {} run failed, no kept figure\n", od.fail.empty() ? "SPLS" : "dense");
  const int rc = cli::guarded(kTool, cli::kFailed, [&] {
    if (!o.json_path.empty()) out.write_text(o.json_path, c.dump(2) + "\n");
    check_stdout();
    out.commit();
  });
  if (rc) return rc;
  return pass ? cli::kOk : cli::kFailed;
}

// ---- --sequences: a range of a batched input, summed ----

using cli::SeqRange;
using cli::parse_sequences;

// True when the runs can be classified (a classifier and labels in range);
// --accuracy makes their absence an error.
bool accuracy_available(const Options& o, const Source& src) {
  if (!src.model.classifier || !src.in.labels) {
    if (o.accuracy)
      throw cli::UsageError(src.model.classifier
                                ? fmt::format("--accuracy: {} has no labels (a folder with inputs.json and labels)",
                                              o.input_path)
                                : fmt::format("--accuracy: the model {} has no classifier", o.model_dir));
    return false;
  }
  for (int b = 0; b < src.in.batch; ++b) {
    const int32_t l = (*src.in.labels)[static_cast<size_t>(b)];
    if (l < 0 || l >= src.model.classifier->classes)
      throw cli::UsageError(fmt::format("{}: label of sequence {} is {}, outside 0..{}", o.input_path, b, l,
                                        src.model.classifier->classes - 1));
  }
  return true;
}

// Add one run's counters to `sum` (the first run is copied; the ratios are
// recomputed by finish_sum()).
void add_run(json& sum, const json& run) {
  if (sum.is_null()) {
    sum = run;
    return;
  }
  const auto add = [](json& a, const json& b) {
    a = a.is_number_float() ? json(a.get<double>() + b.get<double>()) : json(a.get<uint64_t>() + b.get<uint64_t>());
  };
  for (const char* k : {"cycles", "sim_cycles", "macs_rtl", "xmacs_rtl", "macs_golden", "prediction_additions",
                        "rd_stall", "wr_stall", "wall_seconds", "bytes_read", "bytes_written"})
    add(sum[k], run.at(k));
  for (auto& [k, v] : sum["axi"].items()) add(v, run.at("axi").at(k));
  for (size_t i = 0; i < sum["phases"].size(); ++i)
    for (const char* k : {"cycles", "golden_macs", "bytes_read", "bytes_written"})
      add(sum["phases"][i][k], run.at("phases").at(i).at(k));
  for (size_t i = 0; i < sum["srams"].size(); ++i)
    for (const char* k : {"reads", "writes"}) add(sum["srams"][i][k], run.at("srams").at(i).at(k));
  if (!run.at("pass").get<bool>() && sum["pass"].get<bool>()) {
    for (const char* k : {"pass", "failure", "status", "err_code", "err_info"}) sum[k] = run.at(k);
    if (run.contains("mismatch")) sum["mismatch"] = run["mismatch"];
  }
}

// Utilisation and speed of the sums.
void finish_sum(json& sum, const SeqRange& r) {
  if (sum.is_null()) return;
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  sum["utilisation"] = ratio(sum["macs_golden"].get<double>(), sum["cycles"].get<double>() * kArray);
  for (auto& ph : sum["phases"])
    ph["utilisation"] = ratio(ph["golden_macs"].get<double>(), ph["cycles"].get<double>() * kArray);
  sum["sim_cycles_per_second"] = ratio(sum["sim_cycles"].get<double>(), sum["wall_seconds"].get<double>());
  sum["workload"]["sequences"] = r.count();
}

// One mode's part of a --sequences run.
struct ModeTally {
  Mode mode;
  std::string name;
  json sum;  ///< summed esact-sim JSON (null before the first run)
  uint64_t rtl_correct = 0, golden_correct = 0;
};

// Sequence `seq` in one mode: run, check, classify, add to the tally.  Returns
// the per-sequence record ("" in `fail` when it passed).
json run_one_sequence(const Options& o, const Source& src, int seq, bool labelled, ModeTally& t, std::string& fail) {
  const Workload w = make_workload(o, src, seq, t.mode);
  const Outcome oc = simulate(o, w, t.mode, "");
  const json j = results_json(o, w, oc, t.name);
  add_run(t.sum, j);
  json rec = {{"pass", oc.fail.empty()}, {"cycles", j["cycles"]}, {"macs_golden", j["macs_golden"]}};
  fail = oc.fail;
  if (!fail.empty() || !labelled) return rec;
  const int label = (*src.in.labels)[static_cast<size_t>(seq)];
  const int rtl = classify(src.model, oc.y, w.n), golden = classify(src.model, w.golden.back().y, w.n);
  t.rtl_correct += rtl == label;
  t.golden_correct += golden == label;
  rec["class_rtl"] = rtl;
  rec["class_golden"] = golden;
  return rec;
}

json accuracy_json(const std::vector<ModeTally>& modes, bool labelled, const SeqRange& r) {
  json a = {{"labelled", labelled}, {"sequences", r.count()}};
  if (!labelled) return a;
  for (const auto& t : modes)
    a[t.name] = {{"rtl_correct", t.rtl_correct}, {"golden_correct", t.golden_correct},
                 {"rtl", static_cast<double>(t.rtl_correct) / r.count()},
                 {"golden", static_cast<double>(t.golden_correct) / r.count()}};
  return a;
}

void print_sequence_line(const json& rec, const std::vector<ModeTally>& modes) {
  std::string line = fmt::format("sequence {}", rec["sequence"].get<int>());
  if (rec.contains("label")) line += fmt::format(" label {}", rec["label"].get<int>());
  for (const auto& t : modes) {
    if (!rec.contains(t.name)) break;
    const json& m = rec[t.name];
    line += fmt::format(" | {} {} {} cycles", t.name, m["pass"].get<bool>() ? "PASS" : "FAIL", m["cycles"].get<uint64_t>());
    if (m.contains("class_rtl"))
      line += fmt::format(" class rtl {} golden {}", m["class_rtl"].get<int>(), m["class_golden"].get<int>());
  }
  fmt::print("{}\n", line);
  std::fflush(stdout);  // a long run's log shows its progress
}

void print_sequences_summary(const Options& o, const Source& src, const SeqRange& r, const std::vector<ModeTally>& modes,
                             const json& acc) {
  const Model& m = src.model;
  fmt::print("esact-sim: {} | {} sequences {}..{} of {} | N={} D={} H={} F={} layers={} | latency {} bw {} "
             "backpressure {} seed {}\n",
             m.source, o.input_path, r.first, r.last, src.in.batch, src.in.n, m.d_model, m.n_heads, m.d_ffn,
             m.layers.size(), o.latency, o.bandwidth, o.backpressure, o.seed);
  for (const auto& t : modes) {
    fmt::print("{}: PASS: all {} output bytes of {} layer(s) of {} sequence(s) equal the golden model\n", t.name,
               static_cast<uint64_t>(src.in.n) * m.d_model * m.layers.size() * r.count(), m.layers.size(), r.count());
    if (!o.quiet) {
      fmt::print("{}: summed over the {} sequences:\n", t.name, r.count());
      print_details(t.sum);
    }
  }
  if (!acc["labelled"].get<bool>()) {
    fmt::print("accuracy: n/a ({})\n", m.classifier ? "the input has no labels" : "the model has no classifier");
    return;
  }
  for (const auto& t : modes) {
    const json& a = acc[t.name];
    fmt::print("{} accuracy over {} sequences: rtl {:.4f} ({}/{}), golden {:.4f} ({}/{})\n", t.name, r.count(),
               a["rtl"].get<double>(), t.rtl_correct, r.count(), a["golden"].get<double>(), t.golden_correct,
               r.count());
  }
}

// --sequences: every sequence of the range in dense or SPLS mode, or both
// (--compare), each against the golden model; stops at the first failure.
int run_sequences(const Options& o) {
  Source src;
  SeqRange r;
  bool labelled = false;
  OutputSet out;
  if (const int rc = cli::guarded(kTool, cli::kBadInput, [&] {
        if (!o.json_path.empty()) out.reserve(o.json_path);
        src = load_source(o);
        r = parse_sequences(o.sequences, src.in.batch, o.input_path);
        labelled = accuracy_available(o, src);
      }))
    return rc;
  std::vector<ModeTally> modes;
  if (o.compare || o.mode_s == "dense") modes.push_back({Mode::Dense, "dense", json(), 0, 0});
  if (o.compare || o.mode_s == "spls") modes.push_back({Mode::Spls, "spls", json(), 0, 0});

  json per_sequence = json::array();
  std::string fail;
  for (int seq = r.first; seq <= r.last && fail.empty(); ++seq) {
    json rec = {{"sequence", seq}};
    if (labelled) rec["label"] = (*src.in.labels)[static_cast<size_t>(seq)];
    for (auto& t : modes) {
      std::string f;
      if (const int rc = cli::guarded(kTool, cli::kBadInput, [&] { rec[t.name] = run_one_sequence(o, src, seq, labelled, t, f); }))
        return rc;
      if (!f.empty()) {
        fail = fmt::format("sequence {}: {}: {}", seq, t.name, f);
        break;
      }
    }
    per_sequence.push_back(rec);
    print_sequence_line(rec, modes);
  }
  for (auto& t : modes) finish_sum(t.sum, r);
  const json acc = accuracy_json(modes, labelled, r);
  json c;
  if (!fail.empty()) {  // the runs so far, by mode (a mode may have none)
    c = {{"pass", false}, {"failure", fail}};
    for (const auto& t : modes) c[t.name] = t.sum;
  } else {
    c = o.compare ? compare_json(modes[0].sum, modes[1].sum) : modes[0].sum;
  }
  c["sequences"] = {{"first", r.first}, {"last", r.last}, {"count", r.count()}, {"input", o.input_path}};
  c["accuracy"] = acc;
  c["per_sequence"] = per_sequence;
  if (fail.empty()) {
    print_sequences_summary(o, src, r, modes, acc);
    if (o.compare) {
      if (!o.quiet) print_compare_table(c);
      fmt::print("{}\n", c["kept_line"].get<std::string>());
    }
  } else {
    fmt::print("FAIL: {}\n", fail);
  }
  const int rc = cli::guarded(kTool, cli::kFailed, [&] {
    if (!o.json_path.empty()) out.write_text(o.json_path, c.dump(2) + "\n");
    check_stdout();
    out.commit();
  });
  if (rc) return rc;
  return fail.empty() ? cli::kOk : cli::kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"esact-sim: run the ESACT RTL (verilated esact_top) on a model and compare with the golden model"};
  Options o;
  add_options(app, o);
  if (const int rc = cli::parse(app, argc, argv, kTool); rc >= 0) return rc;
  if (const int rc = cli::guarded(kTool, cli::kBadInput, [&] {
        validate(o, app);
#ifdef ESACT_SIM_SPLS_PEER
        if (needs_spls_model(o)) exec_spls_peer(argv);
#endif
      }))
    return rc;
  if (!o.sequences.empty()) return run_sequences(o);
  return o.compare ? run_compare(o) : run_single(o);
}
