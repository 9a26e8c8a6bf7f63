// ESACT HLog quantizer (docs/spec.md 3.1), combinational.
//
// value_i (signed, IN_W bits) -> code (neg, nz, e, h):
//   magnitude 2^e when h = 0, 3 * 2^(e-1) when h = 1; zero when nz = 0.
// Built from a leading-one detector and a two-bit decode: no arithmetic beyond
// the absolute value and an increment of the exponent.
module esact_hlog #(
  parameter int unsigned IN_W = 8,
  // Exponent width: the largest exponent is IN_W - 1 (|v| <= 2^(IN_W-1)).
  parameter int unsigned E_W  = $clog2(IN_W + 1)
) (
  input  logic signed [IN_W-1:0] value_i,
  output logic                   neg_o,
  output logic                   nz_o,
  output logic [E_W-1:0]         e_o,
  output logic                   h_o
);

  logic [IN_W-1:0] mag;     // |value_i|; -2^(IN_W-1) maps to 2^(IN_W-1) (unsigned view)
  logic [E_W-1:0]  lead;    // position of the leading one of mag
  logic [1:0]      below;   // the two bits just below the leading one

  assign mag = value_i[IN_W-1] ? (~value_i + 1'b1) : value_i;

  // Leading-one detector: the highest set bit wins (later iterations override).
  always_comb begin
    lead = '0;
    for (int unsigned i = 0; i < IN_W; i++) begin
      if (mag[i]) begin
        lead = E_W'(i);
      end
    end
  end

  // The two bits below the leading one (only meaningful when lead >= 2).
  always_comb begin
    below = 2'b00;
    for (int unsigned i = 2; i < IN_W; i++) begin
      if (lead == E_W'(i)) begin
        below = mag[i-1 -: 2];
      end
    end
  end

  always_comb begin
    neg_o = value_i[IN_W-1];
    nz_o  = |mag;
    e_o   = lead;
    h_o   = 1'b0;
    if (lead < E_W'(2)) begin
      // 1, 2 and 3 are exact: 3 = 3 * 2^0 -> (e = 1, h = 1)
      h_o = (lead == E_W'(1)) && mag[0];
    end else begin
      unique case (below)
        2'b00:         h_o = 1'b0;
        2'b01, 2'b10:  h_o = 1'b1;
        2'b11:         e_o = lead + E_W'(1);
        default:       h_o = 1'b0;
      endcase
    end
  end

endmodule
