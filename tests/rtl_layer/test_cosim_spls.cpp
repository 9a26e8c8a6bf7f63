// SPLS on esact_top (issue 13).  Stage A: PREDICT on chip.  A layer compiled
// with ImageOptions::spls starts with an OP_PRED command (after LN1 for
// pre-LN): esact_predict reads the attention input A and Wk^T / Wq^T through
// its own memory ports and writes the top-k masks and the leader table into
// scratch (layout: esact::sim::scratch_layout).  Every mask bit and leader
// entry is compared with the golden model's SPLS prediction of the same
// layer input.  Stage B: the softmax reads each row's mask (keys outside it
// out of max and sum, p = 0) and the residual / LayerNorm steps read a
// follower's Z (and Z2 with ffn_reuse) at its leader's row, so every output
// byte equals the golden SPLS layer (Y compared with run_model(..., Spls)).
// Stage C: Q, the attention, Wo (and with ffn_reuse the FFN) run on the
// leader rows only (the dispatcher's m' = clamp(L - r0, 0, m), A and mask
// rows gathered through the leader list, outputs compact); the MAC counter
// shows the skipped work (useful_macs below).  Key rows (ImageOptions::
// key_rows): V runs as one GEMM per head; the heads issued after PREDICT is
// written run on the keys of U_h (the union of the head's leader masks) only,
// rows gathered and scattered.
#include "test_cosim_util.hpp"

#include <cstring>
#include <functional>
#include <numeric>

using esact::Mode;
using esact::sim::Harness;
namespace P = esact::params;

namespace {
constexpr uint64_t kTimeout = 1'000'000;  // every run here takes < 20,000 cycles

esact::sim::ImageOptions spls_opts(bool key_rows = false) {
  esact::sim::ImageOptions o;
  o.spls = true;
  o.key_rows = key_rows;
  return o;
}

// The golden SPLS prediction of the last layer, on the input the golden SPLS
// chain gives that layer (the RTL's, when Y is exact).
esact::LayerResult golden_prediction(const cosim::Workload& w) {
  std::vector<int8_t> x = w.x;
  const size_t last = w.model.layers.size() - 1;
  if (last > 0) x = w.golden[last - 1].y;
  return esact::run_layer(w.model, w.model.layers[last], x, w.n, Mode::Spls);
}

// Expected bytes of the mask region and of the leader table.
struct PredictImage {
  std::vector<uint8_t> masks, lead;
};

PredictImage expected_prediction(const esact::LayerResult& g, const esact::sim::ScratchLayout& l) {
  const size_t n = static_cast<size_t>(g.n), heads = static_cast<size_t>(g.heads), row = (n + 7) / 8;
  PredictImage e;
  e.masks.assign(n * heads * l.mask_ld, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t h = 0; h < heads; ++h)
      for (size_t j = 0; j < n; ++j)
        if (g.masks[(h * n + i) * n + j]) e.masks[(i * heads + h) * l.mask_ld + j / 8] |= uint8_t(1u << (j % 8));
  e.lead.resize(4 * n);
  const std::vector<uint32_t> table = esact::sim::leader_table(g.leader);
  std::memcpy(e.lead.data(), table.data(), 4 * n);
  (void)row;
  return e;
}

// First difference between the prediction in memory and the expected one ("" if none).
std::string diff_prediction(esact::sim::AxiMem& mem, const esact::sim::MemoryImage& img, const esact::LayerResult& g) {
  const auto l = esact::sim::scratch_layout(g.n, g.d, g.f, g.heads);
  const auto e = expected_prediction(g, l);
  const size_t n = static_cast<size_t>(g.n), heads = static_cast<size_t>(g.heads), row = (n + 7) / 8;
  std::vector<uint8_t> buf(e.masks.size());
  mem.read(img.scratch_base() + l.mask, buf);
  for (size_t i = 0; i < n; ++i)
    for (size_t h = 0; h < heads; ++h)
      for (size_t b = 0; b < row; ++b) {
        const size_t a = (i * heads + h) * l.mask_ld + b;
        if (buf[a] != e.masks[a])
          return fmt::format("mask row {} head {} byte {}: rtl 0x{:02x} golden 0x{:02x}", i, h, b, buf[a], e.masks[a]);
      }
  buf.resize(e.lead.size());
  mem.read(img.scratch_base() + l.lead, buf);
  for (size_t i = 0; i < n; ++i)
    for (size_t b = 0; b < 4; ++b)
      if (buf[4 * i + b] != e.lead[4 * i + b])
        return fmt::format("leader entry of row {} (golden leader {}) byte {}: rtl 0x{:02x} golden 0x{:02x}", i,
                           g.leader[i], b, buf[4 * i + b], e.lead[4 * i + b]);
  return "";
}

unsigned pred_index(const esact::sim::MemoryImage& img, int layer) {
  const auto& cmds = img.commands(layer).commands();
  for (unsigned i = 0; i < cmds.size(); ++i)
    if (cmds[i].op == P::OP_PRED) return i;
  FAIL("no PRED command in the list");
  return 0;
}

// |U_h| of every head of a layer: the keys some leader's mask selects.
std::vector<uint64_t> key_set_sizes(const esact::LayerResult& g) {
  const size_t n = static_cast<size_t>(g.n);
  std::vector<uint64_t> u(static_cast<size_t>(g.heads), 0);
  for (size_t h = 0; h < u.size(); ++h)
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i)
        if (g.leader[i] < 0 && g.masks[(h * n + i) * n + j]) {
          ++u[h];
          break;
        }
  return u;
}

// The MACs the array does useful work for in layer i of an SPLS list, when
// the first s of its V heads ran on all N tokens (without key rows: s = H;
// with them, the heads issued while PREDICT ran) and the others on U_h: Q
// (on all N rows beside PREDICT when the compiler chose so), the attention (every key: masked keys are computed with p = 0) and Wo on
// the |L| leader rows, K on all N tokens, the FFN on |L| rows with
// ffn_reuse, else on N.
uint64_t useful_macs(const cosim::Workload& w, size_t i, size_t s) {
  const auto& g = w.golden[i];
  const uint64_t n = static_cast<uint64_t>(g.n), d = static_cast<uint64_t>(g.d), f = static_cast<uint64_t>(g.f);
  const uint64_t l = static_cast<uint64_t>(g.leaders()), dh = d / static_cast<uint64_t>(g.heads);
  const uint64_t rows_ffn = w.model.layers[i].spls.ffn_reuse ? l : n;
  const auto u = key_set_sizes(g);
  uint64_t kv = n * d * d;
  for (size_t h = 0; h < u.size(); ++h) kv += (h < s ? n : u[h]) * dh * d;
  const uint64_t rows_q = esact::sim::spls_q_on_all_rows(g.n, g.d, g.heads) ? n : l;  // the compiler's choice
  return rows_q * d * d + kv + 2 * l * n * d + l * d * d + 2 * rows_ffn * d * f;
}

// The per-layer counts s of V heads on all tokens that explain the MAC
// counter exactly (empty if none does).
std::vector<size_t> key_row_splits(const cosim::Workload& w, uint64_t macs) {
  const size_t layers = w.golden.size(), opts = static_cast<size_t>(w.model.n_heads) + 1;
  std::vector<size_t> s(layers, 0);
  for (;;) {
    uint64_t sum = 0;
    for (size_t i = 0; i < layers; ++i) sum += useful_macs(w, i, s[i]);
    if (sum == macs) return s;
    size_t i = 0;
    while (i < layers && ++s[i] == opts) s[i++] = 0;
    if (i == layers) return {};
  }
}

// A run in SPLS mode: clean finish, every output equal to the golden SPLS
// layer, prediction exact, the MAC counter = the work on the leader rows and
// (with key rows) on U_h for the V heads after PREDICT (`splits` gets the
// per-layer count of V heads on all tokens that explains it).
void run_spls(Harness& h, cosim::Workload& w, esact::sim::RunResult* out = nullptr,
              std::vector<size_t>* splits = nullptr) {
  esact::sim::RunResult r;
  const auto mm = cosim::run_and_compare(h, w, Mode::Spls, kTimeout, &r);
  INFO(mm.str());
  CHECK_FALSE(mm.any);
  const size_t heads = static_cast<size_t>(w.model.n_heads);
  if (splits) {
    *splits = key_row_splits(w, r.macs);
    INFO("MACS " << r.macs << ", with every V head on N tokens " << useful_macs(w, 0, heads) << " in layer 0");
    CHECK_FALSE(splits->empty());
  } else {
    uint64_t all = 0;  // no key rows: V on all N tokens
    for (size_t i = 0; i < w.golden.size(); ++i) all += useful_macs(w, i, heads);
    CHECK(r.macs == all);
  }
  CHECK(r.xmacs >= r.macs);
  const auto g = golden_prediction(w);
  const std::string d = diff_prediction(h.mem(), *w.img, g);
  INFO(d);
  CHECK(d.empty());
  CHECK(r.phase_cycles[P::PH_PREDICT] > 0);
  if (out) *out = r;
}
/// Load the image, configure SPLS mode, call `before_start` (CSR writes of the
/// test), start and wait; the run must finish, not by the time-out.
esact::sim::RunResult run_once(Harness& h, cosim::Workload& w, const std::function<void()>& before_start = [] {}) {
  w.img->load(h.mem());
  h.configure(*w.img, Mode::Spls);
  before_start();
  h.start();
  const auto r = h.wait(kTimeout);
  INFO(r.problem());
  REQUIRE(r.finished);
  CHECK_FALSE(r.timed_out);
  return r;
}
/// The run ended with error `code`, and its problem text names it.
void check_error(const esact::sim::RunResult& r, uint32_t code, const char* name) {
  INFO(r.problem());
  CHECK(r.err_code == code);
  CHECK(r.problem().find(name) != std::string::npos);
}
/// Run layer 1's list with command `cmd`'s word `word` set to `value` (the
/// other words as compiled), then put the word back; the run must finish.
esact::sim::RunResult run_with_word(Harness& h, cosim::Workload& w, unsigned cmd, unsigned word, uint32_t value) {
  const uint32_t saved = w.img->cmd_word(1, cmd, word);
  w.img->set_cmd_word(1, cmd, word, value);
  const auto r = run_once(h, w);
  w.img->set_cmd_word(1, cmd, word, saved);
  return r;
}
}  // namespace

TEST_CASE("cosim spls: PREDICT writes the golden masks and leader table (sizes, similarity, knobs, stalls)") {
  struct Case {
    const char* spec;
    double bp;
    int min_followers;  // the reuse path must be exercised where the knobs allow it
  };
  const Case cases[] = {
      // D = 40, H = 4: Dh = 10 (partial column group), A rows of 2.5 beats; N = 13: partial mask bytes.
      {"n=13,d=40,heads=4,ffn=48,layers=1,seed=3,similarity=0.9,k=4,window=3,threshold=6", 0.0, 1},
      {"n=16,d=32,heads=2,ffn=64,layers=1,seed=5,similarity=0.6", 0.3, 0},
      {"n=24,d=48,heads=3,ffn=64,layers=1,seed=7,similarity=0.9,norm=pre,k=5,window=4,threshold=9", 0.3, 1},
      {"n=9,d=32,heads=2,ffn=32,layers=2,seed=11,similarity=0.0,k=3,window=0", 0.2, 0},
      {"n=20,d=64,heads=4,ffn=64,layers=1,seed=13,similarity=0.8,k=30,window=8,threshold=0", 0.0, 1},
      // Row reuse without ffn_reuse (Z2 per row); post-LN chain of three with reuse.
      {"n=17,d=32,heads=2,ffn=48,layers=1,seed=31,similarity=0.9,k=4,window=3,threshold=4,ffn_reuse=off", 0.2, 1},
      {"n=12,d=32,heads=4,ffn=32,layers=3,seed=37,similarity=0.9,k=3,window=2,threshold=3", 0.1, 1},
  };
  for (const auto& c : cases) {
    const std::string spec = c.spec;
    CAPTURE(spec);
    auto w = cosim::make_workload(c.spec, Mode::Spls, spls_opts());
    Harness h(cosim::config_for(*w.img, c.bp, 12, 7));
    esact::sim::RunResult r;
    run_spls(h, w, &r);
    const auto g = golden_prediction(w);
    CHECK(g.n - g.leaders() >= c.min_followers);
    // The golden SPLS output is not the dense one here (k < n or reuse), so
    // the exact comparison above tells a masked / reused layer from a dense one.
    const auto dense = esact::run_model(w.model, w.x, w.n, Mode::Dense);
    CHECK(dense.back().y != w.golden.back().y);
    MESSAGE(fmt::format("{}: {} cycles, PREDICT alone {} cycles, {} followers", c.spec, r.cycles,
                        r.phase_cycles[P::PH_PREDICT], g.n - g.leaders()));
  }
}

TEST_CASE("cosim spls: V heads after PREDICT run on the keys of U_h only, rows scattered, exact") {
  // Key rows, and every V head's command made to wait for the list's
  // PREDICT: each runs on U_h (masks read, rows gathered and scattered), the
  // other V rows keep what scratch held (0xa5 fill, then layer 0's), and the
  // attention, which reads only keys of U_h, stays exact.
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=2,seed=53,similarity=0.9,k=3,window=4,threshold=3",
                                Mode::Spls, spls_opts(true));
  unsigned patched = 0;
  for (int layer = 0; layer < 2; ++layer) {
    const auto& cmds = w.img->commands(layer).commands();
    for (unsigned i = 0; i < cmds.size(); ++i)
      if (cmds[i].op == P::OP_GEMM && cmds[i].mask_en) {
        w.img->set_cmd_word(layer, i, P::CMD_WAIT1, w.img->cmd_word(layer, i, P::CMD_WAIT1) | 1u << 16);
        ++patched;
      }
  }
  REQUIRE(patched == 2 * 2);  // V of 2 heads in 2 layers
  Harness h(cosim::config_for(*w.img, 0.2, 10, 21));
  std::vector<size_t> splits;
  run_spls(h, w, nullptr, &splits);
  CHECK(splits == std::vector<size_t>{0, 0});
  // The same list as compiled: at this size PREDICT outlasts K and V, so
  // every V head issues before PREDICT is written and runs on all N tokens.
  auto w2 = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=2,seed=53,similarity=0.9,k=3,window=4,threshold=3",
                                 Mode::Spls, spls_opts(true));
  run_spls(h, w2, nullptr, &splits);
  CHECK_FALSE(splits.empty());
  // U_h leaves keys out in both layers, so rows were skipped and scattered.
  for (const auto& g : w.golden) {
    const auto u = key_set_sizes(g);
    CHECK(std::accumulate(u.begin(), u.end(), uint64_t{0}) < static_cast<uint64_t>(g.n * g.heads));
  }
}

TEST_CASE("cosim spls: the comparison fails on one wrong bit of a mask or of the leader table") {
  auto w = cosim::make_workload("n=13,d=40,heads=4,ffn=48,layers=1,seed=3,similarity=0.9,k=4,window=3,threshold=6",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img));
  run_spls(h, w);
  const auto g = golden_prediction(w);
  const auto l = esact::sim::scratch_layout(g.n, g.d, g.f, g.heads);
  for (uint64_t off : {l.mask + 3 * l.mask_ld + 1, l.lead + 4 * 7 + 3}) {
    const uint64_t a = w.img->scratch_base() + off;
    std::vector<uint8_t> b(1);
    h.mem().read(a, b);
    const std::vector<uint8_t> flipped{static_cast<uint8_t>(b[0] ^ 0x01u)};
    h.mem().write(a, flipped);
    CHECK_FALSE(diff_prediction(h.mem(), *w.img, g).empty());
    h.mem().write(a, b);
    CHECK(diff_prediction(h.mem(), *w.img, g).empty());
  }
}

TEST_CASE("cosim spls: knobs the front end rejects end the run with ERR_KNOB naming them, then an exact run") {
  auto w = cosim::make_workload("n=12,d=32,heads=2,ffn=32,layers=2,seed=17,similarity=0.6,k=4,window=2",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.2, 10, 3));
  const unsigned pi = pred_index(*w.img, 1);
  struct Case {
    unsigned word;
    uint32_t value, bits;  // esact_spls err_o bits in ERR_INFO[13:8]
  };
  const uint32_t x0 = w.img->cmd_word(1, pi, P::CMD_X0), mk = w.img->cmd_word(1, pi, P::CMD_MK);
  const Case cases[] = {
      {P::CMD_MK, (mk & 0xffffu) | 13u << 16, 1u << 4},                  // k = 13 > n = 12
      {P::CMD_MK, (mk & 0xffffu), 1u << 4},                              // k = 0
      {P::CMD_X0, (x0 & 0xffff0000u) | (P::H_MAX + 1), 1u << 1},        // heads > H_MAX
      {P::CMD_X0, (x0 & 0xffffu) | (P::W_MAX + 1) << 16, 1u << 5},      // W > W_MAX
      {P::CMD_N, P::DH_MAX + 1, 1u << 2},                                // dh > DH_MAX
      {P::CMD_MK, (mk & 0xffff0000u) | (P::N_MAX + 1), 1u << 0 | 1u << 4},  // n > N_MAX (k > n follows)
  };
  for (const auto& c : cases) {
    CAPTURE(c.word);
    CAPTURE(c.value);
    const auto r = run_with_word(h, w, pi, c.word, c.value);
    INFO(r.problem());
    CHECK(r.err_code == P::ERR_KNOB);
    CHECK((r.err_info & 0xffu) == 1u);                   // layer 1
    CHECK(((r.err_info >> 8) & 0xffu) == (0x80u | c.bits));
    CHECK((r.err_info >> 16) == pi);
    CHECK(r.problem().find("ERR_KNOB") != std::string::npos);
    MESSAGE(r.problem());
  }
  run_spls(h, w);
}

TEST_CASE("cosim spls: bad leader-rows commands end with ERR_CMD naming the command and word, then an exact run") {
  auto w = cosim::make_workload("n=12,d=32,heads=2,ffn=32,layers=2,seed=19,similarity=0.9,k=4,window=2,threshold=3",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.2, 10, 13));
  const auto& cmds = w.img->commands(1).commands();
  auto find = [&](auto pred) {
    for (unsigned i = 0; i < cmds.size(); ++i)
      if (pred(cmds[i])) return i;
    FAIL("no such command in the list");
    return 0u;
  };
  const unsigned q = find([](const esact::sim::Command& c) { return c.op == P::OP_GEMM && c.gather; });
  const unsigned kq = find([](const esact::sim::Command& c) { return c.op == P::OP_GEMM && !c.lrows; });
  const unsigned sm = find([](const esact::sim::Command& c) { return c.op == P::OP_SM && c.lrows; });
  const unsigned ln = find([](const esact::sim::Command& c) { return c.op == P::OP_LN && c.lead_en; });
  const unsigned qk = find([](const esact::sim::Command& c) { return c.phase == P::PH_QK; });
  const uint32_t hq = w.img->cmd_word(1, q, P::CMD_HDR), hk = w.img->cmd_word(1, kq, P::CMD_HDR);
  const uint32_t hs = w.img->cmd_word(1, sm, P::CMD_HDR), hl = w.img->cmd_word(1, ln, P::CMD_HDR);
  struct Case {
    unsigned cmd, word;
    uint32_t value;
  };
  const Case cases[] = {
      {q, P::CMD_WAIT1, w.img->cmd_word(1, q, P::CMD_WAIT1) & 0xffffu},  // leader rows without waiting for PREDICT
      {kq, P::CMD_HDR, hk | 1u << P::CMD_H_GATHER},                       // gather without leader rows
      {ln, P::CMD_HDR, hl | 1u << P::CMD_H_LROWS},                        // leader rows on a LayerNorm that
                                                                          // reads in2 through the leader table
      {sm, P::CMD_HDR, hs & ~(1u << P::CMD_H_MASK)},                      // softmax gather without masks
      {q, P::CMD_HDR, hq | 1u << 18},                                     // a reserved header bit
      {qk, P::CMD_X1, w.img->cmd_word(1, qk, P::CMD_X1) | 1u << 16},      // r0 wider than 16 bits
      {q, P::CMD_HDR, hq | 1u << P::CMD_H_MASK},                          // key rows with leader rows
      {kq, P::CMD_HDR, (hk & ~(3u << P::CMD_H_EPI)) | 1u << P::CMD_H_MASK | P::EPI_GELU << P::CMD_H_EPI},
                                                                          // key rows with a GELU epilogue
  };
  for (const auto& c : cases) {
    CAPTURE(c.cmd);
    CAPTURE(c.word);
    REQUIRE(w.img->cmd_word(1, c.cmd, c.word) != c.value);
    const auto r = run_with_word(h, w, c.cmd, c.word, c.value);
    INFO(r.problem());
    CHECK(r.err_code == P::ERR_CMD);
    CHECK(r.err_info == (c.cmd << 16 | c.word << 8 | 1u));
  }
  run_spls(h, w);
}

TEST_CASE("cosim spls: a reset in the middle of PREDICT, then an exact run") {
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=1,seed=23,similarity=0.9,k=5,window=4,threshold=6",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.1, 10, 5));
  w.img->load(h.mem());
  h.configure(*w.img, Mode::Spls);
  h.start();
  // Until the front end has written its first mask (PREDICT has been running).
  const auto l = esact::sim::scratch_layout(w.n, w.model.d_model, w.model.d_ffn, w.model.n_heads);
  std::vector<uint8_t> b(1);
  uint64_t t = 0;
  for (; t < kTimeout; t += 64) {
    h.step(64);
    h.mem().read(w.img->scratch_base() + l.lead, b);
    if (b[0] != 0xa5) break;
  }
  REQUIRE(t < kTimeout);
  h.reset();
  run_spls(h, w);
}

TEST_CASE("cosim spls: MODE = 1 is accepted, OP_PRED in a list needs no mode") {
  // The dense list in SPLS mode (no PREDICT) runs as in dense mode ...
  {
    auto dense = cosim::make_workload("n=8,d=32,heads=2,ffn=32,layers=1,seed=29");
    Harness h(cosim::config_for(*dense.img));
    const auto mm = cosim::run_and_compare(h, dense, Mode::Spls, kTimeout);
    INFO(mm.str());
    CHECK_FALSE(mm.any);
  }
  // ... and the SPLS list in dense mode runs too (the list decides what runs).
  auto sp = cosim::make_workload("n=8,d=32,heads=2,ffn=32,layers=1,seed=29,similarity=0.9,k=3,window=2,threshold=2",
                                 Mode::Spls, spls_opts());
  Harness h2(cosim::config_for(*sp.img));
  const auto mm2 = cosim::run_and_compare(h2, sp, Mode::Dense, kTimeout);
  INFO(mm2.str());
  CHECK_FALSE(mm2.any);
  const std::string d = diff_prediction(h2.mem(), *sp.img, golden_prediction(sp));
  INFO(d);
  CHECK(d.empty());
}

TEST_CASE("cosim spls: scratch too small for the SPLS regions ends with ERR_SCRATCH, then an exact run") {
  // The SPLS layout adds the pre-LN input, the masks and the leader table to
  // the dense one: a scratch region big enough for the dense layer only is refused.
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=1,seed=43,similarity=0.9,k=4,window=2,threshold=4",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.1, 10, 9));
  const auto dense = esact::sim::scratch_layout(16, 32, 32);
  const auto sp = esact::sim::scratch_layout(16, 32, 32, 2);
  REQUIRE(dense.need < sp.need);
  for (uint64_t size : {dense.need, sp.need - 1}) {
    CAPTURE(size);
    const auto r = run_once(h, w, [&] { h.csr_write(P::CSR_SCRATCH_SIZE, static_cast<uint32_t>(size)); });
    check_error(r, P::ERR_SCRATCH, "ERR_SCRATCH");
  }
  run_spls(h, w);
}

TEST_CASE("cosim spls: a memory error on PREDICT's mask writes ends with ERR_AXI_WRITE, then an exact run") {
  // Only PREDICT writes the mask region, so the error response is PREDICT's.
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=2,seed=47,similarity=0.6,k=5,window=2",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.2, 10, 11));
  const auto l = esact::sim::scratch_layout(w.n, w.model.d_model, w.model.d_ffn, w.model.n_heads);
  h.mem().add_error_range(w.img->scratch_base() + l.mask + 5 * l.mask_ld, 1, false, true);
  const auto r = run_once(h, w);
  check_error(r, P::ERR_AXI_WRITE, "ERR_AXI_WRITE");
  MESSAGE(r.problem());
  h.mem().clear_error_ranges();
  run_spls(h, w);
}

// ---------------------------------------------------------------------------
// Faults in SPLS mode (issue 13): an AXI read error during PREDICT, a reset in
// the middle of PREDICT, of a leader-row phase or of LayerNorm, the front
// end's sub-unit errors (ERR_SPLS).  Each run ends with the named error (or an
// idle accelerator after the reset) and the next run on the same harness is
// exact.
// ---------------------------------------------------------------------------
namespace {
// Start a run and clock it until phase `ph` is the running one (its cycle
// counter grew since the last poll) and has counted at least `into` cycles;
// then reset the accelerator at once.  Returns the run's cycle of the reset,
// 0 when the run ended first.
uint64_t reset_in_phase(Harness& h, cosim::Workload& w, unsigned ph, uint32_t into) {
  w.img->load(h.mem());
  h.configure(*w.img, Mode::Spls);
  h.start();
  const uint32_t addr = P::CSR_PHASE_CYCLES + 4 * ph;
  uint32_t prev = 0;
  for (const uint64_t t0 = h.cycle(); h.cycle() - t0 < kTimeout;) {
    h.step(8);
    if ((h.csr_read(P::CSR_STATUS) & 1u) == 0) return 0;
    const uint32_t c = h.csr_read(addr);
    if (c > prev && c >= into) {
      const uint64_t at = h.cycle() - t0;
      h.reset(3);
      return at;
    }
    prev = c;
  }
  return 0;
}
}  // namespace

TEST_CASE("cosim spls: an error response on PREDICT's reads (A, Wk, Wq) ends with ERR_AXI_READ, then an exact run") {
  // One layer: the Q GEMM and everything after it wait for PREDICT (the
  // leader rows), so a run that ends before any QK / softmax cycle ended
  // while PREDICT ran.  A (= X, post-LN) and Wk are read by the K/V GEMMs
  // too, Wq only by PREDICT before the Q GEMM.
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=1,seed=53,similarity=0.9,k=5,window=3,threshold=4",
                                Mode::Spls, spls_opts());
  Harness h(cosim::config_for(*w.img, 0.2, 10, 17));
  struct Case {
    std::string what;
    uint64_t addr;
  };
  const uint64_t d = static_cast<uint64_t>(w.model.d_model);
  const Case cases[] = {
      {"A row 9", w.img->act_addr(0) + 9 * d},
      {"Wk^T row 20", w.img->desc_word(0, P::DESC_WK) + 20 * d},
      {"Wq^T row 3", w.img->desc_word(0, P::DESC_WQ) + 3 * d},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    h.mem().add_error_range(c.addr, 16, true, false);
    const auto r = run_once(h, w);
    h.mem().clear_error_ranges();
    INFO(r.problem());
    CHECK(r.axi_errors.empty());
    check_error(r, P::ERR_AXI_READ, "ERR_AXI_READ");
    CHECK((r.err_info & 0xffu) == 0u);  // layer 0
    for (const unsigned ph : {P::PH_QK, P::PH_SOFTMAX, P::PH_AV, P::PH_WO}) CHECK(r.phase_cycles[ph] == 0);
    MESSAGE(fmt::format("{}: {} after {} cycles", c.what, r.problem(), r.cycles));
  }
  run_spls(h, w);
}

TEST_CASE("cosim spls: a reset in the middle of PREDICT, of a leader-row phase or of LayerNorm, then an exact run") {
  // Leader rows everywhere after PREDICT: QK, softmax (mask gather), AV, Wo
  // and (ffn_reuse) FFN1 / FFN2 run on the |L| leader rows; LN1 / LN2 on
  // every row, a follower's Z / Z2 read at its leader's row.
  auto w = cosim::make_workload("n=20,d=32,heads=2,ffn=48,layers=2,seed=59,similarity=0.9,k=5,window=3,threshold=4",
                                Mode::Spls, spls_opts());
  REQUIRE(w.golden.back().leaders() < w.n);
  for (const unsigned ph : {P::PH_PREDICT, P::PH_QK, P::PH_SOFTMAX, P::PH_AV, P::PH_WO, P::PH_LN1, P::PH_FFN1,
                            P::PH_FFN2, P::PH_LN2}) {
    const std::string phase = esact::sim::phase_name(ph);
    CAPTURE(phase);
    Harness h(cosim::config_for(*w.img, 0.2, 10, 19 + ph));  // one accelerator per case
    const uint64_t at = reset_in_phase(h, w, ph, 24);
    REQUIRE(at > 0);
    CHECK(h.csr_read(P::CSR_STATUS) == 0u);
    CHECK(h.mem().errors().empty());
    run_spls(h, w);
    MESSAGE(fmt::format("reset in {} at cycle {}, then an exact run", phase, at));
  }
}

TEST_CASE("cosim spls: a sub-unit error of the front end ends with ERR_SPLS naming the unit, then an exact run") {
  // The injected fault (+esact_spls_fault, rtl/spls/esact_spls.sv) drops one
  // row-end mark inside the front end: the top-k unit then sees a score row
  // of 2n > N_MAX scores (n = 40, N_MAX = 64 in this model), the similarity
  // unit a row of 2 * 9 > H_MAX heads.  Without the error path the run never
  // ends (the front end waits for a row that never comes).
  auto w = cosim::make_workload("n=40,d=72,heads=9,ffn=32,layers=2,seed=61,similarity=0.9,k=6,window=3,threshold=8",
                                Mode::Spls, spls_opts());
  REQUIRE(2 * w.model.n_heads > static_cast<int>(P::H_MAX));
  struct Case {
    const char* fault;
    uint32_t unit;  // ERR_INFO[15:8]
    const char* name;
  };
  for (const Case c : {Case{"topk", 1u, "top-k unit"}, Case{"simil", 2u, "similarity unit"}}) {
    CAPTURE(c.fault);
    auto hc = cosim::config_for(*w.img, 0.2, 10, 23);
    hc.plusargs = {fmt::format("+esact_spls_fault={}", c.fault)};
    Harness h(hc);
    const auto r = run_once(h, w);
    INFO(r.problem());
    check_error(r, P::ERR_SPLS, "ERR_SPLS");
    CHECK(r.err_info == (pred_index(*w.img, 0) << 16 | c.unit << 8 | 0u));  // layer 0's PRED
    CHECK(r.problem().find(c.name) != std::string::npos);
    // At once: before the front end's watchdog could have ended the run
    // (WD_CYCLES = 10,752 in vesact_top_spls; docs/reliability.md), which
    // would name the same sticky sub-unit error.
    CHECK(r.cycles < 10'752u);
    MESSAGE(fmt::format("{} after {} cycles", r.problem(), r.cycles));
    run_spls(h, w);  // the fault is injected once per simulation
  }
}

TEST_CASE("cosim spls: a mark lost below the sub-units' bounds ends with ERR_SPLS no progress (watchdog), then an exact run") {
  // The same injected faults as above on a layer where the lost mark raises
  // no sub-unit error: the top-k unit sees a row of 2n = 32 <= N_MAX scores,
  // the similarity unit a row of 2 * 2 <= H_MAX heads.  The front end then
  // waits for a mask or decision that never comes, with no port waiting for
  // memory: esact_spls's watchdog ends the run (err_o code 3) long before the
  // host's time-out.
  auto w = cosim::make_workload("n=16,d=32,heads=2,ffn=32,layers=2,seed=67,similarity=0.9,k=5,window=3,threshold=4",
                                Mode::Spls, spls_opts());
  REQUIRE(2 * w.n <= 64);  // N_MAX of vesact_top_spls (sim/CMakeLists.txt)
  REQUIRE(2 * w.model.n_heads <= static_cast<int>(P::H_MAX));
  for (const char* fault : {"topk", "simil"}) {
    CAPTURE(fault);
    auto hc = cosim::config_for(*w.img, 0.2, 10, 29);
    hc.plusargs = {fmt::format("+esact_spls_fault={}", fault)};
    Harness h(hc);
    const auto r = run_once(h, w);
    INFO(r.problem());
    check_error(r, P::ERR_SPLS, "ERR_SPLS");
    CHECK(r.err_info == (pred_index(*w.img, 0) << 16 | 3u << 8 | 0u));  // layer 0's PRED, unit 3
    CHECK(r.problem().find("no progress") != std::string::npos);
    CHECK(r.axi_errors.empty());
    MESSAGE(fmt::format("{}: {} after {} cycles", fault, r.problem(), r.cycles));
    run_spls(h, w);
  }
}
