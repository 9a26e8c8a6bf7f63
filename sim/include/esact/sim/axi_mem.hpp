// A cycle-based AXI4 slave memory that drives a verilated model's m_axi_* ports.
//
// Timing model (per clock cycle, see AxiMem::clock):
//   1. the harness copies outputs() onto the model's slave-driven inputs,
//   2. evaluates the model with the clock low and copies the master-driven
//      outputs into an AxiMasterPorts,
//   3. calls clock(master, cycle): every channel whose valid and ready are both
//      high in this cycle completes a transfer (the model sees the same at the
//      rising edge), protocol checks run, and the next cycle's outputs are made,
//   4. raises the clock.
// The memory's outputs are registered (they depend only on its state), which
// AXI allows: READY may be given before VALID.
//
// Configurable: read latency (AR accepted -> first R beat), write latency (last
// W beat -> B), bandwidth (beats per cycle of R and of W, token buckets),
// outstanding bursts, and seeded random back-pressure: with probability
// `backpressure` each cycle, each of AR/AW/W READY is withheld and R/B VALID
// is not raised (a gap), independently per channel.
//
// Protocol checks on what the master drives (each an AxiError naming the
// channel, the cycle and the values): burst type not INCR, size not the bus
// width, address not aligned to the bus width, a burst crossing 4 KiB, an
// access outside the memory, a payload changing or VALID dropping while VALID
// is high and READY low (AR, AW, W), WLAST on the wrong beat.  An access outside
// the memory is answered DECERR so that the master can finish.
//
// Error injection: add_error_range() answers SLVERR to every burst that touches
// a range (reads return zero data, writes are dropped).
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "esact/params.hpp"

namespace esact::sim {

inline constexpr unsigned kAxiBytes = params::AXI_DW / 8;   ///< bytes per beat
inline constexpr unsigned kAxiWords = params::AXI_DW / 32;  ///< 32-bit words per beat
inline constexpr uint32_t kRespOkay = 0, kRespSlvErr = 2, kRespDecErr = 3;

/// What the master (the verilated model) drives.
struct AxiMasterPorts {
  bool arvalid = false;
  uint32_t arid = 0, araddr = 0, arlen = 0, arsize = 0, arburst = 0;
  bool rready = false;
  bool awvalid = false;
  uint32_t awid = 0, awaddr = 0, awlen = 0, awsize = 0, awburst = 0;
  bool wvalid = false;
  std::array<uint32_t, kAxiWords> wdata{};
  uint32_t wstrb = 0;
  bool wlast = false;
  bool bready = false;
};

/// What the memory drives.
struct AxiSlavePorts {
  bool arready = false;
  bool rvalid = false;
  uint32_t rid = 0, rresp = 0;
  std::array<uint32_t, kAxiWords> rdata{};
  bool rlast = false;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  uint32_t bid = 0, bresp = 0;
};

struct AxiMemConfig {
  uint64_t size = 1u << 20;          ///< bytes, at address base
  uint64_t base = 0;
  unsigned read_latency = 16;        ///< cycles from AR handshake to the first R beat (>= 1)
  unsigned write_latency = 4;        ///< cycles from the last W beat to B (>= 1)
  double bandwidth = 1.0;            ///< beats per cycle on R and (separately) on W, in (0, 1]
  double backpressure = 0.0;         ///< probability of a gap per channel per cycle, [0, 1)
  uint64_t seed = 1;
  unsigned max_reads = 8;            ///< outstanding read bursts accepted
  unsigned max_writes = 8;           ///< outstanding write bursts accepted
};

struct AxiError {
  uint64_t cycle = 0;
  std::string channel;  ///< "AR", "R", "AW", "W", "B"
  std::string message;
  std::string str() const;
};

struct AxiStats {
  uint64_t read_bursts = 0, read_beats = 0, write_bursts = 0, write_beats = 0;
  uint64_t ar_stall = 0, aw_stall = 0, w_stall = 0;  ///< cycles VALID high and READY low
  uint64_t r_wait = 0;   ///< cycles with a read outstanding and no R beat transferred
  uint64_t slverr_bursts = 0, decerr_bursts = 0;
};

class AxiMem {
 public:
  explicit AxiMem(const AxiMemConfig& cfg);

  const AxiMemConfig& config() const { return cfg_; }

  // ---- host access (no cycles) ----
  bool contains(uint64_t addr, uint64_t len) const;
  void write(uint64_t addr, std::span<const uint8_t> bytes);  ///< throws std::out_of_range
  void read(uint64_t addr, std::span<uint8_t> bytes) const;   ///< throws std::out_of_range
  void fill(uint64_t addr, uint64_t len, uint8_t value);
  uint8_t* ptr(uint64_t addr, uint64_t len);                  ///< throws std::out_of_range
  /// Cycle at which the master last wrote this byte, or -1 if it never did.
  int64_t last_write_cycle(uint64_t addr) const;
  void clear_write_cycles();

  /// Answer SLVERR to any burst touching [lo, lo + len).
  void add_error_range(uint64_t lo, uint64_t len, bool reads, bool writes);
  void clear_error_ranges() { err_ranges_.clear(); }

  // ---- cycle interface ----
  const AxiSlavePorts& outputs() const { return out_; }
  void clock(const AxiMasterPorts& in, uint64_t cycle);
  /// Drop every transfer in flight (the master was reset).
  void reset();
  bool idle() const { return rq_.empty() && wq_.empty() && bq_.empty(); }

  const std::vector<AxiError>& errors() const { return errors_; }
  const AxiStats& stats() const { return stats_; }
  void clear_stats() { stats_ = {}; }

 private:
  struct ReadBurst {
    uint32_t id, addr, len, beat;
    uint64_t ready_cycle;
    uint32_t resp;
  };
  struct WriteBurst {
    uint32_t id, addr, len, beat;
    uint32_t resp;
  };
  struct WriteResp {
    uint32_t id, resp;
    uint64_t ready_cycle;
  };

  void error(uint64_t cycle, const char* ch, std::string msg);
  uint32_t check_burst(const char* ch, uint32_t addr, uint32_t len, uint32_t size, uint32_t burst, bool is_read,
                       uint64_t cycle);
  bool gap() { return cfg_.backpressure > 0 && uni_(rng_) < cfg_.backpressure; }
  void make_outputs(uint64_t cycle);

  AxiMemConfig cfg_;
  std::vector<uint8_t> mem_;
  std::vector<uint32_t> wcycle_;  ///< last write cycle + 1 per byte (0 = never)
  struct Range {
    uint64_t lo, hi;
    bool reads, writes;
  };
  std::vector<Range> err_ranges_;
  std::deque<ReadBurst> rq_;
  std::deque<WriteBurst> wq_;   ///< AW accepted, W beats pending
  std::deque<WriteResp> bq_;
  AxiSlavePorts out_;
  AxiMasterPorts prev_in_;
  AxiSlavePorts prev_out_;
  bool have_prev_ = false;
  double tokens_r_ = 1.0, tokens_w_ = 1.0;  ///< bandwidth token buckets of R and W
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  std::vector<AxiError> errors_;
  AxiStats stats_;
};

/// Copy the memory's outputs onto a verilated model's m_axi_* inputs.
template <class V>
void drive_axi_slave(V& m, const AxiSlavePorts& s) {
  m.m_axi_arready = s.arready;
  m.m_axi_rvalid = s.rvalid;
  m.m_axi_rid = s.rid;
  m.m_axi_rresp = s.rresp;
  m.m_axi_rlast = s.rlast;
  for (unsigned i = 0; i < kAxiWords; ++i) m.m_axi_rdata[i] = s.rdata[i];
  m.m_axi_awready = s.awready;
  m.m_axi_wready = s.wready;
  m.m_axi_bvalid = s.bvalid;
  m.m_axi_bid = s.bid;
  m.m_axi_bresp = s.bresp;
}

/// Copy a verilated model's m_axi_* outputs into an AxiMasterPorts.
template <class V>
void sample_axi_master(const V& m, AxiMasterPorts& p) {
  p.arvalid = m.m_axi_arvalid;
  p.arid = m.m_axi_arid;
  p.araddr = m.m_axi_araddr;
  p.arlen = m.m_axi_arlen;
  p.arsize = m.m_axi_arsize;
  p.arburst = m.m_axi_arburst;
  p.rready = m.m_axi_rready;
  p.awvalid = m.m_axi_awvalid;
  p.awid = m.m_axi_awid;
  p.awaddr = m.m_axi_awaddr;
  p.awlen = m.m_axi_awlen;
  p.awsize = m.m_axi_awsize;
  p.awburst = m.m_axi_awburst;
  p.wvalid = m.m_axi_wvalid;
  for (unsigned i = 0; i < kAxiWords; ++i) p.wdata[i] = m.m_axi_wdata[i];
  p.wstrb = m.m_axi_wstrb;
  p.wlast = m.m_axi_wlast;
  p.bready = m.m_axi_bready;
}

/// One clock cycle of a verilated model whose m_axi_* port is served by `mem`:
/// memory outputs onto the model, evaluate with the clock low, the memory
/// takes this cycle's transfers (only out of reset: under reset the master's
/// registers may hold their random initial values), rising edge.
template <class V>
void clock_with_axi_mem(V& m, AxiMem& mem, uint64_t cycle) {
  m.clk_i = 0;
  drive_axi_slave(m, mem.outputs());
  m.eval();
  if (m.rst_ni) {
    AxiMasterPorts mp;
    sample_axi_master(m, mp);
    mem.clock(mp, cycle);
  }
  m.clk_i = 1;
  m.eval();
}

}  // namespace esact::sim
