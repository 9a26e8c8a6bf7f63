// ESACT: enums and packed structs of the control and the units.
//
// Beside esact_pkg (flat integers): this package is the one source of the
// encodings below.  C++ reads it too: cmake/esact_params.cmake turns every
// `localparam int unsigned NAME = <int>;` line and every enum item written as
// `NAME = <w>'d<int>` into esact/params.hpp, so keep those one-line forms.
// Yosys 0.23 cannot refer from one package to another (nor `import` in a
// package), so nothing here names esact_pkg: the widths below are the command
// format's own, and esact_top checks them against esact_pkg (SVA, ifndef
// SYNTHESIS).  Use the items as esact_types_pkg::NAME, never `import`.
package esact_types_pkg;

  // Memory request length in bytes (read/write engines, arbiters, every unit port).
  localparam int unsigned REQ_LEN_W = 24;
  // Addresses in commands and requests (esact_top asserts AXI_AW == CMD_AW).
  localparam int unsigned CMD_AW = 32;

  // ---------------------------------------------------------------------------
  // Units that own a memory port (arbiter port index = unit)
  // ---------------------------------------------------------------------------
  typedef enum logic [2:0] {
    U_SEQ  = 3'd0,  // control: descriptors (and commands)
    U_GEMM = 3'd1,  // GEMM engine
    U_SM   = 3'd2,  // softmax row unit
    U_LN   = 3'd3,  // residual + LayerNorm row unit
    U_PRED = 3'd4   // SPLS prediction (esact_predict around esact_spls)
  } unit_e;
  localparam int unsigned N_UNITS = 5;     // memory ports of the arbiters

  // ---------------------------------------------------------------------------
  // GEMM epilogue
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] {
    EPI_RAW  = 2'd0,  // int32 accumulators (attention scores)
    EPI_RQ   = 2'd1,  // rq(acc + bias, M, S)
    EPI_GELU = 2'd2   // GELU_T[rq(acc + bias, M, S) + 128]
  } epi_e;

  // ---------------------------------------------------------------------------
  // Phases (index of CSR_PHASE_CYCLES)
  // ---------------------------------------------------------------------------
  typedef enum logic [3:0] {
    PH_DESC    = 4'd0,
    PH_PREDICT = 4'd1,
    PH_QKV     = 4'd2,
    PH_QK      = 4'd3,
    PH_SOFTMAX = 4'd4,
    PH_AV      = 4'd5,
    PH_WO      = 4'd6,
    PH_LN1     = 4'd7,
    PH_FFN1    = 4'd8,
    PH_FFN2    = 4'd9,
    PH_LN2     = 4'd10
  } phase_e;

  // ---------------------------------------------------------------------------
  // Error codes (CSR_ERR_CODE)
  // ---------------------------------------------------------------------------
  typedef enum logic [7:0] {
    ERR_NONE       = 8'd0,  // no error
    ERR_DESC_MAGIC = 8'd1,  // descriptor word 0 is not DESC_MAGIC_VALUE
    ERR_N_TOKENS   = 8'd2,  // N_TOKENS = 0 or > N_MAX
    ERR_N_LAYERS   = 8'd3,  // N_LAYERS = 0 or > L_MAX
    ERR_SHAPE      = 8'd4,  // D, H, F: zero, over a maximum, or D != H * Dh
    ERR_KNOB       = 8'd5,  // NORM, K, W, T or FFN_REUSE out of range
    ERR_REQUANT    = 8'd6,  // an M = 0 or M > 65535, or S not in 1..47
    ERR_ALIGN      = 8'd7,  // an address not aligned to AXI_DW / 8 bytes
    ERR_SCRATCH    = 8'd8,  // scratch region too small for N, D, F
    ERR_AXI_READ   = 8'd9,  // SLVERR/DECERR on a read
    ERR_AXI_WRITE  = 8'd10,  // SLVERR/DECERR on a write
    ERR_MODE       = 8'd11,  // MODE not 0 or 1 (or SPLS not built in)
    ERR_CMD        = 8'd12,  // a bad command record (ERR_INFO: command index, word)
    ERR_SPLS       = 8'd13   // the SPLS front end's top-k / similarity unit stopped (ERR_INFO: PRED command, unit bits)
  } err_e;

  // ---------------------------------------------------------------------------
  // Memory requests (a unit's read or write port: byte address, byte length)
  // ---------------------------------------------------------------------------
  typedef struct packed {
    logic [CMD_AW-1:0] addr;
    logic [REQ_LEN_W-1:0] len;   // >= 1
  } mem_req_t;

  // ---------------------------------------------------------------------------
  // Command list (docs/architecture.md, "Command list").  The host compiles
  // each layer into CMD_WORDS-word records (32-bit little-endian words) at
  // DESC_CMD_ADDR; esact_cmd_fetch reads them, esact_dispatch decodes them
  // into the unit commands below.  C++ (sim/src/cmdlist.cpp) encodes with
  // these same numbers (esact/params.hpp).
  // ---------------------------------------------------------------------------
  typedef enum logic [3:0] {
    OP_NONE = 4'd0,  // never valid: a zeroed record is a bad command
    OP_GEMM = 4'd1,  // esact_gemm
    OP_SM   = 4'd2,  // esact_softmax
    OP_LN   = 4'd3,  // esact_layernorm
    OP_PRED = 4'd4   // esact_predict: SPLS masks and leader table (issue 13)
  } cmd_op_e;
  localparam int unsigned CMD_WORDS = 16;      // words per command (64 bytes, 4 beats)
  localparam int unsigned CMD_MAX = 4095;      // commands per layer list
  localparam int unsigned CMD_UNITS = 4;       // units with a wait count (GEMM, softmax, LN, PRED)
  localparam int unsigned CMD_WAIT_W = 16;     // bits of a wait count
  // Word indices of a command record.
  localparam int unsigned CMD_HDR = 0;         // header, bits below
  localparam int unsigned CMD_WAIT0 = 1;       // [15:0] GEMM, [31:16] softmax wait count
  localparam int unsigned CMD_WAIT1 = 2;       // [15:0] LayerNorm, [31:16] PRED wait count
  localparam int unsigned CMD_RQ = 3;          // [15:0] requantization M, [21:16] S
  localparam int unsigned CMD_MK = 4;          // [15:0] m (rows), [31:16] k (GEMM depth)
  localparam int unsigned CMD_N = 5;           // [15:0] n (GEMM columns, softmax keys, LN width)
  localparam int unsigned CMD_ADDR0 = 6;       // GEMM A, softmax in, LN in1, PRED A
  localparam int unsigned CMD_ADDR1 = 7;       // GEMM B, softmax masks (CMD_H_MASK), LN in2, PRED Wk^T
  localparam int unsigned CMD_ADDR2 = 8;       // GEMM bias, LN gamma, PRED Wq^T
  localparam int unsigned CMD_ADDR3 = 9;       // output of every unit (PRED: masks)
  localparam int unsigned CMD_ADDR4 = 10;      // GEMM GELU table, LN beta, PRED leader table
  localparam int unsigned CMD_LD0 = 11;        // GEMM lda, softmax in row stride, LN row stride, PRED lda
  localparam int unsigned CMD_LD1 = 12;        // GEMM ldb, softmax mask row stride, PRED ldw (row stride of Wk^T and Wq^T)
  localparam int unsigned CMD_LD2 = 13;        // GEMM ldo, softmax out row stride, PRED mask row stride
  localparam int unsigned CMD_X0 = 14;         // PRED: [15:0] heads, [31:16] window W; LN: leader table (CMD_H_LEAD)
  localparam int unsigned CMD_X1 = 15;         // PRED: threshold T; GEMM / softmax / LN with CMD_H_LROWS: [15:0] first leader ordinal r0
  // Header bits (word CMD_HDR).
  localparam int unsigned CMD_H_OP = 0;        // [3:0] cmd_op_e
  localparam int unsigned CMD_H_PH = 4;        // [7:4] phase_e (counted in that phase)
  localparam int unsigned CMD_H_EPI = 8;       // [9:8] GEMM epi_e
  localparam int unsigned CMD_H_TRANS = 10;    // GEMM B transposed
  localparam int unsigned CMD_H_BIAS = 11;     // GEMM bias enable
  localparam int unsigned CMD_H_LNMODE = 12;   // LN: 1 LayerNorm, 0 saturating add
  localparam int unsigned CMD_H_IN2 = 13;      // LN: second input enable
  localparam int unsigned CMD_H_MASK = 14;     // softmax: per-key select bits (SPLS masks) at CMD_ADDR1
  localparam int unsigned CMD_H_LEAD = 15;     // LN: in2 row i read at row ord(i) (SPLS leader table at CMD_X0)
  localparam int unsigned CMD_H_LROWS = 16;    // GEMM / softmax / LN: leader rows r0.. : m = clamp(L - r0, 0, m), L from PREDICT
  localparam int unsigned CMD_H_GATHER = 17;   // with CMD_H_LROWS: GEMM A row / softmax mask row / LN in1 row r read at row list[r0 + r]

  // ---------------------------------------------------------------------------
  // Unit commands (what esact_dispatch hands to a unit over valid/ready; held
  // stable from the handshake until the unit's done)
  // ---------------------------------------------------------------------------
  // Requantization pair of a command.
  typedef struct packed {
    logic [15:0] m;
    logic [5:0]  s;
  } rq_t;

  typedef struct packed {
    logic [CMD_AW-1:0] a;        // A int8 [m][k], row r at a + r * lda
    logic [31:0]   lda;
    logic [CMD_AW-1:0] b;        // B int8 [k][n] (trans = 0) or its transpose's rows (trans = 1)
    logic [31:0]   ldb;
    logic          trans;
    logic [CMD_AW-1:0] bias;     // int32 [n]
    logic          bias_en;
    logic [CMD_AW-1:0] out;      // out row r at out + r * ldo
    logic [31:0]   ldo;
    logic [15:0]   m;
    logic [15:0]   k;
    logic [15:0]   n;
    epi_e          epi;
    logic [CMD_AW-1:0] gelu;     // GELU table int8 [256]
    rq_t           rq;
    logic          gather;       // SPLS: A row r at a + list[r0 + r] * lda (the leader list)
    logic [15:0]   r0;           // first leader ordinal (gather)
  } gemm_cmd_t;

  typedef struct packed {
    logic [CMD_AW-1:0] in;       // int32 scores [rows][n], row stride in_stride bytes
    logic [31:0]   in_stride;
    logic [CMD_AW-1:0] out;      // int8 probabilities [rows][n], row stride out_stride
    logic [31:0]   out_stride;
    logic [15:0]   rows;
    logic [15:0]   n;            // keys per row
    rq_t           rq;
    logic          mask_en;      // SPLS: keys whose mask bit is 0 are out of max and sum, p = 0
    logic [CMD_AW-1:0] mask;     // mask of row r at mask + r * mask_stride, bit j of byte j/8 = key j
    logic [31:0]   mask_stride;
    logic          gather;       // SPLS: mask of row r at mask + list[r0 + r] * mask_stride
    logic [15:0]   r0;           // first leader ordinal (gather)
  } sm_cmd_t;

  typedef struct packed {
    logic          mode_ln;  // 1: LN(in1 [+ in2]), 0: sat8(in1 + in2)
    logic          in2_en;
    logic [CMD_AW-1:0] in1;
    logic [CMD_AW-1:0] in2;
    logic [CMD_AW-1:0] out;
    logic [31:0]   stride;       // row stride of in1, in2 and out (bytes)
    logic [15:0]   rows;
    logic [15:0]   d;            // row width
    logic [CMD_AW-1:0] gamma;    // int16 [d]
    logic [CMD_AW-1:0] beta;     // int32 [d]
    rq_t           rq;
    logic          lead_en;      // SPLS row reuse: in2 row r read at in2 + ord(r) * stride (compact)
    logic [CMD_AW-1:0] lead;     // leader table: uint32 [rows], ord(r) = bits 30:16 of entry r
    logic          gather;       // SPLS leader rows: in1 row r at in1 + list[r0 + r] * stride (in2, out compact)
    logic [15:0]   r0;           // first leader ordinal (gather)
  } ln_cmd_t;

  // SPLS prediction (esact_predict): the layer's attention input A and the
  // output-major Wk^T / Wq^T in; per (row i, head h) the top-k mask and per
  // row the leader entry out (docs/spls-rtl.md, "PREDICT in esact_top").
  typedef struct packed {
    logic [CMD_AW-1:0] a;        // A int8 [n][heads*dh], row r at a + r * lda
    logic [31:0]   lda;
    logic [CMD_AW-1:0] wk;       // Wk^T int8: output column c's inputs at wk + c * ldw
    logic [CMD_AW-1:0] wq;       // Wq^T int8, same layout
    logic [31:0]   ldw;
    logic [CMD_AW-1:0] mask;     // mask (i, h) at mask + (i * heads + h) * ldm: ceil(n/8) bytes, bit j = key j
    logic [31:0]   ldm;
    logic [CMD_AW-1:0] lead;     // leader table: uint32 [n], entry i at lead + 4 i
    logic [15:0]   n;            // tokens
    logic [15:0]   k;            // top-k
    logic [15:0]   dh;           // head width
    logic [15:0]   heads;
    logic [15:0]   window;       // W
    logic [31:0]   thresh;       // T
  } pred_cmd_t;

endpackage
