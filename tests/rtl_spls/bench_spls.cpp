// bench_spls: cycles per query row of esact_spls at esact_pkg sizes (not a CTest;
// `cmake --build <build> --target bench_spls && <build>/tests/rtl_spls/bench_spls`).
// Drives one layer-sized run per configuration with no stalls, checks every mask
// and decision against the golden model, and prints the measured cycles next to
// the dense Q/K generation MACs it replaces.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "Vspls_l8.h"
#include "Vspls_l64.h"
#include "esact/params.hpp"
#include "esact/spls.hpp"
#include "spls_stream.hpp"
#include "tb_common.hpp"

namespace {
// Set byte l of a Verilator port of 8 * lanes bits (a 64-bit integer or a VlWide).
template <typename T>
void set_byte(T& port, int l, uint8_t v) {
  if constexpr (std::is_integral_v<T>) {
    if (l == 0) port = 0;
    port |= static_cast<T>(v) << (8 * l);
  } else {
    if (l % 4 == 0) port[l / 4] = 0;
    port[l / 4] |= static_cast<uint32_t>(v) << (8 * (l % 4));
  }
}

struct Cfg {
  int n, heads, dh, k, window, threshold;
};

template <typename M, int kLanes>
bool bench(const Cfg& c, std::mt19937_64& rng) {
  auto m = std::make_unique<M>();
  spls_tb::reset(*m);
  const int d = c.heads * c.dh, n = c.n;
  const auto x = spls_tb::similar_rows(rng, n, d, 0.6, 0);
  const auto wq = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, 0);
  const auto wk = spls_tb::random_int8(rng, static_cast<size_t>(d) * d, 0);
  const auto pred = esact::predict(x, wq, wk, n, d, c.heads);
  const auto masks = esact::topk_masks(pred.pam, n, c.heads, c.k);
  const auto leader = esact::similarity(masks, n, c.heads, c.window, c.threshold);
  const auto beats = spls_tb::weight_stream(wq, wk, n, d, c.heads, kLanes, rng);
  m->cfg_n_i = n;
  m->cfg_heads_i = c.heads;
  m->cfg_dh_i = c.dh;
  m->cfg_k_i = c.k;
  m->cfg_window_i = c.window;
  m->cfg_thresh_i = c.threshold;
  m->m_ready_i = 1;
  m->l_ready_i = 1;
  m->start_i = 1;
  spls_tb::settle(*m);
  spls_tb::posedge(*m);
  m->start_i = 0;
  size_t xi = 0, wi = 0, mi = 0;
  int li = 0, errors = 0, followers = 0;
  uint64_t cycle = 0, first = 0, last = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (bool done = false; !done; ++cycle) {
    m->x_valid_i = xi < x.size();
    m->x_data_i = static_cast<uint8_t>(xi < x.size() ? x[xi] : 0);
    m->w_valid_i = wi < beats.size();
    if (wi < beats.size())
      for (int l = 0; l < kLanes; ++l) set_byte(m->w_data_i, l, beats[wi][l]);
    spls_tb::settle(*m);
    if (m->m_valid_o) {
      const int i = static_cast<int>(mi / c.heads), h = static_cast<int>(mi % c.heads);
      for (int j = 0; j < n; ++j) {
        const int r = (m->m_mask_o[j / 32] >> (j % 32)) & 1;
        if (r != masks[(static_cast<size_t>(h) * n + i) * n + j] && errors++ == 0)
          fmt::print("MISMATCH mask row {} head {} column {} (cycle {})\n", i, h, j, cycle);
      }
      ++mi;
    }
    if (m->l_valid_o) {
      const int r = m->l_follower_o ? static_cast<int>(m->l_leader_o) : -1;
      if (r != leader[li] && errors++ == 0) fmt::print("MISMATCH leader row {} (cycle {})\n", li, cycle);
      followers += r >= 0;
      if (li == 0) first = cycle;
      last = cycle;
      ++li;
    }
    if (m->x_valid_i && m->x_ready_o) ++xi;
    if (m->w_valid_i && m->w_ready_o) ++wi;
    done = m->done_o;
    spls_tb::posedge(*m);
    if (cycle > 2'000'000'000ull) {
      fmt::print("hang\n");
      return false;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int gph = (c.dh + kLanes - 1) / kLanes;
  const double per_row = n > 1 ? static_cast<double>(last - first) / (n - 1) : 0.0;
  const double dense_qk_macs_row = 2.0 * d * d;  // one Q row + one K row per token
  const double mac_cells = double(esact::params::MAC_ROWS) * esact::params::MAC_COLS;
  fmt::print(
      "LANES={:3d} N={} D={} H={} Dh={} k={} W={} T={}: {} cycles, K phase (first decision) {} cycles, "
      "{:.0f} cycles/query row (model H*ceil(Dh/L)*(D+N) = {}), {} followers, {} errors, {:.1f} s\n"
      "    dense Q/K generation it replaces: {:.0f} MACs per row = {:.0f} cycles/row on the {}x{} MAC array; "
      "prediction additions per layer {} (golden count)\n",
      kLanes, n, d, c.heads, c.dh, c.k, c.window, c.threshold, cycle, first, per_row,
      static_cast<long>(c.heads) * gph * (d + n), followers, errors, secs, dense_qk_macs_row,
      dense_qk_macs_row / mac_cells, esact::params::MAC_ROWS, esact::params::MAC_COLS, pred.additions);
  return errors == 0 && li == n;
}
}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  spls_tb::init_verilator();
  std::mt19937_64 rng(spls_tb::seed());
  bool ok = true;
  // BERT-base-like head shape (Dh = 64) at two sequence lengths, and a small one.
  const std::vector<Cfg> cfgs = {{64, 4, 64, 16, 4, 40}, {128, 12, 64, 32, 4, 300}};
  for (const auto& c : cfgs) {
    ok &= bench<Vspls_l8, 8>(c, rng);
    ok &= bench<Vspls_l64, 64>(c, rng);
  }
  std::fflush(stdout);
  return ok ? 0 : 1;
}
