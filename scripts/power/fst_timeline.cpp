// The timeline of a few signals of an FST trace of an esact-sim run, per clock
// cycle: the runs of cycles in which their values stay the same (docs/power.md,
// "Energy per layer": make power-layer places its trace windows by the phase
// timeline of the run, TOP.esact_top.phase with busy and start, from a run
// traced with --trace-only those signals).
//
// The harness dumps the clock-low state of cycle c at time 2c (what the rising
// edge of cycle c samples: the CSR's phase counters count phase_i there) and
// the state after that edge at 2c + 1, so the value of cycle c is the last
// value at a time <= 2c, as the RTL's own counters see it.
//
//   fst_timeline TRACE.fst SIGNAL [SIGNAL ...]   ->  on stdout, after a "#" header line:
//   "first_cycle cycles v1 v2 ..." per run of equal values (unsigned decimal;
//   x/z bits read as 0), from the first traced cycle to the last.
//
// Built by scripts/power/fst_tool.sh with Verilator's copy of fstapi.
#include <cinttypes>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "fst_hier.hpp"  // sim/src
#include "gtkwave/fstapi.h"

namespace {

struct Timeline {
  std::vector<std::string> names;
  std::vector<fstHandle> handles;
  std::vector<uint64_t> value;  // current value of each signal
  uint64_t t_last = 0;          // time of the changes in `value`
  bool any = false;
  // the open run of equal values
  uint64_t run_first = 0, run_cycles = 0;
  std::vector<uint64_t> run_value;

  // `value` holds from time t_last up to (not including) time t: the cycles c
  // with t_last <= 2c < t.
  void hold_until(uint64_t t) {
    const uint64_t c0 = (t_last + 1) / 2, c1 = (t + 1) / 2;
    if (c1 <= c0) return;
    if (run_cycles && value == run_value && run_first + run_cycles == c0) {
      run_cycles += c1 - c0;
      return;
    }
    flush();
    run_first = c0;
    run_cycles = c1 - c0;
    run_value = value;
  }
  void flush() {
    if (!run_cycles) return;
    std::printf("%" PRIu64 " %" PRIu64, run_first, run_cycles);
    for (uint64_t v : run_value) std::printf(" %" PRIu64, v);
    std::printf("\n");
    run_cycles = 0;
  }
  void change(uint64_t t, fstHandle h, const unsigned char* v) {
    if (any && t != t_last) hold_until(t);
    if (!any || t != t_last) t_last = t;
    any = true;
    for (size_t i = 0; i < handles.size(); ++i) {
      if (handles[i] != h) continue;
      uint64_t x = 0;
      for (const unsigned char* c = v; *c; ++c) x = (x << 1) | (*c == '1');
      value[i] = x;
    }
  }
};

void on_change(void* user, uint64_t t, fstHandle h, const unsigned char* v) {
  static_cast<Timeline*>(user)->change(t, h, v);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fst_timeline TRACE.fst SIGNAL [SIGNAL ...]   (SIGNAL: TOP.esact_top.phase)\n");
    return 2;
  }
  const std::string path = argv[1];
  void* fst = fstReaderOpen(path.c_str());
  if (!fst) {
    std::fprintf(stderr, "fst_timeline: cannot read the FST trace %s\n", path.c_str());
    return 1;
  }
  Timeline tl;
  for (int i = 2; i < argc; ++i) tl.names.emplace_back(argv[i]);
  tl.handles.assign(tl.names.size(), 0);
  tl.value.assign(tl.names.size(), 0);
  esact::sim::for_each_fst_var(fst, [&](const std::string& scope, const auto& v) {
    const std::string name = v.name;
    const std::string full = scope + "." + name.substr(0, name.find(' '));  // "name [hi:lo]" for vectors
    for (size_t i = 0; i < tl.names.size(); ++i)
      if (full == tl.names[i] && !tl.handles[i]) tl.handles[i] = v.handle;
  });
  fstReaderClrFacProcessMaskAll(fst);
  for (size_t i = 0; i < tl.names.size(); ++i) {
    if (!tl.handles[i]) {
      std::fprintf(stderr, "fst_timeline: %s is not in the trace %s\n", tl.names[i].c_str(), path.c_str());
      return 1;
    }
    fstReaderSetFacProcessMask(fst, tl.handles[i]);
  }
  const uint64_t t1 = fstReaderGetEndTime(fst);
  std::printf("# first_cycle cycles");
  for (const auto& n : tl.names) std::printf(" %s", n.c_str());
  std::printf("   (%s)\n", path.c_str());
  fstReaderIterBlocks(fst, on_change, &tl, nullptr);
  fstReaderClose(fst);
  if (!tl.any) {
    std::fprintf(stderr, "fst_timeline: no value of the signals in %s\n", path.c_str());
    return 1;
  }
  // The last dump is the state after the last traced edge (odd time): every
  // even time up to it is a traced cycle.
  tl.hold_until(t1 + 1);
  tl.flush();
  return 0;
}
