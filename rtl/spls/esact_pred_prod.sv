// ESACT prediction unit: product of two HLog codes (docs/spec.md 3.1), no multiplier.
//
// Codes use the byte encoding of the spec: bit 7 neg, bit 6 nonzero, bit 5 h,
// bits 3:0 e; magnitude 2^e (h = 0) or 2^e + 2^(e-1) (h = 1).  The product is
// an exponent add and at most two shifted (one-hot) terms:
//   h1 h2 = 00: 2^s;  01/10: 2^s + 2^(s-1);  11: 2^(s+1) + 2^(s-2)   (s = e1 + e2)
// The terms never overlap, so they are OR-ed; the sign is neg1 XOR neg2.
module esact_pred_prod #(
  // Product width (signed).  18 covers every product of two codes with e <= 8
  // (the largest is 256 * 256 = 2^16).
  parameter int unsigned PROD_W = 18
) (
  input  logic [7:0]               a_i,
  input  logic [7:0]               b_i,
  output logic signed [PROD_W-1:0] p_o
);

  logic [4:0]        s;       // exponent sum e1 + e2
  logic              ha, hb;
  logic              nz, neg;
  logic [PROD_W-1:0] term1, term2, mag;

  assign ha  = a_i[5];
  assign hb  = b_i[5];
  assign nz  = a_i[6] & b_i[6];
  assign neg = a_i[7] ^ b_i[7];
  assign s   = {1'b0, a_i[3:0]} + {1'b0, b_i[3:0]};

  always_comb begin
    term1 = {{(PROD_W-1){1'b0}}, 1'b1} << (s + {4'b0000, ha & hb});
    term2 = '0;
    if (ha ^ hb) begin
      term2 = {{(PROD_W-1){1'b0}}, 1'b1} << (s - 5'd1);
    end else if (ha & hb) begin
      term2 = {{(PROD_W-1){1'b0}}, 1'b1} << (s - 5'd2);
    end
    mag = term1 | term2;
  end

  // Bit 4 of a code is always 0 (spec 3.1 byte encoding) and carries nothing.
  logic unused_bit4;
  assign unused_bit4 = a_i[4] ^ b_i[4];

  assign p_o = !nz ? '0 : (neg ? -$signed(mag) : $signed(mag));

endmodule
