// Area reference for docs/spls-rtl.md (not part of the design): one prediction
// lane, an HLog x HLog product (esact_pred_prod) into a 26-bit accumulator.
module ref_pred_lane (
  input  logic               clk_i,
  input  logic [7:0]         a_i,
  input  logic [7:0]         b_i,
  output logic signed [25:0] acc_o
);
  logic [17:0] t;
  logic        n;
  esact_pred_prod #(.PROD_W(18)) u_prod (.a_i(a_i), .b_i(b_i), .t_o(t), .neg_o(n));
  // product = t - 2^17 + n (esact_pred_prod)
  always_ff @(posedge clk_i) begin
    acc_o <= acc_o + 26'(t) + 26'(n) - 26'(1 << 17);
  end
endmodule
