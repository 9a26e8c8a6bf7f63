// ESACT integer softmax row unit (docs/spec.md 2.3), memory to memory.
//
// For each of rows_i rows: reads n_i int32 scores at in_addr + row * in_stride,
// writes n_i Q0.7 probabilities at out_addr + row * out_stride.  Per row:
//   LOAD  the scores stream into a 1R1W buffer, the maximum m on the fly;
//   EXP   DW/32 keys per cycle (one buffer word): w = -rshr((s - m) * Msm, Ssm),
//         e = (w >> 8) >= 16 ? 0 : EXP2[w & 255] >> (w >> 8), sum += e;
//   DIV   rho = floor(2^32 / sum) on the serial divider (33 cycles);
//   OUT   DW/32 keys per cycle: p = min(127, (e * rho + 2^24) >> 25), packed into beats.
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

  typedef enum logic [2:0] {S_IDLE, S_RDREQ, S_LOAD, S_EXP, S_DIV, S_WRREQ, S_OUT, S_DONE} state_e;
  state_e state_q, state_d;

  logic [AW-1:0] in_row_q, in_row_d, out_row_q, out_row_d;
  logic [15:0]   row_q, row_d;
  logic [15:0]   beat_q, beat_d;             // LOAD: beat index
  logic [15:0]   j_q, j_d;                   // EXP/OUT: next buffer word (SPB keys) to read
  logic          s1_q, s1_d;                 // stage-1 valid
  logic [15:0]   j1_q, j1_d;                 // stage-1 word index
  logic [15:0]   nw;                         // words per row
  assign nw = (n_i + 16'(SPB - 1)) / 16'(SPB);
  logic signed [31:0] max_q, max_d;
  logic [31:0]   sum_q, sum_d;
  logic [DW-1:0] obeat_q, obeat_d;
  logic          ofull_q, ofull_d;           // output beat waiting for the write port
  logic          olast_q, olast_d;           // ... and it is the row's last
  logic          div_start;
  logic          div_first_q;               // first cycle of S_DIV: sum_q is final
  logic          div_busy;
  logic          div_done;
  logic [32:0]   div_q;

  // Score and exponential buffers.
  logic            sc_we, sc_re, e_we, e_re;
  logic [SAW-1:0]  sc_waddr, sc_raddr;
  logic [DW-1:0]   sc_rdata;
  logic [SAW-1:0]  e_waddr, e_raddr;
  logic [SPB*16-1:0] e_wdata, e_rdata;

  esact_sram #(.WIDTH(DW), .DEPTH(SD)) u_scores (
    .clk_i, .we_i(sc_we), .waddr_i(sc_waddr), .wdata_i(rd_data_i), .wbe_i({(DW/8){1'b1}}),
    .re_i(sc_re), .raddr_i(sc_raddr), .rdata_o(sc_rdata)
  );
  esact_sram #(.WIDTH(SPB*16), .DEPTH(SD)) u_exps (
    .clk_i, .we_i(e_we), .waddr_i(e_waddr), .wdata_i(e_wdata), .wbe_i({(SPB*2){1'b1}}),
    .re_i(e_re), .raddr_i(e_raddr), .rdata_o(e_rdata)
  );

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

  // OUT stage 1: the probabilities of the SPB keys of word j1.
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
    state_d   = state_q;
    in_row_d  = in_row_q;
    out_row_d = out_row_q;
    row_d     = row_q;
    beat_d    = beat_q;
    j_d       = j_q;
    s1_d      = 1'b0;
    j1_d      = j1_q;
    max_d     = max_q;
    sum_d     = sum_q;
    obeat_d   = obeat_q;
    ofull_d   = ofull_q;
    olast_d   = olast_q;
    sc_we = 1'b0; sc_re = 1'b0; e_we = 1'b0; e_re = 1'b0;
    sc_waddr = SAW'(beat_q);
    sc_raddr = SAW'(j_q);
    e_waddr  = SAW'(j1_q);
    e_wdata  = e_word;
    e_raddr  = SAW'(j_q);
    rd_req_valid_o  = 1'b0;
    rd_data_ready_o = 1'b0;
    wr_req_valid_o  = 1'b0;
    done_o          = 1'b0;

    unique case (state_q)
      S_IDLE: begin
        if (start_i) begin
          in_row_d  = in_addr_i;
          out_row_d = out_addr_i;
          row_d     = '0;
          state_d   = S_RDREQ;
        end
      end
      S_RDREQ: begin
        rd_req_valid_o = 1'b1;
        if (rd_req_ready_i) begin
          beat_d  = '0;
          max_d   = 32'sh8000_0000;
          state_d = S_LOAD;
        end
      end
      S_LOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          sc_we  = 1'b1;
          max_d  = beat_max;
          beat_d = beat_q + 16'd1;
          if ((beat_q + 16'd1) * 16'(SPB) >= n_i) begin
            j_d     = '0;
            sum_d   = '0;
            state_d = S_EXP;
          end
        end
      end
      S_EXP: begin
        if (j_q < nw) begin
          sc_re = 1'b1;
          s1_d  = 1'b1;
          j1_d  = j_q;
          j_d   = j_q + 16'd1;
        end
        if (s1_q) begin
          e_we  = 1'b1;
          sum_d = sum_q + e_wsum;
          if (j1_q == nw - 16'd1) begin
            state_d = S_DIV;
          end
        end
      end
      S_DIV: begin
        if (div_done) begin
          state_d = S_WRREQ;
        end
      end
      S_WRREQ: begin
        wr_req_valid_o = 1'b1;
        if (wr_req_ready_i) begin
          j_d     = '0;
          ofull_d = 1'b0;
          obeat_d = '0;
          state_d = S_OUT;
        end
      end
      S_OUT: begin
        // Read key j when stage 1 will be free; stage 1 packs into the beat.
        if (ofull_q && wr_data_ready_i) begin
          ofull_d = 1'b0;
          if (olast_q) begin
            row_d     = row_q + 16'd1;
            in_row_d  = in_row_q + AW'(in_stride_i);
            out_row_d = out_row_q + AW'(out_stride_i);
            state_d   = (row_q + 16'd1 == rows_i) ? S_DONE : S_RDREQ;
          end
        end
        if (s1_q && ofull_q) begin
          s1_d = 1'b1;                       // hold stage 1 (SRAM output holds too)
        end else begin
          if (s1_q) begin
            obeat_d[(32'(j1_q) % WPB) * SPB * 8 +: SPB * 8] = p_word;
            if (32'(j1_q) % WPB == WPB - 1 || j1_q == nw - 16'd1) begin
              ofull_d = 1'b1;
              olast_d = (j1_q == nw - 16'd1);
            end
          end
          if (j_q < nw) begin
            e_re = 1'b1;
            s1_d = 1'b1;
            j1_d = j_q;
            j_d  = j_q + 16'd1;
          end
        end
      end
      S_DONE: begin
        done_o  = 1'b1;
        state_d = S_IDLE;
      end
      default: state_d = S_IDLE;
    endcase

    if (abort_i) begin
      state_d = S_IDLE;
      s1_d    = 1'b0;
      ofull_d = 1'b0;
    end
  end

  // Start the divider on the first cycle of S_DIV (sum_q then holds every e).
  assign div_start = (state_q == S_DIV) && div_first_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      div_first_q <= 1'b0;
    end else begin
      div_first_q <= (state_q != S_DIV) && (state_d == S_DIV);
    end
  end

  logic unused_sm;
  assign unused_sm = ^{unused_pv, div_busy};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= S_IDLE;
      in_row_q  <= '0;
      out_row_q <= '0;
      row_q     <= '0;
      beat_q    <= '0;
      j_q       <= '0;
      s1_q      <= 1'b0;
      j1_q      <= '0;
      max_q     <= '0;
      sum_q     <= '0;
      obeat_q   <= '0;
      ofull_q   <= 1'b0;
      olast_q   <= 1'b0;
    end else begin
      state_q   <= state_d;
      in_row_q  <= in_row_d;
      out_row_q <= out_row_d;
      row_q     <= row_d;
      beat_q    <= beat_d;
      j_q       <= j_d;
      s1_q      <= s1_d;
      j1_q      <= j1_d;
      max_q     <= max_d;
      sum_q     <= sum_d;
      obeat_q   <= obeat_d;
      ofull_q   <= ofull_d;
      olast_q   <= olast_d;
    end
  end

  assign busy_o          = (state_q != S_IDLE);
  assign rd_req_addr_o   = in_row_q;
  assign rd_req_len_o    = LW'(32'(n_i) * 4);
  assign wr_req_addr_o   = out_row_q;
  assign wr_req_len_o    = LW'(n_i);
  assign wr_data_valid_o = ofull_q;
  assign wr_data_o       = obeat_q;

endmodule
