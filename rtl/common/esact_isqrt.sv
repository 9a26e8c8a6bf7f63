// ESACT serial integer square root: root = floor(sqrt(value)).
//
// Digit-by-digit, the algorithm of esact::isqrt (golden/src/ops.cpp): STEPS
// root bits (2 STEPS radicand bits) per cycle, W / (2 STEPS) cycles from
// start_i to the done_o pulse; root_o stays valid until the next start.
module esact_isqrt #(
  parameter int unsigned W     = 64,  // radicand width, even
  parameter int unsigned STEPS = 1    // root bits per cycle (divides W / 2)
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  input  logic           start_i,
  input  logic [W-1:0]   value_i,
  output logic           busy_o,
  output logic           done_o,
  output logic [W/2-1:0] root_o
);

  localparam int unsigned RW = W / 2;
  localparam int unsigned CW = $clog2(RW + 1);

  logic [W-1:0]  val_q, val_d;    // radicand, consumed from the top two bits
  logic [RW+1:0] rem_q, rem_d;    // remainder < 2 * root + 1 fits in RW + 2 bits
  logic [RW-1:0] root_q, root_d;
  logic [CW-1:0] cnt_q, cnt_d;
  logic          busy_q, busy_d, done_q, done_d;
  logic [RW+1:0] rem_sh, trial;

  always_comb begin
    rem_sh = '0;
    trial  = '0;
    val_d  = val_q;
    rem_d  = rem_q;
    root_d = root_q;
    cnt_d  = cnt_q;
    busy_d = busy_q;
    done_d = 1'b0;
    if (start_i) begin
      val_d  = value_i;
      rem_d  = '0;
      root_d = '0;
      cnt_d  = CW'(RW / STEPS);
      busy_d = 1'b1;
    end else if (busy_q) begin
      for (int unsigned k = 0; k < STEPS; k++) begin
        rem_sh = {rem_d[RW-1:0], val_d[W-1:W-2]};
        trial  = {root_d, 2'b01};
        val_d  = {val_d[W-3:0], 2'b00};
        if (rem_sh >= trial) begin
          rem_d  = rem_sh - trial;
          root_d = {root_d[RW-2:0], 1'b1};
        end else begin
          rem_d  = rem_sh;
          root_d = {root_d[RW-2:0], 1'b0};
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
      val_q  <= '0;
      rem_q  <= '0;
      root_q <= '0;
      cnt_q  <= '0;
      busy_q <= 1'b0;
      done_q <= 1'b0;
    end else begin
      val_q  <= val_d;
      rem_q  <= rem_d;
      root_q <= root_d;
      cnt_q  <= cnt_d;
      busy_q <= busy_d;
      done_q <= done_d;
    end
  end

  assign busy_o = busy_q;
  assign done_o = done_q;
  assign root_o = root_q;

`ifndef SYNTHESIS
  initial begin
    assert (W >= 4 && W % 2 == 0 && STEPS >= 1 && (W / 2) % STEPS == 0)
      else $fatal(1, "esact_isqrt: W must be even and STEPS must divide W / 2");
  end
`endif

endmodule
