// ESACT SPLS: the K~/Q~ shift of docs/spec.md 3.2, max(0, LO(x) - 7).
//
// x_i is the bitwise OR of the magnitudes of a group of values: its leading one
// is the leading one of the group's maximum, so no comparator is needed.
module esact_spls_shift #(
  parameter int unsigned IN_W = 26,
  parameter int unsigned SH_W = 5
) (
  input  logic [IN_W-1:0] x_i,
  output logic [SH_W-1:0] shift_o
);

  localparam int unsigned TOP = esact_pkg::SPLS_SHIFT_TOP;

  // Leading-one detector: the highest set bit above TOP wins.
  always_comb begin
    shift_o = '0;
    for (int unsigned i = TOP + 1; i < IN_W; i++) begin
      if (x_i[i]) begin
        shift_o = SH_W'(i - TOP);
      end
    end
  end

endmodule
