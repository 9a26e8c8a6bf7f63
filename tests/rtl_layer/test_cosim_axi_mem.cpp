// The harness's AXI memory model driven by a test-only AXI4 master
// (sim/tb/esact_tb_dma.sv, a DMA copier): data integrity under latency,
// bandwidth limits and random back-pressure on every channel, each protocol
// check, SLVERR injection and the per-byte write-cycle record.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <vector>

#include "Vtb_dma.h"
#include "esact/sim/axi_mem.hpp"

using esact::sim::AxiMasterPorts;
using esact::sim::AxiMem;
using esact::sim::AxiMemConfig;

namespace {

struct Bench {
  Vtb_dma m;
  AxiMem mem;
  uint64_t cycle = 0;
  explicit Bench(const AxiMemConfig& cfg) : mem(cfg) {
    m.rst_ni = 0;
    m.clk_i = 0;
    m.start_i = 0;
    m.eval();
    m.rst_ni = 1;
    m.eval();
  }
  void step() {
    m.clk_i = 0;
    esact::sim::drive_axi_slave(m, mem.outputs());
    m.eval();
    AxiMasterPorts p;
    esact::sim::sample_axi_master(m, p);
    mem.clock(p, cycle);
    m.clk_i = 1;
    m.eval();
    ++cycle;
  }
  // Copy n beats; returns false on timeout.
  bool copy(uint32_t src, uint32_t dst, unsigned n, unsigned burst, unsigned fault = 0, uint64_t timeout = 200000) {
    m.src_i = src;
    m.dst_i = dst;
    m.n_beats_i = n;
    m.burst_i = burst;
    m.fault_i = fault;
    m.start_i = 1;
    step();
    m.start_i = 0;
    for (uint64_t t = 0; t < timeout; ++t) {
      if (!m.busy_o && mem.idle()) return true;
      step();
    }
    return false;
  }
};

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace

TEST_CASE("axi mem: copies are exact under latency, bandwidth limits and back-pressure") {
  struct Case {
    unsigned rlat, wlat;
    double bw, bp;
    unsigned burst;
  };
  const Case cases[] = {{1, 1, 1.0, 0.0, 16}, {20, 5, 1.0, 0.0, 16}, {7, 3, 0.25, 0.0, 8},
                        {12, 9, 1.0, 0.3, 16}, {3, 2, 0.5, 0.7, 5},  {40, 40, 1.0, 0.5, 1}};
  uint64_t seed = 11;
  for (const auto& c : cases) {
    CAPTURE(c.rlat);
    CAPTURE(c.bp);
    CAPTURE(c.bw);
    AxiMemConfig cfg;
    cfg.size = 64 * 1024;
    cfg.read_latency = c.rlat;
    cfg.write_latency = c.wlat;
    cfg.bandwidth = c.bw;
    cfg.backpressure = c.bp;
    cfg.seed = ++seed;
    Bench b(cfg);
    // 300 beats starting 3 beats before a 4 KiB boundary: bursts must split.
    const uint32_t src = 0x1000 - 48, dst = 0x8000 - 16 * 7;
    const auto data = random_bytes(300 * 16, seed);
    b.mem.write(src, data);
    const uint64_t t0 = b.cycle;
    REQUIRE(b.copy(src, dst, 300, c.burst));
    CHECK(b.m.done_o);
    CHECK_FALSE(b.m.error_o);
    for (const auto& e : b.mem.errors()) FAIL_CHECK(e.str());
    std::vector<uint8_t> got(data.size());
    b.mem.read(dst, got);
    CHECK(got == data);
    // Every destination byte carries the cycle it was written; nothing else was written.
    CHECK(b.mem.last_write_cycle(dst) >= static_cast<int64_t>(t0));
    CHECK(b.mem.last_write_cycle(dst + 300 * 16 - 1) < static_cast<int64_t>(b.cycle));
    CHECK(b.mem.last_write_cycle(dst + 300 * 16 - 1) >= b.mem.last_write_cycle(dst));
    CHECK(b.mem.last_write_cycle(dst + 300 * 16) == -1);
    CHECK(b.mem.last_write_cycle(src) == -1);
    CHECK(b.mem.stats().read_beats == 300);
    CHECK(b.mem.stats().write_beats == 300);
    if (c.bp > 0) CHECK(b.mem.stats().ar_stall + b.mem.stats().aw_stall + b.mem.stats().w_stall > 0);
    // Bandwidth: 300 beats at bw beats/cycle need at least 300 / bw cycles.
    CHECK(static_cast<double>(b.cycle - t0) >= 300.0 / c.bw);
  }
}

TEST_CASE("axi mem: the same seed gives the same cycle count, another seed a different one") {
  auto run = [](uint64_t seed) {
    AxiMemConfig cfg;
    cfg.size = 16 * 1024;
    cfg.backpressure = 0.5;
    cfg.seed = seed;
    Bench b(cfg);
    REQUIRE(b.copy(0, 0x2000, 100, 16));
    return b.cycle;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}

TEST_CASE("axi mem: protocol violations are reported with channel and cycle") {
  struct Case {
    unsigned fault;
    const char* channel;
    const char* words;
  };
  const Case cases[] = {{1, "AR", "crosses a 4 KiB boundary"},
                        {2, "AR", "not aligned"},
                        {3, "W", "WLAST=1 on beat 0"},
                        {4, "AR", "payload changed while ARVALID"},
                        {5, "W", "changed while WVALID"}};
  for (const auto& c : cases) {
    CAPTURE(c.fault);
    AxiMemConfig cfg;
    cfg.size = 64 * 1024;
    cfg.backpressure = 0.5;  // needed for the stability faults to show
    cfg.seed = 3;
    Bench b(cfg);
    REQUIRE(b.copy(0x1000 - 32, 0x4000 - 32, 64, 16, c.fault));
    REQUIRE_FALSE(b.mem.errors().empty());
    const auto& e = b.mem.errors().front();
    CHECK(e.channel == c.channel);
    CHECK(e.str().find(c.words) != std::string::npos);
    CHECK(e.str().find(fmt::format("cycle {}", e.cycle)) != std::string::npos);
    CHECK(e.cycle < b.cycle);
    MESSAGE(e.str());
  }
  // A clean copy of the same shape reports nothing (the checks are not trigger-happy).
  AxiMemConfig cfg;
  cfg.size = 64 * 1024;
  cfg.backpressure = 0.5;
  cfg.seed = 3;
  Bench b(cfg);
  REQUIRE(b.copy(0x1000 - 32, 0x4000 - 32, 64, 16, 0));
  CHECK(b.mem.errors().empty());
}

TEST_CASE("axi mem: an access outside the memory is an error and gets DECERR") {
  AxiMemConfig cfg;
  cfg.size = 8 * 1024;
  Bench b(cfg);
  REQUIRE(b.copy(0x1f00, 0x0, 32, 16));  // the second burst starts at 0x2000 = end of memory
  REQUIRE_FALSE(b.mem.errors().empty());
  CHECK(b.mem.errors().front().channel == "AR");
  CHECK(b.mem.errors().front().message.find("outside the memory") != std::string::npos);
  CHECK(b.m.error_o);  // the master saw DECERR
  CHECK(b.mem.stats().decerr_bursts == 1);
}

TEST_CASE("axi mem: SLVERR injection on reads and on writes") {
  {
    AxiMemConfig cfg;
    cfg.size = 64 * 1024;
    Bench b(cfg);
    b.mem.add_error_range(0x2040, 16, true, false);
    REQUIRE(b.copy(0x2000, 0x6000, 64, 16));
    CHECK(b.m.error_o);
    CHECK(b.mem.errors().empty());  // an injected error is not a protocol error
    CHECK(b.mem.stats().slverr_bursts == 1);
    // The faulty burst's data was not written? It was (the DMA writes what it
    // read), but the bytes before the faulty burst are intact.
  }
  {
    AxiMemConfig cfg;
    cfg.size = 64 * 1024;
    Bench b(cfg);
    const auto data = random_bytes(64 * 16, 9);
    b.mem.write(0x2000, data);
    b.mem.add_error_range(0x6000, 0x100, false, true);
    REQUIRE(b.copy(0x2000, 0x6000, 64, 16));
    CHECK(b.m.error_o);
    // The refused write burst left the memory untouched.
    CHECK(b.mem.last_write_cycle(0x6000) == -1);
    std::vector<uint8_t> got(16);
    b.mem.read(0x6000, got);
    CHECK(got == std::vector<uint8_t>(16, 0));
  }
}

TEST_CASE("axi mem: bad configurations and host accesses are refused with a message") {
  AxiMemConfig cfg;
  cfg.bandwidth = 0;
  CHECK_THROWS_WITH_AS(AxiMem{cfg}, doctest::Contains("bandwidth"), std::invalid_argument);
  cfg = {};
  cfg.backpressure = 1.0;
  CHECK_THROWS_WITH_AS(AxiMem{cfg}, doctest::Contains("back-pressure"), std::invalid_argument);
  cfg = {};
  cfg.size = 4096;
  AxiMem mem(cfg);
  std::vector<uint8_t> v(32);
  CHECK_THROWS_WITH_AS(mem.write(4090, v), doctest::Contains("outside the memory"), std::out_of_range);
}
