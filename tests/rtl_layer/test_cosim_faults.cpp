// Bad input and faults, co-simulated: wrong CSR values, impossible descriptor
// values, error responses from the memory, a reset in the middle of a layer.
// In every case the accelerator must finish (no hang) with the right error
// code, the driver must say what went wrong, and the next run must be exact.
#include "test_cosim_util.hpp"

using esact::Mode;
using esact::sim::Harness;
namespace P = esact::params;

namespace {
constexpr uint64_t kTimeout = 2'000'000;
const char* kSpec = "n=8,d=32,heads=2,ffn=64,layers=2,seed=21";

// Run after `setup` changed something; require an error `code` (and `word`/`layer` when >= 0).
esact::sim::RunResult expect_error(Harness& h, cosim::Workload& w, uint32_t code, int layer = -1, int word = -1) {
  const auto r = h.wait(kTimeout);
  INFO(r.problem());
  CHECK_FALSE(r.timed_out);
  CHECK(r.axi_errors.empty());
  REQUIRE(r.finished);
  CHECK((r.status & 4u) != 0);
  CHECK(r.err_code == code);
  CHECK(r.irq);
  if (layer >= 0) CHECK((r.err_info & 0xffu) == static_cast<uint32_t>(layer));
  if (word >= 0) CHECK(((r.err_info >> 8) & 0xffu) == static_cast<uint32_t>(word));
  CHECK(r.problem().find(esact::sim::err_name(code)) != std::string::npos);
  MESSAGE(r.problem());
  (void)w;
  return r;
}

// After an error the accelerator must run a good image exactly.
void expect_recovery(Harness& h, cosim::Workload& w) {
  const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 20'000'000);
  INFO(mm.str());
  CHECK_FALSE(mm.any);
}
}  // namespace

TEST_CASE("cosim faults: bad CSR values end the run at once with an error") {
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img, 0.2, 10, 3));
  w.img->load(h.mem());
  struct Case {
    uint32_t reg, value, code;
  };
  const Case cases[] = {{P::CSR_N_TOKENS, P::N_MAX + 1, P::ERR_N_TOKENS},
                        {P::CSR_N_TOKENS, 0, P::ERR_N_TOKENS},
                        {P::CSR_N_LAYERS, 0, P::ERR_N_LAYERS},
                        {P::CSR_N_LAYERS, P::L_MAX + 1, P::ERR_N_LAYERS},
                        {P::CSR_MODE, 2, P::ERR_MODE},
                        {P::CSR_MODE, 1, P::ERR_MODE},  // vesact_top is built with SPLS_EN = 0
                        {P::CSR_SCRATCH_SIZE, 64, P::ERR_SCRATCH},
                        {P::CSR_DESC_BASE, static_cast<uint32_t>(w.img->desc_base()) + 4, P::ERR_ALIGN}};
  for (const auto& c : cases) {
    CAPTURE(c.reg);
    CAPTURE(c.value);
    h.configure(*w.img, Mode::Dense);
    h.csr_write(c.reg, c.value);
    const uint64_t t0 = h.cycle();
    h.start();
    expect_error(h, w, c.code);
    CHECK(h.cycle() - t0 < 10000);  // detected before any layer work
  }
  expect_recovery(h, w);
}

TEST_CASE("cosim faults: the scratch check is exactly the harness's scratch layout") {
  // scratch_layout().need (sim/src/cmdlist.cpp, the one scratch layout) goes
  // to the accelerator as DESC_SCR_NEED:
  // layout: the RTL must run with exactly `need` bytes and refuse one byte less.
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img));
  w.img->load(h.mem());
  const auto need = esact::sim::scratch_layout(8, 32, 64).need;
  REQUIRE(need <= w.img->scratch_size());
  h.configure(*w.img, Mode::Dense);
  h.csr_write(P::CSR_SCRATCH_SIZE, static_cast<uint32_t>(need - 1));
  h.start();
  expect_error(h, w, P::ERR_SCRATCH);
  // The list's addresses are absolute: another SCRATCH_BASE is refused too.
  h.configure(*w.img, Mode::Dense);
  h.csr_write(P::CSR_SCRATCH_BASE, static_cast<uint32_t>(w.img->scratch_base() + 4096));
  h.start();
  expect_error(h, w, P::ERR_SCRATCH, 0, P::DESC_SCR_BASE);
  h.configure(*w.img, Mode::Dense);
  h.csr_write(P::CSR_SCRATCH_SIZE, static_cast<uint32_t>(need));
  h.start();
  const auto r = h.wait(20'000'000);
  INFO(r.problem());
  CHECK(r.ok());
  expect_recovery(h, w);  // and the output is exact
}

TEST_CASE("cosim faults: impossible descriptor values name the layer and the word") {
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img));
  struct Case {
    int layer;
    unsigned word;
    uint32_t value, code;
  };
  const Case cases[] = {
      {0, P::DESC_MAGIC, 0xdeadbeefu, P::ERR_DESC_MAGIC},
      {1, P::DESC_MAGIC, 0u, P::ERR_DESC_MAGIC},
      {0, P::DESC_D, 0u, P::ERR_SHAPE},
      {0, P::DESC_D, P::D_MAX + 16, P::ERR_SHAPE},
      {1, P::DESC_H, 3u, P::ERR_SHAPE},  // 32 is not 3 * Dh
      {0, P::DESC_F, 0u, P::ERR_SHAPE},
      {0, P::DESC_NORM, 2u, P::ERR_KNOB},
      {0, P::DESC_RQ_M + P::RQ_V, 0u, P::ERR_REQUANT},
      {1, P::DESC_RQ_S + P::RQ_FFN1, 48u, P::ERR_REQUANT},
      {0, P::DESC_WO, 0u, P::ERR_ALIGN},  // placeholder, replaced below by an unaligned address
  };
  for (auto c : cases) {
    if (c.word == P::DESC_WO) c.value = w.img->desc_word(c.layer, P::DESC_WO) + 8;
    CAPTURE(c.layer);
    CAPTURE(c.word);
    const uint32_t saved = w.img->desc_word(c.layer, c.word);
    w.img->set_desc_word(c.layer, c.word, c.value);
    w.img->load(h.mem());
    h.configure(*w.img, Mode::Dense);
    h.start();
    expect_error(h, w, c.code, c.layer, static_cast<int>(c.word));
    w.img->set_desc_word(c.layer, c.word, saved);
  }
  expect_recovery(h, w);
}

TEST_CASE("cosim faults: a bad command ends the run with ERR_CMD naming the layer, command and word") {
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img, 0.2, 10, 4));
  const auto& cmds = w.img->commands(1).commands();
  // The first softmax command of layer 1 (it runs after several GEMMs).
  unsigned sm = 0;
  while (sm < cmds.size() && cmds[sm].op != P::OP_SM) ++sm;
  REQUIRE(sm < cmds.size());
  const unsigned last = static_cast<unsigned>(cmds.size()) - 1;
  struct Case {
    unsigned cmd, word;
    uint32_t value;
  };
  const uint32_t hdr_sm = w.img->cmd_word(1, sm, P::CMD_HDR);
  const Case cases[] = {
      {0, P::CMD_HDR, 0u},                                         // opcode OP_NONE (a zeroed record)
      {sm, P::CMD_HDR, (hdr_sm & ~0xfu) | 9u},                     // unknown opcode
      {sm, P::CMD_HDR, (hdr_sm & ~0xfu) | P::OP_PRED},             // PRED: vesact_top has no front end (SPLS_EN = 0)
      {sm, P::CMD_HDR, (hdr_sm & ~0xf0u)},                         // phase PH_DESC
      {sm, P::CMD_HDR, hdr_sm | 1u << P::CMD_H_MASK},              // SPLS masks: vesact_top has SPLS_EN = 0
      {sm, P::CMD_HDR, hdr_sm | 1u << P::CMD_H_LEAD},              // the LN's leader-table bit on a softmax
      {sm, P::CMD_HDR, hdr_sm | 1u << P::CMD_H_LROWS},             // SPLS leader rows: vesact_top has SPLS_EN = 0
      {sm, P::CMD_HDR, hdr_sm | 1u << 18},                         // a reserved header bit
      {sm, P::CMD_WAIT0, 0x0fffu},                                 // waits for GEMM commands never issued
      {last, P::CMD_WAIT1, 0x0100u},                               // waits for LayerNorm commands never issued
      {sm, P::CMD_RQ, (48u << 16) | 1u},                           // S = 48
      {sm, P::CMD_MK, 0u},                                         // m = 0
      {sm, P::CMD_N, P::N_MAX + 1},                                // n over N_MAX
  };
  for (const auto& c : cases) {
    CAPTURE(c.cmd);
    CAPTURE(c.word);
    const uint32_t saved = w.img->cmd_word(1, c.cmd, c.word);
    w.img->set_cmd_word(1, c.cmd, c.word, c.value);
    w.img->load(h.mem());
    h.configure(*w.img, Mode::Dense);
    h.start();
    const auto r = expect_error(h, w, P::ERR_CMD, 1, static_cast<int>(c.word));
    CHECK((r.err_info >> 16) == c.cmd);
    w.img->set_cmd_word(1, c.cmd, c.word, saved);
  }
  // A list length of 0 is a descriptor error (checked before any layer work).
  const uint32_t count = w.img->desc_word(0, P::DESC_CMD_COUNT);
  w.img->set_desc_word(0, P::DESC_CMD_COUNT, 0);
  w.img->load(h.mem());
  h.configure(*w.img, Mode::Dense);
  h.start();
  expect_error(h, w, P::ERR_CMD, 0, P::DESC_CMD_COUNT);
  w.img->set_desc_word(0, P::DESC_CMD_COUNT, count);
  expect_recovery(h, w);
}

TEST_CASE("cosim: serial and overlapped command lists are both exact") {
  for (const auto sched : {esact::sim::Schedule::Serial, esact::sim::Schedule::Overlap}) {
    CAPTURE(static_cast<int>(sched));
    esact::sim::ImageOptions opt;
    opt.schedule = sched;
    // n = 160: two attention blocks per head (ATT_QB = 128), so both score buffers are used.
    auto w = cosim::make_workload("n=160,d=32,heads=2,ffn=64,layers=1,seed=23", Mode::Dense, opt);
    Harness h(cosim::config_for(*w.img, 0.2, 12, 6));
    const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 40'000'000);
    INFO(mm.str());
    CHECK_FALSE(mm.any);
  }
}

TEST_CASE("cosim faults: a memory error response ends the run with ERR_AXI_READ / ERR_AXI_WRITE") {
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img, 0.3, 20, 5));
  SUBCASE("read error on layer 1's W1") {
    const uint64_t a = w.img->desc_word(1, P::DESC_W1);
    h.mem().add_error_range(a + 64, 16, true, false);
    w.img->load(h.mem());
    h.configure(*w.img, Mode::Dense);
    h.start();
    expect_error(h, w, P::ERR_AXI_READ);
  }
  SUBCASE("write error on layer 0's output") {
    h.mem().add_error_range(w.img->act_addr(1) + 32, 16, false, true);
    w.img->load(h.mem());
    h.configure(*w.img, Mode::Dense);
    h.start();
    expect_error(h, w, P::ERR_AXI_WRITE);
  }
  h.mem().clear_error_ranges();
  expect_recovery(h, w);
}

TEST_CASE("cosim faults: a reset in the middle of a layer, then a new run is exact") {
  auto w = cosim::make_workload(kSpec);
  Harness h(cosim::config_for(*w.img, 0.2, 10, 9));
  // Measure a full run, then reset at a third and two thirds of it.
  esact::sim::RunResult full;
  {
    const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 20'000'000, &full);
    CHECK_FALSE(mm.any);
  }
  for (const double frac : {0.33, 0.67}) {
    CAPTURE(frac);
    w.img->load(h.mem());
    h.configure(*w.img, Mode::Dense);
    h.start();
    h.step(static_cast<uint64_t>(frac * static_cast<double>(full.sim_cycles)));
    CHECK((h.csr_read(P::CSR_STATUS) & 1u) == 1u);  // still busy
    h.reset(3);
    CHECK(h.csr_read(P::CSR_STATUS) == 0u);
    CHECK(h.mem().errors().empty());
    expect_recovery(h, w);
  }
}
