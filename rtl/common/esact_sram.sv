// ESACT behavioural 1R1W SRAM with byte write enables.
//
// One write port and one read port on the same clock, read data registered
// (one cycle latency, held while re_i is low).  A read of the address being
// written in the same cycle returns the old word.  No reset: the contents are
// undefined until written, as in a real macro, which a synthesis flow can
// substitute for this module one to one.
module esact_sram #(
  parameter int unsigned WIDTH = 128,  // bits, a multiple of 8
  parameter int unsigned DEPTH = 16,
  parameter int unsigned AW    = (DEPTH > 1) ? $clog2(DEPTH) : 1,
  parameter int unsigned BE_W  = WIDTH / 8
) (
  input  logic             clk_i,
  input  logic             we_i,
  input  logic [AW-1:0]    waddr_i,
  input  logic [WIDTH-1:0] wdata_i,
  input  logic [BE_W-1:0]  wbe_i,
  input  logic             re_i,
  input  logic [AW-1:0]    raddr_i,
  output logic [WIDTH-1:0] rdata_o
);

  logic [WIDTH-1:0] mem_q [DEPTH];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int unsigned b = 0; b < BE_W; b++) begin
        if (wbe_i[b]) begin
          mem_q[waddr_i][b*8 +: 8] <= wdata_i[b*8 +: 8];
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_o <= mem_q[raddr_i];
    end
  end

`ifndef SYNTHESIS
  // Access counters for the power flow (docs/power.md): cycles with a read /
  // a write enable, and the geometry, which the host driver reads through the
  // simulator's public scope table (esact::sim::Harness::sram_accesses).
  // Simulation only: a synthesis flow substitutes a macro and never sees them.
  logic [63:0] sram_reads_q  /*verilator public_flat_rd*/;
  logic [63:0] sram_writes_q /*verilator public_flat_rd*/;
  logic [31:0] sram_width    /*verilator public_flat_rd*/;
  logic [31:0] sram_depth    /*verilator public_flat_rd*/;
  assign sram_width = WIDTH;
  assign sram_depth = DEPTH;
  initial begin
    sram_reads_q = '0;
    sram_writes_q = '0;
  end
  always_ff @(posedge clk_i) begin
    if (re_i) sram_reads_q <= sram_reads_q + 64'd1;
    if (we_i) sram_writes_q <= sram_writes_q + 64'd1;
  end
`endif

endmodule
