// Test bench: NP unit ports on the shared memory system of esact_top
// (esact_rd_arb + esact_axi_rd, esact_wr_arb + esact_axi_wr), with a stream
// checker on every port.  Port p's signals are bits [p*W +: W] of the flat
// vectors; the C++ test drives the ports as independent masters.
module tb_mem_ports #(
  parameter int unsigned NP = 3,
  parameter int unsigned QD = 16,
  parameter int unsigned PRIO = 2   // the arbiters' priority port (as the GEMM's in esact_top)
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               abort_i,
  input  logic [NP-1:0]      rd_req_valid_i,
  output logic [NP-1:0]      rd_req_ready_o,
  input  logic [NP*32-1:0]   rd_req_addr_i,
  input  logic [NP*24-1:0]   rd_req_len_i,
  output logic [NP-1:0]      rd_data_valid_o,
  input  logic [NP-1:0]      rd_data_ready_i,
  output logic [127:0]       rd_data_o,
  output logic               rd_data_last_o,
  input  logic [NP-1:0]      wr_req_valid_i,
  output logic [NP-1:0]      wr_req_ready_o,
  input  logic [NP*32-1:0]   wr_req_addr_i,
  input  logic [NP*24-1:0]   wr_req_len_i,
  input  logic [NP-1:0]      wr_data_valid_i,
  output logic [NP-1:0]      wr_data_ready_o,
  input  logic [NP*128-1:0]  wr_data_i,
  output logic               rd_idle_o,
  output logic               wr_idle_o,
  // AXI4 master
  output logic [3:0]         m_axi_awid,
  output logic [31:0]        m_axi_awaddr,
  output logic [7:0]         m_axi_awlen,
  output logic [2:0]         m_axi_awsize,
  output logic [1:0]         m_axi_awburst,
  output logic               m_axi_awvalid,
  input  logic               m_axi_awready,
  output logic [127:0]       m_axi_wdata,
  output logic [15:0]        m_axi_wstrb,
  output logic               m_axi_wlast,
  output logic               m_axi_wvalid,
  input  logic               m_axi_wready,
  input  logic [3:0]         m_axi_bid,
  input  logic [1:0]         m_axi_bresp,
  input  logic               m_axi_bvalid,
  output logic               m_axi_bready,
  output logic [3:0]         m_axi_arid,
  output logic [31:0]        m_axi_araddr,
  output logic [7:0]         m_axi_arlen,
  output logic [2:0]         m_axi_arsize,
  output logic [1:0]         m_axi_arburst,
  output logic               m_axi_arvalid,
  input  logic               m_axi_arready,
  input  logic [3:0]         m_axi_rid,
  input  logic [127:0]       m_axi_rdata,
  input  logic [1:0]         m_axi_rresp,
  input  logic               m_axi_rlast,
  input  logic               m_axi_rvalid,
  output logic               m_axi_rready
);

  localparam int unsigned LW = esact_types_pkg::REQ_LEN_W;

  logic          e_rq_valid, e_rq_ready, e_rd_valid, e_rd_ready, e_rd_last;
  logic [31:0]   e_rq_addr;
  logic [LW-1:0] e_rq_len;
  logic [127:0]  e_rd_data;
  logic          e_wq_valid, e_wq_ready, e_wd_valid, e_wd_ready;
  logic [31:0]   e_wq_addr;
  logic [LW-1:0] e_wq_len;
  logic [127:0]  e_wd_data;
  logic          rd_err, wr_err, rd_stall, wr_stall;

  esact_rd_arb #(.N(NP), .AW(32), .DW(128), .LW(LW), .QD(QD), .PRIO(PRIO)) u_rd_arb (
    .clk_i, .rst_ni, .abort_i,
    .req_valid_i(rd_req_valid_i), .req_ready_o(rd_req_ready_o), .req_addr_i(rd_req_addr_i),
    .req_len_i(rd_req_len_i), .data_valid_o(rd_data_valid_o), .data_ready_i(rd_data_ready_i),
    .data_o(rd_data_o), .data_last_o(rd_data_last_o),
    .eng_req_valid_o(e_rq_valid), .eng_req_ready_i(e_rq_ready), .eng_req_addr_o(e_rq_addr),
    .eng_req_len_o(e_rq_len), .eng_data_valid_i(e_rd_valid), .eng_data_ready_o(e_rd_ready),
    .eng_data_i(e_rd_data), .eng_data_last_i(e_rd_last));

  esact_axi_rd #(.AW(32), .DW(128), .IDW(4), .LW(LW), .QD(QD)) u_rd (
    .clk_i, .rst_ni, .req_valid_i(e_rq_valid), .req_ready_o(e_rq_ready), .req_addr_i(e_rq_addr),
    .req_len_i(e_rq_len), .data_valid_o(e_rd_valid), .data_ready_i(e_rd_ready), .data_o(e_rd_data),
    .data_last_o(e_rd_last), .abort_i, .clear_i(1'b0), .idle_o(rd_idle_o), .err_o(rd_err),
    .stall_o(rd_stall),
    .m_axi_arid, .m_axi_araddr, .m_axi_arlen, .m_axi_arsize, .m_axi_arburst, .m_axi_arvalid,
    .m_axi_arready, .m_axi_rid, .m_axi_rdata, .m_axi_rresp, .m_axi_rlast, .m_axi_rvalid,
    .m_axi_rready);

  esact_wr_arb #(.N(NP), .AW(32), .DW(128), .LW(LW), .PRIO(PRIO)) u_wr_arb (
    .clk_i, .rst_ni, .abort_i,
    .req_valid_i(wr_req_valid_i), .req_ready_o(wr_req_ready_o), .req_addr_i(wr_req_addr_i),
    .req_len_i(wr_req_len_i), .data_valid_i(wr_data_valid_i), .data_ready_o(wr_data_ready_o),
    .data_i(wr_data_i),
    .eng_req_valid_o(e_wq_valid), .eng_req_ready_i(e_wq_ready), .eng_req_addr_o(e_wq_addr),
    .eng_req_len_o(e_wq_len), .eng_data_valid_o(e_wd_valid), .eng_data_ready_i(e_wd_ready),
    .eng_data_o(e_wd_data));

  esact_axi_wr #(.AW(32), .DW(128), .IDW(4), .LW(LW)) u_wr (
    .clk_i, .rst_ni, .req_valid_i(e_wq_valid), .req_ready_o(e_wq_ready), .req_addr_i(e_wq_addr),
    .req_len_i(e_wq_len), .data_valid_i(e_wd_valid), .data_ready_o(e_wd_ready), .data_i(e_wd_data),
    .abort_i, .clear_i(1'b0), .idle_o(wr_idle_o), .err_o(wr_err), .stall_o(wr_stall),
    .m_axi_awid, .m_axi_awaddr, .m_axi_awlen, .m_axi_awsize, .m_axi_awburst, .m_axi_awvalid,
    .m_axi_awready, .m_axi_wdata, .m_axi_wstrb, .m_axi_wlast, .m_axi_wvalid, .m_axi_wready,
    .m_axi_bid, .m_axi_bresp, .m_axi_bvalid, .m_axi_bready);

  for (genvar p = 0; p < NP; p++) begin : g_chk
    esact_stream_chk #(.W(32 + LW)) u_rd_req (
      .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(rd_req_valid_i[p]), .ready_i(rd_req_ready_o[p]),
      .data_i({rd_req_addr_i[p*32 +: 32], rd_req_len_i[p*LW +: LW]}));
    esact_stream_chk #(.W(129)) u_rd_data (
      .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(rd_data_valid_o[p]), .ready_i(rd_data_ready_i[p]),
      .data_i({rd_data_o, rd_data_last_o}));
    esact_stream_chk #(.W(32 + LW)) u_wr_req (
      .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(wr_req_valid_i[p]), .ready_i(wr_req_ready_o[p]),
      .data_i({wr_req_addr_i[p*32 +: 32], wr_req_len_i[p*LW +: LW]}));
    esact_stream_chk #(.W(128)) u_wr_data (
      .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(wr_data_valid_i[p]), .ready_i(wr_data_ready_o[p]),
      .data_i(wr_data_i[p*128 +: 128]));
  end

  logic unused_tb;
  assign unused_tb = ^{rd_err, wr_err, rd_stall, wr_stall};

endmodule
