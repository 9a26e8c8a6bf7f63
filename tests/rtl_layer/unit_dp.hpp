// Driver for tb_unit_dp (the datapath units on the AXI engines) in the
// layer-RTL unit tests: reset, one command on one unit, run to done.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "Vtb_unit_dp.h"
#include "unit_axi_slave.hpp"

namespace esact_test {

struct Dp {
  Vtb_unit_dp m;
  AxiSlave s;
  uint64_t macs = 0;

  explicit Dp(size_t mem_bytes = 1 << 20, uint64_t seed = 1) : s(mem_bytes, seed) {
    m.clk_i = 0;
    m.rst_ni = 0;
    m.eval();
    for (int i = 0; i < 3; ++i) tick(s_dummy());
    m.rst_ni = 1;
    m.eval();
  }
  AxiSlave& s_dummy() { return s; }
  void tick(AxiSlave& sl) {
    esact_test::tick(m, sl);
    macs += m.g_mac_inc_o;
  }
  void tick() { tick(s); }

  void put(uint64_t addr, const void* src, size_t n) { std::memcpy(s.mem.data() + addr, src, n); }
  void get(uint64_t addr, void* dst, size_t n) const { std::memcpy(dst, s.mem.data() + addr, n); }

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
      if (seen && m.rd_idle_o && m.wr_idle_o && s.quiet()) return static_cast<int64_t>(c);
    }
    return -1;
  }
};

}  // namespace esact_test
