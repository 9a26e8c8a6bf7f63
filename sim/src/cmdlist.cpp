// The host's layer compiler (see cmdlist.hpp and docs/architecture.md).
#include "esact/sim/cmdlist.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "esact/spls.hpp"

namespace esact::sim {
namespace P = params;

namespace {

uint64_t align64(uint64_t v) { return (v + 63) / 64 * 64; }

uint32_t a32(uint64_t addr) {
  if (addr >> P::AXI_AW)
    throw std::invalid_argument(fmt::format("command: address 0x{:x} beyond the {}-bit bus", addr, P::AXI_AW));
  return static_cast<uint32_t>(addr);
}

uint32_t field(uint64_t v, unsigned bits, const char* name) {
  if (v >> bits) throw std::invalid_argument(fmt::format("command: {} = {} does not fit {} bits", name, v, bits));
  return static_cast<uint32_t>(v);
}

// The dense layer's operations (docs/layer-rtl.md, "Layer schedule") over
// the descriptor's arrays and the scratch layout.
class LayerCompiler {
 public:
  LayerCompiler(const std::array<uint32_t, P::DESC_WORDS>& desc, int n, uint64_t scratch_base, Schedule sched,
                bool spls, bool key_rows)
      : w_(desc), n_(static_cast<uint32_t>(n)), sched_(sched), spls_(spls), key_rows_(spls && key_rows) {
    d_ = w_[P::DESC_D];
    f_ = w_[P::DESC_F];
    if (n < 1 || d_ == 0 || f_ == 0 || w_[P::DESC_H] == 0 || d_ % w_[P::DESC_H] != 0)
      throw std::invalid_argument(fmt::format("compile: bad shape N={} D={} H={} F={}", n, d_, w_[P::DESC_H], f_));
    dh_ = d_ / w_[P::DESC_H];
    heads_ = w_[P::DESC_H];
    pre_ = w_[P::DESC_NORM] == 1;
    l_ = scratch_layout(n, static_cast<int>(d_), static_cast<int>(f_), spls ? static_cast<int>(heads_) : 0);
    sb_ = scratch_base;
  }

  CommandList run() {
    Token in{};
    bool have_in = false;
    // Pre-LN: A = LN1(X) in O's slot (dense) or in its own (SPLS: the front
    // end may still read it while the attention writes O).
    const uint32_t a_slot = spls_ ? scr(l_.a) : scr(l_.o);
    if (pre_) {
      in = ln(P::PH_LN1, true, w_[P::DESC_X_ADDR], std::nullopt, a_slot, P::DESC_LN1_G, P::RQ_LN1, {});
      have_in = true;
    }
    const uint32_t attn_in = pre_ ? a_slot : w_[P::DESC_X_ADDR];
    const std::vector<Token> in_deps = have_in ? std::vector<Token>{in} : std::vector<Token>{};
    if (spls_) pred_ = predict(attn_in, in_deps);
    // SPLS: Q, the attention, O and Z on the leader rows only, compact; K
    // and V (all tokens) come first in the list, so that they run beside
    // PREDICT (every leader-row command waits for it).  key_rows: V as one
    // command per head with key rows (CMD_H_MASK): those issued while PREDICT
    // runs work on all tokens beside it, the later ones on the keys of U_h.
    // q_all_: Q on all rows beside PREDICT too (the attention gathers the
    // leaders' rows), when the front end would otherwise leave the array idle.
    q_all_ = spls_ && spls_q_on_all_rows(static_cast<int>(n_), static_cast<int>(d_), static_cast<int>(heads_));
    const Rows lead = spls_ && !q_all_ ? Rows::Leaders : Rows::All, compact = spls_ ? Rows::Compact : Rows::All;
    auto gemm_q = [&] {
      return gemm_w(P::PH_QKV, attn_in, d_, P::DESC_WQ, P::DESC_BQ, scr(l_.q), d_, P::EPI_RQ, P::RQ_Q, in_deps, lead);
    };
    if (!spls_ || q_all_) gemm_q();
    Token qkv = gemm_w(P::PH_QKV, attn_in, d_, P::DESC_WK, P::DESC_BK, scr(l_.k), d_, P::EPI_RQ, P::RQ_K, in_deps);
    if (key_rows_)
      key_row_heads(attn_in, P::DESC_WV, P::DESC_BV, scr(l_.v), P::RQ_V, in_deps);
    else
      qkv = gemm_w(P::PH_QKV, attn_in, d_, P::DESC_WV, P::DESC_BV, scr(l_.v), d_, P::EPI_RQ, P::RQ_V, in_deps);
    if (spls_ && !q_all_) qkv = gemm_q();
    const Token av = attention(qkv);  // (the last of the three GEMMs: all of Q, K, V written)
    const Token wo =
        gemm_w(P::PH_WO, scr(l_.o), d_, P::DESC_WO, P::DESC_BO, scr(l_.z), d_, P::EPI_RQ, P::RQ_O, {av}, compact);
    // SPLS row reuse: a follower adds its leader's Z (and, with ffn_reuse, Z2).
    const Token res1 = ln(P::PH_LN1, !pre_, w_[P::DESC_X_ADDR], scr(l_.z), scr(l_.h), P::DESC_LN1_G, P::RQ_LN1,
                          spls_deps({wo}), spls_);
    // ffn_reuse: the FFN on the leader rows only (G, Z2 compact).
    const bool ffn_reuse = spls_ && w_[P::DESC_FFN_REUSE] != 0;
    Token ffn_dep = res1;
    uint32_t ffn_in = scr(l_.h);
    Rows ffn_rows = ffn_reuse ? Rows::Leaders : Rows::All;
    if (pre_) {
      // Pre-LN: LN2(H) is read by the FFN only, so with ffn_reuse it runs on
      // the leader rows (gathered from H, written compact).
      ffn_dep = ln(P::PH_LN2, true, scr(l_.h), std::nullopt, scr(l_.q), P::DESC_LN2_G, P::RQ_LN2, {res1}, false,
                   ffn_reuse);
      ffn_in = scr(l_.q);
      if (ffn_reuse) ffn_rows = Rows::Compact;
    }
    const Token f1 = gemm_w(P::PH_FFN1, ffn_in, d_, P::DESC_W1, P::DESC_B1, scr(l_.g), f_, P::EPI_GELU, P::RQ_FFN1,
                            {ffn_dep}, ffn_rows);
    const Token f2 = gemm_w(P::PH_FFN2, scr(l_.g), f_, P::DESC_W2, P::DESC_B2, scr(l_.z2), d_, P::EPI_RQ, P::RQ_FFN2,
                            {f1}, ffn_reuse ? Rows::Compact : Rows::All);
    ln(P::PH_LN2, !pre_, scr(l_.h), scr(l_.z2), w_[P::DESC_Y_ADDR], P::DESC_LN2_G, P::RQ_LN2, spls_deps({f2, res1}),
       ffn_reuse);
    return std::move(list_);
  }

 private:
  uint32_t scr(uint64_t off) const { return a32(sb_ + off); }
  Requant rq(unsigned pair) const { return {w_[P::DESC_RQ_M + pair], w_[P::DESC_RQ_S + pair]}; }

  // Serial: every command also waits for the one before it.
  Token push(const Command& c, std::vector<Token> deps) {
    if (sched_ == Schedule::Serial && have_last_) deps.push_back(last_);
    last_ = list_.push(c, deps);
    have_last_ = true;
    return last_;
  }

  // A GEMM command's operation: C (m x n) = A (m x k) B, epilogue epi with
  // requantisation pair `pair`; the caller sets the addresses and strides.
  Command gemm(unsigned ph, unsigned epi, unsigned pair, uint32_t m, uint32_t k, uint32_t n) const {
    Command c;
    c.op = P::OP_GEMM;
    c.phase = ph;
    c.epi = epi;
    c.rq = rq(pair);
    c.m = m;
    c.k = k;
    c.n = n;
    return c;
  }

  // ... with a weight matrix of the descriptor (output-major: B^T rows) and
  // its bias, over all N rows (the single GEMM builder of gemm_w and
  // key_row_heads).
  Command weight_gemm(unsigned ph, unsigned epi, unsigned pair, uint32_t k, uint32_t n) const {
    Command c = gemm(ph, epi, pair, n_, k, n);
    c.trans = true;
    c.bias_en = true;
    return c;
  }

  // A GEMM with a weight matrix of the descriptor (output-major, B^T rows).
  // rows: Rows::Leaders runs on the leader rows only (gathered through the
  // leader list, output compact), Rows::Compact on rows already compact.
  enum class Rows { All, Leaders, Compact };
  Token gemm_w(unsigned ph, uint32_t a, uint32_t k, unsigned wword, unsigned bword, uint32_t out, uint32_t ncols,
               unsigned epi, unsigned pair, std::vector<Token> deps, Rows rows = Rows::All) {
    Command c = weight_gemm(ph, epi, pair, k, ncols);
    if (rows != Rows::All) {
      c.lrows = true;
      c.gather = rows == Rows::Leaders;
      deps = spls_deps(std::move(deps));
    }
    c.addr = {a, w_[wword], w_[bword], out, w_[P::DESC_GELU]};
    c.ld = {k, k, ncols};
    return push(c, deps);
  }

  // SPLS key rows: K or V as one GEMM per head h over the head's Dh output
  // columns: the head's masks at mask + h * mask_ld, stride heads * mask_ld
  // (CMD_ADDR4, CMD_X1).  Rows scattered into the N x D matrix at out.
  void key_row_heads(uint32_t a, unsigned wword, unsigned bword, uint32_t out, unsigned pair, const std::vector<Token>& deps) {
    for (uint32_t h = 0; h < heads_; ++h) {
      Command c = weight_gemm(P::PH_QKV, P::EPI_RQ, pair, d_, dh_);
      c.mask_en = true;
      c.addr = {a, a32(uint64_t{w_[wword]} + uint64_t{h} * dh_ * d_), a32(uint64_t{w_[bword]} + uint64_t{h} * dh_ * 4),
                out + h * dh_, scr(l_.mask + uint64_t{h} * l_.mask_ld)};
      c.ld = {d_, d_, d_};
      c.x[1] = field(uint64_t{heads_} * l_.mask_ld, 16, "mask stride");
      push(c, deps);
    }
  }

  // SPLS: a command reading the masks or the leader table also waits for PREDICT.
  std::vector<Token> spls_deps(std::vector<Token> deps) const {
    if (spls_) deps.push_back(pred_);
    return deps;
  }

  // Residual / LayerNorm over all N rows of width D; lead: in2 row i is read
  // at row lead[i] of the leader table (SPLS row reuse); leaders: on the
  // leader rows only, in1 gathered through the leader list, out compact.
  Token ln(unsigned ph, bool mode_ln, uint32_t in1, std::optional<uint32_t> in2, uint32_t out, unsigned gword,
           unsigned pair, std::vector<Token> deps, bool lead = false, bool leaders = false) {
    Command c;
    if (leaders) {
      c.lrows = true;
      c.gather = true;
      deps = spls_deps(std::move(deps));
    }
    c.op = P::OP_LN;
    c.phase = ph;
    c.ln_mode = mode_ln;
    c.in2_en = in2.has_value();
    c.lead_en = lead && c.in2_en;
    if (c.lead_en) c.x[0] = scr(l_.lead);
    c.rq = rq(pair);
    c.m = n_;
    c.n = d_;
    c.addr = {in1, in2.value_or(0), w_[gword], out, w_[gword + 1]};
    c.ld = {d_, 0, 0};
    return push(c, deps);
  }

  Token attention(Token v);
  Token predict(uint32_t a, std::vector<Token> deps);

  // SPLS: the command's rows are the leader ordinals r0.. (compact rows).
  void leader_rows(Command& c, uint32_t r0) const {
    if (!spls_) return;
    c.lrows = true;
    c.x[1] = r0;
  }

  const std::array<uint32_t, P::DESC_WORDS>& w_;
  uint32_t n_, d_ = 0, f_ = 0, dh_ = 0, heads_ = 0;
  bool pre_ = false;
  Schedule sched_;
  bool spls_ = false, key_rows_ = false, q_all_ = false;
  Token pred_{};
  ScratchLayout l_;
  uint64_t sb_ = 0;
  CommandList list_;
  Token last_{};
  bool have_last_ = false;
};

// Attention in blocks b = (head, block of ATT_QB query rows), using the two
// score / probability buffers alternately:
//   QK(b): S[b%2] = Q_rows,h K_h^T   (waits for V, and for SM(b-2) to have read S[b%2])
//   SM(b): P[b%2] = softmax(S[b%2])  (waits for QK(b), and for AV(b-2) to have read P[b%2])
//   AV(b): O_rows,h = P[b%2] V_h     (waits for SM(b))
// emitted as QK0 SM0 QK1 AV0 SM1 QK2 AV1 SM2 ... so that, in list order,
// the softmax of block b runs beside the GEMM's AV(b-1) and QK(b+1).  The
// serial schedule emits QK0 SM0 AV0 QK1 ... (each waiting for the previous).
Token LayerCompiler::attention(Token v) {  // v: Q, K and V are written
  struct Blk {
    uint32_t rows, qoff, hoff, r0, head;
  };
  std::vector<Blk> blks;
  for (uint32_t h = 0; h < heads_; ++h)
    for (uint32_t r0 = 0; r0 < n_; r0 += P::ATT_QB)
      blks.push_back({std::min<uint32_t>(P::ATT_QB, n_ - r0), r0 * d_ + h * dh_, h * dh_, r0, h});
  const size_t nb = blks.size();
  std::vector<Token> qk(nb), sm(nb), av(nb);
  auto emit_qk = [&](size_t b) {
    Command c = gemm(P::PH_QK, P::EPI_RAW, P::RQ_Q, blks[b].rows, dh_, n_);
    c.trans = true;
    // Q of all rows (q_all_): the block's leader rows gathered through the list.
    c.addr = {scr(l_.q) + (q_all_ ? blks[b].hoff : blks[b].qoff), scr(l_.k) + blks[b].hoff, w_[P::DESC_BQ],
              scr(l_.s[b % 2]), w_[P::DESC_GELU]};
    c.ld = {d_, d_, 4 * n_};
    leader_rows(c, blks[b].r0);
    c.gather = q_all_;
    qk[b] = b >= 2 ? push(c, spls_deps({v, sm[b - 2]})) : push(c, spls_deps({v}));
  };
  auto emit_sm = [&](size_t b) {
    Command c;
    c.op = P::OP_SM;
    c.phase = P::PH_SOFTMAX;
    c.rq = rq(P::RQ_SOFTMAX);
    c.m = blks[b].rows;
    c.n = n_;
    c.addr = {scr(l_.s[b % 2]), 0, 0, scr(l_.p[b % 2]), 0};
    c.ld = {4 * n_, 0, n_};
    if (spls_) {
      // SPLS: score row r is the leader of ordinal r0 + r; it keeps the keys
      // of its mask (list[r0 + r], h).
      c.mask_en = true;
      c.gather = true;
      leader_rows(c, blks[b].r0);
      c.addr[1] = scr(l_.mask + uint64_t{blks[b].head} * l_.mask_ld);
      c.ld[1] = field(uint64_t{heads_} * l_.mask_ld, 32, "mask stride");
    }
    sm[b] = b >= 2 ? push(c, spls_deps({qk[b], av[b - 2]})) : push(c, spls_deps({qk[b]}));
  };
  auto emit_av = [&](size_t b) {
    Command c = gemm(P::PH_AV, P::EPI_RQ, P::RQ_AV, blks[b].rows, n_, dh_);
    c.addr = {scr(l_.p[b % 2]), scr(l_.v) + blks[b].hoff, w_[P::DESC_BQ], scr(l_.o) + blks[b].qoff, w_[P::DESC_GELU]};
    c.ld = {n_, d_, d_};
    leader_rows(c, blks[b].r0);
    av[b] = push(c, spls_deps({sm[b], v}));
  };
  if (sched_ == Schedule::Serial) {
    for (size_t b = 0; b < nb; ++b) {
      emit_qk(b);
      emit_sm(b);
      emit_av(b);
    }
  } else {
    emit_qk(0);
    emit_sm(0);
    for (size_t b = 0; b < nb; ++b) {
      if (b + 1 < nb) emit_qk(b + 1);
      emit_av(b);
      if (b + 1 < nb) emit_sm(b + 1);
    }
  }
  return av[nb - 1];
}

// PREDICT: the front end reads A and the output-major Wk^T, Wq^T and writes
// the masks and the leader table (esact_predict, docs/spls-rtl.md).  k is
// clamped to N (spec 5.1) and T to H k + 1 (every T > H k means no reuse:
// an overlap never exceeds H k), so both fit the front end's inputs.
Token LayerCompiler::predict(uint32_t a, std::vector<Token> deps) {
  const uint32_t k = std::min(w_[P::DESC_K], n_);
  Command c;
  c.op = P::OP_PRED;
  c.phase = P::PH_PREDICT;
  c.rq = {0, 0};  // CMD_RQ must be zero for PRED
  c.m = n_;
  c.k = k;
  c.n = dh_;
  c.addr = {a, w_[P::DESC_WK], w_[P::DESC_WQ], scr(l_.mask), scr(l_.lead)};
  c.ld = {d_, d_, static_cast<uint32_t>(l_.mask_ld)};
  const uint64_t t = std::min<uint64_t>(w_[P::DESC_T], uint64_t{heads_} * k + 1);
  c.x = {heads_ | field(w_[P::DESC_W], 16, "window") << 16, static_cast<uint32_t>(t)};
  return push(c, deps);
}

}  // namespace

uint32_t leader_entry(int i, int32_t leader, uint32_t ordinal) {
  const uint32_t ord = field(ordinal, 15, "leader ordinal") << 16;
  return leader < 0 ? (ord | static_cast<uint32_t>(i)) : (0x80000000u | ord | static_cast<uint32_t>(leader));
}

std::vector<uint32_t> leader_table(const std::vector<int32_t>& leader) {
  std::vector<uint32_t> ord(leader.size()), out(leader.size());
  uint32_t next = 0;
  for (size_t i = 0; i < leader.size(); ++i) {
    if (leader[i] < 0) {
      ord[i] = next++;
    } else if (static_cast<size_t>(leader[i]) >= i || leader[leader[i]] >= 0) {
      throw std::invalid_argument(fmt::format("leader table: row {}'s leader {} is not an earlier leader", i, leader[i]));
    }
    const size_t src = leader[i] < 0 ? i : static_cast<size_t>(leader[i]);
    out[i] = leader_entry(static_cast<int>(i), leader[i], ord[src]);
  }
  return out;
}

ScratchLayout scratch_layout(int n, int d, int f, int spls_heads) {
  const uint64_t N = static_cast<uint64_t>(n), D = static_cast<uint64_t>(d), F = static_cast<uint64_t>(f);
  const uint64_t nd = align64(N * D), qb = P::ATT_QB;
  ScratchLayout l;
  l.q = 0;
  l.k = nd;
  l.v = 2 * nd;
  l.o = 3 * nd;
  l.z = 4 * nd;
  l.h = 5 * nd;
  l.z2 = 6 * nd;
  l.s[0] = 7 * nd;
  l.s[1] = l.s[0] + align64(N * qb * 4);
  l.p[0] = l.s[1] + align64(N * qb * 4);
  l.p[1] = l.p[0] + align64(N * qb);
  l.g = l.p[1] + align64(N * qb);
  l.need = l.g + align64(N * F);
  if (spls_heads > 0) {
    l.mask_ld = ((N + 7) / 8 + 15) / 16 * 16;
    l.a = l.need;
    l.mask = l.a + nd;
    l.lead = l.mask + align64(N * static_cast<uint64_t>(spls_heads) * l.mask_ld);
    l.need = l.lead + align64(N * 4);
  }
  return l;
}

Token CommandList::push(Command c, const std::vector<Token>& deps) {
  c.wait = {};
  for (const Token& t : deps) c.wait[t.unit] = std::max(c.wait[t.unit], t.count);
  unsigned u = 0;
  switch (c.op) {
    case P::OP_GEMM: u = static_cast<unsigned>(Unit::Gemm); break;
    case P::OP_SM: u = static_cast<unsigned>(Unit::Softmax); break;
    case P::OP_LN: u = static_cast<unsigned>(Unit::Ln); break;
    case P::OP_PRED: u = static_cast<unsigned>(Unit::Pred); break;
    default: throw std::invalid_argument(fmt::format("command list: opcode {} has no unit", c.op));
  }
  if (cmds_.size() >= P::CMD_MAX)
    throw std::invalid_argument(fmt::format("command list: more than CMD_MAX = {} commands", P::CMD_MAX));
  cmds_.push_back(c);
  return {u, ++issued_[u]};
}

std::vector<uint32_t> CommandList::encode() const {
  std::vector<uint32_t> out;
  out.reserve(cmds_.size() * P::CMD_WORDS);
  for (const Command& c : cmds_) {
    const auto r = encode_command(c);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

std::array<uint32_t, P::CMD_WORDS> encode_command(const Command& c) {
  std::array<uint32_t, P::CMD_WORDS> r{};
  r[P::CMD_HDR] = field(c.op, 4, "op") << P::CMD_H_OP | field(c.phase, 4, "phase") << P::CMD_H_PH |
                  field(c.epi, 2, "epi") << P::CMD_H_EPI | uint32_t{c.trans} << P::CMD_H_TRANS |
                  uint32_t{c.bias_en} << P::CMD_H_BIAS | uint32_t{c.ln_mode} << P::CMD_H_LNMODE |
                  uint32_t{c.in2_en} << P::CMD_H_IN2 | uint32_t{c.mask_en} << P::CMD_H_MASK |
                  uint32_t{c.lead_en} << P::CMD_H_LEAD | uint32_t{c.lrows} << P::CMD_H_LROWS |
                  uint32_t{c.gather} << P::CMD_H_GATHER;
  r[P::CMD_WAIT0] = field(c.wait[0], P::CMD_WAIT_W, "GEMM wait") | field(c.wait[1], P::CMD_WAIT_W, "softmax wait") << 16;
  r[P::CMD_WAIT1] = field(c.wait[2], P::CMD_WAIT_W, "LayerNorm wait") | field(c.wait[3], P::CMD_WAIT_W, "PRED wait") << 16;
  r[P::CMD_RQ] = field(c.rq.m, 16, "rq M") | field(c.rq.s, 6, "rq S") << 16;
  r[P::CMD_MK] = field(c.m, 16, "m") | field(c.k, 16, "k") << 16;
  r[P::CMD_N] = field(c.n, 16, "n");
  const unsigned aw[5] = {P::CMD_ADDR0, P::CMD_ADDR1, P::CMD_ADDR2, P::CMD_ADDR3, P::CMD_ADDR4};
  for (size_t i = 0; i < 5; ++i) r[aw[i]] = c.addr[i];
  const unsigned lw[3] = {P::CMD_LD0, P::CMD_LD1, P::CMD_LD2};
  for (size_t i = 0; i < 3; ++i) r[lw[i]] = c.ld[i];
  r[P::CMD_X0] = c.x[0];
  r[P::CMD_X1] = c.x[1];
  return r;
}

uint64_t spls_predict_estimate(int n, int d, int heads) {
  const uint64_t dh = static_cast<uint64_t>(d / heads), h = static_cast<uint64_t>(heads);
  const uint64_t groups = h * ((dh + P::SPLS_COLS - 1) / P::SPLS_COLS);
  const uint64_t rd = uint64_t{P::SPLS_ROWS} * P::SPLS_TOPK_BEATS;
  const uint64_t words = (static_cast<uint64_t>(n) + rd - 1) / rd;
  // The top-k key: the PAM's bits in RADIX-bit passes, one more to emit (the
  // most a row takes: esact_topk ends the search early when a pass resolves it).
  const uint64_t key = static_cast<uint64_t>(pam_bits(static_cast<int>(P::DH_MAX)));
  const uint64_t passes = (key + P::SPLS_TOPK_RADIX - 1) / P::SPLS_TOPK_RADIX + 1;
  return 2 * groups * static_cast<uint64_t>(d) + static_cast<uint64_t>(n) * h * passes * words;
}

bool spls_q_on_all_rows(int n, int d, int heads) {
  const uint64_t gemms = 3 * static_cast<uint64_t>(n) * static_cast<uint64_t>(d) * static_cast<uint64_t>(d) /
                         (uint64_t{P::MAC_ROWS} * P::MAC_COLS);
  return spls_predict_estimate(n, d, heads) >= gemms;
}

CommandList compile_layer(const std::array<uint32_t, P::DESC_WORDS>& desc, int n, uint64_t scratch_base,
                          Schedule schedule, bool spls, bool key_rows) {
  return LayerCompiler(desc, n, scratch_base, schedule, spls, key_rows).run();
}

}  // namespace esact::sim
