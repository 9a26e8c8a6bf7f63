// ESACT write staging: store-and-forward of one unit's write port in chunks.
//
// The write engine takes a request's data in request order and the AXI W
// channel cannot interleave bursts, so a unit that produces its data slowly
// (the softmax and the LayerNorm make one 16-byte beat in 4 cycles) would
// hold the W channel, and every request queued behind its request, for the
// whole time it computes.  This stage sits between such a unit and the write
// arbiter: it takes the unit's request at once, cuts it into chunks of at
// most SB beats (SB * DW/8 bytes of the request, so a chunk's data are whole
// beats of the unit's stream) and offers a chunk's request to the arbiter
// only when the chunk's data is in one of its two banks, so that the chunk
// streams at one beat per cycle; the unit fills the other bank meanwhile.
//
// The last beat of a request stays at the unit (valid, held by the stream
// rule) and is taken from it when the write engine takes it: the chunk's
// request is offered once its other beats are in the bank and that beat is
// valid.  So, as without the stage, a unit's last write beat is handed over
// only after the engine issued the address of its burst (esact_dispatch
// counts a finished command's writes from that), and a unit that is done has
// nothing left here.  abort_i drops everything.
module esact_wr_stage #(
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned SB = 8                 // beats per chunk (bank), >= 1
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          abort_i,
  // unit side
  input  logic          in_req_valid_i,
  output logic          in_req_ready_o,
  input  logic [AW-1:0] in_req_addr_i,
  input  logic [LW-1:0] in_req_len_i,
  input  logic          in_data_valid_i,
  output logic          in_data_ready_o,
  input  logic [DW-1:0] in_data_i,
  // arbiter side: chunk requests, then their data at one beat per cycle
  output logic          out_req_valid_o,
  input  logic          out_req_ready_i,
  output logic [AW-1:0] out_req_addr_o,
  output logic [LW-1:0] out_req_len_o,
  output logic          out_data_valid_o,
  input  logic          out_data_ready_i,
  output logic [DW-1:0] out_data_o
);

  localparam int unsigned BB = DW / 8;
  localparam int unsigned OW = $clog2(BB);
  localparam int unsigned CB = SB * BB;                       // bytes per chunk
  localparam int unsigned NW = $clog2(SB + 1);                // beats of a chunk, 0..SB
  localparam int unsigned IW = (SB > 1) ? $clog2(SB) : 1;     // beat index in a bank

  // Bank states: free (or being filled), chunk ready to offer, offered and taken.
  localparam logic [1:0] B_FREE = 2'd0, B_READY = 2'd1, B_QUEUED = 2'd2;

  // The unit's request: the next chunk's address and the bytes left.
  logic          r_act_q, r_act_d;
  logic [AW-1:0] r_addr_q, r_addr_d;
  logic [LW-1:0] r_left_q, r_left_d;
  // Fill side: bank f_bank_q, f_cnt_q beats in it.
  logic          f_bank_q, f_bank_d;
  logic [NW-1:0] f_cnt_q, f_cnt_d;
  // Banks: state, chunk request, beats, final (its last beat stays at the unit).
  // (bank b: bits [b*W +: W] of the flat vectors; its beats at mem_q[b*SB +: SB])
  logic [3:0]      b_st_q, b_st_d;
  logic [2*AW-1:0] b_addr_q, b_addr_d;
  logic [2*LW-1:0] b_len_q, b_len_d;
  logic [2*NW-1:0] b_nb_q, b_nb_d;
  logic [1:0]      b_fin_q, b_fin_d;
  logic [DW-1:0]   mem_q [2*SB];
  // Offer and stream sides: banks in fill order.
  logic          o_bank_q, o_bank_d, s_bank_q, s_bank_d;
  logic [NW-1:0] s_cnt_q, s_cnt_d;
  logic          hold_q, hold_d;        // a final chunk's last beat is still at the unit

  // The states of the fill, offer and stream sides' banks; the chunk being filled.
  logic [1:0]    f_st, o_st, s_st;
  logic [NW-1:0] s_nb;
  assign f_st = b_st_q[32'(f_bank_q) * 2 +: 2];
  assign o_st = b_st_q[32'(o_bank_q) * 2 +: 2];
  assign s_st = b_st_q[32'(s_bank_q) * 2 +: 2];
  assign s_nb = b_nb_q[32'(s_bank_q) * NW +: NW];
  logic [LW-1:0] c_len;
  logic [NW-1:0] c_nb, c_need;
  logic          c_fin, fill_take, held_beat;
  always_comb begin
    c_fin  = 32'(r_left_q) <= CB;
    c_len  = c_fin ? r_left_q : LW'(CB);
    c_nb   = NW'((32'(c_len) + BB - 1) >> OW);
    c_need = c_fin ? c_nb - NW'(1) : c_nb;       // beats that go into the bank
  end
  assign fill_take = r_act_q && !hold_q && f_st == B_FREE && f_cnt_q < c_need;
  assign held_beat = s_st == B_QUEUED && b_fin_q[s_bank_q] && s_cnt_q == s_nb - NW'(1);

  assign in_req_ready_o   = !r_act_q && !abort_i;
  assign in_data_ready_o  = fill_take || (held_beat && out_data_ready_i);
  assign out_req_valid_o  = o_st == B_READY;
  assign out_req_addr_o   = b_addr_q[32'(o_bank_q) * AW +: AW];
  assign out_req_len_o    = b_len_q[32'(o_bank_q) * LW +: LW];
  assign out_data_valid_o = s_st == B_QUEUED && (!held_beat || in_data_valid_i);
  assign out_data_o       = held_beat ? in_data_i : mem_q[32'(s_bank_q) * SB + 32'(IW'(s_cnt_q))];

  always_comb begin
    r_act_d = r_act_q; r_addr_d = r_addr_q; r_left_d = r_left_q;
    f_bank_d = f_bank_q; f_cnt_d = f_cnt_q;
    b_st_d = b_st_q; b_addr_d = b_addr_q; b_len_d = b_len_q; b_nb_d = b_nb_q; b_fin_d = b_fin_q;
    o_bank_d = o_bank_q; s_bank_d = s_bank_q; s_cnt_d = s_cnt_q; hold_d = hold_q;

    if (in_req_valid_i && in_req_ready_o) begin
      r_act_d = 1'b1; r_addr_d = in_req_addr_i; r_left_d = in_req_len_i;
    end
    // Fill: beats into the bank; the chunk is ready once they are in (a
    // final chunk: and its last beat is valid at the unit).
    if (fill_take && in_data_valid_i) f_cnt_d = f_cnt_q + NW'(1);
    if (r_act_q && !hold_q && f_st == B_FREE && f_cnt_q == c_need && (!c_fin || in_data_valid_i)) begin
      b_st_d[32'(f_bank_q) * 2 +: 2]    = B_READY;
      b_addr_d[32'(f_bank_q) * AW +: AW] = r_addr_q;
      b_len_d[32'(f_bank_q) * LW +: LW]  = c_len;
      b_nb_d[32'(f_bank_q) * NW +: NW]   = c_nb;
      b_fin_d[f_bank_q]                  = c_fin;
      hold_d   = c_fin;
      r_addr_d = r_addr_q + AW'(c_len);
      r_left_d = r_left_q - c_len;
      r_act_d  = !c_fin;
      f_bank_d = !f_bank_q;
      f_cnt_d  = '0;
    end
    // Offer: the arbiter took the chunk's request.
    if (out_req_valid_o && out_req_ready_i) begin
      b_st_d[32'(o_bank_q) * 2 +: 2] = B_QUEUED;
      o_bank_d = !o_bank_q;
    end
    // Stream: a beat taken; the bank is free after its last.
    if (out_data_valid_o && out_data_ready_i) begin
      s_cnt_d = s_cnt_q + NW'(1);
      if (s_cnt_q == s_nb - NW'(1)) begin
        b_st_d[32'(s_bank_q) * 2 +: 2] = B_FREE;
        if (b_fin_q[s_bank_q]) hold_d = 1'b0;
        s_bank_d = !s_bank_q;
        s_cnt_d  = '0;
      end
    end
    if (abort_i) begin
      r_act_d = 1'b0; f_bank_d = 1'b0; f_cnt_d = '0;
      b_st_d = {B_FREE, B_FREE};
      o_bank_d = 1'b0; s_bank_d = 1'b0; s_cnt_d = '0; hold_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_act_q <= 1'b0; r_addr_q <= '0; r_left_q <= '0;
      f_bank_q <= 1'b0; f_cnt_q <= '0;
      b_st_q <= {B_FREE, B_FREE}; b_addr_q <= '0; b_len_q <= '0; b_nb_q <= '0; b_fin_q <= '0;
      o_bank_q <= 1'b0; s_bank_q <= 1'b0; s_cnt_q <= '0; hold_q <= 1'b0;
    end else begin
      r_act_q <= r_act_d; r_addr_q <= r_addr_d; r_left_q <= r_left_d;
      f_bank_q <= f_bank_d; f_cnt_q <= f_cnt_d;
      b_st_q <= b_st_d; b_addr_q <= b_addr_d; b_len_q <= b_len_d; b_nb_q <= b_nb_d; b_fin_q <= b_fin_d;
      o_bank_q <= o_bank_d; s_bank_q <= s_bank_d; s_cnt_q <= s_cnt_d; hold_q <= hold_d;
    end
  end

  // The banks' data (no reset: written before read).
  always_ff @(posedge clk_i) begin
    if (fill_take && in_data_valid_i) mem_q[32'(f_bank_q) * SB + 32'(IW'(f_cnt_q))] <= in_data_i;
  end

`ifndef SYNTHESIS
  // Banks are filled, offered and streamed in the same order; a chunk's
  // request is offered only with its data in (the last beat of a final
  // chunk: at the unit).
  a_stage_offer_order: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                        (s_st != B_QUEUED) |-> (s_cnt_q == '0))
    else $error("esact_wr_stage: a bank streamed before its request was taken");
  a_stage_held: assert property (@(posedge clk_i) disable iff (!rst_ni || abort_i)
                                 (held_beat && out_data_ready_i) |-> in_data_valid_i)
    else $error("esact_wr_stage: the held last beat is not valid at the unit");
  initial begin
    assert (SB >= 1 && CB < (1 << LW)) else $fatal(1, "esact_wr_stage: SB out of range");
  end
`endif

endmodule
