// Driver for tb_unit_dp (the datapath units on the AXI engines) in the
// layer-RTL unit tests: reset, one command on one unit, run to done.  The
// memory is the harness's AXI4 slave model (esact::sim::AxiMem): random
// back-pressure on every channel, read latency, SLVERR windows and its
// protocol checks (a VALID dropped or a payload changed before READY, WLAST,
// bursts crossing 4 KiB, ...), so the units are tested against the same AXI
// rules as the whole accelerator.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "Vtb_unit_dp.h"
#include "esact/sim/axi_mem.hpp"

namespace esact_test {

inline esact::sim::AxiMemConfig unit_mem_config(size_t bytes, uint64_t seed) {
  esact::sim::AxiMemConfig c;
  c.size = bytes;
  c.read_latency = 3;
  c.write_latency = 2;
  c.backpressure = 0.3;  // a gap on each channel in 30% of the cycles
  c.seed = seed;
  return c;
}

struct Dp {
  Vtb_unit_dp m;
  esact::sim::AxiMem mem;
  uint64_t cycle = 0;
  uint64_t macs = 0;
  uint64_t xmacs = 0;  // GEMM: cells of the issued tiles (esact_gemm xmac_inc_o)

  explicit Dp(size_t mem_bytes = 1 << 20, uint64_t seed = 1) : mem(unit_mem_config(mem_bytes, seed)) {
    m.clk_i = 0;
    m.rst_ni = 0;
    m.eval();
    for (int i = 0; i < 3; ++i) tick();
    m.rst_ni = 1;
    m.eval();
  }

  /// One clock cycle; while the model is in reset the memory drops what is in flight.
  void tick() {
    if (!m.rst_ni) mem.reset();
    esact::sim::clock_with_axi_mem(m, mem, cycle++);
    macs += m.g_mac_inc_o;
    xmacs += m.g_xmac_inc_o;
  }

  void put(uint64_t addr, const void* src, size_t n) {
    mem.write(addr, std::span<const uint8_t>(static_cast<const uint8_t*>(src), n));
  }
  void get(uint64_t addr, void* dst, size_t n) const {
    mem.read(addr, std::span<uint8_t>(static_cast<uint8_t*>(dst), n));
  }
  /// The memory's protocol errors, as text.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& e : mem.errors()) out.push_back(e.str());
    return out;
  }
  bool quiet() const { return mem.idle(); }

  /// Pulse the start input (set by `arm`, cleared after one cycle), clock until
  /// `done` and the engines are idle.  Returns the cycles taken, -1 on timeout.
  int64_t run(int unit, const std::function<void()>& arm, const std::function<void(bool)>& start,
              const std::function<bool()>& done, uint64_t timeout = 5'000'000) {
    m.unit_i = static_cast<uint8_t>(unit);
    arm();
    start(true);
    tick();
    start(false);
    bool seen = false;
    for (uint64_t c = 1; c < timeout; ++c) {
      if (done()) seen = true;
      tick();
      if (seen && m.rd_idle_o && m.wr_idle_o && quiet()) return static_cast<int64_t>(c);
    }
    return -1;
  }
};

}  // namespace esact_test
