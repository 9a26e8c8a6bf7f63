// ESACT SPLS front end (docs/spec.md 3.2-3.4, docs/spls-rtl.md).
//
//   tokens (x) + weight codes (w) --> esact_pred --PAM scores--> esact_topk
//     --masks--> fork --> mask stream out (m: row, head, N_MAX-bit mask)
//                     \-> esact_simil --> leader stream out (l: row, follower, leader)
//
// A run: start_i with the run's configuration (sampled; must not change while
// busy_o).  The configuration is checked first (a few cycles, heads * dh by
// repeated addition); a bad value sets err_o (one bit per problem, below),
// pulses done_o and starts nothing.  Otherwise the unit takes n * D token
// bytes, Wk codes once and Wq codes once per query row on the w stream (order
// in esact_pred), and emits for every query row i the masks of heads 0..H-1
// (m stream) and row i's leader decision (l stream; the two streams are
// independent, a decision may leave before the m stream has delivered the
// row's masks).  done_o pulses when the last decision and the last mask have
// both been taken.  Every stream is valid/ready with
// back-pressure.
//
// err_o bits: 0 n not in 1..N_MAX, 1 heads not in 1..H_MAX, 2 dh not in
// 1..DH_MAX, 3 heads*dh > D_MAX, 4 k not in 1..n, 5 window > W_MAX (the
// configuration check: nothing is taken); bits 7:6, an error raised during
// the run (a code, not one bit each): 1 the top-k unit got a score row longer
// than N_MAX, 2 the similarity unit got a row of more than H_MAX heads or
// more than N_MAX rows, 3 no progress (the watchdog below).  Such an error
// ends the run at once with done_o, the streams are left as they are, and the
// unit must be reset before the next run, since the top-k error is sticky
// until reset; esact_predict does so.  None of them can be raised by a
// configuration that passes the check: they flag a front end whose internal
// streams lost a row or head mark (an upset), which would otherwise give
// wrong masks or a run that never ends.  Simulation builds can inject such a
// loss (plusarg +esact_spls_fault=topk|simil, below).
//
// Watchdog (code 3): a mark lost below the sub-units' bounds (a row of 2n <=
// N_MAX scores, of 2 * heads <= H_MAX heads) raises no sub-unit error, but the
// run then waits forever for a mask or decision that never comes.  The
// watchdog counts the cycles of a run in which no stream inside or at the
// ports of this unit (x, w, scores, top-k out, m, similarity in, l) hands a
// beat over and no port waits for the outside (x or w ready without valid, m
// or l valid without ready: memory); a handshake clears it, a waiting cycle
// holds it.  Without a lost mark every stretch between two handshakes is one
// computation of a sub-unit plus waits for memory, and the longest
// computation is the prediction array's: the last column-group pass of a
// head, its Q conversion (ROWS + 1 sweeps over the head buffer) and the next
// head's first pass, WD_LONGEST cycles below; WD_CYCLES = 4 * WD_LONGEST +
// 1024 (docs/reliability.md).  Memory latency and back-pressure add only
// waiting cycles, so no memory behaviour can reach the bound.
module esact_spls #(
  parameter int unsigned N_MAX  = esact_pkg::N_MAX,
  parameter int unsigned D_MAX  = esact_pkg::D_MAX,
  parameter int unsigned H_MAX  = esact_pkg::H_MAX,
  parameter int unsigned DH_MAX = esact_pkg::DH_MAX,
  parameter int unsigned W_MAX  = esact_pkg::W_MAX,
  parameter int unsigned ROWS   = esact_pkg::SPLS_ROWS,
  parameter int unsigned COLS   = esact_pkg::SPLS_COLS,
  parameter int unsigned CH     = esact_pkg::SPLS_CH,
  // Derived, do not override.
  parameter int unsigned N_W    = $clog2(N_MAX + 1),
  parameter int unsigned H_W    = $clog2(H_MAX + 1),
  parameter int unsigned DH_W   = $clog2(DH_MAX + 1),
  parameter int unsigned WIN_W  = $clog2(W_MAX + 1),
  parameter int unsigned OV_W   = $clog2(H_MAX * N_MAX + 1),
  parameter int unsigned ROW_W  = (N_MAX > 1) ? $clog2(N_MAX) : 1,
  parameter int unsigned HD_W   = (H_MAX > 1) ? $clog2(H_MAX) : 1
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // Control
  input  logic               start_i,
  input  logic [N_W-1:0]     cfg_n_i,
  input  logic [H_W-1:0]     cfg_heads_i,
  input  logic [DH_W-1:0]    cfg_dh_i,
  input  logic [N_W-1:0]     cfg_k_i,
  input  logic [WIN_W-1:0]   cfg_window_i,
  input  logic [OV_W-1:0]    cfg_thresh_i,
  output logic               busy_o,
  output logic               done_o,
  output logic [7:0]         err_o,
  // Token stream (CH int8 channels of one token per beat)
  input  logic               x_valid_i,
  output logic               x_ready_o,
  input  logic [CH*8-1:0]    x_data_i,
  // Weight stream (COLS int8 weights of one input channel per beat: Wk, then Wq)
  input  logic               w_valid_i,
  output logic               w_ready_o,
  input  logic [COLS*8-1:0]  w_data_i,
  // Mask stream: one per (row, head)
  output logic               m_valid_o,
  input  logic               m_ready_i,
  output logic [N_MAX-1:0]   m_mask_o,
  output logic [ROW_W-1:0]   m_row_o,
  output logic [HD_W-1:0]    m_head_o,
  // Leader stream: one per row
  output logic               l_valid_o,
  input  logic               l_ready_i,
  output logic [ROW_W-1:0]   l_row_o,
  output logic               l_follower_o,
  output logic [ROW_W-1:0]   l_leader_o
);

  localparam int unsigned D_W   = $clog2(D_MAX + 1) + 1;
  localparam int unsigned PAM_W = 18 + $clog2(DH_MAX);

  typedef enum logic [1:0] {StIdle, StCheck, StRun} state_e;
  state_e state_q;

  logic [N_W-1:0]   n_q, k_q;
  logic [H_W-1:0]   heads_q, hcnt_q;
  logic [DH_W-1:0]  dh_q;
  logic [WIN_W-1:0] window_q;
  logic [OV_W-1:0]  thresh_q;
  logic [D_W-1:0]   dsum_q;
  logic [7:0]       err_q;
  logic             pred_start, simil_start, done_q;
  logic             wd_err;

  // Range checks (heads * dh is checked after StCheck's additions).
  logic [7:0] range_err;
  logic       topk_err, simil_err;
  always_comb begin
    range_err    = '0;
    range_err[0] = (n_q == '0) || (n_q > N_W'(N_MAX));
    range_err[1] = (heads_q == '0) || (heads_q > H_W'(H_MAX));
    range_err[2] = (dh_q == '0) || (dh_q > DH_W'(DH_MAX));
    range_err[4] = (k_q == '0) || (k_q > n_q);
    range_err[5] = (window_q > WIN_W'(W_MAX));
  end

  logic l_fire, l_last_fire, m_last_fire, ldone_q, mdone_q;
  assign pred_start  = (state_q == StCheck) && (hcnt_q == heads_q) && (range_err == '0) &&
                       (dsum_q <= D_W'(D_MAX));
  assign simil_start = pred_start;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= StIdle;
      err_q    <= '0;
      done_q   <= 1'b0;
      n_q      <= '0;
      k_q      <= '0;
      heads_q  <= '0;
      dh_q     <= '0;
      window_q <= '0;
      thresh_q <= '0;
      hcnt_q   <= '0;
      dsum_q   <= '0;
      ldone_q  <= 1'b0;
      mdone_q  <= 1'b0;
    end else begin
      done_q <= 1'b0;
      unique case (state_q)
        StIdle: begin
          if (start_i) begin
            n_q      <= cfg_n_i;
            k_q      <= cfg_k_i;
            heads_q  <= cfg_heads_i;
            dh_q     <= cfg_dh_i;
            window_q <= cfg_window_i;
            thresh_q <= cfg_thresh_i;
            hcnt_q   <= '0;
            dsum_q   <= '0;
            err_q    <= '0;
            ldone_q  <= 1'b0;
            mdone_q  <= 1'b0;
            state_q  <= StCheck;
          end
        end
        StCheck: begin
          if (range_err != '0) begin
            err_q   <= range_err;
            done_q  <= 1'b1;
            state_q <= StIdle;
          end else if (hcnt_q != heads_q) begin
            hcnt_q <= hcnt_q + 1'b1;
            dsum_q <= dsum_q + D_W'(dh_q);
          end else if (dsum_q > D_W'(D_MAX)) begin
            err_q[3] <= 1'b1;
            done_q   <= 1'b1;
            state_q  <= StIdle;
          end else begin
            state_q <= StRun;
          end
        end
        StRun: begin
          if (topk_err || simil_err || wd_err) begin
            // A sub-unit error or no progress ends the run at once (bits 7:6:
            // 1 top-k, 2 similarity, 3 no progress; top-k first).
            err_q[7:6] <= topk_err ? 2'd1 : (simil_err ? 2'd2 : 2'd3);
            done_q   <= 1'b1;
            state_q  <= StIdle;
          end else begin
            // Done once the last decision and the last mask have both been taken.
            if (l_last_fire) begin
              ldone_q <= 1'b1;
            end
            if (m_last_fire) begin
              mdone_q <= 1'b1;
            end
            if ((ldone_q || l_last_fire) && (mdone_q || m_last_fire)) begin
              done_q  <= 1'b1;
              state_q <= StIdle;
            end
          end
        end
        default: state_q <= StIdle;
      endcase
    end
  end

  assign busy_o = (state_q != StIdle);
  assign done_o = done_q;
  assign err_o  = err_q;

  // ---------------------------------------------------------------------------
  // Prediction -> top-k
  // ---------------------------------------------------------------------------
  localparam int unsigned SC_W = $clog2(ROWS + 1);
  logic                    s_valid, s_ready, s_last;
  logic [ROWS*PAM_W-1:0]   s_scores;
  logic [SC_W-1:0]         s_count;
  logic                    pred_busy, pred_done;
  logic [ROW_W-1:0]        s_row;
  logic [HD_W-1:0]         s_head;

  esact_pred #(
    .N_MAX  (N_MAX),
    .D_MAX  (D_MAX),
    .H_MAX  (H_MAX),
    .DH_MAX (DH_MAX),
    .ROWS   (ROWS),
    .COLS   (COLS),
    .CH     (CH)
  ) u_pred (
    .clk_i,
    .rst_ni,
    .start_i   (pred_start),
    .n_i       (n_q),
    .heads_i   (heads_q),
    .dh_i      (dh_q),
    .busy_o    (pred_busy),
    .done_o    (pred_done),
    .x_valid_i,
    .x_ready_o,
    .x_data_i,
    .w_valid_i,
    .w_ready_o,
    .w_data_i,
    .s_valid_o  (s_valid),
    .s_ready_i  (s_ready),
    .s_scores_o (s_scores),
    .s_count_o  (s_count),
    .s_row_o    (s_row),
    .s_head_o   (s_head),
    .s_last_o   (s_last)
  );

  logic             t_valid, t_ready, topk_last, simil_last;
  logic [N_MAX-1:0] t_mask;

  esact_topk #(
    .N_MAX   (N_MAX),
    .SCORE_W (PAM_W),
    .S       (ROWS)
  ) u_topk (
    .clk_i,
    .rst_ni,
    .k_i         (k_q),
    .in_valid_i  (s_valid),
    .in_ready_o  (s_ready),
    .in_scores_i (s_scores),
    .in_count_i  (s_count),
    .in_last_i   (topk_last),
    .out_valid_o (t_valid),
    .out_ready_i (t_ready),
    .out_mask_o  (t_mask),
    .err_o       (topk_err)
  );

  // ---------------------------------------------------------------------------
  // Fork: each mask goes to the m stream and to the similarity unit; the top-k
  // output is released once both have taken it.
  // ---------------------------------------------------------------------------
  logic             sent_m_q, sent_s_q;
  logic             sim_valid, sim_ready, sim_last;
  logic [ROW_W-1:0] mrow_q;
  logic [HD_W-1:0]  mhead_q;

  assign m_valid_o = t_valid && !sent_m_q;
  assign sim_valid = t_valid && !sent_s_q;
  assign t_ready   = (sent_m_q || m_ready_i) && (sent_s_q || sim_ready);
  assign m_mask_o  = t_mask;
  assign m_row_o   = mrow_q;
  assign m_head_o  = mhead_q;
  assign sim_last  = (H_W'(mhead_q) == heads_q - 1'b1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sent_m_q <= 1'b0;
      sent_s_q <= 1'b0;
      mrow_q   <= '0;
      mhead_q  <= '0;
    end else if (pred_start) begin
      sent_m_q <= 1'b0;
      sent_s_q <= 1'b0;
      mrow_q   <= '0;
      mhead_q  <= '0;
    end else if (t_valid && t_ready) begin
      sent_m_q <= 1'b0;
      sent_s_q <= 1'b0;
      if (sim_last) begin
        mhead_q <= '0;
        mrow_q  <= mrow_q + 1'b1;
      end else begin
        mhead_q <= mhead_q + 1'b1;
      end
    end else begin
      if (m_valid_o && m_ready_i) begin
        sent_m_q <= 1'b1;
      end
      if (sim_valid && sim_ready) begin
        sent_s_q <= 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Local similarity
  // ---------------------------------------------------------------------------
  logic [OV_W-1:0] l_ov;

  esact_simil #(
    .N_MAX (N_MAX),
    .H_MAX (H_MAX),
    .W_MAX (W_MAX)
  ) u_simil (
    .clk_i,
    .rst_ni,
    .start_i        (simil_start),
    .window_i       (window_q),
    .thresh_i       (thresh_q),
    .n_i            (n_q),
    .in_valid_i     (sim_valid),
    .in_ready_o     (sim_ready),
    .in_mask_i      (t_mask),
    .in_last_i      (simil_last),
    .out_valid_o    (l_valid_o),
    .out_ready_i    (l_ready_i),
    .out_row_o      (l_row_o),
    .out_follower_o (l_follower_o),
    .out_leader_o   (l_leader_o),
    .out_ov_o       (l_ov),
    .err_o          (simil_err)
  );
  assign l_fire      = l_valid_o && l_ready_i;
  assign l_last_fire = l_fire && (N_W'(l_row_o) == n_q - 1'b1);
  assign m_last_fire = m_valid_o && m_ready_i && sim_last && (N_W'(mrow_q) == n_q - 1'b1);

  // ---------------------------------------------------------------------------
  // Watchdog (no progress, err code 3; header)
  // ---------------------------------------------------------------------------
  localparam int unsigned WD_TB      = (N_MAX + ROWS - 1) / ROWS;     // token blocks
  localparam int unsigned WD_QD      = (D_MAX + CH - 1) / CH;         // channel chunks of a pass
  localparam int unsigned WD_GPH     = (DH_MAX + COLS - 1) / COLS;    // column groups of a head
  localparam int unsigned WD_LONGEST = 2 * WD_TB * WD_QD + WD_TB * WD_GPH * (ROWS + 1);
  localparam int unsigned WD_CYCLES  = 4 * WD_LONGEST + 1024;
  localparam int unsigned WD_W       = $clog2(WD_CYCLES + 1);
  logic            wd_progress, wd_wait;
  logic [WD_W-1:0] wd_q;
  assign wd_progress = (x_valid_i && x_ready_o) || (w_valid_i && w_ready_o) || (s_valid && s_ready) ||
                       (t_valid && t_ready) || (sim_valid && sim_ready) || (m_valid_o && m_ready_i) ||
                       l_fire;
  assign wd_wait     = (x_ready_o && !x_valid_i) || (w_ready_o && !w_valid_i) ||
                       (m_valid_o && !m_ready_i) || (l_valid_o && !l_ready_i);
  assign wd_err      = (wd_q == WD_W'(WD_CYCLES));
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wd_q <= '0;
    end else if (state_q != StRun || wd_progress || wd_err) begin
      wd_q <= '0;
    end else if (!wd_wait) begin
      wd_q <= wd_q + 1'b1;
    end
  end

  // Status the top level does not use: the score tags, the sub-unit done/busy
  // and the best overlap.
  logic unused_status;
  assign unused_status = ^{s_row, s_head, pred_busy, pred_done, l_ov};

  // ---------------------------------------------------------------------------
  // Fault injection (simulation only; docs/reliability.md).  The plusarg
  // +esact_spls_fault=topk drops the row-end mark of the first score row the
  // top-k unit takes (it then sees a row of 2n scores: its error when 2n >
  // N_MAX), +esact_spls_fault=simil that of the first mask row the similarity
  // unit takes (a row of 2 * heads heads: its error when 2 * heads > H_MAX).
  // Once per simulation: the flag that records it is not reset, so the run
  // after the error is a clean one.
  // ---------------------------------------------------------------------------
  logic drop_topk, drop_simil;
`ifndef SYNTHESIS
  // The watchdog fires only in a run, and ends it in the same cycle.
  a_wd_run: assert property (@(posedge clk_i) disable iff (!rst_ni) wd_err |-> (state_q == StRun))
    else $error("esact_spls: the watchdog fired outside a run");
  a_wd_end: assert property (@(posedge clk_i) disable iff (!rst_ni)
                             (wd_err && !topk_err && !simil_err) |=> (done_q && err_q[7:6] == 2'd3))
    else $error("esact_spls: no progress did not end the run with err_o code 3");
  string fault_name;
  logic  fault_topk, fault_simil, fault_done_q;
  initial begin
    fault_name = "";
    void'($value$plusargs("esact_spls_fault=%s", fault_name));
    fault_topk   = (fault_name == "topk");
    fault_simil  = (fault_name == "simil");
    fault_done_q = 1'b0;
  end
  always @(posedge clk_i) begin
    if ((drop_topk && s_valid && s_ready) || (drop_simil && sim_valid && sim_ready)) begin
      fault_done_q <= 1'b1;
    end
  end
  assign drop_topk  = fault_topk && !fault_done_q && s_last;
  assign drop_simil = fault_simil && !fault_done_q && sim_last;
`else
  assign drop_topk  = 1'b0;
  assign drop_simil = 1'b0;
`endif
  assign topk_last  = s_last && !drop_topk;
  assign simil_last = sim_last && !drop_simil;

endmodule
