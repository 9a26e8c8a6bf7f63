// docs/layer-rtl.md and docs/memory-map.md: the configuration registers ignore
// writes while BUSY and START while busy is ignored.  Write every config
// register (and START) in the middle of a run: the values read back are the
// ones of the run, the run finishes bit-exact, and the next run uses them too.
#include "../rtl_layer/test_cosim_util.hpp"

namespace P = esact::params;

TEST_CASE("csr: configuration registers ignore writes while BUSY") {
  auto w = cosim::make_workload("n=6,d=32,heads=2,ffn=48,layers=2,seed=17");
  esact::sim::Harness h(cosim::config_for(*w.img, 0.2, 12, 5));
  w.img->load(h.mem());
  h.configure(*w.img, esact::Mode::Dense);
  const uint32_t regs[] = {P::CSR_DESC_BASE, P::CSR_N_LAYERS, P::CSR_N_TOKENS, P::CSR_MODE, P::CSR_SCRATCH_BASE,
                           P::CSR_SCRATCH_SIZE};
  uint32_t before[std::size(regs)];
  for (size_t i = 0; i < std::size(regs); ++i) before[i] = h.csr_read(regs[i]);
  h.start();
  h.step(200);
  REQUIRE((h.csr_read(P::CSR_STATUS) & 1u) == 1u);  // busy
  for (size_t i = 0; i < std::size(regs); ++i) {
    CAPTURE(regs[i]);
    h.csr_write(regs[i], before[i] ^ 0x5a5a5a40u);  // a different, still aligned value
    CHECK(h.csr_read(regs[i]) == before[i]);
  }
  h.csr_write(P::CSR_CTRL, 3);  // START again while busy: ignored
  const auto r = h.wait(20'000'000);
  INFO(r.problem());
  REQUIRE(r.ok());
  const auto mm = esact::sim::compare_outputs(h.mem(), *w.img, w.golden);
  INFO(mm.str());
  CHECK_FALSE(mm.any);
  for (size_t i = 0; i < std::size(regs); ++i) CHECK(h.csr_read(regs[i]) == before[i]);
  CHECK((h.csr_read(P::CSR_STATUS) & 1u) == 0u);  // the second START did not start a run
  // The registers still hold the run's values: the next run is exact without configure().
  w.img->load(h.mem());
  h.start();
  const auto r2 = h.wait(20'000'000);
  REQUIRE(r2.ok());
  CHECK_FALSE(esact::sim::compare_outputs(h.mem(), *w.img, w.golden).any);
}
