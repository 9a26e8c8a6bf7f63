// ESACT residual + integer LayerNorm row unit (docs/spec.md 2.2, 2.4), memory to memory.
//
// For each of rows_i rows of d_i int8 values (row stride stride_i bytes):
//   r = in1 + in2 (in2_en_i) or r = in1                         (exact, |r| < 2^10)
//   mode_ln_i = 0: out = sat8(in1 + in2)                         (pre-LN residual)
//   mode_ln_i = 1: out = LN(r) per spec 2.4:
//     s1 = sum r, s2 = sum r^2, V = D s2 - s1^2, sig = max(1, isqrt(V)),
//     iota = floor(2^30 / sig), n = rshr((D r - s1) iota, 20),
//     out = rq(n gamma + beta, M, S)   (64-bit accumulator)
// gamma (int16) and beta (int32) are loaded once per call.  Rows run through
// four pipeline stages on consecutive rows, each row in one of RB r banks
// (RB = 4), with the read requests of up to AHEAD rows issued ahead:
//   FRONT  in1 is buffered, in2 streams against it (one beat per cycle):
//          r into a free r bank, s1 and s2 on the fly (sat8 mode: the
//          output row is written here, as in2 streams);
//   SQRT   sig = max(1, isqrt(V)) of a bank's sums (5 cycles);
//   DIV    iota = floor(2^30 / sig) (8 cycles), LN_STATS_STEPS = 4 result
//          bits per cycle in both; SQRT works on the next bank meanwhile;
//   OUT    DW/16 outputs per cycle from the bank (one gamma word and two
//          beta words, the beta buffer in two banks), packed into beats.
// FRONT reads in1's first beat back beside the write of its last one (no
// extra cycle when the bank is free and the row has two beats or more), and
// OUT starts the next row in the cycle of a row's last beat when the call's
// single request covers it.  So a LayerNorm row costs about max(2 d / 16,
// d / 8 + 1, 9) cycles (FRONT and OUT both about 2 d / 16: one row's two
// operands on the read bus, its outputs on eight chains; the divider bounds
// short rows: 10.3 cycles measured at d = 64, 8.6 for a sat8 row; 18.8 and
// 11.5 with the two r banks and one statistics stage before session 20)
// instead of their sum plus the read latency.  Rows back to back in whole
// beats (stride = d) are written with one request for the call (see one_req).
// SPLS row reuse (SPLS = 1 and lead_en_i): the leader table (uint32 per row,
// the ordinal of the row's leader in bits 30:16) is read once into a buffer,
// and row r's in2 is read at in2 + ord(r) * stride: in2 holds one row per
// leader (compact, computed on the leader rows only) and a follower adds its
// leader's Z (or Z2).
// SPLS leader rows (SPLS = 1 and gather_i): row r's in1 is read at
// in1 + list[r0 + r] * stride (the leader list, looked up through
// row_idx_o / row_i), in2 and the output compact: the pre-LN LN2(H) on the
// leader rows only, the rows the FFN reads with ffn_reuse.
module esact_layernorm #(
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
  parameter int unsigned SPLS  = 0,                 // 1: lead_en_i is honoured
  parameter int unsigned D_MAX = esact_pkg::D_MAX,
  parameter int unsigned DW    = esact_pkg::AXI_DW,
  parameter int unsigned AW    = esact_pkg::AXI_AW,
  parameter int unsigned LW    = esact_types_pkg::REQ_LEN_W
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,
  input  logic          abort_i,
  input  logic          mode_ln_i,
  input  logic          in2_en_i,
  input  logic [AW-1:0] in1_addr_i,
  input  logic [AW-1:0] in2_addr_i,
  input  logic [AW-1:0] out_addr_i,
  input  logic [31:0]   stride_i,
  input  logic [15:0]   rows_i,
  input  logic [15:0]   d_i,          // 1..D_MAX
  input  logic [AW-1:0] gamma_addr_i,
  input  logic [AW-1:0] beta_addr_i,
  input  logic [15:0]   m_i,
  input  logic [5:0]    s_i,
  input  logic          lead_en_i,    // SPLS: in2 rows through the leader table
  input  logic [AW-1:0] lead_addr_i,
  input  logic          gather_i,     // SPLS: in1 rows through the leader list
  input  logic [15:0]   r0_i,         // first leader ordinal of row 0
  output logic [15:0]   row_idx_o,    // leader list lookup: ordinal ...
  input  logic [15:0]   row_i,        // ... its row (combinational)
  output logic          busy_o,
  output logic          done_o,
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

  localparam int unsigned BB   = DW / 8;     // int8 per beat
  localparam int unsigned GPB  = DW / 16;    // gamma per beat
  localparam int unsigned BPB  = DW / 32;    // beta per beat
  localparam int unsigned XD   = (D_MAX + BB - 1) / BB;
  localparam int unsigned GD   = (D_MAX + GPB - 1) / GPB;
  localparam int unsigned XAW  = (XD > 1) ? $clog2(XD) : 1;
  localparam int unsigned GAW  = (GD > 1) ? $clog2(GD) : 1;
  localparam int unsigned BBW  = $clog2(BB);
  localparam int unsigned LN_L = GPB;        // LayerNorm outputs per cycle: one gamma word,
                                             // two beta words (one per beta bank)
  localparam int unsigned AHEAD = 4;         // rows whose reads are issued before FRONT takes them
                                             // (2 left a small-D sat8 row waiting for its read latency)
  localparam int unsigned RB  = 4;           // r banks: rows between FRONT and OUT (2 left the
                                             // statistics' latency exposed: 18.8 cycles per row at d = 64)
  localparam int unsigned RBW = $clog2(RB);

  // Per r bank: free, holds r and the sums (for SQRT), holds sig too (for
  // DIV), holds iota too (for OUT).
  localparam logic [1:0] RB_FREE = 2'd0, RB_SUMS = 2'd1, RB_IOTA = 2'd2, RB_SIG = 2'd3;

  typedef enum logic [3:0] { T_IDLE, T_LREQ, T_LLOAD, T_GREQ, T_GLOAD, T_BREQ, T_BLOAD, T_RUN, T_DONE } top_e;
  // Read requests of a row: in1, (leader table: in2's address), in2.
  typedef enum logic [1:0] { R_IN1, R_ADDR, R_IN2 } rqs_e;
  typedef enum logic [1:0] { F_X, F_OREQ, F_ZPRE, F_Z } front_e;
  typedef enum logic { O_WAIT, O_OUT } out_e;

  top_e top_q, top_d;
  logic [15:0] beat_q, beat_d;                // parameter load / FRONT beat
  logic [15:0] nbeats, ngrp;
  assign nbeats = (d_i + 16'(BB - 1)) >> BBW;
  assign ngrp   = (d_i + 16'(LN_L - 1)) / 16'(LN_L);   // output groups of LN_L per row

  // Read requests: per row in1, then in2.
  logic [15:0]   rq_row_q, rq_row_d;
  rqs_e          rq_z_q, rq_z_d;
  logic          lead_on;                     // this command reads in2 through the leader table
  logic          l_we, l_re;                  // leader buffer
  logic [15:0]   l_src;                       // leader ordinal of row rq_row (read the cycle before)
  assign lead_on = (SPLS != 0) && lead_en_i && in2_en_i;
  logic [AW-1:0] rq_in1_q, rq_in1_d, rq_in2_q, rq_in2_d;
  logic          gather_on;                   // this command reads in1 through the leader list
  logic [AW-1:0] rq_in1;                      // in1 address of row rq_row
  assign gather_on = (SPLS != 0) && gather_i;
  assign row_idx_o = r0_i + rq_row_q;
  assign rq_in1    = gather_on ? in1_addr_i + AW'(32'(row_i) * stride_i) : rq_in1_q;

  // FRONT.
  front_e        f_st_q, f_st_d;
  logic [15:0]   f_row_q, f_row_d;
  logic [RBW-1:0] f_rb_q, f_rb_d;
  logic [AW-1:0] f_out_q, f_out_d;            // sat8 mode: output row
  logic signed [63:0] sum1_q, sum1_d, sum2_q, sum2_d;

  // r banks.
  logic [2*RB-1:0]  rst_q, rst_d;
  logic [64*RB-1:0] bsum1_q, bsum1_d, bsum2_q, bsum2_d;  // s1, s2 per bank (int64)
  logic [20*RB-1:0] bsig_q, bsig_d;                      // sig per bank (<= 2^20 - 1)
  logic [31*RB-1:0] biota_q, biota_d;                    // iota per bank (31 bits)

  // SQRT and DIV: the stage runs (its unit busy) on bank *_rb.
  logic           q_run_q, q_run_d, v_run_q, v_run_d;
  logic [RBW-1:0] q_rb_q, q_rb_d, v_rb_q, v_rb_d;

  // OUT.
  out_e          o_st_q, o_st_d;
  logic [15:0]   o_rows_q, o_rows_d;
  logic [RBW-1:0] o_rb_q, o_rb_d;
  logic [AW-1:0] o_out_q, o_out_d;
  logic [15:0]   j_q, j_d, j1_q, j1_d;
  logic          s1v_q, s1v_d;
  logic [DW-1:0] obeat_q, obeat_d;
  logic          ofull_q, ofull_d, olast_q, olast_d;

  // Buffers.
  logic            x_we, x_re, r_we, r_re, g_we, g_re, b_we, b_re;
  logic [XAW-1:0]  x_raddr;
  logic [XAW+RBW-1:0] r_waddr, r_raddr;
  logic [DW-1:0]   x_rdata, g_rdata;
  logic [2*DW-1:0] b_rdata;                   // beta of one output group: bank 1, bank 0
  logic [BB*16-1:0] r_wdata, r_rdata;
  logic [GAW-1:0]  g_raddr;                   // gamma word = beta word of both banks = group

  esact_sram #(.WIDTH(DW), .DEPTH(XD)) u_x (
    .clk_i, .we_i(x_we), .waddr_i(XAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(x_re), .raddr_i(x_raddr), .rdata_o(x_rdata));
  esact_sram #(.WIDTH(BB*16), .DEPTH(RB << XAW)) u_r (
    .clk_i, .we_i(r_we), .waddr_i(r_waddr), .wdata_i(r_wdata), .wbe_i({(BB*2){1'b1}}),
    .re_i(r_re), .raddr_i(r_raddr), .rdata_o(r_rdata));
  esact_sram #(.WIDTH(DW), .DEPTH(GD)) u_g (
    .clk_i, .we_i(g_we), .waddr_i(GAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(g_re), .raddr_i(g_raddr), .rdata_o(g_rdata));
  // beta (int32, BPB per beat): beat 2w + k in word w of bank k, so that one
  // read of both banks gives the LN_L = 2 BPB betas of output group w.
  for (genvar k = 0; k < 2; k++) begin : g_beta
    esact_sram #(.WIDTH(DW), .DEPTH(GD)) u_b (
      .clk_i, .we_i(b_we && beat_q[0] == 1'(k)), .waddr_i(GAW'(beat_q >> 1)), .wdata_i(rd_data_i),
      .wbe_i({(DW/8){1'b1}}), .re_i(b_re), .raddr_i(g_raddr), .rdata_o(b_rdata[k*DW +: DW]));
  end

  // Leader buffer (SPLS): the table's beats as read, LPB entries per beat.
  if (SPLS != 0) begin : g_lead
    localparam int unsigned LPB = DW / 32;
    localparam int unsigned LD  = (N_MAX + LPB - 1) / LPB;
    localparam int unsigned LAW = (LD > 1) ? $clog2(LD) : 1;
    logic [DW-1:0] l_rdata;
    logic [15:0]   l_sel_q;                   // entry within the beat read
    esact_sram #(.WIDTH(DW), .DEPTH(LD)) u_lead (
      .clk_i, .we_i(l_we), .waddr_i(LAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
      .re_i(l_re), .raddr_i(LAW'(32'(rq_row_q) / LPB)), .rdata_o(l_rdata));
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) l_sel_q <= '0;
      else if (l_re) l_sel_q <= 16'(32'(rq_row_q) % LPB);
    end
    assign l_src = {1'b0, l_rdata[32'(l_sel_q) * 32 + 16 +: 15]};   // the leader's ordinal
    logic unused_lead;
    assign unused_lead = ^l_rdata;
  end else begin : g_nolead
    assign l_src = '0;
    logic unused_lead;
    assign unused_lead = ^{l_we, l_re, lead_addr_i};
  end

  // Residual of one beat: r = x + z (z = 0 without in2); its sums; the sat8 beat.
  logic [DW-1:0]      zbeat, satbeat;
  logic signed [63:0] bs1, bs2;
  assign zbeat = in2_en_i ? rd_data_i : '0;
  logic [BB*32-1:0] rsq;   // r^2 per lane (< 2^20)
  for (genvar i = 0; i < BB; i++) begin : g_res
    logic signed [15:0] r;
    assign r = 16'($signed(x_rdata[i*8 +: 8])) + 16'($signed(zbeat[i*8 +: 8]));
    assign r_wdata[i*16 +: 16] = r;
    assign rsq[i*32 +: 32]     = 32'(32'(r) * 32'(r));
    assign satbeat[i*8 +: 8]   = (r > 16'sd127) ? 8'h7f : ((r < -16'sd128) ? 8'h80 : r[7:0]);
  end
  always_comb begin
    bs1 = '0;
    bs2 = '0;
    for (int unsigned i = 0; i < BB; i++) begin
      if (32'(beat_q) * BB + i < 32'(d_i)) begin
        bs1 = bs1 + 64'($signed(r_wdata[i*16 +: 16]));
        bs2 = bs2 + 64'(rsq[i*32 +: 32]);
      end
    end
  end

  // Statistics: SQRT starts on bank q_nxt (the next one in order once its
  // unit is free: the cycle of a done pulse too), DIV on bank v_nxt.
  logic signed [63:0] s_sum1, s_sum2, var_v;
  logic               sq_start, sq_done, dv_start, dv_done, sq_busy, dv_busy;
  logic [31:0]        root;
  logic [30:0]        iota;
  logic [19:0]        sig;
  logic [RBW-1:0]     q_nxt, v_nxt;
  assign q_nxt  = (q_run_q && sq_done) ? q_rb_q + RBW'(1) : q_rb_q;
  assign v_nxt  = (v_run_q && dv_done) ? v_rb_q + RBW'(1) : v_rb_q;
  assign s_sum1 = $signed(bsum1_q[32'(q_nxt) * 64 +: 64]);
  assign s_sum2 = $signed(bsum2_q[32'(q_nxt) * 64 +: 64]);
  assign var_v  = 64'(d_i) * s_sum2 - s_sum1 * s_sum1;
  assign sig    = (root == 32'd0) ? 20'd1 : root[19:0];

  // ST result bits per cycle each: isqrt of the variance's VW bits (V <= D s2
  // < 2^10 x 2^30 by the spec's bounds: |r| < 2^10, D <= 1024; asserted) in
  // VW / (2 ST) = 5 cycles, floor(2^30 / sig) as a 32-bit division in 32 / ST = 8.
  localparam int unsigned VW = 40;
  localparam int unsigned ST = esact_pkg::LN_STATS_STEPS;
  logic [VW/2-1:0] root_v;
  logic [31:0]     quot;
  esact_isqrt #(.W(VW), .STEPS(ST)) u_isqrt (
    .clk_i, .rst_ni, .start_i(sq_start), .value_i(var_v[VW-1:0]), .busy_o(sq_busy), .done_o(sq_done),
    .root_o(root_v));
  assign root = 32'(root_v);
  esact_div #(.W(32), .STEPS(ST)) u_div (
    .clk_i, .rst_ni, .start_i(dv_start), .dividend_i(32'h4000_0000), .divisor_i(32'(bsig_q[32'(v_nxt) * 20 +: 20])),
    .busy_o(dv_busy), .done_o(dv_done), .quotient_o(quot));
  assign iota = quot[30:0];   // <= 2^30
  logic unused_stats;
  assign unused_stats = ^{var_v[63:VW], quot[31]};

  // Output group j1 of bank o_rb (elements LN_L * j1 + i, LN_L = DW / 16 per cycle):
  // n = rshr((D r - s1) iota, 20); y = rq(n gamma + beta).
  // Widths from the spec's bounds (|r| < 2^10, D <= 1024): |c| < 2^21,
  // |c iota| < 2^52, |n| < 2^32, |n gamma + beta| < 2^48; the golden model's
  // int64 values fit, so the results are identical.
  logic [23:0]       o_sum1;
  logic [30:0]       o_iota;
  logic [LN_L*8-1:0] y_grp;
  assign o_sum1 = bsum1_q[32'(o_rb_q) * 64 +: 24];
  assign o_iota = biota_q[32'(o_rb_q) * 31 +: 31];
  for (genvar i = 0; i < LN_L; i++) begin : g_out
    logic signed [15:0] r_j, g_j;
    logic signed [31:0] b_j;
    logic signed [23:0] c_j;
    logic signed [55:0] ci, acc_j;
    logic signed [39:0] n_j;
    logic signed [7:0]  y_j;
    assign r_j   = $signed(r_rdata[((32'(j1_q) % (BB / LN_L)) * LN_L + i) * 16 +: 16]);
    assign g_j   = $signed(g_rdata[i * 16 +: 16]);     // one gamma word per group
    assign b_j   = $signed(b_rdata[i * 32 +: 32]);
    assign c_j   = $signed(24'(d_i)) * 24'(r_j) - o_sum1;
    assign ci    = 56'(c_j) * $signed({25'd0, o_iota});
    assign n_j   = 40'((ci + 56'sd524288) >>> 20);
    assign acc_j = 56'(n_j) * 56'(g_j) + 56'(b_j);
    esact_requant #(.IN_W(56)) u_rq (.acc_i(acc_j), .m_i, .s_i, .q_o(y_j));
    assign y_grp[i*8 +: 8] = y_j;
  end

  // Read requests (valid, address, length: independent of the ready).
  logic rq_open;   // T_RUN: the next row's requests may go out
  assign rq_open = top_q == T_RUN && rq_row_q < rows_i && 32'(rq_row_q) < 32'(f_row_q) + AHEAD;
  always_comb begin
    rd_req_valid_o = 1'b0;
    rd_req_addr_o  = rq_in1_q;
    rd_req_len_o   = LW'(d_i);
    unique case (top_q)
      T_LREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = lead_addr_i; rd_req_len_o = LW'(32'(rows_i) * 4);
      end
      T_GREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = gamma_addr_i; rd_req_len_o = LW'(32'(d_i) * 2);
      end
      T_BREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = beta_addr_i; rd_req_len_o = LW'(32'(d_i) * 4);
      end
      T_RUN: begin
        rd_req_valid_o = rq_open && rq_z_q != R_ADDR;
        rd_req_addr_o  = (rq_z_q == R_IN2) ? rq_in2_q : rq_in1;
      end
      default: ;
    endcase
  end

  // One write request for the whole call when the output rows are contiguous
  // whole beats (stride = d, d a multiple of the beat): the write stage holds a
  // request's last beat at the unit until the engine has issued its address, so
  // a request per short row stalled OUT (or sat8's FRONT) for that round trip
  // in every row.  Otherwise one request per row.
  logic one_req;
  assign one_req = stride_i == 32'(d_i) && d_i[BBW-1:0] == '0;

  logic o_covered;  // OUT: the call's request covers this row (no request of its own)
  assign o_covered = one_req && o_rows_q != '0;

  logic f_zok;     // FRONT: the in2 beat (or none) and, in sat8 mode, the write port
  assign f_zok = (!in2_en_i || rd_data_valid_i) && (mode_ln_i || wr_data_ready_i);

  always_comb begin
    top_d = top_q; beat_d = beat_q;
    rq_row_d = rq_row_q; rq_z_d = rq_z_q; rq_in1_d = rq_in1_q; rq_in2_d = rq_in2_q;
    f_st_d = f_st_q; f_row_d = f_row_q; f_rb_d = f_rb_q; f_out_d = f_out_q;
    sum1_d = sum1_q; sum2_d = sum2_q;
    rst_d = rst_q; bsum1_d = bsum1_q; bsum2_d = bsum2_q; bsig_d = bsig_q; biota_d = biota_q;
    q_run_d = q_run_q; q_rb_d = q_rb_q; v_run_d = v_run_q; v_rb_d = v_rb_q;
    o_st_d = o_st_q; o_rows_d = o_rows_q; o_rb_d = o_rb_q; o_out_d = o_out_q;
    j_d = j_q; j1_d = j1_q; s1v_d = 1'b0;
    obeat_d = obeat_q; ofull_d = ofull_q; olast_d = olast_q;
    x_we = 1'b0; x_re = 1'b0; r_we = 1'b0; r_re = 1'b0; l_we = 1'b0; l_re = 1'b0;
    g_we = 1'b0; g_re = 1'b0; b_we = 1'b0; b_re = 1'b0;
    x_raddr = '0;
    r_waddr = {f_rb_q, XAW'(beat_q)};
    r_raddr = {o_rb_q, XAW'(32'(j_q) / (BB / LN_L))};
    g_raddr = GAW'(j_q);
    sq_start = 1'b0; dv_start = 1'b0;
    rd_data_ready_o = 1'b0;
    wr_req_valid_o = 1'b0; wr_req_addr_o = o_out_q;
    wr_data_valid_o = ofull_q;
    wr_data_o = obeat_q;
    done_o = 1'b0;

    // --- top: gamma and beta once, then the row pipeline -----------------------
    unique case (top_q)
      T_IDLE: begin
        if (start_i) begin
          rq_row_d = '0; rq_z_d = R_IN1; rq_in1_d = in1_addr_i; rq_in2_d = in2_addr_i;
          f_st_d = F_X; f_row_d = '0; f_rb_d = '0; f_out_d = out_addr_i;
          rst_d = '0; q_run_d = 1'b0; q_rb_d = '0; v_run_d = 1'b0; v_rb_d = '0;
          o_st_d = O_WAIT; o_rows_d = '0; o_rb_d = '0; o_out_d = out_addr_i;
          beat_d = '0;
          top_d = lead_on ? T_LREQ : (mode_ln_i ? T_GREQ : T_RUN);
        end
      end
      T_LREQ: begin
        if (rd_req_ready_i) begin beat_d = '0; top_d = T_LLOAD; end
      end
      T_LLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          l_we = 1'b1; beat_d = beat_q + 16'd1;
          if ((32'(beat_q) + 32'd1) * (DW / 32) >= 32'(rows_i)) begin
            beat_d = '0;
            top_d = mode_ln_i ? T_GREQ : T_RUN;
          end
        end
      end
      T_GREQ: begin
        if (rd_req_ready_i) begin beat_d = '0; top_d = T_GLOAD; end
      end
      T_GLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          g_we = 1'b1; beat_d = beat_q + 16'd1;
          if ((32'(beat_q) + 32'd1) * GPB >= 32'(d_i)) top_d = T_BREQ;
        end
      end
      T_BREQ: begin
        if (rd_req_ready_i) begin beat_d = '0; top_d = T_BLOAD; end
      end
      T_BLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          b_we = 1'b1; beat_d = beat_q + 16'd1;
          if ((32'(beat_q) + 32'd1) * BPB >= 32'(d_i)) begin beat_d = '0; top_d = T_RUN; end
        end
      end
      T_RUN: begin
        if (mode_ln_i ? (o_rows_q == rows_i) : (f_row_q == rows_i)) top_d = T_DONE;
      end
      T_DONE: begin
        done_o = 1'b1;
        top_d = T_IDLE;
      end
      default: top_d = T_IDLE;
    endcase

    // --- read requests: in1 and in2 of each row, up to AHEAD rows ahead -------
    // (SPLS leader table: the row's entry is read with its in1 request, its
    // in2 address computed in R_ADDR.)
    if (rq_open) begin
      unique case (rq_z_q)
        R_IN1: begin
          l_re           = lead_on;
          if (rd_req_ready_i) begin
            rq_in1_d = rq_in1_q + AW'(stride_i);
            if (!in2_en_i) begin
              rq_row_d = rq_row_q + 16'd1;
            end else begin
              rq_z_d = lead_on ? R_ADDR : R_IN2;
            end
          end
        end
        R_ADDR: begin
          rq_in2_d = in2_addr_i + AW'(32'(l_src) * stride_i);
          rq_z_d   = R_IN2;
        end
        R_IN2: begin
          if (rd_req_ready_i) begin
            rq_z_d   = R_IN1;
            rq_row_d = rq_row_q + 16'd1;
            rq_in2_d = rq_in2_q + AW'(stride_i);
          end
        end
        default: rq_z_d = R_IN1;
      endcase
    end

    // --- FRONT ------------------------------------------------------------------
    if (top_q == T_RUN && f_row_q < rows_i) begin
      unique case (f_st_q)
        F_X: begin
          rd_data_ready_o = 1'b1;
          if (rd_data_valid_i) begin
            x_we = 1'b1; beat_d = beat_q + 16'd1;
            if (beat_q + 16'd1 == nbeats) begin
              beat_d = '0;
              // (sat8: no request of its own when the call's request covers the row)
              if (!mode_ln_i && !(one_req && f_row_q != '0)) begin
                f_st_d = F_OREQ;
              end else if (nbeats != 16'd1 && (!mode_ln_i || rst_q[32'(f_rb_q) * 2 +: 2] == RB_FREE)) begin
                // F_ZPRE's work now: x beat 0 (written before this beat) is read
                // beside the write of the last one, and the bank is free.
                x_re = 1'b1; x_raddr = '0;
                sum1_d = '0; sum2_d = '0;
                f_st_d = F_Z;
              end else begin
                f_st_d = F_ZPRE;
              end
            end
          end
        end
        F_OREQ: begin  // sat8 mode: the output row is written while in2 streams
          wr_req_valid_o = 1'b1; wr_req_addr_o = f_out_q;
          if (wr_req_ready_i) f_st_d = F_ZPRE;
        end
        F_ZPRE: begin
          // LayerNorm: r goes into bank f_rb once OUT has freed it.  Read x beat 0.
          if (!mode_ln_i || rst_q[32'(f_rb_q) * 2 +: 2] == RB_FREE) begin
            x_re = 1'b1; x_raddr = '0;
            sum1_d = '0; sum2_d = '0;
            f_st_d = F_Z;
          end
        end
        F_Z: begin
          // x_rdata holds in1's beat beat_q; combine with in2's beat (or zeros)
          // and read the next x beat.
          rd_data_ready_o = in2_en_i && (mode_ln_i || wr_data_ready_i);
          if (!mode_ln_i) begin
            wr_data_valid_o = !in2_en_i || rd_data_valid_i;
            wr_data_o       = satbeat;
          end
          if (f_zok) begin
            r_we   = mode_ln_i;
            sum1_d = sum1_q + bs1;
            sum2_d = sum2_q + bs2;
            beat_d = beat_q + 16'd1;
            x_re   = 1'b1; x_raddr = XAW'(beat_q + 16'd1);
            if (beat_q + 16'd1 == nbeats) begin
              // The row's last beat: hand the bank (r and the sums) to SQRT.
              if (mode_ln_i) begin
                rst_d[32'(f_rb_q) * 2 +: 2] = RB_SUMS;
                bsum1_d[32'(f_rb_q) * 64 +: 64] = sum1_d;
                bsum2_d[32'(f_rb_q) * 64 +: 64] = sum2_d;
                f_rb_d = f_rb_q + RBW'(1);
              end
              f_row_d = f_row_q + 16'd1;
              f_out_d = f_out_q + AW'(stride_i);
              beat_d  = '0;
              f_st_d  = F_X;
            end
          end
        end
        default: f_st_d = F_X;
      endcase
    end

    // --- SQRT, then DIV: each takes the next bank in order in its done cycle ----
    if (q_run_q && sq_done) begin
      bsig_d[32'(q_rb_q) * 20 +: 20] = sig;
      rst_d[32'(q_rb_q) * 2 +: 2] = RB_SIG;
      q_rb_d = q_nxt; q_run_d = 1'b0;
    end
    if ((!q_run_q || sq_done) && top_q == T_RUN && rst_q[32'(q_nxt) * 2 +: 2] == RB_SUMS) begin
      sq_start = 1'b1;
      q_rb_d = q_nxt; q_run_d = 1'b1;
    end
    if (v_run_q && dv_done) begin
      biota_d[32'(v_rb_q) * 31 +: 31] = iota;
      rst_d[32'(v_rb_q) * 2 +: 2] = RB_IOTA;
      v_rb_d = v_nxt; v_run_d = 1'b0;
    end
    if ((!v_run_q || dv_done) && top_q == T_RUN && rst_q[32'(v_nxt) * 2 +: 2] == RB_SIG) begin
      dv_start = 1'b1;
      v_rb_d = v_nxt; v_run_d = 1'b1;
    end

    // --- OUT ----------------------------------------------------------------------
    unique case (o_st_q)
      O_WAIT: begin
        // The write request goes first; the first group is read with it.
        if (top_q == T_RUN && rst_q[32'(o_rb_q) * 2 +: 2] == RB_IOTA) begin
          wr_req_valid_o = !o_covered;
          wr_req_addr_o  = o_out_q;
          if (wr_req_ready_i || o_covered) begin
            r_re = 1'b1; g_re = 1'b1; b_re = 1'b1;
            r_raddr = {o_rb_q, XAW'(0)}; g_raddr = '0;
            s1v_d = 1'b1; j1_d = '0; j_d = 16'd1;
            ofull_d = 1'b0; obeat_d = '0;
            o_st_d = O_OUT;
          end
        end
      end
      O_OUT: begin
        if (ofull_q && wr_data_ready_i) begin
          ofull_d = 1'b0;
          if (olast_q) begin
            rst_d[32'(o_rb_q) * 2 +: 2] = RB_FREE;
            o_rb_d   = o_rb_q + RBW'(1);
            o_rows_d = o_rows_q + 16'd1;
            o_out_d  = o_out_q + AW'(stride_i);
            o_st_d   = O_WAIT;
            // The next row's iota is there and the call's request covers it:
            // its first group is read now (O_WAIT's work, without the cycle).
            if (one_req && rst_q[32'(o_rb_d) * 2 +: 2] == RB_IOTA) begin
              r_re = 1'b1; g_re = 1'b1; b_re = 1'b1;
              r_raddr = {o_rb_d, XAW'(0)}; g_raddr = '0;
              s1v_d = 1'b1; j1_d = '0; j_d = 16'd1;
              obeat_d = '0;
              o_st_d = O_OUT;
            end
          end
        end
        if (s1v_q && ofull_q && !wr_data_ready_i) begin
          s1v_d = 1'b1;                      // hold stage 1 (SRAM outputs hold too)
        end else begin
          if (s1v_q) begin
            obeat_d[(32'(j1_q) % (BB / LN_L)) * LN_L * 8 +: LN_L * 8] = y_grp;
            if (32'(j1_q) % (BB / LN_L) == BB / LN_L - 1 || j1_q == ngrp - 16'd1) begin
              ofull_d = 1'b1;
              olast_d = (j1_q == ngrp - 16'd1);
            end
          end
          if (j_q < ngrp) begin
            r_re = 1'b1; g_re = 1'b1; b_re = 1'b1;
            s1v_d = 1'b1; j1_d = j_q; j_d = j_q + 16'd1;
          end
        end
      end
      default: o_st_d = O_WAIT;
    endcase

    if (abort_i) begin
      top_d = T_IDLE; q_run_d = 1'b0; v_run_d = 1'b0; o_st_d = O_WAIT; rst_d = '0; rq_z_d = R_IN1;
      s1v_d = 1'b0; ofull_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      top_q <= T_IDLE; beat_q <= '0;
      rq_row_q <= '0; rq_z_q <= R_IN1; rq_in1_q <= '0; rq_in2_q <= '0;
      f_st_q <= F_X; f_row_q <= '0; f_rb_q <= '0; f_out_q <= '0;
      sum1_q <= '0; sum2_q <= '0;
      rst_q <= '0; bsum1_q <= '0; bsum2_q <= '0; bsig_q <= '0; biota_q <= '0;
      q_run_q <= 1'b0; q_rb_q <= '0; v_run_q <= 1'b0; v_rb_q <= '0;
      o_st_q <= O_WAIT; o_rows_q <= '0; o_rb_q <= '0; o_out_q <= '0;
      j_q <= '0; j1_q <= '0; s1v_q <= 1'b0;
      obeat_q <= '0; ofull_q <= 1'b0; olast_q <= 1'b0;
    end else begin
      top_q <= top_d; beat_q <= beat_d;
      rq_row_q <= rq_row_d; rq_z_q <= rq_z_d; rq_in1_q <= rq_in1_d; rq_in2_q <= rq_in2_d;
      f_st_q <= f_st_d; f_row_q <= f_row_d; f_rb_q <= f_rb_d; f_out_q <= f_out_d;
      sum1_q <= sum1_d; sum2_q <= sum2_d;
      rst_q <= rst_d; bsum1_q <= bsum1_d; bsum2_q <= bsum2_d; bsig_q <= bsig_d; biota_q <= biota_d;
      q_run_q <= q_run_d; q_rb_q <= q_rb_d; v_run_q <= v_run_d; v_rb_q <= v_rb_d;
      o_st_q <= o_st_d; o_rows_q <= o_rows_d; o_rb_q <= o_rb_d; o_out_q <= o_out_d;
      j_q <= j_d; j1_q <= j1_d; s1v_q <= s1v_d;
      obeat_q <= obeat_d; ofull_q <= ofull_d; olast_q <= olast_d;
    end
  end

`ifndef SYNTHESIS
  // FRONT writes only a free r bank; STATS and OUT see their banks' states.
  a_front_bank_free: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                      r_we |-> rst_q[32'(f_rb_q) * 2 +: 2] == RB_FREE)
    else $error("esact_layernorm: FRONT writes an r bank that is in use");
  // OUT reads a bank whose iota is there; SQRT and DIV start on their banks' states.
  a_out_bank_iota: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    o_st_q == O_OUT |-> rst_q[32'(o_rb_q) * 2 +: 2] == RB_IOTA)
    else $error("esact_layernorm: OUT reads an r bank without its iota");
  a_sqrt_start: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                 sq_start |-> rst_q[32'(q_nxt) * 2 +: 2] == RB_SUMS && !(q_run_q && !sq_done))
    else $error("esact_layernorm: SQRT started on a bank without sums or while busy");
  a_div_start: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                dv_start |-> rst_q[32'(v_nxt) * 2 +: 2] == RB_SIG && !(v_run_q && !dv_done))
    else $error("esact_layernorm: DIV started on a bank without sig or while busy");
  // A read request is held until taken.
  a_rd_req_held: assert property (@(posedge clk_i) disable iff (!rst_ni || abort_i)
                                  (rd_req_valid_o && !rd_req_ready_i) |=>
                                  rd_req_valid_o && $stable(rd_req_addr_o) && $stable(rd_req_len_o))
    else $error("esact_layernorm: a read request changed before its handshake");
  // The isqrt takes the variance's low VW bits: the spec's bounds keep it there.
  a_var_width: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                sq_start |-> var_v[63:VW] == '0)
    else $error("esact_layernorm: variance %0d does not fit %0d bits", var_v, VW);
  initial begin
    assert (D_MAX <= 1024) else $fatal(1, "esact_layernorm: D_MAX > 1024 breaks the %0d-bit variance", VW);
    assert (64'(N_MAX) * D_MAX < (64'd1 << LW))
      else $fatal(1, "esact_layernorm: a call's output (N_MAX x D_MAX bytes) does not fit a %0d-bit request length", LW);
  end
`endif

  assign busy_o       = (top_q != T_IDLE);
  assign wr_req_len_o = one_req ? LW'(32'(rows_i) * 32'(d_i)) : LW'(d_i);

  logic unused_ln;
  assign unused_ln = ^{sq_busy, dv_busy, root[31:VW/2]};

endmodule
