// Area reference for docs/spls-rtl.md (not part of the design): one INT8 MAC,
// signed 8x8 product into a 32-bit accumulator, as in the layer's MAC array.
module ref_int8_mac (
  input  logic               clk_i,
  input  logic signed [7:0]  a_i,
  input  logic signed [7:0]  b_i,
  output logic signed [31:0] acc_o
);
  always_ff @(posedge clk_i) begin
    acc_o <= acc_o + 32'(a_i * b_i);
  end
endmodule
