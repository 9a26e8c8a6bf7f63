// esact-spls-bench: the SPLS front end (esact_spls at the esact_pkg sizes) alone on
// one layer of a synthetic workload, without stalls.  Every mask and every
// leader decision is checked against the golden model (exit 1 on a mismatch),
// the bytes read on the x and w streams are counted, and the cycle count is
// checked against the cycle model of docs/spls-rtl.md (spls_cycle_model.hpp;
// exit 2 when they differ; exit 3 on bad input, exit 4 with fewer followers than
// --min-followers).  The last line is `front end cycles: C`.
//
//   esact-spls-bench --synthetic n=128,d=768,heads=12,similarity=0.6,seed=1 [--k K] [--window W] [--threshold T]
//                    [--min-followers F]
#include <cstdio>
#include <exception>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "Vspls_pkg.h"
#include "esact/layer.hpp"
#include "esact/params.hpp"
#include "esact/report.hpp"
#include "esact/synthetic.hpp"
#include "spls_cycle_model.hpp"
#include "spls_stream.hpp"
#include "tb_common.hpp"

namespace {
namespace params = esact::params;

struct Outcome {
  uint64_t cycles = 0, masks = 0, decisions = 0, followers = 0, mismatches = 0;
  uint64_t x_bytes = 0, w_bytes = 0;
  std::string first_mismatch;
};

void note_mismatch(Outcome& o, std::string what) {
  if (o.mismatches++ == 0) o.first_mismatch = std::move(what);
}

Outcome run_front_end(const esact::LayerResult& r, const esact::Layer& layer, int window, int threshold) {
  const int n = r.n, d = r.d, heads = r.heads, dh = d / heads;
  std::mt19937_64 rng(1);
  const auto xb = spls_tb::token_stream(r.a, n, d, static_cast<int>(params::SPLS_CH), rng);
  const auto wb = spls_tb::weight_stream(layer.wq, layer.wk, d, heads, static_cast<int>(params::SPLS_COLS), rng);
  Vspls_pkg m;
  spls_tb::reset(m);
  m.cfg_n_i = static_cast<uint32_t>(n);
  m.cfg_heads_i = static_cast<uint32_t>(heads);
  m.cfg_dh_i = static_cast<uint32_t>(dh);
  m.cfg_k_i = static_cast<uint32_t>(r.k_used);
  m.cfg_window_i = static_cast<uint32_t>(window);
  m.cfg_thresh_i = static_cast<uint32_t>(threshold);
  m.m_ready_i = 1;
  m.l_ready_i = 1;
  m.start_i = 1;
  Outcome o;
  size_t xi = 0, wi = 0;
  const uint64_t limit = 50 * spls_cycle_model(spls_pkg_shape(), n, d, heads, window, r.leader, r.pred.pam, r.k_used) + 100000;
  for (bool done = false; !done; ++o.cycles) {
    if (o.cycles > limit) throw std::runtime_error(fmt::format("hang: no done_o after {} cycles", o.cycles));
    m.x_valid_i = xi < xb.size();
    spls_tb::put_bytes(m.x_data_i, xi < xb.size() ? xb[xi] : spls_tb::Beat(params::SPLS_CH, 0));
    m.w_valid_i = wi < wb.size();
    spls_tb::put_bytes(m.w_data_i, wi < wb.size() ? wb[wi] : spls_tb::Beat(params::SPLS_COLS, 0));
    spls_tb::settle(m);
    if (m.m_valid_o) {
      const int i = static_cast<int>(o.masks / heads), h = static_cast<int>(o.masks % heads);
      if (static_cast<int>(m.m_row_o) != i || static_cast<int>(m.m_head_o) != h)
        note_mismatch(o, fmt::format("mask {} tagged row {} head {}", o.masks, m.m_row_o, m.m_head_o));
      for (int j = 0; j < static_cast<int>(params::N_MAX); ++j) {
        const int g = j < n ? r.masks[(static_cast<size_t>(h) * n + i) * n + j] : 0;
        if (spls_tb::get_bit(m.m_mask_o, j) != g)
          note_mismatch(o, fmt::format("mask row {} head {} key {}: rtl {} golden {}", i, h, j, 1 - g, g));
      }
      ++o.masks;
    }
    if (m.l_valid_o) {
      const int i = static_cast<int>(o.decisions);
      const int got = m.l_follower_o ? static_cast<int>(m.l_leader_o) : -1;
      if (i >= n || static_cast<int>(m.l_row_o) != i || got != r.leader[i])
        note_mismatch(o, fmt::format("decision {} (row tag {}): rtl {} golden {}", i, m.l_row_o, got,
                                     i < n ? r.leader[i] : -2));
      o.followers += got >= 0;
      ++o.decisions;
    }
    if (m.x_valid_i && m.x_ready_o) ++xi;
    if (m.w_valid_i && m.w_ready_o) ++wi;
    if (m.done_o) done = true;
    spls_tb::posedge(m);
    m.start_i = 0;
  }
  if (m.err_o != 0) note_mismatch(o, fmt::format("err_o = {:#x}", m.err_o));
  if (o.masks != static_cast<uint64_t>(n) * heads || o.decisions != static_cast<uint64_t>(n))
    note_mismatch(o, fmt::format("{} masks and {} decisions, expected {} and {}", o.masks, o.decisions, n * heads, n));
  if (xi != xb.size() || wi != wb.size())
    note_mismatch(o, fmt::format("{} of {} x beats and {} of {} w beats taken", xi, xb.size(), wi, wb.size()));
  o.x_bytes = xi * params::SPLS_CH;
  o.w_bytes = wi * params::SPLS_COLS;
  // The cycle count excludes the start cycle: cycles from start_i to done_o.
  o.cycles -= 1;
  return o;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ESACT SPLS front end alone (esact_spls, esact_pkg sizes): cycles, bytes, checked masks"};
  std::string synthetic;
  std::optional<int> k, window, threshold;
  uint64_t min_followers = 0;
  app.add_option("--synthetic", synthetic, "workload, e.g. n=128,d=768,heads=12,similarity=0.6,seed=1")->required();
  app.add_option("--k", k, "SPLS top-k");
  app.add_option("--window", window, "SPLS similarity window W");
  app.add_option("--threshold", threshold, "SPLS similarity threshold T");
  app.add_option("--min-followers", min_followers,
                 "fail (exit 4) when fewer rows are followers: a test that needs the reuse path exercised");
  CLI11_PARSE(app, argc, argv);
  try {
    spls_tb::init_verilator();
    // The options override the spec's knobs; folded into the spec, the workload
    // line below prints the knobs actually used.
    esact::SyntheticSpec spec = esact::parse_synthetic(synthetic);
    spec.layers = 1;
    if (k) spec.k = k;
    if (window) spec.window = window;
    if (threshold) spec.threshold = threshold;
    esact::Synthetic s = esact::make_synthetic(spec);
    esact::apply_knobs(s.model, esact::KnobOverride{k, window, threshold, std::nullopt});  // range checks
    const esact::Layer& layer = s.model.layers.at(0);
    const int n = s.inputs.n, d = s.model.d_model, heads = s.model.n_heads;
    if (n > static_cast<int>(params::N_MAX) || d > static_cast<int>(params::D_MAX) ||
        heads > static_cast<int>(params::H_MAX) || d / heads > static_cast<int>(params::DH_MAX))
      throw std::invalid_argument(fmt::format("n={} d={} heads={} exceed the build (N_MAX={} D_MAX={} H_MAX={} "
                                              "DH_MAX={})", n, d, heads, params::N_MAX, params::D_MAX,
                                              params::H_MAX, params::DH_MAX));
    if (layer.spls.window > static_cast<int>(params::W_MAX))
      throw std::invalid_argument(fmt::format("--window {} exceeds W_MAX = {}", layer.spls.window, params::W_MAX));
    const auto res = esact::run_model(s.model, s.inputs.sequence(0), n, esact::Mode::Spls);
    const esact::LayerResult& r = res.at(0);
    std::printf("workload: %s\n", esact::to_string(spec).c_str());
    std::printf("knobs: k=%d (used %d) W=%d T=%d; array %u x %u dot units x %u channels = %u lanes\n",
                layer.spls.k, r.k_used, layer.spls.window, layer.spls.threshold,
                static_cast<unsigned>(params::SPLS_ROWS), static_cast<unsigned>(params::SPLS_COLS),
                static_cast<unsigned>(params::SPLS_CH),
                static_cast<unsigned>(params::SPLS_ROWS * params::SPLS_COLS * params::SPLS_CH));
    const Outcome o = run_front_end(r, layer, layer.spls.window, layer.spls.threshold);
    const uint64_t model = spls_cycle_model(spls_pkg_shape(), n, d, heads, layer.spls.window, r.leader, r.pred.pam, r.k_used);
    std::printf("checked: %llu masks, %llu decisions (%llu followers) against the golden model: %llu mismatches\n",
                static_cast<unsigned long long>(o.masks), static_cast<unsigned long long>(o.decisions),
                static_cast<unsigned long long>(o.followers), static_cast<unsigned long long>(o.mismatches));
    std::printf("bytes read: %llu (x %llu, w %llu = Wk and Wq once each, %llu bytes of int8 weights)\n",
                static_cast<unsigned long long>(o.x_bytes + o.w_bytes), static_cast<unsigned long long>(o.x_bytes),
                static_cast<unsigned long long>(o.w_bytes), static_cast<unsigned long long>(2ull * d * d));
    std::printf("cycle model (docs/spls-rtl.md): %llu; per query row %.1f\n", static_cast<unsigned long long>(model),
                static_cast<double>(o.cycles) / n);
    int rc = 0;
    if (o.mismatches != 0) {
      std::fprintf(stderr, "esact-spls-bench: MISMATCH (%llu): first: %s\n",
                   static_cast<unsigned long long>(o.mismatches), o.first_mismatch.c_str());
      rc = 1;
    } else if (o.cycles != model) {
      std::fprintf(stderr, "esact-spls-bench: cycle count %llu differs from the cycle model %llu\n",
                   static_cast<unsigned long long>(o.cycles), static_cast<unsigned long long>(model));
      rc = 2;
    } else if (o.followers < min_followers) {
      std::fprintf(stderr, "esact-spls-bench: %llu followers, fewer than --min-followers %llu\n",
                   static_cast<unsigned long long>(o.followers), static_cast<unsigned long long>(min_followers));
      rc = 4;
    }
    std::printf("front end cycles: %llu\n", static_cast<unsigned long long>(o.cycles));
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "esact-spls-bench: error: %s\n", e.what());
    return 3;
  }
}
