// esact-sim --compare: dense and SPLS on the same workload and the same build,
// and the fraction of the golden model's MAC saving that the hardware keeps
// in cycles (docs/spls-rtl.md, "Dense vs SPLS on the same run: --compare").
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace esact::sim {

/// The four figures of the kept line: accelerator cycles (CSR_CYCLES) and the
/// golden model's MACs (docs/spec.md 4.1) of the dense and the SPLS run.
struct CompareFigures {
  uint64_t dense_cycles = 0, spls_cycles = 0;
  uint64_t dense_macs = 0, spls_macs = 0;
};

/// K = (1 - Cs/Cd) / (1 - Ms/Md): 1.0 when the cycles shrink by the MACs'
/// saving, 0 when they do not shrink, negative when SPLS takes longer.
/// Undefined (nullopt) when there is no MAC saving (Ms = Md, e.g. k = n and
/// W = 0) or a figure is zero.
std::optional<double> kept_fraction(const CompareFigures& f);

/// Signed relative change from `from` to `to` with one decimal: "-39.0%",
/// "+11.8%", "+0.0%" when equal.
std::string signed_change(uint64_t from, uint64_t to);

/// The last line of `esact-sim --compare`:
///   kept K: cycles dense Cd spls Cs (-X%), MACs dense Md spls Ms (-Y%)
/// K with two decimals ("n/a" when kept_fraction() is undefined); the
/// brackets hold signed_change() (a "+" when SPLS takes more cycles).
std::string kept_line(const CompareFigures& f);

/// The JSON of a comparison from the two runs' esact-sim JSON objects (each
/// with "cycles", "macs_golden", "macs_rtl", "pass", "phases", ...): the
/// figures (dense_cycles, spls_cycles, dense_macs, spls_macs, kept = null when
/// undefined), their changes, the RTL counters, and both runs in "dense" and
/// "spls".
nlohmann::json compare_json(const nlohmann::json& dense, const nlohmann::json& spls);

/// Side-by-side phase table of compare_json()'s two runs (cycles, golden MACs,
/// utilisation, bytes per phase), then the RTL's MAC counters.
void print_compare_table(const nlohmann::json& c);

}  // namespace esact::sim
