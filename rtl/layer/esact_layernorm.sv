// ESACT residual + integer LayerNorm row unit (docs/spec.md 2.2, 2.4), memory to memory.
//
// For each of rows_i rows of d_i int8 values (row stride stride_i bytes):
//   r = in1 + in2 (in2_en_i) or r = in1                         (exact, |r| < 2^10)
//   mode_ln_i = 0: out = sat8(in1 + in2)                         (pre-LN residual)
//   mode_ln_i = 1: out = LN(r) per spec 2.4:
//     s1 = sum r, s2 = sum r^2, V = D s2 - s1^2, sig = max(1, isqrt(V)),
//     iota = floor(2^30 / sig), n = rshr((D r - s1) iota, 20),
//     out = rq(n gamma + beta, M, S)   (64-bit accumulator)
// gamma (int16) and beta (int32) are loaded once per call.  Rows: in1 is
// buffered, in2 streams against it (sums on the fly), the isqrt and the divider
// run serially, and the output is produced one element per cycle.
module esact_layernorm #(
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
  localparam int unsigned BD   = (D_MAX + BPB - 1) / BPB;
  localparam int unsigned XAW  = (XD > 1) ? $clog2(XD) : 1;
  localparam int unsigned GAW  = (GD > 1) ? $clog2(GD) : 1;
  localparam int unsigned BAW  = (BD > 1) ? $clog2(BD) : 1;
  localparam int unsigned BBW  = $clog2(BB);
  localparam int unsigned LN_L = BPB;        // LayerNorm outputs per cycle (one beta word)

  typedef enum logic [3:0] {
    S_IDLE, S_GREQ, S_GLOAD, S_BREQ, S_BLOAD, S_XREQ, S_XLOAD, S_OREQ, S_ZREQ,
    S_ZRD, S_ZUSE, S_SQRT, S_DIV, S_OUT, S_NEXT, S_DONE
  } state_e;
  state_e state_q, state_d;

  logic [AW-1:0] in1_q, in1_d, in2_q, in2_d, out_q, out_d;
  logic [15:0]   row_q, row_d, beat_q, beat_d, j_q, j_d, j1_q, j1_d;
  logic          s1v_q, s1v_d;
  logic signed [63:0] sum1_q, sum1_d, sum2_q, sum2_d;
  logic [DW-1:0] obeat_q, obeat_d;
  logic          ofull_q, ofull_d, olast_q, olast_d;
  logic          sub_first_q;                 // first cycle of S_SQRT / S_DIV
  logic [15:0]   nbeats;

  assign nbeats = (d_i + 16'(BB - 1)) >> BBW;
  logic [15:0]   ngrp;                        // output groups of LN_L elements per row
  assign ngrp = (d_i + 16'(LN_L - 1)) / 16'(LN_L);

  // Buffers.
  logic            x_we, x_re, r_we, r_re, g_we, g_re, b_we, b_re;
  logic [XAW-1:0]  x_raddr, r_raddr;
  logic [DW-1:0]   x_rdata, g_rdata, b_rdata;
  logic [BB*16-1:0] r_wdata, r_rdata;
  logic [GAW-1:0]  g_raddr;
  logic [BAW-1:0]  b_raddr;

  esact_sram #(.WIDTH(DW), .DEPTH(XD)) u_x (
    .clk_i, .we_i(x_we), .waddr_i(XAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(x_re), .raddr_i(x_raddr), .rdata_o(x_rdata));
  esact_sram #(.WIDTH(BB*16), .DEPTH(XD)) u_r (
    .clk_i, .we_i(r_we), .waddr_i(XAW'(beat_q)), .wdata_i(r_wdata), .wbe_i({(BB*2){1'b1}}),
    .re_i(r_re), .raddr_i(r_raddr), .rdata_o(r_rdata));
  esact_sram #(.WIDTH(DW), .DEPTH(GD)) u_g (
    .clk_i, .we_i(g_we), .waddr_i(GAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(g_re), .raddr_i(g_raddr), .rdata_o(g_rdata));
  esact_sram #(.WIDTH(DW), .DEPTH(BD)) u_b (
    .clk_i, .we_i(b_we), .waddr_i(BAW'(beat_q)), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(b_re), .raddr_i(b_raddr), .rdata_o(b_rdata));

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

  // Statistics.
  logic signed [63:0] var_v;
  logic               sq_start, sq_done, dv_start, dv_done, sq_busy, dv_busy;
  logic [31:0]        root;
  logic [30:0]        iota;
  logic [31:0]        sig;
  assign var_v = 64'(d_i) * sum2_q - sum1_q * sum1_q;
  assign sig   = (root == 32'd0) ? 32'd1 : root;

  esact_isqrt #(.W(64)) u_isqrt (
    .clk_i, .rst_ni, .start_i(sq_start), .value_i(var_v), .busy_o(sq_busy), .done_o(sq_done), .root_o(root));
  esact_div #(.W(31)) u_div (
    .clk_i, .rst_ni, .start_i(dv_start), .dividend_i(31'h4000_0000), .divisor_i(31'(sig)),
    .busy_o(dv_busy), .done_o(dv_done), .quotient_o(iota));

  // Output group j1 (elements LN_L * j1 + i, LN_L = DW / 32 per cycle):
  // n = rshr((D r - s1) iota, 20); y = rq(n gamma + beta).
  // Widths from the spec's bounds (|r| < 2^10, D <= 1024): |c| < 2^21,
  // |c iota| < 2^52, |n| < 2^32, |n gamma + beta| < 2^48; the golden model's
  // int64 values fit, so the results are identical.
  logic [LN_L*8-1:0] y_grp;
  for (genvar i = 0; i < LN_L; i++) begin : g_out
    logic signed [15:0] r_j, g_j;
    logic signed [31:0] b_j;
    logic signed [23:0] c_j;
    logic signed [55:0] ci, acc_j;
    logic signed [39:0] n_j;
    logic signed [7:0]  y_j;
    assign r_j   = $signed(r_rdata[((32'(j1_q) % (BB / LN_L)) * LN_L + i) * 16 +: 16]);
    assign g_j   = $signed(g_rdata[((32'(j1_q) % (GPB / LN_L)) * LN_L + i) * 16 +: 16]);
    assign b_j   = $signed(b_rdata[i * 32 +: 32]);
    assign c_j   = $signed(24'(d_i)) * 24'(r_j) - sum1_q[23:0];
    assign ci    = 56'(c_j) * $signed({25'd0, iota});
    assign n_j   = 40'((ci + 56'sd524288) >>> 20);
    assign acc_j = 56'(n_j) * 56'(g_j) + 56'(b_j);
    esact_requant #(.IN_W(56)) u_rq (.acc_i(acc_j), .m_i, .s_i, .q_o(y_j));
    assign y_grp[i*8 +: 8] = y_j;
  end

  always_comb begin
    state_d = state_q;
    in1_d = in1_q; in2_d = in2_q; out_d = out_q;
    row_d = row_q; beat_d = beat_q; j_d = j_q; j1_d = j1_q; s1v_d = 1'b0;
    sum1_d = sum1_q; sum2_d = sum2_q;
    obeat_d = obeat_q; ofull_d = ofull_q; olast_d = olast_q;
    x_we = 1'b0; x_re = 1'b0; r_we = 1'b0; r_re = 1'b0;
    g_we = 1'b0; g_re = 1'b0; b_we = 1'b0; b_re = 1'b0;
    x_raddr = XAW'(beat_q);
    r_raddr = XAW'(32'(j_q) / (BB / LN_L));
    g_raddr = GAW'(32'(j_q) / (GPB / LN_L));
    b_raddr = BAW'(j_q);
    sq_start = 1'b0; dv_start = 1'b0;
    rd_req_valid_o = 1'b0; rd_req_addr_o = in1_q; rd_req_len_o = LW'(d_i);
    rd_data_ready_o = 1'b0;
    wr_req_valid_o = 1'b0;
    wr_data_valid_o = ofull_q;
    wr_data_o = obeat_q;
    done_o = 1'b0;

    unique case (state_q)
      S_IDLE: begin
        if (start_i) begin
          in1_d = in1_addr_i; in2_d = in2_addr_i; out_d = out_addr_i; row_d = '0;
          beat_d = '0;
          state_d = mode_ln_i ? S_GREQ : S_XREQ;
        end
      end
      S_GREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = gamma_addr_i; rd_req_len_o = LW'(32'(d_i) * 2);
        if (rd_req_ready_i) begin beat_d = '0; state_d = S_GLOAD; end
      end
      S_GLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          g_we = 1'b1; beat_d = beat_q + 16'd1;
          if ((32'(beat_q) + 32'd1) * GPB >= 32'(d_i)) state_d = S_BREQ;
        end
      end
      S_BREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = beta_addr_i; rd_req_len_o = LW'(32'(d_i) * 4);
        if (rd_req_ready_i) begin beat_d = '0; state_d = S_BLOAD; end
      end
      S_BLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          b_we = 1'b1; beat_d = beat_q + 16'd1;
          if ((32'(beat_q) + 32'd1) * BPB >= 32'(d_i)) state_d = S_XREQ;
        end
      end
      S_XREQ: begin
        rd_req_valid_o = 1'b1;
        if (rd_req_ready_i) begin beat_d = '0; state_d = S_XLOAD; end
      end
      S_XLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          x_we = 1'b1; beat_d = beat_q + 16'd1;
          if (beat_q + 16'd1 == nbeats) begin
            beat_d = '0; sum1_d = '0; sum2_d = '0;
            state_d = mode_ln_i ? S_ZREQ : S_OREQ;
          end
        end
      end
      S_OREQ: begin  // add mode: the output row is written while in2 streams
        wr_req_valid_o = 1'b1;
        if (wr_req_ready_i) state_d = S_ZREQ;
      end
      S_ZREQ: begin
        if (!in2_en_i) begin
          state_d = S_ZRD;
        end else begin
          rd_req_valid_o = 1'b1; rd_req_addr_o = in2_q;
          if (rd_req_ready_i) state_d = S_ZRD;
        end
      end
      S_ZRD: begin
        x_re = 1'b1;
        state_d = S_ZUSE;
      end
      S_ZUSE: begin
        // x_rdata holds in1's beat; combine with in2's beat (or zeros).
        if (!mode_ln_i) begin
          wr_data_valid_o = !in2_en_i || rd_data_valid_i;
          wr_data_o       = satbeat;
          rd_data_ready_o = in2_en_i && wr_data_ready_i;
        end else begin
          rd_data_ready_o = in2_en_i;
        end
        if ((!in2_en_i || rd_data_valid_i) && (mode_ln_i || wr_data_ready_i)) begin
          r_we = 1'b1;
          sum1_d = sum1_q + bs1;
          sum2_d = sum2_q + bs2;
          beat_d = beat_q + 16'd1;
          if (beat_q + 16'd1 == nbeats) begin
            state_d = mode_ln_i ? S_SQRT : S_NEXT;
          end else begin
            state_d = S_ZRD;
          end
        end
      end
      S_SQRT: begin
        sq_start = sub_first_q;
        if (sq_done) state_d = S_DIV;
      end
      S_DIV: begin
        dv_start = sub_first_q;
        if (dv_done) begin
          j_d = '0; ofull_d = 1'b0; obeat_d = '0;
          state_d = S_OUT;
        end
      end
      S_OUT: begin
        // The write request goes first (wr_req while j = 0 and nothing pending).
        if (j_q == 16'd0 && !s1v_q && !ofull_q) begin
          wr_req_valid_o = 1'b1;
          if (wr_req_ready_i) begin
            r_re = 1'b1; g_re = 1'b1; b_re = 1'b1;
            s1v_d = 1'b1; j1_d = '0; j_d = 16'd1;
          end
        end else begin
          if (ofull_q && wr_data_ready_i) begin
            ofull_d = 1'b0;
            if (olast_q) state_d = S_NEXT;
          end
          if (s1v_q && ofull_q) begin
            s1v_d = 1'b1;
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
      end
      S_NEXT: begin
        row_d = row_q + 16'd1;
        in1_d = in1_q + AW'(stride_i);
        in2_d = in2_q + AW'(stride_i);
        out_d = out_q + AW'(stride_i);
        state_d = (row_q + 16'd1 == rows_i) ? S_DONE : S_XREQ;
      end
      S_DONE: begin
        done_o = 1'b1;
        state_d = S_IDLE;
      end
      default: state_d = S_IDLE;
    endcase
    if (abort_i) begin
      state_d = S_IDLE; s1v_d = 1'b0; ofull_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      in1_q <= '0; in2_q <= '0; out_q <= '0;
      row_q <= '0; beat_q <= '0; j_q <= '0; j1_q <= '0; s1v_q <= 1'b0;
      sum1_q <= '0; sum2_q <= '0;
      obeat_q <= '0; ofull_q <= 1'b0; olast_q <= 1'b0;
      sub_first_q <= 1'b0;
    end else begin
      state_q <= state_d;
      in1_q <= in1_d; in2_q <= in2_d; out_q <= out_d;
      row_q <= row_d; beat_q <= beat_d; j_q <= j_d; j1_q <= j1_d; s1v_q <= s1v_d;
      sum1_q <= sum1_d; sum2_q <= sum2_d;
      obeat_q <= obeat_d; ofull_q <= ofull_d; olast_q <= olast_d;
      sub_first_q <= (state_d != state_q);
    end
  end

  assign busy_o        = (state_q != S_IDLE);
  assign wr_req_addr_o = out_q;
  assign wr_req_len_o  = LW'(d_i);

  logic unused_ln;
  assign unused_ln = ^{sq_busy, dv_busy, root[31], sig[31]};

endmodule
