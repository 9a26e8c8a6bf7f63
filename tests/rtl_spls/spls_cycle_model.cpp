// Cycle model of esact_spls; see spls_cycle_model.hpp and docs/spls-rtl.md.
#include "spls_cycle_model.hpp"

#include <algorithm>
#include <vector>

#include "esact/params.hpp"
#include "esact/spls.hpp"

namespace {
int ceil_div(int a, int b) { return (a + b - 1) / b; }

struct TopkSearch {
  int passes = 0;   // radix passes before the emitting pass
  int trivial = 0;  // ... of which every candidate key fell into one bin
};

// esact_topk's radix select on one row, pass by pass: it stops after the first
// pass (of NP = ceil(score_w / radix)) whose picked bin holds exactly the keys
// still to choose, at the latest after NP passes.
TopkSearch topk_search(std::span<const int64_t> scores, int k, int score_w, int radix) {
  const int np = ceil_div(score_w, radix);
  const int key_w = np * radix;
  const int nb = 1 << radix;
  // key = {score with its sign bit inverted, zero padding}: unsigned order = score order.
  std::vector<uint64_t> key;
  for (const int64_t v : scores) {
    const uint64_t u = (static_cast<uint64_t>(v) & ((uint64_t{1} << score_w) - 1)) ^ (uint64_t{1} << (score_w - 1));
    key.push_back(u << (key_w - score_w));
  }
  int64_t need = std::min<int64_t>(k, static_cast<int64_t>(key.size()));
  uint64_t t_prefix = 0, known = 0;
  TopkSearch r;
  for (int t = 0; t < np; ++t) {
    const int shift = key_w - radix * (t + 1);
    std::vector<int64_t> hist(static_cast<size_t>(nb), 0);
    int64_t candidates = 0;
    for (const uint64_t x : key)
      if (((x ^ t_prefix) & known) == 0) {
        ++hist[static_cast<size_t>((x >> shift) & static_cast<uint64_t>(nb - 1))];
        ++candidates;
      }
    r.passes = t + 1;
    int64_t acc = 0;
    for (int b = nb - 1; b >= 0; --b) {
      const int64_t above = acc;
      acc += hist[static_cast<size_t>(b)];
      if (acc >= need) {
        t_prefix |= static_cast<uint64_t>(b) << shift;
        if (hist[static_cast<size_t>(b)] == candidates) ++r.trivial;
        need -= above;
        if (acc - above == need && t < np - 1) return r;  // the picked bin is all chosen
        break;
      }
    }
    known |= static_cast<uint64_t>(nb - 1) << shift;
  }
  return r;
}
}  // namespace

SplsShape spls_pkg_shape() {
  namespace p = esact::params;
  return {static_cast<int>(p::SPLS_ROWS), static_cast<int>(p::SPLS_COLS), static_cast<int>(p::SPLS_CH),
          static_cast<int>(p::N_MAX), static_cast<int>(p::DH_MAX), static_cast<int>(p::W_MAX)};
}

namespace {
// Scores per top-k read word, and the key width (esact_topk's RD and SCORE_W).
int64_t topk_read_scores(const SplsShape& s) { return std::min<int64_t>(int64_t{s.rows} * s.topk_beats, s.n_max); }
int topk_score_w(const SplsShape& s) { return esact::pam_bits(s.dh_max); }
}  // namespace

SplsTopkCount spls_topk_count(const SplsShape& s, int n, int heads, std::span<const int64_t> pam, int k) {
  const auto words = static_cast<uint64_t>(ceil_div(n, static_cast<int>(topk_read_scores(s))));
  SplsTopkCount c;
  for (int h = 0; h < heads; ++h) {
    for (int i = 0; i < n; ++i) {
      const auto row = pam.subspan((static_cast<size_t>(h) * n + i) * n, static_cast<size_t>(n));
      const TopkSearch search = topk_search(row, k, topk_score_w(s), s.topk_radix);
      ++c.pairs;
      c.passes += static_cast<uint64_t>(search.passes);
      c.trivial += static_cast<uint64_t>(search.trivial);
      c.trivial_reads += static_cast<uint64_t>(search.trivial) * words;
    }
  }
  return c;
}

uint64_t spls_cycle_model(const SplsShape& s, int n, int d, int heads, int window, std::span<const int32_t> leader,
                          std::span<const int64_t> pam, int k) {
  const int64_t dh = d / heads;
  const int64_t tb = ceil_div(n, s.rows);                // token (key) blocks
  const int64_t qd = ceil_div(d, s.ch);                  // channel chunks of D
  const int64_t gph = ceil_div(static_cast<int>(dh), s.cols);          // column groups per head
  const int64_t sqh = ceil_div(static_cast<int>(dh), s.cols * s.ch);   // PAM chunks per head
  // Configuration checks (esact_spls, H + 1 cycles) and the unit's own set-up (H + 1).
  const int64_t x0 = 3 + 2 * int64_t{heads};
  // Tokens: one beat of CH channels per cycle.
  const int64_t p0 = x0 + n * qd;
  // Weight groups (Wk then Wq): group g fills its bank (D beats) once the
  // previous group is in and the bank's group g-2 has been issued; it is issued
  // (TB x QD cycles) once filled and the lanes are free.  A head's last group is
  // followed by its conversion: K 2 TB GPH + 6 cycles, Q (ROWS + 1) TB GPH +
  // 2 TB + 4 (its quantizing sweep writes one Qt row per cycle).
  const int64_t groups = heads * gph;
  std::vector<int64_t> fill_end(2 * groups), issue_end(2 * groups);
  int64_t ready = p0;  // the lanes are free from this cycle
  for (int64_t g = 0; g < 2 * groups; ++g) {
    int64_t start = g == 0 ? x0 : fill_end[g - 1];
    if (g >= 2) start = std::max(start, issue_end[g - 2] + 1);
    fill_end[g] = start + d;  // first cycle with the bank full
    const int64_t issue = std::max(fill_end[g], ready);
    issue_end[g] = issue + tb * qd - 1;
    ready = issue_end[g] + 1;
    if ((g + 1) % gph == 0) ready += (g < groups) ? 2 * tb * gph + 6 : (s.rows + 1) * tb * gph + 2 * tb + 4;
  }
  // PAM, top-k and similarity, one (row, head) pair p at a time (esact_topk):
  // the pair's TB score beats come SQH cycles apart into a free bank of the
  // top-k memories (the first beat waits while the bank still holds pair p - 2);
  // the select starts the cycle after the last beat, or back to back with the
  // previous pair's last read, and reads P * NW words, one per cycle (P radix
  // passes, topk_search), then its emitting pass (NW words; one cycle later
  // when the search ended early, P < NP), which waits until the previous mask
  // has been taken.  The mask is
  // valid 2 cycles after the last read; the similarity unit counts it over
  // NP x max(C, 1) cycles (one part of the mask per cycle: NP parts of
  // ceil(N_MAX / SPLS_SIMIL_PARTS) keys hold the n keys; C leader rows in the
  // window [i - W, i - 1]) once it is ready (2 cycles after its previous beat
  // was taken, 3 after a row's last head: the decision leaves in between) and
  // takes it in the last of them.
  const int64_t rd = topk_read_scores(s);
  const int64_t nw = ceil_div(n, static_cast<int>(rd));
  const int score_w = topk_score_w(s);
  const int64_t np = ceil_div(score_w, s.topk_radix);
  const int64_t part_keys = ceil_div(s.n_max, static_cast<int>(esact::params::SPLS_SIMIL_PARTS));
  const int64_t parts = ceil_div(n, static_cast<int>(part_keys));  // parts holding the n keys
  // Words the similarity unit counts per head beat of row i.
  std::vector<int64_t> words(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int64_t cand = 0;
    for (int j = std::max(0, i - window); j < i; ++j) cand += leader[static_cast<size_t>(j)] < 0 ? 1 : 0;
    words[static_cast<size_t>(i)] = parts * std::max<int64_t>(cand, 1);
  }
  const int64_t pairs = int64_t{n} * heads;
  int64_t avail = ready + sqh + 1;  // the first beat is offered
  int64_t bank_free[2] = {0, 0};
  int64_t prev_fin = 0, prev_taken = -1, simil_ready = 0;
  for (int64_t p = 0; p < pairs; ++p) {
    const int64_t first_beat = std::max(avail, bank_free[p % 2]);
    const int64_t last_beat = first_beat + (tb - 1) * sqh;
    avail = last_beat + sqh;
    const int64_t start = std::max(last_beat + 1, prev_fin);
    const int64_t i = p / heads, h = p % heads;
    const auto row = pam.subspan(static_cast<size_t>((h * n + i) * n), static_cast<size_t>(n));
    const TopkSearch search = topk_search(row, k, score_w, s.topk_radix);
    const int64_t passes = search.passes - (s.topk_skip_trivial ? search.trivial : 0);
    const int64_t emit = std::max(start + passes * nw + (passes < np ? 2 : 1), prev_taken + 1);
    const int64_t fin = emit + nw - 1;  // the last read
    bank_free[p % 2] = fin + 1;
    const int64_t taken = std::max(fin + 2, simil_ready) + words[static_cast<size_t>(p / heads)] - 1;
    simil_ready = taken + ((p % heads == heads - 1) ? 3 : 2);
    prev_fin = fin;
    prev_taken = taken;
  }
  // The last decision follows 1 cycle after the last mask is taken, done_o 1 more.
  return static_cast<uint64_t>(prev_taken + 2);
}
