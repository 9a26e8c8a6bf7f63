// ESACT SPLS: population count (number of set bits) of a vector.
module esact_spls_popcnt #(
  parameter int unsigned IN_W  = 16,
  parameter int unsigned OUT_W = $clog2(IN_W + 1)
) (
  input  logic [IN_W-1:0]  x_i,
  output logic [OUT_W-1:0] count_o
);

  always_comb begin
    count_o = '0;
    for (int unsigned i = 0; i < IN_W; i++) begin
      count_o = count_o + OUT_W'(x_i[i]);
    end
  end

endmodule
