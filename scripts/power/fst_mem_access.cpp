// Read/write counts of every 1R1W memory from an FST trace of an esact-sim run
// (docs/power.md, "SRAM energy"): an independent count of what the memories'
// own simulation-only counters count (esact_sram's and esact_spls_mem's, which
// the harness reads: esact-sim --json "srams"); scripts/power/power.py requires
// the two to be equal (CTest power_mem_counts; make power-layer FE_SRAMS=1).
//
// For every scope of the trace with the ports of a 1R1W memory (clk_i, we_i,
// waddr_i, wdata_i, wbe_i, re_i, raddr_i, rdata_o) and the parameters WIDTH
// and DEPTH: the number of clock cycles with re_i = 1 and with we_i = 1.  The
// harness dumps the clock-low state of cycle c at time 2c (the inputs that the
// rising edge samples) and the state after the edge at 2c + 1, so a cycle
// counts when the enable is 1 at its even time, exactly like the counters
// (`if (re_i) sram_reads_q++` at posedge).  Only the traced cycles are counted:
// a trace that misses part of the run gives smaller counts, and the check fails.
//
//   fst_mem_access TRACE.fst [--prefix TOP.esact_top.]  ->  JSON on stdout:
//   {"trace": ..., "first_cycle": c0, "cycles": n, "srams": [{"instance", "width",
//    "depth", "reads", "writes"}, ...]}   ("srams" entries as in esact-sim --json)
//
// Built by scripts/power/fst_tool.sh with Verilator's copy of fstapi.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fst_hier.hpp"  // sim/src
#include "gtkwave/fstapi.h"

namespace {

// One enable (re_i or we_i) of one memory: cycles with it high.
struct Enable {
  bool high = false;
  uint64_t since = 0;   // trace time at which it became high
  uint64_t cycles = 0;  // closed intervals so far
};

// Even trace times in [a, b): clock-low dumps, one per cycle.
uint64_t evens(uint64_t a, uint64_t b) { return b <= a ? 0 : (b + 1) / 2 - (a + 1) / 2; }

struct Mem {
  std::string scope;
  std::map<std::string, fstHandle> vars;
  uint64_t width = 0, depth = 0;
  Enable re, we;
};

const std::vector<std::string> kPorts = {"clk_i", "we_i", "waddr_i", "wdata_i", "wbe_i", "re_i", "raddr_i", "rdata_o"};

struct Counter {
  std::vector<Mem> mems;
  // handle -> (memory, what): what 0 = re_i, 1 = we_i, 2 = WIDTH, 3 = DEPTH
  std::multimap<fstHandle, std::pair<size_t, int>> by_handle;

  void find_memories(void* fst) {
    std::map<std::string, std::map<std::string, fstHandle>> scopes;
    esact::sim::for_each_fst_var(fst, [&](const std::string& scope, const auto& v) {
      const std::string name = v.name;
      scopes[scope][name.substr(0, name.find(' '))] = v.handle;  // "name [hi:lo]" for vectors
    });
    for (auto& [scope, vars] : scopes) {
      const bool all = std::all_of(kPorts.begin(), kPorts.end(), [&](const std::string& p) { return vars.count(p); });
      if (!all || !vars.count("WIDTH") || !vars.count("DEPTH")) continue;
      mems.push_back({scope, vars, 0, 0, {}, {}});
    }
    fstReaderClrFacProcessMaskAll(fst);
    for (size_t i = 0; i < mems.size(); ++i) {
      const auto& v = mems[i].vars;
      const std::pair<const char*, int> what[] = {{"re_i", 0}, {"we_i", 1}, {"WIDTH", 2}, {"DEPTH", 3}};
      for (const auto& [name, k] : what) {
        by_handle.insert({v.at(name), {i, k}});
        fstReaderSetFacProcessMask(fst, v.at(name));
      }
    }
  }

  void change(uint64_t t, fstHandle h, const unsigned char* v) {
    auto range = by_handle.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      Mem& m = mems[it->second.first];
      const int what = it->second.second;
      if (what >= 2) {
        uint64_t x = 0;
        for (const unsigned char* c = v; *c; ++c) x = (x << 1) | (*c == '1');
        (what == 2 ? m.width : m.depth) = x;
        continue;
      }
      Enable& e = what == 0 ? m.re : m.we;
      const bool high = v[0] == '1';
      if (high == e.high) continue;
      if (e.high) e.cycles += evens(e.since, t);
      e.high = high;
      e.since = t;
    }
  }

  void close(uint64_t end) {
    for (auto& m : mems)
      for (Enable* e : {&m.re, &m.we})
        if (e->high) e->cycles += evens(e->since, end), e->since = end;
  }
};

void on_change(void* user, uint64_t t, fstHandle h, const unsigned char* v) {
  static_cast<Counter*>(user)->change(t, h, v);
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) o += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return o + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--prefix")) {
    std::fprintf(stderr, "usage: fst_mem_access TRACE.fst [--prefix TOP.esact_top.]\n");
    return 2;
  }
  const std::string path = argv[1], prefix = argc == 4 ? argv[3] : "TOP.esact_top.";
  void* fst = fstReaderOpen(path.c_str());
  if (!fst) {
    std::fprintf(stderr, "fst_mem_access: cannot read the FST trace %s\n", path.c_str());
    return 1;
  }
  Counter c;
  c.find_memories(fst);
  if (c.mems.empty()) {
    std::fprintf(stderr, "fst_mem_access: no memory instance (1R1W ports and WIDTH/DEPTH) in %s\n", path.c_str());
    return 1;
  }
  const uint64_t t0 = fstReaderGetStartTime(fst), t1 = fstReaderGetEndTime(fst);
  for (auto& m : c.mems) m.re.since = m.we.since = t0;
  fstReaderIterBlocks(fst, on_change, &c, nullptr);
  // The last dump is the state after the last traced edge (odd time): every
  // even time up to it is a traced cycle.
  c.close(t1 + 1);
  fstReaderClose(fst);
  std::printf("{\"trace\": %s, \"first_cycle\": %llu, \"cycles\": %llu, \"srams\": [", json_string(path).c_str(),
              static_cast<unsigned long long>(t0 / 2), static_cast<unsigned long long>(evens(t0, t1 + 1)));
  for (size_t i = 0; i < c.mems.size(); ++i) {
    const Mem& m = c.mems[i];
    if (!m.width || !m.depth) {
      std::fprintf(stderr, "fst_mem_access: %s: WIDTH or DEPTH has no value in the trace\n", m.scope.c_str());
      return 1;
    }
    std::string inst = m.scope;
    if (inst.rfind(prefix, 0) == 0) inst = inst.substr(prefix.size());
    std::printf("%s\n {\"instance\": %s, \"width\": %llu, \"depth\": %llu, \"reads\": %llu, \"writes\": %llu}",
                i ? "," : "", json_string(inst).c_str(), static_cast<unsigned long long>(m.width),
                static_cast<unsigned long long>(m.depth), static_cast<unsigned long long>(m.re.cycles),
                static_cast<unsigned long long>(m.we.cycles));
  }
  std::printf("]}\n");
  return 0;
}
