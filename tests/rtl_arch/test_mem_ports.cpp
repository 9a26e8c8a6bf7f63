// The shared memory system of esact_top (esact_rd_arb + esact_axi_rd,
// esact_wr_arb + esact_axi_wr; tests/rtl_arch/tb_mem_ports.sv) driven by three
// independent masters at once against the harness's AXI memory model (with its
// protocol checks): every read returns the right bytes to the port that asked,
// every write lands, the ports' streams interleave, and an abort in the middle
// leaves the engines idle and usable.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "Vtb_mem_ports.h"
#include "esact/params.hpp"
#include "esact/sim/axi_mem.hpp"

using esact::sim::AxiMasterPorts;
using esact::sim::AxiMem;
using esact::sim::AxiMemConfig;

namespace {

constexpr unsigned kPorts = 3;
constexpr unsigned kBeat = 16;
constexpr uint32_t kReadBase = 0x10000, kReadSize = 0x20000;        // shared, read only
constexpr uint32_t kWriteBase = 0x40000, kWriteSize = 0x8000;       // one region per port

// Bit fields of Verilator's wide (or narrow) port words.
void set_field(uint32_t* w, unsigned lsb, unsigned width, uint64_t v) {
  for (unsigned b = 0; b < width; ++b) {
    const unsigned i = lsb + b;
    const uint32_t m = 1u << (i % 32);
    if ((v >> b) & 1u) w[i / 32] |= m;
    else w[i / 32] &= ~m;
  }
}
void set_bit(uint32_t* w, unsigned i, bool v) { set_field(w, i, 1, v ? 1 : 0); }
bool get_bit(const uint32_t* w, unsigned i) { return (w[i / 32] >> (i % 32)) & 1u; }
template <class T> uint32_t* words(T& x) {
  if constexpr (std::is_integral_v<T>) return reinterpret_cast<uint32_t*>(&x);
  else return x.data();
}

struct Req {
  uint32_t addr = 0, len = 0, done = 0;  // done: bytes checked / beats sent
  std::vector<uint8_t> data;             // writes: the request's bytes
};

struct Port {
  std::deque<Req> rd_out;       // accepted, data pending
  bool rd_offer = false;
  Req rd_next;
  std::deque<Req> wr_data;      // accepted, data beats to send
  bool wr_offer = false;
  Req wr_next;
  bool wd_offer = false;        // a write data beat offered (held until taken)
  unsigned reads_left = 0, writes_left = 0, beats_in = 0;
  uint32_t read_len = 0;        // 0: random read lengths, else every read this long
  bool always_ready = false;    // take read data in every cycle (else 70% of cycles)
  uint32_t write_len = 0;       // 0: random writes with gaps, else every write this long,
                                // a request offered and every data beat valid in every cycle
  unsigned data_every = 0;      // with write_len: a new data beat only every this many cycles

  // n reads of len bytes each (0: random lengths).
  void reads(unsigned n, uint32_t len = 0) {
    reads_left = n;
    read_len = len;
  }
  // n writes of len bytes each (0: random), with len a data beat every `every` cycles (0: every cycle).
  void writes(unsigned n, uint32_t len = 0, unsigned every = 0) {
    writes_left = n;
    write_len = len;
    data_every = every;
  }
};

struct Bench {
  Vtb_mem_ports m;
  AxiMem mem;
  std::mt19937 rng;
  uint64_t cycle = 0;
  std::vector<uint8_t> shadow;    // expected contents of the write regions
  Port ports[kPorts];
  std::vector<unsigned> beat_port;  // port of every delivered read beat, in order
  std::vector<unsigned> wbeat_port; // port of every write data beat taken, in order
  bool w_in_burst = false;          // a W burst has started and not ended
  unsigned w_gaps = 0;              // cycles inside a burst without a W beat offered

  // The bench's random stream from `seed`; the memory as cfg says (default:
  // 1 MiB, read latency 16, no back-pressure).
  explicit Bench(uint32_t seed, const AxiMemConfig& cfg = {}) : mem(cfg), rng(seed) {
    std::vector<uint8_t> init(kReadSize);
    for (auto& b : init) b = static_cast<uint8_t>(rng());
    mem.write(kReadBase, init);
    shadow.assign(kPorts * kWriteSize, 0);
    mem.fill(kWriteBase, kPorts * kWriteSize, 0);
    m.clk_i = 0;
    m.rst_ni = 0;
    m.abort_i = 0;
    m.eval();
    for (int i = 0; i < 3; ++i) tick_clock();
    m.rst_ni = 1;
    m.eval();
  }

  void tick_clock() {
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
  }

  uint32_t rnd(uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); }

  // Drive the port inputs for this cycle (before the edge).
  void drive() {
    for (unsigned p = 0; p < kPorts; ++p) {
      Port& P = ports[p];
      if (!P.rd_offer && P.reads_left && (P.read_len || rnd(0, 3) != 0)) {
        P.rd_next.len = P.read_len ? P.read_len : rnd(1, 300);
        P.rd_next.addr = kReadBase + rnd(0, kReadSize - P.rd_next.len);
        P.rd_next.done = 0;
        P.rd_offer = true;
      }
      set_bit(words(m.rd_req_valid_i), p, P.rd_offer);
      set_field(words(m.rd_req_addr_i), 32 * p, 32, P.rd_next.addr);
      set_field(words(m.rd_req_len_i), 24 * p, 24, P.rd_next.len);
      set_bit(words(m.rd_data_ready_i), p, P.always_ready || rnd(0, 9) < 7);

      if (!P.wr_offer && P.writes_left && (P.write_len || rnd(0, 3) != 0)) {
        P.wr_next.len = P.write_len ? P.write_len : rnd(1, 200);
        P.wr_next.addr = kWriteBase + p * kWriteSize + rnd(0, kWriteSize - P.wr_next.len);
        P.wr_next.done = 0;
        P.wr_offer = true;
      }
      set_bit(words(m.wr_req_valid_i), p, P.wr_offer);
      set_field(words(m.wr_req_addr_i), 32 * p, 32, P.wr_next.addr);
      set_field(words(m.wr_req_len_i), 24 * p, 24, P.wr_next.len);
      // Write data: the next beat of the oldest accepted request, random gaps
      // between beats (an offered beat is held until taken).
      const bool have = !P.wr_data.empty();
      if (have && !P.wd_offer)
        P.wd_offer = P.write_len ? (P.data_every == 0 || cycle % P.data_every == 0) : rnd(0, 9) < 8;
      set_bit(words(m.wr_data_valid_i), p, have && P.wd_offer);
      if (have) {
        const Req& r = P.wr_data.front();
        for (unsigned b = 0; b < kBeat; ++b) {
          const uint32_t k = r.done * kBeat + b;
          const uint8_t v = k < r.len ? r.data[k] : 0xee;
          set_field(words(m.wr_data_i), 128 * p + 8 * b, 8, v);
        }
      }
    }
  }

  // Sample the handshakes of this cycle (after eval, before the edge).
  void sample() {
    if (w_in_burst && !m.m_axi_wvalid) ++w_gaps;
    if (m.m_axi_wvalid && m.m_axi_wready) w_in_burst = !m.m_axi_wlast;
    for (unsigned p = 0; p < kPorts; ++p) {
      Port& P = ports[p];
      if (P.rd_offer && get_bit(words(m.rd_req_ready_o), p)) {
        P.rd_out.push_back(P.rd_next);
        P.rd_offer = false;
        --P.reads_left;
      }
      if (get_bit(words(m.rd_data_valid_o), p) && get_bit(words(m.rd_data_ready_i), p)) {
        REQUIRE_MESSAGE(!P.rd_out.empty(), fmt::format("port {}: read data without a request", p));
        Req& r = P.rd_out.front();
        std::vector<uint8_t> want(r.len);
        mem.read(r.addr, want);
        for (unsigned b = 0; b < kBeat && r.done < r.len; ++b, ++r.done) {
          const auto got = static_cast<uint8_t>(m.rd_data_o[b / 4] >> (8 * (b % 4)));
          REQUIRE_MESSAGE(got == want[r.done], fmt::format("port {}: read 0x{:x}+{} byte {}: got {} want {}", p,
                                                           r.addr, r.len, r.done, got, want[r.done]));
        }
        const bool last = r.done == r.len;
        REQUIRE_MESSAGE(static_cast<bool>(m.rd_data_last_o) == last, fmt::format("port {}: data_last wrong", p));
        beat_port.push_back(p);
        if (last) P.rd_out.pop_front();
      }
      if (P.wr_offer && get_bit(words(m.wr_req_ready_o), p)) {
        // The data of the request: random bytes, also written to the shadow.
        Req r = P.wr_next;
        r.data.resize(r.len);
        for (uint32_t k = 0; k < r.len; ++k) {
          r.data[k] = static_cast<uint8_t>(rng());
          shadow[r.addr - kWriteBase + k] = r.data[k];
        }
        // The engine queues requests: a port's next request may be taken
        // while the data of its previous ones still streams (in order).
        P.wr_data.push_back(r);
        P.wr_offer = false;
        --P.writes_left;
      }
      if (get_bit(words(m.wr_data_valid_i), p) && get_bit(words(m.wr_data_ready_o), p)) {
        Req& r = P.wr_data.front();
        P.wd_offer = false;
        wbeat_port.push_back(p);
        if (++r.done * kBeat >= r.len) P.wr_data.pop_front();
      }
    }
  }

  void step() {
    m.clk_i = 0;
    esact::sim::drive_axi_slave(m, mem.outputs());
    drive();
    m.eval();
    sample();
    AxiMasterPorts mp;
    esact::sim::sample_axi_master(m, mp);
    mem.clock(mp, cycle);
    m.clk_i = 1;
    m.eval();
    ++cycle;
  }

  bool busy() const {
    for (const auto& P : ports)
      if (P.reads_left || P.writes_left || P.rd_offer || P.wr_offer || !P.rd_out.empty() || !P.wr_data.empty())
        return true;
    return false;
  }

  // The write regions hold exactly what the ports wrote (the shadow).
  void check_writes() const {
    std::vector<uint8_t> got(shadow.size());
    mem.read(kWriteBase, got);
    const auto bad = std::mismatch(got.begin(), got.end(), shadow.begin());
    REQUIRE_MESSAGE(bad.first == got.end(), fmt::format("write region byte 0x{:x}: got {} want {}",
                                                        kWriteBase + (bad.first - got.begin()),
                                                        bad.first == got.end() ? 0 : *bad.first,
                                                        bad.first == got.end() ? 0 : *bad.second));
  }

  void run(uint64_t timeout) {
    while (busy() || !m.rd_idle_o || !m.wr_idle_o || !mem.idle()) {
      step();
      REQUIRE_MESSAGE(cycle < timeout, "timeout");
      REQUIRE_MESSAGE(mem.errors().empty(), mem.errors().front().str());
    }
  }
};

// Index of the last beat of `port` in v (0 if none).
size_t last_beat(const std::vector<unsigned>& v, unsigned port) {
  size_t last = 0;
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == port) last = i;
  return last;
}

// Number of times the port of consecutive read beats changes.
unsigned switches(const std::vector<unsigned>& v) {
  unsigned s = 0;
  for (size_t i = 1; i < v.size(); ++i) s += v[i] != v[i - 1];
  return s;
}

}  // namespace

TEST_CASE("memory ports: three masters read and write at once, bytes exact, streams interleaved") {
  for (const double bp : {0.0, 0.3}) {
    Bench b(11, {.backpressure = bp, .seed = 5});
    for (auto& P : b.ports) {
      P.reads(60);
      P.writes(40);
    }
    b.run(400000);
    b.check_writes();
    // Every port got data, and the ports' data interleaved (not one port after the other).
    unsigned per[kPorts] = {};
    for (unsigned p : b.beat_port) ++per[p];
    for (unsigned p = 0; p < kPorts; ++p) CHECK(per[p] > 0);
    CHECK(switches(b.beat_port) > 50);
    MESSAGE(fmt::format("backpressure {}: {} cycles, {} read beats, {} port switches", bp, b.cycle,
                        b.beat_port.size(), switches(b.beat_port)));
  }
}

TEST_CASE("memory ports: bursts are issued back to back up to the memory's outstanding limit") {
  // One port, long reads: the engine keeps the memory's 8 read bursts in flight.
  Bench b(3, {.read_latency = 64});
  b.ports[0].reads(32);
  unsigned max_out = 0;
  uint64_t issued = 0, taken = 0;
  while (b.busy() || !b.m.rd_idle_o) {
    // outstanding bursts = AR handshakes so far - completed bursts (rlast beats)
    if (b.m.m_axi_arvalid && b.m.m_axi_arready) ++issued;
    if (b.m.m_axi_rvalid && b.m.m_axi_rready && b.m.m_axi_rlast) ++taken;
    max_out = std::max<unsigned>(max_out, static_cast<unsigned>(issued - taken));
    b.step();
    REQUIRE(b.cycle < 200000);
  }
  CHECK(max_out >= b.mem.config().max_reads - 1);
}

TEST_CASE("memory ports: reads are shared by beats, not by requests") {
  // Port 0 reads 32-beat rows (the softmax's score rows), port 1 4-beat rows
  // (the GEMM's V rows), both always requesting and always taking data.
  // Granted per request, port 1 would get 4 of every 36 beats; granted by
  // beats in flight, both get a similar share while both stream (port 1's
  // share is bounded by the 16 requests the engine queues: 12 x 4 beats in
  // flight beside port 0's 2 x 32).
  Bench b(9);
  b.ports[0].reads(60, 32 * kBeat);
  b.ports[1].reads(150, 4 * kBeat);
  for (auto& P : b.ports) P.always_ready = true;
  b.run(200000);
  // While both stream: the first 600 beats (port 1 has 600 in all, port 0 1920).
  REQUIRE(b.beat_port.size() == 60 * 32 + 150 * 4);
  unsigned short_beats = 0;
  for (size_t i = 0; i < 600; ++i) short_beats += b.beat_port[i] == 1;
  MESSAGE(fmt::format("4-beat port: {} of the first 600 read beats", short_beats));
  CHECK(short_beats >= 200);
  CHECK(short_beats <= 360);
}

TEST_CASE("memory ports: the priority port's reads go first, the others get the bus when it pauses") {
  // Port 2 (the read arbiter's priority port in tb_mem_ports, as the GEMM in
  // esact_top) reads 1-beat rows, port 0 32-beat rows, both always
  // requesting: port 0 has at most CAP = 128 beats in flight, so after those
  // the priority port gets every read beat until it is done; then port 0
  // streams alone.
  Bench b(13);
  b.ports[0].reads(40, 32 * kBeat);
  b.ports[2].reads(300, kBeat);
  for (auto& P : b.ports) P.always_ready = true;
  b.run(200000);
  REQUIRE(b.beat_port.size() == 40 * 32 + 300);
  // The last of the priority port's 300 beats comes within the first 300 +
  // (RD_CAP + 32) beats (port 0's beats queued before it and in flight).
  const size_t last_prio = last_beat(b.beat_port, 2);
  MESSAGE(fmt::format("priority port's last beat: {} of {}", last_prio + 1, b.beat_port.size()));
  CHECK(last_prio < 300 + esact::params::RD_CAP + 32);
}

TEST_CASE("memory ports: the priority port's writes go first, the others' when it pauses") {
  // Port 2 (the write arbiter's priority port, as the GEMM's epilogue) writes
  // 4-beat rows (int32 score rows), port 0 8-beat rows (probability rows),
  // both always requesting with their data always valid.  The priority port's
  // requests are taken whenever it offers one, so only port 0's requests
  // taken before its first one (at most the engine's WR_QD queued and one
  // offer held) come before its last beat; then port 0 writes alone.  Round
  // robin would interleave them (4 of every 12 beats for port 2: its last
  // beat near the end).
  constexpr unsigned kRows = 150, kPrioBeats = 4, kOtherBeats = 8;
  Bench b(17);
  b.ports[0].writes(kRows, kOtherBeats * kBeat);
  b.ports[2].writes(kRows, kPrioBeats * kBeat);
  b.run(200000);
  REQUIRE(b.wbeat_port.size() == kRows * (kPrioBeats + kOtherBeats));
  b.check_writes();
  const size_t last_prio = last_beat(b.wbeat_port, 2);
  MESSAGE(fmt::format("priority port's last write beat: {} of {}", last_prio + 1, b.wbeat_port.size()));
  CHECK(last_prio < kRows * kPrioBeats + (esact::params::WR_QD + 1) * kOtherBeats);
}

TEST_CASE("memory ports: a port that makes its write data slowly never holds the W channel") {
  // Port 0 makes one data beat in 4 cycles (as the softmax), port 1 streams
  // 4-beat rows with every beat ready; neither is the priority port.  The
  // engine writes the requests' data in request order and an AXI W burst
  // cannot be interleaved, so without the write stages a burst of port 0
  // would stream as port 0 computes it (3 idle cycles per beat, with port
  // 1's rows waiting behind it).  With them a chunk reaches the engine with
  // its data in (its last beat valid at the port): no burst has a gap.
  Bench b(19);
  b.ports[0].writes(40, 8 * kBeat, 4);
  b.ports[1].writes(100, 4 * kBeat);
  b.run(200000);
  b.check_writes();
  REQUIRE(b.wbeat_port.size() == 40 * 8 + 100 * 4);
  MESSAGE(fmt::format("{} W beats in {} cycles, {} cycles inside a burst without a beat offered", b.wbeat_port.size(),
                      b.cycle, b.w_gaps));
  CHECK(b.w_gaps == 0);
}

TEST_CASE("memory ports: abort in the middle drains, then the ports work again") {
  Bench b(7, {.backpressure = 0.2});
  for (auto& P : b.ports) {
    P.reads(20);
    P.writes(10);
  }
  for (int i = 0; i < 300; ++i) b.step();
  // Abort: the masters drop everything (as the units do) and the engines drain.
  b.m.abort_i = 1;
  b.step();
  b.m.abort_i = 0;
  for (auto& P : b.ports) P = Port{};
  for (int i = 0; i < 2000 && !(b.m.rd_idle_o && b.m.wr_idle_o && b.mem.idle()); ++i) b.step();
  REQUIRE(b.m.rd_idle_o);
  REQUIRE(b.m.wr_idle_o);
  REQUIRE(b.mem.errors().empty());
  // A clean round after the abort: reads exact (the write regions' shadow is
  // not compared: the aborted writes may have landed partly).
  for (auto& P : b.ports) P.reads(20);
  b.run(200000);
}
