// ESACT integer softmax row unit (docs/spec.md 2.3), memory to memory.
//
// For each of rows_i rows: reads n_i int32 scores at in_addr + row * in_stride,
// writes n_i Q0.7 probabilities at out_addr + row * out_stride.  Per row:
//   LOAD  the scores stream into a 1R1W buffer, the maximum m on the fly;
//   EXP   DW/32 keys per cycle (one buffer word): w = -rshr((s - m) * Msm, Ssm),
//         e = (w >> 8) >= 16 ? 0 : EXP2[w & 255] >> (w >> 8), sum += e;
//   DIV   rho = floor(2^32 / sum) on the serial divider (33 cycles);
//   OUT   DW/32 keys per cycle: p = min(127, (e * rho + 2^24) >> 25), packed into beats.
// Rows are pipelined: a front end (LOAD, EXP) and a back end (DIV, OUT) work
// on consecutive rows, the exponentials in two banks (ping-pong), and the
// read requests of all rows are issued ahead (the read engine queues them).
// Dense mode: every key is in J.  SPLS plugs in here as a per-key select bit
// (keys outside J: excluded from m and sum, p = 0); see docs/layer-rtl.md.
module esact_softmax #(
  parameter int unsigned N_MAX = esact_pkg::N_MAX,
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

  localparam int unsigned EAW  = SAW + 1;             // e buffer: two banks

  // Top level.
  typedef enum logic [1:0] {T_IDLE, T_RUN, T_DONE} top_e;
  top_e          top_q, top_d;
  logic [15:0]   nw;                         // words per row
  assign nw = (n_i + 16'(SPB - 1)) / 16'(SPB);

  // Read requests, issued ahead.
  logic [15:0]   rq_q, rq_d;
  logic [AW-1:0] rq_addr_q, rq_addr_d;

  // Front end: LOAD and EXP of row f_row into e bank f_bank.
  typedef enum logic [1:0] {F_IDLE, F_LOAD, F_EXP, F_HAND} front_e;
  front_e        f_st_q, f_st_d;
  logic [15:0]   f_row_q, f_row_d;
  logic          f_bank_q, f_bank_d;
  logic [AW-1:0] f_out_q, f_out_d;
  logic [15:0]   beat_q, beat_d;             // LOAD: beat index
  logic [15:0]   j_q, j_d;                   // EXP: next buffer word (SPB keys) to read
  logic          s1_q, s1_d;                 // EXP stage-1 valid
  logic [15:0]   j1_q, j1_d;                 // EXP stage-1 word index
  logic signed [31:0] max_q, max_d;
  logic [31:0]   sum_q, sum_d;

  // Back end: DIV and OUT of row b_row from e bank b_bank.
  typedef enum logic [1:0] {B_IDLE, B_DIV, B_WRREQ, B_OUT} back_e;
  back_e         b_st_q, b_st_d;
  logic [15:0]   b_rows_q, b_rows_d;         // rows finished
  logic          b_bank_q, b_bank_d;
  logic [AW-1:0] b_out_q, b_out_d;
  logic [15:0]   jo_q, jo_d, jo1_q, jo1_d;   // OUT: next word / stage-1 word
  logic          so1_q, so1_d;
  logic [DW-1:0] obeat_q, obeat_d;
  logic          ofull_q, ofull_d;           // output beat waiting for the write port
  logic          olast_q, olast_d;           // ... and it is the row's last
  logic          div_start;
  logic          div_busy;
  logic          div_done;
  logic [32:0]   div_q;

  // Score buffer (front only) and exponential buffer (front writes, back reads).
  logic            sc_we, sc_re, e_we, e_re;
  logic [SAW-1:0]  sc_waddr, sc_raddr;
  logic [DW-1:0]   sc_rdata;
  logic [EAW-1:0]  e_waddr, e_raddr;
  logic [SPB*16-1:0] e_wdata, e_rdata;

  esact_sram #(.WIDTH(DW), .DEPTH(SD)) u_scores (
    .clk_i, .we_i(sc_we), .waddr_i(sc_waddr), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(sc_re), .raddr_i(sc_raddr), .rdata_o(sc_rdata)
  );
  esact_sram #(.WIDTH(SPB*16), .DEPTH(2 * SD)) u_exps (
    .clk_i, .we_i(e_we), .waddr_i(e_waddr), .wdata_i(e_wdata), .wbe_i({(SPB*2){1'b1}}),
    .re_i(e_re), .raddr_i(e_raddr), .rdata_o(e_rdata)
  );

  // The divider latches the row's sum when the front end hands the row over.
  esact_div #(.W(33)) u_div (
    .clk_i, .rst_ni, .start_i(div_start), .dividend_i(33'h1_0000_0000), .divisor_i({1'b0, sum_q}),
    .busy_o(div_busy), .done_o(div_done), .quotient_o(div_q)
  );

  // Maximum over the valid scores of an incoming beat.
  logic signed [31:0] beat_max;
  logic [15:0]        beat_base;
  always_comb begin
    beat_base = beat_q * 16'(SPB);
    beat_max  = max_q;
    for (int unsigned i = 0; i < SPB; i++) begin
      if (beat_base + 16'(i) < n_i && $signed(rd_data_i[i*32 +: 32]) > beat_max) begin
        beat_max = $signed(rd_data_i[i*32 +: 32]);
      end
    end
  end

  // EXP stage 1: the exponentials of the SPB keys of word j1 (0 past the row).
  logic [SPB*16-1:0] e_word;
  logic [31:0]       e_wsum;
  for (genvar i = 0; i < SPB; i++) begin : g_exp
    logic signed [31:0] s;
    logic signed [32:0] t;
    logic signed [50:0] tm, rnd, shd;
    logic [50:0]        w;
    logic [15:0]        rom, e;
    assign s   = $signed(sc_rdata[i*32 +: 32]);
    assign t   = 33'(s) - 33'(max_q);
    assign tm  = 51'(t) * $signed({35'd0, m_i});
    assign rnd = tm + (51'(1) << (s_i - 6'd1));
    assign shd = rnd >>> s_i;
    assign w   = 51'(-shd);
    esact_exp2_rom u_rom (.addr_i(w[7:0]), .data_o(rom));
    assign e   = (w[50:8] >= 43'd16) ? 16'd0 : (rom >> w[11:8]);
    assign e_word[i*16 +: 16] = (32'(j1_q) * SPB + i < 32'(n_i)) ? e : 16'd0;
  end
  always_comb begin
    e_wsum = '0;
    for (int unsigned i = 0; i < SPB; i++) e_wsum = e_wsum + 32'(e_word[i*16 +: 16]);
  end

  // OUT stage 1: the probabilities of the SPB keys of word jo1.
  logic [SPB*8-1:0] p_word;
  logic [SPB*25-1:0] unused_pv;
  for (genvar i = 0; i < SPB; i++) begin : g_out
    logic [49:0] prod;
    logic [24:0] pv;
    assign prod = 50'(e_rdata[i*16 +: 16]) * 50'(div_q) + 50'(1 << 24);
    assign pv   = prod[49:25];
    assign p_word[i*8 +: 8] = (pv > 25'd127) ? 8'd127 : pv[7:0];
    assign unused_pv[i*25 +: 25] = prod[24:0];
  end

  always_comb begin
    top_d = top_q;
    rq_d = rq_q; rq_addr_d = rq_addr_q;
    f_st_d = f_st_q; f_row_d = f_row_q; f_bank_d = f_bank_q; f_out_d = f_out_q;
    beat_d = beat_q; j_d = j_q; s1_d = 1'b0; j1_d = j1_q; max_d = max_q; sum_d = sum_q;
    b_st_d = b_st_q; b_rows_d = b_rows_q; b_bank_d = b_bank_q; b_out_d = b_out_q;
    jo_d = jo_q; jo1_d = jo1_q; so1_d = 1'b0;
    obeat_d = obeat_q; ofull_d = ofull_q; olast_d = olast_q;
    sc_we = 1'b0; sc_re = 1'b0; e_we = 1'b0; e_re = 1'b0;
    sc_waddr = SAW'(beat_q);
    sc_raddr = SAW'(j_q);
    e_waddr  = {f_bank_q, SAW'(j1_q)};
    e_wdata  = e_word;
    e_raddr  = {b_bank_q, SAW'(jo_q)};
    rd_req_valid_o  = 1'b0;
    rd_data_ready_o = 1'b0;
    wr_req_valid_o  = 1'b0;
    div_start       = 1'b0;
    done_o          = 1'b0;

    unique case (top_q)
      T_IDLE: begin
        if (start_i) begin
          rq_d = '0; rq_addr_d = in_addr_i;
          f_st_d = F_LOAD; f_row_d = '0; f_bank_d = 1'b0; f_out_d = out_addr_i;
          beat_d = '0; max_d = 32'sh8000_0000;
          b_st_d = B_IDLE; b_rows_d = '0;
          top_d = T_RUN;
        end
      end
      T_RUN: begin
        if (b_rows_q == rows_i) top_d = T_DONE;
      end
      T_DONE: begin
        done_o = 1'b1;
        top_d = T_IDLE;
      end
      default: top_d = T_IDLE;
    endcase

    // Read requests of every row, ahead of the front end.
    if (top_q == T_RUN && rq_q < rows_i) begin
      rd_req_valid_o = 1'b1;
      if (rd_req_ready_i) begin
        rq_d = rq_q + 16'd1;
        rq_addr_d = rq_addr_q + AW'(in_stride_i);
      end
    end

    // Front end.
    unique case (f_st_q)
      F_IDLE: ;
      F_LOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          sc_we  = 1'b1;
          max_d  = beat_max;
          beat_d = beat_q + 16'd1;
          if ((beat_q + 16'd1) * 16'(SPB) >= n_i) begin
            j_d    = '0;
            sum_d  = '0;
            f_st_d = F_EXP;
          end
        end
      end
      F_EXP: begin
        if (j_q < nw) begin
          sc_re = 1'b1;
          s1_d  = 1'b1;
          j1_d  = j_q;
          j_d   = j_q + 16'd1;
        end
        if (s1_q) begin
          e_we  = 1'b1;
          sum_d = sum_q + e_wsum;
          if (j1_q == nw - 16'd1) f_st_d = F_HAND;
        end
      end
      F_HAND: begin
        // Hand the row (its e bank and sum) to the back end once it is free.
        if (b_st_q == B_IDLE) begin
          div_start = 1'b1;
          b_st_d = B_DIV;
          b_bank_d = f_bank_q;
          b_out_d = f_out_q;
          f_bank_d = !f_bank_q;
          f_out_d = f_out_q + AW'(out_stride_i);
          f_row_d = f_row_q + 16'd1;
          beat_d = '0;
          max_d = 32'sh8000_0000;
          f_st_d = (f_row_q + 16'd1 == rows_i) ? F_IDLE : F_LOAD;
        end
      end
      default: f_st_d = F_IDLE;
    endcase

    // Back end.
    unique case (b_st_q)
      B_IDLE: ;
      B_DIV: begin
        if (div_done) b_st_d = B_WRREQ;
      end
      B_WRREQ: begin
        wr_req_valid_o = 1'b1;
        if (wr_req_ready_i) begin
          jo_d    = '0;
          ofull_d = 1'b0;
          obeat_d = '0;
          b_st_d  = B_OUT;
        end
      end
      B_OUT: begin
        // Read word jo when stage 1 will be free; stage 1 packs into the beat.
        if (ofull_q && wr_data_ready_i) begin
          ofull_d = 1'b0;
          if (olast_q) begin
            b_rows_d = b_rows_q + 16'd1;
            b_st_d   = B_IDLE;
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
      default: b_st_d = B_IDLE;
    endcase

    if (abort_i) begin
      top_d = T_IDLE; f_st_d = F_IDLE; b_st_d = B_IDLE;
      s1_d = 1'b0; so1_d = 1'b0; ofull_d = 1'b0;
    end
  end

  logic unused_sm;
  assign unused_sm = ^{unused_pv, div_busy};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      top_q <= T_IDLE;
      rq_q <= '0; rq_addr_q <= '0;
      f_st_q <= F_IDLE; f_row_q <= '0; f_bank_q <= 1'b0; f_out_q <= '0;
      beat_q <= '0; j_q <= '0; s1_q <= 1'b0; j1_q <= '0; max_q <= '0; sum_q <= '0;
      b_st_q <= B_IDLE; b_rows_q <= '0; b_bank_q <= 1'b0; b_out_q <= '0;
      jo_q <= '0; jo1_q <= '0; so1_q <= 1'b0;
      obeat_q <= '0; ofull_q <= 1'b0; olast_q <= 1'b0;
    end else begin
      top_q <= top_d;
      rq_q <= rq_d; rq_addr_q <= rq_addr_d;
      f_st_q <= f_st_d; f_row_q <= f_row_d; f_bank_q <= f_bank_d; f_out_q <= f_out_d;
      beat_q <= beat_d; j_q <= j_d; s1_q <= s1_d; j1_q <= j1_d; max_q <= max_d; sum_q <= sum_d;
      b_st_q <= b_st_d; b_rows_q <= b_rows_d; b_bank_q <= b_bank_d; b_out_q <= b_out_d;
      jo_q <= jo_d; jo1_q <= jo1_d; so1_q <= so1_d;
      obeat_q <= obeat_d; ofull_q <= ofull_d; olast_q <= olast_d;
    end
  end

  assign busy_o          = (top_q != T_IDLE);
  assign rd_req_addr_o   = rq_addr_q;
  assign rd_req_len_o    = LW'(32'(n_i) * 4);
  assign wr_req_addr_o   = b_out_q;
  assign wr_req_len_o    = LW'(n_i);
  assign wr_data_valid_o = ofull_q;
  assign wr_data_o       = obeat_q;

endmodule
