// ESACT prediction unit: product of two HLog codes (docs/spec.md 3.1), no multiplier.
//
// Codes use the byte encoding of the spec: bit 7 neg, bit 6 nonzero, bit 5 h,
// bits 3:0 e; magnitude 2^e (h = 0) or 2^e + 2^(e-1) (h = 1).  The product is
// an exponent add and at most two shifted (one-hot) terms:
//   h1 h2 = 00: 2^s;  01/10: 2^s + 2^(s-1);  11: 2^(s+1) + 2^(s-2)   (s = e1 + e2)
// The terms never overlap, so they are OR-ed; the sign is neg1 XOR neg2.
//
// Output form (cheap to sum, no negation here): with m the magnitude
// (PROD_W-1 bits) and n the sign of a non-zero product,
//   t_o   = {~n, m ^ {n}}   (unsigned, PROD_W bits)
//   neg_o = n
//   product = t_o - 2^(PROD_W-1) + neg_o
// ({n, m ^ {n}} is the one's complement -m - 1 when n = 1; the flipped top bit
// turns the signed value into an unsigned one offset by 2^(PROD_W-1)).  A sum
// of P products is then sum(t_o) + popcount(neg_o) - P * 2^(PROD_W-1): one
// unsigned multi-operand addition, no per-product increment or sign extension.
module esact_pred_prod #(
  // Product width (signed).  18 covers every product of two codes with e <= 8
  // (the largest is 256 * 256 = 2^16).
  parameter int unsigned PROD_W = 18
) (
  input  logic [7:0]        a_i,
  input  logic [7:0]        b_i,
  output logic [PROD_W-1:0] t_o,
  output logic              neg_o
);

  localparam int unsigned M_W = PROD_W - 1;

  logic [4:0]     s;       // exponent sum e1 + e2
  logic           ha, hb;
  logic           nz, neg;
  logic [M_W-1:0] one_s, term1, term2, mag;

  assign ha  = a_i[5];
  assign hb  = b_i[5];
  assign nz  = a_i[6] & b_i[6];
  assign neg = (a_i[7] ^ b_i[7]) & nz;
  assign s   = {1'b0, a_i[3:0]} + {1'b0, b_i[3:0]};

  // One decoder of s; the terms are constant shifts of it.
  always_comb begin
    one_s = {{(M_W-1){1'b0}}, 1'b1} << s;
    term1 = (ha & hb) ? (one_s << 1) : one_s;
    term2 = '0;
    if (ha ^ hb) begin
      term2 = one_s >> 1;
    end else if (ha & hb) begin
      term2 = one_s >> 2;
    end
    mag = nz ? (term1 | term2) : '0;
  end

  // Bit 4 of a code is always 0 (spec 3.1 byte encoding) and carries nothing.
  logic unused_bit4;
  assign unused_bit4 = a_i[4] ^ b_i[4];

  assign t_o   = {~neg, mag ^ {M_W{neg}}};
  assign neg_o = neg;

endmodule
