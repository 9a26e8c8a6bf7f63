// ESACT SPLS: local-similarity unit (docs/spec.md 3.4).
//
// Input: the masks of one query row, one head per beat (in_last_i on the last
// head).  The unit keeps the masks of the most recent W_MAX leader rows in a
// ring of W_MAX + 1 slots, each slot a memory (esact_spls_mem) of H_MAX words
// of N_MAX bits, not flip-flops; the extra slot takes the incoming row's masks
// as they arrive (so a row never overwrites a leader that its own window still
// needs) and is committed only when the row turns out to be a leader.  A beat
// of head h reads word h of every slot as it is accepted (the memories hold
// their read data); in the W_MAX + 1 cycles after it, one popcount unit adds
// popcount(mask AND slot mask of that head) to the overlap of slot 0, 1, ...,
// W_MAX in turn, and the next beat is taken in the last of these cycles (one
// beat per W_MAX + 1 cycles, + 2 after a row's last head; at the package sizes
// a head's mask comes from the top-k unit only every 32 cycles at N = 128, so
// this costs the front end only the W_MAX extra cycles of the last decision).  After the last head,
// among the slots whose row lies in the window
// [i - W, i - 1], the largest overlap wins, ties to the nearest (largest) row;
// ov >= T makes row i a follower of that row, else a leader.  W = 0 leaves no
// candidate (every row a leader).  One decision per row on the output stream.
//
// start_i (only while no row is in flight) begins a new sequence: row counter
// and window are cleared.  window_i and thresh_i must be stable during a
// sequence.  err_o (sticky until start_i) flags more than H_MAX heads in a
// row or more than N_MAX rows; the excess is ignored.
module esact_simil #(
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
  parameter int unsigned H_MAX = esact_pkg::H_MAX,
  parameter int unsigned W_MAX = esact_pkg::W_MAX,
  // Derived, do not override.
  parameter int unsigned ROW_W = (N_MAX > 1) ? $clog2(N_MAX) : 1,
  parameter int unsigned HD_W  = (H_MAX > 1) ? $clog2(H_MAX) : 1,
  parameter int unsigned WIN_W = $clog2(W_MAX + 1),
  parameter int unsigned OV_W  = $clog2(H_MAX * N_MAX + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             start_i,
  input  logic [WIN_W-1:0] window_i,
  input  logic [OV_W-1:0]  thresh_i,
  // Mask stream: one head of the current row per beat
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [N_MAX-1:0] in_mask_i,
  input  logic             in_last_i,
  // Decision stream: one per row
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [ROW_W-1:0] out_row_o,
  output logic             out_follower_o,
  output logic [ROW_W-1:0] out_leader_o,
  output logic [OV_W-1:0]  out_ov_o,       // best overlap found (0 without candidate)
  output logic             err_o
);

  localparam int unsigned SLOTS  = W_MAX + 1;
  localparam int unsigned SLOT_W = (SLOTS > 1) ? $clog2(SLOTS) : 1;
  localparam int unsigned PC_W   = $clog2(N_MAX + 1);
  localparam int unsigned CMP_W  = ROW_W + WIN_W + 1;  // tag + W without overflow

  logic [SLOTS*ROW_W-1:0]       tag_q;     // row index held by slot s
  logic [SLOTS-1:0]             tag_ok_q;  // slot s holds a leader row
  logic [SLOTS*OV_W-1:0]        ov_q;      // overlap of the current row with slot s
  logic [SLOT_W-1:0]            spare_q;   // slot receiving the current row
  logic [HD_W-1:0]              head_q;
  logic [ROW_W-1:0]             row_q;
  logic                         decide_q;  // all heads in: decision on the output
  logic                         rows_full_q;
  logic                         err_q;

  // Second stage: the accepted beat, compared with the slot words read for it,
  // slot p_slot_q in this cycle.
  logic              p_valid_q, p_first_q, p_last_q;
  logic [SLOT_W-1:0] p_slot_q;
  logic [N_MAX-1:0]  p_mask_q;
  logic              p_end;       // the beat's last slot is counted in this cycle
  assign p_end = p_valid_q && (p_slot_q == SLOT_W'(SLOTS - 1));

  logic in_fire, out_fire;
  assign in_ready_o  = !decide_q && (!p_valid_q || (p_end && !p_last_q));
  assign in_fire     = in_valid_i && in_ready_o;
  assign out_valid_o = decide_q;
  assign out_fire    = out_valid_o && out_ready_i;
  assign err_o       = err_q;

  // Window memories (one per slot; word h = the slot row's mask of head h) and
  // the overlap of the accepted head mask with slot p_slot_q.
  localparam int unsigned HA_W = (H_MAX > 1) ? $clog2(H_MAX) : 1;
  logic [SLOTS*N_MAX-1:0] slot_mask;
  for (genvar s = 0; s < SLOTS; s++) begin : g_slot
    esact_spls_mem #(.WIDTH(N_MAX), .DEPTH(H_MAX)) u_win (
      .clk_i,
      .we_i    (in_fire && (spare_q == SLOT_W'(s))),
      .waddr_i (HA_W'(head_q)),
      .wdata_i (in_mask_i),
      .wbe_i   ('1),
      .re_i    (in_fire),
      .raddr_i (HA_W'(head_q)),
      .rdata_o (slot_mask[s*N_MAX +: N_MAX])
    );
  end
  logic [N_MAX-1:0] cur_mask;
  logic [PC_W-1:0]  pc;
  always_comb begin
    cur_mask = '0;
    for (int unsigned s = 0; s < SLOTS; s++) begin
      if (p_slot_q == SLOT_W'(s)) begin
        cur_mask = slot_mask[s*N_MAX +: N_MAX];
      end
    end
  end
  esact_spls_popcnt #(
    .IN_W  (N_MAX),
    .OUT_W (PC_W)
  ) u_pc (
    .x_i     (cur_mask & p_mask_q),
    .count_o (pc)
  );

  // Decision: best candidate in the window, ties to the nearest (largest) row.
  logic              found;
  logic [OV_W-1:0]   best_ov;
  logic [ROW_W-1:0]  best_row;
  always_comb begin
    found    = 1'b0;
    best_ov  = '0;
    best_row = '0;
    for (int unsigned s = 0; s < SLOTS; s++) begin
      if (tag_ok_q[s] && (SLOT_W'(s) != spare_q) &&
          (CMP_W'(tag_q[s*ROW_W +: ROW_W]) + CMP_W'(window_i) >= CMP_W'(row_q))) begin
        if (!found || (ov_q[s*OV_W +: OV_W] > best_ov) ||
            ((ov_q[s*OV_W +: OV_W] == best_ov) && (tag_q[s*ROW_W +: ROW_W] > best_row))) begin
          found    = 1'b1;
          best_ov  = ov_q[s*OV_W +: OV_W];
          best_row = tag_q[s*ROW_W +: ROW_W];
        end
      end
    end
  end

  assign out_row_o      = row_q;
  assign out_follower_o = found && (best_ov >= thresh_i);
  assign out_leader_o   = out_follower_o ? best_row : '0;
  assign out_ov_o       = best_ov;

  logic [SLOT_W-1:0] spare_next;
  assign spare_next = (spare_q == SLOT_W'(SLOTS - 1)) ? '0 : spare_q + 1'b1;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tag_q       <= '0;
      tag_ok_q    <= '0;
      ov_q        <= '0;
      spare_q     <= '0;
      head_q      <= '0;
      row_q       <= '0;
      decide_q    <= 1'b0;
      rows_full_q <= 1'b0;
      err_q       <= 1'b0;
      p_valid_q   <= 1'b0;
      p_slot_q    <= '0;
    end else if (start_i) begin
      p_valid_q   <= 1'b0;
      tag_ok_q    <= '0;
      spare_q     <= '0;
      head_q      <= '0;
      row_q       <= '0;
      decide_q    <= 1'b0;
      rows_full_q <= 1'b0;
      err_q       <= 1'b0;
    end else if (out_fire) begin
      decide_q  <= 1'b0;
      p_valid_q <= 1'b0;
      head_q    <= '0;
      if (!out_follower_o) begin
        // Commit the spare slot as the newest leader; the oldest slot becomes spare.
        tag_q[spare_q*ROW_W +: ROW_W] <= row_q;
        tag_ok_q[spare_q]             <= 1'b1;
        tag_ok_q[spare_next]          <= 1'b0;
        spare_q                       <= spare_next;
      end
      if (row_q == ROW_W'(N_MAX - 1)) begin
        rows_full_q <= 1'b1;
      end else begin
        row_q <= row_q + 1'b1;
      end
    end else begin
      if (p_valid_q) begin
        for (int unsigned s = 0; s < SLOTS; s++) begin
          if (p_slot_q == SLOT_W'(s)) begin
            ov_q[s*OV_W +: OV_W] <= (p_first_q ? '0 : ov_q[s*OV_W +: OV_W]) + OV_W'(pc);
          end
        end
        p_slot_q <= p_slot_q + 1'b1;
        if (p_end) begin
          p_valid_q <= 1'b0;
          if (p_last_q) begin
            decide_q <= 1'b1;
          end
        end
      end
      if (in_fire) begin
        p_valid_q <= 1'b1;
        p_slot_q  <= '0;
        if (rows_full_q || (head_q == HD_W'(H_MAX - 1) && !in_last_i)) begin
          err_q <= 1'b1;
        end
        if (in_last_i) begin
          head_q <= '0;
        end else if (head_q != HD_W'(H_MAX - 1)) begin
          head_q <= head_q + 1'b1;
        end
      end
    end
  end

  // The accepted beat (no reset: guarded by p_valid_q).
  always_ff @(posedge clk_i) begin
    if (in_fire) begin
      p_mask_q  <= in_mask_i;
      p_first_q <= (head_q == '0);
      p_last_q  <= in_last_i;
    end
  end

endmodule
