// The AXI4 memory model (see axi_mem.hpp for the timing model and the checks).
#include "esact/sim/axi_mem.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace esact::sim {

std::string AxiError::str() const { return fmt::format("AXI {} cycle {}: {}", channel, cycle, message); }

AxiMem::AxiMem(const AxiMemConfig& cfg) : cfg_(cfg), rng_(cfg.seed) {
  if (cfg_.size == 0 || cfg_.size > (uint64_t{1} << 32)) throw std::invalid_argument("AxiMem: size must be 1..4 GiB");
  if (cfg_.base + cfg_.size > (uint64_t{1} << params::AXI_AW))
    throw std::invalid_argument("AxiMem: memory does not fit the AXI address space");
  if (!(cfg_.bandwidth > 0.0 && cfg_.bandwidth <= 1.0))
    throw std::invalid_argument(fmt::format("AxiMem: bandwidth {} not in (0, 1] beats per cycle", cfg_.bandwidth));
  if (!(cfg_.backpressure >= 0.0 && cfg_.backpressure < 1.0))
    throw std::invalid_argument(fmt::format("AxiMem: back-pressure probability {} not in [0, 1)", cfg_.backpressure));
  if (cfg_.read_latency < 1 || cfg_.write_latency < 1) throw std::invalid_argument("AxiMem: latencies must be >= 1");
  if (cfg_.max_reads < 1 || cfg_.max_writes < 1) throw std::invalid_argument("AxiMem: outstanding limits must be >= 1");
  mem_.assign(cfg_.size, 0);
  wcycle_.assign(cfg_.size, 0);
}

bool AxiMem::contains(uint64_t addr, uint64_t len) const {
  return addr >= cfg_.base && len <= cfg_.size && addr - cfg_.base <= cfg_.size - len;
}

uint8_t* AxiMem::ptr(uint64_t addr, uint64_t len) {
  if (!contains(addr, len))
    throw std::out_of_range(fmt::format("memory access [0x{:x}, 0x{:x}) outside the memory [0x{:x}, 0x{:x})", addr,
                                        addr + len, cfg_.base, cfg_.base + cfg_.size));
  return mem_.data() + (addr - cfg_.base);
}

void AxiMem::write(uint64_t addr, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  std::memcpy(ptr(addr, bytes.size()), bytes.data(), bytes.size());
}

void AxiMem::read(uint64_t addr, std::span<uint8_t> bytes) const {
  if (bytes.empty()) return;
  if (!contains(addr, bytes.size()))
    throw std::out_of_range(fmt::format("memory read [0x{:x}, 0x{:x}) outside the memory", addr, addr + bytes.size()));
  std::memcpy(bytes.data(), mem_.data() + (addr - cfg_.base), bytes.size());
}

void AxiMem::fill(uint64_t addr, uint64_t len, uint8_t value) {
  if (len == 0) return;
  std::memset(ptr(addr, len), value, len);
}

int64_t AxiMem::last_write_cycle(uint64_t addr) const {
  if (!contains(addr, 1)) return -1;
  return static_cast<int64_t>(wcycle_[addr - cfg_.base]) - 1;
}

void AxiMem::clear_write_cycles() { std::fill(wcycle_.begin(), wcycle_.end(), 0u); }

void AxiMem::add_error_range(uint64_t lo, uint64_t len, bool reads, bool writes) {
  err_ranges_.push_back({lo, lo + len, reads, writes});
}

void AxiMem::reset() {
  rq_.clear();
  wq_.clear();
  bq_.clear();
  out_ = {};
  have_prev_ = false;
  tokens_r_ = tokens_w_ = 1.0;
}

void AxiMem::error(uint64_t cycle, const char* ch, std::string msg) {
  if (errors_.size() < 64) errors_.push_back({cycle, ch, std::move(msg)});
}

uint32_t AxiMem::check_burst(const char* ch, uint32_t addr, uint32_t len, uint32_t size, uint32_t burst,
                             bool is_read, uint64_t cycle) {
  const uint64_t bytes = uint64_t{len + 1} * kAxiBytes;
  const unsigned want_size = std::countr_zero(kAxiBytes);
  if (burst != 1) error(cycle, ch, fmt::format("burst type {} at 0x{:08x} is not INCR (1)", burst, addr));
  if (size != want_size)
    error(cycle, ch, fmt::format("size {} at 0x{:08x}: only full-width beats (size {}) are allowed", size, addr,
                                 want_size));
  if (addr % kAxiBytes != 0)
    error(cycle, ch, fmt::format("address 0x{:08x} not aligned to the {}-byte bus", addr, kAxiBytes));
  if ((addr & 0xfffu) + bytes > 0x1000u)
    error(cycle, ch,
          fmt::format("burst at 0x{:08x} of {} beats ({} bytes) crosses a 4 KiB boundary", addr, len + 1, bytes));
  if (!contains(addr, bytes)) {
    error(cycle, ch,
          fmt::format("burst [0x{:08x}, 0x{:08x}) outside the memory [0x{:x}, 0x{:x})", addr, addr + bytes, cfg_.base,
                      cfg_.base + cfg_.size));
    ++stats_.decerr_bursts;
    return kRespDecErr;
  }
  for (const auto& r : err_ranges_) {
    if ((is_read ? r.reads : r.writes) && addr < r.hi && addr + bytes > r.lo) {
      ++stats_.slverr_bursts;
      return kRespSlvErr;
    }
  }
  return kRespOkay;
}

void AxiMem::clock(const AxiMasterPorts& in, uint64_t cycle) {
  // ---- stability of what the master drives while it waits for READY ----
  if (have_prev_) {
    const auto& p = prev_in_;
    if (p.arvalid && !prev_out_.arready) {
      if (!in.arvalid)
        error(cycle, "AR", fmt::format("ARVALID dropped before ARREADY (araddr 0x{:08x})", p.araddr));
      else if (in.araddr != p.araddr || in.arlen != p.arlen || in.arid != p.arid || in.arsize != p.arsize ||
               in.arburst != p.arburst)
        error(cycle, "AR",
              fmt::format("payload changed while ARVALID and not ARREADY: addr 0x{:08x}->0x{:08x} len {}->{} id {}->{}",
                          p.araddr, in.araddr, p.arlen, in.arlen, p.arid, in.arid));
    }
    if (p.awvalid && !prev_out_.awready) {
      if (!in.awvalid)
        error(cycle, "AW", fmt::format("AWVALID dropped before AWREADY (awaddr 0x{:08x})", p.awaddr));
      else if (in.awaddr != p.awaddr || in.awlen != p.awlen || in.awid != p.awid || in.awsize != p.awsize ||
               in.awburst != p.awburst)
        error(cycle, "AW",
              fmt::format("payload changed while AWVALID and not AWREADY: addr 0x{:08x}->0x{:08x} len {}->{} id {}->{}",
                          p.awaddr, in.awaddr, p.awlen, in.awlen, p.awid, in.awid));
    }
    if (p.wvalid && !prev_out_.wready) {
      if (!in.wvalid)
        error(cycle, "W", "WVALID dropped before WREADY");
      else if (in.wdata != p.wdata || in.wstrb != p.wstrb || in.wlast != p.wlast)
        error(cycle, "W", fmt::format("payload (wdata/wstrb/wlast) changed while WVALID and not WREADY"));
    }
  }

  // ---- transfers of this cycle ----
  const bool r_pending = !rq_.empty();
  bool r_done = false, b_done = false;
  if (in.arvalid && out_.arready) {
    const uint32_t resp = check_burst("AR", in.araddr, in.arlen, in.arsize, in.arburst, true, cycle);
    rq_.push_back({in.arid, in.araddr, in.arlen, 0, cycle + cfg_.read_latency, resp});
    ++stats_.read_bursts;
  } else if (in.arvalid) {
    ++stats_.ar_stall;
  }
  if (out_.rvalid && in.rready) {
    r_done = true;
    ++stats_.read_beats;
    auto& rb = rq_.front();
    if (++rb.beat > rb.len) rq_.pop_front();
  } else if (r_pending) {
    ++stats_.r_wait;
  }
  if (in.awvalid && out_.awready) {
    const uint32_t resp = check_burst("AW", in.awaddr, in.awlen, in.awsize, in.awburst, false, cycle);
    wq_.push_back({in.awid, in.awaddr, in.awlen, 0, resp});
    ++stats_.write_bursts;
  } else if (in.awvalid) {
    ++stats_.aw_stall;
  }
  if (in.wvalid && out_.wready) {
    auto& wb = wq_.front();  // wready is only given while a burst waits for data
    ++stats_.write_beats;
    tokens_w_ -= 1.0;
    const bool last = wb.beat == wb.len;
    if (in.wlast != last)
      error(cycle, "W",
            fmt::format("WLAST={} on beat {} of a {}-beat burst at 0x{:08x}", in.wlast ? 1 : 0, wb.beat, wb.len + 1,
                        wb.addr));
    if (wb.resp == kRespOkay) {
      const uint64_t a = uint64_t{wb.addr} + uint64_t{wb.beat} * kAxiBytes;
      uint8_t* dst = mem_.data() + (a - cfg_.base);
      uint32_t* wc = wcycle_.data() + (a - cfg_.base);
      const uint32_t stamp = cycle >= 0xfffffffeu ? 0xffffffffu : static_cast<uint32_t>(cycle + 1);
      for (unsigned b = 0; b < kAxiBytes; ++b) {
        if ((in.wstrb >> b) & 1u) {
          dst[b] = static_cast<uint8_t>(in.wdata[b / 4] >> (8 * (b % 4)));
          wc[b] = stamp;
        }
      }
    }
    if (++wb.beat > wb.len) {
      bq_.push_back({wb.id, wb.resp, cycle + cfg_.write_latency});
      wq_.pop_front();
    }
  } else if (in.wvalid) {
    ++stats_.w_stall;
  }
  if (out_.bvalid && in.bready) {
    b_done = true;
    bq_.pop_front();
  }

  prev_in_ = in;
  prev_out_ = out_;
  have_prev_ = true;

  // ---- outputs of the next cycle ----
  tokens_r_ = std::min(tokens_r_ + cfg_.bandwidth, 2.0);
  tokens_w_ = std::min(tokens_w_ + cfg_.bandwidth, 2.0);
  const uint64_t next = cycle + 1;
  AxiSlavePorts o;
  o.arready = rq_.size() < cfg_.max_reads && !gap();
  o.awready = wq_.size() + bq_.size() < cfg_.max_writes && !gap();
  o.wready = !wq_.empty() && tokens_w_ >= 1.0 && !gap();
  if (out_.rvalid && !r_done) {
    // An R beat stays until it is taken.
    o.rvalid = true;
    o.rid = out_.rid;
    o.rresp = out_.rresp;
    o.rlast = out_.rlast;
    o.rdata = out_.rdata;
  } else if (!rq_.empty() && rq_.front().ready_cycle <= next && tokens_r_ >= 1.0 && !gap()) {
    const auto& rb = rq_.front();
    tokens_r_ -= 1.0;
    o.rvalid = true;
    o.rid = rb.id;
    o.rresp = rb.resp;
    o.rlast = rb.beat == rb.len;
    if (rb.resp == kRespOkay) {
      const uint8_t* src = mem_.data() + (uint64_t{rb.addr} + uint64_t{rb.beat} * kAxiBytes - cfg_.base);
      std::memcpy(o.rdata.data(), src, kAxiBytes);
    }
  }
  if (out_.bvalid && !b_done) {
    o.bvalid = true;
    o.bid = out_.bid;
    o.bresp = out_.bresp;
  } else if (!bq_.empty() && bq_.front().ready_cycle <= next && !gap()) {
    o.bvalid = true;
    o.bid = bq_.front().id;
    o.bresp = bq_.front().resp;
  }
  out_ = o;
}

}  // namespace esact::sim
