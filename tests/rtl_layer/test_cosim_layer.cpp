// Whole-layer co-simulation of the verilated esact_top against the golden
// model, dense mode: every output byte compared, with and without memory
// back-pressure, in a few small shapes.  (Bigger shapes: `make sim`.)
#include "test_cosim_util.hpp"

using esact::Mode;
using esact::sim::Harness;

TEST_CASE("cosim: CSR identity and configuration registers read back") {
  auto w = cosim::make_workload("n=4,d=32,heads=2,ffn=32,layers=1,seed=1");
  Harness h(cosim::config_for(*w.img));
  CHECK(h.csr_read(esact::params::CSR_ID) == esact::params::CSR_ID_VALUE);
  CHECK(h.csr_read(esact::params::CSR_VERSION) == esact::params::CSR_VERSION_VALUE);
  h.csr_write(esact::params::CSR_DESC_BASE, 0x12345640u);
  h.csr_write(esact::params::CSR_N_TOKENS, 77);
  h.csr_write(esact::params::CSR_SCRATCH_SIZE, 0xabcdef00u);
  CHECK(h.csr_read(esact::params::CSR_DESC_BASE) == 0x12345640u);
  CHECK(h.csr_read(esact::params::CSR_N_TOKENS) == 77u);
  CHECK(h.csr_read(esact::params::CSR_SCRATCH_SIZE) == 0xabcdef00u);
  CHECK((h.csr_read(esact::params::CSR_STATUS) & 1u) == 0);  // idle after reset
}

namespace {
struct Shape {
  const char* spec;
  double backpressure;
  unsigned latency;
  double bandwidth;
  uint64_t seed;
};

void run_shape(const Shape& s) {
  const std::string spec = s.spec;
  CAPTURE(spec);
  CAPTURE(s.backpressure);
  auto w = cosim::make_workload(s.spec);
  Harness h(cosim::config_for(*w.img, s.backpressure, s.latency, s.seed, s.bandwidth));
  esact::sim::RunResult r;
  const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 20'000'000, &r);
  INFO(mm.str());
  CHECK_FALSE(mm.any);
  MESSAGE(fmt::format("{} bp={} lat={} bw={}: {} cycles, {} MACs, rd_stall {}, {:.0f} cycles/s", s.spec,
                      s.backpressure, s.latency, s.bandwidth, r.cycles, r.macs, r.rd_stall,
                      r.sim_cycles / std::max(1e-9, r.wall_seconds)));
  if (s.backpressure > 0) CHECK(r.axi.ar_stall + r.axi.w_stall + r.axi.aw_stall + r.axi.r_wait > 0);
}
}  // namespace

TEST_CASE("cosim: dense layer, tiny, ideal memory") {
  run_shape({"n=4,d=32,heads=2,ffn=32,layers=1,seed=3", 0.0, 1, 1.0, 1});
}

TEST_CASE("cosim: dense layer, post-LN, back-pressure 0.3, latency 30") {
  run_shape({"n=16,d=64,heads=4,ffn=128,layers=1,seed=5", 0.3, 30, 1.0, 7});
}

TEST_CASE("cosim: dense layer, pre-LN, odd N, half bandwidth") {
  run_shape({"n=7,d=48,heads=3,ffn=96,layers=1,norm=pre,seed=9", 0.0, 8, 0.5, 2});
}

TEST_CASE("cosim: two chained layers, heavy back-pressure") {
  run_shape({"n=9,d=32,heads=2,ffn=64,layers=2,seed=11", 0.6, 12, 1.0, 13});
}
