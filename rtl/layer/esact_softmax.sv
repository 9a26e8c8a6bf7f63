// ESACT integer softmax row unit (docs/spec.md 2.3), memory to memory.
//
// For each of rows_i rows: reads n_i int32 scores at in_addr + row * in_stride,
// writes n_i Q0.7 probabilities at out_addr + row * out_stride.  Per row:
//   LOAD  the scores stream into a score bank, the maximum m on the fly;
//   EXP   DW/32 keys per cycle (one buffer word): w = -rshr((s - m) * Msm, Ssm),
//         e = (w >> 8) >= 16 ? 0 : EXP2[w & 255] >> (w >> 8), sum += e;
//   DIV   rho = floor(2^32 / sum) on the serial divider (33 / SM_DIV_STEPS = 11 cycles);
//   OUT   DW/32 keys per cycle: p = min(127, (e * rho + 2^24) >> 25), packed into beats.
// The four steps are four pipeline stages working on four consecutive rows
// (LOAD row r+3, EXP r+2, DIV r+1, OUT r): two score banks (LOAD -> EXP) and
// EB exponential banks (EXP -> DIV -> OUT), each bank with its own max, sum
// and reciprocal, handed over through per-bank flags.  The read requests of
// all rows are issued ahead (the read engine queues them), so a row costs
// about max(n / 4 + 2, 13) cycles: for n >= 44 the LOAD stream (4 int32 per
// beat) is the bound.
// Dense mode: every key is in J.  SPLS (SPLS = 1 and mask_en_i): each row's
// mask (ceil(n/8) bytes, bit j of byte j/8 = key j) is read just before its
// scores, held in a row register and stored as one select bit per score
// beside the score bank; keys outside J are out of m and sum (e = 0, so
// p = 0), as the golden model's softmax_row over the selected keys.
// SPLS leader rows (gather_i): score row r belongs to the leader of ordinal
// r0_i + r, whose mask is read at mask_addr + row_i * mask_stride, where
// row_i = list[row_idx_o] is the leader list's entry (esact_top).
module esact_softmax #(
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
  parameter int unsigned SPLS  = 0,                 // 1: mask_en_i is honoured (SPLS masks)
  parameter int unsigned DW    = esact_pkg::AXI_DW,
  parameter int unsigned AW    = esact_pkg::AXI_AW,
  parameter int unsigned LW    = esact_types_pkg::REQ_LEN_W
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,
  input  logic          abort_i,
  input  logic [AW-1:0] in_addr_i,
  input  logic [31:0]   in_stride_i,
  input  logic [AW-1:0] out_addr_i,
  input  logic [31:0]   out_stride_i,
  input  logic [15:0]   rows_i,
  input  logic [15:0]   n_i,          // keys per row, 1..N_MAX
  input  logic [15:0]   m_i,
  input  logic [5:0]    s_i,
  input  logic          mask_en_i,    // SPLS: read a mask row before each score row
  input  logic [AW-1:0] mask_addr_i,
  input  logic [31:0]   mask_stride_i,
  input  logic          gather_i,     // SPLS: mask rows through the leader list
  input  logic [15:0]   r0_i,         // first leader ordinal of score row 0
  output logic [15:0]   row_idx_o,    // leader list lookup: ordinal ...
  input  logic [15:0]   row_i,        // ... and its row (combinational)
  output logic          busy_o,
  output logic          done_o,
  // read port
  output logic          rd_req_valid_o,
  input  logic          rd_req_ready_i,
  output logic [AW-1:0] rd_req_addr_o,
  output logic [LW-1:0] rd_req_len_o,
  input  logic          rd_data_valid_i,
  output logic          rd_data_ready_o,
  input  logic [DW-1:0] rd_data_i,
  // write port
  output logic          wr_req_valid_o,
  input  logic          wr_req_ready_i,
  output logic [AW-1:0] wr_req_addr_o,
  output logic [LW-1:0] wr_req_len_o,
  output logic          wr_data_valid_o,
  input  logic          wr_data_ready_i,
  output logic [DW-1:0] wr_data_o
);

  localparam int unsigned SPB  = DW / 32;            // scores per beat
  localparam int unsigned BB   = DW / 8;             // probabilities per beat
  localparam int unsigned SD   = (N_MAX + SPB - 1) / SPB;
  localparam int unsigned SAW  = (SD > 1) ? $clog2(SD) : 1;
  localparam int unsigned WPB  = BB / SPB;           // buffer words per output beat
  localparam int unsigned EB   = 4;                  // exponential banks
  localparam int unsigned EBW  = 2;

  // Per exponential bank: free, holds e and the sum (for DIV), holds rho too (for OUT).
  localparam logic [1:0] EB_FREE = 2'd0, EB_SUM = 2'd1, EB_RHO = 2'd2;

  typedef enum logic [1:0] {T_IDLE, T_RUN, T_DONE} top_e;
  top_e          top_q, top_d;
  logic [15:0]   nw;                         // words per row
  assign nw = (n_i + 16'(SPB - 1)) / 16'(SPB);
  logic          mask_on;                    // this command reads masks
  logic [15:0]   nmb;                        // mask beats per row
  assign mask_on = (SPLS != 0) && mask_en_i;
  assign nmb = (n_i + 16'(DW - 1)) / 16'(DW);
  logic          rq_m_q, rq_m_d;             // the row's mask is requested
  logic [AW-1:0] mq_addr_q, mq_addr_d;
  logic          l_mk_q, l_mk_d;             // LOAD takes the row's mask beats
  logic          m_we;                       // a mask beat into the row register
  logic [SPB-1:0] sel_ld, sel_x;             // select bits: LOAD beat, EXP word (stage 1)

  // Read requests, issued ahead.
  logic [15:0]   rq_q, rq_d;
  logic [AW-1:0] rq_addr_q, rq_addr_d;

  // Score banks: LOAD fills one while EXP reads the other.
  logic [1:0]              sc_full_q, sc_full_d;
  logic [2*32-1:0]         sc_max_q, sc_max_d;

  // LOAD: row l_row into score bank l_bank.
  logic [15:0]   l_row_q, l_row_d;
  logic          l_bank_q, l_bank_d;
  logic [15:0]   beat_q, beat_d;
  logic signed [31:0] max_q, max_d;          // running maximum of the row

  // EXP: score bank x_sb -> exponential bank x_eb.
  logic [15:0]    x_row_q, x_row_d;
  logic           x_sb_q, x_sb_d;
  logic [EBW-1:0] x_eb_q, x_eb_d;
  logic [15:0]    j_q, j_d;                  // next score word to read
  logic           s1_q, s1_d;                // stage-1 valid
  logic [15:0]    j1_q, j1_d;                // stage-1 word index
  logic [31:0]    sum_q, sum_d;
  logic           x_go;

  // Exponential banks.
  logic [EB*2-1:0]   est_q, est_d;
  logic [EB*32-1:0]  esum_q, esum_d;
  logic [EB*33-1:0]  rho_q, rho_d;

  // DIV: exponential bank d_eb.
  logic [EBW-1:0] d_eb_q, d_eb_d;
  logic           d_run_q, d_run_d;
  logic           div_start, div_busy, div_done;
  logic [32:0]    div_q;

  // OUT: exponential bank o_eb, row address o_out.
  typedef enum logic {O_WAIT, O_OUT} out_e;
  out_e           o_st_q, o_st_d;
  logic [15:0]    o_rows_q, o_rows_d;        // rows finished
  logic [EBW-1:0] o_eb_q, o_eb_d;
  logic [AW-1:0]  o_out_q, o_out_d;
  logic [15:0]    jo_q, jo_d, jo1_q, jo1_d;  // next word / stage-1 word
  logic           so1_q, so1_d;
  logic [DW-1:0]  obeat_q, obeat_d;
  logic           ofull_q, ofull_d;          // output beat waiting for the write port
  logic           olast_q, olast_d;          // ... and it is the row's last

  // Score buffer (LOAD writes, EXP reads) and exponential buffer (EXP writes, OUT reads).
  logic            sc_we, sc_re, e_we, e_re;
  logic [SAW:0]    sc_waddr, sc_raddr;
  logic [DW-1:0]   sc_rdata;
  logic [SAW+EBW-1:0] e_waddr, e_raddr;
  logic [SPB*16-1:0] e_wdata, e_rdata;

  esact_sram #(.WIDTH(DW), .DEPTH(2 << SAW)) u_scores (
    .clk_i, .we_i(sc_we), .waddr_i(sc_waddr), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(sc_re), .raddr_i(sc_raddr), .rdata_o(sc_rdata)
  );
  esact_sram #(.WIDTH(SPB*16), .DEPTH(EB << SAW)) u_exps (
    .clk_i, .we_i(e_we), .waddr_i(e_waddr), .wdata_i(e_wdata), .wbe_i({(SPB*2){1'b1}}),
    .re_i(e_re), .raddr_i(e_raddr), .rdata_o(e_rdata)
  );

  esact_div #(.W(33), .STEPS(esact_pkg::SM_DIV_STEPS)) u_div (
    .clk_i, .rst_ni, .start_i(div_start), .dividend_i(33'h1_0000_0000),
    .divisor_i({1'b0, esum_q[32'(d_eb_q) * 32 +: 32]}),
    .busy_o(div_busy), .done_o(div_done), .quotient_o(div_q)
  );

  // Maximum over the valid scores of an incoming beat.
  logic signed [31:0] beat_max;
  logic [15:0]        beat_base;
  always_comb begin
    beat_base = beat_q * 16'(SPB);
    beat_max  = max_q;
    for (int unsigned i = 0; i < SPB; i++) begin
      if (beat_base + 16'(i) < n_i && sel_ld[i] && $signed(rd_data_i[i*32 +: 32]) > beat_max) begin
        beat_max = $signed(rd_data_i[i*32 +: 32]);
      end
    end
  end

  // EXP stage 1: the exponentials of the SPB keys of word j1 (0 past the row).
  logic signed [31:0] x_max;
  logic [SPB*16-1:0]  e_word;
  logic [31:0]        e_wsum;
  assign x_max = $signed(sc_max_q[32'(x_sb_q) * 32 +: 32]);
  for (genvar i = 0; i < SPB; i++) begin : g_exp
    logic signed [31:0] s;
    logic signed [32:0] t;
    logic signed [50:0] tm, rnd, shd;
    logic [50:0]        w;
    logic [15:0]        rom, e;
    assign s   = $signed(sc_rdata[i*32 +: 32]);
    assign t   = 33'(s) - 33'(x_max);
    assign tm  = 51'(t) * $signed({35'd0, m_i});
    assign rnd = tm + (51'(1) << (s_i - 6'd1));
    assign shd = rnd >>> s_i;
    assign w   = 51'(-shd);
    esact_exp2_rom u_rom (.addr_i(w[7:0]), .data_o(rom));
    assign e   = (w[50:8] >= 43'd16) ? 16'd0 : (rom >> w[11:8]);
    assign e_word[i*16 +: 16] = (32'(j1_q) * SPB + i < 32'(n_i) && sel_x[i]) ? e : 16'd0;
  end
  always_comb begin
    e_wsum = '0;
    for (int unsigned i = 0; i < SPB; i++) e_wsum = e_wsum + 32'(e_word[i*16 +: 16]);
  end

  // OUT stage 1: the probabilities of the SPB keys of word jo1.
  logic [32:0]       o_rho;
  logic [SPB*8-1:0]  p_word;
  logic [SPB*25-1:0] unused_pv;
  assign o_rho = rho_q[32'(o_eb_q) * 33 +: 33];
  for (genvar i = 0; i < SPB; i++) begin : g_out
    logic [49:0] prod;
    logic [24:0] pv;
    assign prod = 50'(e_rdata[i*16 +: 16]) * 50'(o_rho) + 50'(1 << 24);
    assign pv   = prod[49:25];
    assign p_word[i*8 +: 8] = (pv > 25'd127) ? 8'd127 : pv[7:0];
    assign unused_pv[i*25 +: 25] = prod[24:0];
  end

  // Select bits.  SPLS: the row's mask in a register (N_MAX bits, rounded up
  // to beats), a score beat's SPB bits stored with it in u_sel (same address
  // as u_scores), read with the score word for EXP.
  if (SPLS != 0) begin : g_mask
    localparam int unsigned MB = (N_MAX + DW - 1) / DW;   // mask beats per row, at most
    logic [MB*DW-1:0] mrow_q;
    logic [7:0]       sel_rdata;
    always_ff @(posedge clk_i) begin
      if (m_we) mrow_q[32'(beat_q) * DW +: DW] <= rd_data_i;
    end
    assign sel_ld = mask_on ? mrow_q[32'(beat_q) * SPB +: SPB] : {SPB{1'b1}};
    esact_sram #(.WIDTH(8), .DEPTH(2 << SAW)) u_sel (
      .clk_i, .we_i(sc_we), .waddr_i(sc_waddr), .wdata_i(8'(sel_ld)), .wbe_i(1'b1),
      .re_i(sc_re), .raddr_i(sc_raddr), .rdata_o(sel_rdata)
    );
    assign sel_x = sel_rdata[SPB-1:0];
    logic unused_sel;
    assign unused_sel = ^sel_rdata;
  end else begin : g_nomask
    assign sel_ld = {SPB{1'b1}};
    assign sel_x  = {SPB{1'b1}};
    logic unused_mask;
    assign unused_mask = ^{m_we, mask_addr_i, mask_stride_i, mq_addr_q, rq_m_q, l_mk_q, nmb};
  end

  // EXP may start a row when its scores are in and its exponential bank is free.
  assign x_go = x_row_q < rows_i && sc_full_q[x_sb_q] &&
                est_q[32'(x_eb_q) * 2 +: 2] == EB_FREE;

  always_comb begin
    top_d = top_q;
    rq_d = rq_q; rq_addr_d = rq_addr_q; rq_m_d = rq_m_q; mq_addr_d = mq_addr_q; l_mk_d = l_mk_q;
    m_we = 1'b0;
    sc_full_d = sc_full_q; sc_max_d = sc_max_q;
    l_row_d = l_row_q; l_bank_d = l_bank_q; beat_d = beat_q; max_d = max_q;
    x_row_d = x_row_q; x_sb_d = x_sb_q; x_eb_d = x_eb_q;
    j_d = j_q; s1_d = 1'b0; j1_d = j1_q; sum_d = sum_q;
    est_d = est_q; esum_d = esum_q; rho_d = rho_q;
    d_eb_d = d_eb_q; d_run_d = d_run_q;
    o_st_d = o_st_q; o_rows_d = o_rows_q; o_eb_d = o_eb_q; o_out_d = o_out_q;
    jo_d = jo_q; jo1_d = jo1_q; so1_d = 1'b0;
    obeat_d = obeat_q; ofull_d = ofull_q; olast_d = olast_q;
    sc_we = 1'b0; sc_re = 1'b0; e_we = 1'b0; e_re = 1'b0;
    sc_waddr = {l_bank_q, SAW'(beat_q)};
    sc_raddr = {x_sb_q, SAW'(j_q)};
    e_waddr  = {x_eb_q, SAW'(j1_q)};
    e_wdata  = e_word;
    e_raddr  = {o_eb_q, SAW'(jo_q)};
    rd_req_valid_o  = 1'b0;
    rd_data_ready_o = 1'b0;
    wr_req_valid_o  = 1'b0;
    div_start       = 1'b0;
    done_o          = 1'b0;

    unique case (top_q)
      T_IDLE: begin
        if (start_i) begin
          rq_d = '0; rq_addr_d = in_addr_i; rq_m_d = 1'b0; mq_addr_d = mask_addr_i;
          l_mk_d = mask_on;
          sc_full_d = '0;
          l_row_d = '0; l_bank_d = 1'b0; beat_d = '0; max_d = 32'sh8000_0000;
          x_row_d = '0; x_sb_d = 1'b0; x_eb_d = '0; j_d = '0; sum_d = '0;
          est_d = '0;
          d_eb_d = '0; d_run_d = 1'b0;
          o_st_d = O_WAIT; o_rows_d = '0; o_eb_d = '0; o_out_d = out_addr_i;
          top_d = T_RUN;
        end
      end
      T_RUN: begin
        if (o_rows_q == rows_i) top_d = T_DONE;
      end
      T_DONE: begin
        done_o = 1'b1;
        top_d = T_IDLE;
      end
      default: top_d = T_IDLE;
    endcase

    // Read requests of every row (SPLS: its mask, then its scores), ahead of LOAD.
    if (top_q == T_RUN && rq_q < rows_i) begin
      rd_req_valid_o = 1'b1;
      if (rd_req_ready_i) begin
        if (mask_on && !rq_m_q) begin
          rq_m_d = 1'b1;
        end else begin
          rq_m_d = 1'b0;
          rq_d = rq_q + 16'd1;
          rq_addr_d = rq_addr_q + AW'(in_stride_i);
          mq_addr_d = mq_addr_q + AW'(mask_stride_i);
        end
      end
    end

    // LOAD (SPLS: the row's mask beats first, into the row register).
    if (top_q == T_RUN && l_row_q < rows_i && l_mk_q) begin
      rd_data_ready_o = 1'b1;
      if (rd_data_valid_i) begin
        m_we   = 1'b1;
        beat_d = beat_q + 16'd1;
        if (beat_q + 16'd1 == nmb) begin
          beat_d = '0;
          l_mk_d = 1'b0;
        end
      end
    end else if (top_q == T_RUN && l_row_q < rows_i && !sc_full_q[l_bank_q]) begin
      rd_data_ready_o = 1'b1;
      if (rd_data_valid_i) begin
        sc_we  = 1'b1;
        max_d  = beat_max;
        beat_d = beat_q + 16'd1;
        if ((beat_q + 16'd1) * 16'(SPB) >= n_i) begin
          sc_full_d[l_bank_q] = 1'b1;
          sc_max_d[32'(l_bank_q) * 32 +: 32] = beat_max;
          l_bank_d = !l_bank_q;
          l_row_d  = l_row_q + 16'd1;
          beat_d   = '0;
          max_d    = 32'sh8000_0000;
          l_mk_d   = mask_on;
        end
      end
    end

    // EXP.
    if (top_q == T_RUN && x_go && j_q < nw) begin
      sc_re = 1'b1;
      s1_d  = 1'b1;
      j1_d  = j_q;
      j_d   = j_q + 16'd1;
    end
    if (s1_q) begin
      e_we  = 1'b1;
      sum_d = sum_q + e_wsum;
      if (j1_q == nw - 16'd1) begin
        // Row done: hand the exponential bank (and its sum) to DIV, free the scores.
        est_d[32'(x_eb_q) * 2 +: 2] = EB_SUM;
        esum_d[32'(x_eb_q) * 32 +: 32] = sum_q + e_wsum;
        sc_full_d[x_sb_q] = 1'b0;
        x_sb_d  = !x_sb_q;
        x_eb_d  = x_eb_q + EBW'(1);
        x_row_d = x_row_q + 16'd1;
        j_d     = '0;
        sum_d   = '0;
      end
    end

    // DIV.
    if (d_run_q) begin
      if (div_done) begin
        est_d[32'(d_eb_q) * 2 +: 2] = EB_RHO;
        rho_d[32'(d_eb_q) * 33 +: 33] = div_q;
        d_eb_d  = d_eb_q + EBW'(1);
        d_run_d = 1'b0;
      end
    end else if (top_q == T_RUN && est_q[32'(d_eb_q) * 2 +: 2] == EB_SUM) begin
      div_start = 1'b1;
      d_run_d   = 1'b1;
    end

    // OUT.
    unique case (o_st_q)
      O_WAIT: begin
        if (top_q == T_RUN && est_q[32'(o_eb_q) * 2 +: 2] == EB_RHO) begin
          wr_req_valid_o = 1'b1;
          if (wr_req_ready_i) begin
            jo_d    = '0;
            ofull_d = 1'b0;
            obeat_d = '0;
            o_st_d  = O_OUT;
          end
        end
      end
      O_OUT: begin
        // Read word jo when stage 1 will be free; stage 1 packs into the beat.
        if (ofull_q && wr_data_ready_i) begin
          ofull_d = 1'b0;
          if (olast_q) begin
            est_d[32'(o_eb_q) * 2 +: 2] = EB_FREE;
            o_eb_d   = o_eb_q + EBW'(1);
            o_rows_d = o_rows_q + 16'd1;
            o_out_d  = o_out_q + AW'(out_stride_i);
            o_st_d   = O_WAIT;
          end
        end
        if (so1_q && ofull_q) begin
          so1_d = 1'b1;                      // hold stage 1 (SRAM output holds too)
        end else begin
          if (so1_q) begin
            obeat_d[(32'(jo1_q) % WPB) * SPB * 8 +: SPB * 8] = p_word;
            if (32'(jo1_q) % WPB == WPB - 1 || jo1_q == nw - 16'd1) begin
              ofull_d = 1'b1;
              olast_d = (jo1_q == nw - 16'd1);
            end
          end
          if (jo_q < nw) begin
            e_re  = 1'b1;
            so1_d = 1'b1;
            jo1_d = jo_q;
            jo_d  = jo_q + 16'd1;
          end
        end
      end
      default: o_st_d = O_WAIT;
    endcase

    if (abort_i) begin
      top_d = T_IDLE; o_st_d = O_WAIT;
      sc_full_d = '0; est_d = '0; d_run_d = 1'b0;
      s1_d = 1'b0; so1_d = 1'b0; ofull_d = 1'b0;
    end
  end

  logic unused_sm;
  assign unused_sm = ^{unused_pv, div_busy};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      top_q <= T_IDLE;
      rq_q <= '0; rq_addr_q <= '0; rq_m_q <= 1'b0; mq_addr_q <= '0; l_mk_q <= 1'b0;
      sc_full_q <= '0; sc_max_q <= '0;
      l_row_q <= '0; l_bank_q <= 1'b0; beat_q <= '0; max_q <= '0;
      x_row_q <= '0; x_sb_q <= 1'b0; x_eb_q <= '0;
      j_q <= '0; s1_q <= 1'b0; j1_q <= '0; sum_q <= '0;
      est_q <= '0; esum_q <= '0; rho_q <= '0;
      d_eb_q <= '0; d_run_q <= 1'b0;
      o_st_q <= O_WAIT; o_rows_q <= '0; o_eb_q <= '0; o_out_q <= '0;
      jo_q <= '0; jo1_q <= '0; so1_q <= 1'b0;
      obeat_q <= '0; ofull_q <= 1'b0; olast_q <= 1'b0;
    end else begin
      top_q <= top_d;
      rq_q <= rq_d; rq_addr_q <= rq_addr_d; rq_m_q <= rq_m_d; mq_addr_q <= mq_addr_d; l_mk_q <= l_mk_d;
      sc_full_q <= sc_full_d; sc_max_q <= sc_max_d;
      l_row_q <= l_row_d; l_bank_q <= l_bank_d; beat_q <= beat_d; max_q <= max_d;
      x_row_q <= x_row_d; x_sb_q <= x_sb_d; x_eb_q <= x_eb_d;
      j_q <= j_d; s1_q <= s1_d; j1_q <= j1_d; sum_q <= sum_d;
      est_q <= est_d; esum_q <= esum_d; rho_q <= rho_d;
      d_eb_q <= d_eb_d; d_run_q <= d_run_d;
      o_st_q <= o_st_d; o_rows_q <= o_rows_d; o_eb_q <= o_eb_d; o_out_q <= o_out_d;
      jo_q <= jo_d; jo1_q <= jo1_d; so1_q <= so1_d;
      obeat_q <= obeat_d; ofull_q <= ofull_d; olast_q <= olast_d;
    end
  end

`ifndef SYNTHESIS
  // A bank advances free -> sum -> rho -> free; EXP never writes a bank in use.
  a_exp_bank_free: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    e_we |-> est_q[32'(x_eb_q) * 2 +: 2] == EB_FREE)
    else $error("esact_softmax: EXP writes an exponential bank that is in use");
  a_load_bank_free: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                     sc_we |-> !sc_full_q[l_bank_q])
    else $error("esact_softmax: LOAD writes a score bank that is in use");
  // SPLS: mask beats only while LOAD expects them; a read request is held
  // until taken.
  a_mask_beat: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                m_we |-> mask_on && l_mk_q && rd_data_valid_i)
    else $error("esact_softmax: a mask beat outside a row's mask phase");
  a_mask_request: assert property (@(posedge clk_i) disable iff (!rst_ni || abort_i)
                                   (rd_req_valid_o && !rd_req_ready_i) |=>
                                   $stable(rd_req_addr_o) && $stable(rd_req_len_o))
    else $error("esact_softmax: a read request changed before its handshake");
`endif

  assign busy_o          = (top_q != T_IDLE);
  assign row_idx_o       = r0_i + rq_q;
  assign rd_req_addr_o   = (mask_on && !rq_m_q) ?
                           (gather_i ? (mask_addr_i + AW'(32'(row_i) * mask_stride_i)) : mq_addr_q) :
                           rq_addr_q;
  assign rd_req_len_o    = (mask_on && !rq_m_q) ? LW'((32'(n_i) + 32'd7) / 8) : LW'(32'(n_i) * 4);
  assign wr_req_addr_o   = o_out_q;
  assign wr_req_len_o    = LW'(n_i);
  assign wr_data_valid_o = ofull_q;
  assign wr_data_o       = obeat_q;

endmodule
