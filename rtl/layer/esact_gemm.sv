// ESACT GEMM engine: out = epilogue(A . B + bias), memory to memory, on one MAC array.
//
//   A   int8 [m][k], row r at a_addr + r * lda
//   B   int8 [k][n]: b_trans = 0: row kk at b_addr + kk * ldb (weights, V)
//                    b_trans = 1: B[kk][j] at b_addr + j * ldb + kk (K for Q K^T)
//   out row r at out_addr + r * ldo; epi = 0: int32 (raw scores), 1: rq(acc + bias, M, S),
//       2: GELU_T[rq(acc + bias, M, S) + 128] (the table loaded from gelu_addr)
//
// Output tiles of MR x MC; per tile the reduction runs in chunks of KC: the
// chunk of A (MR rows x KC bytes) and of B (KC x MC) is loaded into the operand
// buffers (one 1R1W SRAM per lane), then the MAC array takes one k per cycle.
// After the last chunk the epilogue adds the bias (int32, as the golden model
// initialises its accumulator with it), requantizes and writes one output row
// per write request.  Column tiles are the outer loop: when k <= KC the B chunk
// and the bias of a column tile stay loaded for all its row tiles, and the A
// rows of the next row tile are prefetched into the second A bank while the
// array computes and the epilogue writes the current tile.  m, n and k of any size: partial tiles and chunks are
// masked, and MACS counts only the cells that do useful work.
//
// SPLS plugs in here: a row map (leader rows) selects which A rows a tile
// gathers, and a per-head key set selects the B rows of Q K^T / A.V (see
// docs/layer-rtl.md).  Requires MC * 8 == DW (one B row segment per beat).
module esact_gemm #(
  parameter int unsigned MR = esact_pkg::MAC_ROWS,
  parameter int unsigned MC = esact_pkg::MAC_COLS,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned KC = 256,      // reduction chunk (bytes per lane), multiple of DW / 8
  parameter int unsigned LW = 24
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
  output logic          busy_o,
  output logic          done_o,
  output logic [15:0]   mac_inc_o,
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
  localparam int unsigned WD   = KC / BB;                 // words per lane
  localparam int unsigned WAW  = (WD > 1) ? $clog2(WD) : 1;
  localparam int unsigned AAW  = WAW + 1;                 // A buffer: two banks
  localparam int unsigned IPB  = DW / 32;                 // int32 per beat
  localparam int unsigned RW   = (MR > 1) ? $clog2(MR) : 1;
  localparam int unsigned GB   = 256 / BB;                // beats of the GELU table
  localparam logic [1:0]  EPI_RAW = 2'd0;
  localparam logic [1:0]  EPI_GELU = 2'd2;

  typedef enum logic [4:0] {
    S_IDLE, S_GREQ, S_GLOAD, S_TILE, S_LOAD, S_COMP, S_WREQ, S_WDATA, S_NEXT, S_DONE
  } state_e;
  state_e state_q, state_d;

  // Loop state.
  logic [15:0]   i0_q, i0_d, c0_q, c0_d, k0_q, k0_d;
  logic [15:0]   lane_q, lane_d, w_q, w_d, kk_q, kk_d, kk1_q, kk1_d;
  logic [15:0]   ri_q, ri_d, ci_q, ci_d;        // LOAD: requests issued / requests received
  logic          s1_q, s1_d;
  logic [AW-1:0] a_row0_q, a_row0_d, a_chunk_q, a_chunk_d, a_lane_q, a_lane_d;
  logic [AW-1:0] b_tile_q, b_tile_d, b_chunk_q, b_chunk_d, b_lane_q, b_lane_d;
  logic [AW-1:0] o_row0_q, o_row0_d, o_row_q, o_row_d;
  logic [MC*32-1:0] bias_q, bias_d;
  logic [2047:0] gelu_q, gelu_d;
  logic          mac_clr;

  // Tile geometry.
  logic [15:0] rows_v, cols_v, kc, nbeats_k, obeats;
  logic [15:0] m_left, n_left, k_left;
  assign m_left = m_i - i0_q;
  assign n_left = n_i - c0_q;
  assign k_left = k_i - k0_q;
  assign rows_v = (m_left > 16'(MR)) ? 16'(MR) : m_left;
  assign cols_v = (n_left > 16'(MC)) ? 16'(MC) : n_left;
  assign kc     = (k_left > 16'(KC)) ? 16'(KC) : k_left;
  assign nbeats_k = (kc + 16'(BB - 1)) >> BBW;
  assign obeats = (epi_i == EPI_RAW) ? ((cols_v * 16'd4 + 16'(BB - 1)) >> BBW) : 16'd1;

  // LOAD: rows_v requests for A (kc bytes each), then the B requests: cols_v of
  // kc bytes (transposed) or kc of cols_v bytes (one beat, normal).  Requests
  // are issued ahead (the read engine queues them) while beats are received.
  // A last request loads the bias of a new column tile (cols_v int32).
  logic [15:0] nreq, nreq_ab, ci_beats, wk, bias_beats;
  logic        ci_is_a, ri_is_a, ci_is_bias, ri_is_bias, need_bias;
  logic        b_reuse;                        // B chunk and bias of this column tile are loaded
  assign b_reuse    = (32'(k_i) <= KC) && (i0_q != 16'd0);
  assign need_bias  = bias_en_i && !b_reuse;
  assign nreq_ab    = rows_v + (b_reuse ? 16'd0 : (b_trans_i ? cols_v : kc));
  assign nreq       = nreq_ab + (need_bias ? 16'd1 : 16'd0);
  assign bias_beats = (cols_v * 16'd4 + 16'(BB - 1)) >> BBW;
  assign ci_is_a    = ci_q < rows_v;
  assign ri_is_a    = ri_q < rows_v;
  assign ci_is_bias = ci_q == nreq_ab;
  assign ri_is_bias = ri_q == nreq_ab;
  assign ci_beats   = ci_is_bias ? bias_beats : ((ci_is_a || b_trans_i) ? nbeats_k : 16'd1);
  assign wk         = ci_q - rows_v;             // B lane (transposed) or B row (normal)

  // A prefetch of the next row tile (same column tile, k <= KC) into the other
  // A bank, while the current tile computes and writes.
  logic          abank_q, abank_d;             // bank the array reads
  logic          pf_act_q, pf_act_d, pf_done_q, pf_done_d;
  logic [15:0]   pf_rows_q, pf_rows_d, pf_ri_q, pf_ri_d, pf_ci_q, pf_ci_d, pf_w_q, pf_w_d;
  logic [AW-1:0] pf_lane_q, pf_lane_d;
  logic          pf_we;
  logic [15:0]   next_rows;
  logic          can_pf;
  assign next_rows = ((m_left - 16'(MR)) > 16'(MR)) ? 16'(MR) : (m_left - 16'(MR));
  assign can_pf    = (32'(k_i) <= KC) && (32'(i0_q) + MR < 32'(m_i));

  // Operand buffers.
  logic [MR*DW-1:0] a_rdata;
  logic [MC*DW-1:0] b_rdata;
  logic             buf_re;
  logic [WAW-1:0]   buf_raddr;
  logic             a_we_any, bt_we_any, bn_we;

  for (genvar r = 0; r < MR; r++) begin : g_abuf
    logic           we;
    logic [AAW-1:0] wa;
    assign we = pf_we ? (pf_ci_q == 16'(r)) : (a_we_any && ci_q == 16'(r));
    assign wa = pf_we ? {!abank_q, WAW'(pf_w_q)} : {abank_q, WAW'(w_q)};
    esact_sram #(.WIDTH(DW), .DEPTH(2 * WD)) u_sram (
      .clk_i, .we_i(we), .waddr_i(wa), .wdata_i(rd_data_i),
      .wbe_i({BB{1'b1}}), .re_i(buf_re), .raddr_i({abank_q, buf_raddr}), .rdata_o(a_rdata[r*DW +: DW]));
  end
  for (genvar c = 0; c < MC; c++) begin : g_bbuf
    logic          we;
    logic [WAW-1:0] wa;
    logic [DW-1:0] wd;
    logic [BB-1:0] be;
    assign we = (bt_we_any && wk == 16'(c)) || bn_we;
    assign wa = bn_we ? WAW'(wk >> BBW) : WAW'(w_q);
    assign wd = bn_we ? {BB{rd_data_i[c*8 +: 8]}} : rd_data_i;
    assign be = bn_we ? (BB'(1) << wk[BBW-1:0]) : {BB{1'b1}};
    esact_sram #(.WIDTH(DW), .DEPTH(WD)) u_sram (
      .clk_i, .we_i(we), .waddr_i(wa), .wdata_i(wd), .wbe_i(be),
      .re_i(buf_re), .raddr_i(buf_raddr), .rdata_o(b_rdata[c*DW +: DW]));
  end

  // Operands of stage 1: byte kk1 % BB of every lane.
  logic [MR*8-1:0]     a_vec;
  logic [MC*8-1:0]     b_vec;
  logic [MR*MC*32-1:0] acc;
  for (genvar r = 0; r < MR; r++) begin : g_avec
    assign a_vec[r*8 +: 8] = a_rdata[r*DW + 32'(kk1_q[BBW-1:0]) * 8 +: 8];
  end
  for (genvar c = 0; c < MC; c++) begin : g_bvec
    assign b_vec[c*8 +: 8] = b_rdata[c*DW + 32'(kk1_q[BBW-1:0]) * 8 +: 8];
  end

  esact_mac_array #(.MR(MR), .MC(MC)) u_mac (
    .clk_i, .rst_ni, .clr_i(mac_clr), .en_i(s1_q), .a_i(a_vec), .b_i(b_vec), .acc_o(acc));

  // Epilogue of output row lane_q: acc + bias, requantized, GELU.
  logic [MC*32-1:0] vrow;
  logic [MC*8-1:0]  qrow, grow;
  logic [RW-1:0]    er;
  assign er = RW'(lane_q);
  for (genvar c = 0; c < MC; c++) begin : g_epi
    logic [31:0] v;
    logic [7:0]  q;
    assign v = acc[(32'(er) * MC + c) * 32 +: 32] + (bias_en_i ? bias_q[c*32 +: 32] : 32'd0);
    esact_requant #(.IN_W(32)) u_rq (.acc_i(v), .m_i(rq_m_i), .s_i(rq_s_i), .q_o(q));
    assign vrow[c*32 +: 32] = v;
    assign qrow[c*8 +: 8]   = q;
    assign grow[c*8 +: 8]   = gelu_q[{q ^ 8'h80, 3'b000} +: 8];
  end
  logic [DW-1:0] raw_beat;
  assign raw_beat = vrow[(32'(w_q) % (MC / IPB)) * DW +: DW];

  always_comb begin
    state_d = state_q;
    i0_d = i0_q; c0_d = c0_q; k0_d = k0_q;
    lane_d = lane_q; w_d = w_q; kk_d = kk_q; kk1_d = kk1_q; s1_d = 1'b0; ri_d = ri_q; ci_d = ci_q;
    a_row0_d = a_row0_q; a_chunk_d = a_chunk_q; a_lane_d = a_lane_q;
    b_tile_d = b_tile_q; b_chunk_d = b_chunk_q; b_lane_d = b_lane_q;
    o_row0_d = o_row0_q; o_row_d = o_row_q;
    bias_d = bias_q; gelu_d = gelu_q;
    abank_d = abank_q;
    pf_act_d = pf_act_q; pf_done_d = pf_done_q; pf_rows_d = pf_rows_q;
    pf_ri_d = pf_ri_q; pf_ci_d = pf_ci_q; pf_w_d = pf_w_q; pf_lane_d = pf_lane_q;
    pf_we = 1'b0;
    mac_clr = 1'b0;
    a_we_any = 1'b0; bt_we_any = 1'b0; bn_we = 1'b0;
    buf_re = 1'b0; buf_raddr = WAW'(kk_q >> BBW);
    rd_req_valid_o = 1'b0; rd_req_addr_o = a_lane_q; rd_req_len_o = LW'(kc);
    rd_data_ready_o = 1'b0;
    wr_req_valid_o = 1'b0;
    wr_data_valid_o = 1'b0;
    wr_data_o = (epi_i == EPI_RAW) ? raw_beat : ((epi_i == EPI_GELU) ? DW'(grow) : DW'(qrow));
    done_o = 1'b0;

    unique case (state_q)
      S_IDLE: begin
        if (start_i) begin
          i0_d = '0; c0_d = '0;
          a_row0_d = a_addr_i; o_row0_d = out_addr_i; b_tile_d = b_addr_i;
          w_d = '0;
          state_d = (epi_i == EPI_GELU) ? S_GREQ : S_TILE;
        end
      end
      S_GREQ: begin
        rd_req_valid_o = 1'b1; rd_req_addr_o = gelu_addr_i; rd_req_len_o = LW'(256);
        if (rd_req_ready_i) begin w_d = '0; state_d = S_GLOAD; end
      end
      S_GLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          gelu_d[32'(w_q) * DW +: DW] = rd_data_i;
          w_d = w_q + 16'd1;
          if (w_q + 16'd1 == 16'(GB)) state_d = S_TILE;
        end
      end
      S_TILE: begin
        mac_clr = 1'b1;
        k0_d = '0;
        a_chunk_d = a_row0_q; a_lane_d = a_row0_q;
        b_chunk_d = b_tile_q; b_lane_d = b_tile_q;
        ri_d = '0; ci_d = '0; w_d = '0;
        state_d = S_LOAD;
      end
      S_LOAD: begin
        if (pf_act_q || pf_done_q) begin
          // This tile's A was prefetched (B and bias are resident): switch banks.
          if (pf_done_q) begin
            pf_done_d = 1'b0;
            abank_d = !abank_q;
            kk_d = '0;
            state_d = S_COMP;
          end
        end else begin
          // Issue side.
          if (ri_q < nreq) begin
            rd_req_valid_o = 1'b1;
            rd_req_addr_o  = ri_is_bias ? (bias_addr_i + AW'(32'(c0_q) * 4)) : (ri_is_a ? a_lane_q : b_lane_q);
            rd_req_len_o   = ri_is_bias ? LW'(32'(cols_v) * 4) :
                             ((ri_is_a || b_trans_i) ? LW'(kc) : LW'(cols_v));
            if (rd_req_ready_i) begin
              ri_d = ri_q + 16'd1;
              if (ri_is_a) a_lane_d = a_lane_q + AW'(lda_i);
              else if (!ri_is_bias) b_lane_d = b_lane_q + AW'(ldb_i);
            end
          end
          // Receive side.
          rd_data_ready_o = 1'b1;
          if (rd_data_valid_i) begin
            if (ci_is_bias) begin
              bias_d[(32'(w_q) % (MC / IPB)) * DW +: DW] = rd_data_i;
            end else begin
              a_we_any  = ci_is_a;
              bt_we_any = !ci_is_a && b_trans_i;
              bn_we     = !ci_is_a && !b_trans_i;
            end
            w_d = w_q + 16'd1;
            if (w_q + 16'd1 == ci_beats) begin
              w_d  = '0;
              ci_d = ci_q + 16'd1;
              if (ci_q + 16'd1 == nreq) begin
                kk_d = '0;
                state_d = S_COMP;
              end
            end
          end
        end
        // Entering COMP with a next row tile in this column tile: prefetch its A.
        if (state_d == S_COMP && can_pf) begin
          pf_act_d  = 1'b1;
          pf_rows_d = next_rows;
          pf_ri_d = '0; pf_ci_d = '0; pf_w_d = '0;
          pf_lane_d = a_row0_q + AW'(32'(MR) * lda_i);
        end
      end
      S_COMP: begin
        if (kk_q < kc) begin
          buf_re = 1'b1;
          s1_d = 1'b1; kk1_d = kk_q; kk_d = kk_q + 16'd1;
        end
        if (s1_q && kk1_q == kc - 16'd1) begin
          k0_d = k0_q + 16'(KC);
          a_chunk_d = a_chunk_q + AW'(KC);
          a_lane_d  = a_chunk_q + AW'(KC);
          b_chunk_d = b_trans_i ? (b_chunk_q + AW'(KC)) : (b_chunk_q + AW'(32'(KC) * ldb_i));
          b_lane_d  = b_chunk_d;
          ri_d = '0; ci_d = '0; w_d = '0;
          if (32'(k0_q) + KC < 32'(k_i)) begin
            state_d = S_LOAD;
          end else begin
            lane_d = '0; w_d = '0;
            o_row_d = o_row0_q + AW'((epi_i == EPI_RAW) ? 32'(c0_q) * 4 : 32'(c0_q));
            state_d = S_WREQ;
          end
        end
      end
      S_WREQ: begin
        wr_req_valid_o = 1'b1;
        if (wr_req_ready_i) begin w_d = '0; state_d = S_WDATA; end
      end
      S_WDATA: begin
        wr_data_valid_o = 1'b1;
        if (wr_data_ready_i) begin
          w_d = w_q + 16'd1;
          if (w_q + 16'd1 == obeats) begin
            lane_d = lane_q + 16'd1;
            o_row_d = o_row_q + AW'(ldo_i);
            state_d = (lane_q + 16'd1 == rows_v) ? S_NEXT : S_WREQ;
          end
        end
      end
      S_NEXT: begin
        // Row tiles inner, column tiles outer: a column tile's B chunk and
        // bias stay in the buffers for every row tile when k <= KC.
        if (32'(i0_q) + MR < 32'(m_i)) begin
          i0_d = i0_q + 16'(MR);
          a_row0_d = a_row0_q + AW'(32'(MR) * lda_i);
          o_row0_d = o_row0_q + AW'(32'(MR) * ldo_i);
          state_d = S_TILE;
        end else begin
          i0_d = '0;
          a_row0_d = a_addr_i;
          o_row0_d = out_addr_i;
          c0_d = c0_q + 16'(MC);
          b_tile_d = b_trans_i ? (b_tile_q + AW'(32'(MC) * ldb_i)) : (b_tile_q + AW'(MC));
          state_d = (32'(c0_q) + MC < 32'(n_i)) ? S_TILE : S_DONE;
        end
      end
      S_DONE: begin
        done_o = 1'b1;
        state_d = S_IDLE;
      end
      default: state_d = S_IDLE;
    endcase
    // Prefetch process: owns the read port while active (the main state
    // machine issues no reads from COMP until the next tile's LOAD).
    if (pf_act_q) begin
      if (pf_ri_q < pf_rows_q) begin
        rd_req_valid_o = 1'b1;
        rd_req_addr_o  = pf_lane_q;
        rd_req_len_o   = LW'(k_i);
        if (rd_req_ready_i) begin
          pf_ri_d = pf_ri_q + 16'd1;
          pf_lane_d = pf_lane_q + AW'(lda_i);
        end
      end
      rd_data_ready_o = 1'b1;
      if (rd_data_valid_i) begin
        pf_we = 1'b1;
        pf_w_d = pf_w_q + 16'd1;
        if (pf_w_q + 16'd1 == ((k_i + 16'(BB - 1)) >> BBW)) begin
          pf_w_d = '0;
          pf_ci_d = pf_ci_q + 16'd1;
          if (pf_ci_q + 16'd1 == pf_rows_q) begin
            pf_act_d = 1'b0;
            pf_done_d = 1'b1;
          end
        end
      end
    end

    if (abort_i) begin
      state_d = S_IDLE;
      s1_d = 1'b0;
      pf_act_d = 1'b0;
      pf_done_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      i0_q <= '0; c0_q <= '0; k0_q <= '0;
      lane_q <= '0; w_q <= '0; kk_q <= '0; kk1_q <= '0; s1_q <= 1'b0; ri_q <= '0; ci_q <= '0;
      a_row0_q <= '0; a_chunk_q <= '0; a_lane_q <= '0;
      b_tile_q <= '0; b_chunk_q <= '0; b_lane_q <= '0;
      o_row0_q <= '0; o_row_q <= '0;
      bias_q <= '0; gelu_q <= '0;
      abank_q <= 1'b0; pf_act_q <= 1'b0; pf_done_q <= 1'b0; pf_rows_q <= '0;
      pf_ri_q <= '0; pf_ci_q <= '0; pf_w_q <= '0; pf_lane_q <= '0;
    end else begin
      state_q <= state_d;
      i0_q <= i0_d; c0_q <= c0_d; k0_q <= k0_d;
      lane_q <= lane_d; w_q <= w_d; kk_q <= kk_d; kk1_q <= kk1_d; s1_q <= s1_d; ri_q <= ri_d; ci_q <= ci_d;
      a_row0_q <= a_row0_d; a_chunk_q <= a_chunk_d; a_lane_q <= a_lane_d;
      b_tile_q <= b_tile_d; b_chunk_q <= b_chunk_d; b_lane_q <= b_lane_d;
      o_row0_q <= o_row0_d; o_row_q <= o_row_d;
      bias_q <= bias_d; gelu_q <= gelu_d;
      abank_q <= abank_d; pf_act_q <= pf_act_d; pf_done_q <= pf_done_d; pf_rows_q <= pf_rows_d;
      pf_ri_q <= pf_ri_d; pf_ci_q <= pf_ci_d; pf_w_q <= pf_w_d; pf_lane_q <= pf_lane_d;
    end
  end

  assign busy_o        = (state_q != S_IDLE);
  assign mac_inc_o     = s1_q ? 16'(32'(rows_v) * 32'(cols_v)) : 16'd0;
  assign wr_req_addr_o = o_row_q;
  assign wr_req_len_o  = LW'((epi_i == EPI_RAW) ? 32'(cols_v) * 4 : 32'(cols_v));

endmodule
