// A small AXI4 slave memory for the layer-RTL unit tests (test_unit_*.cpp).
//
// Drives the m_axi_* ports of a verilated model that has the esact_top master
// port names.  Random ready/valid gaps on every channel (back-pressure), read
// latency, SLVERR on a configurable address window, and protocol checks: INCR
// only, full-width beats, no burst crossing 4 KiB, wlast on the last beat,
// reads/writes inside the memory.  Errors are collected as strings.
#pragma once
#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace esact_test {

struct AxiSlave {
  static constexpr int kBytes = 16;  // AXI_DW / 8
  std::vector<uint8_t> mem;
  std::mt19937_64 rng;
  int stall_pct = 30;               // probability (%) that a ready/valid is withheld
  uint64_t err_lo = 1, err_hi = 0;  // SLVERR for bursts touching [err_lo, err_hi)
  std::vector<std::string> errors;
  uint64_t reads = 0, writes = 0, ar_bursts = 0, aw_bursts = 0;

  struct Burst { uint64_t addr; int len; int beat = 0; bool err = false; int delay = 0; };
  std::deque<Burst> rq, wq;
  std::deque<bool> bq;              // pending B responses (error flag)
  // Registered outputs of this cycle.
  bool arready = false, rvalid = false, awready = false, wready = false, bvalid = false;

  explicit AxiSlave(size_t bytes, uint64_t seed = 1) : mem(bytes, 0), rng(seed) {}

  bool coin() { return static_cast<int>(rng() % 100) >= stall_pct; }
  void fail(const std::string& s) { if (errors.size() < 20) errors.push_back(s); }

  bool check_burst(const char* ch, uint64_t addr, int len, int size, int burst) {
    bool bad = false;
    if (burst != 1) { fail(fmt::format("{}: burst type {} (INCR only)", ch, burst)); bad = true; }
    if (size != 4) { fail(fmt::format("{}: size {} (16-byte beats expected)", ch, size)); bad = true; }
    if (addr % kBytes) { fail(fmt::format("{}: unaligned burst address {:#x}", ch, addr)); bad = true; }
    if ((addr >> 12) != ((addr + uint64_t(len) * kBytes - 1) >> 12))
      { fail(fmt::format("{}: burst {:#x}+{} beats crosses 4 KiB", ch, addr, len)); bad = true; }
    if (addr + uint64_t(len) * kBytes > mem.size())
      { fail(fmt::format("{}: burst {:#x}+{} beats outside memory", ch, addr, len)); bad = true; }
    return !bad;
  }
  bool in_err(uint64_t addr, int len) const { return addr < err_hi && addr + uint64_t(len) * kBytes > err_lo; }

  // Before the falling-edge eval: drive the slave outputs.
  template <typename M> void drive(M& m) {
    arready = coin();
    awready = coin() && wq.size() < 4;
    m.m_axi_arready = arready;
    m.m_axi_awready = awready;
    rvalid = false;
    if (!rq.empty()) {
      Burst& b = rq.front();
      if (b.delay > 0) --b.delay;
      else rvalid = coin();
    }
    m.m_axi_rvalid = rvalid;
    if (rvalid) {
      const Burst& b = rq.front();
      const uint64_t a = b.addr + uint64_t(b.beat) * kBytes;
      for (int w = 0; w < kBytes / 4; ++w) {
        uint32_t v = 0;
        for (int k = 0; k < 4; ++k) v |= uint32_t(a + w * 4 + k < mem.size() ? mem[a + w * 4 + k] : 0) << (8 * k);
        m.m_axi_rdata[w] = v;
      }
      m.m_axi_rresp = b.err ? 2 : 0;
      m.m_axi_rlast = (b.beat == b.len - 1);
      m.m_axi_rid = 0;
    }
    wready = !wq.empty() && coin();
    m.m_axi_wready = wready;
    bvalid = !bq.empty() && coin();
    m.m_axi_bvalid = bvalid;
    m.m_axi_bresp = (bvalid && bq.front()) ? 2 : 0;
    m.m_axi_bid = 0;
  }

  // After the falling-edge eval (inputs settled), before the rising edge: handshakes.
  template <typename M> void sample(M& m) {
    if (m.m_axi_arvalid && arready) {
      const int len = m.m_axi_arlen + 1;
      Burst b{m.m_axi_araddr, len};
      b.delay = static_cast<int>(rng() % 4);
      if (!check_burst("AR", b.addr, len, m.m_axi_arsize, m.m_axi_arburst)) b.err = true;
      if (in_err(b.addr, len)) b.err = true;
      rq.push_back(b);
      ++ar_bursts;
    }
    if (rvalid && m.m_axi_rready) {
      Burst& b = rq.front();
      ++reads;
      if (++b.beat == b.len) rq.pop_front();
    }
    if (m.m_axi_awvalid && awready) {
      const int len = m.m_axi_awlen + 1;
      Burst b{m.m_axi_awaddr, len};
      if (!check_burst("AW", b.addr, len, m.m_axi_awsize, m.m_axi_awburst)) b.err = true;
      if (in_err(b.addr, len)) b.err = true;
      wq.push_back(b);
      ++aw_bursts;
    }
    if (m.m_axi_wvalid && wready) {
      Burst& b = wq.front();
      const uint64_t a = b.addr + uint64_t(b.beat) * kBytes;
      const uint32_t strb = m.m_axi_wstrb;
      if (!b.err)
        for (int k = 0; k < kBytes; ++k)
          if ((strb >> k) & 1) mem[a + k] = static_cast<uint8_t>(m.m_axi_wdata[k / 4] >> (8 * (k % 4)));
      const bool last = (b.beat == b.len - 1);
      if (bool(m.m_axi_wlast) != last) fail(fmt::format("W: wlast={} on beat {} of {}", int(m.m_axi_wlast), b.beat, b.len));
      ++writes;
      if (++b.beat == b.len) {
        bq.push_back(b.err);
        wq.pop_front();
      }
    }
    if (bvalid && m.m_axi_bready) bq.pop_front();
  }

  bool quiet() const { return rq.empty() && wq.empty() && bq.empty(); }
};

/// One clock cycle of a model with clk_i and an AxiSlave on its m_axi port.
template <typename M> void tick(M& m, AxiSlave& s) {
  m.clk_i = 0;
  s.drive(m);
  m.eval();
  s.sample(m);
  m.clk_i = 1;
  m.eval();
}

}  // namespace esact_test
