// esact-sim --compare: the kept fraction and its report (see compare.hpp).
#include "esact/sim/compare.hpp"

#include <fmt/format.h>

#include <cmath>

namespace esact::sim {

using json = nlohmann::json;

std::optional<double> kept_fraction(const CompareFigures& f) {
  if (f.dense_cycles == 0 || f.dense_macs == 0 || f.spls_macs == f.dense_macs) return std::nullopt;
  const double cycles = 1.0 - static_cast<double>(f.spls_cycles) / static_cast<double>(f.dense_cycles);
  const double macs = 1.0 - static_cast<double>(f.spls_macs) / static_cast<double>(f.dense_macs);
  return cycles / macs;
}

std::string signed_change(uint64_t from, uint64_t to) {
  if (from == 0) return "n/a";
  const double pct = 100.0 * (static_cast<double>(to) / static_cast<double>(from) - 1.0);
  // One decimal, and never "-0.0%": a change that rounds to zero is "+0.0%".
  const double shown = std::round(pct * 10.0) / 10.0;
  return fmt::format("{:+.1f}%", shown == 0.0 ? 0.0 : shown);
}

std::string kept_line(const CompareFigures& f) {
  const auto k = kept_fraction(f);
  return fmt::format("kept {}: cycles dense {} spls {} ({}), MACs dense {} spls {} ({})",
                     k ? fmt::format("{:.2f}", *k) : std::string("n/a"), f.dense_cycles, f.spls_cycles,
                     signed_change(f.dense_cycles, f.spls_cycles), f.dense_macs, f.spls_macs,
                     signed_change(f.dense_macs, f.spls_macs));
}

namespace {

CompareFigures figures(const json& dense, const json& spls) {
  return {dense.at("cycles").get<uint64_t>(), spls.at("cycles").get<uint64_t>(),
          dense.at("macs_golden").get<uint64_t>(), spls.at("macs_golden").get<uint64_t>()};
}

// The phase entry of `name` in a run's "phases" (an empty object if absent).
const json& phase_of(const json& run, const std::string& name) {
  static const json none = json::object();
  for (const auto& ph : run.at("phases"))
    if (ph.at("phase") == name) return ph;
  return none;
}

uint64_t field(const json& ph, const char* key) { return ph.contains(key) ? ph[key].get<uint64_t>() : 0; }

}  // namespace

json compare_json(const json& dense, const json& spls) {
  const CompareFigures f = figures(dense, spls);
  const auto k = kept_fraction(f);
  json c;
  c["pass"] = dense.at("pass").get<bool>() && spls.at("pass").get<bool>();
  c["dense_cycles"] = f.dense_cycles;
  c["spls_cycles"] = f.spls_cycles;
  c["dense_macs"] = f.dense_macs;
  c["spls_macs"] = f.spls_macs;
  c["kept"] = k ? json(*k) : json(nullptr);
  c["cycles_change"] = signed_change(f.dense_cycles, f.spls_cycles);
  c["macs_change"] = signed_change(f.dense_macs, f.spls_macs);
  // The RTL's counters: MACS the useful cells the array ran, XMACS every cell
  // of every array cycle (tile padding included).
  c["dense_macs_rtl"] = dense.at("macs_rtl");
  c["spls_macs_rtl"] = spls.at("macs_rtl");
  c["dense_xmacs_rtl"] = dense.at("xmacs_rtl");
  c["spls_xmacs_rtl"] = spls.at("xmacs_rtl");
  c["spls_prediction_additions"] = spls.value("prediction_additions", uint64_t{0});
  c["kept_line"] = kept_line(f);
  c["dense"] = dense;
  c["spls"] = spls;
  return c;
}

void print_compare_table(const json& c) {
  const json &d = c.at("dense"), &s = c.at("spls");
  fmt::print("dense vs SPLS on the same build ({}):\n", s.value("model", std::string("?")));
  fmt::print("{:<8} {:>11} {:>11} {:>13} {:>13} {:>6} {:>6} {:>11} {:>11}\n", "phase", "cyc dense", "cyc spls",
             "MACs dense", "MACs spls", "util d", "util s", "bytes dense", "bytes spls");
  for (const auto& pd : d.at("phases")) {
    const std::string name = pd.at("phase");
    const json& ps = phase_of(s, name);
    const auto bytes = [](const json& ph) { return field(ph, "bytes_read") + field(ph, "bytes_written"); };
    fmt::print("{:<8} {:>11} {:>11} {:>13} {:>13} {:>5.1f}% {:>5.1f}% {:>11} {:>11}\n", name, field(pd, "cycles"),
               field(ps, "cycles"), field(pd, "golden_macs"), field(ps, "golden_macs"),
               100 * pd.value("utilisation", 0.0), 100 * ps.value("utilisation", 0.0), bytes(pd), bytes(ps));
  }
  const auto u = [&](const char* key) { return c.at(key).get<uint64_t>(); };
  fmt::print("RTL counters: MACS (useful) dense {} spls {}, XMACS (executed, tile padding included) dense {} "
             "spls {}\n",
             u("dense_macs_rtl"), u("spls_macs_rtl"), u("dense_xmacs_rtl"), u("spls_xmacs_rtl"));
  fmt::print("SPLS prediction additions (golden): {}\n", u("spls_prediction_additions"));
}

}  // namespace esact::sim
