// ESACT INT8 MAC array: MR x MC multiply-accumulate cells, int32 accumulators.
//
// Every cycle with en_i, cell (r, c) adds a_i[r] * b_i[r][c] (signed int8 x
// int8) to its accumulator (two's complement wrap-around, as int32 arithmetic); with
// first_i as well it loads the product instead (the first k of a tile), so that
// tiles run back to back without a clearing cycle.  acc_o is the packed array
// of accumulators, cell (r, c) at bits [(r * MC + c) * 32 +: 32].  b_i is one
// MC-byte vector per row (byte c of row r at bits [(r * MC + c) * 8 +: 8]):
// esact_gemm broadcasts one column tile's vector to every row, or in a split
// tile one to the upper and another to the lower half of the rows; the rows'
// vectors are separate ports (no mux in the array) so that a slice of rows is
// the same module with fewer rows (the power flow's --slice replay).
module esact_mac_array #(
  parameter int unsigned MR = esact_pkg::MAC_ROWS,
  parameter int unsigned MC = esact_pkg::MAC_COLS
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 en_i,
  input  logic                 first_i,
  input  logic [MR*8-1:0]      a_i,
  input  logic [MR*MC*8-1:0]   b_i,
  output logic [MR*MC*32-1:0]  acc_o
);

  for (genvar r = 0; r < MR; r++) begin : g_row
    for (genvar c = 0; c < MC; c++) begin : g_col
      logic signed [31:0] acc_q;
      logic signed [15:0] prod;
      assign prod = $signed(a_i[r*8 +: 8]) * $signed(b_i[(r*MC + c)*8 +: 8]);
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          acc_q <= '0;
        end else if (en_i) begin
          acc_q <= (first_i ? 32'sd0 : acc_q) + 32'(prod);
        end
      end
      assign acc_o[(r*MC + c)*32 +: 32] = acc_q;
    end
  end

endmodule
