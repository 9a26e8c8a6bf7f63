// The host driver's memory image (sim/src/image.cpp) against docs/memory-map.md:
// descriptor words, 64-byte alignment, array contents, HLog codes, chaining.
#include <doctest/doctest.h>

#include <cstring>
#include <set>

#include "esact/hlog.hpp"
#include "esact/sim/axi_mem.hpp"
#include "esact/sim/image.hpp"
#include "esact/synthetic.hpp"

namespace P = esact::params;
using esact::sim::MemoryImage;

TEST_CASE("image: descriptors, alignment, contents and chaining follow docs/memory-map.md") {
  auto syn = esact::make_synthetic("n=5,d=48,heads=3,ffn=80,layers=2,norm=pre,seed=4");
  const auto x = syn.inputs.sequence(0);
  MemoryImage img(syn.model, x, 5);
  esact::sim::AxiMemConfig mc;
  mc.base = img.base();
  mc.size = img.memory_size();
  esact::sim::AxiMem mem(mc);
  img.load(mem, 0x5a);
  auto word = [&](int l, unsigned w) {
    uint32_t v;
    mem.read(img.desc_base() + 4 * (P::DESC_WORDS * l + w), {reinterpret_cast<uint8_t*>(&v), 4});
    return v;
  };
  for (int l = 0; l < 2; ++l) {
    const auto& L = syn.model.layers[l];
    CHECK(word(l, P::DESC_MAGIC) == P::DESC_MAGIC_VALUE);
    CHECK(word(l, P::DESC_D) == 48u);
    CHECK(word(l, P::DESC_H) == 3u);
    CHECK(word(l, P::DESC_F) == 80u);
    CHECK(word(l, P::DESC_NORM) == 1u);
    CHECK(word(l, P::DESC_K) == static_cast<uint32_t>(L.spls.k));
    CHECK(word(l, P::DESC_RQ_M + P::RQ_FFN2) == L.rq.ffn2.m);
    CHECK(word(l, P::DESC_RQ_S + P::RQ_LN2) == L.rq.ln2.s);
    CHECK(word(l, P::DESC_X_ADDR) == img.act_addr(l));
    CHECK(word(l, P::DESC_Y_ADDR) == img.act_addr(l + 1));
    // Every address word aligned to 64 and distinct.
    std::set<uint32_t> seen;
    for (unsigned w = P::DESC_X_ADDR; w <= P::DESC_WK_HLOG; ++w) {
      CHECK(word(l, w) % 64 == 0);
      CHECK(seen.insert(word(l, w)).second);
      CHECK(mem.contains(word(l, w), 1));
    }
    // Contents: W2 [F][D] stored output-major (w2t[d][f] = W2[f][d]) and b1 int32 [F],
    // LN gamma int16, the GELU table, HLog codes of Wk.
    std::vector<int8_t> w2t(L.w2.size());
    mem.read(word(l, P::DESC_W2), {reinterpret_cast<uint8_t*>(w2t.data()), w2t.size()});
    int w2_bad = 0;
    for (size_t f = 0; f < 80; ++f)
      for (size_t d = 0; d < 48; ++d) w2_bad += w2t[d * 80 + f] != L.w2[f * 48 + d];
    CHECK(w2_bad == 0);
    CHECK(w2t != L.w2);  // the layout really is transposed (random weights)
    std::vector<int32_t> b1(L.b1.size());
    mem.read(word(l, P::DESC_B1), {reinterpret_cast<uint8_t*>(b1.data()), b1.size() * 4});
    CHECK(b1 == L.b1);
    std::vector<int16_t> g(L.ln2_gamma.size());
    mem.read(word(l, P::DESC_LN2_G), {reinterpret_cast<uint8_t*>(g.data()), g.size() * 2});
    CHECK(g == L.ln2_gamma);
    std::array<int8_t, 256> gelu{};
    mem.read(word(l, P::DESC_GELU), {reinterpret_cast<uint8_t*>(gelu.data()), 256});
    CHECK(gelu == L.gelu);
    std::vector<uint8_t> hk(L.wk.size());
    mem.read(word(l, P::DESC_WK_HLOG), hk);
    for (size_t i = 0; i < hk.size(); ++i)
      REQUIRE(esact::hlog_value(esact::hlog_from_byte(hk[i])) == esact::hlog(L.wk[i]));
  }
  // X is the input; outputs and scratch are poisoned; nothing is "written by the RTL" yet.
  std::vector<int8_t> x0(x.size());
  mem.read(img.act_addr(0), {reinterpret_cast<uint8_t*>(x0.data()), x0.size()});
  CHECK(std::equal(x0.begin(), x0.end(), x.begin()));
  std::vector<uint8_t> y(img.act_bytes());
  mem.read(img.act_addr(2), y);
  CHECK(y == std::vector<uint8_t>(y.size(), 0x5a));
  CHECK(mem.last_write_cycle(img.act_addr(1)) == -1);
  CHECK(img.scratch_base() % 4096 == 0);
  CHECK(img.scratch_size() >= esact::sim::default_scratch_bytes(syn.model, 5));
  CHECK(img.find(img.act_addr(1))->name == "Y of layer 0");
  CHECK(img.find(word(1, P::DESC_W1) + 3)->name == "layer 1 w1");
}

TEST_CASE("image: bad inputs are refused with a message") {
  auto syn = esact::make_synthetic("n=4,d=32,heads=2,ffn=32,layers=1,seed=1");
  const auto x = syn.inputs.sequence(0);
  CHECK_THROWS_WITH_AS(MemoryImage(syn.model, x, static_cast<int>(P::N_MAX) + 1), doctest::Contains("N ="),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(MemoryImage(syn.model, x.subspan(1), 4), doctest::Contains("expected N x D"),
                       std::invalid_argument);
  auto bad = syn.model;
  bad.layers[0].w1.pop_back();
  CHECK_THROWS_WITH_AS(MemoryImage(bad, x, 4), doctest::Contains("w1"), std::invalid_argument);
  MemoryImage img(syn.model, x, 4);
  CHECK_THROWS_AS(img.set_desc_word(1, 0, 0), std::out_of_range);
}

// The layer compiler (sim/src/cmdlist.cpp): the records in memory are the
// commands encoded at esact_types_pkg's word and bit positions, and the wait
// counts express exactly the dependencies of docs/architecture.md.
TEST_CASE("command list: records in memory, field positions and wait counts") {
  using esact::sim::Schedule;
  auto syn = esact::make_synthetic("n=130,d=32,heads=2,ffn=64,layers=1,seed=3");  // 2 query blocks per head
  const auto x = syn.inputs.sequence(0);
  for (const auto sched : {Schedule::Serial, Schedule::Overlap}) {
    CAPTURE(static_cast<int>(sched));
    esact::sim::ImageOptions opt;
    opt.schedule = sched;
    MemoryImage img(syn.model, x, 130, opt);
    const auto& cmds = img.commands(0).commands();
    REQUIRE(img.desc_word(0, P::DESC_CMD_COUNT) == cmds.size());
    CHECK(img.desc_word(0, P::DESC_CMD_ADDR) % 64 == 0);
    CHECK(img.desc_word(0, P::DESC_SCR_BASE) == img.scratch_base());
    CHECK(img.desc_word(0, P::DESC_SCR_NEED) == esact::sim::scratch_layout(130, 32, 64).need);
    CHECK(cmds.size() == 3 + 3 * 4 + 1 + 1 + 2 + 1);  // QKV, 4 blocks x (QK, SM, AV), WO, LN1, FFN1/2, LN2
    // Fields at their documented positions.
    const auto& c5 = cmds[5];
    const uint32_t hdr = img.cmd_word(0, 5, P::CMD_HDR);
    CHECK(((hdr >> P::CMD_H_OP) & 0xfu) == c5.op);
    CHECK(((hdr >> P::CMD_H_PH) & 0xfu) == c5.phase);
    CHECK(img.cmd_word(0, 5, P::CMD_MK) == (c5.m | c5.k << 16));
    CHECK(img.cmd_word(0, 5, P::CMD_ADDR3) == c5.addr[3]);
    CHECK(img.cmd_word(0, 5, P::CMD_WAIT0) == (c5.wait[0] | c5.wait[1] << 16));
    // Every wait can be met by earlier commands of the list.
    std::array<uint32_t, P::CMD_UNITS> issued{};
    unsigned overlap_pairs = 0;
    for (size_t i = 0; i < cmds.size(); ++i) {
      for (unsigned u = 0; u < P::CMD_UNITS; ++u) CHECK(cmds[i].wait[u] <= issued[u]);
      const unsigned u = cmds[i].op == P::OP_GEMM ? 0 : cmds[i].op == P::OP_SM ? 1 : 2;
      // A GEMM that does not wait for the softmax command just before it may run beside it.
      if (i > 0 && cmds[i].op == P::OP_GEMM && cmds[i - 1].op == P::OP_SM && cmds[i].wait[1] < issued[1])
        ++overlap_pairs;
      if (sched == Schedule::Serial && i > 0) {
        const unsigned pu = cmds[i - 1].op == P::OP_GEMM ? 0 : cmds[i - 1].op == P::OP_SM ? 1 : 2;
        CHECK(cmds[i].wait[pu] == issued[pu]);  // waits for the command before it
      }
      ++issued[u];
    }
    if (sched == Schedule::Overlap) CHECK(overlap_pairs >= 3);
    else CHECK(overlap_pairs == 0);
  }
}
