// The host's layer compiler: the scratch layout and the schedule of a dense
// layer, as a list of command records for esact_cmd_fetch / esact_dispatch
// (docs/architecture.md, "Command list").  This is the one place that knows
// where intermediates live and in which order (and with which overlap) the
// units compute them; the RTL only decodes, checks and dispatches.  The
// record format is esact_types_pkg's (CMD_* in esact/params.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "esact/ops.hpp"
#include "esact/params.hpp"

namespace esact::sim {

/// Offsets (from SCRATCH_BASE) of the intermediates of one layer: seven int8
/// [N][D] slots (Q, K, V, O, Z, H, Z2; the pre-LN attention input shares O's
/// slot and LN2(H) shares Q's), two buffers each of the int32 scores and the
/// int8 probabilities of one block of ATT_QB query rows (attention blocks
/// alternate between them so that the softmax of one block can run while
/// the GEMM works on the next), and G [N][F]; each rounded up to 64 bytes.
/// With SPLS (spls_heads > 0) three regions follow: the pre-LN attention
/// input A = LN1(X) [N][D] (its own slot: the front end reads it while the
/// attention writes O), the top-k masks, mask (row i, head h) at
/// mask + (i * heads + h) * mask_ld (ceil(N/8) bytes, bit j of byte j/8 =
/// key j, bits >= N zero; mask_ld = ceil(N/8) rounded up to 16), and the
/// leader table, uint32 [N]: bit 31 follower, [30:16] the ordinal of that
/// leader among the leaders in row order (the row of the compact Z / Z2 the
/// residual reads), [15:0] the row whose results row i takes (its leader, or
/// i for a leader).  In SPLS, Q, O, Z (and with ffn_reuse G, Z2) are compact:
/// row r of the slot is the leader of ordinal r.
/// `need` is what the descriptor's DESC_SCR_NEED says (ERR_SCRATCH above
/// SCRATCH_SIZE).
struct ScratchLayout {
  uint64_t q = 0, k = 0, v = 0, o = 0, z = 0, h = 0, z2 = 0, g = 0, need = 0;
  std::array<uint64_t, 2> s{}, p{};
  uint64_t a = 0, mask = 0, lead = 0, mask_ld = 0;  ///< SPLS only (0 in a dense layout)
};
ScratchLayout scratch_layout(int n, int d, int f, int spls_heads = 0);

/// Leader-table entry of row i (scratch layout above) from the golden model's
/// leader[i] (-1: leader) and the ordinal of row i's leader.
uint32_t leader_entry(int i, int32_t leader, uint32_t ordinal);
/// The whole leader table from the golden model's leader[] (-1: leader).
std::vector<uint32_t> leader_table(const std::vector<int32_t>& leader);

/// How the compiler orders attention.
enum class Schedule {
  Serial,   ///< every command waits for the previous one (one unit at a time)
  Overlap,  ///< data dependencies only: softmax of block b beside the GEMM's A.V(b-1) and QK^T(b+1)
};

/// Wait-count index of a unit (CMD_WAIT0 / CMD_WAIT1 fields).
enum class Unit : unsigned { Gemm = 0, Softmax = 1, Ln = 2, Pred = 3 };

/// One command record before encoding (fields as esact_types_pkg's CMD_*).
struct Command {
  unsigned op = params::OP_NONE, phase = params::PH_DESC, epi = params::EPI_RAW;
  bool trans = false, bias_en = false, ln_mode = false, in2_en = false;
  bool mask_en = false;  ///< softmax: SPLS masks at addr[1], row stride ld[1] (CMD_H_MASK)
  bool lead_en = false;  ///< LN: in2 rows through the leader table at x[0] (CMD_H_LEAD)
  bool lrows = false;    ///< GEMM / softmax / LN: leader ordinals x[1].. : m' = clamp(L - x[1], 0, m) (CMD_H_LROWS)
  bool gather = false;   ///< with lrows: A rows (GEMM) / mask rows (softmax) / in1 rows (LN) through the leader list (CMD_H_GATHER)
  Requant rq{};
  uint32_t m = 0, k = 0, n = 0;
  std::array<uint32_t, 5> addr{};   ///< CMD_ADDR0..4
  std::array<uint32_t, 3> ld{};     ///< CMD_LD0..2
  std::array<uint32_t, 2> x{};      ///< CMD_X0..1 (PRED: heads | W << 16, T; LN with lead_en: x[0] = table; lrows: x[1] = r0)
  std::array<uint32_t, params::CMD_UNITS> wait{};
};

/// "Unit u has finished (and written) `count` commands of this list."
struct Token {
  unsigned unit = 0;
  uint32_t count = 0;
};

/// A list under construction: push() assigns each command's wait counts
/// from the tokens it depends on and returns its own token.
class CommandList {
 public:
  Token push(Command c, const std::vector<Token>& deps);
  const std::vector<Command>& commands() const { return cmds_; }
  /// The records, CMD_WORDS little-endian 32-bit words each.
  std::vector<uint32_t> encode() const;

 private:
  std::vector<Command> cmds_;
  std::array<uint32_t, params::CMD_UNITS> issued_{};
};

/// One record's words (throws std::invalid_argument naming a field that does not fit).
std::array<uint32_t, params::CMD_WORDS> encode_command(const Command& c);

/// Compile one layer from its packed descriptor words (addresses of X, Y,
/// weights, ...) for n tokens and the scratch region at scratch_base.  With
/// spls, the list starts with PREDICT (after LN1 for pre-LN): the masks and
/// the leader table into the SPLS scratch regions, beside the layer's work.
/// key_rows (with spls): V as one GEMM per head with key rows (CMD_H_MASK):
/// a head issued after PREDICT is written runs on the keys of U_h only.
/// Q on all n rows beside PREDICT is chosen when the front end's estimated
/// cycles for the layer, spls_predict_estimate(), are at least those of the
/// K, V and Q GEMMs on all rows at the array's peak (3 n d^2 / (MAC_ROWS x
/// MAC_COLS)): the array would otherwise idle while PREDICT runs, and the
/// attention then gathers the leaders' Q rows through the leader list.
/// Else Q runs on the leader rows after PREDICT.
CommandList compile_layer(const std::array<uint32_t, params::DESC_WORDS>& desc, int n, uint64_t scratch_base,
                          Schedule schedule, bool spls = false, bool key_rows = false);

/// The front end's cycles for one layer, estimated from its shape (the weight
/// passes: Wk and Wq, H ceil(Dh / SPLS_COLS) groups each, a bank of D beats
/// per group; then, per (row, head) pair, the top-k select's (NP + 1) passes
/// over ceil(n / (SPLS_ROWS x SPLS_TOPK_BEATS)) words).  An estimate for the
/// compiler's choice, not the exact cycle model of the tests.
uint64_t spls_predict_estimate(int n, int d, int heads);

/// compile_layer's choice: Q on all rows beside PREDICT (see above).
bool spls_q_on_all_rows(int n, int d, int heads);

}  // namespace esact::sim
