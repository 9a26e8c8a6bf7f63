// ESACT SPLS: streaming row-wise top-k (docs/spec.md 3.3).
//
// One PAM row arrives as a stream of up to N_MAX signed scores (one per cycle
// at most; in_last_i marks the row's last score).  Every stored score keeps its
// rank = the number of scores that beat it, where a score beats another when
// it is larger, or equal and earlier (ties to the smaller index).  A new score
// is compared with every stored one in parallel:
//   - a stored score that is smaller than the new one gets one more beater;
//   - the new score's rank is the number of stored scores >= it (popcount).
// After the last score the mask bit of entry j is rank_j < k.  k is sampled
// from k_i while the mask is presented (keep k_i stable during a row); k >= N
// keeps every key, k = 0 keeps none.  The row's mask is held on the output
// (valid/ready) and no new score is accepted until it is taken.
// A row with more than N_MAX scores is truncated and raises the sticky
// err_o (cleared by reset only).
module esact_topk #(
  parameter int unsigned N_MAX   = esact_pkg::N_MAX,
  parameter int unsigned SCORE_W = 25,
  // Derived, do not override.
  parameter int unsigned CNT_W   = $clog2(N_MAX + 1)
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic [CNT_W-1:0]          k_i,
  // Score stream
  input  logic                      in_valid_i,
  output logic                      in_ready_o,
  input  logic signed [SCORE_W-1:0] in_score_i,
  input  logic                      in_last_i,
  // Mask stream: bit j = key j selected
  output logic                      out_valid_o,
  input  logic                      out_ready_i,
  output logic [N_MAX-1:0]          out_mask_o,
  output logic                      err_o
);

  logic [N_MAX*SCORE_W-1:0] score_q;   // entry j at [j*SCORE_W +: SCORE_W]
  logic [N_MAX*CNT_W-1:0]   rank_q;    // entry j at [j*CNT_W +: CNT_W]
  logic [N_MAX-1:0]         used_q;    // entry j holds a score of this row
  logic [CNT_W-1:0]         cnt_q;     // scores stored so far
  logic                     done_q;    // row complete, mask on the output
  logic                     err_q;

  logic [N_MAX-1:0]         ge;        // stored score j >= new score
  logic [CNT_W-1:0]         new_rank;
  logic                     in_fire, out_fire, full;

  assign in_ready_o  = !done_q;
  assign in_fire     = in_valid_i && in_ready_o;
  assign out_valid_o = done_q;
  assign out_fire    = out_valid_o && out_ready_i;
  assign full        = (cnt_q == CNT_W'(N_MAX));
  assign err_o       = err_q;

  always_comb begin
    for (int unsigned j = 0; j < N_MAX; j++) begin
      ge[j] = used_q[j] && ($signed(score_q[j*SCORE_W +: SCORE_W]) >= in_score_i);
    end
  end

  esact_spls_popcnt #(
    .IN_W  (N_MAX),
    .OUT_W (CNT_W)
  ) u_rank (
    .x_i     (ge),
    .count_o (new_rank)
  );

  always_comb begin
    for (int unsigned j = 0; j < N_MAX; j++) begin
      out_mask_o[j] = used_q[j] && (rank_q[j*CNT_W +: CNT_W] < k_i);
    end
  end

  // Control: occupancy, row completion, error.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      used_q <= '0;
      cnt_q  <= '0;
      done_q <= 1'b0;
      err_q  <= 1'b0;
    end else if (out_fire) begin
      used_q <= '0;
      cnt_q  <= '0;
      done_q <= 1'b0;
    end else if (in_fire) begin
      if (full) begin
        err_q <= 1'b1;
      end else begin
        used_q <= used_q | (N_MAX'(1) << cnt_q);
        cnt_q  <= cnt_q + 1'b1;
      end
      if (in_last_i) begin
        done_q <= 1'b1;
      end
    end
  end

  // Datapath: scores and ranks (no reset needed: guarded by used_q).
  always_ff @(posedge clk_i) begin
    if (in_fire && !full) begin
      for (int unsigned j = 0; j < N_MAX; j++) begin
        if (CNT_W'(j) == cnt_q) begin
          score_q[j*SCORE_W +: SCORE_W] <= in_score_i;
          rank_q[j*CNT_W +: CNT_W]      <= new_rank;
        end else if (used_q[j] && !ge[j]) begin
          rank_q[j*CNT_W +: CNT_W] <= rank_q[j*CNT_W +: CNT_W] + 1'b1;
        end
      end
    end
  end

endmodule
