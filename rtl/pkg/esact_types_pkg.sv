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
  typedef enum logic [1:0] {
    U_SEQ  = 2'd0,  // control: descriptors (and commands)
    U_GEMM = 2'd1,  // GEMM engine
    U_SM   = 2'd2,  // softmax row unit
    U_LN   = 2'd3   // residual + LayerNorm row unit
  } unit_e;
  localparam int unsigned N_UNITS = 4;     // memory ports of the arbiters

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
    ERR_MODE       = 8'd11  // MODE not 0 or 1 (or SPLS not built in)
  } err_e;

  // ---------------------------------------------------------------------------
  // Memory requests (a unit's read or write port: byte address, byte length)
  // ---------------------------------------------------------------------------
  typedef struct packed {
    logic [CMD_AW-1:0] addr;
    logic [REQ_LEN_W-1:0] len;   // >= 1
  } mem_req_t;

  // ---------------------------------------------------------------------------
  // Unit commands (stable from start until done)
  // ---------------------------------------------------------------------------
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
  } gemm_cmd_t;

  typedef struct packed {
    logic [CMD_AW-1:0] in;       // int32 scores [rows][n], row stride 4 n
    logic [CMD_AW-1:0] out;      // int8 probabilities [rows][n], row stride n
    logic [15:0]   rows;
  } sm_cmd_t;

  typedef struct packed {
    logic          mode_ln;  // 1: LN(in1 [+ in2]), 0: sat8(in1 + in2)
    logic          in2_en;
    logic [CMD_AW-1:0] in1;
    logic [CMD_AW-1:0] in2;
    logic [CMD_AW-1:0] out;
    logic [CMD_AW-1:0] gamma;    // int16 [d]
    logic [CMD_AW-1:0] beta;     // int32 [d]
  } ln_cmd_t;

  // Requantization pair of the running operation (shared by the units).
  typedef struct packed {
    logic [15:0] m;
    logic [5:0]  s;
  } rq_t;

endpackage
