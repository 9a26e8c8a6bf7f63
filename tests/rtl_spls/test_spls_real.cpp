// esact_spls (the whole SPLS front end) on REAL data: the trained, quantized
// models run through esact::run_model in SPLS mode on the first sequences of
// their test splits: models/digits_vit and models/fortunes_bert (4 layers, N=64,
// D=64, H=4, Dh=16) on the build Vspls_real (N_MAX = 64), and models/langid_bert
// (6 layers, N=128, D=128, H=4, Dh=32; its committed sample/ of the test split)
// on the build Vspls_real128 (N_MAX = 128, D_MAX = 128, DH_MAX = 32); for every
// layer the RTL gets that layer's attention input
// (LayerResult::a), its Wq/Wk as HLog codes and its knobs (k clamped to N as the
// golden model does, W, T), with random stalls on all four streams.  Every mask
// of every (row, head) must equal LayerResult::masks and every leader/follower
// decision LayerResult::leader.  Counters make sure the test compares what it
// claims (all masks and decisions, and some followers among them).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "Vspls_real.h"
#include "Vspls_real128.h"
#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "spls_drive.hpp"

namespace {
// -G of the two test builds (tests/rtl_spls/CMakeLists.txt, SPLS_REAL_G, SPLS_REAL128_G)
template <typename M>
struct Sizes;
template <>
struct Sizes<Vspls_real> {
  static constexpr int kNMax = 64, kDMax = 64, kHMax = 4, kDhMax = 16, kWMax = 8;
};
template <>
struct Sizes<Vspls_real128> {
  static constexpr int kNMax = 128, kDMax = 128, kHMax = 4, kDhMax = 32, kWMax = 8;
};
constexpr int kCols = 4, kCh = 16;  // the esact_pkg array shape

using spls_tb::Stalls;

struct Counts {
  uint64_t masks = 0, mask_bits = 0, decisions = 0, followers = 0, cycles = 0;
};

/// One layer through the RTL; FAILs on the first mismatch (model, sequence, layer,
/// row, head, column, cycle in `where`).
template <typename M>
void run_layer(M& m, std::mt19937_64& rng, const esact::Model& model, const esact::Layer& layer,
               const esact::LayerResult& r, const Stalls& st, const std::string& where, Counts& cnt) {
  const int n = r.n, d = r.d, heads = r.heads, dh = d / heads;
  const int k = r.k_used, window = layer.spls.window, threshold = layer.spls.threshold;
  INFO(fmt::format("{}: n={} d={} heads={} dh={} k={} (knob {}) W={} T={}", where, n, d, heads, dh, k,
                   layer.spls.k, window, threshold));
  using S = Sizes<M>;
  REQUIRE(model.d_model == d);
  REQUIRE_MESSAGE((n >= 1 && n <= S::kNMax && d <= S::kDMax && heads <= S::kHMax && dh <= S::kDhMax &&
                   window <= S::kWMax),
                  fmt::format("layer exceeds the sizes of this RTL build (N_MAX={} D_MAX={} H_MAX={} DH_MAX={} "
                              "W_MAX={})", S::kNMax, S::kDMax, S::kHMax, S::kDhMax, S::kWMax));
  REQUIRE(k == std::min(layer.spls.k, n));
  REQUIRE(r.a.size() == static_cast<size_t>(n) * d);
  REQUIRE(r.masks.size() == static_cast<size_t>(heads) * n * n);
  REQUIRE(r.leader.size() == static_cast<size_t>(n));

  const auto& x = r.a;
  const auto xb = spls_tb::token_stream(x, n, d, kCh, rng);
  const auto beats = spls_tb::weight_stream(layer.wq, layer.wk, d, heads, kCols, rng);
  const auto s = spls_tb::run(m, rng, {n, heads, dh, k, window, threshold}, xb, beats,
                              {r.masks, r.leader, r.pred.pam}, st, S::kNMax, kCh, kCols, 20'000'000, where);
  cnt.masks += s.masks;
  cnt.mask_bits += s.mask_bits;
  cnt.decisions += s.decisions;
  cnt.followers += s.followers;
  cnt.cycles += s.cycles;
}
/// The first `sequences` of each model's `split` folder through the RTL build M; every
/// mask and decision compared, and counted against what the golden model produced.
template <typename M>
void run_models(const std::vector<std::string>& names, const char* split, int sequences, uint64_t seed_tag) {
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed() ^ seed_tag);
  M m;
  spls_tb::reset(m);
  // The stall mix of test_spls.cpp on all four streams (w, the stream that sets the
  // pace, is willing 70% of the cycles, as there).
  const Stalls st{{0.5}, {0.7}, {0.3}, {0.5}};
  const std::filesystem::path root = ESACT_SOURCE_DIR;
  Counts total;
  uint64_t expected_masks = 0, expected_decisions = 0, golden_followers = 0, shape_masks = 0;
  for (const auto& name : names) {
    const auto dir = root / "models" / name;
    const esact::Model model = esact::load_model(dir);
    const esact::Inputs in = esact::load_inputs(dir / split, model);
    REQUIRE_MESSAGE(in.batch >= sequences, fmt::format("{}: only {} sequences in {}/", name, in.batch, split));
    REQUIRE(model.layers.size() >= 1);
    shape_masks += static_cast<uint64_t>(sequences) * model.layers.size() * in.n * model.n_heads;
    Counts c;
    for (int b = 0; b < sequences; ++b) {
      const auto res = esact::run_model(model, in.sequence(b), in.n, esact::Mode::Spls);
      REQUIRE(res.size() == model.layers.size());
      for (size_t li = 0; li < res.size(); ++li) {
        const auto& r = res[li];
        expected_masks += static_cast<uint64_t>(r.n) * r.heads;
        expected_decisions += static_cast<uint64_t>(r.n);
        for (int v : r.leader) golden_followers += v >= 0;
        run_layer(m, rng, model, model.layers[li], r, st,
                  fmt::format("model {} sequence {} layer {}", name, b, li), c);
      }
    }
    MESSAGE(fmt::format("{}: {} sequences x {} layers: {} masks ({} bits) and {} decisions equal, {} followers, "
                        "{} cycles",
                        name, sequences, model.layers.size(), c.masks, c.mask_bits, c.decisions, c.followers,
                        c.cycles));
    CHECK_MESSAGE(c.followers > 0, fmt::format("{}: no follower seen, reuse path not exercised", name));
    total.masks += c.masks;
    total.mask_bits += c.mask_bits;
    total.decisions += c.decisions;
    total.followers += c.followers;
    total.cycles += c.cycles;
  }
  // Not vacuous: every (row, head) mask and every row decision was compared.
  CHECK(total.masks == expected_masks);
  CHECK(total.masks == shape_masks);  // sequences x layers x N x H of every model
  CHECK(total.decisions == expected_decisions);
  CHECK(total.followers == golden_followers);
  CHECK(total.followers > 0);
}
}  // namespace

TEST_CASE("rtl spls: masks and leader table equal the golden model on the trained models (stalls)") {
  constexpr int kSequences = 8;  // first sequences of each test split
  run_models<Vspls_real>({"digits_vit", "fortunes_bert"}, "test", kSequences, 0x4ea1);
}

TEST_CASE("rtl spls: the N=128 build on langid_bert (6 layers, N=128, D=128; its sample of the test split)") {
  constexpr int kSequences = 2;  // of the 4 committed in models/langid_bert/sample
  run_models<Vspls_real128>({"langid_bert"}, "sample", kSequences, 0x1a9d);
}
