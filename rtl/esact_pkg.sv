// ESACT: the single source of build-time parameters.
//
// This package is the one place where the build's maxima and the hardware's
// shape are written down.  The C++ golden model, the harness and the tests take
// the same numbers from a header generated from this file at configure time
// (cmake/esact_params.cmake parses every `localparam int unsigned NAME = <int>;`
// line below), so a value is never copied by hand.  Keep every parameter that C++
// must see in that exact one-line form.
//
// Written in the subset that both Verilator 5.006 and Yosys 0.23 accept: use the
// items as esact_pkg::NAME, never `import`.
package esact_pkg;

  // ---------------------------------------------------------------------------
  // Workload maxima (what one build can run)
  // ---------------------------------------------------------------------------
  localparam int unsigned N_MAX = 256;   // tokens per sequence
  localparam int unsigned D_MAX = 1024;  // model width D = H * Dh
  localparam int unsigned F_MAX = 4096;  // FFN width
  localparam int unsigned H_MAX = 16;    // attention heads
  localparam int unsigned DH_MAX = 128;  // head width Dh
  localparam int unsigned W_MAX = 8;     // local-similarity window (rows)
  localparam int unsigned L_MAX = 32;    // layers in one chained run

  // ---------------------------------------------------------------------------
  // Numeric formats (docs/spec.md, "Numbers")
  // ---------------------------------------------------------------------------
  localparam int unsigned ACT_W = 8;        // activations and weights, two's complement
  localparam int unsigned ACC_W = 32;       // MAC accumulators and biases
  localparam int unsigned RQ_M_W = 16;      // requantization multiplier (unsigned)
  localparam int unsigned RQ_S_MAX = 47;    // requantization shift, 1..RQ_S_MAX
  localparam int unsigned HLOG_E_W = 4;     // HLog exponent field of an 8-bit code
  localparam int unsigned SPLS_SHIFT_TOP = 7;  // K~/Q~ are shifted to a leading one <= bit 7
  localparam int unsigned SM_FRAC = 8;      // softmax exponent fixed point (2^-8 units of log2)
  localparam int unsigned SM_EXP_W = 16;    // exp2 table entries: Q1.15, 2^15 = 1.0
  localparam int unsigned SM_RECIP_SHIFT = 32;  // softmax reciprocal: floor(2^32 / sum)
  localparam int unsigned SM_PROB_SHIFT = 25;   // probability: (e*recip + 2^24) >> 25, Q0.7
  localparam int unsigned LN_FRAC = 10;     // LayerNorm normalized value fixed point
  localparam int unsigned LN_RECIP_SHIFT = 30;  // LayerNorm reciprocal: floor(2^30 / sqrt)

  // ---------------------------------------------------------------------------
  // Hardware shape
  // ---------------------------------------------------------------------------
  localparam int unsigned MAC_ROWS = 16;    // INT8 MAC array rows
  localparam int unsigned MAC_COLS = 16;    // INT8 MAC array columns
  localparam int unsigned SPLS_LANES = 8;   // parallel lanes of the prediction unit
  localparam int unsigned AXI_DW = 128;     // AXI4 master data width (bits)
  localparam int unsigned AXI_AW = 32;      // AXI4 master address width
  localparam int unsigned AXI_IDW = 4;      // AXI4 master ID width
  localparam int unsigned CSR_AW = 12;      // AXI4-Lite CSR address width
  localparam int unsigned CSR_DW = 32;      // AXI4-Lite CSR data width

endpackage
