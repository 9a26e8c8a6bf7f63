// ESACT command dispatcher: decodes command records and hands them to the units.
//
// In list order, the head record is decoded into the unit's packed command
// (esact_types_pkg::gemm_cmd_t / sm_cmd_t / ln_cmd_t) and checked.  It is
// issued when
//   * every wait count is met: for each unit u, written_q[u] >= wait[u], where
//     written_q[u] counts the commands unit u has finished AND whose writes are
//     acknowledged: at a unit's done, the number of AW bursts issued so far is
//     noted (the unit's last beat has been written, and the engine sends a
//     burst's address before its data); once that many B responses are back
//     (one AXI ID: in order) the command is written.  An idle write engine
//     also means every finished command is written.  And
//   * the unit's command slot is free (no command offered, unit idle).
// An issued command sits in the unit's slot and is offered over valid/ready
// (ready = unit idle; the handshake is the unit's start); the slot holds it
// stable until the next command for that unit, so the unit may read its
// arguments for its whole run.  Commands on different units therefore run
// at the same time whenever the compiler's wait counts allow it (docs/
// architecture.md, "Dependencies").
//
// A bad record (unknown opcode or phase, epilogue 3, a requantization pair
// out of range, a zero or oversized size, a reserved field set, or a wait
// count larger than the number of commands issued to that unit so far, which
// could never be met) stops the list (OP_PRED and the SPLS header flags
// CMD_H_MASK / CMD_H_LEAD: only with SPLS_EN; PRED's knobs
// are the front end's to check): err_o with the record's index and the
// offending word.  done_o rises when every command of the list has been
// issued, finished and written.
//
// SPLS leader rows (CMD_H_LROWS, GEMM, softmax and LN, SPLS_EN only): the
// command covers the leader ordinals r0 .. r0 + m - 1 (r0 = CMD_X1[15:0]);
// its rows become m' = clamp(L - r0, 0, m), where L is the leader count of
// the list's PREDICT (held from its done).  Such a command must wait for
// that PREDICT (PRED wait count = PREDs issued so far, nonzero), else it is
// bad (CMD_WAIT1).  A command with m' = 0 is not handed to its unit: it
// counts as finished the cycle after its issue.  CMD_H_GATHER (with
// CMD_H_LROWS; on a softmax only with CMD_H_MASK) tells the unit to read A
// rows (GEMM), mask rows (softmax) or in1 rows (LN; not with CMD_H_LEAD)
// through the leader list.
//
// SPLS key rows (CMD_H_MASK on a GEMM, SPLS_EN only; K or V of one head, not
// with CMD_H_LROWS or a GELU epilogue): if the list's PREDICT is done and
// written when the command issues, the GEMM runs on the keys of U (g_kvs_o:
// the union of the L leaders' masks at CMD_ADDR4 + list[o] * CMD_X1[15:0],
// g_lcnt_o = L), else on all m rows.  Either is exact (the attention reads
// only keys of U); the choice lets the K / V commands that run beside
// PREDICT keep it hidden and the ones after it skip the unused keys.
module esact_dispatch #(
  parameter int unsigned AW    = esact_pkg::AXI_AW,
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
  parameter int unsigned D_MAX = esact_pkg::D_MAX,
  parameter int unsigned KC    = esact_pkg::F_MAX,     // GEMM: maximum k
  parameter int unsigned SPLS_EN = 1,                  // 0: OP_PRED is a bad command (no front end)
  localparam int unsigned RW   = esact_types_pkg::CMD_WORDS * 32,
  localparam int unsigned NU   = esact_types_pkg::CMD_UNITS,
  localparam int unsigned CW   = esact_types_pkg::CMD_WAIT_W
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,      // a new list: clear the counts
  input  logic          abort_i,
  input  logic [15:0]   count_i,      // commands in the list
  // records from esact_cmd_fetch
  input  logic          cmd_valid_i,
  output logic          cmd_ready_o,
  input  logic [RW-1:0] cmd_i,
  input  logic [15:0]   cmd_idx_i,
  // memory status
  input  logic          aw_hs_i,      // an AW handshake on the master
  input  logic          b_hs_i,       // a B handshake on the master
  input  logic          wr_idle_i,
  input  logic          rd_idle_i,
  // GEMM
  output logic          g_valid_o,
  input  logic          g_busy_i,     // ready = !busy
  input  logic          g_done_i,
  output esact_types_pkg::gemm_cmd_t g_cmd_o,
  output logic          g_kvs_o,      // SPLS key rows: the GEMM's rows are the keys of U
  output logic [15:0]   g_lcnt_o,     // ... the leader count L (masks to read)
  // softmax
  output logic          s_valid_o,
  input  logic          s_busy_i,
  input  logic          s_done_i,
  output esact_types_pkg::sm_cmd_t s_cmd_o,
  // residual / LayerNorm
  output logic          l_valid_o,
  input  logic          l_busy_i,
  input  logic          l_done_i,
  output esact_types_pkg::ln_cmd_t l_cmd_o,
  // SPLS prediction
  output logic          p_valid_o,
  input  logic          p_busy_i,
  input  logic          p_done_i,
  input  logic [15:0]   p_lcount_i,   // leaders of the PREDICT that is done (valid at p_done_i)
  output esact_types_pkg::pred_cmd_t p_cmd_o,
  output logic [15:0]   p_idx_o,      // index of the last PRED command issued
  // status
  output esact_types_pkg::phase_e phase_o,  // phase of the running work (GEMM first)
  output logic          done_o,
  output logic          err_o,
  output logic [15:0]   err_idx_o,    // command index
  output logic [7:0]    err_word_o    // offending word of the record
);

  localparam int unsigned UG = 0, US = 1, UL = 2, UP = 3;    // index of a unit's counters

  // Field -> enum by name (Yosys 0.23 has no casts to package types).
  function automatic esact_types_pkg::epi_e to_epi(logic [1:0] v);
    unique case (v)
      2'(esact_types_pkg::EPI_RQ):   to_epi = esact_types_pkg::EPI_RQ;
      2'(esact_types_pkg::EPI_GELU): to_epi = esact_types_pkg::EPI_GELU;
      default:                       to_epi = esact_types_pkg::EPI_RAW;
    endcase
  endfunction
  function automatic esact_types_pkg::phase_e to_phase(logic [3:0] v);
    unique case (v)
      4'(esact_types_pkg::PH_PREDICT): to_phase = esact_types_pkg::PH_PREDICT;
      4'(esact_types_pkg::PH_QKV):     to_phase = esact_types_pkg::PH_QKV;
      4'(esact_types_pkg::PH_QK):      to_phase = esact_types_pkg::PH_QK;
      4'(esact_types_pkg::PH_SOFTMAX): to_phase = esact_types_pkg::PH_SOFTMAX;
      4'(esact_types_pkg::PH_AV):      to_phase = esact_types_pkg::PH_AV;
      4'(esact_types_pkg::PH_WO):      to_phase = esact_types_pkg::PH_WO;
      4'(esact_types_pkg::PH_LN1):     to_phase = esact_types_pkg::PH_LN1;
      4'(esact_types_pkg::PH_FFN1):    to_phase = esact_types_pkg::PH_FFN1;
      4'(esact_types_pkg::PH_FFN2):    to_phase = esact_types_pkg::PH_FFN2;
      4'(esact_types_pkg::PH_LN2):     to_phase = esact_types_pkg::PH_LN2;
      default:                         to_phase = esact_types_pkg::PH_DESC;
    endcase
  endfunction

  // ---- Decode the head record -----------------------------------------------
  logic [31:0] w [esact_types_pkg::CMD_WORDS];
  for (genvar i = 0; i < esact_types_pkg::CMD_WORDS; i++) begin : g_words
    assign w[i] = cmd_i[i*32 +: 32];
  end
  logic [31:0] hdr;
  logic [3:0]  op_raw, ph_raw;
  logic [1:0]  epi_raw;
  logic [CW-1:0] wait_c [NU];
  esact_types_pkg::rq_t rq;
  logic [15:0] m, k, n;
  logic        lrows, gather;
  logic [15:0] r0, m_eff;
  logic [15:0] lcnt_q;                     // leader count of the list's PREDICT
  logic        kvs;                        // a GEMM with key rows ...
  logic        pred_written;               // ... runs on U once the list's PREDICT is written
  assign hdr       = w[esact_types_pkg::CMD_HDR];
  assign lrows     = hdr[esact_types_pkg::CMD_H_LROWS];
  assign gather    = hdr[esact_types_pkg::CMD_H_GATHER];
  assign r0        = w[esact_types_pkg::CMD_X1][15:0];
  // Leader rows: m' = clamp(L - r0, 0, m).
  assign m_eff     = !lrows ? m : ((lcnt_q <= r0) ? 16'd0 : (((lcnt_q - r0) < m) ? (lcnt_q - r0) : m));
  assign op_raw    = hdr[esact_types_pkg::CMD_H_OP +: 4];
  assign ph_raw    = hdr[esact_types_pkg::CMD_H_PH +: 4];
  assign epi_raw   = hdr[esact_types_pkg::CMD_H_EPI +: 2];
  assign wait_c[UG] = w[esact_types_pkg::CMD_WAIT0][15:0];
  assign wait_c[US] = w[esact_types_pkg::CMD_WAIT0][31:16];
  assign wait_c[UL] = w[esact_types_pkg::CMD_WAIT1][15:0];
  assign wait_c[UP] = w[esact_types_pkg::CMD_WAIT1][31:16];
  assign rq.m      = w[esact_types_pkg::CMD_RQ][15:0];
  assign rq.s      = w[esact_types_pkg::CMD_RQ][21:16];
  assign m         = w[esact_types_pkg::CMD_MK][15:0];
  assign k         = w[esact_types_pkg::CMD_MK][31:16];
  assign n         = w[esact_types_pkg::CMD_N][15:0];

  esact_types_pkg::gemm_cmd_t dg;
  esact_types_pkg::sm_cmd_t   ds;
  esact_types_pkg::ln_cmd_t   dl;
  esact_types_pkg::pred_cmd_t dp;
  always_comb begin
    dg.a = AW'(w[esact_types_pkg::CMD_ADDR0]);     dg.lda = w[esact_types_pkg::CMD_LD0];
    dg.b = AW'(w[esact_types_pkg::CMD_ADDR1]);     dg.ldb = w[esact_types_pkg::CMD_LD1];
    dg.trans = hdr[esact_types_pkg::CMD_H_TRANS];
    dg.bias = AW'(w[esact_types_pkg::CMD_ADDR2]);  dg.bias_en = hdr[esact_types_pkg::CMD_H_BIAS];
    dg.out = AW'(w[esact_types_pkg::CMD_ADDR3]);   dg.ldo = w[esact_types_pkg::CMD_LD2];
    dg.m = m_eff; dg.k = k; dg.n = n;
    dg.gather = gather; dg.r0 = r0;
    dg.epi = to_epi(epi_raw);
    dg.gelu = AW'(w[esact_types_pkg::CMD_ADDR4]);
    dg.rq = rq;
    ds.in = AW'(w[esact_types_pkg::CMD_ADDR0]);    ds.in_stride = w[esact_types_pkg::CMD_LD0];
    ds.out = AW'(w[esact_types_pkg::CMD_ADDR3]);   ds.out_stride = w[esact_types_pkg::CMD_LD2];
    ds.rows = m_eff; ds.n = n; ds.rq = rq;
    ds.gather = gather; ds.r0 = r0;
    ds.mask_en = hdr[esact_types_pkg::CMD_H_MASK];
    ds.mask = AW'(w[esact_types_pkg::CMD_ADDR1]);  ds.mask_stride = w[esact_types_pkg::CMD_LD1];
    dl.mode_ln = hdr[esact_types_pkg::CMD_H_LNMODE]; dl.in2_en = hdr[esact_types_pkg::CMD_H_IN2];
    dl.in1 = AW'(w[esact_types_pkg::CMD_ADDR0]);   dl.in2 = AW'(w[esact_types_pkg::CMD_ADDR1]);
    dl.out = AW'(w[esact_types_pkg::CMD_ADDR3]);   dl.stride = w[esact_types_pkg::CMD_LD0];
    dl.rows = m_eff; dl.d = n;
    dl.gather = gather; dl.r0 = r0;
    dl.gamma = AW'(w[esact_types_pkg::CMD_ADDR2]); dl.beta = AW'(w[esact_types_pkg::CMD_ADDR4]);
    dl.rq = rq;
    dl.lead_en = hdr[esact_types_pkg::CMD_H_LEAD]; dl.lead = AW'(w[esact_types_pkg::CMD_X0]);
    dp.a = AW'(w[esact_types_pkg::CMD_ADDR0]);     dp.lda = w[esact_types_pkg::CMD_LD0];
    dp.wk = AW'(w[esact_types_pkg::CMD_ADDR1]);    dp.wq = AW'(w[esact_types_pkg::CMD_ADDR2]);
    dp.ldw = w[esact_types_pkg::CMD_LD1];
    dp.mask = AW'(w[esact_types_pkg::CMD_ADDR3]);  dp.ldm = w[esact_types_pkg::CMD_LD2];
    dp.lead = AW'(w[esact_types_pkg::CMD_ADDR4]);
    dp.n = m; dp.k = k; dp.dh = n;
    dp.heads = w[esact_types_pkg::CMD_X0][15:0];   dp.window = w[esact_types_pkg::CMD_X0][31:16];
    dp.thresh = w[esact_types_pkg::CMD_X1];
  end

  // ---- Counts per unit ------------------------------------------------------
  logic [CW-1:0] issued_q [NU], done_q [NU], written_q [NU];
  logic [31:0]   aw_q, b_q;                  // AW / B handshakes since the list started
  logic [NU-1:0] pend_q;                     // a done whose writes are not yet acknowledged
  logic [31:0]   pend_need_q [NU];           // B responses that acknowledge it
  logic [CW-1:0] pend_cnt_q [NU];            // done count it makes written
  logic [NU-1:0] busy, done_in, slot_q;
  logic [NU-1:0] zdone_q;                    // a command with no rows (m' = 0) finishes
  logic [15:0]   popped_q, count_q;
  esact_types_pkg::phase_e ph_q [NU];
  esact_types_pkg::phase_e last_ph_q;
  assign busy    = {p_busy_i, l_busy_i, s_busy_i, g_busy_i};
  assign done_in = {p_done_i, l_done_i, s_done_i, g_done_i} | zdone_q;

  // ---- Check the head -------------------------------------------------------
  logic       bad;
  logic [7:0] bad_word;
  logic       unit_ok;
  logic [1:0] unit;   // counter index of the head's unit
  always_comb begin
    bad = 1'b0; bad_word = '0; unit = 2'(UG); unit_ok = 1'b1;
    unique case (op_raw)
      4'(esact_types_pkg::OP_GEMM): unit = 2'(UG);
      4'(esact_types_pkg::OP_SM):   unit = 2'(US);
      4'(esact_types_pkg::OP_LN):   unit = 2'(UL);
      4'(esact_types_pkg::OP_PRED): begin
        unit = 2'(UP);
        unit_ok = (SPLS_EN != 0);
      end
      default:                      unit_ok = 1'b0;
    endcase
    // PRED: no header flags; its knobs (n, k, heads, dh, W) are checked by the
    // front end (ERR_KNOB), only the record's format here.  The SPLS flags
    // (softmax mask, LN leader table) only on their unit and with SPLS_EN.
    if (!unit_ok || ph_raw == 4'(esact_types_pkg::PH_DESC) || ph_raw > 4'(esact_types_pkg::PH_LN2) ||
        hdr[31:18] != '0 || (op_raw == 4'(esact_types_pkg::OP_GEMM) && epi_raw == 2'd3) ||
        (unit == 2'(UP) && hdr[13:8] != '0) ||
        (hdr[esact_types_pkg::CMD_H_MASK] && ((unit != 2'(US) && unit != 2'(UG)) || SPLS_EN == 0)) ||
        (kvs && (lrows || epi_raw == 2'(esact_types_pkg::EPI_GELU))) ||
        (hdr[esact_types_pkg::CMD_H_LEAD] && (unit != 2'(UL) || SPLS_EN == 0)) ||
        (lrows && (unit == 2'(UP) || SPLS_EN == 0)) ||
        (lrows && unit == 2'(UL) && hdr[esact_types_pkg::CMD_H_LEAD]) ||
        (gather && (!lrows || (unit == 2'(US) && !hdr[esact_types_pkg::CMD_H_MASK])))) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_HDR);
    end else if (wait_c[UG] > issued_q[UG] || wait_c[US] > issued_q[US]) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_WAIT0);
    end else if (wait_c[UL] > issued_q[UL] || wait_c[UP] > issued_q[UP] ||
                 (lrows && (wait_c[UP] == '0 || wait_c[UP] != issued_q[UP]))) begin
      // (leader rows: L is the count of the PREDICT the command waits for)
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_WAIT1);
    end else if (unit == 2'(UP) && w[esact_types_pkg::CMD_RQ] != '0) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_RQ);
    end else if (unit != 2'(UP) && (rq.m == '0 || rq.s == '0 || 32'(rq.s) > esact_pkg::RQ_S_MAX ||
                 w[esact_types_pkg::CMD_RQ][31:22] != '0)) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_RQ);
    end else if (m == '0 || (unit == 2'(UG) && (k == '0 || 32'(k) > KC)) ||
                 (unit != 2'(UG) && unit != 2'(UP) && k != '0) || (unit == 2'(US) && 32'(m) > N_MAX)) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_MK);
    end else if (n == '0 || (unit == 2'(US) && 32'(n) > N_MAX) || (unit == 2'(UL) && 32'(n) > D_MAX) ||
                 w[esact_types_pkg::CMD_N][31:16] != '0) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_N);
    end else if ((lrows || kvs) && w[esact_types_pkg::CMD_X1][31:16] != '0) begin
      bad = 1'b1; bad_word = 8'(esact_types_pkg::CMD_X1);
    end
  end

  assign kvs = hdr[esact_types_pkg::CMD_H_MASK] && op_raw == 4'(esact_types_pkg::OP_GEMM);

  logic waits_met, slot_free, issue;
  assign waits_met = written_q[UG] >= wait_c[UG] && written_q[US] >= wait_c[US] &&
                     written_q[UL] >= wait_c[UL] && written_q[UP] >= wait_c[UP];
  assign slot_free = !slot_q[unit] && !busy[unit] && !zdone_q[unit];
  assign issue     = cmd_valid_i && !bad && waits_met && slot_free && !err_o;
  assign cmd_ready_o = issue;

  // ---- Written counts ------------------------------------------------------
  logic [CW-1:0] written_d [NU];
  logic [NU-1:0] pend_met;
  always_comb begin
    for (int unsigned u = 0; u < NU; u++) begin
      pend_met[u] = pend_q[u] && b_q >= pend_need_q[u];
      written_d[u] = written_q[u];
      if (pend_met[u] && pend_cnt_q[u] > written_q[u]) written_d[u] = pend_cnt_q[u];
      // done_q counts dones of earlier cycles: their unit had handed its last
      // write beat to the engine, so an idle engine has acknowledged them.
      if (wr_idle_i) written_d[u] = done_q[u];
    end
  end

  // ---- Unit slots -----------------------------------------------------------
  logic [NU-1:0] take;          // slot handshake (the unit's start)
  assign take = slot_q & ~busy;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned u = 0; u < NU; u++) begin
        issued_q[u] <= '0; done_q[u] <= '0; written_q[u] <= '0;
        pend_need_q[u] <= '0; pend_cnt_q[u] <= '0;
        ph_q[u] <= esact_types_pkg::PH_DESC;
      end
      aw_q <= '0; b_q <= '0; pend_q <= '0;
      slot_q <= '0; popped_q <= '0; count_q <= '0; last_ph_q <= esact_types_pkg::PH_DESC;
      err_o <= 1'b0; err_idx_o <= '0; err_word_o <= '0; p_idx_o <= '0;
      zdone_q <= '0; lcnt_q <= '0;
    end else if (start_i || abort_i) begin
      for (int unsigned u = 0; u < NU; u++) begin
        issued_q[u] <= '0; done_q[u] <= '0; written_q[u] <= '0;
      end
      aw_q <= '0; b_q <= '0; pend_q <= '0;
      slot_q <= '0; popped_q <= '0; count_q <= abort_i ? '0 : count_i;
      err_o <= 1'b0;
      zdone_q <= '0; lcnt_q <= '0;
    end else begin
      aw_q <= aw_q + 32'(aw_hs_i);
      b_q  <= b_q + 32'(b_hs_i);
      for (int unsigned u = 0; u < NU; u++) begin
        written_q[u] <= written_d[u];
        if (done_in[u]) begin
          done_q[u] <= done_q[u] + CW'(1);
          pend_q[u] <= 1'b1;
          pend_need_q[u] <= aw_q + 32'(aw_hs_i);
          pend_cnt_q[u] <= done_q[u] + CW'(1);
        end else if (pend_met[u]) begin
          pend_q[u] <= 1'b0;
        end
      end
      slot_q <= slot_q & ~take;
      zdone_q <= '0;
      if (p_done_i) lcnt_q <= p_lcount_i;
      if (issue) begin
        // A command with no leader rows left finishes at once (next cycle).
        if (m_eff == '0) zdone_q[unit] <= 1'b1;
        else             slot_q[unit] <= 1'b1;
        issued_q[unit] <= issued_q[unit] + CW'(1);
        ph_q[unit] <= to_phase(ph_raw);
        last_ph_q <= to_phase(ph_raw);
        popped_q <= popped_q + 16'd1;
        if (unit == 2'(UP)) p_idx_o <= cmd_idx_i;
      end
      if (cmd_valid_i && bad && !err_o) begin
        err_o <= 1'b1; err_idx_o <= cmd_idx_i; err_word_o <= bad_word;
      end
    end
  end

  // The list's PREDICT is done and its masks and list written.
  assign pred_written = issued_q[UP] != '0 && written_q[UP] == issued_q[UP] && !slot_q[UP] && !p_busy_i;

  always_ff @(posedge clk_i) begin
    if (issue && unit == 2'(UG)) begin
      g_cmd_o  <= dg;
      g_kvs_o  <= kvs && pred_written;
      g_lcnt_o <= lcnt_q;
    end
    if (issue && unit == 2'(US)) s_cmd_o <= ds;
    if (issue && unit == 2'(UL)) l_cmd_o <= dl;
    if (issue && unit == 2'(UP)) p_cmd_o <= dp;
  end

  assign g_valid_o = slot_q[UG];
  assign s_valid_o = slot_q[US];
  assign l_valid_o = slot_q[UL];
  assign p_valid_o = slot_q[UP];

  // ---- Status ---------------------------------------------------------------
  logic [NU-1:0] active;
  assign active = slot_q | busy | zdone_q;
  always_comb begin
    if (active[UG])      phase_o = ph_q[UG];
    else if (active[US]) phase_o = ph_q[US];
    else if (active[UL]) phase_o = ph_q[UL];
    else if (active[UP]) phase_o = ph_q[UP];
    else                 phase_o = last_ph_q;
  end
  assign done_o = popped_q == count_q && active == '0 && wr_idle_i && rd_idle_i &&
                  written_q[UG] == issued_q[UG] && written_q[US] == issued_q[US] &&
                  written_q[UL] == issued_q[UL] && written_q[UP] == issued_q[UP];

`ifndef SYNTHESIS
  logic counts_ok;
  always_comb begin
    counts_ok = 1'b1;
    for (int unsigned u = 0; u < NU; u++) begin
      if (done_q[u] > issued_q[u] || written_q[u] > done_q[u]) counts_ok = 1'b0;
    end
  end
  a_counts: assert property (@(posedge clk_i) disable iff (!rst_ni) counts_ok)
    else $error("esact_dispatch: a unit finished (or wrote) more commands than it was given");
  a_no_issue_bad: assert property (@(posedge clk_i) disable iff (!rst_ni) issue |-> !bad)
    else $error("esact_dispatch: a bad command was issued");
  // A command finished without its unit (m' = 0) never meets a real done of
  // that unit, and a unit with rows to do never gets m' = 0.
  a_zdone_alone: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                  (zdone_q & ({p_done_i, l_done_i, s_done_i, g_done_i} | busy | slot_q)) == '0)
    else $error("esact_dispatch: a zero-row command overlaps its unit's work");
  a_slot_rows: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                (!g_valid_o || g_cmd_o.m != '0) && (!s_valid_o || s_cmd_o.rows != '0) &&
                                (!l_valid_o || l_cmd_o.rows != '0))
    else $error("esact_dispatch: a unit was offered a command with no rows");
`endif

endmodule
