// Area reference for docs/spls-rtl.md (not part of the design): one dot unit of
// esact_pred as built there, CH = 16 HLog x HLog products (esact_pred_prod)
// summed with the 26-bit accumulator in one unsigned multi-operand addition
// (product = t - 2^17 + neg).  esact_pred has ROWS x COLS = 32 of these.
module ref_dot_unit #(
  parameter int unsigned P     = 16,
  parameter int unsigned ACC_W = 26
) (
  input  logic             clk_i,
  input  logic             first_i,
  input  logic [P*8-1:0]   a_i,
  input  logic [P*8-1:0]   b_i,
  output logic [ACC_W-1:0] acc_o
);
  localparam int unsigned PROD_W = 18;
  localparam logic [ACC_W-1:0] DOT_OFS = ACC_W'(0) - (ACC_W'(P) << (PROD_W - 1));
  logic [P*PROD_W-1:0] term;
  logic [P-1:0]        neg;
  logic [ACC_W-1:0]    sum;
  for (genvar p = 0; p < P; p++) begin : g_lane
    esact_pred_prod #(.PROD_W(PROD_W)) u_prod (
      .a_i (a_i[p*8 +: 8]), .b_i (b_i[p*8 +: 8]), .t_o (term[p*PROD_W +: PROD_W]), .neg_o (neg[p])
    );
  end
  always_comb begin
    sum = (first_i ? ACC_W'(0) : acc_o) + DOT_OFS;
    for (int unsigned p = 0; p < P; p++) begin
      sum = sum + ACC_W'(term[p*PROD_W +: PROD_W]) + ACC_W'(neg[p]);
    end
  end
  always_ff @(posedge clk_i) begin
    acc_o <= sum;
  end
endmodule
