// ESACT round-robin arbiter with hold, shared by the read and write arbiters.
//
// Picks, among the valid requesters, the first one after the last grant
// (round robin).  While the chosen request is offered downstream (offer_i) and
// not taken (accept_i low), the choice is held: the next cycle offers the same
// requester again without re-arbitration, so the offered stream stays stable
// until ready (a requester withdraws only on flush_i, which drops the hold).
// Combinational: gnt_valid_o/gnt_idx_o depend on valid_i in the same cycle.
module esact_rr_arb #(
  parameter int unsigned N  = 2,
  parameter int unsigned PW = (N > 1) ? $clog2(N) : 1  // derived: index width, do not override
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          flush_i,      // drop a held choice (abort)
  input  logic [N-1:0]  valid_i,      // requesters
  output logic          gnt_valid_o,  // some requester is chosen
  output logic [PW-1:0] gnt_idx_o,    // the chosen requester
  input  logic          offer_i,      // the chosen request is offered downstream this cycle
  input  logic          accept_i      // ... and taken
);

  logic [PW-1:0] last_q, last_d;
  logic          hold_q, hold_d;
  logic [31:0]   idx;

  always_comb begin
    gnt_idx_o   = last_q;
    gnt_valid_o = 1'b0;
    idx         = '0;
    if (hold_q) begin
      gnt_valid_o = valid_i[last_q];  // the held request (withdrawn only by a flush)
    end else begin
      for (int unsigned i = 1; i <= N; i++) begin
        idx = 32'(last_q) + i;
        if (idx >= N) idx = idx - N;
        if (!gnt_valid_o && valid_i[idx]) begin
          gnt_valid_o = 1'b1;
          gnt_idx_o   = PW'(idx);
        end
      end
    end
  end

  // The offered requester becomes the last grant (taken) or is held (not taken).
  assign last_d = offer_i ? gnt_idx_o : last_q;
  assign hold_d = offer_i && !accept_i && !flush_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      last_q <= '0;
      hold_q <= 1'b0;
    end else begin
      last_q <= last_d;
      hold_q <= hold_d;
    end
  end

`ifndef SYNTHESIS
  a_offer_granted: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    offer_i |-> (gnt_valid_o && valid_i[gnt_idx_o]))
    else $error("esact_rr_arb: a request offered for a requester that is not valid");
`endif

endmodule
