// ESACT GEMM engine: out = epilogue(A . B + bias), memory to memory, on one MAC array.
//
//   A   int8 [m][k], row r at a_addr + r * lda
//   B   int8 [k][n]: b_trans = 0: row kk at b_addr + kk * ldb (V)
//                    b_trans = 1: B[kk][j] at b_addr + j * ldb + kk (weights, stored
//                    output-major, and K for Q K^T): a column is one long burst
//   out row r at out_addr + r * ldo; epi = 0: int32 (raw scores), 1: rq(acc + bias, M, S),
//       2: GELU_T[rq(acc + bias, M, S) + 128] (the table loaded from gelu_addr)
//   k <= KC (the depth of a B buffer lane); m, n of any size.
//
// Three processes run concurrently:
//
// * Loader (the only reader): the rows of a ROW BLOCK of A (as many row tiles
//   of MR rows as fit the A buffer, AB bytes per lane; all of m when it fits)
//   are loaded once and stay on chip while every column tile of B streams
//   past them.  Each column tile (k x MC bytes of B and MC int32 of bias) is
//   loaded into one of two B banks while the array computes on the other, so
//   every byte of B is read once per row block in long bursts.  The first
//   column tile of a block is loaded before the block's A (into the free
//   bank, overlapping the previous block's last tile); a row tile starts as
//   soon as its rows are in, so the A load overlaps the first column tile.
// * Compute: per output tile (MR x MC) the array takes one k per cycle, k
//   cycles, tiles back to back (the first k loads the accumulators).  Row
//   tiles of a block are the inner loop, column tiles the outer one.
// * Epilogue: the finished accumulators plus bias are captured in a shadow
//   buffer, from which the output rows are requantized (16 requantizers in
//   parallel) and written, one write request per row (the requests run ahead
//   of the data), while the array computes the next tile.
//
// Half-height tail tiles: when the last row tile of the run has t <= MR/2
// rows (m mod MR in 1..MR/2), the block holding it processes the column
// tiles in pairs (j, j+1): the full row tiles of j, then ONE split tile over
// both, then the full row tiles of j+1.  In the split tile array rows
// 0..MR/2-1 compute the t tail rows against column tile j (B bank of j) and
// rows MR/2..MR-1 the same t rows (A lanes r and r - MR/2 carry the same
// byte) against column tile j+1 (the other bank, read at the same time: one
// SRAM per bank and array column); the epilogue writes shadow rows 0..t-1 as
// (tail row, tile j) and rows MR/2..MR/2+t-1 as (tail row, tile j+1), the
// bias of each from its bank.  The split tile frees bank j (the loader then
// brings j+2 while j+1's full tiles run); j+1's last full tile frees its
// bank (with no full tiles in the block the split tile frees both).  An odd
// last column tile runs the tail as a normal tile.  So the tail costs k
// cycles per two column tiles instead of per one.  When the row blocks are
// smaller than m (long k), the first block is the short one, so that the
// tail shares the last block with full row tiles (a block of the tail alone
// would wait on the B stream, 2 column tiles per k cycles).
//
// MACS (mac_inc_o) counts only the cells that do useful work (partial tiles
// are masked); xmac_inc_o counts every cell of an issued tile (MR x MC per
// array cycle, padding included).  SPLS gather (gather_i): A row r is read
// at a_addr + row_i * lda, where row_i = list[row_idx_o] is the leader list's
// entry for ordinal row_idx_o = r0_i + r (looked up combinationally in
// esact_top), so the GEMM runs on the leader rows only and writes its output
// compact (row r = the leader of ordinal r0 + r).  SPLS key rows (kvs_i, SPLS
// = 1; K and V of one head): before the run the loader reads the masks of the
// L leaders (mask row of leader ordinal o at mask_addr_i + list[o] *
// mask_stride_i, ceil(m_i / 8) bytes) and ORs them into U (N_MAX bits), the
// keys the head's leaders select; the run then has |U| rows: A row r is
// token t_r, the r-th key of U in increasing order (read at a_addr + t_r *
// lda), and its output row is written at out_addr + t_r * ldo (scattered;
// rows of tokens outside U are not written).  Requires MC * 8 == DW (one
// B row segment per beat) and MR, MC powers of two.
module esact_gemm #(
  parameter int unsigned MR = esact_pkg::MAC_ROWS,
  parameter int unsigned MC = esact_pkg::MAC_COLS,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned KC = esact_pkg::F_MAX,   // maximum k (bytes per B lane and bank)
  parameter int unsigned AB = 8192,               // A buffer bytes per lane (>= KC)
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned SPLS  = 0,                // 1: kvs_i is honoured (SPLS key rows)
  parameter int unsigned N_MAX = esact_pkg::N_MAX  // SPLS: tokens (mask bits, key rows)
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,
  input  logic          abort_i,
  input  logic [AW-1:0] a_addr_i,
  input  logic [31:0]   lda_i,
  input  logic [AW-1:0] b_addr_i,
  input  logic [31:0]   ldb_i,
  input  logic          b_trans_i,
  input  logic [AW-1:0] bias_addr_i,
  input  logic          bias_en_i,
  input  logic [AW-1:0] out_addr_i,
  input  logic [31:0]   ldo_i,
  input  logic [15:0]   m_i,
  input  logic [15:0]   k_i,
  input  logic [15:0]   n_i,
  input  logic [1:0]    epi_i,
  input  logic [15:0]   rq_m_i,
  input  logic [5:0]    rq_s_i,
  input  logic [AW-1:0] gelu_addr_i,
  input  logic          gather_i,     // SPLS: A rows through the leader list
  input  logic [15:0]   r0_i,         // first leader ordinal of A row 0
  output logic [15:0]   row_idx_o,    // leader list lookup: ordinal ...
  input  logic [15:0]   row_i,        // ... and its row (combinational)
  input  logic          kvs_i,        // SPLS: rows = the keys of U (see above)
  input  logic [AW-1:0] mask_addr_i,  // SPLS key rows: the head's mask of leader row 0
  input  logic [15:0]   mask_stride_i,  // ... bytes between two rows' masks
  input  logic [15:0]   lcnt_i,       // ... leaders L (masks to read)
  output logic          busy_o,
  output logic          done_o,
  output logic [15:0]   mac_inc_o,
  output logic [15:0]   xmac_inc_o,
  output logic          rd_req_valid_o,
  input  logic          rd_req_ready_i,
  output logic [AW-1:0] rd_req_addr_o,
  output logic [LW-1:0] rd_req_len_o,
  input  logic          rd_data_valid_i,
  output logic          rd_data_ready_o,
  input  logic [DW-1:0] rd_data_i,
  output logic          wr_req_valid_o,
  input  logic          wr_req_ready_i,
  output logic [AW-1:0] wr_req_addr_o,
  output logic [LW-1:0] wr_req_len_o,
  output logic          wr_data_valid_o,
  input  logic          wr_data_ready_i,
  output logic [DW-1:0] wr_data_o
);

  localparam int unsigned BB   = DW / 8;
  localparam int unsigned BBW  = $clog2(BB);
  localparam int unsigned KW   = KC / BB;                 // words per B lane and bank
  localparam int unsigned KWW  = (KW > 1) ? $clog2(KW) : 1;
  localparam int unsigned AD   = AB / BB;                 // words per A lane
  localparam int unsigned ADW  = (AD > 1) ? $clog2(AD) : 1;
  localparam int unsigned IPB  = DW / 32;                 // int32 per beat
  localparam int unsigned RW   = (MR > 1) ? $clog2(MR) : 1;
  localparam int unsigned GB   = 256 / BB;                // beats of the GELU table

  // ---------------------------------------------------------------------------
  // Geometry (inputs are stable while busy)
  // ---------------------------------------------------------------------------
  logic [15:0] kw;                          // words of one k-long row
  logic [2:0]  esz;
  assign kw  = (k_i + 16'(BB - 1)) >> BBW;
  assign esz = (epi_i == esact_types_pkg::EPI_RAW) ? 3'd4 : 3'd1;

  typedef enum logic [2:0] { T_IDLE, T_INIT, T_FBLK, T_RUN, T_DONE, T_UMASK, T_UCNT } top_e;
  top_e top_q, top_d;
  logic [15:0] m_q, m_d;                    // rows of this run (m_i, or |U| with kvs)
  logic [15:0] blk_q, blk_d;                // rows per row block (a multiple of MR)
  logic [15:0] fblk_q, fblk_d;              // rows of the first row block (<= blk)
  logic        go;                          // block sizes known: start the run
  logic        hf;                          // the tail row tile has 1..MR/2 rows: split tiles
  logic [15:0] tl;                          // first row of the tail row tile
  logic [15:0] m_up;                        // m rounded up to a multiple of MR
  assign hf   = (m_q[RW-1:0] != '0) && (32'(m_q[RW-1:0]) <= MR / 2);
  assign tl   = {m_q[15:RW], RW'(0)};
  assign m_up = (m_q[RW-1:0] != '0) ? (tl + 16'(MR)) : m_q;
  logic [31:0] bacc_q, bacc_d;              // words per A lane the block uses

  // Handshake flags between the processes.
  logic       a_valid_q, a_valid_d;         // A holds the compute's row block (rows arriving)
  logic [15:0] a_rows_q, a_rows_d;          // rows of the block loaded so far
  logic [1:0] bank_full_q, bank_full_d;     // B bank holds the next column tile
  logic [2*MC*32-1:0] bias_q, bias_d;       // bias of the column tile in B bank 0 and 1

  // ---------------------------------------------------------------------------
  // Loader
  // ---------------------------------------------------------------------------
  typedef enum logic [2:0] { L_IDLE, L_GREQ, L_GLOAD, L_BWAIT, L_B, L_AWAIT, L_A, L_DONE } ld_e;
  ld_e           l_st_q, l_st_d;
  logic [15:0]   l_i0_q, l_i0_d, l_c0_q, l_c0_d;
  logic          l_bank_q, l_bank_d, l_apend_q, l_apend_d;
  logic [15:0]   l_ri_q, l_ri_d, l_ci_q, l_ci_d, l_w_q, l_w_d;
  logic [AW-1:0] l_addr_q, l_addr_d, l_bcol_q, l_bcol_d, l_arow_q, l_arow_d;
  logic [RW-1:0] l_lane_q, l_lane_d;
  logic [ADW-1:0] l_abase_q, l_abase_d;
  logic [2047:0] gelu_q, gelu_d;

  logic [15:0] l_rows, l_cols, l_nb, l_nreq, l_beats;
  logic        l_ri_bias, l_ci_bias;
  logic [15:0] l_blk;                               // rows of the loader's block
  assign l_blk     = (l_i0_q == '0) ? fblk_q : blk_q;
  assign l_rows    = ((m_q - l_i0_q) > l_blk) ? l_blk : (m_q - l_i0_q);
  assign l_cols    = ((n_i - l_c0_q) > 16'(MC)) ? 16'(MC) : (n_i - l_c0_q);
  assign l_nb      = b_trans_i ? l_cols : k_i;                 // B requests of a column tile
  assign l_nreq    = l_nb + (bias_en_i ? 16'd1 : 16'd0);
  assign l_ri_bias = l_ri_q == l_nb;
  assign l_ci_bias = l_ci_q == l_nb;
  assign l_beats   = l_ci_bias ? ((l_cols * 16'd4 + 16'(BB - 1)) >> BBW) : (b_trans_i ? kw : 16'd1);

  // ---------------------------------------------------------------------------
  // SPLS key rows (kvs): U = OR of the leaders' masks, then the rows are U's keys
  // ---------------------------------------------------------------------------
  localparam int unsigned UB = (N_MAX + DW - 1) / DW;     // mask beats per row, at most
  localparam int unsigned TW = (N_MAX > 1) ? $clog2(N_MAX) : 1;
  logic          kvs_on;
  logic [UB*DW-1:0] u_q, u_d;                // U, bit t = token t
  logic [15:0]   u_rq_q, u_rq_d;             // masks requested
  logic [15:0]   u_got_q, u_got_d;           // masks received
  logic [15:0]   u_bt_q, u_bt_d;             // beat of the mask being received
  logic [15:0]   u_nmb;                      // beats per mask
  logic [15:0]   u_cnt;                      // |U|
  logic [15:0]   tok_q, tok_d;               // token of the next A row requested
  logic [15:0]   tok_from, tok_next;         // first key of U at or after tok_from (N_MAX: none)
  logic [15:0]   e_tok;                      // token of the epilogue's row e_rq
  logic          tok_we;                     // A row l_i0 + l_ri is token tok_q
  assign kvs_on = (SPLS != 0) && kvs_i;
  assign u_nmb  = (m_i + 16'(DW - 1)) / 16'(DW);
  always_comb begin
    u_cnt = '0;
    for (int unsigned t = 0; t < N_MAX; t++) u_cnt = u_cnt + 16'(u_q[t] && t < 32'(m_i));
  end
  assign tok_from = (top_q == T_UCNT) ? 16'd0 : (tok_q + 16'd1);
  logic tok_found;
  always_comb begin
    tok_next = 16'(N_MAX);
    tok_found = 1'b0;
    for (int unsigned t = 0; t < N_MAX; t++) begin
      if (!tok_found && u_q[t] && t >= 32'(tok_from) && t < 32'(m_i)) begin
        tok_next = 16'(t);
        tok_found = 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Compute
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] { C_IDLE, C_WAIT, C_RUN, C_END } cp_e;
  cp_e           c_st_q, c_st_d;
  logic [15:0]   c_i0_q, c_i0_d, c_c0_q, c_c0_d, c_row_q, c_row_d, kk_q, kk_d;
  logic          c_bank_q, c_bank_d;
  logic          c_ph_q, c_ph_d;              // 1: the second column tile of a split pair
  logic [ADW-1:0] c_abase_q, c_abase_d;
  logic [AW-1:0] c_oblk_q, c_oblk_d, c_orow_q, c_orow_d;
  logic [15:0]   c_rows, c_cols, c_cols2, c_bend, c_blk, c_rend;
  logic          c_last_rt, c_pair, c_split;
  logic [31:0]   c_c2;                        // first column of the pair's second tile
  assign c_blk     = (c_i0_q == '0) ? fblk_q : blk_q;
  assign c_bend    = ((m_q - c_i0_q) > c_blk) ? (c_i0_q + c_blk) : m_q;   // end row of the block
  assign c_rows    = ((m_q - c_row_q) > 16'(MR)) ? 16'(MR) : (m_q - c_row_q);
  assign c_cols    = ((n_i - c_c0_q) > 16'(MC)) ? 16'(MC) : (n_i - c_c0_q);
  assign c_c2      = 32'(c_c0_q) + MC;
  // A pair (c0, c0 + MC) in the block holding a split-size tail; phase 0 runs
  // up to the block's end (the tail is its split tile), phase 1 up to the tail.
  assign c_pair    = hf && c_bend == m_q && c_c2 < 32'(n_i);
  assign c_cols2   = c_pair ? (((32'(n_i) - c_c2) > MC) ? 16'(MC) : 16'(32'(n_i) - c_c2)) : '0;
  assign c_rend    = c_ph_q ? tl : c_bend;
  assign c_last_rt = 32'(c_row_q) + MR >= 32'(c_rend);
  assign c_split   = !c_ph_q && c_pair && c_last_rt;

  // Tile metadata travelling with the pipeline: issue -> stage 1 -> result -> shadow.
  typedef struct packed {
    logic [15:0]   rows;
    logic [15:0]   cols;
    logic [15:0]   cols2;      // split: columns of the second tile (array rows MR/2..)
    logic [AW-1:0] oaddr;      // kvs: the column offset only (rows are scattered)
    logic [15:0]   row;        // first row of the tile
    logic          bank;
    logic          split;      // a split tile: column tiles of bank and !bank
    logic          rel;        // last use of its bank's column tile: frees the bank
    logic          rel2;       // split tile, no full row tiles: frees the other bank too
  } meta_t;
  meta_t         meta0, meta1_q, meta1_d, res_meta_q, res_meta_d, sh_meta_q, sh_meta_d;
  logic          s1_q, s1_d, first1_q, first1_d, last1_q, last1_d;
  logic [BBW-1:0] kk1_q, kk1_d;
  logic          res_q, res_d;                // a finished tile waits in the accumulators
  logic          shd_full_q, shd_full_d;
  logic [MR*MC*32-1:0] shd_q, shd_d;

  // ---------------------------------------------------------------------------
  // Epilogue
  // ---------------------------------------------------------------------------
  // The write requests of the shadow's rows (e_rq) run ahead of their data
  // (e_row, beat e_w), so that a pipelined write engine streams the rows
  // back to back.  A split tile has 2 x rows output rows: requests and data
  // 0..rows-1 are shadow rows 0.. (first column tile), rows.. are shadow rows
  // MR/2.. (the second column tile, MC columns further right).
  logic [15:0]   e_rq_q, e_rq_d, e_row_q, e_row_d, e_w_q, e_w_d;
  logic [AW-1:0] e_addr_q, e_addr_d;
  logic [15:0]   e_obeats, e_rows, e_rqi, e_rowi, e_cols;
  logic          e_rq2, e_row2;
  assign e_rows   = sh_meta_q.split ? (sh_meta_q.rows << 1) : sh_meta_q.rows;
  assign e_rq2    = sh_meta_q.split && e_rq_q >= sh_meta_q.rows;
  assign e_row2   = sh_meta_q.split && e_row_q >= sh_meta_q.rows;
  assign e_rqi    = e_rq2 ? (e_rq_q - sh_meta_q.rows) : e_rq_q;
  assign e_rowi   = e_row2 ? (e_row_q - sh_meta_q.rows) : e_row_q;
  assign e_cols   = e_row2 ? sh_meta_q.cols2 : sh_meta_q.cols;
  assign e_obeats = (epi_i == esact_types_pkg::EPI_RAW) ? ((e_cols * 16'd4 + 16'(BB - 1)) >> BBW) : 16'd1;

  // The token of every A row, for the epilogue's scattered writes.
  if (SPLS != 0) begin : g_ktab
    logic [TW-1:0] ttab_q [N_MAX];
    logic [15:0]   t_wr, t_rd;
    assign t_wr = l_i0_q + l_ri_q;
    assign t_rd = sh_meta_q.row + e_rqi;
    always_ff @(posedge clk_i) begin
      if (tok_we && 32'(t_wr) < N_MAX) ttab_q[TW'(t_wr)] <= TW'(tok_q);
    end
    assign e_tok = (32'(t_rd) < N_MAX) ? 16'(ttab_q[TW'(t_rd)]) : '0;
  end else begin : g_no_ktab
    assign e_tok = '0;
    logic unused_ktab;
    assign unused_ktab = ^{tok_we, mask_addr_i, mask_stride_i, lcnt_i, e_rqi};
  end

  // ---------------------------------------------------------------------------
  // Operand buffers: A (one SRAM per array row, row tile t at words t * kw..)
  // and B (two SRAMs per array column, one per bank, so that a split tile
  // reads both banks in the same cycle).
  // ---------------------------------------------------------------------------
  logic [MR*DW-1:0] a_rdata;
  logic [2*MC*DW-1:0] b_rdata;               // bank k at [k * MC * DW +: MC * DW]
  logic             buf_re;
  logic [ADW-1:0]   a_raddr;
  logic [KWW-1:0]   b_raddr;
  logic [1:0]       b_re;
  logic             a_we, bt_we, bn_we;

  logic [ADW-1:0]   a_waddr;
  assign a_raddr = c_abase_q + ADW'(kk_q >> BBW);
  assign a_waddr = l_abase_q + ADW'(l_w_q);
  assign b_raddr = KWW'(kk_q >> BBW);
  // The compute's bank; the other one too in a split tile.
  assign b_re[0] = buf_re && (!c_bank_q || c_split);
  assign b_re[1] = buf_re && (c_bank_q || c_split);

  for (genvar r = 0; r < MR; r++) begin : g_abuf
    esact_sram #(.WIDTH(DW), .DEPTH(AD)) u_sram (
      .clk_i, .we_i(a_we && l_lane_q == RW'(r)), .waddr_i(a_waddr), .wdata_i(rd_data_i),
      .wbe_i({BB{1'b1}}), .re_i(buf_re), .raddr_i(a_raddr), .rdata_o(a_rdata[r*DW +: DW]));
  end
  for (genvar c = 0; c < MC; c++) begin : g_bbuf
    logic          we;
    logic [KWW-1:0] wa;
    logic [DW-1:0] wd;
    logic [BB-1:0] be;
    assign we = (bt_we && l_ci_q == 16'(c)) || bn_we;
    assign wa = bn_we ? KWW'(l_ci_q >> BBW) : KWW'(l_w_q);
    assign wd = bn_we ? {BB{rd_data_i[c*8 +: 8]}} : rd_data_i;
    assign be = bn_we ? (BB'(1) << l_ci_q[BBW-1:0]) : {BB{1'b1}};
    for (genvar k = 0; k < 2; k++) begin : g_bank
      esact_sram #(.WIDTH(DW), .DEPTH(KW)) u_sram (
        .clk_i, .we_i(we && l_bank_q == 1'(k)), .waddr_i(wa), .wdata_i(wd), .wbe_i(be),
        .re_i(b_re[k]), .raddr_i(b_raddr), .rdata_o(b_rdata[k*MC*DW + c*DW +: DW]));
    end
  end

  // Operands of stage 1: byte kk1 of every lane's word.  A split tile: array
  // rows MR/2.. take the A bytes of rows 0.. and the other bank's B (b_lo).
  // Each byte select is a multiplexer over the BB bytes of one lane's word
  // (the lane is a constant slice, kk1 the only variable index), not a shift
  // of the whole buffer output.
  logic [MR*8-1:0]     a_byte, a_vec;
  logic [2*MC*8-1:0]   b_byte;                // bank k at [k * MC * 8 +: MC * 8]
  logic [MC*8-1:0]     b_vec, b_oth, b_lo;
  logic [MR*MC*8-1:0]  b_rows;
  logic [MR*MC*32-1:0] acc;
  for (genvar r = 0; r < MR; r++) begin : g_abyte
    logic [DW-1:0] w;
    assign w = a_rdata[r*DW +: DW];
    assign a_byte[r*8 +: 8] = w[{kk1_q, 3'b000} +: 8];
  end
  for (genvar r = 0; r < MR; r++) begin : g_avec
    localparam int unsigned RS = (r >= MR / 2) ? (r - MR / 2) : r;
    assign a_vec[r*8 +: 8] = (meta1_q.split && r >= MR / 2) ? a_byte[RS*8 +: 8] : a_byte[r*8 +: 8];
  end
  for (genvar k = 0; k < 2; k++) begin : g_bbyte
    for (genvar c = 0; c < MC; c++) begin : g_col
      logic [DW-1:0] w;
      assign w = b_rdata[k*MC*DW + c*DW +: DW];
      assign b_byte[(k*MC + c)*8 +: 8] = w[{kk1_q, 3'b000} +: 8];
    end
  end
  assign b_vec = meta1_q.bank ? b_byte[MC*8 +: MC*8] : b_byte[0 +: MC*8];
  assign b_oth = meta1_q.bank ? b_byte[0 +: MC*8] : b_byte[MC*8 +: MC*8];
  assign b_lo = meta1_q.split ? b_oth : b_vec;
  assign b_rows = {{(MR / 2){b_lo}}, {(MR - MR / 2){b_vec}}};   // rows MR/2.. take b_lo

  esact_mac_array #(.MR(MR), .MC(MC)) u_mac (
    .clk_i, .rst_ni, .en_i(s1_q), .first_i(first1_q), .a_i(a_vec), .b_i(b_rows), .acc_o(acc));

  // Epilogue of shadow row e_row_q (split, second half: row MR/2 + e_rowi):
  // requantized, GELU.
  logic [MC*32-1:0] vrow;
  logic [DW-1:0]    vbeat;                    // EPI_RAW: beat e_w of vrow
  logic [MC*8-1:0]  qrow, grow;
  logic [RW-1:0]    er;
  assign er = e_row2 ? RW'(32'(e_rowi) + MR / 2) : RW'(e_row_q);
  for (genvar c = 0; c < MC; c++) begin : g_epi
    logic [7:0] q;
    logic [MR*32-1:0] scol;                   // column c of every shadow row; er picks one
    for (genvar r = 0; r < MR; r++) begin : g_scol
      assign scol[r*32 +: 32] = shd_q[(r*MC + c)*32 +: 32];
    end
    assign vrow[c*32 +: 32] = scol[{er, 5'b00000} +: 32];
    esact_requant #(.IN_W(32)) u_rq (.acc_i(vrow[c*32 +: 32]), .m_i(rq_m_i), .s_i(rq_s_i), .q_o(q));
    assign qrow[c*8 +: 8] = q;
    assign grow[c*8 +: 8] = gelu_q[{q ^ 8'h80, 3'b000} +: 8];
  end
  always_comb begin                           // a multiplexer of the MC / IPB beats
    vbeat = '0;
    for (int unsigned b = 0; b < MC / IPB; b++) begin
      if (32'(e_w_q) % (MC / IPB) == b) vbeat = vrow[b*DW +: DW];
    end
  end

  // Captured tile = accumulators + the bias of its column tile (split tile:
  // rows MR/2.. the other bank's).
  logic [MR*MC*32-1:0] acc_b;
  for (genvar r = 0; r < MR; r++) begin : g_capr
    logic bk;
    assign bk = res_meta_q.bank ^ (res_meta_q.split && r >= MR / 2);
    for (genvar c = 0; c < MC; c++) begin : g_capc
      assign acc_b[(r*MC + c)*32 +: 32] = acc[(r*MC + c)*32 +: 32] +
          (bias_en_i ? (bk ? bias_q[MC*32 + c*32 +: 32] : bias_q[c*32 +: 32]) : 32'd0);
    end
  end

  assign meta0.rows  = c_rows;
  assign meta0.cols  = c_cols;
  assign meta0.cols2 = c_split ? c_cols2 : '0;
  assign meta0.oaddr = (kvs_on ? out_addr_i : c_orow_q) + AW'(32'(c_c0_q) * 32'(esz));
  assign meta0.row   = c_row_q;
  assign meta0.bank  = c_bank_q;
  assign meta0.split = c_split;
  assign meta0.rel   = c_last_rt;
  assign meta0.rel2  = c_split && c_i0_q == tl;

  // A bank whose last tile is still in flight (stage 1 or waiting for the
  // shadow) is released at that tile's capture: no tile may read it before.
  logic [1:0] rel_pend;
  for (genvar k = 0; k < 2; k++) begin : g_relp
    assign rel_pend[k] = (s1_q && ((meta1_q.rel && meta1_q.bank == 1'(k)) ||
                                   (meta1_q.rel2 && meta1_q.bank != 1'(k)))) ||
                         (res_q && ((res_meta_q.rel && res_meta_q.bank == 1'(k)) ||
                                    (res_meta_q.rel2 && res_meta_q.bank != 1'(k))));
  end
  logic c_banks_ok;                           // the banks the next tile reads hold its tiles
  assign c_banks_ok = bank_full_q[c_bank_q] && !rel_pend[c_bank_q] &&
                      (!c_split || (bank_full_q[!c_bank_q] && !rel_pend[!c_bank_q]));

  always_comb begin
    top_d = top_q; blk_d = blk_q; fblk_d = fblk_q; bacc_d = bacc_q; m_d = m_q; go = 1'b0;
    u_d = u_q; u_rq_d = u_rq_q; u_got_d = u_got_q; u_bt_d = u_bt_q; tok_d = tok_q; tok_we = 1'b0;
    a_valid_d = a_valid_q; a_rows_d = a_rows_q; bank_full_d = bank_full_q;
    bias_d = bias_q; gelu_d = gelu_q;
    l_st_d = l_st_q; l_i0_d = l_i0_q; l_c0_d = l_c0_q; l_bank_d = l_bank_q; l_apend_d = l_apend_q;
    l_ri_d = l_ri_q; l_ci_d = l_ci_q; l_w_d = l_w_q;
    l_addr_d = l_addr_q; l_bcol_d = l_bcol_q; l_arow_d = l_arow_q;
    l_lane_d = l_lane_q; l_abase_d = l_abase_q;
    c_st_d = c_st_q; c_i0_d = c_i0_q; c_c0_d = c_c0_q; c_row_d = c_row_q; kk_d = kk_q;
    c_bank_d = c_bank_q; c_ph_d = c_ph_q; c_abase_d = c_abase_q; c_oblk_d = c_oblk_q; c_orow_d = c_orow_q;
    s1_d = 1'b0; first1_d = first1_q; last1_d = last1_q; kk1_d = kk1_q; meta1_d = meta1_q;
    res_d = res_q; res_meta_d = res_meta_q;
    shd_full_d = shd_full_q; shd_d = shd_q; sh_meta_d = sh_meta_q;
    e_rq_d = e_rq_q; e_row_d = e_row_q; e_w_d = e_w_q; e_addr_d = e_addr_q;
    a_we = 1'b0; bt_we = 1'b0; bn_we = 1'b0;
    buf_re = 1'b0;
    rd_req_valid_o = 1'b0; rd_req_addr_o = l_addr_q; rd_req_len_o = LW'(k_i);
    rd_data_ready_o = 1'b0;
    wr_req_valid_o = 1'b0;
    wr_data_valid_o = 1'b0;
    done_o = 1'b0;

    // --- top: row-block size, then run until everything is written ---------
    unique case (top_q)
      T_IDLE: begin
        if (start_i) begin
          blk_d = 16'(MR); bacc_d = 32'(kw);
          m_d = m_i;
          top_d = T_INIT;
          if (kvs_on) begin
            u_d = '0; u_rq_d = '0; u_got_d = '0; u_bt_d = '0;
            top_d = (lcnt_i == '0) ? T_UCNT : T_UMASK;
          end
        end
      end
      T_UMASK: begin
        // The leaders' masks (ordinal u_rq -> row list[u_rq]), ORed into U.
        if (u_rq_q < lcnt_i) begin
          rd_req_valid_o = 1'b1;
          rd_req_addr_o  = mask_addr_i + AW'(32'(row_i) * 32'(mask_stride_i));
          rd_req_len_o   = LW'((32'(m_i) + 32'd7) / 8);
          if (rd_req_ready_i) u_rq_d = u_rq_q + 16'd1;
        end
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          for (int unsigned b = 0; b < UB; b++) begin   // (constant slices: no shift of all of U)
            if (32'(u_bt_q) == b) u_d[b*DW +: DW] = u_q[b*DW +: DW] | rd_data_i;
          end
          u_bt_d = u_bt_q + 16'd1;
          if (u_bt_q + 16'd1 == u_nmb) begin
            u_bt_d = '0;
            u_got_d = u_got_q + 16'd1;
            if (u_got_q + 16'd1 == lcnt_i) top_d = T_UCNT;
          end
        end
      end
      T_UCNT: begin
        // |U| rows, the first of them token tok_next (no key: nothing to do).
        m_d = u_cnt;
        tok_d = tok_next;
        top_d = (u_cnt == '0) ? T_DONE : T_INIT;
      end
      T_INIT: begin
        // As many row tiles per block as the A buffer holds (at most all of m).
        if (32'(blk_q) < 32'(m_q) && bacc_q + 32'(kw) <= AD) begin
          blk_d = blk_q + 16'(MR);
          bacc_d = bacc_q + 32'(kw);
        end else if (hf && blk_q < m_q) begin
          // Several blocks and a split-size tail: the first block is the
          // short one (m_up mod blk rows, or blk), see the header.
          fblk_d = m_up;
          top_d = T_FBLK;
        end else begin
          fblk_d = blk_q;
          go = 1'b1;
        end
      end
      T_FBLK: begin
        if (fblk_q > blk_q) fblk_d = fblk_q - blk_q;
        else go = 1'b1;
      end
      T_RUN: begin
        if (c_st_q == C_IDLE && !s1_q && !res_q && !shd_full_q) top_d = T_DONE;
      end
      T_DONE: begin
        done_o = 1'b1;
        top_d = T_IDLE;
      end
      default: top_d = T_IDLE;
    endcase
    if (go) begin
      top_d = T_RUN;
      l_st_d = (epi_i == esact_types_pkg::EPI_GELU) ? L_GREQ : L_BWAIT;
      l_i0_d = '0; l_c0_d = '0; l_bank_d = 1'b0; l_apend_d = 1'b1;
      l_bcol_d = b_addr_i; l_arow_d = a_addr_i;
      c_st_d = C_WAIT;
      c_i0_d = '0; c_c0_d = '0; c_row_d = '0; kk_d = '0; c_bank_d = 1'b0; c_ph_d = 1'b0; c_abase_d = '0;
      c_oblk_d = out_addr_i; c_orow_d = out_addr_i;
      a_valid_d = 1'b0; bank_full_d = '0;
    end

    // --- loader -------------------------------------------------------------
    unique case (l_st_q)
      L_IDLE: ;
      L_GREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = gelu_addr_i; rd_req_len_o = LW'(256);
        if (rd_req_ready_i) begin l_w_d = '0; l_st_d = L_GLOAD; end
      end
      L_GLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          for (int unsigned b = 0; b < GB; b++) begin
            if (32'(l_w_q) == b) gelu_d[b*DW +: DW] = rd_data_i;
          end
          l_w_d = l_w_q + 16'd1;
          if (l_w_q + 16'd1 == 16'(GB)) l_st_d = L_BWAIT;
        end
      end
      L_BWAIT: begin
        if (!bank_full_q[l_bank_q]) begin
          l_addr_d = l_bcol_q;
          l_ri_d = '0; l_ci_d = '0; l_w_d = '0;
          l_st_d = L_B;
        end
      end
      L_B: begin
        // Column tile c0: cols requests of k bytes (transposed) or k requests
        // of cols bytes (normal), then the bias (cols int32).
        if (l_ri_q < l_nreq) begin
          rd_req_valid_o = 1'b1;
          rd_req_addr_o  = l_ri_bias ? (bias_addr_i + AW'(32'(l_c0_q) * 4)) : l_addr_q;
          rd_req_len_o   = l_ri_bias ? LW'(32'(l_cols) * 4) : (b_trans_i ? LW'(k_i) : LW'(l_cols));
          if (rd_req_ready_i) begin
            l_ri_d = l_ri_q + 16'd1;
            l_addr_d = l_addr_q + AW'(ldb_i);
          end
        end
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          if (l_ci_bias) begin
            for (int unsigned k = 0; k < 2; k++) begin
              for (int unsigned b = 0; b < MC / IPB; b++) begin
                if (32'(l_bank_q) == k && 32'(l_w_q) % (MC / IPB) == b) bias_d[k*MC*32 + b*DW +: DW] = rd_data_i;
              end
            end
          end else begin
            bt_we = b_trans_i;
            bn_we = !b_trans_i;
          end
          l_w_d = l_w_q + 16'd1;
          if (l_w_q + 16'd1 == l_beats) begin
            l_w_d = '0;
            l_ci_d = l_ci_q + 16'd1;
            if (l_ci_q + 16'd1 == l_nreq) begin
              bank_full_d[l_bank_q] = 1'b1;
              l_bank_d = !l_bank_q;
              l_st_d = L_AWAIT;
            end
          end
        end
      end
      L_AWAIT: begin
        // After a column tile: the block's A if not loaded yet (once the
        // compute has issued its last read of the previous block), else the
        // next column tile, or the first one of the next row block.
        if (l_apend_q) begin
          if (!a_valid_q) begin
            a_valid_d = 1'b1; a_rows_d = '0;
            l_ri_d = '0; l_ci_d = '0; l_w_d = '0; l_lane_d = '0; l_abase_d = '0;
            l_st_d = L_A;
          end
        end else if (32'(l_c0_q) + MC < 32'(n_i)) begin
          l_c0_d = l_c0_q + 16'(MC);
          l_bcol_d = l_bcol_q + (b_trans_i ? AW'(32'(MC) * ldb_i) : AW'(MC));
          l_st_d = L_BWAIT;
        end else if (32'(l_i0_q) + 32'(l_blk) < 32'(m_q)) begin
          l_i0_d = l_i0_q + l_blk;
          l_c0_d = '0;
          l_bcol_d = b_addr_i;
          l_apend_d = 1'b1;
          l_st_d = L_BWAIT;
        end else begin
          l_st_d = L_DONE;
        end
      end
      L_A: begin
        // The block's rows: one request of k bytes per row; row r goes to lane
        // r % MR at words (r / MR) * kw...
        if (l_ri_q < l_rows) begin
          rd_req_valid_o = 1'b1;
          rd_req_addr_o  = gather_i ? (a_addr_i + AW'(32'(row_i) * lda_i)) :
                           (kvs_on ? (a_addr_i + AW'(32'(tok_q) * lda_i)) : l_arow_q);
          rd_req_len_o   = LW'(k_i);
          if (rd_req_ready_i) begin
            l_ri_d = l_ri_q + 16'd1;
            l_arow_d = l_arow_q + AW'(lda_i);
            if (kvs_on) begin
              tok_we = 1'b1;
              tok_d = tok_next;
            end
          end
        end
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          a_we = 1'b1;
          l_w_d = l_w_q + 16'd1;
          if (l_w_q + 16'd1 == kw) begin
            l_w_d = '0;
            l_ci_d = l_ci_q + 16'd1;
            a_rows_d = a_rows_q + 16'd1;
            l_lane_d = l_lane_q + RW'(1);
            if (l_lane_q == RW'(MR - 1)) l_abase_d = l_abase_q + ADW'(kw);
            if (l_ci_q + 16'd1 == l_rows) begin
              l_apend_d = 1'b0;
              l_st_d = L_AWAIT;
            end
          end
        end
      end
      L_DONE: ;
      default: l_st_d = L_IDLE;
    endcase

    // --- stage 1: the array; a finished tile waits in the accumulators ------
    if (s1_q && last1_q) begin
      res_d = 1'b1;
      res_meta_d = meta1_q;
    end

    // --- capture into the shadow buffer (frees the accumulators) ------------
    if (res_q && !shd_full_q) begin
      shd_d = acc_b;
      sh_meta_d = res_meta_q;
      shd_full_d = 1'b1;
      e_rq_d = '0; e_row_d = '0; e_w_d = '0; e_addr_d = res_meta_q.oaddr;
      if (!(s1_q && last1_q)) res_d = 1'b0;
      if (res_meta_q.rel) bank_full_d[res_meta_q.bank] = 1'b0;
      if (res_meta_q.rel2) bank_full_d[!res_meta_q.bank] = 1'b0;
    end

    // --- compute --------------------------------------------------------------
    unique case (c_st_q)
      C_IDLE: ;
      C_WAIT: begin
        if (a_valid_q && bank_full_q[c_bank_q]) begin
          kk_d = '0;
          c_st_d = C_RUN;
        end
      end
      C_RUN: begin
        // A tile may start when its A rows are in (the block's A load overlaps
        // the compute of its first column tile) and the accumulators are free
        // by its first MAC: the shadow is free now, so a waiting result is
        // captured this cycle or (finishing now) the next one; not both.  Its
        // B bank (both in a split tile) holds its column tile and no tile in
        // flight is still to free it.
        if (kk_q != 16'd0 || (!shd_full_q && !(res_q && s1_q && last1_q) && c_banks_ok &&
                              32'(a_rows_q) + 32'(c_i0_q) >= 32'(c_row_q) + 32'(c_rows))) begin
          buf_re = 1'b1;
          s1_d = 1'b1;
          first1_d = kk_q == 16'd0;
          last1_d = kk_q == k_i - 16'd1;
          kk1_d = BBW'(kk_q);
          meta1_d = meta0;
          kk_d = kk_q + 16'd1;
          if (kk_q == k_i - 16'd1) begin
            kk_d = '0;
            if (!c_last_rt) begin
              c_row_d = c_row_q + 16'(MR);
              c_abase_d = c_abase_q + ADW'(kw);
              c_orow_d = c_orow_q + AW'(32'(MR) * ldo_i);
            end else if (c_split && c_i0_q != tl) begin
              // Split tile done: the full row tiles of the pair's second column tile.
              c_ph_d = 1'b1;
              c_c0_d = c_c0_q + 16'(MC);
              c_bank_d = !c_bank_q;
              c_row_d = c_i0_q; c_abase_d = '0; c_orow_d = c_oblk_q;
              c_st_d = C_WAIT;
            end else begin
              // Column tile done (a split tile without full row tiles: both
              // of the pair): next column tile of this block, or next block.
              c_ph_d = 1'b0;
              c_bank_d = c_split ? c_bank_q : !c_bank_q;
              c_row_d = c_i0_q; c_abase_d = '0; c_orow_d = c_oblk_q;
              c_st_d = C_WAIT;
              if (32'(c_c0_q) + (c_split ? 2 * MC : MC) < 32'(n_i)) begin
                c_c0_d = c_c0_q + (c_split ? 16'(2 * MC) : 16'(MC));
              end else begin
                a_valid_d = 1'b0;             // the loader may overwrite A
                c_c0_d = '0;
                if (32'(c_bend) < 32'(m_q)) begin
                  c_i0_d = c_bend; c_row_d = c_bend;
                  c_oblk_d = c_oblk_q + AW'(32'(c_blk) * ldo_i);
                  c_orow_d = c_oblk_q + AW'(32'(c_blk) * ldo_i);
                end else begin
                  c_st_d = C_IDLE;
                end
              end
            end
          end
        end
      end
      default: c_st_d = C_IDLE;
    endcase

    // --- epilogue -------------------------------------------------------------
    // Requests of the shadow's rows, ahead of the data.
    if (shd_full_q && e_rq_q < e_rows) begin
      wr_req_valid_o = 1'b1;
      if (wr_req_ready_i) begin
        e_rq_d = e_rq_q + 16'd1;
        e_addr_d = e_addr_q + AW'(ldo_i);
        // Split tile: the second column tile's rows start again at the tile's row.
        if (sh_meta_q.split && e_rq_q + 16'd1 == sh_meta_q.rows)
          e_addr_d = sh_meta_q.oaddr + AW'(32'(MC) * 32'(esz));
      end
    end
    // Data of row e_row once its request is taken.
    if (shd_full_q && e_row_q < e_rq_q) begin
      wr_data_valid_o = 1'b1;
      if (wr_data_ready_i) begin
        e_w_d = e_w_q + 16'd1;
        if (e_w_q + 16'd1 == e_obeats) begin
          e_w_d = '0;
          e_row_d = e_row_q + 16'd1;
          if (e_row_q + 16'd1 == e_rows) shd_full_d = 1'b0;
        end
      end
    end

    if (abort_i) begin
      top_d = T_IDLE; l_st_d = L_IDLE; c_st_d = C_IDLE;
      s1_d = 1'b0; res_d = 1'b0; shd_full_d = 1'b0; a_valid_d = 1'b0; bank_full_d = '0; c_ph_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      top_q <= T_IDLE; blk_q <= '0; fblk_q <= '0; bacc_q <= '0; m_q <= '0;
      u_q <= '0; u_rq_q <= '0; u_got_q <= '0; u_bt_q <= '0; tok_q <= '0;
      a_valid_q <= 1'b0; a_rows_q <= '0; bank_full_q <= '0;
      bias_q <= '0; gelu_q <= '0;
      l_st_q <= L_IDLE; l_i0_q <= '0; l_c0_q <= '0; l_bank_q <= 1'b0; l_apend_q <= 1'b0;
      l_ri_q <= '0; l_ci_q <= '0; l_w_q <= '0;
      l_addr_q <= '0; l_bcol_q <= '0; l_arow_q <= '0; l_lane_q <= '0; l_abase_q <= '0;
      c_st_q <= C_IDLE; c_i0_q <= '0; c_c0_q <= '0; c_row_q <= '0; kk_q <= '0;
      c_bank_q <= 1'b0; c_ph_q <= 1'b0; c_abase_q <= '0; c_oblk_q <= '0; c_orow_q <= '0;
      s1_q <= 1'b0; first1_q <= 1'b0; last1_q <= 1'b0; kk1_q <= '0; meta1_q <= '0;
      res_q <= 1'b0; res_meta_q <= '0;
      shd_full_q <= 1'b0; sh_meta_q <= '0;
      e_rq_q <= '0; e_row_q <= '0; e_w_q <= '0; e_addr_q <= '0;
    end else begin
      top_q <= top_d; blk_q <= blk_d; fblk_q <= fblk_d; bacc_q <= bacc_d; m_q <= m_d;
      u_q <= u_d; u_rq_q <= u_rq_d; u_got_q <= u_got_d; u_bt_q <= u_bt_d; tok_q <= tok_d;
      a_valid_q <= a_valid_d; a_rows_q <= a_rows_d; bank_full_q <= bank_full_d;
      bias_q <= bias_d; gelu_q <= gelu_d;
      l_st_q <= l_st_d; l_i0_q <= l_i0_d; l_c0_q <= l_c0_d; l_bank_q <= l_bank_d; l_apend_q <= l_apend_d;
      l_ri_q <= l_ri_d; l_ci_q <= l_ci_d; l_w_q <= l_w_d;
      l_addr_q <= l_addr_d; l_bcol_q <= l_bcol_d; l_arow_q <= l_arow_d;
      l_lane_q <= l_lane_d; l_abase_q <= l_abase_d;
      c_st_q <= c_st_d; c_i0_q <= c_i0_d; c_c0_q <= c_c0_d; c_row_q <= c_row_d; kk_q <= kk_d;
      c_bank_q <= c_bank_d; c_ph_q <= c_ph_d; c_abase_q <= c_abase_d; c_oblk_q <= c_oblk_d; c_orow_q <= c_orow_d;
      s1_q <= s1_d; first1_q <= first1_d; last1_q <= last1_d; kk1_q <= kk1_d; meta1_q <= meta1_d;
      res_q <= res_d; res_meta_q <= res_meta_d;
      shd_full_q <= shd_full_d; sh_meta_q <= sh_meta_d;
      e_rq_q <= e_rq_d; e_row_q <= e_row_d; e_w_q <= e_w_d; e_addr_q <= e_addr_d;
    end
  end

  // The shadow buffer has no reset (a data register, written before it is read).
  always_ff @(posedge clk_i) begin
    shd_q <= shd_d;
  end

  assign busy_o        = (top_q != T_IDLE);
  assign mac_inc_o     = s1_q ? 16'(32'(meta1_q.rows) * (32'(meta1_q.cols) + 32'(meta1_q.cols2))) : 16'd0;
  assign xmac_inc_o    = s1_q ? 16'(MR * MC) : 16'd0;
  // The A row the loader requests (kvs: the leader whose mask is requested).
  assign row_idx_o     = (top_q == T_UMASK) ? u_rq_q : (r0_i + l_i0_q + l_ri_q);
  assign wr_req_addr_o = kvs_on ? (sh_meta_q.oaddr + (e_rq2 ? AW'(32'(MC) * 32'(esz)) : '0) +
                                   AW'(32'(e_tok) * ldo_i)) : e_addr_q;
  assign wr_req_len_o  = LW'((e_rq2 ? 32'(sh_meta_q.cols2) : 32'(sh_meta_q.cols)) * 32'(esz));
  assign wr_data_o     = (epi_i == esact_types_pkg::EPI_RAW) ? vbeat :
                         ((epi_i == esact_types_pkg::EPI_GELU) ? DW'(grow) : DW'(qrow));

`ifndef SYNTHESIS
  // A finished tile is never overwritten before it is captured.
  assert property (@(posedge clk_i) disable iff (!rst_ni) (res_q && shd_full_q) |-> !(s1_q && first1_q))
    else $error("esact_gemm: accumulators reused before capture");
  // SPLS key rows: every A row is a key of U below m (tok_next never runs out).
  a_kvs_tok: assert property (@(posedge clk_i) disable iff (!rst_ni) tok_we |-> (32'(tok_q) < 32'(m_i)))
    else $error("esact_gemm: key row token %0d is not a key of U below m = %0d", tok_q, m_i);
  // A mask beat only while masks are outstanding.
  a_kvs_mask: assert property (@(posedge clk_i) disable iff (!rst_ni)
                               (top_q == T_UMASK && rd_data_valid_i) |-> (u_got_q < u_rq_q))
    else $error("esact_gemm: a mask beat with no mask request outstanding");
  // Every tile reads a B bank that holds its column tile and that no tile in
  // flight will free; a split tile both banks.
  a_tile_bank: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                (buf_re && kk_q == '0) |-> (bank_full_q[c_bank_q] && !rel_pend[c_bank_q]))
    else $error("esact_gemm: tile at row %0d col %0d reads B bank %0d before it holds the tile",
                c_row_q, c_c0_q, c_bank_q);
  a_split_banks: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                  (buf_re && kk_q == '0 && c_split) |-> (bank_full_q == 2'b11 && rel_pend == '0))
    else $error("esact_gemm: split tile at row %0d col %0d without both B banks", c_row_q, c_c0_q);
  // A split tile has at most MR/2 rows and a second column tile.
  a_split_geom: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                 (s1_q && meta1_q.split) |-> (32'(meta1_q.rows) <= MR / 2 && meta1_q.cols2 != '0))
    else $error("esact_gemm: split tile of %0d rows, %0d second columns", meta1_q.rows, meta1_q.cols2);
  // The loader writes only a free bank; a tile frees only a full one.
  a_bank_wr: assert property (@(posedge clk_i) disable iff (!rst_ni)
                              (bt_we || bn_we) |-> !bank_full_q[l_bank_q])
    else $error("esact_gemm: B bank %0d written while it holds a column tile", l_bank_q);
  a_bank_rel: assert property (@(posedge clk_i) disable iff (!rst_ni)
                               (res_q && !shd_full_q && (res_meta_q.rel || res_meta_q.rel2)) |->
                               ((!res_meta_q.rel || bank_full_q[res_meta_q.bank]) &&
                                (!res_meta_q.rel2 || bank_full_q[!res_meta_q.bank])))
    else $error("esact_gemm: a tile frees a B bank that holds no column tile");
  // The epilogue reads shadow rows of the tile only (a split tile: 0.. and MR/2..).
  a_epi_row: assert property (@(posedge clk_i) disable iff (!rst_ni)
                              (shd_full_q && e_row_q < e_rq_q) |-> (32'(e_rowi) < (sh_meta_q.split ? MR / 2 : MR)))
    else $error("esact_gemm: epilogue row %0d outside the tile", e_row_q);
  // k fits the B buffer, and one row tile of it fits the A buffer.
  assert property (@(posedge clk_i) disable iff (!rst_ni) (start_i && top_q == T_IDLE) |-> (32'(k_i) <= KC))
    else $error("esact_gemm: k = %0d exceeds KC = %0d", k_i, KC);
  initial begin
    assert (MC * 8 == DW) else $fatal(1, "esact_gemm: MC * 8 must equal DW");
    assert (AB >= KC) else $fatal(1, "esact_gemm: the A buffer must hold one row of KC bytes per lane");
    assert ((1 << RW) == MR) else $fatal(1, "esact_gemm: MR must be a power of two");
    assert (MR >= 2) else $fatal(1, "esact_gemm: split tiles need MR >= 2");
  end
`endif

endmodule
