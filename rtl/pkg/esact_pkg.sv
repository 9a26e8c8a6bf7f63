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
// items as esact_pkg::NAME, never `import`.  Enums and packed structs (and the
// phase and error codes) are in esact_types_pkg.sv, which C++ reads as well:
// Yosys 0.23 cannot refer from one package to another, so each number lives
// in exactly one of the two packages.
package esact_pkg;

  // ---------------------------------------------------------------------------
  // Workload maxima (what one build can run)
  // ---------------------------------------------------------------------------
  localparam int unsigned N_MAX = 512;   // tokens per sequence (BERT-base: 512)
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
  localparam int unsigned SPLS_ROWS = 8;    // prediction array: token (key) rows of dot units
  localparam int unsigned SPLS_COLS = 4;    // prediction array: output-column dot units per row
  localparam int unsigned SPLS_CH = 16;     // prediction array: products per dot unit (input channels)
  localparam int unsigned SPLS_TOPK_BEATS = 4;  // top-k: score beats (SPLS_ROWS each) per memory read
  localparam int unsigned SPLS_TOPK_RADIX = 4;  // top-k: key bits per radix-select pass
  localparam int unsigned SPLS_SIMIL_PARTS = 4;  // similarity: mask parts counted per window slot, one per cycle
  localparam int unsigned LN_STATS_STEPS = 4;   // LayerNorm: isqrt / divider result bits per cycle (divides 20 and 32)
  localparam int unsigned SM_DIV_STEPS = 3;     // softmax: reciprocal divider quotient bits per cycle (divides 33)
  localparam int unsigned ATT_QB = 128;     // query rows per attention block (Q K^T, softmax, A.V calls)
  localparam int unsigned AXI_DW = 128;     // AXI4 master data width (bits)
  localparam int unsigned AXI_AW = 32;      // AXI4 master address width
  localparam int unsigned AXI_IDW = 4;      // AXI4 master ID width
  localparam int unsigned RD_CAP = 128;     // read arbiter: data beats in flight a non-priority port may have
  localparam int unsigned WR_QD = 4;        // write requests the write engine queues (the write arbiter remembers as many)
  localparam int unsigned CSR_AW = 12;      // AXI4-Lite CSR address width
  localparam int unsigned CSR_DW = 32;      // AXI4-Lite CSR data width

  // ---------------------------------------------------------------------------
  // Control/status registers (AXI4-Lite, byte offsets; docs/memory-map.md)
  // ---------------------------------------------------------------------------
  localparam int unsigned CSR_ID = 0;            // RO: CSR_ID_VALUE
  localparam int unsigned CSR_VERSION = 4;       // RO: CSR_VERSION_VALUE
  localparam int unsigned CSR_CTRL = 8;          // bit0 START (write 1), bit1 IRQ_EN
  localparam int unsigned CSR_STATUS = 12;       // bit0 BUSY, bit1 DONE (W1C), bit2 ERROR (W1C)
  localparam int unsigned CSR_ERR_CODE = 16;     // RO: ERR_* below, 0 = none
  localparam int unsigned CSR_ERR_INFO = 20;     // RO: layer (7:0), descriptor or command word (15:8), command index (31:16)
  localparam int unsigned CSR_DESC_BASE = 24;    // address of layer 0's descriptor
  localparam int unsigned CSR_N_LAYERS = 28;     // 1..L_MAX
  localparam int unsigned CSR_N_TOKENS = 32;     // 1..N_MAX
  localparam int unsigned CSR_MODE = 36;         // 0 dense, 1 SPLS
  localparam int unsigned CSR_SCRATCH_BASE = 40; // scratch region for intermediates
  localparam int unsigned CSR_SCRATCH_SIZE = 44; // its size in bytes
  localparam int unsigned CSR_CYCLES_LO = 256;   // perf counters, cleared by START
  localparam int unsigned CSR_CYCLES_HI = 260;
  localparam int unsigned CSR_MACS_LO = 264;
  localparam int unsigned CSR_MACS_HI = 268;
  localparam int unsigned CSR_RD_STALL = 272;    // cycles a read waits on memory
  localparam int unsigned CSR_WR_STALL = 276;    // cycles a write waits on memory
  localparam int unsigned CSR_XMACS_LO = 280;    // MACs the array executed (whole tiles, padding included)
  localparam int unsigned CSR_XMACS_HI = 284;
  localparam int unsigned CSR_PHASE_CYCLES = 288;  // + 4 * PH_*: cycles per phase
  localparam int unsigned CSR_PHASE_RD_BEATS = 352;  // + 4 * PH_*: AXI R beats per phase
  localparam int unsigned CSR_PHASE_WR_BEATS = 416;  // + 4 * PH_*: AXI W beats per phase
  localparam int unsigned CSR_ID_VALUE = 1163084628;  // 0x45534354 "ESCT"
  localparam int unsigned CSR_VERSION_VALUE = 1;

  // Phases (PH_*, index of CSR_PHASE_CYCLES) and error codes (ERR_*, CSR_ERR_CODE)
  // are the enums phase_e and err_e of esact_types_pkg.sv (C++ reads them too).
  localparam int unsigned PH_COUNT = 16;         // phase counters (CSR_PHASE_CYCLES + 4 p)

  // ---------------------------------------------------------------------------
  // Layer descriptor in memory: DESC_WORDS 32-bit little-endian words, layer l at
  // DESC_BASE + l * 4 * DESC_WORDS.  Word indices:
  // ---------------------------------------------------------------------------
  localparam int unsigned DESC_WORDS = 64;
  localparam int unsigned DESC_MAGIC = 0;        // DESC_MAGIC_VALUE
  localparam int unsigned DESC_D = 1;
  localparam int unsigned DESC_H = 2;
  localparam int unsigned DESC_F = 3;
  localparam int unsigned DESC_NORM = 4;         // 0 post-LN, 1 pre-LN
  localparam int unsigned DESC_K = 5;            // top-k (clamped to N)
  localparam int unsigned DESC_W = 6;            // similarity window
  localparam int unsigned DESC_T = 7;            // similarity threshold
  localparam int unsigned DESC_FFN_REUSE = 8;
  localparam int unsigned DESC_RQ_M = 9;         // + RQ_*: multiplier M of each pair
  localparam int unsigned DESC_RQ_S = 19;        // + RQ_*: shift S of each pair
  localparam int unsigned DESC_X_ADDR = 29;      // layer input  int8 [N][D]
  localparam int unsigned DESC_Y_ADDR = 30;      // layer output int8 [N][D]
  localparam int unsigned DESC_WQ = 31;          // int8 [D][D], input-major
  localparam int unsigned DESC_WK = 32;
  localparam int unsigned DESC_WV = 33;
  localparam int unsigned DESC_WO = 34;
  localparam int unsigned DESC_W1 = 35;          // int8 [D][F]
  localparam int unsigned DESC_W2 = 36;          // int8 [F][D]
  localparam int unsigned DESC_BQ = 37;          // int32 [D]
  localparam int unsigned DESC_BK = 38;
  localparam int unsigned DESC_BV = 39;
  localparam int unsigned DESC_BO = 40;
  localparam int unsigned DESC_B1 = 41;          // int32 [F]
  localparam int unsigned DESC_B2 = 42;          // int32 [D]
  localparam int unsigned DESC_LN1_G = 43;       // int16 [D]
  localparam int unsigned DESC_LN1_B = 44;       // int32 [D]
  localparam int unsigned DESC_LN2_G = 45;
  localparam int unsigned DESC_LN2_B = 46;
  localparam int unsigned DESC_GELU = 47;        // int8 [256]
  localparam int unsigned DESC_WQ_HLOG = 48;     // uint8 [D][D] HLog byte codes of Wq (spec 3.1)
  localparam int unsigned DESC_WK_HLOG = 49;     // uint8 [D][D] HLog byte codes of Wk
  localparam int unsigned DESC_CMD_ADDR = 50;    // the layer's command list (CMD_WORDS words each)
  localparam int unsigned DESC_CMD_COUNT = 51;   // its length in commands, 1..CMD_MAX
  localparam int unsigned DESC_SCR_NEED = 52;    // scratch bytes the list uses (<= SCRATCH_SIZE)
  localparam int unsigned DESC_SCR_BASE = 53;    // SCRATCH_BASE the list was compiled for (== the CSR)
  localparam int unsigned DESC_MAGIC_VALUE = 1163086916;  // 0x45534C44 "ESLD"

  // Requantization pair index (DESC_RQ_M / DESC_RQ_S + RQ_*)
  localparam int unsigned RQ_Q = 0;
  localparam int unsigned RQ_K = 1;
  localparam int unsigned RQ_V = 2;
  localparam int unsigned RQ_SOFTMAX = 3;
  localparam int unsigned RQ_AV = 4;
  localparam int unsigned RQ_O = 5;
  localparam int unsigned RQ_LN1 = 6;
  localparam int unsigned RQ_FFN1 = 7;
  localparam int unsigned RQ_FFN2 = 8;
  localparam int unsigned RQ_LN2 = 9;
  localparam int unsigned RQ_COUNT = 10;

endpackage
