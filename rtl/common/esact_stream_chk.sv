// ESACT valid/ready stream protocol checker (simulation only).
//
// Instantiate on a stream (valid, ready, payload) under `ifndef SYNTHESIS:
//   * valid is never X/Z after reset;
//   * once valid is high without ready, valid stays high and the payload stays
//     the same until ready (AXI-style: the source may not withdraw or change an
//     offer).
// A failure prints the checker's hierarchical name (which stream) and stops the
// simulation ($error; Verilator --assert: the run ends with an error).
module esact_stream_chk #(
  parameter int unsigned W = 1   // payload bits
) (
  input logic         clk_i,
  input logic         rst_ni,
  input logic         flush_i,
  input logic         valid_i,
  input logic         ready_i,
  input logic [W-1:0] data_i
);

`ifndef SYNTHESIS
  a_valid_known: assert property (@(posedge clk_i) disable iff (!rst_ni) !$isunknown(valid_i))
    else $error("%m: valid is X/Z after reset");
  a_valid_held: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                 valid_i && !ready_i && !flush_i |=> valid_i)
    else $error("%m: valid withdrawn before ready");
  a_data_held: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                valid_i && !ready_i && !flush_i |=> $stable(data_i))
    else $error("%m: payload changed while valid and not ready");
`else
  logic unused;
  assign unused = ^{clk_i, rst_ni, flush_i, valid_i, ready_i, data_i};
`endif

endmodule
