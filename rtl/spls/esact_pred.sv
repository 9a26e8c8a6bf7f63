// ESACT SPLS: bit-level prediction unit (docs/spec.md 3.2), adders only.
//
// Makes Khat, the per-head K shift, Kt, Qhat, the per-row Q shift, Qt and the
// PAM scores of one layer from INT8 token rows and the host's HLog weight
// codes.  Every product is esact_pred_prod (exponent add, at most two one-hot
// terms); there is no multiplier (a CTest runs Yosys `stat` on this unit).
//
// LANES lanes work on LANES adjacent output columns of one head (a "group";
// a head of Dh columns has GPH = ceil(Dh / LANES) groups, the last one
// partial: its idle lanes are forced to zero).
//
// Run (start_i with n_i, heads_i, dh_i; the caller checks the ranges, see
// esact_spls; D = heads * dh is made by repeated addition):
//   1. Tokens: n * D int8 values on the x stream, row-major (token j, channel d).
//      They are HLog'd on the way in and kept in the X memory.
//   2. K: for head h, group g: D weight beats Wk[d][h*Dh + g*LANES + l]
//      (d = 0..D-1, lane l in byte l of the beat) fill the group buffer; then
//      for every token j, D cycles accumulate Khat[j][group] in the lanes.
//      After the head: sK_h from the OR of all |Khat| of the head, then a pass
//      converts the head's Khat to Kt codes (Kt memory).
//   3. For every query row i and head h: for every group g, D weight beats
//      Wq[d][h*Dh + g*LANES + l] stream straight into the lanes (Qhat row);
//      sQ_{i,h} from its OR; then for every key j, GPH cycles sum the lane
//      products Qt x Kt through an adder tree: one PAM score per key.
//   The w stream thus carries Wk once, then Wq once per query row, always in
//   (head, group, d) order with LANES byte codes per beat.
// Scores leave on the s stream with their row, head and key and s_last_o on
// key n-1.  All work stalls while the score register is full (back-pressure).
module esact_pred #(
  parameter int unsigned N_MAX  = esact_pkg::N_MAX,
  parameter int unsigned D_MAX  = esact_pkg::D_MAX,
  parameter int unsigned H_MAX  = esact_pkg::H_MAX,
  parameter int unsigned DH_MAX = esact_pkg::DH_MAX,
  parameter int unsigned LANES  = esact_pkg::SPLS_LANES,
  // Derived, do not override.
  parameter int unsigned N_W    = $clog2(N_MAX + 1),
  parameter int unsigned H_W    = $clog2(H_MAX + 1),
  parameter int unsigned DH_W   = $clog2(DH_MAX + 1),
  parameter int unsigned ROW_W  = (N_MAX > 1) ? $clog2(N_MAX) : 1,
  parameter int unsigned HD_W   = (H_MAX > 1) ? $clog2(H_MAX) : 1,
  parameter int unsigned KH_W   = 16 + $clog2(D_MAX),    // |Khat| <= D * 2^14
  parameter int unsigned PAM_W  = 18 + $clog2(DH_MAX)    // |PAM| <= Dh * 2^16
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
  // Token stream: int8, row-major
  input  logic                    x_valid_i,
  output logic                    x_ready_o,
  input  logic [7:0]              x_data_i,
  // Weight-code stream: LANES HLog byte codes per beat
  input  logic                    w_valid_i,
  output logic                    w_ready_o,
  input  logic [LANES*8-1:0]      w_data_i,
  // PAM score stream
  output logic                    s_valid_o,
  input  logic                    s_ready_i,
  output logic signed [PAM_W-1:0] s_score_o,
  output logic [ROW_W-1:0]        s_row_o,
  output logic [HD_W-1:0]         s_head_o,
  output logic [ROW_W-1:0]        s_key_o,
  output logic                    s_last_o
);

  localparam int unsigned D_W     = $clog2(D_MAX + 1);
  localparam int unsigned PROD_W  = 18;
  localparam int unsigned SH_W    = 5;
  localparam int unsigned GPH_MAX = (DH_MAX + LANES - 1) / LANES;
  // Kt words per token: H * GPH <= min(H_MAX * GPH_MAX, ceil(D_MAX / LANES) + H_MAX)
  localparam int unsigned WPR_A   = H_MAX * GPH_MAX;
  localparam int unsigned WPR_B   = (D_MAX + LANES - 1) / LANES + H_MAX;
  localparam int unsigned WPR_MAX = (WPR_A < WPR_B) ? WPR_A : WPR_B;
  localparam int unsigned G_W     = (GPH_MAX > 1) ? $clog2(GPH_MAX) : 1;
  localparam int unsigned GN_W    = $clog2(GPH_MAX + 1);
  localparam int unsigned WPR_W   = $clog2(WPR_MAX + 1);
  localparam int unsigned X_DEPTH = N_MAX * D_MAX;
  localparam int unsigned XA_W    = (X_DEPTH > 1) ? $clog2(X_DEPTH) : 1;
  localparam int unsigned WB_AW   = (D_MAX > 1) ? $clog2(D_MAX) : 1;
  localparam int unsigned KH_DEPTH = N_MAX * GPH_MAX;
  localparam int unsigned KHA_W   = (KH_DEPTH > 1) ? $clog2(KH_DEPTH) : 1;
  localparam int unsigned KT_DEPTH = N_MAX * WPR_MAX;
  localparam int unsigned KTA_W   = (KT_DEPTH > 1) ? $clog2(KT_DEPTH) : 1;
  localparam int unsigned TREE_W  = PROD_W + $clog2(LANES) + 1;
  localparam int unsigned ACC_W   = (KH_W > PAM_W) ? KH_W : PAM_W;

  typedef enum logic [3:0] {
    StIdle, StInitG, StInitH, StLoadX, StKW, StKC, StKS, StKT, StQC, StQS, StPam, StFin
  } state_e;

  typedef enum logic [1:0] {OpKC, OpQC, OpCV, OpPM} op_e;

  state_e state_q, state_d;

  // Run sizes.
  logic [N_W-1:0]   n_q;
  logic [H_W-1:0]   heads_q;
  logic [DH_W-1:0]  dh_q;
  logic [D_W-1:0]   d_q;        // D = heads * dh
  logic [GN_W-1:0]  gph_q;      // groups per head
  logic [WPR_W-1:0] wpr_q;      // Kt words per token = heads * gph

  // Loop counters and running addresses.
  logic [HD_W-1:0]  h_q;        // head
  logic [G_W-1:0]   g_q;        // group within the head
  logic [DH_W-1:0]  rem_q;      // dh - g * LANES: live lanes of the group
  logic [ROW_W-1:0] j_q;        // token / key
  logic [ROW_W-1:0] i_q;        // query row
  logic [D_W-1:0]   c_q;        // input channel d
  logic [XA_W-1:0]  xa_q;       // X memory address
  logic [XA_W-1:0]  xrow_q;     // i * D
  logic [KHA_W-1:0] ka_q;       // Khat address
  logic [KHA_W-1:0] kbase_q;    // g (K pass) start
  logic [KTA_W-1:0] ktrow_q;    // j * WPR
  logic [KTA_W-1:0] hbase_q;    // h * GPH

  // Stage-1 token (operands come from memories read in the issue cycle).
  logic             t_valid_q, t_first_q, t_last_q;
  op_e              t_op_q;
  logic [KTA_W-1:0] t_addr_q;   // Khat or Kt write address
  logic [G_W-1:0]   t_g_q;
  logic [LANES-1:0] t_lmask_q;
  logic [LANES*8-1:0] t_w_q;    // Wq beat (QC)
  logic [ROW_W-1:0] t_i_q, t_j_q;
  logic [HD_W-1:0]  t_h_q;
  logic             t_rowlast_q;

  // Accumulators, shifts and the Qhat row of the current head.
  logic [LANES*ACC_W-1:0]    acc_q;
  logic [KH_W-1:0]           or_q;     // OR of |Khat| (head) or |Qhat| (row, head)
  logic [SH_W-1:0]           sk_q, sq_q;
  logic [GPH_MAX*LANES*KH_W-1:0] qbuf_q;

  // Score register.
  logic                    s_valid_q;
  logic signed [PAM_W-1:0] s_score_q;
  logic [ROW_W-1:0]        s_row_q, s_key_q;
  logic [HD_W-1:0]         s_head_q;
  logic                    s_last_q;

  logic adv;           // the pipeline may move (score register free or draining)
  logic issue;         // a token enters stage 1 this cycle
  logic x_fire, w_fire;
  assign adv = !s_valid_q || s_ready_i;

  // ---------------------------------------------------------------------------
  // Memories
  // ---------------------------------------------------------------------------
  logic             xm_we, xm_re;
  logic [7:0]       xm_wdata, xm_rdata;
  logic             wb_we, wb_re;
  logic [LANES*8-1:0] wb_rdata;
  logic             kh_we, kh_re;
  logic [LANES*KH_W-1:0] kh_wdata, kh_rdata;
  logic [KHA_W-1:0] kh_waddr;
  logic             kt_we, kt_re;
  logic [LANES*8-1:0] kt_wdata, kt_rdata;
  logic [KTA_W-1:0] kt_raddr;

  // HLog of the incoming token byte.
  logic       xq_neg, xq_nz, xq_h;
  logic [3:0] xq_e;
  esact_hlog #(.IN_W(8), .E_W(4)) u_xq (
    .value_i (x_data_i),
    .neg_o   (xq_neg),
    .nz_o    (xq_nz),
    .e_o     (xq_e),
    .h_o     (xq_h)
  );
  assign xm_wdata = xq_nz ? {xq_neg, 1'b1, xq_h, 1'b0, xq_e} : 8'h00;

  esact_spls_mem #(.WIDTH(8), .DEPTH(X_DEPTH)) u_xmem (
    .clk_i, .we_i(xm_we), .waddr_i(xa_q), .wdata_i(xm_wdata),
    .re_i(xm_re), .raddr_i(xa_q), .rdata_o(xm_rdata)
  );
  esact_spls_mem #(.WIDTH(LANES*8), .DEPTH(D_MAX)) u_wbuf (
    .clk_i, .we_i(wb_we), .waddr_i(c_q[WB_AW-1:0]), .wdata_i(w_data_i),
    .re_i(wb_re), .raddr_i(c_q[WB_AW-1:0]), .rdata_o(wb_rdata)
  );
  esact_spls_mem #(.WIDTH(LANES*KH_W), .DEPTH(KH_DEPTH)) u_khat (
    .clk_i, .we_i(kh_we), .waddr_i(kh_waddr), .wdata_i(kh_wdata),
    .re_i(kh_re), .raddr_i(ka_q), .rdata_o(kh_rdata)
  );
  esact_spls_mem #(.WIDTH(LANES*8), .DEPTH(KT_DEPTH)) u_kt (
    .clk_i, .we_i(kt_we), .waddr_i(t_addr_q), .wdata_i(kt_wdata),
    .re_i(kt_re), .raddr_i(kt_raddr), .rdata_o(kt_rdata)
  );
  assign kt_raddr = ktrow_q + hbase_q + KTA_W'(g_q);

  // ---------------------------------------------------------------------------
  // Issue (stage 0): the FSM walks the loops; one token per cycle at most.
  // ---------------------------------------------------------------------------
  logic last_c, last_j, last_g, last_h, last_i;
  assign last_c = (c_q == d_q - 1'b1);
  assign last_j = (N_W'(j_q) == n_q - 1'b1);
  assign last_i = (N_W'(i_q) == n_q - 1'b1);
  assign last_g = (GN_W'(g_q) == gph_q - 1'b1);
  assign last_h = (H_W'(h_q) == heads_q - 1'b1);

  logic [LANES-1:0] lmask;
  always_comb begin
    for (int unsigned l = 0; l < LANES; l++) begin
      lmask[l] = ({{(32-DH_W){1'b0}}, rem_q} > l);
    end
  end

  assign x_ready_o = (state_q == StLoadX);
  assign x_fire    = x_valid_i && x_ready_o;
  assign w_ready_o = (state_q == StKW) || ((state_q == StQC) && adv);
  assign w_fire    = w_valid_i && w_ready_o;
  assign xm_we     = x_fire;
  assign wb_we     = w_fire && (state_q == StKW);

  always_comb begin
    issue = 1'b0;
    unique case (state_q)
      StKC, StKT, StPam: issue = adv;
      StQC:              issue = adv && w_valid_i;
      default:           issue = 1'b0;
    endcase
  end
  assign xm_re = issue && ((state_q == StKC) || (state_q == StQC));
  assign wb_re = issue && (state_q == StKC);
  assign kh_re = issue && (state_q == StKT);
  assign kt_re = issue && (state_q == StPam);

  // Init arithmetic (repeated addition instead of multiplication).
  logic cfg_done_g;
  assign cfg_done_g = ({{(32-DH_W){1'b0}}, rem_q} <= LANES);

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:  if (start_i) state_d = StInitG;
      StInitG: if (cfg_done_g) state_d = StInitH;
      StInitH: if (last_h) state_d = StLoadX;
      StLoadX: if (x_fire && last_c && last_j) state_d = StKW;
      StKW:    if (w_fire && last_c) state_d = StKC;
      StKC:    if (issue && last_c && last_j) state_d = last_g ? StKS : StKW;
      StKS:    if (!t_valid_q) state_d = StKT;
      StKT:    if (issue && last_g && last_j) state_d = last_h ? StQC : StKW;
      StQC:    if (issue && last_c && last_g) state_d = StQS;
      StQS:    if (!t_valid_q && adv) state_d = StPam;
      StPam:   if (issue && last_g && last_j) state_d = (last_h && last_i) ? StFin : StQC;
      StFin:   if (!t_valid_q && !s_valid_q) state_d = StIdle;
      default: state_d = StIdle;
    endcase
  end

  assign busy_o = (state_q != StIdle);

  // ---------------------------------------------------------------------------
  // Stage 1: lane products, accumulation, results.
  // ---------------------------------------------------------------------------
  logic [LANES*PROD_W-1:0] prod;
  logic [LANES*8-1:0]      qz_code;
  logic [LANES*KH_W-1:0]   qz_in;
  logic [SH_W-1:0]         qz_shift;
  logic [LANES*KH_W-1:0]   qrow_g;     // Qhat lanes of group t_g_q
  logic [LANES*ACC_W-1:0]  acc_next;
  logic [KH_W-1:0]         or_next;
  logic signed [TREE_W-1:0] tree;
  logic [SH_W-1:0]         shift_or;

  always_comb begin
    qrow_g = '0;
    for (int unsigned g = 0; g < GPH_MAX; g++) begin
      if (G_W'(g) == t_g_q) begin
        qrow_g = qbuf_q[g*LANES*KH_W +: LANES*KH_W];
      end
    end
  end

  // Shifted-HLog quantizers: Khat -> Kt (CV) and Qhat -> Qt (PM).
  assign qz_in    = (t_op_q == OpCV) ? kh_rdata : qrow_g;
  assign qz_shift = (t_op_q == OpCV) ? sk_q : sq_q;

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    esact_spls_qz #(.IN_W(KH_W), .SH_W(SH_W)) u_qz (
      .v_i     (qz_in[l*KH_W +: KH_W]),
      .shift_i (qz_shift),
      .code_o  (qz_code[l*8 +: 8])
    );
    // Operands: (X code, weight code) for K/Q, (Qt, Kt) for the PAM.  Idle
    // lanes of a partial group get a zero weight (their Qt/Kt are zero anyway).
    logic [7:0] op_a, op_b;
    always_comb begin
      if (t_op_q == OpPM) begin
        op_a = qz_code[l*8 +: 8];
        op_b = kt_rdata[l*8 +: 8];
      end else begin
        op_a = xm_rdata;
        op_b = (t_op_q == OpQC) ? t_w_q[l*8 +: 8] : wb_rdata[l*8 +: 8];
        if (!t_lmask_q[l]) begin
          op_b = 8'h00;
        end
      end
    end
    esact_pred_prod #(.PROD_W(PROD_W)) u_prod (
      .a_i (op_a),
      .b_i (op_b),
      .p_o (prod[l*PROD_W +: PROD_W])
    );
  end

  // Adder tree over the lanes (PAM mode).
  always_comb begin
    tree = '0;
    for (int unsigned l = 0; l < LANES; l++) begin
      tree = tree + TREE_W'($signed(prod[l*PROD_W +: PROD_W]));
    end
  end

  always_comb begin
    acc_next = acc_q;
    or_next  = or_q;
    if (t_op_q == OpPM) begin
      acc_next[0 +: ACC_W] = (t_first_q ? '0 : acc_q[0 +: ACC_W]) + ACC_W'(tree);
    end else begin
      for (int unsigned l = 0; l < LANES; l++) begin
        acc_next[l*ACC_W +: ACC_W] = (t_first_q ? '0 : acc_q[l*ACC_W +: ACC_W]) +
                                     ACC_W'($signed(prod[l*PROD_W +: PROD_W]));
      end
    end
    for (int unsigned l = 0; l < LANES; l++) begin
      or_next = or_next | (acc_next[l*ACC_W + KH_W - 1] ? (~acc_next[l*ACC_W +: KH_W] + 1'b1)
                                                        : acc_next[l*ACC_W +: KH_W]);
    end
  end

  always_comb begin
    for (int unsigned l = 0; l < LANES; l++) begin
      kh_wdata[l*KH_W +: KH_W] = acc_next[l*ACC_W +: KH_W];
    end
  end
  assign kh_waddr = t_addr_q[KHA_W-1:0];
  assign kh_we    = adv && t_valid_q && (t_op_q == OpKC) && t_last_q;
  assign kt_we    = adv && t_valid_q && (t_op_q == OpCV);
  assign kt_wdata = qz_code;

  // ---------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      t_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
      done_o    <= 1'b0;
    end else begin
      state_q <= state_d;
      done_o  <= (state_q == StFin) && (state_d == StIdle);
      if (adv) begin
        t_valid_q <= issue;
      end
      if (s_valid_q && s_ready_i) begin
        s_valid_q <= 1'b0;
      end
      if (adv && t_valid_q && (t_op_q == OpPM) && t_last_q) begin
        s_valid_q <= 1'b1;
      end
    end
  end

  // Datapath and loop registers (no reset: set up by start_i / the FSM).
  always_ff @(posedge clk_i) begin
    // Stage-1 token.
    if (adv) begin
      t_first_q   <= 1'b0;
      t_last_q    <= 1'b0;
      t_op_q      <= OpKC;
      t_addr_q    <= '0;
      t_g_q       <= g_q;
      t_lmask_q   <= lmask;
      t_w_q       <= w_data_i;
      t_i_q       <= i_q;
      t_j_q       <= j_q;
      t_h_q       <= h_q;
      t_rowlast_q <= last_j;
      unique case (state_q)
        StKC: begin
          t_op_q   <= OpKC;
          t_first_q <= (c_q == '0);
          t_last_q <= last_c;
          t_addr_q <= KTA_W'(ka_q);
        end
        StQC: begin
          t_op_q    <= OpQC;
          t_first_q <= (c_q == '0);
          t_last_q  <= last_c;
        end
        StKT: begin
          t_op_q   <= OpCV;
          t_addr_q <= ktrow_q + hbase_q + KTA_W'(g_q);
        end
        StPam: begin
          t_op_q    <= OpPM;
          t_first_q <= (g_q == '0);
          t_last_q  <= last_g;
        end
        default: t_op_q <= OpKC;
      endcase
    end

    // Stage-1 results.
    if (adv && t_valid_q) begin
      acc_q <= acc_next;
      if (t_last_q && (t_op_q == OpKC || t_op_q == OpQC)) begin
        or_q <= or_next;
      end
      if (t_last_q && t_op_q == OpQC) begin
        for (int unsigned g = 0; g < GPH_MAX; g++) begin
          if (G_W'(g) == t_g_q) begin
            for (int unsigned l = 0; l < LANES; l++) begin
              qbuf_q[(g*LANES + l)*KH_W +: KH_W] <= acc_next[l*ACC_W +: KH_W];
            end
          end
        end
      end
    end
    if (adv && t_valid_q && (t_op_q == OpPM) && t_last_q) begin
      s_score_q <= acc_next[0 +: PAM_W];
      s_row_q   <= t_i_q;
      s_head_q  <= t_h_q;
      s_key_q   <= t_j_q;
      s_last_q  <= t_rowlast_q;
    end

    // Loops.
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          n_q     <= n_i;
          heads_q <= heads_i;
          dh_q    <= dh_i;
          rem_q   <= dh_i;
          gph_q   <= '0;
          d_q     <= '0;
          wpr_q   <= '0;
          h_q     <= '0;
        end
      end
      StInitG: begin
        gph_q <= gph_q + 1'b1;
        if (!cfg_done_g) begin
          rem_q <= rem_q - DH_W'(LANES);
        end
      end
      StInitH: begin
        d_q   <= d_q + D_W'(dh_q);
        wpr_q <= wpr_q + WPR_W'(gph_q);
        h_q   <= h_q + 1'b1;
        if (last_h) begin
          h_q   <= '0;
          c_q   <= '0;
          j_q   <= '0;
          xa_q  <= '0;
        end
      end
      StLoadX: begin
        if (x_fire) begin
          xa_q <= xa_q + 1'b1;
          c_q  <= c_q + 1'b1;
          if (last_c) begin
            c_q <= '0;
            j_q <= j_q + 1'b1;
          end
          if (last_c && last_j) begin
            // Set up the K pass of head 0, group 0.
            j_q     <= '0;
            g_q     <= '0;
            rem_q   <= dh_q;
            hbase_q <= '0;
            kbase_q <= '0;
            or_q    <= '0;
          end
        end
      end
      StKW: begin
        if (w_fire) begin
          c_q <= c_q + 1'b1;
          if (last_c) begin
            c_q  <= '0;
            j_q  <= '0;
            xa_q <= '0;
            ka_q <= kbase_q;
          end
        end
      end
      StKC: begin
        if (issue) begin
          c_q  <= c_q + 1'b1;
          xa_q <= xa_q + 1'b1;
          if (last_c) begin
            c_q  <= '0;
            j_q  <= j_q + 1'b1;
            ka_q <= ka_q + KHA_W'(gph_q);
            if (last_j) begin
              j_q     <= '0;
              g_q     <= g_q + 1'b1;
              rem_q   <= rem_q - DH_W'(LANES);
              kbase_q <= kbase_q + 1'b1;
            end
          end
        end
      end
      StKS: begin
        if (!t_valid_q) begin
          sk_q    <= shift_or;
          or_q    <= '0;
          j_q     <= '0;
          g_q     <= '0;
          rem_q   <= dh_q;
          ka_q    <= '0;
          ktrow_q <= '0;
        end
      end
      StKT: begin
        if (issue) begin
          ka_q <= ka_q + 1'b1;
          g_q  <= g_q + 1'b1;
          if (last_g) begin
            g_q     <= '0;
            j_q     <= j_q + 1'b1;
            ktrow_q <= ktrow_q + KTA_W'(wpr_q);
            if (last_j) begin
              // Next head's K pass, or the first query row.
              j_q     <= '0;
              c_q     <= '0;
              kbase_q <= '0;
              h_q     <= h_q + 1'b1;
              hbase_q <= hbase_q + KTA_W'(gph_q);
              if (last_h) begin
                h_q     <= '0;
                hbase_q <= '0;
                i_q     <= '0;
                xa_q    <= '0;
                xrow_q  <= '0;
              end
            end
          end
        end
      end
      StQC: begin
        if (issue) begin
          c_q  <= c_q + 1'b1;
          xa_q <= xa_q + 1'b1;
          if (last_c) begin
            c_q   <= '0;
            xa_q  <= xrow_q;
            g_q   <= g_q + 1'b1;
            rem_q <= rem_q - DH_W'(LANES);
          end
        end
      end
      StQS: begin
        if (!t_valid_q && adv) begin
          sq_q    <= shift_or;
          or_q    <= '0;
          j_q     <= '0;
          g_q     <= '0;
          rem_q   <= dh_q;
          ktrow_q <= '0;
        end
      end
      StPam: begin
        if (issue) begin
          g_q <= g_q + 1'b1;
          if (last_g) begin
            g_q     <= '0;
            j_q     <= j_q + 1'b1;
            ktrow_q <= ktrow_q + KTA_W'(wpr_q);
            if (last_j) begin
              // Next head of this row, or the next row.
              j_q     <= '0;
              c_q     <= '0;
              h_q     <= h_q + 1'b1;
              hbase_q <= hbase_q + KTA_W'(gph_q);
              if (last_h) begin
                h_q     <= '0;
                hbase_q <= '0;
                i_q     <= i_q + 1'b1;
                xrow_q  <= xrow_q + XA_W'(d_q);
                xa_q    <= xrow_q + XA_W'(d_q);
              end else begin
                xa_q <= xrow_q;
              end
            end
          end
        end
      end
      default: ;
    endcase
  end

  // Shift of the group just finished (K: whole head; Q: one row of one head).
  esact_spls_shift #(.IN_W(KH_W), .SH_W(SH_W)) u_shift (
    .x_i     (or_q),
    .shift_o (shift_or)
  );

  assign s_valid_o = s_valid_q;
  assign s_score_o = s_score_q;
  assign s_row_o   = s_row_q;
  assign s_head_o  = s_head_q;
  assign s_key_o   = s_key_q;
  assign s_last_o  = s_last_q;

endmodule
