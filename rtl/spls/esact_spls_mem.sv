// ESACT SPLS front end: generic behavioural 1R1W memory.
//
// One synchronous write port and one synchronous read port with a read enable:
// rdata_o changes only on a clock edge with re_i = 1 and holds otherwise, so a
// stalled pipeline keeps its operand.  No reset (like an SRAM macro); a
// synthesis flow can swap this module for a macro of the same shape
// (scripts/synth.sh keeps it as a black box and reports its bits).
module esact_spls_mem #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 16,
  // Address width; derived, do not override.
  parameter int unsigned AW = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [AW-1:0]    waddr_i,
  input  logic [WIDTH-1:0] wdata_i,
  input  logic             re_i,
  input  logic [AW-1:0]    raddr_i,
  output logic [WIDTH-1:0] rdata_o
);

  logic [WIDTH-1:0] mem_q [0:DEPTH-1];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= wdata_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_o <= mem_q[raddr_i];
    end
  end

endmodule
