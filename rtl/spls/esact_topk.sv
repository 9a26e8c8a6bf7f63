// ESACT SPLS: row-wise top-k, several scores per beat (docs/spec.md 3.3).
//
// One PAM row arrives as beats of S signed scores (in_count_i of them valid:
// every beat but the row's last carries S; in_last_i marks the last beat) and
// is kept in N_MAX score registers.  The mask is then found by a bitwise
// select, two bits per cycle, over the unique key
//     key_j = {score_j with its sign bit inverted, ~j}
// (larger score first, then the smaller index: the spec's tie rule).  With
// cand = the entries still in question, sel = the entries already chosen and
// need = how many of cand are still to choose (k at the start), each step
// splits cand by the key's next two bits into the groups 3, 2, 1, 0 and
// chooses the highest groups whose counts fit in need; the group where the
// k-th largest key lies becomes the new cand.  After ceil((SCORE_W +
// clog2(N_MAX)) / 2) steps cand is that one key: mask = sel | cand.  The time
// per row is ceil(N/S) fill beats plus the select steps, whatever the data.
// k is sampled from k_i when the select starts; k >= N keeps every key, k = 0
// keeps none.  The mask is held on the output (valid/ready) until taken; the
// next row's scores may arrive meanwhile.  Scores past N_MAX raise the sticky
// err_o (cleared by reset only) and are dropped.
module esact_topk #(
  parameter int unsigned N_MAX   = esact_pkg::N_MAX,
  parameter int unsigned SCORE_W = 25,
  parameter int unsigned S       = esact_pkg::SPLS_ROWS,  // scores per beat (power of two)
  // Derived, do not override.
  parameter int unsigned CNT_W   = $clog2(N_MAX + 1),
  parameter int unsigned SC_W    = $clog2(S + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [CNT_W-1:0]     k_i,
  // Score stream
  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [S*SCORE_W-1:0] in_scores_i,
  input  logic [SC_W-1:0]      in_count_i,
  input  logic                 in_last_i,
  // Mask stream: bit j = key j selected
  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [N_MAX-1:0]     out_mask_o,
  output logic                 err_o
);

  localparam int unsigned IDX_W  = (N_MAX > 1) ? $clog2(N_MAX) : 1;
  localparam int unsigned KEY_W  = SCORE_W + IDX_W;
  localparam int unsigned KEYE_W = KEY_W + (KEY_W % 2);   // even: two bits per step
  localparam int unsigned STEPS  = KEYE_W / 2;
  localparam int unsigned ST_W   = $clog2(STEPS + 1);
  localparam int unsigned LS     = (S > 1) ? $clog2(S) : 1;
  localparam int unsigned CNTX_W = CNT_W + 2;            // sums of three counts

  logic [N_MAX*SCORE_W-1:0] score_q;   // entry j at [j*SCORE_W +: SCORE_W]
  logic [N_MAX-1:0]         valid_q;   // entry j holds a score of the row being filled
  logic [CNT_W-1:0]         cnt_q;     // scores stored so far
  logic                     full_q;    // the row is complete, select not started
  logic                     busy_q;    // selecting
  logic                     done_q;    // mask on the output
  logic                     kzero_q;
  logic [ST_W-1:0]          step_q;
  logic [N_MAX-1:0]         cand_q, sel_q;
  logic [CNTX_W-1:0]        need_q;
  logic                     err_q;

  logic in_fire, out_fire, start_sel, over;
  assign in_ready_o  = !full_q && !busy_q;
  assign in_fire     = in_valid_i && in_ready_o;
  assign out_valid_o = done_q;
  assign out_fire    = out_valid_o && out_ready_i;
  assign start_sel   = full_q && !busy_q && !done_q;
  assign over        = (cnt_q >= CNT_W'(N_MAX));
  assign err_o       = err_q;
  assign out_mask_o  = kzero_q ? '0 : (sel_q | cand_q);

  // The two key bits of every entry at this step (bit pair KEYE_W-1-2*step).
  // Key of entry j: [IDX_W-1:0] = 2^IDX_W - 1 - j (smaller index ranks higher),
  // then the score with its sign bit inverted (unsigned order), zero padding.
  logic [N_MAX*KEYE_W-1:0] key;
  for (genvar j = 0; j < N_MAX; j++) begin : g_key
    localparam int unsigned JN = (1 << IDX_W) - 1 - j;
    assign key[j*KEYE_W +: IDX_W]           = IDX_W'(JN);
    assign key[j*KEYE_W + IDX_W +: SCORE_W] = score_q[j*SCORE_W +: SCORE_W] ^ (SCORE_W'(1) << (SCORE_W - 1));
    if (KEYE_W > KEY_W) begin : g_pad
      assign key[j*KEYE_W + KEYE_W - 1] = 1'b0;
    end
  end
  logic [N_MAX-1:0] d1, d0;
  always_comb begin
    for (int unsigned j = 0; j < N_MAX; j++) begin
      d1[j] = 1'b0;
      d0[j] = 1'b0;
      for (int unsigned t = 0; t < STEPS; t++) begin
        if (step_q == ST_W'(t)) begin
          d1[j] = key[j*KEYE_W + KEYE_W - 1 - 2*t];
          d0[j] = key[j*KEYE_W + KEYE_W - 2 - 2*t];
        end
      end
    end
  end

  logic [N_MAX-1:0] m3, m2, m1, m0;
  logic [CNT_W-1:0] c3, c2, c1;
  assign m3 = cand_q & d1 & d0;
  assign m2 = cand_q & d1 & ~d0;
  assign m1 = cand_q & ~d1 & d0;
  assign m0 = cand_q & ~d1 & ~d0;
  esact_spls_popcnt #(.IN_W(N_MAX), .OUT_W(CNT_W)) u_c3 (.x_i(m3), .count_o(c3));
  esact_spls_popcnt #(.IN_W(N_MAX), .OUT_W(CNT_W)) u_c2 (.x_i(m2), .count_o(c2));
  esact_spls_popcnt #(.IN_W(N_MAX), .OUT_W(CNT_W)) u_c1 (.x_i(m1), .count_o(c1));

  logic [CNTX_W-1:0] s3, s32, s321;
  assign s3   = CNTX_W'(c3);
  assign s32  = CNTX_W'(c3) + CNTX_W'(c2);
  assign s321 = CNTX_W'(c3) + CNTX_W'(c2) + CNTX_W'(c1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
      cnt_q   <= '0;
      full_q  <= 1'b0;
      busy_q  <= 1'b0;
      done_q  <= 1'b0;
      err_q   <= 1'b0;
      step_q  <= '0;
    end else begin
      if (in_fire) begin
        if (over) begin
          err_q <= 1'b1;
        end else begin
          for (int unsigned j = 0; j < N_MAX; j++) begin
            if ((CNT_W'(j) >> LS) == (cnt_q >> LS) && (CNT_W'(j % S) < CNT_W'(in_count_i))) begin
              valid_q[j] <= 1'b1;
            end
          end
          cnt_q <= cnt_q + CNT_W'(in_count_i);
        end
        if (in_last_i) begin
          full_q <= 1'b1;
        end
      end
      if (start_sel) begin
        full_q  <= 1'b0;
        busy_q  <= 1'b1;
        step_q  <= '0;
        valid_q <= '0;   // the select works on cand; the next row may fill after it
        cnt_q   <= '0;
      end
      if (busy_q) begin
        step_q <= step_q + 1'b1;
        if (step_q == ST_W'(STEPS - 1)) begin
          busy_q <= 1'b0;
          done_q <= 1'b1;
        end
      end
      if (out_fire) begin
        done_q <= 1'b0;
      end
    end
  end

  // Datapath (no reset: guarded by valid_q / busy_q / done_q).
  always_ff @(posedge clk_i) begin
    if (in_fire && !over) begin
      for (int unsigned j = 0; j < N_MAX; j++) begin
        if ((CNT_W'(j) >> LS) == (cnt_q >> LS)) begin
          score_q[j*SCORE_W +: SCORE_W] <= in_scores_i[(j % S)*SCORE_W +: SCORE_W];
        end
      end
    end
    if (start_sel) begin
      cand_q  <= valid_q;
      sel_q   <= '0;
      need_q  <= CNTX_W'(k_i);
      kzero_q <= (k_i == '0);
    end else if (busy_q) begin
      if (s3 >= need_q) begin
        cand_q <= m3;
      end else if (s32 >= need_q) begin
        sel_q  <= sel_q | m3;
        need_q <= need_q - s3;
        cand_q <= m2;
      end else if (s321 >= need_q) begin
        sel_q  <= sel_q | m3 | m2;
        need_q <= need_q - s32;
        cand_q <= m1;
      end else begin
        sel_q  <= sel_q | m3 | m2 | m1;
        need_q <= need_q - s321;
        cand_q <= m0;
      end
    end
  end

`ifndef SYNTHESIS
  initial begin
    assert (S >= 1 && (S & (S - 1)) == 0 && N_MAX % S == 0)
      else $fatal(1, "esact_topk: S must be a power of two dividing N_MAX");
  end
`endif

endmodule
