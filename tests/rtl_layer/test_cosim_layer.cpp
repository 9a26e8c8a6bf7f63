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
  // Counters: the cycle counter covers START..DONE, the phases add up to at most
  // that, and the array is credited with exactly the golden model's MACs.
  CHECK(r.cycles <= r.sim_cycles);
  CHECK(r.cycles + 64 >= r.sim_cycles);
  uint64_t phases = 0;
  for (auto c : r.phase_cycles) phases += c;
  CHECK(phases <= r.cycles);
  CHECK(phases > 0);
  uint64_t gmacs = 0;
  for (const auto& g : w.golden) gmacs += g.work.total_macs();
  CHECK(r.macs == gmacs);
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

TEST_CASE("cosim: dense layers, awkward sizes (N = 1, D and F not multiples of the array)") {
  run_shape({"n=1,d=40,heads=5,ffn=72,layers=1,seed=15", 0.2, 5, 1.0, 3});
  run_shape({"n=17,d=24,heads=1,ffn=40,layers=1,norm=pre,seed=16", 0.4, 20, 0.25, 4});
}

TEST_CASE("cosim: a difference between RTL and golden is caught and located") {
  // Corrupt layer 0's Wo in memory after packing: the RTL then computes with a
  // weight the golden model did not use, and the comparison must say where.
  auto w = cosim::make_workload("n=6,d=32,heads=2,ffn=32,layers=1,seed=17");
  Harness h(cosim::config_for(*w.img));
  w.img->load(h.mem());
  const uint64_t wo = w.img->desc_word(0, esact::params::DESC_WO);
  // Wo[0][5] (input channel 0 into output column 5): weights are stored
  // output-major (memory-map.md), row 5 of D = 32 input bytes.
  uint8_t* p = h.mem().ptr(wo + 5 * 32, 1);
  *p = static_cast<uint8_t>(*p ^ 0x7f);
  const auto r = h.run(*w.img, Mode::Dense, 2'000'000);
  REQUIRE(r.ok());
  const auto mm = esact::sim::compare_outputs(h.mem(), *w.img, w.golden);
  REQUIRE(mm.any);
  MESSAGE(mm.str());
  CHECK(mm.layer == 0);
  CHECK(mm.tensor == "Y");
  CHECK(mm.cycle > 0);
  CHECK(mm.cycle < static_cast<int64_t>(r.end_cycle));
  CHECK(mm.str().find(fmt::format("row {} col {}", mm.row, mm.col)) != std::string::npos);
  CHECK(mm.differing_bytes > 0);
  // The diagnosis walks the intermediates: Q, K, V and O are right, Z (= O Wo + bo) is the first wrong one.
  const auto dg = esact::sim::diagnose_scratch(h.mem(), *w.img, w.golden.back(), false);
  MESSAGE(dg.str());
  REQUIRE(dg.any);
  CHECK(dg.tensor == "Z");
  CHECK(dg.col == 5);
  CHECK(dg.cycle > 0);
}

TEST_CASE("cosim: after an exact run every intermediate tensor in scratch matches too") {
  for (const char* spec : {"n=6,d=32,heads=2,ffn=48,layers=1,seed=19", "n=5,d=32,heads=2,ffn=48,layers=1,norm=pre,seed=20"}) {
    CAPTURE(std::string(spec));
    auto w = cosim::make_workload(spec);
    Harness h(cosim::config_for(*w.img, 0.3, 9, 2));
    const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 2'000'000);
    CHECK_FALSE(mm.any);
    const auto dg = esact::sim::diagnose_scratch(h.mem(), *w.img, w.golden.back(),
                                                 w.model.layers.back().norm == esact::Norm::Pre);
    INFO(dg.str());
    CHECK_FALSE(dg.any);
  }
}

TEST_CASE("cosim: a run that does not finish in time is a clear timeout") {
  auto w = cosim::make_workload("n=8,d=32,heads=2,ffn=32,layers=1,seed=18");
  Harness h(cosim::config_for(*w.img));
  w.img->load(h.mem());
  const auto r = h.run(*w.img, Mode::Dense, 500);
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.problem().find("timeout") != std::string::npos);
  CHECK((r.status & 1u) == 1u);  // still busy
  // It does finish when given the time, and exactly.
  h.reset(2);
  const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 20'000'000);
  CHECK_FALSE(mm.any);
}
