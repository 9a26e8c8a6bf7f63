// ESACT serial unsigned divider: quotient = floor(dividend / divisor).
//
// Restoring division, STEPS quotient bits per cycle: W / STEPS cycles from
// start_i to done_o (a one-cycle pulse; quotient_o stays valid until the next
// start).
// A divisor of 0 gives an all-ones quotient (callers never divide by 0: the
// softmax sum is >= 2^15, the LayerNorm sigma >= 1, the head count >= 1).
module esact_div #(
  parameter int unsigned W     = 33,
  parameter int unsigned STEPS = 1   // quotient bits per cycle (divides W)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         start_i,
  input  logic [W-1:0] dividend_i,
  input  logic [W-1:0] divisor_i,
  output logic         busy_o,
  output logic         done_o,
  output logic [W-1:0] quotient_o
);

  localparam int unsigned CW = $clog2(W + 1);

  logic [W-1:0]  quot_q, quot_d;
  logic [W:0]    rem_q, rem_d;   // one extra bit for the trial subtraction
  logic [W-1:0]  dvs_q, dvs_d;
  logic [CW-1:0] cnt_q, cnt_d;
  logic          busy_q, busy_d, done_q, done_d;
  logic [W:0]    shifted;

  always_comb begin
    shifted = '0;
    quot_d = quot_q;
    rem_d  = rem_q;
    dvs_d  = dvs_q;
    cnt_d  = cnt_q;
    busy_d = busy_q;
    done_d = 1'b0;
    if (start_i) begin
      quot_d = dividend_i;
      rem_d  = '0;
      dvs_d  = divisor_i;
      cnt_d  = CW'(W / STEPS);
      busy_d = 1'b1;
    end else if (busy_q) begin
      // Per step: shift the next dividend bit into the remainder, try to subtract.
      for (int unsigned k = 0; k < STEPS; k++) begin
        shifted = {rem_d[W-1:0], quot_d[W-1]};
        if (shifted >= {1'b0, dvs_q}) begin
          rem_d  = shifted - {1'b0, dvs_q};
          quot_d = {quot_d[W-2:0], 1'b1};
        end else begin
          rem_d  = shifted;
          quot_d = {quot_d[W-2:0], 1'b0};
        end
      end
      cnt_d = cnt_q - CW'(1);
      if (cnt_q == CW'(1)) begin
        busy_d = 1'b0;
        done_d = 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      quot_q <= '0;
      rem_q  <= '0;
      dvs_q  <= '0;
      cnt_q  <= '0;
      busy_q <= 1'b0;
      done_q <= 1'b0;
    end else begin
      quot_q <= quot_d;
      rem_q  <= rem_d;
      dvs_q  <= dvs_d;
      cnt_q  <= cnt_d;
      busy_q <= busy_d;
      done_q <= done_d;
    end
  end

  assign busy_o     = busy_q;
  assign done_o     = done_q;
  assign quotient_o = quot_q;

`ifndef SYNTHESIS
  initial begin
    assert (W >= 2 && STEPS >= 1 && W % STEPS == 0) else $fatal(1, "esact_div: STEPS must divide W");
  end
`endif

endmodule
