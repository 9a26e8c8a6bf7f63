// Test wrapper (layer-RTL unit tests only): the datapath units of esact_top
// (GEMM engine, softmax, residual/LayerNorm) on the real AXI read/write
// engines, without CSRs and sequencer, so that test_unit_*.cpp drive one unit
// per command against a C++ AXI memory.  unit_i selects the unit that owns the
// engines (1 GEMM, 2 softmax, 3 LayerNorm), as esact_seq does in esact_top.
module tb_unit_dp #(
  parameter int unsigned N_MAX = 64,
  parameter int unsigned D_MAX = 128,
  parameter int unsigned MR    = 16,
  parameter int unsigned KC    = 128,  // GEMM: maximum k
  parameter int unsigned AB    = 256   // GEMM: A buffer bytes per lane (small: several row blocks)
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic [1:0]    unit_i,
  input  logic          abort_i,
  // GEMM
  input  logic          g_start_i,
  input  logic [31:0]   g_a_i,
  input  logic [31:0]   g_lda_i,
  input  logic [31:0]   g_b_i,
  input  logic [31:0]   g_ldb_i,
  input  logic          g_trans_i,
  input  logic [31:0]   g_bias_i,
  input  logic          g_bias_en_i,
  input  logic [31:0]   g_out_i,
  input  logic [31:0]   g_ldo_i,
  input  logic [15:0]   g_m_i,
  input  logic [15:0]   g_k_i,
  input  logic [15:0]   g_n_i,
  input  logic [1:0]    g_epi_i,
  input  logic [31:0]   g_gelu_i,
  output logic          g_done_o,
  output logic [15:0]   g_mac_inc_o,
  output logic [15:0]   g_xmac_inc_o,
  // softmax
  input  logic          s_start_i,
  input  logic [31:0]   s_in_i,
  input  logic [31:0]   s_in_stride_i,
  input  logic [31:0]   s_out_i,
  input  logic [31:0]   s_out_stride_i,
  input  logic [15:0]   s_rows_i,
  input  logic [15:0]   s_n_i,
  output logic          s_done_o,
  // LayerNorm
  input  logic          l_start_i,
  input  logic          l_mode_ln_i,
  input  logic          l_in2_en_i,
  input  logic [31:0]   l_in1_i,
  input  logic [31:0]   l_in2_i,
  input  logic [31:0]   l_out_i,
  input  logic [31:0]   l_stride_i,
  input  logic [15:0]   l_rows_i,
  input  logic [15:0]   l_d_i,
  input  logic [31:0]   l_gamma_i,
  input  logic [31:0]   l_beta_i,
  output logic          l_done_o,
  // shared requantization pair
  input  logic [15:0]   rq_m_i,
  input  logic [5:0]    rq_s_i,
  // engines
  output logic          rd_idle_o,
  output logic          wr_idle_o,
  output logic          rd_err_o,
  output logic          wr_err_o,
  output logic [3:0]    m_axi_awid,
  output logic [31:0]   m_axi_awaddr,
  output logic [7:0]    m_axi_awlen,
  output logic [2:0]    m_axi_awsize,
  output logic [1:0]    m_axi_awburst,
  output logic          m_axi_awvalid,
  input  logic          m_axi_awready,
  output logic [127:0]  m_axi_wdata,
  output logic [15:0]   m_axi_wstrb,
  output logic          m_axi_wlast,
  output logic          m_axi_wvalid,
  input  logic          m_axi_wready,
  input  logic [3:0]    m_axi_bid,
  input  logic [1:0]    m_axi_bresp,
  input  logic          m_axi_bvalid,
  output logic          m_axi_bready,
  output logic [3:0]    m_axi_arid,
  output logic [31:0]   m_axi_araddr,
  output logic [7:0]    m_axi_arlen,
  output logic [2:0]    m_axi_arsize,
  output logic [1:0]    m_axi_arburst,
  output logic          m_axi_arvalid,
  input  logic          m_axi_arready,
  input  logic [3:0]    m_axi_rid,
  input  logic [127:0]  m_axi_rdata,
  input  logic [1:0]    m_axi_rresp,
  input  logic          m_axi_rlast,
  input  logic          m_axi_rvalid,
  output logic          m_axi_rready
);

  localparam int unsigned DW = 128;
  localparam int unsigned LW = esact_types_pkg::REQ_LEN_W;

  logic          rd_req_valid, rd_req_ready, rd_data_valid, rd_data_ready, rd_last;
  logic [31:0]   rd_req_addr;
  logic [LW-1:0] rd_req_len;
  logic [DW-1:0] rd_data;
  logic          wr_req_valid, wr_req_ready, wr_data_valid, wr_data_ready;
  logic [31:0]   wr_req_addr;
  logic [LW-1:0] wr_req_len;
  logic [DW-1:0] wr_data;
  logic          rd_stall, wr_stall;

  esact_axi_rd #(.AW(32), .DW(DW), .IDW(4), .LW(LW)) u_rd (
    .clk_i, .rst_ni, .req_valid_i(rd_req_valid), .req_ready_o(rd_req_ready),
    .req_addr_i(rd_req_addr), .req_len_i(rd_req_len), .data_valid_o(rd_data_valid),
    .data_ready_i(rd_data_ready), .data_o(rd_data), .data_last_o(rd_last), .abort_i,
    .clear_i(1'b0), .idle_o(rd_idle_o), .err_o(rd_err_o), .stall_o(rd_stall),
    .m_axi_arid, .m_axi_araddr, .m_axi_arlen, .m_axi_arsize, .m_axi_arburst, .m_axi_arvalid,
    .m_axi_arready, .m_axi_rid, .m_axi_rdata, .m_axi_rresp, .m_axi_rlast, .m_axi_rvalid,
    .m_axi_rready);
  esact_axi_wr #(.AW(32), .DW(DW), .IDW(4), .LW(LW)) u_wr (
    .clk_i, .rst_ni, .req_valid_i(wr_req_valid), .req_ready_o(wr_req_ready),
    .req_addr_i(wr_req_addr), .req_len_i(wr_req_len), .data_valid_i(wr_data_valid),
    .data_ready_o(wr_data_ready), .data_i(wr_data), .abort_i, .clear_i(1'b0),
    .idle_o(wr_idle_o), .err_o(wr_err_o), .stall_o(wr_stall),
    .m_axi_awid, .m_axi_awaddr, .m_axi_awlen, .m_axi_awsize, .m_axi_awburst, .m_axi_awvalid,
    .m_axi_awready, .m_axi_wdata, .m_axi_wstrb, .m_axi_wlast, .m_axi_wvalid, .m_axi_wready,
    .m_axi_bid, .m_axi_bresp, .m_axi_bvalid, .m_axi_bready);

  logic          g_rqv, g_rdr, g_wqv, g_wdv, s_rqv, s_rdr, s_wqv, s_wdv, l_rqv, l_rdr, l_wqv, l_wdv;
  logic [31:0]   g_rqa, g_wqa, s_rqa, s_wqa, l_rqa, l_wqa;
  logic [LW-1:0] g_rql, g_wql, s_rql, s_wql, l_rql, l_wql;
  logic [DW-1:0] g_wd, s_wd, l_wd;
  logic          g_busy, s_busy, l_busy;
  logic [15:0]   g_row_idx, s_row_idx, l_row_idx;   // SPLS leader-list lookups (unused here)

  esact_gemm #(.MR(MR), .MC(16), .DW(DW), .AW(32), .KC(KC), .AB(AB), .LW(LW)) u_gemm (
    .clk_i, .rst_ni, .start_i(g_start_i), .abort_i, .a_addr_i(g_a_i), .lda_i(g_lda_i),
    .b_addr_i(g_b_i), .ldb_i(g_ldb_i), .b_trans_i(g_trans_i), .bias_addr_i(g_bias_i),
    .bias_en_i(g_bias_en_i), .out_addr_i(g_out_i), .ldo_i(g_ldo_i), .m_i(g_m_i), .k_i(g_k_i),
    .n_i(g_n_i), .epi_i(g_epi_i), .rq_m_i, .rq_s_i, .gelu_addr_i(g_gelu_i), .gather_i(1'b0), .r0_i('0),
    .row_idx_o(g_row_idx), .row_i('0), .kvs_i(1'b0), .mask_addr_i('0), .mask_stride_i('0), .lcnt_i('0),
    .busy_o(g_busy),
    .done_o(g_done_o), .mac_inc_o(g_mac_inc_o), .xmac_inc_o(g_xmac_inc_o),
    .rd_req_valid_o(g_rqv), .rd_req_ready_i(rd_req_ready && unit_i == 2'd1), .rd_req_addr_o(g_rqa),
    .rd_req_len_o(g_rql), .rd_data_valid_i(rd_data_valid && unit_i == 2'd1), .rd_data_ready_o(g_rdr),
    .rd_data_i(rd_data), .wr_req_valid_o(g_wqv), .wr_req_ready_i(wr_req_ready && unit_i == 2'd1),
    .wr_req_addr_o(g_wqa), .wr_req_len_o(g_wql), .wr_data_valid_o(g_wdv),
    .wr_data_ready_i(wr_data_ready && unit_i == 2'd1), .wr_data_o(g_wd));

  esact_softmax #(.N_MAX(N_MAX), .DW(DW), .AW(32), .LW(LW)) u_softmax (
    .clk_i, .rst_ni, .start_i(s_start_i), .abort_i, .in_addr_i(s_in_i), .in_stride_i(s_in_stride_i),
    .out_addr_i(s_out_i), .out_stride_i(s_out_stride_i), .rows_i(s_rows_i), .n_i(s_n_i),
    .m_i(rq_m_i), .s_i(rq_s_i), .mask_en_i(1'b0), .mask_addr_i('0), .mask_stride_i('0),
    .gather_i(1'b0), .r0_i('0), .row_idx_o(s_row_idx), .row_i('0), .busy_o(s_busy), .done_o(s_done_o),
    .rd_req_valid_o(s_rqv), .rd_req_ready_i(rd_req_ready && unit_i == 2'd2), .rd_req_addr_o(s_rqa),
    .rd_req_len_o(s_rql), .rd_data_valid_i(rd_data_valid && unit_i == 2'd2), .rd_data_ready_o(s_rdr),
    .rd_data_i(rd_data), .wr_req_valid_o(s_wqv), .wr_req_ready_i(wr_req_ready && unit_i == 2'd2),
    .wr_req_addr_o(s_wqa), .wr_req_len_o(s_wql), .wr_data_valid_o(s_wdv),
    .wr_data_ready_i(wr_data_ready && unit_i == 2'd2), .wr_data_o(s_wd));

  esact_layernorm #(.D_MAX(D_MAX), .DW(DW), .AW(32), .LW(LW)) u_ln (
    .clk_i, .rst_ni, .start_i(l_start_i), .abort_i, .mode_ln_i(l_mode_ln_i), .in2_en_i(l_in2_en_i),
    .in1_addr_i(l_in1_i), .in2_addr_i(l_in2_i), .out_addr_i(l_out_i), .stride_i(l_stride_i),
    .rows_i(l_rows_i), .d_i(l_d_i), .gamma_addr_i(l_gamma_i), .beta_addr_i(l_beta_i),
    .m_i(rq_m_i), .s_i(rq_s_i), .lead_en_i(1'b0), .lead_addr_i('0),
    .gather_i(1'b0), .r0_i('0), .row_idx_o(l_row_idx), .row_i('0), .busy_o(l_busy), .done_o(l_done_o),
    .rd_req_valid_o(l_rqv), .rd_req_ready_i(rd_req_ready && unit_i == 2'd3), .rd_req_addr_o(l_rqa),
    .rd_req_len_o(l_rql), .rd_data_valid_i(rd_data_valid && unit_i == 2'd3), .rd_data_ready_o(l_rdr),
    .rd_data_i(rd_data), .wr_req_valid_o(l_wqv), .wr_req_ready_i(wr_req_ready && unit_i == 2'd3),
    .wr_req_addr_o(l_wqa), .wr_req_len_o(l_wql), .wr_data_valid_o(l_wdv),
    .wr_data_ready_i(wr_data_ready && unit_i == 2'd3), .wr_data_o(l_wd));

  always_comb begin
    unique case (unit_i)
      2'd2: begin
        rd_req_valid = s_rqv; rd_req_addr = s_rqa; rd_req_len = s_rql; rd_data_ready = s_rdr;
        wr_req_valid = s_wqv; wr_req_addr = s_wqa; wr_req_len = s_wql; wr_data_valid = s_wdv; wr_data = s_wd;
      end
      2'd3: begin
        rd_req_valid = l_rqv; rd_req_addr = l_rqa; rd_req_len = l_rql; rd_data_ready = l_rdr;
        wr_req_valid = l_wqv; wr_req_addr = l_wqa; wr_req_len = l_wql; wr_data_valid = l_wdv; wr_data = l_wd;
      end
      default: begin
        rd_req_valid = g_rqv; rd_req_addr = g_rqa; rd_req_len = g_rql; rd_data_ready = g_rdr;
        wr_req_valid = g_wqv; wr_req_addr = g_wqa; wr_req_len = g_wql; wr_data_valid = g_wdv; wr_data = g_wd;
      end
    endcase
  end

  logic unused_tb;
  assign unused_tb = ^{rd_last, rd_stall, wr_stall, g_busy, s_busy, l_busy, g_row_idx, s_row_idx, l_row_idx};

endmodule
