// Per-unit gate-level replay (power flow, issue 12's fallback; docs/power.md).
//
// The gate-level Verilator model of ONE unit's flat netlist (scripts/power/
// synth.sh TOP=<unit>) is driven, cycle by cycle, with the port traffic that the
// RTL run of esact_top recorded for that unit's instance in an FST window
// (esact-sim --trace --trace-start --trace-end).  After every rising edge each
// output port of the netlist is compared with the RTL's value of the same cycle;
// any difference fails the run.  Toggle counting (Verilator --coverage-toggle)
// starts at the first cycle from which the netlist's state is known to equal the
// RTL's (--sync-port: the first cycle with that 1-bit input high, e.g. the MAC
// array's first_i with en_i, which loads every accumulator), so the counted
// toggles are those of the recorded traffic only (from the cycle after that one).
//
// --slice K replays a SMALLER instance of the unit (fewer MAC array rows, say)
// with slice K of every traced port that is wider than the netlist's: bits
// [K * w, (K + 1) * w) of a port of w bits.  For the MAC array, whose cell (r, c)
// sits at bits (r * MC + c) of its packed ports, a 2 x 16 netlist with --slice 3
// gets rows 6-7 of the 16 x 16 array's traffic (a_i rows 6-7, every b_i column,
// acc_o rows 6-7) and must reproduce those rows' accumulators; the 8 slices
// together are the whole array.
//
// Without --sync-port the unit has no state to synchronise (a combinational
// unit such as esact_requant, which has no clk_i either): every cycle's inputs
// (as the RTL holds them after the rising edge) are applied and its outputs
// compared, from the first cycle.  --clock-signal names the traced clock
// (TOP.esact_top.clk_i) so that every cycle is seen, also those in which none
// of the unit's ports changes.
//
// A unit whose state cannot be loaded by one input (softmax, LayerNorm: FSMs,
// counters, esact_sram buffers) is synchronised by reset instead: with
// --reset-port rst_ni the netlist is held in reset for its first kResetCycles
// replayed cycles (whatever the trace says), and --sync-idle busy_o starts the
// comparison at the first cycle after that in which the RTL's unit is idle
// (busy_o low): both are then in the idle state of the same FSMs.  Registers
// without reset (datapath, buffer contents) may still differ from the RTL's;
// they are written before they are used by a command, and any that were not
// would show up as a mismatch.  The buffers are the behavioural esact_sram (the
// netlist keeps them as black boxes), fed the same writes as the RTL's.
// With --compare valid, an output P_o or P_<x>_o that has a P_valid_o beside it
// (a payload) is compared only in the cycles in which the RTL's P_valid_o is
// high: what it carries otherwise is not defined by the interface (e.g. the
// stale data of an idle write port, which the reset netlist does not hold).
// --while-busy P,Q: outputs compared only in the cycles in which the RTL's
// --sync-idle output is high (the softmax's row_idx_o = r0_i + its row
// counter, which a command clears at its start, not at its end, and which
// esact_top reads only while the unit runs: after a command the RTL holds the
// last count, the reset netlist 0).
//
// A small control unit of esact_top (AXI engines, arbiters, CSRs, sequencer,
// command fetcher, dispatcher) has no idle point inside a window, but a trace
// of the WHOLE run begins in reset: with --sync-reset rst_ni the netlist takes
// its reset input from the trace like any other, and the comparison and the
// toggle count start at the first cycle after the trace's reset ends (rst_ni
// low, then high): the netlist and the RTL then hold the same reset state.
// Registers without reset (start with random values in the RTL run, zeros in
// the netlist) may differ until they are written; any that leaked into a
// compared output would fail the run.  With --compare valid the AXI names are
// guarded too: an output <p>valid (m_axi_arvalid, s_axil_rvalid) guards the
// other outputs <p>* but <p>ready (m_axi_araddr, ..., s_axil_rdata); a valid of
// several bits (one per port of an arbiter) guards while any bit is high; AXI
// write data (m_axi_wdata) is compared in the bytes of its strobe (m_axi_wstrb)
// only: the others are not defined by the protocol.  After each rising edge the
// inputs as the RTL holds them after that edge are applied too (the control
// units have combinational paths from inputs to outputs), before the outputs
// are compared.
//
// --count-from C counts the toggles from trace cycle C on (C must come after
// the synchronisation; outputs are compared from the synchronisation as
// always), and --count-cycles N ends the replay after N counted cycles: a unit
// synchronised by reset at an idle cycle (the GEMM's control) is replayed from
// there through the start of a long command, and counted in the steady state
// inside it only.
//
// Toggle windows: with --phase-signal, a new window starts whenever the
// phase of esact_top changes (one PREFIX.<k>.dat per window), so a trace window
// that spans a phase boundary gives one power figure per phase.
//
// --compare-while OUT:SIG[+SIG...] compares the output OUT only in the cycles in
// which one of the RTL's ports SIG is high (the GEMM's row_idx_o, its leader
// list lookup, which esact_top uses only for a command with gather_i or kvs_i:
// loader counters that a command clears only after its first cycles, so a dense
// command's first cycles show the last command's count in the RTL, 0 in the
// netlist from reset).
//
// --compare-after OUT:EVENT compares the output OUT (loaded from registers
// without reset) from the first cycle with the RTL's output EVENT high on (the
// sequencer's list_addr_o and list_count_o, its descriptor words, from its first
// list_start_o: before that the RTL holds random values, the netlist zeros).
//
// A packed-struct port (the dispatcher's g_cmd_o, ...) is traced by Verilator
// --trace-structs as a scope of its fields: they are concatenated in declaration
// order (MSB first), and must fill the netlist's port exactly.
//
// The unit's ports come from unit_ports.hpp, generated by scripts/power/
// unit_build.sh from the netlist: X(name, width, is_input) per port.
//
//   esact-unit-replay --fst run.fst --scope TOP.esact_top.u_gemm.u_mac
//       --sync-port first_i --sync-also en_i --toggles PREFIX [--phase-signal TOP.esact_top.phase]
//       [--slice K]
// writes PREFIX.<k>.dat (toggle counts of window k) and PREFIX.windows (per
// window: first cycle, cycles, cycles per phase), the inputs of
// scripts/power/power.py.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "Vunit_gl.h"
#include "fst_hier.hpp"
#include "gtkwave/fstapi.h"
#include "verilated.h"
#if VM_COVERAGE
#include "verilated_cov.h"
#endif

namespace {

constexpr unsigned kPhases = 11;  // esact_types_pkg::phase_e (PH_DESC .. PH_LN2)

// --- ports of the unit (generated list) -------------------------------------

template <class T>
void set_bits(T& port, const std::string& v) {  // v: MSB first, '0'/'1'
  if constexpr (std::is_integral_v<T>) {
    T x = 0;
    for (char c : v) x = static_cast<T>((x << 1) | (c == '1'));
    port = x;
  } else {
    const size_t n = v.size();
    for (size_t w = 0; w < (n + 31) / 32; ++w) port[w] = 0;
    for (size_t i = 0; i < n; ++i)
      if (v[n - 1 - i] == '1') port[i / 32] |= (1u << (i % 32));
  }
}

template <class T>
std::string get_bits(const T& port, size_t n) {
  std::string v(n, '0');
  for (size_t i = 0; i < n; ++i) {
    bool b;
    if constexpr (std::is_integral_v<T>) {
      b = (static_cast<uint64_t>(port) >> i) & 1u;
    } else {
      b = (port[i / 32] >> (i % 32)) & 1u;
    }
    v[n - 1 - i] = b ? '1' : '0';
  }
  return v;
}

struct Port {
  std::string name;
  size_t width;
  bool input;
  std::string value;  ///< current value in the trace (MSB first)
};

std::vector<Port> unit_ports() {
  std::vector<Port> p;
#define X(name, width, is_input) p.push_back({#name, width, is_input, std::string(width, '0')});
#include "unit_ports.hpp"
#undef X
  return p;
}

void drive_inputs(Vunit_gl& m, const std::vector<Port>& ports) {
  size_t i = 0;
#define X(name, width, is_input) \
  if (is_input && std::string(#name) != "clk_i") set_bits(m.name, ports[i].value); \
  ++i;
#include "unit_ports.hpp"
#undef X
}

// clk_i of a clocked unit (a combinational one has none: the loop is empty).
void set_clock(Vunit_gl& m, bool high) {
#define X(name, width, is_input) \
  if (std::string(#name) == "clk_i") set_bits(m.name, high ? "1" : "0");
#include "unit_ports.hpp"
#undef X
}

// Whether a netlist value equals the RTL's; with a byte strobe (MSB first, one bit
// per byte of v, e.g. AXI's m_axi_wstrb for m_axi_wdata) only the strobed bytes.
bool same_value(const std::string& got, const std::string& rtl, const std::string* strobe) {
  if (!strobe) return got == rtl;
  const size_t n = got.size(), nb = strobe->size();
  for (size_t b = 0; b < nb && 8 * b < n; ++b) {
    if ((*strobe)[nb - 1 - b] != '1') continue;
    const size_t lo = n - std::min(n, 8 * b + 8), hi = n - 8 * b;  // string positions of byte b
    if (got.compare(lo, hi - lo, rtl, lo, hi - lo)) return false;
  }
  return true;
}

// The first output port whose model value differs from the trace ("" if none),
// with both values and the inputs when the ports are short enough to read;
// ports with skip[i] set are not compared in this cycle, ports with a strobe
// (strobe[i]: the index of the strobe port) only in their strobed bytes.
std::string first_mismatch(const Vunit_gl& m, const std::vector<Port>& ports, const std::vector<bool>& skip,
                           const std::vector<size_t>& strobe) {
  size_t i = 0;
  auto hex = [](const std::string& v) {
    std::string h;
    const size_t pad = (4 - v.size() % 4) % 4;
    const std::string w = std::string(pad, '0') + v;
    for (size_t i = 0; i < w.size(); i += 4) h += "0123456789abcdef"[std::stoi(w.substr(i, 4), nullptr, 2)];
    return h;
  };
  auto detail = [&](const std::string& name, const std::string& got) {
    if (got.size() > 1024) return name;
    if (got.size() > 64) return name + " (netlist 0x" + hex(got) + ", RTL 0x" + hex(ports[i].value) + ")";
    std::string d = name + " (netlist " + got + ", RTL " + ports[i].value + "; inputs";
    for (const auto& p : ports)
      if (p.input && p.width <= 64) d += " " + p.name + "=" + p.value;
    return d + ")";
  };
#define X(name, width, is_input) \
  if (!is_input && !skip[i] &&                                                                              \
      !same_value(get_bits(m.name, width), ports[i].value,                                                    \
                  strobe[i] == SIZE_MAX ? nullptr : &ports[strobe[i]].value))                                 \
    return detail(#name, get_bits(m.name, width));                                                            \
  ++i;
#include "unit_ports.hpp"
#undef X
  return "";
}

// --- the replay -----------------------------------------------------------------

struct Options {
  std::string fst, scope, sync_port, sync_also, toggles, phase_signal, clock_signal;
  std::string reset_port;   ///< active-low reset held low in the first kResetCycles replayed cycles
  std::string sync_idle;    ///< sync at the first cycle after the reset with this RTL output low
  std::string sync_reset;   ///< input taken from the trace: sync at the first cycle after its low run ends
  bool compare_valid = false;  ///< --compare valid: payloads only while their P_valid_o is high
  std::vector<std::string> while_busy;  ///< outputs compared only while the RTL's sync_idle output is high
  std::vector<std::pair<std::string, std::string>> after;  ///< --compare-after OUT:EVENT
  std::vector<std::pair<std::string, std::vector<std::string>>> when;  ///< --compare-while OUT:SIG+SIG
  long slice = -1;         ///< a port narrower than its traced signal takes slice K of it (-1: widths must match)
  uint64_t inject_at = 0;  ///< flip bit 0 of the RTL's first output in the Nth compared cycle (self-check)
  uint64_t count_from = 0;  ///< --count-from: toggles counted from this trace cycle on
  uint64_t count_cycles = 0;  ///< --count-cycles: the replay ends after this many counted cycles (0: the trace's end)
};

/// One toggle window: consecutive counted cycles of one phase of esact_top.
struct Window {
  uint64_t first_cycle = 0, cycles = 0;
  unsigned phase = UINT_MAX;
  std::array<uint64_t, kPhases> phase_cycles{};
};

struct Replay {
  Options o;
  std::vector<Port> ports;
  std::map<fstHandle, std::vector<size_t>> by_handle;  ///< trace signal -> ports (aliases share one)
  /// A packed-struct port traced as a scope of its fields (Verilator --trace-structs,
  /// e.g. the dispatcher's g_cmd_o): field signal -> (port, first character in the
  /// port's MSB-first value, width); the fields come in declaration order, MSB first.
  struct Field {
    size_t port, pos, width;
  };
  std::map<fstHandle, std::vector<Field>> fields;
  std::vector<size_t> field_bits;  ///< per port: the bits of its struct fields found so far
  std::vector<size_t> trace_width;                     ///< bits of each port's signal in the trace
  fstHandle phase_h = 0, clock_h = 0;
  unsigned phase = 0;
  size_t sync_i = SIZE_MAX, also_i = SIZE_MAX, clk_i = SIZE_MAX, reset_i = SIZE_MAX, idle_i = SIZE_MAX;
  size_t sreset_i = SIZE_MAX;  ///< --sync-reset port
  bool seen_reset = false;     ///< --sync-reset: the trace's reset was low in an earlier edge
  static constexpr uint64_t kResetCycles = 2;
  std::vector<size_t> guard;  ///< per port: index of its P_valid_o (--compare valid), else SIZE_MAX
  std::vector<bool> busy_only;  ///< per port: compared only while the RTL's sync_idle output is high
  std::vector<size_t> strobe;   ///< per port: its byte strobe (--compare valid: <p>data and <p>strb), else SIZE_MAX
  std::vector<size_t> after_event;  ///< per port: --compare-after's EVENT output, else SIZE_MAX
  std::vector<bool> event_seen;     ///< per port: that EVENT was high in a compared cycle (from then on: compared)
  std::vector<std::vector<size_t>> while_sigs;  ///< per port: --compare-while's ports (compared while one is high)
  VerilatedContext ctx;
  std::unique_ptr<Vunit_gl> m;
  uint64_t t_prev = UINT64_MAX;
  bool have_low = false;        ///< the state of the last even (clk low) time stamp is staged
  std::vector<std::string> low;  ///< inputs sampled by the next rising edge
  unsigned low_phase = 0;
  bool synced = false;
  bool counting = false;  ///< toggles are being counted (synchronised, and at or after --count-from)
  bool done = false;      ///< --count-cycles reached: the rest of the trace is not replayed
  uint64_t edge_cycle = 0;  ///< the trace cycle of the rising edge being replayed
  uint64_t first_counted = 0;  ///< the trace cycle of the first counted cycle
  uint64_t cycles_replayed = 0, cycles_counted = 0, compared = 0, sync_cycle = 0;
  uint64_t active_cycles = 0;  ///< counted cycles with --sync-also (else --sync-port) high
  std::vector<Window> windows;  ///< closed windows (their toggles are in PREFIX.<k>.dat)
  Window cur;                   ///< the open window
  std::string error;
  std::set<size_t> distinct;  ///< hashes of the distinct output values compared (note_outputs)

  explicit Replay(Options opt)
      : o(std::move(opt)), ports(unit_ports()), trace_width(ports.size(), 0), field_bits(ports.size(), 0) {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].name == o.sync_port) sync_i = i;
      if (ports[i].name == o.sync_also) also_i = i;
      if (ports[i].name == "clk_i") clk_i = i;
    }
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].name == o.reset_port) reset_i = i;
      if (ports[i].name == o.sync_idle) idle_i = i;
      if (ports[i].name == o.sync_reset) sreset_i = i;
    }
    check_sync_options();
    guard = payload_guards();
    strobe = byte_strobes();
    after_events();
    compare_while();
    busy_only = busy_only_ports();
    if (clk_i == SIZE_MAX && !o.sync_port.empty())
      throw std::runtime_error("the unit has no clk_i port: a combinational unit takes no --sync-port");
    if (clk_i == SIZE_MAX && o.clock_signal.empty())
      throw std::runtime_error("a combinational unit needs --clock-signal (the traced clock, to see every cycle)");
    if (clk_i != SIZE_MAX && !o.sync_port.empty() + !o.sync_idle.empty() + !o.sync_reset.empty() != 1)
      throw std::runtime_error("a clocked unit needs one of --sync-port (the input whose high cycle makes its state "
                               "the RTL's), --sync-idle (with --reset-port) and --sync-reset (a trace from reset)");
    if (clk_i == SIZE_MAX && (o.count_from || o.count_cycles))
      throw std::runtime_error("the unit has no clk_i port: a combinational unit takes no --count-from/--count-cycles");
    if (clk_i == SIZE_MAX && !o.sync_reset.empty())
      throw std::runtime_error("the unit has no clk_i port: a combinational unit takes no --sync-reset");
    if (!o.sync_port.empty() && (sync_i == SIZE_MAX || ports[sync_i].width != 1 || !ports[sync_i].input))
      throw std::runtime_error("--sync-port " + o.sync_port + " is not a 1-bit input of the unit");
    if (!o.sync_also.empty() && (also_i == SIZE_MAX || ports[also_i].width != 1 || !ports[also_i].input))
      throw std::runtime_error("--sync-also " + o.sync_also + " is not a 1-bit input of the unit");
    synced = o.sync_port.empty() && o.sync_idle.empty() && o.sync_reset.empty();
    ctx.randReset(0);
    m = std::make_unique<Vunit_gl>(&ctx, "TOP");
  }

  bool clocked() const { return clk_i != SIZE_MAX; }

  void check_sync_options() const {
    if (!o.reset_port.empty() && (reset_i == SIZE_MAX || ports[reset_i].width != 1 || !ports[reset_i].input))
      throw std::runtime_error("--reset-port " + o.reset_port + " is not a 1-bit input of the unit");
    if (!o.sync_idle.empty() && (idle_i == SIZE_MAX || ports[idle_i].width != 1 || ports[idle_i].input))
      throw std::runtime_error("--sync-idle " + o.sync_idle + " is not a 1-bit output of the unit");
    if (!o.sync_idle.empty() && o.reset_port.empty())
      throw std::runtime_error("--sync-idle needs --reset-port (the idle state is the reset state)");
    if (!o.sync_reset.empty() && (sreset_i == SIZE_MAX || ports[sreset_i].width != 1 || !ports[sreset_i].input))
      throw std::runtime_error("--sync-reset " + o.sync_reset + " is not a 1-bit input of the unit");
    if (!o.sync_reset.empty() && !o.reset_port.empty())
      throw std::runtime_error("--sync-reset takes the reset from the trace: no --reset-port with it");
  }

  // --compare valid: the payload outputs of every P_valid_o (P_o, P_<x>_o).
  std::vector<size_t> payload_guards() const {
    std::vector<size_t> g(ports.size(), SIZE_MAX);
    if (!o.compare_valid) return g;
    const std::string suffix = "_valid_o";
    for (size_t v = 0; v < ports.size(); ++v) {
      const std::string& n = ports[v].name;
      if (ports[v].input || n.size() <= suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix))
        continue;
      const std::string p = n.substr(0, n.size() - suffix.size());
      for (size_t i = 0; i < ports.size(); ++i) {
        const std::string& m = ports[i].name;
        const bool payload = m == p + "_o" || (m.rfind(p + "_", 0) == 0 && m.size() > 2 &&
                                               m.compare(m.size() - 2, 2, "_o") == 0 && m != n && m != p + "_ready_o");
        if (!ports[i].input && payload) g[i] = v;
      }
    }
    // AXI names: <p>valid guards <p>* but <p>valid and <p>ready (m_axi_arvalid: m_axi_araddr, ...).
    const std::string axv = "valid";
    for (size_t v = 0; v < ports.size(); ++v) {
      const std::string& n = ports[v].name;
      if (ports[v].input || n.size() <= axv.size() || n.compare(n.size() - axv.size(), axv.size(), axv)) continue;
      const std::string p = n.substr(0, n.size() - axv.size());
      if (p.empty() || p.back() == '_') continue;  // "data_valid": not an AXI channel name
      for (size_t i = 0; i < ports.size(); ++i) {
        const std::string& m = ports[i].name;
        if (!ports[i].input && i != v && m.rfind(p, 0) == 0 && m != p + "ready" && g[i] == SIZE_MAX) g[i] = v;
      }
    }
    return g;
  }

  // --compare valid: AXI write data <p>data is compared in the bytes its strobe
  // <p>strb enables only (the others are not defined by the protocol: the write
  // engine shifts unaligned data through a register without reset).
  std::vector<size_t> byte_strobes() const {
    std::vector<size_t> g(ports.size(), SIZE_MAX);
    if (!o.compare_valid) return g;
    for (size_t i = 0; i < ports.size(); ++i) {
      const std::string& n = ports[i].name;
      if (ports[i].input || n.size() < 4 || n.compare(n.size() - 4, 4, "data")) continue;
      const std::string sn = n.substr(0, n.size() - 4) + "strb";
      for (size_t j = 0; j < ports.size(); ++j)
        if (ports[j].name == sn && !ports[j].input && ports[j].width * 8 == ports[i].width) g[i] = j;
    }
    return g;
  }

  // --compare-after OUT:EVENT: OUT (an output loaded from registers without
  // reset, e.g. the sequencer's list_addr_o from its descriptor words) is
  // compared from the first cycle in which the RTL's output EVENT (its
  // qualifier, list_start_o) is high, and in every cycle after it.
  void after_events() {
    after_event.assign(ports.size(), SIZE_MAX);
    event_seen.assign(ports.size(), false);
    auto output = [&](const std::string& n) {
      size_t i = 0;
      while (i < ports.size() && (ports[i].name != n || ports[i].input)) ++i;
      if (i == ports.size()) throw std::runtime_error("--compare-after: " + n + " is not an output of the unit");
      return i;
    };
    for (const auto& [out, ev] : o.after) {
      const size_t e = output(ev);
      if (ports[e].width != 1) throw std::runtime_error("--compare-after: " + ev + " is not a 1-bit output");
      after_event[output(out)] = e;
    }
  }

  // --compare-while OUT:SIG+SIG: OUT an output, each SIG a 1-bit port of the unit.
  void compare_while() {
    while_sigs.assign(ports.size(), {});
    auto find = [&](const std::string& n) {
      size_t i = 0;
      while (i < ports.size() && ports[i].name != n) ++i;
      if (i == ports.size()) throw std::runtime_error("--compare-while: " + n + " is not a port of the unit");
      return i;
    };
    for (const auto& [out, sigs] : o.when) {
      const size_t i = find(out);
      if (ports[i].input) throw std::runtime_error("--compare-while: " + out + " is not an output");
      for (const auto& sg : sigs) {
        const size_t j = find(sg);
        if (ports[j].width != 1) throw std::runtime_error("--compare-while: " + sg + " is not a 1-bit port");
        while_sigs[i].push_back(j);
      }
    }
  }

  // --while-busy: the named outputs of the unit (each must be one).
  std::vector<bool> busy_only_ports() const {
    std::vector<bool> b(ports.size(), false);
    if (!o.while_busy.empty() && idle_i == SIZE_MAX)
      throw std::runtime_error("--while-busy needs --sync-idle (the output that says the unit is busy)");
    for (const auto& n : o.while_busy) {
      size_t i = 0;
      while (i < ports.size() && (ports[i].name != n || ports[i].input)) ++i;
      if (i == ports.size()) throw std::runtime_error("--while-busy " + n + " is not an output of the unit");
      b[i] = true;
    }
    return b;
  }

  void note_events() {
    for (size_t i = 0; i < ports.size(); ++i)
      if (after_event[i] != SIZE_MAX && ports[after_event[i]].value == "1") event_seen[i] = true;
  }

  std::vector<bool> skipped_now() const {
    std::vector<bool> skip(ports.size(), false);
    for (size_t i = 0; i < ports.size(); ++i)
      skip[i] = (guard[i] != SIZE_MAX && ports[guard[i]].value.find('1') == std::string::npos) ||
                (busy_only[i] && ports[idle_i].value == "0") || (after_event[i] != SIZE_MAX && !event_seen[i]) ||
                (!while_sigs[i].empty() && std::none_of(while_sigs[i].begin(), while_sigs[i].end(),
                                                        [&](size_t j) { return ports[j].value == "1"; }));
    return skip;
  }

  void map_var(const std::string& scope, std::string name, fstHandle handle, size_t tw) {
    name = name.substr(0, name.find(' '));  // Verilator writes vectors as "name [hi:lo]"
    const std::string full = scope + "." + name;
    if (full == o.phase_signal) phase_h = handle;
    if (full == o.clock_signal) clock_h = handle;
    if (scope.size() > o.scope.size() + 1 && scope.compare(0, o.scope.size() + 1, o.scope + ".") == 0) {
      // A field of a packed-struct port (scope o.scope.<port>[.<nested struct>...]).
      const std::string port = scope.substr(o.scope.size() + 1, scope.find('.', o.scope.size() + 1) - o.scope.size() - 1);
      for (size_t i = 0; i < ports.size(); ++i) {
        if (ports[i].name != port) continue;
        fields[handle].push_back({i, field_bits[i], tw});
        field_bits[i] += tw;
      }
      return;
    }
    if (scope != o.scope) return;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (name != ports[i].name) continue;
      const size_t w = ports[i].width;
      const bool sliced = o.slice >= 0 && tw > w;
      if (tw != w && !sliced)
        throw std::runtime_error(full + " has " + std::to_string(tw) + " bits in the trace, " + std::to_string(w) +
                                 " in the netlist" + (o.slice >= 0 ? "" : " (--slice K replays a smaller instance)"));
      if (sliced && (tw % w != 0 || static_cast<size_t>(o.slice + 1) * w > tw))
        throw std::runtime_error(full + " has " + std::to_string(tw) + " bits in the trace: no slice " +
                                 std::to_string(o.slice) + " of " + std::to_string(w) + " bits");
      trace_width[i] = tw;
      by_handle[handle].push_back(i);
    }
  }

  void map_signals(void* fst) {
    esact::sim::for_each_fst_var(fst, [&](const std::string& scope, const auto& v) {
      map_var(scope, v.name, v.handle, v.length);
    });
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!trace_width[i] && field_bits[i]) {  // a struct port: its fields must fill it exactly
        if (field_bits[i] != ports[i].width)
          throw std::runtime_error("the fields of struct port " + o.scope + "." + ports[i].name + " have " +
                                   std::to_string(field_bits[i]) + " bits in the trace, the port " +
                                   std::to_string(ports[i].width) + " in the netlist");
        trace_width[i] = ports[i].width;
      } else if (trace_width[i] && field_bits[i]) {
        throw std::runtime_error("port " + ports[i].name + " is both a signal and a struct scope in " + o.fst);
      }
      if (!trace_width[i]) throw std::runtime_error("port " + ports[i].name + " not found in scope " + o.scope + " of " + o.fst);
    }
    for (auto it = fields.begin(); it != fields.end();) {  // fields of scopes that are not ports
      it->second.erase(std::remove_if(it->second.begin(), it->second.end(),
                                      [&](const Field& f) { return trace_width[f.port] != ports[f.port].width; }),
                       it->second.end());
      it = it->second.empty() ? fields.erase(it) : std::next(it);
    }
    if (!o.phase_signal.empty() && !phase_h) throw std::runtime_error(o.phase_signal + " not in the trace");
    if (!o.clock_signal.empty() && !clock_h) throw std::runtime_error(o.clock_signal + " not in the trace");
    fstReaderClrFacProcessMaskAll(fst);
    for (const auto& [h, v] : by_handle) fstReaderSetFacProcessMask(fst, h);
    for (const auto& [h, v] : fields) fstReaderSetFacProcessMask(fst, h);
    if (phase_h) fstReaderSetFacProcessMask(fst, phase_h);
    if (clock_h) fstReaderSetFacProcessMask(fst, clock_h);
  }

  void change(uint64_t t, fstHandle h, const unsigned char* v) {
    if (t != t_prev && t_prev != UINT64_MAX) settle(t_prev);
    t_prev = t;
    if (h == phase_h) {
      unsigned x = 0;
      for (const unsigned char* c = v; *c; ++c) x = (x << 1) | (*c == '1');
      phase = x;
    }
    if (auto f = fields.find(h); f != fields.end())
      for (const Field& x : f->second) ports[x.port].value.replace(x.pos, x.width, reinterpret_cast<const char*>(v), x.width);
    auto it = by_handle.find(h);
    if (it == by_handle.end()) return;
    // The port's bits of the traced value (MSB first): all of it, or with
    // --slice K bits [K * w, (K + 1) * w) of a wider signal.
    for (size_t i : it->second) {
      const size_t w = ports[i].width, tw = trace_width[i];
      const size_t lsb = tw > w ? static_cast<size_t>(o.slice) * w : 0;
      ports[i].value.assign(reinterpret_cast<const char*>(v) + (tw - lsb - w), w);
    }
  }

  // Toggle counts exist in a model built with --coverage-toggle; a model built
  // without (scripts/power/unit_build.sh COVERAGE=0: the check only) counts none.
  void zero_toggles() {
#if VM_COVERAGE
    ctx.coveragep()->zero();
#endif
  }
  void write_toggles(const std::string& file) {
#if VM_COVERAGE
    if (!o.toggles.empty()) ctx.coveragep()->write(file.c_str());
#else
    (void)file;
#endif
    zero_toggles();
  }

  // The toggles of the open window go to PREFIX.<k>.dat; counting restarts.
  void close_window() {
    if (!cur.cycles) return;
    write_toggles(o.toggles + "." + std::to_string(windows.size()) + ".dat");
    windows.push_back(cur);
    cur = Window{};
  }

  // A counted cycle of phase ph starts: a phase change closes the open window.
  void begin_counted_cycle(unsigned ph) {
    if (cur.cycles && ph != cur.phase) close_window();
    if (!cur.cycles) {
      cur.first_cycle = cycles_replayed;
      cur.phase = ph;
    }
    ++cur.cycles;
    if (ph < kPhases) ++cur.phase_cycles[ph];
    ++cycles_counted;
  }

  // All changes of time stamp t are in: even t = clk low (inputs for the next
  // edge), odd t = after the rising edge (outputs to compare).
  void settle(uint64_t t) {
    if (!error.empty() || done) return;
    if (t % 2 == 0) {
      low.clear();
      for (const auto& p : ports) low.push_back(p.value);
      low_phase = phase;
      have_low = true;
      return;
    }
    edge_cycle = t / 2;
    if (clocked() ? !clock_edge() : !comb_cycle()) return;
    if (o.inject_at && compared + 1 == o.inject_at) {  // self-check: the comparison must catch this
      for (auto& p : ports)
        if (!p.input) {
          p.value.back() = p.value.back() == '1' ? '0' : '1';
          break;
        }
    }
    note_events();
    const std::string bad = first_mismatch(*m, ports, skipped_now(), strobe);
    if (!bad.empty()) {
      error = "cycle " + std::to_string(t / 2) + " (trace time " + std::to_string(t) + "): output " + bad +
              " of the netlist differs from the RTL";
      return;
    }
    ++compared;
    note_outputs();
  }

  // The distinct output values compared (up to kDistinctMax): a check that
  // saw only a few values proves little, so the summary names the count.
  static constexpr size_t kDistinctMax = 1u << 16;
  void note_outputs() {
    if (distinct.size() >= kDistinctMax) return;
    std::string v;
    for (const auto& p : ports)
      if (!p.input) v += p.value;
    distinct.insert(std::hash<std::string>{}(v));
  }

  // A clocked unit: the inputs staged at clk low, one rising edge.  Returns
  // whether the outputs are to be compared (from the sync edge on).
  bool clock_edge() {
    if (!have_low) return false;  // the window starts after a rising edge
    have_low = false;
    const bool in_reset = reset_i != SIZE_MAX && cycles_replayed < kResetCycles;
    if (in_reset) low[reset_i] = "0";
    if (sreset_i != SIZE_MAX && low[sreset_i] == "0") seen_reset = true;
    const bool sync_now = in_reset ? false
                          : sreset_i != SIZE_MAX ? seen_reset && low[sreset_i] == "1"
                          : sync_i != SIZE_MAX ? low[sync_i] == "1" && (also_i == SIZE_MAX || low[also_i] == "1")
                                               : low[idle_i] == "0";
    if (counting && o.count_cycles && cycles_counted == o.count_cycles) {
      done = true;
      return false;
    }
    if (synced && !counting && edge_cycle >= o.count_from) {
      counting = true;
      first_counted = edge_cycle;
      zero_toggles();
    }
    if (counting) begin_counted_cycle(low_phase);
    std::vector<std::string> after;
    for (auto& p : ports) after.push_back(p.value);
    for (size_t i = 0; i < ports.size(); ++i) ports[i].value = low[i];
    set_clock(*m, false);
    drive_inputs(*m, ports);
    m->eval();
    set_clock(*m, true);
    m->eval();
    for (size_t i = 0; i < ports.size(); ++i) ports[i].value = after[i];
    if (sreset_i != SIZE_MAX) {
      // --sync-reset (the control units): outputs with combinational paths from
      // inputs (the write engine's data, the arbiters' multiplexers) are compared
      // with the inputs as the RTL holds them after the edge, as its outputs are.
      drive_inputs(*m, ports);
      m->eval();
    }
    ++cycles_replayed;
    if (synced) {
      const size_t act = also_i != SIZE_MAX ? also_i : sync_i;
      if (!counting) return true;
      if (act != SIZE_MAX ? low[act] == "1" : idle_i != SIZE_MAX ? low[idle_i] == "1" : low[sreset_i] == "1")
        ++active_cycles;
      return true;
    }
    if (!sync_now) return false;
    // From this edge on the netlist's state is the RTL's: compare from here,
    // count toggles from the next cycle.
    synced = true;
    sync_cycle = cycles_replayed;
    zero_toggles();
    return true;
  }

  // A combinational unit: the inputs as the RTL holds them after the edge.
  bool comb_cycle() {
    begin_counted_cycle(phase);
    drive_inputs(*m, ports);
    m->eval();
    ++cycles_replayed;
    return true;
  }

  void write_windows() const {
    FILE* w = std::fopen((o.toggles + ".windows").c_str(), "w");
    if (!w) throw std::runtime_error("cannot write " + o.toggles + ".windows");
    std::fprintf(w, "# window first_cycle cycles phase_cycles[%u] (unit replay of %s, %s)\n", kPhases,
                 o.scope.c_str(), o.fst.c_str());
    for (size_t k = 0; k < windows.size(); ++k) {
      std::fprintf(w, "%zu %llu %llu", k, static_cast<unsigned long long>(windows[k].first_cycle),
                   static_cast<unsigned long long>(windows[k].cycles));
      for (uint64_t c : windows[k].phase_cycles) std::fprintf(w, " %llu", static_cast<unsigned long long>(c));
      std::fprintf(w, "\n");
    }
    std::fclose(w);
  }
};

void on_change(void* user, uint64_t t, fstHandle h, const unsigned char* v) {
  static_cast<Replay*>(user)->change(t, h, v);
}

void usage_error(const std::string& msg) {
  std::fprintf(stderr, "esact-unit-replay: %s\n", msg.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage_error("option " + a + " needs a value");
    const std::string v = argv[++i];
    try {
      if (a == "--fst") o.fst = v;
      else if (a == "--scope") o.scope = v;
      else if (a == "--sync-port") o.sync_port = v;
      else if (a == "--sync-also") o.sync_also = v;
      else if (a == "--reset-port") o.reset_port = v;
      else if (a == "--sync-idle") o.sync_idle = v;
      else if (a == "--sync-reset") o.sync_reset = v;
      else if (a == "--compare") {
        if (v != "all" && v != "valid") usage_error("--compare takes all or valid, got '" + v + "'");
        o.compare_valid = v == "valid";
      }
      else if (a == "--while-busy") {
        for (size_t p = 0; p <= v.size();) {
          const size_t q = std::min(v.find(',', p), v.size());
          if (q > p) o.while_busy.push_back(v.substr(p, q - p));
          p = q + 1;
        }
      }
      else if (a == "--compare-after") {
        for (size_t p = 0; p <= v.size();) {
          const size_t q = std::min(v.find(',', p), v.size());
          const std::string item = v.substr(p, q - p);
          const size_t c = item.find(':');
          if (!item.empty()) {
            if (c == std::string::npos || c == 0 || c + 1 == item.size())
              usage_error("--compare-after takes OUT:EVENT[,OUT:EVENT...], got '" + v + "'");
            o.after.emplace_back(item.substr(0, c), item.substr(c + 1));
          }
          p = q + 1;
        }
      }
      else if (a == "--compare-while") {
        const size_t c = v.find(':');
        if (c == std::string::npos || c == 0 || c + 1 == v.size())
          usage_error("--compare-while takes OUT:SIG[+SIG...], got '" + v + "'");
        std::vector<std::string> sigs;
        for (size_t p = c + 1; p <= v.size();) {
          const size_t q = std::min(v.find('+', p), v.size());
          if (q > p) sigs.push_back(v.substr(p, q - p));
          p = q + 1;
        }
        o.when.emplace_back(v.substr(0, c), sigs);
      }
      else if (a == "--toggles") o.toggles = v;
      else if (a == "--phase-signal") o.phase_signal = v;
      else if (a == "--clock-signal") o.clock_signal = v;
      else if (a == "--slice") o.slice = std::stol(v);
      else if (a == "--inject-mismatch") o.inject_at = std::stoull(v);
      else if (a == "--count-from") o.count_from = std::stoull(v);
      else if (a == "--count-cycles") o.count_cycles = std::stoull(v);
      else usage_error("unknown option " + a);
    } catch (const std::logic_error&) {
      usage_error("option " + a + " needs a number, got '" + v + "'");
    }
  }
  if (o.slice < -1) usage_error("--slice must be >= 0");
#if !VM_COVERAGE
  if (!o.toggles.empty()) usage_error("--toggles: this replay simulator was built without toggle coverage (COVERAGE=0)");
#endif
  if (o.fst.empty() || o.scope.empty())
    usage_error("usage: --fst FILE --scope TOP.a.b [--toggles PREFIX] [--sync-port PORT [--sync-also PORT] | --clock-signal TOP.clk] "
                "[--reset-port RST --sync-idle BUSY [--while-busy OUT,...] | --sync-reset RST] [--compare-after OUT:EVENT,...] [--compare-while OUT:SIG+SIG] [--compare all|valid] [--phase-signal TOP.x.phase] [--slice K] "
                "[--inject-mismatch N] [--count-from CYCLE] [--count-cycles N]");
  return o;
}

void print_summary(const Replay& r, const Options& o) {
  if (r.clocked()) {
    const std::string act = !o.sync_also.empty() ? o.sync_also : !o.sync_port.empty() ? o.sync_port
                            : !o.sync_idle.empty() ? o.sync_idle : o.sync_reset;
    std::printf("replayed %llu cycles of %s; synchronised after %llu; outputs equal to the RTL's in all %llu "
                "compared cycles\ntoggles counted over %llu cycles in %zu windows, %llu cycles with %s high\n",
                static_cast<unsigned long long>(r.cycles_replayed), o.scope.c_str(),
                static_cast<unsigned long long>(r.sync_cycle), static_cast<unsigned long long>(r.compared),
                static_cast<unsigned long long>(r.cycles_counted), r.windows.size(),
                static_cast<unsigned long long>(r.active_cycles), act.c_str());
  } else {
    std::printf("replayed %llu cycles of %s (combinational); outputs equal to the RTL's in all %llu compared "
                "cycles\ntoggles counted over %llu cycles in %zu windows\n",
                static_cast<unsigned long long>(r.cycles_replayed), o.scope.c_str(),
                static_cast<unsigned long long>(r.compared), static_cast<unsigned long long>(r.cycles_counted),
                r.windows.size());
  }
  std::printf("%zu%s distinct output values compared\n", r.distinct.size(),
              r.distinct.size() >= Replay::kDistinctMax ? " or more" : "");
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    Replay r(o);
    void* fst = fstReaderOpen(o.fst.c_str());
    if (!fst) throw std::runtime_error(o.fst + ": cannot read the FST trace");
    r.map_signals(fst);
    fstReaderIterBlocks(fst, on_change, &r, nullptr);
    if (r.t_prev != UINT64_MAX) r.settle(r.t_prev);
    fstReaderClose(fst);
    if (!r.error.empty()) throw std::runtime_error(r.error);
    if (!r.synced)
      throw std::runtime_error(!o.sync_reset.empty() ? "--sync-reset " + o.sync_reset + " never low, then high in the trace "
                                                       "(a trace from the run's first cycle): nothing counted"
                               : o.sync_idle.empty() ? "--sync-port " + o.sync_port + " never high in the window: nothing counted"
                                                     : "--sync-idle " + o.sync_idle + " never low in the window: nothing counted");
    if (o.count_from && r.clocked() && r.first_counted != o.count_from)
      throw std::runtime_error(r.counting ? "--count-from " + std::to_string(o.count_from) + ": synchronised only at cycle " +
                                                std::to_string(r.first_counted) + " (the trace's lead holds no earlier sync point)"
                                          : "--count-from " + std::to_string(o.count_from) + " is beyond the trace");
    if (o.count_cycles && r.cycles_counted < o.count_cycles)
      throw std::runtime_error("--count-cycles " + std::to_string(o.count_cycles) + ": the trace ends after " +
                               std::to_string(r.cycles_counted) + " counted cycles");
    r.close_window();
    if (r.windows.empty()) throw std::runtime_error("no cycle counted in the window");
    if (!o.toggles.empty()) r.write_windows();
    print_summary(r, o);
    r.m->final();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "esact-unit-replay: %s\n", e.what());
    return 1;
  }
  return 0;
}
