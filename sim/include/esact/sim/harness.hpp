// The host driver around the verilated esact_top: clock, reset, AXI4-Lite CSR
// accesses, the AXI memory model on the master port, run with a timeout, the
// counters, FST tracing of a cycle window.  Used by the co-simulation tests and
// by esact-sim alike.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "esact/layer.hpp"
#include "esact/params.hpp"
#include "esact/sim/axi_mem.hpp"
#include "esact/sim/image.hpp"

namespace esact::sim {

struct HarnessConfig {
  AxiMemConfig mem;                  ///< base/size are set from the image by the caller
  uint64_t verilator_seed = 1;       ///< +verilator+seed: the unique X initial values
  /// Plusargs for the model ("+name=value"), read by its initial blocks: the
  /// SPLS front end's fault injection +esact_spls_fault=topk|simil (docs/reliability.md).
  std::vector<std::string> plusargs;
  std::string trace_path;            ///< FST file; empty: no trace
  /// Trace only these signals or scopes and everything below them ("TOP.esact_top.phase",
  /// "TOP.esact_top.u_gemm"), as $dumpvars(0, X) would; empty: every signal.
  std::vector<std::string> trace_only;
  uint64_t trace_start = 0;          ///< first cycle dumped
  uint64_t trace_end = UINT64_MAX;   ///< last cycle dumped
  bool progress = false;             ///< a progress line on stderr during run()
  /// Toggle windows (gate-level power flow, docs/power.md; needs a model built
  /// with --coverage-toggle, see has_toggle_coverage()): every `toggle_window`
  /// cycles after START, and at the end of the run, wait() writes the toggle
  /// counts of the window to <toggle_prefix>.<k>.dat and one line
  /// "k first_cycle cycles phase_cycles..." (the PHASE_CYCLES counters' growth,
  /// read over AXI4-Lite) to <toggle_prefix>.windows.  0: off.
  uint64_t toggle_window = 0;
  std::string toggle_prefix;
};

/// Read and write enables of one esact_sram instance (cycles with re_i / we_i
/// high since the model was built), from the simulation-only counters of
/// rtl/common/esact_sram.sv.
struct SramAccesses {
  std::string instance;  ///< "u_gemm.gen_b.u_sram" (path below esact_top)
  uint32_t width = 0, depth = 0;
  uint64_t reads = 0, writes = 0;
};

/// The verilated model this harness was compiled against ("Vesact_top" for the
/// RTL; scripts/power builds the gate-level netlist as "Vesact_gl").
const char* model_name();
/// True when the model counts per-net toggles (Verilator --coverage-toggle).
bool has_toggle_coverage();

/// Names of CSR error codes and phases (from esact_pkg).
std::string err_name(uint32_t code);
std::string phase_name(unsigned phase);  ///< "" for an unused phase index

struct RunResult {
  bool finished = false;     ///< STATUS.DONE or STATUS.ERROR was seen
  bool timed_out = false;
  bool irq = false;          ///< irq_o rose at the end of the run
  uint32_t status = 0, err_code = 0, err_info = 0;
  uint64_t cycles = 0;       ///< CSR_CYCLES
  uint64_t sim_cycles = 0;   ///< cycles the harness clocked from START to the end
  uint64_t macs = 0;         ///< CSR_MACS
  uint64_t xmacs = 0;        ///< CSR_XMACS: MACs the array executed (whole tiles, padding included)
  uint32_t rd_stall = 0, wr_stall = 0;
  std::array<uint32_t, params::PH_COUNT> phase_cycles{};
  std::array<uint32_t, params::PH_COUNT> phase_rd_beats{}, phase_wr_beats{};  ///< AXI R / W beats per phase
  double wall_seconds = 0;
  uint64_t end_cycle = 0;    ///< harness cycle at which the run ended
  std::vector<AxiError> axi_errors;
  AxiStats axi;
  bool ok() const { return finished && !timed_out && err_code == 0 && (status & 4u) == 0 && axi_errors.empty(); }
  /// One line describing a failure ("" when ok()).
  std::string problem() const;
};

class Harness {
 public:
  explicit Harness(const HarnessConfig& cfg);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  AxiMem& mem();
  uint64_t cycle() const;

  /// Clock n cycles.
  void step(uint64_t n = 1);
  /// Assert rst_ni for `cycles` cycles (asynchronously, mid-run is allowed);
  /// transfers in flight in the memory model are dropped.
  void reset(unsigned cycles = 4);

  /// AXI4-Lite accesses; throw std::runtime_error when not answered in 1000 cycles
  /// or answered with an error response.
  uint32_t csr_read(uint32_t addr);
  void csr_write(uint32_t addr, uint32_t data);

  /// Write DESC_BASE, N_LAYERS, N_TOKENS, MODE, SCRATCH_BASE/SIZE for an image.
  void configure(const MemoryImage& img, Mode mode);
  /// START (with IRQ_EN); returns at once.
  void start();
  /// Clock until STATUS.DONE/ERROR (irq_o) or `timeout` cycles after start();
  /// then read the status, error and performance registers and clear STATUS.
  RunResult wait(uint64_t timeout);
  /// configure + start + wait.
  RunResult run(const MemoryImage& img, Mode mode, uint64_t timeout);

  /// Every esact_sram instance of the model with its access counts so far.
  std::vector<SramAccesses> sram_accesses() const;

  /// Flush and close the trace (also done by the destructor).
  void close_trace();

 private:
  /// End the current toggle window (HarnessConfig::toggle_window).
  void toggle_window_end();
  struct Impl;
  std::unique_ptr<Impl> p_;
};

/// First difference between the RTL's layer outputs in memory and the golden
/// model's, with the cycle at which the differing byte was last written.
struct Mismatch {
  bool any = false;
  int layer = 0, row = 0, col = 0;
  std::string tensor = "Y";
  int rtl = 0, golden = 0;
  int64_t cycle = -1;            ///< last write of the byte, -1 never written
  uint64_t addr = 0;
  uint64_t differing_bytes = 0;  ///< over all layers
  std::string str() const;
};
Mismatch compare_outputs(AxiMem& mem, const MemoryImage& img, const std::vector<LayerResult>& golden);

/// Diagnosis after a mismatch: the last layer's intermediate tensors left in
/// the scratch region, compared in pipeline order (Q K V O Z H [LN2(H)] G Z2),
/// with the scratch layout of the layer compiler (scratch_layout(), cmdlist.hpp:
/// regions of N x D bytes rounded up to 64 in the order Q K V O Z H Z2, then
/// S0 S1, P0 P1, then G [N][F]; pre-LN keeps LN2(H) in Q's region).  Returns
/// the first tensor that differs (any == false when every intermediate matches).
Mismatch diagnose_scratch(AxiMem& mem, const MemoryImage& img, const LayerResult& last, bool pre_ln);

}  // namespace esact::sim
