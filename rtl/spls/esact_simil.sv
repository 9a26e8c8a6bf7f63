// ESACT SPLS: local-similarity unit (docs/spec.md 3.4).
//
// Input: the masks of one query row, one head per beat (in_last_i on the last
// head).  The unit keeps the masks of the most recent W_MAX leader rows in a
// ring of W_MAX + 1 slots, all in one memory (esact_spls_mem; word
// {slot, head} = the slot row's mask of that head), not flip-flops; the extra
// slot takes the incoming row's masks (so a row never overwrites a leader that
// its own window still needs) and is committed only when the row turns out to
// be a leader.
//
// A beat is counted while it is offered and taken only afterwards, so the
// unit holds no copy of the mask: in_mask_i must stay unchanged from the first
// cycle in_valid_i is high until the beat is taken (the valid/ready rule; the
// top-k unit holds its mask register).  The memory word is a quarter of a mask
// (word {slot, head, part}, PARTS = 4) and one popcount unit counts one part
// per cycle.  Only what can decide the row is counted: the candidate slots
// (leader rows in the window [i - W, i - 1], the slots the decision below
// looks at) and the parts that hold keys 0..n_i - 1 (mask bits from n_i on are
// not keys: they are ignored, also in the last part, so a malformed mask
// cannot reach the decision), so every overlap the decision reads is exact.
// While idle the unit reads word {first candidate, head, 0}; in the NP x C cycles
// with in_valid_i high that follow (NP = ceil(n_i / (N_MAX / PARTS)) parts, C
// candidates), it adds popcount(mask part AND slot word) to the overlap of
// each candidate in turn, part by part, reading the next word meanwhile, and
// takes the beat in the last of these cycles.  While the first candidate is
// counted, the offered mask's parts are written into the spare slot.  With no
// candidate (row 0, W = 0, followers all around) the spare slot itself is
// visited, for the write (its overlap is never used).  A cycle with
// in_valid_i low pauses the count.  A beat costs NP * max(C, 1) + 2 cycles
// (+ 1 after a row's last head, for the decision): at most PARTS * W_MAX + 2
// = 34 at the package sizes, 6 for a window of 4 leaders and n <= N_MAX / 4,
// against a mask from the top-k unit every 32 cycles at N = 128 (before
// session 11 every part of every slot was counted: PARTS * (W_MAX + 1) + 2 =
// 38 cycles, whatever n, W and the leaders).  One memory read port instead of
// one memory per slot removes a W_MAX + 1 : 1 multiplexer of N_MAX bits,
// counting the offered mask removes an N_MAX-bit register, and quarter words
// shrink the popcount 4x.
// After the last head, among the slots whose row lies in the window
// [i - W, i - 1], the largest overlap wins, ties to the nearest (largest) row;
// ov >= T makes row i a follower of that row, else a leader.  W = 0 leaves no
// candidate (every row a leader).  One decision per row on the output stream.
//
// start_i (only while no row is in flight) begins a new sequence: row counter
// and window are cleared.  window_i and thresh_i must be stable during a
// sequence, and so must n_i (keys per mask).  err_o (sticky until start_i)
// flags more than H_MAX heads in a row or more than N_MAX rows; the excess is
// ignored.
module esact_simil #(
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
  parameter int unsigned H_MAX = esact_pkg::H_MAX,
  parameter int unsigned W_MAX = esact_pkg::W_MAX,
  // Derived, do not override.
  parameter int unsigned ROW_W = (N_MAX > 1) ? $clog2(N_MAX) : 1,
  parameter int unsigned HD_W  = (H_MAX > 1) ? $clog2(H_MAX) : 1,
  parameter int unsigned WIN_W = $clog2(W_MAX + 1),
  parameter int unsigned OV_W  = $clog2(H_MAX * N_MAX + 1),
  parameter int unsigned N_W   = $clog2(N_MAX + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             start_i,
  input  logic [WIN_W-1:0] window_i,
  input  logic [OV_W-1:0]  thresh_i,
  input  logic [N_W-1:0]   n_i,            // keys per mask: in_mask_i[N_MAX-1:n_i] is ignored
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

  // Counting: part c_part of slot c_slot in this cycle (active), the first
  // visited slot first.
  logic              cnt_q;       // a beat is being counted (more words to go)
  logic [SLOT_W-1:0] cslot_q;     // next slot to count while cnt_q
  localparam int unsigned PARTS = esact_pkg::SPLS_SIMIL_PARTS;  // mask parts counted one per cycle
  localparam int unsigned LPT   = $clog2(PARTS);
  localparam int unsigned HW    = (N_MAX + PARTS - 1) / PARTS;  // keys per part
  logic [LPT-1:0]    cpart_q;     // next mask part to count while cnt_q
  logic [LPT-1:0]    c_part;
  logic              rd_ok_q;     // the read data is word {f_slot, head_q, 0}
  logic              active;      // a word of the offered beat is counted
  logic [SLOT_W-1:0] c_slot;
  logic              c_end;       // the beat's last word: the beat is taken

  // Parts holding keys 0..n_i - 1: 0..lastp.
  logic [LPT-1:0] lastp;
  always_comb begin
    lastp = '0;
    for (int unsigned p = 1; p < PARTS; p++) begin
      if (32'(n_i) > p * HW) lastp = LPT'(p);
    end
  end

  // Candidates: leader rows in the window (what the decision compares);
  // stable while a row's beats are counted (they change at the decision).
  logic [SLOTS-1:0]  cand, visit;
  always_comb begin
    for (int unsigned s = 0; s < SLOTS; s++) begin
      cand[s] = tag_ok_q[s] && (SLOT_W'(s) != spare_q) &&
                (CMP_W'(tag_q[s*ROW_W +: ROW_W]) + CMP_W'(window_i) >= CMP_W'(row_q));
    end
  end
  assign visit = (cand != '0) ? cand : (SLOTS'(1) << spare_q);

  // First visited slot, and the next one after c_slot.
  logic [SLOT_W-1:0] f_slot, nx_slot;
  logic              f_ok, nx_ok;
  always_comb begin
    f_slot  = '0;
    f_ok    = 1'b0;
    nx_slot = '0;
    nx_ok   = 1'b0;
    for (int unsigned s = 0; s < SLOTS; s++) begin
      if (visit[s] && !f_ok) begin
        f_slot = SLOT_W'(s);
        f_ok   = 1'b1;
      end
      if (visit[s] && !nx_ok && SLOT_W'(s) > c_slot) begin
        nx_slot = SLOT_W'(s);
        nx_ok   = 1'b1;
      end
    end
  end

  logic p_last;                   // c_part is the last part in use
  assign active = in_valid_i && !decide_q && (cnt_q || rd_ok_q);
  assign c_slot = cnt_q ? cslot_q : f_slot;
  assign c_part = cnt_q ? cpart_q : '0;
  assign p_last = (c_part == lastp);
  assign c_end  = active && p_last && !nx_ok;

  logic in_fire, out_fire;
  assign in_ready_o  = c_end;
  assign in_fire     = in_valid_i && in_ready_o;
  assign out_valid_o = decide_q;
  assign out_fire    = out_valid_o && out_ready_i;
  assign err_o       = err_q;

  // Window memory (word {slot, head, part} = part of the slot row's mask of
  // that head) and the overlap of the offered head mask's part with slot
  // c_slot's.  The read port fetches word {f_slot, head, 0} while idle, then
  // the next word to count while one is counted; it holds its data while a
  // count pauses.
  localparam int unsigned WM_AW = SLOT_W + HD_W + LPT;
  logic             idle;
  logic             wm_re;
  logic [WM_AW-1:0] wm_raddr;
  logic [HW-1:0]    cur_half, in_half, in_keys;
  logic [PARTS*HW-1:0] in_pad;
  logic [PC_W-1:0]  pc;
  logic [SLOT_W-1:0] n_slot;
  logic [LPT-1:0]   n_part;
  assign n_slot   = p_last ? nx_slot : c_slot;
  assign n_part   = p_last ? '0 : c_part + 1'b1;
  assign idle     = !cnt_q && !decide_q;
  assign wm_re    = idle || (active && !c_end);
  assign wm_raddr = active ? {n_slot, head_q, n_part} : {f_slot, head_q, LPT'(0)};
  assign in_pad   = (PARTS*HW)'(in_mask_i);
  // Only the last part in use can hold non-keys: its first n_rem bits are keys
  // (n_rem = n_i - lastp * HW, static during a run: a decoder, not a
  // comparator per bit).
  localparam int unsigned HR_W = $clog2(HW + 1);
  logic [HR_W-1:0] n_rem;
  assign n_rem = HR_W'(32'(n_i) - 32'(lastp) * HW);
  always_comb begin
    for (int unsigned j = 0; j < HW; j++) begin
      in_keys[j] = !p_last || (HR_W'(j) < n_rem);
    end
  end
  assign in_half  = in_pad[c_part*HW +: HW] & in_keys;
  esact_spls_mem #(.WIDTH(HW), .DEPTH(PARTS * (SLOTS << HD_W))) u_win (
    .clk_i,
    .we_i    (active && (c_slot == f_slot)),
    .waddr_i ({spare_q, head_q, c_part}),
    .wdata_i (in_half),
    .wbe_i   ('1),
    .re_i    (wm_re),
    .raddr_i (wm_raddr),
    .rdata_o (cur_half)
  );
  esact_spls_popcnt #(
    .IN_W  (HW),
    .OUT_W (PC_W)
  ) u_pc (
    .x_i     (cur_half & in_half),
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
      if (cand[s]) begin
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
      cnt_q       <= 1'b0;
      cslot_q     <= '0;
      cpart_q     <= '0;
      rd_ok_q     <= 1'b0;
    end else if (start_i) begin
      cnt_q       <= 1'b0;
      rd_ok_q     <= 1'b0;
      tag_ok_q    <= '0;
      spare_q     <= '0;
      head_q      <= '0;
      row_q       <= '0;
      decide_q    <= 1'b0;
      rows_full_q <= 1'b0;
      err_q       <= 1'b0;
    end else if (out_fire) begin
      decide_q <= 1'b0;
      head_q   <= '0;
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
      // An idle cycle reads word {0, head_q}: valid from the next cycle on.
      rd_ok_q <= idle;
      if (active) begin
        for (int unsigned s = 0; s < SLOTS; s++) begin
          if (c_slot == SLOT_W'(s)) begin
            ov_q[s*OV_W +: OV_W] <= ((head_q == '0 && c_part == '0) ? '0 : ov_q[s*OV_W +: OV_W]) + OV_W'(pc);
          end
        end
        cnt_q   <= 1'b1;
        cslot_q <= n_slot;
        cpart_q <= n_part;
      end
      if (in_fire) begin
        cnt_q   <= 1'b0;
        rd_ok_q <= 1'b0;
        if (rows_full_q || (head_q == HD_W'(H_MAX - 1) && !in_last_i)) begin
          err_q <= 1'b1;
        end
        if (in_last_i) begin
          head_q   <= '0;
          decide_q <= 1'b1;
        end else if (head_q != HD_W'(H_MAX - 1)) begin
          head_q <= head_q + 1'b1;
        end
      end
    end
  end

endmodule
