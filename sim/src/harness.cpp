// The host driver around the verilated esact_top (see harness.hpp).
#include "esact/sim/harness.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>
#include <unistd.h>

// The model: the RTL (Vesact_top) by default; the power flow compiles this
// same file against the gate-level netlist with -DESACT_VTOP=Vesact_gl
// -DESACT_VTOP_HEADER='"Vesact_gl.h"' (scripts/power/gl_build.sh), built
// without tracing (ESACT_NO_TRACE) and with toggle coverage (ESACT_TOGGLE_COVERAGE).
#ifndef ESACT_VTOP
#define ESACT_VTOP Vesact_top
#define ESACT_VTOP_HEADER "Vesact_top.h"
#endif
#include ESACT_VTOP_HEADER
#include "verilated.h"
#include "verilated_syms.h"
#ifndef ESACT_NO_TRACE
#include "verilated_fst_c.h"
#endif
#ifdef ESACT_TOGGLE_COVERAGE
#include "verilated_cov.h"
#endif

namespace esact::sim {

#define ESACT_STR2(x) #x
#define ESACT_STR(x) ESACT_STR2(x)
const char* model_name() { return ESACT_STR(ESACT_VTOP); }
bool has_toggle_coverage() {
#ifdef ESACT_TOGGLE_COVERAGE
  return true;
#else
  return false;
#endif
}

#ifdef ESACT_NO_TRACE
// A model built without tracing (the gate-level one): a trace request is an error.
struct VerilatedFstC {
  void dump(uint64_t) {}
  void close() {}
};
#endif

std::string err_name(uint32_t code) {
  switch (code) {
    case params::ERR_NONE: return "ERR_NONE";
    case params::ERR_DESC_MAGIC: return "ERR_DESC_MAGIC (descriptor word 0 is not the magic)";
    case params::ERR_N_TOKENS: return "ERR_N_TOKENS (N_TOKENS = 0 or > N_MAX)";
    case params::ERR_N_LAYERS: return "ERR_N_LAYERS (N_LAYERS = 0 or > L_MAX)";
    case params::ERR_SHAPE: return "ERR_SHAPE (D, H, F zero, over a maximum, or D != H * Dh)";
    case params::ERR_KNOB: return "ERR_KNOB (NORM, K, W, T or FFN_REUSE out of range)";
    case params::ERR_REQUANT: return "ERR_REQUANT (M = 0 or > 65535, or S not in 1..47)";
    case params::ERR_ALIGN: return "ERR_ALIGN (an address not aligned to the bus width)";
    case params::ERR_SCRATCH: return "ERR_SCRATCH (scratch region too small)";
    case params::ERR_AXI_READ: return "ERR_AXI_READ (error response on a read)";
    case params::ERR_AXI_WRITE: return "ERR_AXI_WRITE (error response on a write)";
    case params::ERR_MODE: return "ERR_MODE (MODE not 0/1 or SPLS not built in)";
    case params::ERR_CMD: return "ERR_CMD (a bad command record or command list)";
    case params::ERR_SPLS: return "ERR_SPLS (the SPLS front end stopped: top-k or similarity unit, or no progress)";
    default: return fmt::format("unknown error code {}", code);
  }
}

std::string phase_name(unsigned p) {
  switch (p) {
    case params::PH_DESC: return "desc";
    case params::PH_PREDICT: return "predict";
    case params::PH_QKV: return "qkv";
    case params::PH_QK: return "qk";
    case params::PH_SOFTMAX: return "softmax";
    case params::PH_AV: return "av";
    case params::PH_WO: return "wo";
    case params::PH_LN1: return "ln1";
    case params::PH_FFN1: return "ffn1";
    case params::PH_FFN2: return "ffn2";
    case params::PH_LN2: return "ln2";
    default: return "";
  }
}

namespace {
// ERR_KNOB from the SPLS front end: ERR_INFO[13:8] are esact_spls's err_o bits.
std::string front_end_knobs(unsigned bits) {
  static const char* const names[] = {"n not in 1..N_MAX", "heads not in 1..H_MAX", "dh not in 1..DH_MAX",
                                      "heads * dh > D_MAX", "k not in 1..n", "W > W_MAX"};
  std::string s;
  for (unsigned b = 0; b < 6; ++b)
    if (bits >> b & 1u) s += (s.empty() ? "" : ", ") + std::string(names[b]);
  return s;
}
}  // namespace

std::string RunResult::problem() const {
  if (!axi_errors.empty()) return axi_errors.front().str();
  if (timed_out)
    return fmt::format("timeout: no DONE/ERROR after {} cycles (STATUS=0x{:x})", sim_cycles, status);
  if (!finished) return "the run did not finish";
  if ((status & 4u) || err_code) {
    // ERR_INFO names a layer and a descriptor word (or a command and its word)
    // only for the errors that have them.
    const unsigned layer = err_info & 0xffu, word = (err_info >> 8) & 0xffu, cmd = err_info >> 16;
    std::string where;
    switch (err_code) {
      case params::ERR_CMD:
        where = cmd != 0xffffu ? fmt::format(": layer {}, command {}, word {}", layer, cmd, word)
                               : fmt::format(": layer {}, descriptor word {}", layer, word);
        break;
      case params::ERR_KNOB:
        where = (word & 0x80u) ? fmt::format(": layer {}, PRED command {}, rejected by the SPLS front end: {}", layer,
                                             cmd, front_end_knobs(word & 0x3fu))
                               : fmt::format(": layer {}, descriptor word {}", layer, word);
        break;
      case params::ERR_SPLS:
        where = fmt::format(": layer {}, PRED command {}, {}", layer, cmd,
                            word == 1u   ? "top-k unit: a score row longer than N_MAX"
                            : word == 2u ? "similarity unit: more than H_MAX heads in a row or N_MAX rows"
                            : word == 3u ? "no progress: no handshake in the front end while it did not wait for memory"
                                         : fmt::format("unit bits {:#x}", word));
        break;
      case params::ERR_N_TOKENS:
      case params::ERR_N_LAYERS:
      case params::ERR_MODE: where = " (a CSR value)"; break;
      case params::ERR_AXI_READ:
      case params::ERR_AXI_WRITE:
      case params::ERR_SCRATCH: where = fmt::format(" in layer {}", layer); break;
      default:
        where = word < params::DESC_WORDS ? fmt::format(": layer {}, descriptor word {}", layer, word)
                                          : fmt::format(" (a CSR value; layer field {})", layer);
    }
    return fmt::format("accelerator error {}{}", err_name(err_code), where);
  }
  return "";
}

std::string Mismatch::str() const {
  if (!any) return "outputs match";
  return fmt::format("first mismatch: layer {} tensor {} row {} col {}: rtl {} golden {} (0x{:08x}, {}); {} bytes differ",
                     layer, tensor, row, col, rtl, golden, addr,
                     cycle < 0 ? std::string("never written by the RTL") : fmt::format("written at cycle {}", cycle),
                     differing_bytes);
}

struct Harness::Impl {
  HarnessConfig cfg;
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<ESACT_VTOP> top;
  AxiMem mem;
  std::unique_ptr<VerilatedFstC> fst;
  uint64_t cycle = 0;
  uint64_t start_cycle = 0;
  bool started = false;
  // Toggle windows: index, first cycle, PHASE_CYCLES at the window start.
  unsigned win_k = 0;
  uint64_t win_first = 0;
  std::array<uint32_t, params::PH_COUNT> win_phase{};
  std::FILE* win_list = nullptr;
  // AXI4-Lite master state (what the harness drives)
  struct {
    bool awvalid = false, wvalid = false, bready = false, arvalid = false, rready = false;
    uint32_t awaddr = 0, wdata = 0, araddr = 0;
    bool aw_hs = false, w_hs = false, b_hs = false, ar_hs = false, r_hs = false;
    uint32_t bresp = 0, rresp = 0, rdata = 0;
  } lite;

  explicit Impl(const HarnessConfig& c) : cfg(c), ctx(std::make_unique<VerilatedContext>()), mem(c.mem) {
    ctx->randReset(2);
    ctx->randSeed(static_cast<int>(c.verilator_seed & 0x7fffffff));
    // The model's plusargs (always set: a $value$plusargs without them aborts).
    std::vector<const char*> args{"esact-harness"};
    for (const auto& a : c.plusargs) args.push_back(a.c_str());
    ctx->commandArgs(static_cast<int>(args.size()), args.data());
    top = std::make_unique<ESACT_VTOP>(ctx.get(), "TOP");
    if (!c.trace_path.empty()) {
#ifndef ESACT_NO_TRACE
      ctx->traceEverOn(true);
      fst = std::make_unique<VerilatedFstC>();
      top->trace(fst.get(), 99);
      // --trace-only: Verilator's dumpvars (level 0 would mean "all" to it).  Verilator
      // 5.006 sizes its table of enabled signals by the largest enabled code and then
      // reads it for every code (VerilatedTrace::traceInit: reserve, not resize): a code
      // beyond it reads garbage and, if that says enabled, emits to a null FST handle
      // (a crash seen here).  The package parameters carry the largest codes (constants
      // come last), so enabling them too sizes the table for every signal; they are
      // constants, dumped once.
      for (const auto& x : c.trace_only) fst->dumpvars(1 << 30, x);
      if (!c.trace_only.empty()) fst->dumpvars(1 << 30, "TOP.esact_pkg");
      fst->open(c.trace_path.c_str());
#else
      throw std::runtime_error(fmt::format("this model ({}) was built without tracing", model_name()));
#endif
    }
    if (c.toggle_window && !has_toggle_coverage())
      throw std::runtime_error(fmt::format("toggle windows need a model built with --coverage-toggle ({} is not)",
                                           model_name()));
    top->clk_i = 0;
    top->rst_ni = 0;
    drive_lite();
    esact::sim::drive_axi_slave(*top, AxiSlavePorts{});
    top->eval();
  }
  ~Impl() {
    if (win_list) std::fclose(win_list);
    if (fst) fst->close();
    top->final();
  }

  void drive_lite() {
    top->s_axil_awvalid = lite.awvalid;
    top->s_axil_awaddr = lite.awaddr;
    top->s_axil_wvalid = lite.wvalid;
    top->s_axil_wdata = lite.wdata;
    top->s_axil_wstrb = 0xf;
    top->s_axil_bready = lite.bready;
    top->s_axil_arvalid = lite.arvalid;
    top->s_axil_araddr = lite.araddr;
    top->s_axil_rready = lite.rready;
  }

  bool tracing() const { return fst && cycle >= cfg.trace_start && cycle <= cfg.trace_end; }

  void step() {
    top->clk_i = 0;
    drive_axi_slave(*top, mem.outputs());
    drive_lite();
    top->eval();
    // The memory model only watches the master out of reset (under reset the
    // master's registers may still hold their random initial values).
    if (top->rst_ni) {
      AxiMasterPorts mp;
      sample_axi_master(*top, mp);
      mem.clock(mp, cycle);
    }
    // AXI4-Lite handshakes of this cycle
    if (lite.awvalid && top->s_axil_awready) lite.aw_hs = true;
    if (lite.wvalid && top->s_axil_wready) lite.w_hs = true;
    if (lite.bready && top->s_axil_bvalid) {
      lite.b_hs = true;
      lite.bresp = top->s_axil_bresp;
    }
    if (lite.arvalid && top->s_axil_arready) lite.ar_hs = true;
    if (lite.rready && top->s_axil_rvalid) {
      lite.r_hs = true;
      lite.rresp = top->s_axil_rresp;
      lite.rdata = top->s_axil_rdata;
    }
    const bool tr = tracing();
    if (tr) fst->dump(2 * cycle);
    top->clk_i = 1;
    top->eval();
    if (tr) fst->dump(2 * cycle + 1);
    ++cycle;
    ctx->timeInc(1);
    // What the master drives next cycle
    if (lite.aw_hs) lite.awvalid = false;
    if (lite.w_hs) lite.wvalid = false;
    if (lite.ar_hs) lite.arvalid = false;
  }
};

Harness::Harness(const HarnessConfig& cfg) : p_(std::make_unique<Impl>(cfg)) { reset(4); }
Harness::~Harness() = default;

AxiMem& Harness::mem() { return p_->mem; }
uint64_t Harness::cycle() const { return p_->cycle; }

void Harness::step(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) p_->step();
}

void Harness::reset(unsigned cycles) {
  auto& s = *p_;
  s.top->rst_ni = 0;
  s.lite = {};
  s.mem.reset();
  for (unsigned i = 0; i < cycles; ++i) s.step();
  s.top->rst_ni = 1;
  s.step();
  s.started = false;
}

uint32_t Harness::csr_read(uint32_t addr) {
  auto& s = *p_;
  s.lite.arvalid = true;
  s.lite.araddr = addr;
  s.lite.rready = true;
  s.lite.ar_hs = s.lite.r_hs = false;
  for (int t = 0; t < 1000; ++t) {
    s.step();
    if (s.lite.r_hs) {
      s.lite.rready = false;
      s.lite.arvalid = false;
      if (s.lite.rresp != 0)
        throw std::runtime_error(fmt::format("CSR read of 0x{:03x} answered RRESP={} at cycle {}", addr,
                                             s.lite.rresp, s.cycle));
      return s.lite.rdata;
    }
  }
  s.lite = {};
  throw std::runtime_error(fmt::format("CSR read of 0x{:03x} not answered within 1000 cycles (cycle {})", addr, s.cycle));
}

void Harness::csr_write(uint32_t addr, uint32_t data) {
  auto& s = *p_;
  s.lite.awvalid = s.lite.wvalid = s.lite.bready = true;
  s.lite.awaddr = addr;
  s.lite.wdata = data;
  s.lite.aw_hs = s.lite.w_hs = s.lite.b_hs = false;
  for (int t = 0; t < 1000; ++t) {
    s.step();
    if (s.lite.b_hs) {
      s.lite.bready = false;
      if (!s.lite.aw_hs || !s.lite.w_hs)
        throw std::runtime_error(fmt::format("CSR write of 0x{:03x}: BVALID before the address and data were taken",
                                             addr));
      if (s.lite.bresp != 0)
        throw std::runtime_error(fmt::format("CSR write of 0x{:03x} answered BRESP={} at cycle {}", addr,
                                             s.lite.bresp, s.cycle));
      return;
    }
  }
  s.lite = {};
  throw std::runtime_error(
      fmt::format("CSR write of 0x{:03x} not answered within 1000 cycles (cycle {})", addr, s.cycle));
}

void Harness::configure(const MemoryImage& img, Mode mode) {
  csr_write(params::CSR_DESC_BASE, static_cast<uint32_t>(img.desc_base()));
  csr_write(params::CSR_N_LAYERS, static_cast<uint32_t>(img.n_layers()));
  csr_write(params::CSR_N_TOKENS, static_cast<uint32_t>(img.n_tokens()));
  csr_write(params::CSR_MODE, mode == Mode::Spls ? 1u : 0u);
  csr_write(params::CSR_SCRATCH_BASE, static_cast<uint32_t>(img.scratch_base()));
  csr_write(params::CSR_SCRATCH_SIZE, static_cast<uint32_t>(img.scratch_size()));
}

void Harness::start() {
  csr_write(params::CSR_STATUS, 0x6u);  // clear sticky DONE/ERROR
  p_->start_cycle = p_->cycle;
  csr_write(params::CSR_CTRL, 0x3u);    // START | IRQ_EN
  p_->started = true;
  auto& s = *p_;
  if (s.cfg.toggle_window) {
    // The phase counters restart at START; the window starts with the START write.
    s.win_k = 0;
    s.win_first = s.start_cycle;
    s.win_phase = {};
    if (!s.win_list) {
      const std::string list = s.cfg.toggle_prefix + ".windows";
      s.win_list = std::fopen(list.c_str(), "w");
      if (!s.win_list) throw std::runtime_error("cannot write " + list);
      std::fprintf(s.win_list, "# window first_cycle cycles phase_cycles[%u] (harness cycles; model %s)\n",
                   unsigned{params::PH_COUNT}, model_name());
    }
#ifdef ESACT_TOGGLE_COVERAGE
    s.ctx->coveragep()->zero();
#endif
  }
}

void Harness::toggle_window_end() {
  auto& s = *p_;
  // Phase counters first (a few AXI4-Lite reads, counted in this window), then
  // the toggle counts of every cycle since the window started.
  std::array<uint32_t, params::PH_COUNT> ph{};
  for (unsigned p = 0; p < params::PH_COUNT; ++p) ph[p] = csr_read(params::CSR_PHASE_CYCLES + 4 * p);
  const std::string file = fmt::format("{}.{}.dat", s.cfg.toggle_prefix, s.win_k);
#ifdef ESACT_TOGGLE_COVERAGE
  s.ctx->coveragep()->write(file.c_str());
  s.ctx->coveragep()->zero();
#endif
  std::fprintf(s.win_list, "%u %llu %llu", s.win_k, static_cast<unsigned long long>(s.win_first),
               static_cast<unsigned long long>(s.cycle - s.win_first));
  for (unsigned p = 0; p < params::PH_COUNT; ++p) std::fprintf(s.win_list, " %u", ph[p] - s.win_phase[p]);
  std::fprintf(s.win_list, "\n");
  std::fflush(s.win_list);
  s.win_phase = ph;
  s.win_first = s.cycle;
  ++s.win_k;
}

RunResult Harness::wait(uint64_t timeout) {
  auto& s = *p_;
  RunResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const bool show = s.cfg.progress;
  auto last_print = t0;
  uint64_t polls = 0;
  while (true) {
    if (s.top->irq_o) {
      r.irq = true;
      break;
    }
    if (s.cycle - s.start_cycle >= timeout) {
      r.timed_out = true;
      break;
    }
    if (!s.mem.errors().empty()) break;  // a protocol error ends the run at once
    s.step();
    if (s.cfg.toggle_window && s.cycle - s.win_first >= s.cfg.toggle_window) toggle_window_end();
    // Poll STATUS now and then as well, in case the interrupt is broken.
    if (((s.cycle - s.start_cycle) & 0xffff) == 0) {
      ++polls;
      if (csr_read(params::CSR_STATUS) & 0x6u) break;
    }
    if (show && ((s.cycle & 0x3fff) == 0)) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print > std::chrono::seconds(1)) {
        last_print = now;
        const double sec = std::chrono::duration<double>(now - t0).count();
        std::fprintf(stderr, "\r[esact-sim] cycle %llu  %.0f cycles/s  %.0f s   ",
                     static_cast<unsigned long long>(s.cycle - s.start_cycle), (s.cycle - s.start_cycle) / sec, sec);
        std::fflush(stderr);
      }
    }
  }
  if (show) std::fprintf(stderr, "\r%70s\r", "");
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.end_cycle = s.cycle;
  r.sim_cycles = s.cycle - s.start_cycle;
  if (s.cfg.toggle_window && s.cycle > s.win_first) toggle_window_end();
  r.axi_errors = s.mem.errors();
  r.axi = s.mem.stats();
  if (!r.axi_errors.empty()) return r;  // the design broke the protocol: do not trust its registers
  r.status = csr_read(params::CSR_STATUS);
  r.finished = (r.status & 0x6u) != 0;
  if (r.finished && r.timed_out) r.timed_out = false;
  r.err_code = csr_read(params::CSR_ERR_CODE);
  r.err_info = csr_read(params::CSR_ERR_INFO);
  r.cycles = csr_read(params::CSR_CYCLES_LO) | (uint64_t{csr_read(params::CSR_CYCLES_HI)} << 32);
  r.macs = csr_read(params::CSR_MACS_LO) | (uint64_t{csr_read(params::CSR_MACS_HI)} << 32);
  r.xmacs = csr_read(params::CSR_XMACS_LO) | (uint64_t{csr_read(params::CSR_XMACS_HI)} << 32);
  r.rd_stall = csr_read(params::CSR_RD_STALL);
  r.wr_stall = csr_read(params::CSR_WR_STALL);
  for (unsigned ph = 0; ph < params::PH_COUNT; ++ph) {
    r.phase_cycles[ph] = csr_read(params::CSR_PHASE_CYCLES + 4 * ph);
    r.phase_rd_beats[ph] = csr_read(params::CSR_PHASE_RD_BEATS + 4 * ph);
    r.phase_wr_beats[ph] = csr_read(params::CSR_PHASE_WR_BEATS + 4 * ph);
  }
  if (r.finished) {
    csr_write(params::CSR_STATUS, 0x6u);
    // The interrupt follows STATUS: it must drop once DONE/ERROR are cleared.
    if (s.top->irq_o && r.irq) r.irq = false;
  }
  (void)polls;
  return r;
}

RunResult Harness::run(const MemoryImage& img, Mode mode, uint64_t timeout) {
  configure(img, mode);
  start();
  return wait(timeout);
}

std::vector<SramAccesses> Harness::sram_accesses() const {
  std::vector<SramAccesses> out;
  const auto* scopes = p_->ctx->scopeNameMap();
  if (!scopes) return out;
  const auto u64 = [](const VerilatedVar* v) { return *static_cast<const uint64_t*>(v->datap()); };
  const auto u32 = [](const VerilatedVar* v) { return *static_cast<const uint32_t*>(v->datap()); };
  for (const auto& [name, scope] : *scopes) {
    const VerilatedVar* r = scope->varFind("sram_reads_q");
    const VerilatedVar* w = scope->varFind("sram_writes_q");
    const VerilatedVar* wd = scope->varFind("sram_width");
    const VerilatedVar* dp = scope->varFind("sram_depth");
    if (!r || !w || !wd || !dp) continue;
    std::string inst = name;
    const std::string top = "TOP.esact_top.";
    if (inst.rfind(top, 0) == 0) inst = inst.substr(top.size());
    out.push_back({inst, u32(wd), u32(dp), u64(r), u64(w)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.instance < b.instance; });
  return out;
}

void Harness::close_trace() {
  if (p_->fst) {
    p_->fst->close();
    p_->fst.reset();
  }
}

Mismatch compare_outputs(AxiMem& mem, const MemoryImage& img, const std::vector<LayerResult>& golden) {
  Mismatch m;
  const int n = img.n_tokens(), d = img.d_model();
  std::vector<uint8_t> buf(img.act_bytes());
  for (int l = 0; l < img.n_layers() && l < static_cast<int>(golden.size()); ++l) {
    const uint64_t a = img.act_addr(l + 1);
    mem.read(a, buf);
    const auto& y = golden[static_cast<size_t>(l)].y;
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < d; ++c) {
        const size_t k = static_cast<size_t>(i) * d + c;
        const int rtl = static_cast<int8_t>(buf[k]);
        if (rtl == y[k]) continue;
        ++m.differing_bytes;
        if (!m.any) {
          m.any = true;
          m.layer = l;
          m.row = i;
          m.col = c;
          m.rtl = rtl;
          m.golden = y[k];
          m.addr = a + k;
          m.cycle = mem.last_write_cycle(a + k);
        }
      }
  }
  return m;
}

Mismatch diagnose_scratch(AxiMem& mem, const MemoryImage& img, const LayerResult& g, bool pre_ln) {
  Mismatch m;
  const uint64_t n = static_cast<uint64_t>(g.n), d = static_cast<uint64_t>(g.d), f = static_cast<uint64_t>(g.f);
  const ScratchLayout l = scratch_layout(g.n, g.d, g.f);
  struct T {
    const char* name;
    uint64_t off, cols;
    const std::vector<int8_t>* ref;
  };
  std::vector<T> order;
  if (!pre_ln) order.push_back({"Q", l.q, d, &g.q});
  order.push_back({"K", l.k, d, &g.k});
  order.push_back({"V", l.v, d, &g.v});
  order.push_back({"O", l.o, d, &g.o});
  order.push_back({"Z", l.z, d, &g.z});
  order.push_back({"H", l.h, d, &g.h});
  if (pre_ln) order.push_back({"LN2(H)", l.q, d, &g.ffn_in});
  order.push_back({"G", l.g, f, &g.g});
  order.push_back({"Z2", l.z2, d, &g.z2});
  if (img.scratch_size() < l.need) return m;
  std::vector<uint8_t> buf;
  for (const auto& t : order) {
    if (t.ref->size() != n * t.cols) continue;
    buf.resize(n * t.cols);
    const uint64_t a = img.scratch_base() + t.off;
    mem.read(a, buf);
    for (uint64_t k = 0; k < buf.size(); ++k) {
      const int rtl = static_cast<int8_t>(buf[k]);
      if (rtl == (*t.ref)[k]) continue;
      if (!m.any) {
        m.any = true;
        m.tensor = t.name;
        m.layer = img.n_layers() - 1;
        m.row = static_cast<int>(k / t.cols);
        m.col = static_cast<int>(k % t.cols);
        m.rtl = rtl;
        m.golden = (*t.ref)[k];
        m.addr = a + k;
        m.cycle = mem.last_write_cycle(a + k);
      }
      ++m.differing_bytes;
    }
    if (m.any) return m;
  }
  return m;
}

}  // namespace esact::sim
