// ESACT SPLS: prediction array (docs/spec.md 3.2, docs/spls-rtl.md), adders only.
//
// ROWS x COLS dot units, each the sum of CH HLog x HLog products (esact_pred_prod:
// an exponent add and at most two one-hot terms) plus an accumulator: LANES =
// ROWS * COLS * CH product lanes.  There is no multiplier (a CTest runs Yosys
// `stat` on this unit).  ROWS, COLS and CH are powers of two >= 2.
//
//   K/Q pass  dot unit (r, c) = token tb*ROWS + r, output column c of the
//             current column group; per cycle CH input channels.  Operands: the
//             X memory word (ROWS tokens x CH channels, HLog codes) and the
//             weight buffer word (CH channels x COLS columns).
//   PAM       dot unit (r, c) = key kb*ROWS + r, channels c*CH.. of the head's
//             chunk of COLS*CH channels; the query row's Qt is broadcast.  The
//             COLS partial sums of a row make one score: ROWS scores per
//             ceil(Dh / (COLS*CH)) cycles.
//
// Run (start_i with n_i, heads_i, dh_i; the caller checks the ranges, see
// esact_spls; D = heads * dh by repeated addition):
//   1. x stream: the tokens, n * ceil(D/CH) beats of CH int8 bytes (token j,
//      channels q*CH..q*CH+CH-1; bytes past D are ignored).  HLog'd on the way
//      in and kept in the X memory.
//   2. w stream: Wk, then Wq, each once: for head h, column group g (columns
//      h*Dh + g*COLS + c, c < COLS; columns past the head are ignored), channel
//      d = 0..D-1: one beat of COLS int8 weights.  HLog'd on the way in into a
//      double-buffered group buffer, so the next group loads while the lanes
//      work on the current one.
//   3. Per head of each pass: every token block x every channel chunk gives a
//      ROWS x COLS tile of Khat (Qhat) into the head buffer; after the head's
//      last group, a conversion (two sweeps over the head buffer: OR of
//      magnitudes, then shifted HLog) writes Kt (Qt) codes: K with one shift
//      per head, Q with one per row and head.  A Kt word holds ROWS keys (one
//      tile row each, written in one cycle); a Qt word holds one query row
//      (the PAM broadcasts it without choosing a row from a word), so the Q
//      quantizing sweep writes a tile's ROWS rows in ROWS cycles.
//   4. PAM, for every query row i, head h, key block: scores out.
// Scores leave on the s stream: ROWS scores per beat (keys kb*ROWS + r, the
// first s_count_o valid), tagged with row and head; s_last_o on the row's last
// key block.  All work stalls while the score register is full.
module esact_pred #(
  parameter int unsigned N_MAX  = esact_pkg::N_MAX,
  parameter int unsigned D_MAX  = esact_pkg::D_MAX,
  parameter int unsigned H_MAX  = esact_pkg::H_MAX,
  parameter int unsigned DH_MAX = esact_pkg::DH_MAX,
  parameter int unsigned ROWS   = esact_pkg::SPLS_ROWS,
  parameter int unsigned COLS   = esact_pkg::SPLS_COLS,
  parameter int unsigned CH     = esact_pkg::SPLS_CH,
  // Derived, do not override.
  parameter int unsigned N_W    = $clog2(N_MAX + 1),
  parameter int unsigned H_W    = $clog2(H_MAX + 1),
  parameter int unsigned DH_W   = $clog2(DH_MAX + 1),
  parameter int unsigned ROW_W  = (N_MAX > 1) ? $clog2(N_MAX) : 1,
  parameter int unsigned HD_W   = (H_MAX > 1) ? $clog2(H_MAX) : 1,
  parameter int unsigned KH_W   = 16 + $clog2(D_MAX),    // |Khat| <= D * 2^14
  parameter int unsigned PAM_W  = 18 + $clog2(DH_MAX),   // |PAM| <= Dh * 2^16
  parameter int unsigned SC_W   = $clog2(ROWS + 1)
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // Control (sizes sampled at start_i; ignored while busy_o)
  input  logic                    start_i,
  input  logic [N_W-1:0]          n_i,
  input  logic [H_W-1:0]          heads_i,
  input  logic [DH_W-1:0]         dh_i,
  output logic                    busy_o,
  output logic                    done_o,        // one-cycle pulse: last score taken
  // Token stream: CH int8 channels of one token per beat
  input  logic                    x_valid_i,
  output logic                    x_ready_o,
  input  logic [CH*8-1:0]         x_data_i,
  // Weight stream: COLS int8 weights of one input channel per beat
  input  logic                    w_valid_i,
  output logic                    w_ready_o,
  input  logic [COLS*8-1:0]       w_data_i,
  // PAM score stream: ROWS keys per beat
  output logic                    s_valid_o,
  input  logic                    s_ready_i,
  output logic [ROWS*PAM_W-1:0]   s_scores_o,
  output logic [SC_W-1:0]         s_count_o,
  output logic [ROW_W-1:0]        s_row_o,
  output logic [HD_W-1:0]         s_head_o,
  output logic                    s_last_o
);

  localparam int unsigned R       = ROWS;
  localparam int unsigned C       = COLS;
  localparam int unsigned P       = CH;
  localparam int unsigned CP      = COLS * CH;
  localparam int unsigned LR      = $clog2(R);
  localparam int unsigned LC      = $clog2(C);
  localparam int unsigned LP      = $clog2(P);
  localparam int unsigned LCP     = $clog2(CP);
  localparam int unsigned CW      = 16;                 // loop counters and running addresses
  localparam int unsigned PROD_W  = 18;
  localparam int unsigned ACC_W   = (KH_W > PAM_W) ? KH_W : PAM_W;
  localparam int unsigned SH_W    = 5;
  localparam int unsigned TB_MAX  = (N_MAX + R - 1) / R;
  localparam int unsigned QD_MAX  = (D_MAX + P - 1) / P;
  localparam int unsigned GPH_MAX = (DH_MAX + C - 1) / C;
  localparam int unsigned SQH_MAX = (DH_MAX + CP - 1) / CP;
  localparam int unsigned SQT_A   = H_MAX * SQH_MAX;
  localparam int unsigned SQT_B   = (D_MAX + CP - 1) / CP + H_MAX;
  localparam int unsigned SQT_MAX = (SQT_A < SQT_B) ? SQT_A : SQT_B;
  localparam int unsigned X_DEP   = TB_MAX * QD_MAX;
  localparam int unsigned WB_DEP  = 2 * QD_MAX;
  localparam int unsigned KH_DEP  = TB_MAX * GPH_MAX;
  localparam int unsigned KT_DEP  = TB_MAX * SQT_MAX;
  localparam int unsigned XA_W    = (X_DEP > 1) ? $clog2(X_DEP) : 1;
  localparam int unsigned WBA_W   = $clog2(WB_DEP);
  localparam int unsigned KHA_W   = (KH_DEP > 1) ? $clog2(KH_DEP) : 1;
  localparam int unsigned KTA_W   = (KT_DEP > 1) ? $clog2(KT_DEP) : 1;

  typedef enum logic [3:0] {
    StIdle, StInit, StLoadX, StPass, StPassEnd, StOr, StShift, StQz, StQzEnd, StPam, StFin
  } state_e;
  typedef enum logic [1:0] {OpKQ, OpOr, OpQz, OpPm} op_e;

  state_e state_q, state_d;

  // ---------------------------------------------------------------------------
  // Run sizes (D, heads*gph and heads*sqh by repeated addition in StInit)
  // ---------------------------------------------------------------------------
  logic [CW-1:0] n_q, heads_q, dh_q, d_q, hg_q, sqt_q, hcnt_q;
  logic [CW-1:0] gph, sqh, qd, tbn;  // ceil(dh/C), ceil(dh/CP), ceil(D/P), ceil(n/R)
  assign gph = (dh_q + CW'(C - 1)) >> LC;
  assign sqh = (dh_q + CW'(CP - 1)) >> LCP;
  assign qd  = (d_q + CW'(P - 1)) >> LP;
  assign tbn = (n_q + CW'(R - 1)) >> LR;

  // ---------------------------------------------------------------------------
  // Memories
  // ---------------------------------------------------------------------------
  logic               xm_we, xm_re;
  logic [XA_W-1:0]    xm_waddr, xm_raddr;
  logic [R*P*8-1:0]   xm_wdata, xm_rdata;
  logic [R*P-1:0]     xm_wbe;
  logic               wb_we, wb_re;
  logic [WBA_W-1:0]   wb_waddr, wb_raddr;
  logic [CP*8-1:0]    wb_wdata, wb_rdata;
  logic [CP-1:0]      wb_wbe;
  logic               kh_we, kh_re;
  logic [KHA_W-1:0]   kh_waddr, kh_raddr;
  logic [R*C*KH_W-1:0] kh_wdata, kh_rdata;
  logic               kt_we, qt_we, kq_re;
  logic [KTA_W-1:0]   kq_waddr, kt_raddr;
  logic [R*CP*8-1:0]  kq_wdata, kt_rdata;
  logic [R*CP-1:0]    kq_wbe;
  logic [KTA_W+LR-1:0] qt_waddr, qt_raddr;  // {Kt-shaped address, row in block}
  logic [CP*8-1:0]    qt_wdata, qt_rdata;
  logic [CP-1:0]      qt_wbe;

  esact_spls_mem #(.WIDTH(R*P*8), .DEPTH(X_DEP)) u_xmem (
    .clk_i, .we_i(xm_we), .waddr_i(xm_waddr), .wdata_i(xm_wdata), .wbe_i(xm_wbe),
    .re_i(xm_re), .raddr_i(xm_raddr), .rdata_o(xm_rdata)
  );
  esact_spls_mem #(.WIDTH(CP*8), .DEPTH(WB_DEP)) u_wbuf (
    .clk_i, .we_i(wb_we), .waddr_i(wb_waddr), .wdata_i(wb_wdata), .wbe_i(wb_wbe),
    .re_i(wb_re), .raddr_i(wb_raddr), .rdata_o(wb_rdata)
  );
  esact_spls_mem #(.WIDTH(R*C*KH_W), .DEPTH(KH_DEP)) u_khat (
    .clk_i, .we_i(kh_we), .waddr_i(kh_waddr), .wdata_i(kh_wdata),
    .wbe_i('1), .re_i(kh_re), .raddr_i(kh_raddr), .rdata_o(kh_rdata)
  );
  esact_spls_mem #(.WIDTH(R*CP*8), .DEPTH(KT_DEP)) u_kt (
    .clk_i, .we_i(kt_we), .waddr_i(kq_waddr), .wdata_i(kq_wdata), .wbe_i(kq_wbe),
    .re_i(kq_re), .raddr_i(kt_raddr), .rdata_o(kt_rdata)
  );
  esact_spls_mem #(.WIDTH(CP*8), .DEPTH(KT_DEP * R)) u_qt (
    .clk_i, .we_i(qt_we), .waddr_i(qt_waddr), .wdata_i(qt_wdata), .wbe_i(qt_wbe),
    .re_i(kq_re), .raddr_i(qt_raddr), .rdata_o(qt_rdata)
  );

  // ---------------------------------------------------------------------------
  // x stream -> HLog -> X memory (word = ROWS tokens x CH channels)
  // ---------------------------------------------------------------------------
  logic [CW-1:0] xq_q, xj_q, xbase_q;
  logic          x_fire, x_last_q, x_last_j;
  logic [P*8-1:0] x_codes;

  for (genvar p = 0; p < P; p++) begin : g_xhlog
    logic       neg, nz, h;
    logic [3:0] e;
    esact_hlog #(.IN_W(8), .E_W(4)) u_hlog (
      .value_i (x_data_i[p*8 +: 8]), .neg_o(neg), .nz_o(nz), .e_o(e), .h_o(h)
    );
    assign x_codes[p*8 +: 8] = nz ? {neg, 1'b1, h, 1'b0, e} : 8'h00;
  end

  assign x_ready_o = (state_q == StLoadX);
  assign x_fire    = x_valid_i && x_ready_o;
  assign x_last_q  = (xq_q == qd - 1'b1);
  assign x_last_j  = (xj_q == n_q - 1'b1);
  assign xm_we     = x_fire;
  assign xm_waddr  = XA_W'(xbase_q + xq_q);
  assign xm_wdata  = {R{x_codes}};
  always_comb begin
    for (int unsigned r = 0; r < R; r++) begin
      xm_wbe[r*P +: P] = (xj_q[LR-1:0] == LR'(r)) ? {P{1'b1}} : '0;
    end
  end

  // ---------------------------------------------------------------------------
  // w stream -> HLog -> group buffer (two banks of ceil(D/CH) words; word q =
  // CH channels x COLS columns, column c at bytes c*CH..c*CH+CH-1)
  // ---------------------------------------------------------------------------
  logic [CW-1:0] fd_q, fcnt_q;
  logic          fbank_q, cbank_q;
  logic [1:0]    full_q;
  logic          fill_on, w_fire, bank_free;
  logic [C*8-1:0] w_codes;

  for (genvar c = 0; c < C; c++) begin : g_whlog
    logic       neg, nz, h;
    logic [3:0] e;
    esact_hlog #(.IN_W(8), .E_W(4)) u_hlog (
      .value_i (w_data_i[c*8 +: 8]), .neg_o(neg), .nz_o(nz), .e_o(e), .h_o(h)
    );
    assign w_codes[c*8 +: 8] = nz ? {neg, 1'b1, h, 1'b0, e} : 8'h00;
  end

  assign fill_on   = (state_q != StIdle) && (state_q != StInit) && (fcnt_q != {hg_q[CW-2:0], 1'b0});
  assign w_ready_o = fill_on && !full_q[fbank_q];
  assign w_fire    = w_valid_i && w_ready_o;
  assign wb_we     = w_fire;
  assign wb_waddr  = WBA_W'((fbank_q ? CW'(QD_MAX) : CW'(0)) + (fd_q >> LP));
  always_comb begin
    for (int unsigned c = 0; c < C; c++) begin
      for (int unsigned p = 0; p < P; p++) begin
        wb_wdata[(c*P + p)*8 +: 8] = w_codes[c*8 +: 8];
        wb_wbe[c*P + p]            = (fd_q[LP-1:0] == LP'(p));
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Loop state of the passes, the conversion and the PAM
  // ---------------------------------------------------------------------------
  logic          pass_q;                   // 0: K (Wk), 1: Q (Wq)
  logic [CW-1:0] h_q, g_q, tb_q, q_q;       // head, group, token block, channel chunk
  logic [CW-1:0] rem_q, dcrem_q, nrem_q;    // dh - g*C, D - q*P, n - tb*R
  logic [CW-1:0] xrow_q, kha_q, khg_q;      // tb*qd, tile address tb*gph + g, g
  logic [CW-1:0] hsq_q;                     // h * sqh
  // conversion
  logic [CW-1:0] ctb_q, cg_q, caddr_q, cktrow_q;   // tile (tb, g), its address, tb*sqt
  logic [CW-1:0] stb_q, saddr_q, sktrow_q;         // segment start
  // PAM
  logic [CW-1:0] i_q, kb_q, sq_q, kbrow_q, irow_q, dhrem_q;

  logic adv, issue;
  logic s_valid_q;
  assign adv = !s_valid_q || s_ready_i;

  logic last_q, last_tb, last_g, last_h, last_ctb, last_cg, last_sq, last_kb, last_i, seg_end;
  assign last_q   = (q_q == qd - 1'b1);
  assign last_tb  = (tb_q == tbn - 1'b1);
  assign last_g   = (g_q == gph - 1'b1);
  assign last_h   = (h_q == heads_q - 1'b1);
  assign last_ctb = (ctb_q == tbn - 1'b1);
  assign last_cg  = (cg_q == gph - 1'b1);
  assign last_sq  = (sq_q == sqh - 1'b1);
  assign last_kb  = (kb_q == tbn - 1'b1);
  assign last_i   = (i_q == n_q - 1'b1);
  // K: one segment (all tiles of the head, one shift); Q: one per token block.
  assign seg_end  = last_cg && (pass_q || last_ctb);
  // The Q quantizing sweep stays on a tile for its ROWS rows (one Qt word each).
  logic [LR-1:0] qr_q;
  logic          tile_next;
  assign tile_next = (state_q != StQz) || !pass_q || (qr_q == LR'(R - 1));

  always_comb begin
    unique case (state_q)
      StPass:      issue = adv && full_q[cbank_q];
      StOr, StQz:  issue = adv;
      StPam:       issue = adv;
      default:     issue = 1'b0;
    endcase
  end
  assign bank_free = (state_q == StPass) && issue && last_q && last_tb;

  // Memory reads of the issue stage.
  assign xm_re    = issue && (state_q == StPass);
  assign wb_re    = xm_re;
  assign xm_raddr = XA_W'(xrow_q + q_q);
  assign wb_raddr = WBA_W'((cbank_q ? CW'(QD_MAX) : CW'(0)) + q_q);
  assign kh_re    = issue && ((state_q == StOr) || (state_q == StQz));
  assign kh_raddr = KHA_W'(caddr_q);
  assign kq_re    = issue && (state_q == StPam);
  assign kt_raddr = KTA_W'(kbrow_q + hsq_q + sq_q);
  assign qt_raddr = {KTA_W'(irow_q + hsq_q + sq_q), i_q[LR-1:0]};

  // Operand masks of the issued token.
  logic [R-1:0]  amask;
  logic [CP-1:0] bmask;
  logic [SC_W-1:0] kcount;
  always_comb begin
    for (int unsigned r = 0; r < R; r++) begin
      amask[r] = (nrem_q > CW'(r));
    end
    for (int unsigned c = 0; c < C; c++) begin
      for (int unsigned p = 0; p < P; p++) begin
        if (state_q == StPam) begin
          bmask[c*P + p] = (dhrem_q > CW'(c*P + p));
        end else begin
          bmask[c*P + p] = (rem_q > CW'(c)) && (dcrem_q > CW'(p));
        end
      end
    end
    kcount = (nrem_q > CW'(R)) ? SC_W'(R) : SC_W'(nrem_q);
  end

  // ---------------------------------------------------------------------------
  // FSM
  // ---------------------------------------------------------------------------
  logic t_valid_q;
  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:    if (start_i) state_d = StInit;
      StInit:    if (hcnt_q == heads_q) state_d = StLoadX;
      StLoadX:   if (x_fire && x_last_q && x_last_j) state_d = StPass;
      StPass:    if (issue && last_q && last_tb && last_g) state_d = StPassEnd;
      StPassEnd: if (!t_valid_q) state_d = StOr;
      StOr:      if (issue && seg_end) state_d = StShift;
      StShift:   if (!t_valid_q) state_d = StQz;
      StQz:      if (issue && seg_end && tile_next) state_d = (pass_q && !last_ctb) ? StOr : StQzEnd;
      StQzEnd:   if (!t_valid_q) state_d = (pass_q && last_h) ? StPam : StPass;
      StPam:     if (issue && last_sq && last_kb && last_h && last_i) state_d = StFin;
      StFin:     if (!t_valid_q && !s_valid_q) state_d = StIdle;
      default:   state_d = StIdle;
    endcase
  end
  assign busy_o = (state_q != StIdle);

  // ---------------------------------------------------------------------------
  // Stage 1 token (operands come from the memories read at issue)
  // ---------------------------------------------------------------------------
  op_e             t_op_q;
  logic            t_first_q, t_last_q;
  logic [R-1:0]    t_amask_q;
  logic [CP-1:0]   t_bmask_q;
  // Head buffer (K/Q) or Kt/Qt (conversion) write address; the upper bits are
  // zero by the sizes (KT_DEP, KH_DEP) and only the address bits are used.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [CW-1:0]   t_addr_q;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [LP-1:0]   t_gp_q;        // group within a Kt/Qt word (conversion)
  logic [LR-1:0]   t_qr_q;        // tile row written to Qt (Q conversion)
  logic [SC_W-1:0] t_count_q;
  logic [ROW_W-1:0] t_i_q;
  logic [HD_W-1:0] t_h_q;
  logic            t_slast_q;

  // Operands of the dot units.
  logic [R*CP*8-1:0] opa;
  logic [CP*8-1:0]   opb;
  always_comb begin
    // A masked-off operand only needs its nonzero bit (bit 6) cleared: a code
    // with nz = 0 makes the product zero whatever its other bits
    // (esact_pred_prod), so the masks gate one bit per operand, not eight.
    for (int unsigned r = 0; r < R; r++) begin
      for (int unsigned c = 0; c < C; c++) begin
        for (int unsigned p = 0; p < P; p++) begin
          if (t_op_q == OpPm) begin
            opa[(r*CP + c*P + p)*8 +: 8] = kt_rdata[(r*CP + c*P + p)*8 +: 8];
          end else begin
            opa[(r*CP + c*P + p)*8 +: 8] = xm_rdata[(r*P + p)*8 +: 8];
            opa[(r*CP + c*P + p)*8 + 6]  = t_amask_q[r] & xm_rdata[(r*P + p)*8 + 6];
          end
        end
      end
    end
    for (int unsigned cp = 0; cp < CP; cp++) begin
      if (t_op_q == OpPm) begin
        opb[cp*8 +: 8] = qt_rdata[cp*8 +: 8];
      end else begin
        opb[cp*8 +: 8] = wb_rdata[cp*8 +: 8];
      end
      opb[cp*8 + 6] = t_bmask_q[cp] & opb[cp*8 + 6];
    end
  end

  // Dot units and accumulators.  Each product arrives as an unsigned term plus
  // a negative flag (esact_pred_prod: product = t - 2^(PROD_W-1) + neg), so a
  // dot unit is one unsigned multi-operand addition of the accumulator, the P
  // terms, the P flags and the constant -P * 2^(PROD_W-1), modulo 2^ACC_W
  // (the same value as the signed sum: every partial result fits ACC_W bits).
  localparam logic [ACC_W-1:0] DOT_OFS = ACC_W'(0) - (ACC_W'(P) << (PROD_W - 1));
  logic [R*C*ACC_W-1:0] acc_q, acc_next;
  for (genvar r = 0; r < R; r++) begin : g_row
    for (genvar c = 0; c < C; c++) begin : g_col
      logic [P*PROD_W-1:0] term;
      logic [P-1:0]        neg;
      logic [ACC_W-1:0]    sum;
      for (genvar p = 0; p < P; p++) begin : g_lane
        esact_pred_prod #(.PROD_W(PROD_W)) u_prod (
          .a_i   (opa[(r*CP + c*P + p)*8 +: 8]),
          .b_i   (opb[(c*P + p)*8 +: 8]),
          .t_o   (term[p*PROD_W +: PROD_W]),
          .neg_o (neg[p])
        );
      end
      always_comb begin
        sum = (t_first_q ? ACC_W'(0) : acc_q[(r*C + c)*ACC_W +: ACC_W]) + DOT_OFS;
        for (int unsigned p = 0; p < P; p++) begin
          sum = sum + ACC_W'(term[p*PROD_W +: PROD_W]) + ACC_W'(neg[p]);
        end
      end
      assign acc_next[(r*C + c)*ACC_W +: ACC_W] = sum;
      assign kh_wdata[(r*C + c)*KH_W +: KH_W] = sum[KH_W-1:0];
    end
  end

  // Scores: the COLS partial sums of each key.
  logic [R*PAM_W-1:0] score_next;
  always_comb begin
    score_next = '0;
    for (int unsigned r = 0; r < R; r++) begin
      for (int unsigned c = 0; c < C; c++) begin
        score_next[r*PAM_W +: PAM_W] = score_next[r*PAM_W +: PAM_W] + acc_next[(r*C + c)*ACC_W +: PAM_W];
      end
    end
  end

  // Conversion: row ORs of magnitudes, shifts, quantizers.
  logic [R*KH_W-1:0] ror_q, ror_next;
  logic [R*SH_W-1:0] rsh, sh_q;
  logic [KH_W-1:0]   hor;
  logic [SH_W-1:0]   hsh;
  logic [R*C*KH_W-1:0] kh_mag;
  always_comb begin
    for (int unsigned rc = 0; rc < R*C; rc++) begin
      kh_mag[rc*KH_W +: KH_W] = kh_rdata[rc*KH_W + KH_W - 1] ? (~kh_rdata[rc*KH_W +: KH_W] + 1'b1)
                                                             : kh_rdata[rc*KH_W +: KH_W];
    end
    // The first tile of a segment starts the ORs afresh.
    ror_next = t_first_q ? '0 : ror_q;
    for (int unsigned r = 0; r < R; r++) begin
      for (int unsigned c = 0; c < C; c++) begin
        ror_next[r*KH_W +: KH_W] = ror_next[r*KH_W +: KH_W] | kh_mag[(r*C + c)*KH_W +: KH_W];
      end
    end
    hor = '0;
    for (int unsigned r = 0; r < R; r++) begin
      hor = hor | ror_q[r*KH_W +: KH_W];
    end
  end
  for (genvar r = 0; r < R; r++) begin : g_rshift
    esact_spls_shift #(.IN_W(KH_W), .SH_W(SH_W)) u_shift (
      .x_i (ror_q[r*KH_W +: KH_W]), .shift_o (rsh[r*SH_W +: SH_W])
    );
  end
  esact_spls_shift #(.IN_W(KH_W), .SH_W(SH_W)) u_hshift (.x_i (hor), .shift_o (hsh));

  logic [R*C*8-1:0] qz_code;
  for (genvar r = 0; r < R; r++) begin : g_qzr
    for (genvar c = 0; c < C; c++) begin : g_qzc
      esact_spls_qz #(.IN_W(KH_W), .SH_W(SH_W)) u_qz (
        .mag_i   (kh_mag[(r*C + c)*KH_W +: KH_W]),
        .neg_i   (kh_rdata[(r*C + c)*KH_W + KH_W - 1]),
        .shift_i (sh_q[r*SH_W +: SH_W]),
        .code_o  (qz_code[(r*C + c)*8 +: 8])
      );
    end
  end
  always_comb begin
    for (int unsigned r = 0; r < R; r++) begin
      for (int unsigned gp = 0; gp < P; gp++) begin
        for (int unsigned c = 0; c < C; c++) begin
          kq_wdata[(r*CP + gp*C + c)*8 +: 8] = qz_code[(r*C + c)*8 +: 8];
          kq_wbe[r*CP + gp*C + c]            = (t_gp_q == LP'(gp));
        end
      end
    end
    // Qt: tile row t_qr_q of the quantizers into one query row's word.
    qt_wdata = '0;
    for (int unsigned gp = 0; gp < P; gp++) begin
      for (int unsigned c = 0; c < C; c++) begin
        qt_wbe[gp*C + c] = (t_gp_q == LP'(gp));
        for (int unsigned r = 0; r < R; r++) begin
          if (t_qr_q == LR'(r)) begin
            qt_wdata[(gp*C + c)*8 +: 8] = qz_code[(r*C + c)*8 +: 8];
          end
        end
      end
    end
  end

  assign kh_we    = adv && t_valid_q && (t_op_q == OpKQ) && t_last_q;
  assign kh_waddr = KHA_W'(t_addr_q);
  assign kt_we    = adv && t_valid_q && (t_op_q == OpQz) && !pass_q;
  assign qt_we    = adv && t_valid_q && (t_op_q == OpQz) && pass_q;
  assign kq_waddr = KTA_W'(t_addr_q);
  assign qt_waddr = {KTA_W'(t_addr_q), t_qr_q};

  // ---------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------
  logic                  s_last_q;
  logic [R*PAM_W-1:0]    s_scores_q;
  logic [SC_W-1:0]       s_count_q;
  logic [ROW_W-1:0]      s_row_q;
  logic [HD_W-1:0]       s_head_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      t_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
      done_o    <= 1'b0;
      full_q    <= '0;
      fbank_q   <= 1'b0;
      cbank_q   <= 1'b0;
      fcnt_q    <= '0;
      fd_q      <= '0;
    end else begin
      state_q <= state_d;
      done_o  <= (state_q == StFin) && (state_d == StIdle);
      if (adv) begin
        t_valid_q <= issue;
      end
      if (s_valid_q && s_ready_i) begin
        s_valid_q <= 1'b0;
      end
      if (adv && t_valid_q && (t_op_q == OpPm) && t_last_q) begin
        s_valid_q <= 1'b1;
      end
      // Group buffer banks: filled by the w stream, freed by the pass.
      if (state_q == StIdle && start_i) begin
        full_q  <= '0;
        fbank_q <= 1'b0;
        cbank_q <= 1'b0;
        fcnt_q  <= '0;
        fd_q    <= '0;
      end else begin
        for (int unsigned b = 0; b < 2; b++) begin
          if (bank_free && (cbank_q == 1'(b))) begin
            full_q[b] <= 1'b0;
          end
          if (w_fire && (fd_q == d_q - 1'b1) && (fbank_q == 1'(b))) begin
            full_q[b] <= 1'b1;
          end
        end
        if (bank_free) begin
          cbank_q <= !cbank_q;
        end
        if (w_fire) begin
          fd_q <= fd_q + 1'b1;
          if (fd_q == d_q - 1'b1) begin
            fd_q    <= '0;
            fbank_q <= !fbank_q;
            fcnt_q  <= fcnt_q + 1'b1;
          end
        end
      end
    end
  end

  // Datapath and loop registers (no reset: set up by start_i / the FSM).
  always_ff @(posedge clk_i) begin
    // Stage-1 token.
    if (adv) begin
      t_first_q <= 1'b0;
      t_last_q  <= 1'b0;
      t_op_q    <= OpKQ;
      t_amask_q <= amask;
      t_bmask_q <= bmask;
      t_addr_q  <= '0;
      t_gp_q    <= cg_q[LP-1:0];
      t_qr_q    <= qr_q;
      t_count_q <= kcount;
      t_i_q     <= ROW_W'(i_q);
      t_h_q     <= HD_W'(h_q);
      t_slast_q <= last_kb;
      unique case (state_q)
        StPass: begin
          t_op_q    <= OpKQ;
          t_first_q <= (q_q == '0);
          t_last_q  <= last_q;
          t_addr_q  <= kha_q;
        end
        StOr: begin
          t_op_q    <= OpOr;
          t_first_q <= (caddr_q == saddr_q);
        end
        StQz: begin
          t_op_q   <= OpQz;
          t_addr_q <= cktrow_q + hsq_q + (cg_q >> LP);
        end
        StPam: begin
          t_op_q    <= OpPm;
          t_first_q <= (sq_q == '0);
          t_last_q  <= last_sq;
        end
        default: t_op_q <= OpKQ;
      endcase
    end

    // Stage-1 results.
    if (adv && t_valid_q) begin
      if (t_op_q == OpKQ || t_op_q == OpPm) begin
        acc_q <= acc_next;
      end
      if (t_op_q == OpOr) begin
        ror_q <= ror_next;
      end
    end
    if (adv && t_valid_q && (t_op_q == OpPm) && t_last_q) begin
      s_scores_q <= score_next;
      s_count_q  <= t_count_q;
      s_row_q    <= t_i_q;
      s_head_q   <= t_h_q;
      s_last_q   <= t_slast_q;
    end

    // Loops.
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          n_q     <= CW'(n_i);
          heads_q <= CW'(heads_i);
          dh_q    <= CW'(dh_i);
          d_q     <= '0;
          hg_q    <= '0;
          sqt_q   <= '0;
          hcnt_q  <= '0;
        end
      end
      StInit: begin
        if (hcnt_q != heads_q) begin
          hcnt_q <= hcnt_q + 1'b1;
          d_q    <= d_q + dh_q;
          hg_q   <= hg_q + gph;
          sqt_q  <= sqt_q + sqh;
        end else begin
          xq_q    <= '0;
          xj_q    <= '0;
          xbase_q <= '0;
        end
      end
      StLoadX: begin
        if (x_fire) begin
          xq_q <= xq_q + 1'b1;
          if (x_last_q) begin
            xq_q <= '0;
            xj_q <= xj_q + 1'b1;
            if (xj_q[LR-1:0] == LR'(R - 1)) begin
              xbase_q <= xbase_q + qd;
            end
          end
          if (x_last_q && x_last_j) begin
            pass_q  <= 1'b0;
            h_q     <= '0;
            hsq_q   <= '0;
          end
        end
      end
      StPass: begin
        if (issue) begin
          q_q     <= q_q + 1'b1;
          dcrem_q <= dcrem_q - CW'(P);
          if (last_q) begin
            q_q     <= '0;
            dcrem_q <= d_q;
            tb_q    <= tb_q + 1'b1;
            nrem_q  <= nrem_q - CW'(R);
            xrow_q  <= xrow_q + qd;
            kha_q   <= kha_q + gph;
            if (last_tb) begin
              tb_q   <= '0;
              nrem_q <= n_q;
              xrow_q <= '0;
              g_q    <= g_q + 1'b1;
              khg_q  <= khg_q + 1'b1;
              kha_q  <= khg_q + 1'b1;
              rem_q  <= rem_q - CW'(C);
            end
          end
        end
      end
      StPassEnd: begin
        // Conversion of the head: first segment.
        qr_q     <= '0;
        ctb_q    <= '0;
        cg_q     <= '0;
        caddr_q  <= '0;
        cktrow_q <= '0;
        stb_q    <= '0;
        saddr_q  <= '0;
        sktrow_q <= '0;
      end
      StOr, StQz: begin
        if (issue && state_q == StQz && pass_q) begin
          qr_q <= qr_q + 1'b1;  // wraps to 0 after the tile's last row
        end
        if (issue && tile_next) begin
          caddr_q <= caddr_q + 1'b1;
          cg_q    <= cg_q + 1'b1;
          if (last_cg) begin
            cg_q     <= '0;
            ctb_q    <= ctb_q + 1'b1;
            cktrow_q <= cktrow_q + sqt_q;
          end
          if (seg_end) begin
            if (state_q == StOr || !last_ctb) begin
              // Rewind to the segment start for the quantizing sweep, or start
              // the next segment (Q: next token block).
              if (state_q == StOr) begin
                ctb_q    <= stb_q;
                caddr_q  <= saddr_q;
                cktrow_q <= sktrow_q;
              end else begin
                stb_q    <= ctb_q + 1'b1;
                saddr_q  <= caddr_q + 1'b1;
                sktrow_q <= cktrow_q + sqt_q;
              end
            end
          end
        end
      end
      StShift: begin
        if (!t_valid_q) begin
          for (int unsigned r = 0; r < R; r++) begin
            sh_q[r*SH_W +: SH_W] <= pass_q ? rsh[r*SH_W +: SH_W] : hsh;
          end
        end
      end
      StQzEnd: begin
        if (!t_valid_q) begin
          h_q   <= h_q + 1'b1;
          hsq_q <= hsq_q + sqh;
          if (last_h) begin
            h_q    <= '0;
            hsq_q  <= '0;
            pass_q <= 1'b1;
          end
        end
      end
      StPam: begin
        if (issue) begin
          sq_q    <= sq_q + 1'b1;
          dhrem_q <= dhrem_q - CW'(CP);
          if (last_sq) begin
            sq_q    <= '0;
            dhrem_q <= dh_q;
            kb_q    <= kb_q + 1'b1;
            kbrow_q <= kbrow_q + sqt_q;
            nrem_q  <= nrem_q - CW'(R);
            if (last_kb) begin
              kb_q    <= '0;
              kbrow_q <= '0;
              nrem_q  <= n_q;
              h_q     <= h_q + 1'b1;
              hsq_q   <= hsq_q + sqh;
              if (last_h) begin
                h_q   <= '0;
                hsq_q <= '0;
                i_q   <= i_q + 1'b1;
                if (i_q[LR-1:0] == LR'(R - 1)) begin
                  irow_q <= irow_q + sqt_q;
                end
              end
            end
          end
        end
      end
      default: ;
    endcase

    // Loop starts of a pass over one head and of the PAM.
    if ((state_q == StLoadX && state_d == StPass) || (state_q == StQzEnd && state_d == StPass)) begin
      g_q     <= '0;
      tb_q    <= '0;
      q_q     <= '0;
      rem_q   <= dh_q;
      dcrem_q <= d_q;
      nrem_q  <= n_q;
      xrow_q  <= '0;
      kha_q   <= '0;
      khg_q   <= '0;
    end
    if (state_q == StQzEnd && state_d == StPam) begin
      i_q     <= '0;
      kb_q    <= '0;
      sq_q    <= '0;
      kbrow_q <= '0;
      irow_q  <= '0;
      dhrem_q <= dh_q;
      nrem_q  <= n_q;
    end
  end

  assign s_valid_o  = s_valid_q;
  assign s_scores_o = s_scores_q;
  assign s_count_o  = s_count_q;
  assign s_row_o    = s_row_q;
  assign s_head_o   = s_head_q;
  assign s_last_o   = s_last_q;

`ifndef SYNTHESIS
  initial begin
    assert (R >= 2 && C >= 2 && P >= 2 && (R & (R - 1)) == 0 && (C & (C - 1)) == 0 &&
            (P & (P - 1)) == 0)
      else $fatal(1, "esact_pred: ROWS, COLS and CH must be powers of two >= 2");
  end
`endif

endmodule
