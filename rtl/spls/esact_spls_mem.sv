// ESACT SPLS front end: generic behavioural 1R1W memory with byte enables.
//
// One synchronous write port (byte enables: wbe_i bit b covers data bits
// 8b..8b+7) and one synchronous read port with a read enable: rdata_o changes
// only on a clock edge with re_i = 1 and holds otherwise, so a stalled
// pipeline keeps its operand.  A read of the address being written returns the
// old word.  No reset (like an SRAM macro); a synthesis flow can swap this
// module for a macro of the same shape (scripts/synth.sh keeps it as a black
// box and reports its bits).  The masked write is written as one word update
// (not a loop of byte writes), which Verilator also accepts for wide words.
module esact_spls_mem #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 16,
  // Derived, do not override.
  parameter int unsigned AW   = (DEPTH > 1) ? $clog2(DEPTH) : 1,
  parameter int unsigned BE_W = (WIDTH + 7) / 8
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

  logic [WIDTH-1:0] mem_q [0:DEPTH-1];
  logic [WIDTH-1:0] bmask;

  always_comb begin
    for (int unsigned i = 0; i < WIDTH; i++) begin
      bmask[i] = wbe_i[i / 8];
    end
  end

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= (mem_q[waddr_i] & ~bmask) | (wdata_i & bmask);
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_o <= mem_q[raddr_i];
    end
  end

`ifndef SYNTHESIS
  // Access counters for the power flow (docs/power.md, "SRAM energy"), the same
  // as esact_sram's and under the same names, so that the host driver finds them
  // in the simulator's public scope table (esact::sim::Harness::sram_accesses,
  // esact-sim --json "srams"): cycles with a read / a write enable, and the
  // geometry.  Simulation only: a synthesis flow substitutes a macro.
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
