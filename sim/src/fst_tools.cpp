// GTKWave savefile generation and toggle counting from an FST trace.
#include "esact/sim/fst_tools.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "esact/outputs.hpp"
#include "fst_hier.hpp"
#include "gtkwave/fstapi.h"

namespace esact::sim {
namespace {

struct Var {
  std::string scope;  ///< dotted scope path
  std::string name;
  uint32_t length = 1;
  fstHandle handle = 0;
  bool alias = false;
  bool param = false;  ///< a parameter (constant)
};

std::vector<Var> read_hier(void* ctx) {
  std::vector<Var> vars;
  for_each_fst_var(ctx, [&](const std::string& scope, const auto& v) {
    vars.push_back({scope, v.name, v.length, v.handle, v.is_alias != 0, v.typ == FST_VT_VCD_PARAMETER});
  });
  return vars;
}

void* open_fst(const std::string& path) {
  void* ctx = fstReaderOpen(path.c_str());
  if (!ctx) throw std::runtime_error(fmt::format("{}: cannot read the FST trace", path));
  return ctx;
}

// A readable group name for an instance path ("u_gemm" or "u_gemm.u_mac").
std::string pretty(const std::string& unit) {
  const auto dot = unit.rfind('.');
  const std::string leaf = dot == std::string::npos ? unit : unit.substr(dot + 1);
  std::vector<std::string> tok;
  for (size_t a = 0; a <= leaf.size();) {
    const size_t b = std::min(leaf.find('_', a), leaf.size());
    tok.push_back(leaf.substr(a, b - a));
    a = b + 1;
  }
  auto has = [&](const char* s) {
    for (const auto& t : tok)
      if (t == s) return true;
    return false;
  };
  if (unit == "top ports:misc") return "Top: clock, reset, interrupt";
  if (unit == "top ports:csr") return "Top: CSR bus (AXI4-Lite slave)";
  if (unit == "top ports:rd") return "Top: AXI read (AR, R)";
  if (unit == "top ports:wr") return "Top: AXI write (AW, W, B)";
  if (unit == "top") return "esact_top (glue)";
  std::string what;
  if (has("csr")) what = "CSR";
  else if (has("rd")) what = "AXI read";
  else if (has("wr")) what = "AXI write";
  else if (has("mac")) what = "MAC array";
  else if (has("gemm")) what = "GEMM engine";
  else if (has("softmax") || has("sm")) what = "Softmax";
  else if (has("layernorm") || has("ln") || has("norm")) what = "LayerNorm";
  else if (has("seq") || has("ctrl") || has("fsm")) what = "Sequencer";
  else if (has("spls") || has("pred")) what = "SPLS prediction";
  else if (has("topk")) what = "Top-k";
  else if (has("simil")) what = "Similarity";
  else if (has("rq") || has("requant")) what = "Requantizer";
  else if (has("div")) what = "Divider";
  else if (has("isqrt")) what = "Square root";
  else if (has("rom")) what = "ROM";
  return what.empty() ? unit : fmt::format("{} ({})", what, unit);
}

int priority(const Var& v) {
  const std::string& n = v.name;
  auto ends = [&](const char* s) {
    const size_t l = std::strlen(s);
    return n.size() >= l && n.compare(n.size() - l, l, s) == 0;
  };
  if (n == "clk_i" || n == "rst_ni") return 0;
  if (n.find('[') != std::string::npos && n.find(" [") == std::string::npos) return 5;  // array entries last
  if (n.find("valid") != std::string::npos || n.find("ready") != std::string::npos) return 1;
  if (n.find("state") != std::string::npos) return 1;
  if (ends("_i") || ends("_o")) return 2;
  if (ends("_q")) return 3;
  return 4;
}

}  // namespace

std::string unit_of(const std::string& scope, int depth) {
  // Verilator: TOP (the ports) and TOP.esact_top (the module) and below.
  const auto first = scope.find('.');
  if (first == std::string::npos) return "top ports";
  const auto second = scope.find('.', first + 1);
  if (second == std::string::npos) return "top";
  // Instance path below esact_top: the first component always, deeper ones only
  // while they are instances (lowRISC style: u_*); generate blocks (g_*) and
  // unnamed blocks belong to the instance that holds them.
  std::string unit;
  size_t a = second + 1;
  for (int d = 0; d < depth && a <= scope.size(); ++d) {
    const size_t b = std::min(scope.find('.', a), scope.size());
    const std::string comp = scope.substr(a, b - a);
    if (d > 0 && comp.rfind("u_", 0) != 0) break;
    unit += (d ? "." : "") + comp;
    a = b + 1;
  }
  return unit;
}

std::string gtkw_savefile(const std::string& fst_path, const std::string& dumpfile, int max_per_group, int* group_count) {
  if (max_per_group < 1) max_per_group = 1;
  void* ctx = open_fst(fst_path);
  const auto vars = read_hier(ctx);
  const uint64_t t1 = fstReaderGetEndTime(ctx);
  fstReaderClose(ctx);
  // unit -> direct signals of the unit's own scope (ports and registers), in order of first appearance
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Var*>> groups;
  for (const auto& v : vars) {
    // The own signals of TOP, TOP.esact_top, TOP.esact_top.<unit> and
    // TOP.esact_top.<unit>.<sub>; deeper scopes would drown the view.
    const size_t dots = static_cast<size_t>(std::count(v.scope.begin(), v.scope.end(), '.'));
    std::string u = unit_of(v.scope, 2);
    if (dots > 1 + static_cast<size_t>(std::count(u.begin(), u.end(), '.')) + 1) continue;
    if (u == "top ports") {
      // The ports by bus: clock/reset/irq, CSR bus, AXI read, AXI write.
      const std::string& nm = v.name;
      if (nm.rfind("s_axil_", 0) == 0) u = "top ports:csr";
      else if (nm.rfind("m_axi_ar", 0) == 0 || nm.rfind("m_axi_r", 0) == 0) u = "top ports:rd";
      else if (nm.rfind("m_axi_", 0) == 0) u = "top ports:wr";
      else u = "top ports:misc";
    }
    if (!groups.count(u)) order.push_back(u);
    groups[u].push_back(&v);
  }
  // Port groups first, in a fixed order.
  std::stable_sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& u) {
      if (u == "top ports:misc") return 0;
      if (u == "top ports:csr") return 1;
      if (u == "top ports:rd") return 2;
      if (u == "top ports:wr") return 3;
      return 4;
    };
    return rank(a) < rank(b);
  });
  std::ostringstream f;
  f << "[*] GTKWave savefile generated by esact-sim: one group per unit of esact_top\n";
  f << fmt::format("[dumpfile] \"{}\"\n", dumpfile);
  f << fmt::format("[timestart] 0\n[size] 1600 1800\n[pos] -1 -1\n*-6.0 {} -1\n", t1 / 2);
  f << "[sst_width] 260\n[signals_width] 320\n[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  int n = 0;
  std::vector<uint8_t> shown;  // handles already in a group (ports repeat as aliases one level down)
  for (const auto& u : order) {
    std::vector<const Var*> sigs;
    for (const Var* v : groups[u]) {
      if (v->handle >= shown.size()) shown.resize(v->handle + 1, 0);
      if (u == "top" && shown[v->handle]) continue;
      if (v->param) continue;
      if (u != "top ports:misc" && (v->name == "clk_i" || v->name == "rst_ni")) continue;
      shown[v->handle] = 1;
      sigs.push_back(v);
    }
    if (sigs.empty()) continue;
    std::stable_sort(sigs.begin(), sigs.end(), [](const Var* a, const Var* b) { return priority(*a) < priority(*b); });
    const bool ports = u.rfind("top ports", 0) == 0;
    const int cap = ports ? 4 * max_per_group : max_per_group;
    if (static_cast<int>(sigs.size()) > cap) sigs.resize(static_cast<size_t>(cap));
    const std::string g = pretty(u);
    // esact_top's own signals and depth-2 instances start closed, except the MAC array
    const bool closed = u == "top" || u == "top ports:csr" || g.rfind("CSR", 0) == 0 ||
                        (u.find('.') != std::string::npos && g.rfind("MAC array", 0) != 0);
    f << (closed ? "@c00200\n-" : "@800200\n-") << g << "\n";
    for (const Var* v : sigs) {
      if (v->length > 1) {
        // Verilator names vectors "name [msb:lsb]"; GTKWave calls them "name[msb:lsb]".
        std::string nm = v->name;
        const auto sp = nm.find(" [");
        if (sp != std::string::npos) nm.erase(sp, 1);
        else nm += fmt::format("[{}:0]", v->length - 1);
        f << "@22\n" << v->scope << "." << nm << "\n";
      } else {
        f << "@28\n" << v->scope << "." << v->name << "\n";
      }
    }
    f << "@1000200\n-" << g << "\n";
    ++n;
  }
  if (group_count) *group_count = n;
  return f.str();
}

int write_gtkw(const std::string& fst_path, const std::string& gtkw_path, int max_per_group) {
  int n = 0;
  write_text_atomic(gtkw_path, gtkw_savefile(fst_path, fst_path, max_per_group, &n));
  return n;
}

ActivityReport count_toggles(const std::string& fst_path, double energy_per_toggle_fj) {
  const auto t0 = std::chrono::steady_clock::now();
  void* ctx = open_fst(fst_path);
  const auto vars = read_hier(ctx);
  ActivityReport rep;
  rep.energy_per_toggle_fj = energy_per_toggle_fj;
  const fstHandle maxh = fstReaderGetMaxHandle(ctx);
  // handle -> unit index (first, non-alias appearance wins)
  std::vector<int> unit_of_handle(maxh + 1, -1);
  std::vector<uint32_t> len_of_handle(maxh + 1, 0);
  std::map<std::string, int> uidx;
  for (const auto& v : vars) {
    if (v.handle > maxh || unit_of_handle[v.handle] >= 0) continue;
    const std::string u = unit_of(v.scope, 2);
    auto it = uidx.find(u);
    if (it == uidx.end()) {
      it = uidx.emplace(u, static_cast<int>(rep.units.size())).first;
      rep.units.push_back({u});
    }
    unit_of_handle[v.handle] = it->second;
    len_of_handle[v.handle] = v.length;
    rep.units[static_cast<size_t>(it->second)].bits += v.length;
  }
  struct State {
    std::vector<std::string> prev;
    std::vector<uint8_t> seen;
    std::vector<uint64_t> toggles;  // per unit
    const std::vector<int>* unit_of_handle;
    uint64_t tmin = UINT64_MAX, tmax = 0;
  } st;
  st.prev.resize(maxh + 1);
  st.seen.assign(maxh + 1, 0);
  st.toggles.assign(rep.units.size(), 0);
  st.unit_of_handle = &unit_of_handle;
  fstReaderSetFacProcessMaskAll(ctx);
  auto cb = [](void* user, uint64_t time, fstHandle h, const unsigned char* value) {
    auto& s = *static_cast<State*>(user);
    s.tmin = std::min(s.tmin, time);
    s.tmax = std::max(s.tmax, time);
    if (h >= s.prev.size()) return;
    const char* v = reinterpret_cast<const char*>(value);
    std::string& p = s.prev[h];
    if (!s.seen[h]) {
      s.seen[h] = 1;
      p.assign(v);
      return;
    }
    const size_t n = std::min(p.size(), std::strlen(v));
    uint64_t t = 0;
    for (size_t i = 0; i < n; ++i) {
      if (p[i] != v[i]) {
        ++t;
        p[i] = v[i];
      }
    }
    const int u = (*s.unit_of_handle)[h];
    if (u >= 0) s.toggles[static_cast<size_t>(u)] += t;
  };
  fstReaderIterBlocks(ctx, cb, &st, nullptr);
  fstReaderClose(ctx);
  rep.cycles = st.tmax >= st.tmin && st.tmin != UINT64_MAX ? (st.tmax - st.tmin + 1) / 2 : 0;
  for (size_t i = 0; i < rep.units.size(); ++i) {
    auto& u = rep.units[i];
    u.toggles = st.toggles[i];
    u.activity = (u.bits && rep.cycles) ? static_cast<double>(u.toggles) / (static_cast<double>(u.bits) * rep.cycles) : 0;
    u.energy_pj = static_cast<double>(u.toggles) * energy_per_toggle_fj * 1e-3;
    rep.toggles += u.toggles;
    rep.bits += u.bits;
    rep.energy_pj += u.energy_pj;
  }
  std::sort(rep.units.begin(), rep.units.end(), [](const auto& a, const auto& b) { return a.toggles > b.toggles; });
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

std::string activity_tcl(const ActivityReport& rep, const std::string& clock_name) {
  std::ostringstream f;
  const double overall =
      (rep.bits && rep.cycles) ? static_cast<double>(rep.toggles) / (static_cast<double>(rep.bits) * rep.cycles) : 0;
  f << "# Switching activity measured by esact-sim from an RTL trace: bit toggles per bit per\n"
    << "# clock cycle (= transitions per clock period), averaged over the traced signals.\n"
    << "# For OpenSTA: read_liberty ...; read_verilog <netlist>; link_design esact_top;\n"
    << "#   create_clock ...; source <this file>; report_power\n"
    << fmt::format("# cycles {}  bits {}  toggles {}  clock {}\n", rep.cycles, rep.bits, rep.toggles, clock_name);
  f << fmt::format("set_power_activity -global -activity {:.6f} -duty 0.5\n", overall);
  f << fmt::format("set_power_activity -input -activity {:.6f} -duty 0.5\n", overall);
  // Per unit: OpenSTA 2.0.17 (Debian) fails on `set_power_activity -pins`
  // ("invalid command name get_pins_error"), and sta::set_power_pin_activity on
  // the cells' pins did not change report_power in our check (docs/harness.md),
  // so the per-unit figures are written as data for a flow that can use them.
  f << "# Per unit (instance path, traced bits, toggles, activity):\n";
  std::vector<const UnitActivity*> order;
  for (const auto& u : rep.units)
    if (u.unit != "top ports" && u.unit != "top") order.push_back(&u);
  std::stable_sort(order.begin(), order.end(), [](const UnitActivity* a, const UnitActivity* b) {
    return std::count(a->unit.begin(), a->unit.end(), '.') < std::count(b->unit.begin(), b->unit.end(), '.');
  });
  f << "set esact_unit_activity [dict create]\n";
  for (const UnitActivity* u : order) {
    std::string path = u->unit;
    std::replace(path.begin(), path.end(), '.', '/');
    f << fmt::format("dict set esact_unit_activity {} {:.6f} ;# {} bits, {} toggles\n", path, u->activity, u->bits,
                     u->toggles);
  }
  return f.str();
}

void write_activity_tcl(const ActivityReport& rep, const std::string& path, const std::string& clock_name) {
  write_text_atomic(path, activity_tcl(rep, clock_name));
}

}  // namespace esact::sim
