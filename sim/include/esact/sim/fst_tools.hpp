// Working on an FST trace after a run: a GTKWave savefile grouped by unit, and
// the toggle/energy meter (bit toggles per unit counted from the trace).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace esact::sim {

/// Unit of a signal's scope path: "top ports" for TOP (the ports), "top" for
/// esact_top itself, else the instance path below esact_top cut to `depth`
/// levels ("u_gemm", or "u_gemm.u_mac" with depth 2).
std::string unit_of(const std::string& scope_path, int depth = 1);

/// Write a GTKWave savefile for `fst_path`: one group per unit (top ports, then
/// every instance below esact_top, CSR / AXI read / AXI write / MAC / softmax /
/// LN / sequencer named from the instance names), at most `max_per_group`
/// signals each (registers, valid/ready and state first).  Returns the number
/// of groups.  Throws std::runtime_error if the FST cannot be read.
int write_gtkw(const std::string& fst_path, const std::string& gtkw_path, int max_per_group = 24);
/// The savefile's text for the trace read from `fst_path`, naming `dumpfile` as the
/// trace to open (they differ while the trace is staged under a temporary name).
std::string gtkw_savefile(const std::string& fst_path, const std::string& dumpfile, int max_per_group = 24,
                          int* group_count = nullptr);

struct UnitActivity {
  std::string unit;
  uint64_t bits = 0;      ///< traced signal bits (aliases counted once)
  uint64_t toggles = 0;   ///< bit changes over the window
  double activity = 0;    ///< toggles / (bits * cycles): average toggles per bit per cycle
  double energy_pj = 0;   ///< toggles * energy per toggle
};

struct ActivityReport {
  uint64_t cycles = 0;     ///< clock cycles covered by the trace
  uint64_t toggles = 0;
  uint64_t bits = 0;
  double energy_per_toggle_fj = 0;
  double energy_pj = 0;
  double seconds = 0;      ///< wall time of the counting
  std::vector<UnitActivity> units;
};

/// Count bit toggles of every traced signal in the FST (two dumps per cycle),
/// per unit.  X/Z changes count as toggles of the bits that differ.
ActivityReport count_toggles(const std::string& fst_path, double energy_per_toggle_fj);

/// OpenSTA commands: set_power_activity per unit (hierarchical pins of the
/// instance) and a -global default from the overall activity.
void write_activity_tcl(const ActivityReport& rep, const std::string& path, const std::string& clock_name = "clk_i");
/// The same commands as text.
std::string activity_tcl(const ActivityReport& rep, const std::string& clock_name = "clk_i");

}  // namespace esact::sim
