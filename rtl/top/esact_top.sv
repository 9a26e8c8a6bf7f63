// ESACT accelerator top: CSRs, sequencer, AXI engines and the layer datapath.
//
//   s_axil --> esact_csr --> esact_seq (CSR + descriptor checks, layers, abort)
//                              | list address, count
//                              v
//              esact_cmd_fetch (command records) --> esact_dispatch --+--> esact_gemm
//                                                   (decode, checks,  +--> esact_softmax
//                                                    wait counts)     +--> esact_layernorm
//                                                                     +--> esact_predict (SPLS_EN)
//   control (sequencer / fetcher) + units (one memory port each, index unit_e)
//                   --> esact_rd_arb --> esact_axi_rd --+--> m_axi
//                   --> esact_wr_arb --> esact_axi_wr --+
//
// The arbiters let several units stream at once (reads: the GEMM's requests
// first, the others' by beats in flight, read data returned in request order
// to the requesting port; writes: the GEMM's requests first, then round
// robin).  Under
// `ifndef SYNTHESIS every valid/ready stream (the ports, the engines' inputs,
// AR/AW/W) has an esact_stream_chk, and the parameter constraints are checked.
//
// Ports exactly as docs/memory-map.md; the command list and its dependency
// scheme in docs/architecture.md; the units' dataflow in docs/layer-rtl.md.
module esact_top #(
  parameter int unsigned AXI_AW  = esact_pkg::AXI_AW,
  parameter int unsigned AXI_DW  = esact_pkg::AXI_DW,
  parameter int unsigned AXI_IDW = esact_pkg::AXI_IDW,
  parameter int unsigned CSR_AW  = esact_pkg::CSR_AW,
  parameter int unsigned MAC_ROWS = esact_pkg::MAC_ROWS,
  parameter int unsigned MAC_COLS = esact_pkg::MAC_COLS,
  parameter int unsigned N_MAX   = esact_pkg::N_MAX,
  parameter int unsigned D_MAX   = esact_pkg::D_MAX,
  parameter int unsigned GEMM_KC = esact_pkg::F_MAX, // GEMM: maximum k (B buffer: 2 banks x MAC_COLS lanes x GEMM_KC bytes)
  parameter int unsigned GEMM_AB = 8192,            // GEMM: A buffer bytes per lane (MAC_ROWS lanes; rows resident per block)
  parameter int unsigned RD_QD   = 16,              // read requests queued in esact_axi_rd
  parameter int unsigned SPLS_EN = 1                // 1: SPLS front end built in (OP_PRED, MODE = 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // AXI4-Lite slave (CSRs)
  input  logic [CSR_AW-1:0]     s_axil_awaddr,
  input  logic                  s_axil_awvalid,
  output logic                  s_axil_awready,
  input  logic [31:0]           s_axil_wdata,
  input  logic [3:0]            s_axil_wstrb,
  input  logic                  s_axil_wvalid,
  output logic                  s_axil_wready,
  output logic [1:0]            s_axil_bresp,
  output logic                  s_axil_bvalid,
  input  logic                  s_axil_bready,
  input  logic [CSR_AW-1:0]     s_axil_araddr,
  input  logic                  s_axil_arvalid,
  output logic                  s_axil_arready,
  output logic [31:0]           s_axil_rdata,
  output logic [1:0]            s_axil_rresp,
  output logic                  s_axil_rvalid,
  input  logic                  s_axil_rready,
  // AXI4 master (memory)
  output logic [AXI_IDW-1:0]    m_axi_awid,
  output logic [AXI_AW-1:0]     m_axi_awaddr,
  output logic [7:0]            m_axi_awlen,
  output logic [2:0]            m_axi_awsize,
  output logic [1:0]            m_axi_awburst,
  output logic                  m_axi_awvalid,
  input  logic                  m_axi_awready,
  output logic [AXI_DW-1:0]     m_axi_wdata,
  output logic [AXI_DW/8-1:0]   m_axi_wstrb,
  output logic                  m_axi_wlast,
  output logic                  m_axi_wvalid,
  input  logic                  m_axi_wready,
  input  logic [AXI_IDW-1:0]    m_axi_bid,
  input  logic [1:0]            m_axi_bresp,
  input  logic                  m_axi_bvalid,
  output logic                  m_axi_bready,
  output logic [AXI_IDW-1:0]    m_axi_arid,
  output logic [AXI_AW-1:0]     m_axi_araddr,
  output logic [7:0]            m_axi_arlen,
  output logic [2:0]            m_axi_arsize,
  output logic [1:0]            m_axi_arburst,
  output logic                  m_axi_arvalid,
  input  logic                  m_axi_arready,
  input  logic [AXI_IDW-1:0]    m_axi_rid,
  input  logic [AXI_DW-1:0]     m_axi_rdata,
  input  logic [1:0]            m_axi_rresp,
  input  logic                  m_axi_rlast,
  input  logic                  m_axi_rvalid,
  output logic                  m_axi_rready,
  output logic                  irq_o
);

  localparam int unsigned AW = AXI_AW;
  localparam int unsigned DW = AXI_DW;
  localparam int unsigned LW = esact_types_pkg::REQ_LEN_W;
  localparam int unsigned NU = esact_types_pkg::N_UNITS;
  localparam int unsigned PQ = 32'(esact_types_pkg::U_SEQ);   // memory port of each unit
  localparam int unsigned PG = 32'(esact_types_pkg::U_GEMM);
  localparam int unsigned PS = 32'(esact_types_pkg::U_SM);
  localparam int unsigned PL = 32'(esact_types_pkg::U_LN);
  localparam int unsigned PP = 32'(esact_types_pkg::U_PRED);

  // CSR <-> sequencer.
  logic        start, busy, done_set, err_set;
  esact_types_pkg::err_e err_code;
  logic [31:0] err_info;
  logic [31:0] desc_base, n_layers, n_tokens, mode, scratch_base, scratch_size;
  esact_types_pkg::phase_e phase;
  logic [15:0] mac_inc, xmac_inc;
  logic        rd_stall, wr_stall;

  esact_csr #(.CSR_AW(CSR_AW)) u_csr (
    .clk_i, .rst_ni,
    .s_axil_awaddr, .s_axil_awvalid, .s_axil_awready, .s_axil_wdata, .s_axil_wstrb,
    .s_axil_wvalid, .s_axil_wready, .s_axil_bresp, .s_axil_bvalid, .s_axil_bready,
    .s_axil_araddr, .s_axil_arvalid, .s_axil_arready, .s_axil_rdata, .s_axil_rresp,
    .s_axil_rvalid, .s_axil_rready,
    .start_o(start), .desc_base_o(desc_base), .n_layers_o(n_layers), .n_tokens_o(n_tokens),
    .mode_o(mode), .scratch_base_o(scratch_base), .scratch_size_o(scratch_size),
    .busy_i(busy), .done_set_i(done_set), .err_set_i(err_set), .err_code_i(err_code),
    .err_info_i(err_info), .phase_i(phase), .mac_inc_i(mac_inc), .xmac_inc_i(xmac_inc), .rd_stall_i(rd_stall),
    .wr_stall_i(wr_stall), .rd_beat_i(m_axi_rvalid && m_axi_rready),
    .wr_beat_i(m_axi_wvalid && m_axi_wready), .irq_o);

  // Memory ports of the sequencer and the units (index unit_e), arbitrated below.
  logic [NU-1:0]         p_rd_req_valid, p_rd_req_ready, p_rd_data_valid, p_rd_data_ready;
  logic [NU*AW-1:0] p_rd_req_addr;
  logic [NU*LW-1:0] p_rd_req_len;
  logic [DW-1:0]         rd_data;          // to every port (valid tells whose)
  logic                  rd_data_last;
  logic [NU-1:0]         p_wr_req_valid, p_wr_req_ready, p_wr_data_valid, p_wr_data_ready;
  logic [NU*AW-1:0] p_wr_req_addr;
  logic [NU*LW-1:0] p_wr_req_len;
  logic [NU*DW-1:0] p_wr_data;

  // Engine side (after the arbiters).
  logic          rd_req_valid, rd_req_ready, rd_data_valid, rd_data_ready, eng_rd_data_last;
  logic [AW-1:0] rd_req_addr;
  logic [LW-1:0] rd_req_len;
  logic [DW-1:0] eng_rd_data;
  logic          wr_req_valid, wr_req_ready, wr_data_valid, wr_data_ready;
  logic [AW-1:0] wr_req_addr;
  logic [LW-1:0] wr_req_len;
  logic [DW-1:0] wr_data;
  logic          abort, clear, rd_idle, rd_err, wr_idle, wr_err;

  esact_axi_rd #(.AW(AW), .DW(DW), .IDW(AXI_IDW), .LW(LW), .QD(RD_QD)) u_rd (
    .clk_i, .rst_ni,
    .req_valid_i(rd_req_valid), .req_ready_o(rd_req_ready), .req_addr_i(rd_req_addr),
    .req_len_i(rd_req_len), .data_valid_o(rd_data_valid), .data_ready_i(rd_data_ready),
    .data_o(eng_rd_data), .data_last_o(eng_rd_data_last), .abort_i(abort), .clear_i(clear),
    .idle_o(rd_idle), .err_o(rd_err), .stall_o(rd_stall),
    .m_axi_arid, .m_axi_araddr, .m_axi_arlen, .m_axi_arsize, .m_axi_arburst, .m_axi_arvalid,
    .m_axi_arready, .m_axi_rid, .m_axi_rdata, .m_axi_rresp, .m_axi_rlast, .m_axi_rvalid,
    .m_axi_rready);

  esact_axi_wr #(.AW(AW), .DW(DW), .IDW(AXI_IDW), .LW(LW)) u_wr (
    .clk_i, .rst_ni,
    .req_valid_i(wr_req_valid), .req_ready_o(wr_req_ready), .req_addr_i(wr_req_addr),
    .req_len_i(wr_req_len), .data_valid_i(wr_data_valid), .data_ready_o(wr_data_ready),
    .data_i(wr_data), .abort_i(abort), .clear_i(clear), .idle_o(wr_idle), .err_o(wr_err),
    .stall_o(wr_stall),
    .m_axi_awid, .m_axi_awaddr, .m_axi_awlen, .m_axi_awsize, .m_axi_awburst, .m_axi_awvalid,
    .m_axi_awready, .m_axi_wdata, .m_axi_wstrb, .m_axi_wlast, .m_axi_wvalid, .m_axi_wready,
    .m_axi_bid, .m_axi_bresp, .m_axi_bvalid, .m_axi_bready);

  // Sequencer, command fetcher and dispatcher.
  logic          list_start, list_run, list_done, list_err;
  logic [AW-1:0] list_addr;
  logic [15:0]   list_count, list_err_idx;
  logic [7:0]    list_err_word;
  esact_types_pkg::phase_e list_phase;
  // The control memory port (U_SEQ): the sequencer's descriptor reads, or the
  // fetcher's while a list runs (list_run).
  logic          q_rd_req_valid, q_rd_data_ready, f_rd_req_valid, f_rd_data_ready;
  logic [AW-1:0] q_rd_req_addr, f_rd_req_addr;
  logic [LW-1:0] q_rd_req_len, f_rd_req_len;

  logic          p_err;
  logic [7:0]    p_err_bits;
  logic [15:0]   p_idx;

  esact_seq #(.AW(AW), .DW(DW), .LW(LW), .N_MAX(N_MAX), .D_MAX(D_MAX), .SPLS_EN(SPLS_EN)) u_seq (
    .clk_i, .rst_ni,
    .start_i(start), .desc_base_i(desc_base), .n_layers_i(n_layers), .n_tokens_i(n_tokens),
    .mode_i(mode), .scratch_base_i(scratch_base), .scratch_size_i(scratch_size),
    .busy_o(busy), .done_set_o(done_set), .err_set_o(err_set), .err_code_o(err_code),
    .err_info_o(err_info), .phase_o(phase), .abort_o(abort), .clear_o(clear),
    .rd_req_valid_o(q_rd_req_valid), .rd_req_ready_i(p_rd_req_ready[PQ] && !list_run),
    .rd_req_addr_o(q_rd_req_addr), .rd_req_len_o(q_rd_req_len),
    .rd_data_valid_i(p_rd_data_valid[PQ] && !list_run), .rd_data_ready_o(q_rd_data_ready),
    .rd_data_i(rd_data),
    .rd_idle_i(rd_idle), .rd_err_i(rd_err), .wr_idle_i(wr_idle), .wr_err_i(wr_err),
    .list_start_o(list_start), .list_run_o(list_run), .list_addr_o(list_addr),
    .list_count_o(list_count), .list_phase_i(list_phase), .list_done_i(list_done),
    .list_err_i(list_err), .list_err_idx_i(list_err_idx), .list_err_word_i(list_err_word),
    .knob_err_i(p_err), .knob_err_bits_i(p_err_bits), .knob_err_idx_i(p_idx));

  localparam int unsigned RW = esact_types_pkg::CMD_WORDS * 32;
  logic          rec_valid, rec_ready;
  logic [RW-1:0] rec;
  logic [15:0]   rec_idx;

  esact_cmd_fetch #(.AW(AW), .DW(DW), .LW(LW)) u_cmd_fetch (
    .clk_i, .rst_ni, .start_i(list_start), .abort_i(abort), .addr_i(list_addr), .count_i(list_count),
    .rd_req_valid_o(f_rd_req_valid), .rd_req_ready_i(p_rd_req_ready[PQ] && list_run),
    .rd_req_addr_o(f_rd_req_addr), .rd_req_len_o(f_rd_req_len),
    .rd_data_valid_i(p_rd_data_valid[PQ] && list_run), .rd_data_ready_o(f_rd_data_ready),
    .rd_data_i(rd_data),
    .cmd_valid_o(rec_valid), .cmd_ready_i(rec_ready), .cmd_o(rec), .cmd_idx_o(rec_idx));

  assign p_rd_req_valid[PQ]           = list_run ? f_rd_req_valid : q_rd_req_valid;
  assign p_rd_req_addr[PQ*AW +: AW]   = list_run ? f_rd_req_addr : q_rd_req_addr;
  assign p_rd_req_len[PQ*LW +: LW]    = list_run ? f_rd_req_len : q_rd_req_len;
  assign p_rd_data_ready[PQ]          = list_run ? f_rd_data_ready : q_rd_data_ready;

  logic          g_valid, s_valid, l_valid, g_busy, s_busy, l_busy, g_done, s_done, l_done;
  esact_types_pkg::gemm_cmd_t g_cmd;
  esact_types_pkg::sm_cmd_t   s_cmd;
  esact_types_pkg::ln_cmd_t   l_cmd;
  logic          p_valid, p_busy, p_done;
  esact_types_pkg::pred_cmd_t p_cmd;
  // SPLS leader list (stage C): PREDICT writes list[ordinal] = row of each
  // leader; the GEMM (A row gather), the softmax (mask gather) and the
  // LayerNorm (in1 row gather) look rows up.
  logic          list_we;
  logic [15:0]   list_ord, list_row, lcount, g_row_idx, g_row, s_row_idx, s_row, l_row_idx, l_row;
  logic          g_kvs;                  // SPLS key rows (K / V of one head on the keys of U)
  logic [15:0]   g_lcnt;

  esact_dispatch #(.AW(AW), .N_MAX(N_MAX), .D_MAX(D_MAX), .KC(GEMM_KC), .SPLS_EN(SPLS_EN)) u_dispatch (
    .clk_i, .rst_ni, .start_i(list_start), .abort_i(abort), .count_i(list_count),
    .cmd_valid_i(rec_valid), .cmd_ready_o(rec_ready), .cmd_i(rec), .cmd_idx_i(rec_idx),
    .aw_hs_i(m_axi_awvalid && m_axi_awready), .b_hs_i(m_axi_bvalid && m_axi_bready),
    .wr_idle_i(wr_idle), .rd_idle_i(rd_idle),
    .g_valid_o(g_valid), .g_busy_i(g_busy), .g_done_i(g_done), .g_cmd_o(g_cmd),
    .g_kvs_o(g_kvs), .g_lcnt_o(g_lcnt),
    .s_valid_o(s_valid), .s_busy_i(s_busy), .s_done_i(s_done), .s_cmd_o(s_cmd),
    .l_valid_o(l_valid), .l_busy_i(l_busy), .l_done_i(l_done), .l_cmd_o(l_cmd),
    .p_valid_o(p_valid), .p_busy_i(p_busy), .p_done_i(p_done), .p_lcount_i(lcount), .p_cmd_o(p_cmd),
    .p_idx_o(p_idx),
    .phase_o(list_phase), .done_o(list_done), .err_o(list_err), .err_idx_o(list_err_idx),
    .err_word_o(list_err_word));

  // A unit starts on the handshake of its command stream (ready = idle).
  logic g_start, s_start, l_start, p_start;
  assign g_start = g_valid && !g_busy;
  assign s_start = s_valid && !s_busy;
  assign l_start = l_valid && !l_busy;
  assign p_start = p_valid && !p_busy;

  // Units.

  // SPLS key rows: the head's masks at CMD_ADDR4 (the GELU table's word, no
  // GELU epilogue then), their stride in CMD_X1[15:0] (r0's word, no leader rows).
  esact_gemm #(.MR(MAC_ROWS), .MC(MAC_COLS), .DW(DW), .AW(AW), .KC(GEMM_KC), .AB(GEMM_AB), .LW(LW),
               .SPLS(SPLS_EN), .N_MAX(N_MAX)) u_gemm (
    .clk_i, .rst_ni, .start_i(g_start), .abort_i(abort),
    .a_addr_i(g_cmd.a), .lda_i(g_cmd.lda), .b_addr_i(g_cmd.b), .ldb_i(g_cmd.ldb),
    .b_trans_i(g_cmd.trans), .bias_addr_i(g_cmd.bias), .bias_en_i(g_cmd.bias_en),
    .out_addr_i(g_cmd.out), .ldo_i(g_cmd.ldo), .m_i(g_cmd.m), .k_i(g_cmd.k), .n_i(g_cmd.n),
    .epi_i(g_cmd.epi), .rq_m_i(g_cmd.rq.m), .rq_s_i(g_cmd.rq.s), .gelu_addr_i(g_cmd.gelu),
    .gather_i(g_cmd.gather), .r0_i(g_cmd.r0), .row_idx_o(g_row_idx), .row_i(g_row),
    .kvs_i(g_kvs), .mask_addr_i(g_cmd.gelu), .mask_stride_i(g_cmd.r0), .lcnt_i(g_lcnt),
    .busy_o(g_busy), .done_o(g_done), .mac_inc_o(mac_inc), .xmac_inc_o(xmac_inc),
    .rd_req_valid_o(p_rd_req_valid[PG]), .rd_req_ready_i(p_rd_req_ready[PG]),
    .rd_req_addr_o(p_rd_req_addr[PG*AW +: AW]), .rd_req_len_o(p_rd_req_len[PG*LW +: LW]),
    .rd_data_valid_i(p_rd_data_valid[PG]), .rd_data_ready_o(p_rd_data_ready[PG]),
    .rd_data_i(rd_data),
    .wr_req_valid_o(p_wr_req_valid[PG]), .wr_req_ready_i(p_wr_req_ready[PG]),
    .wr_req_addr_o(p_wr_req_addr[PG*AW +: AW]), .wr_req_len_o(p_wr_req_len[PG*LW +: LW]),
    .wr_data_valid_o(p_wr_data_valid[PG]), .wr_data_ready_i(p_wr_data_ready[PG]),
    .wr_data_o(p_wr_data[PG*DW +: DW]));

  esact_softmax #(.N_MAX(N_MAX), .SPLS(SPLS_EN), .DW(DW), .AW(AW), .LW(LW)) u_softmax (
    .clk_i, .rst_ni, .start_i(s_start), .abort_i(abort),
    .in_addr_i(s_cmd.in), .in_stride_i(s_cmd.in_stride), .out_addr_i(s_cmd.out),
    .out_stride_i(s_cmd.out_stride), .rows_i(s_cmd.rows), .n_i(s_cmd.n), .m_i(s_cmd.rq.m),
    .s_i(s_cmd.rq.s), .mask_en_i(s_cmd.mask_en), .mask_addr_i(s_cmd.mask),
    .mask_stride_i(s_cmd.mask_stride), .gather_i(s_cmd.gather), .r0_i(s_cmd.r0),
    .row_idx_o(s_row_idx), .row_i(s_row), .busy_o(s_busy), .done_o(s_done),
    .rd_req_valid_o(p_rd_req_valid[PS]), .rd_req_ready_i(p_rd_req_ready[PS]),
    .rd_req_addr_o(p_rd_req_addr[PS*AW +: AW]), .rd_req_len_o(p_rd_req_len[PS*LW +: LW]),
    .rd_data_valid_i(p_rd_data_valid[PS]), .rd_data_ready_o(p_rd_data_ready[PS]),
    .rd_data_i(rd_data),
    .wr_req_valid_o(p_wr_req_valid[PS]), .wr_req_ready_i(p_wr_req_ready[PS]),
    .wr_req_addr_o(p_wr_req_addr[PS*AW +: AW]), .wr_req_len_o(p_wr_req_len[PS*LW +: LW]),
    .wr_data_valid_o(p_wr_data_valid[PS]), .wr_data_ready_i(p_wr_data_ready[PS]),
    .wr_data_o(p_wr_data[PS*DW +: DW]));

  esact_layernorm #(.N_MAX(N_MAX), .SPLS(SPLS_EN), .D_MAX(D_MAX), .DW(DW), .AW(AW), .LW(LW)) u_layernorm (
    .clk_i, .rst_ni, .start_i(l_start), .abort_i(abort), .mode_ln_i(l_cmd.mode_ln),
    .in2_en_i(l_cmd.in2_en), .in1_addr_i(l_cmd.in1), .in2_addr_i(l_cmd.in2), .out_addr_i(l_cmd.out),
    .stride_i(l_cmd.stride), .rows_i(l_cmd.rows), .d_i(l_cmd.d), .gamma_addr_i(l_cmd.gamma),
    .beta_addr_i(l_cmd.beta), .m_i(l_cmd.rq.m), .s_i(l_cmd.rq.s), .lead_en_i(l_cmd.lead_en),
    .lead_addr_i(l_cmd.lead), .gather_i(l_cmd.gather), .r0_i(l_cmd.r0), .row_idx_o(l_row_idx),
    .row_i(l_row), .busy_o(l_busy), .done_o(l_done),
    .rd_req_valid_o(p_rd_req_valid[PL]), .rd_req_ready_i(p_rd_req_ready[PL]),
    .rd_req_addr_o(p_rd_req_addr[PL*AW +: AW]), .rd_req_len_o(p_rd_req_len[PL*LW +: LW]),
    .rd_data_valid_i(p_rd_data_valid[PL]), .rd_data_ready_o(p_rd_data_ready[PL]),
    .rd_data_i(rd_data),
    .wr_req_valid_o(p_wr_req_valid[PL]), .wr_req_ready_i(p_wr_req_ready[PL]),
    .wr_req_addr_o(p_wr_req_addr[PL*AW +: AW]), .wr_req_len_o(p_wr_req_len[PL*LW +: LW]),
    .wr_data_valid_o(p_wr_data_valid[PL]), .wr_data_ready_i(p_wr_data_ready[PL]),
    .wr_data_o(p_wr_data[PL*DW +: DW]));

  // SPLS prediction (OP_PRED): the front end on its own read and write port.
  if (SPLS_EN != 0) begin : gen_pred
    esact_predict #(.AW(AW), .DW(DW), .LW(LW), .N_MAX(N_MAX), .D_MAX(D_MAX)) u_predict (
      .clk_i, .rst_ni, .start_i(p_start), .abort_i(abort), .cmd_i(p_cmd), .busy_o(p_busy),
      .done_o(p_done), .err_o(p_err), .err_bits_o(p_err_bits),
      .list_we_o(list_we), .list_ord_o(list_ord), .list_row_o(list_row), .lcount_o(lcount),
      .rd_req_valid_o(p_rd_req_valid[PP]), .rd_req_ready_i(p_rd_req_ready[PP]),
      .rd_req_addr_o(p_rd_req_addr[PP*AW +: AW]), .rd_req_len_o(p_rd_req_len[PP*LW +: LW]),
      .rd_data_valid_i(p_rd_data_valid[PP]), .rd_data_ready_o(p_rd_data_ready[PP]),
      .rd_data_i(rd_data),
      .wr_req_valid_o(p_wr_req_valid[PP]), .wr_req_ready_i(p_wr_req_ready[PP]),
      .wr_req_addr_o(p_wr_req_addr[PP*AW +: AW]), .wr_req_len_o(p_wr_req_len[PP*LW +: LW]),
      .wr_data_valid_o(p_wr_data_valid[PP]), .wr_data_ready_i(p_wr_data_ready[PP]),
      .wr_data_o(p_wr_data[PP*DW +: DW]));
    // The leader list: N_MAX rows in flops, three combinational read ports
    // (an ordinal >= N_MAX reads 0; the dispatcher never lets one through).
    localparam int unsigned LRW = (N_MAX > 1) ? $clog2(N_MAX) : 1;
    logic [LRW-1:0] list_q [N_MAX];
    always_ff @(posedge clk_i) begin
      if (list_we && 32'(list_ord) < N_MAX) list_q[LRW'(list_ord)] <= LRW'(list_row);
    end
    assign g_row = (32'(g_row_idx) < N_MAX) ? 16'(list_q[LRW'(g_row_idx)]) : '0;
    assign s_row = (32'(s_row_idx) < N_MAX) ? 16'(list_q[LRW'(s_row_idx)]) : '0;
    assign l_row = (32'(l_row_idx) < N_MAX) ? 16'(list_q[LRW'(l_row_idx)]) : '0;
    logic unused_list;
    assign unused_list = ^list_row;   // rows fit LRW bits
  end else begin : gen_no_pred
    // The dispatcher rejects OP_PRED (ERR_CMD) and the sequencer MODE = 1 (ERR_MODE).
    assign p_busy = 1'b0;
    assign p_done = 1'b0;
    assign p_err = 1'b0;
    assign p_err_bits = '0;
    assign lcount = '0;
    assign list_we = 1'b0;
    assign list_ord = '0;
    assign list_row = '0;
    assign g_row = '0;
    assign s_row = '0;
    assign l_row = '0;
    assign p_rd_req_valid[PP] = 1'b0;
    assign p_rd_req_addr[PP*AW +: AW] = '0;
    assign p_rd_req_len[PP*LW +: LW] = '0;
    assign p_rd_data_ready[PP] = 1'b0;
    assign p_wr_req_valid[PP] = 1'b0;
    assign p_wr_req_addr[PP*AW +: AW] = '0;
    assign p_wr_req_len[PP*LW +: LW] = '0;
    assign p_wr_data_valid[PP] = 1'b0;
    assign p_wr_data[PP*DW +: DW] = '0;
    logic unused_no_pred;
    assign unused_no_pred = ^{p_start, p_cmd, list_we, list_ord, list_row, g_row_idx, s_row_idx, l_row_idx};
  end

  // The control port reads only (descriptors, commands).
  assign p_wr_req_valid[PQ]  = 1'b0;
  assign p_wr_req_addr[PQ*AW +: AW]   = '0;
  assign p_wr_req_len[PQ*LW +: LW]    = '0;
  assign p_wr_data_valid[PQ] = 1'b0;
  assign p_wr_data[PQ*DW +: DW]       = '0;

  // Arbiters: the units' memory ports onto the two engines.
  esact_rd_arb #(.N(NU), .AW(AW), .DW(DW), .LW(LW), .QD(RD_QD), .PRIO(PG)) u_rd_arb (
    .clk_i, .rst_ni, .abort_i(abort),
    .req_valid_i(p_rd_req_valid), .req_ready_o(p_rd_req_ready), .req_addr_i(p_rd_req_addr),
    .req_len_i(p_rd_req_len), .data_valid_o(p_rd_data_valid), .data_ready_i(p_rd_data_ready),
    .data_o(rd_data), .data_last_o(rd_data_last),
    .eng_req_valid_o(rd_req_valid), .eng_req_ready_i(rd_req_ready), .eng_req_addr_o(rd_req_addr),
    .eng_req_len_o(rd_req_len), .eng_data_valid_i(rd_data_valid), .eng_data_ready_o(rd_data_ready),
    .eng_data_i(eng_rd_data), .eng_data_last_i(eng_rd_data_last));

  esact_wr_arb #(.N(NU), .AW(AW), .DW(DW), .LW(LW), .PRIO(PG)) u_wr_arb (
    .clk_i, .rst_ni, .abort_i(abort),
    .req_valid_i(p_wr_req_valid), .req_ready_o(p_wr_req_ready), .req_addr_i(p_wr_req_addr),
    .req_len_i(p_wr_req_len), .data_valid_i(p_wr_data_valid), .data_ready_o(p_wr_data_ready),
    .data_i(p_wr_data),
    .eng_req_valid_o(wr_req_valid), .eng_req_ready_i(wr_req_ready), .eng_req_addr_o(wr_req_addr),
    .eng_req_len_o(wr_req_len), .eng_data_valid_o(wr_data_valid), .eng_data_ready_i(wr_data_ready),
    .eng_data_o(wr_data));

  logic unused_top;
  assign unused_top = rd_data_last;

`ifndef SYNTHESIS
  // ---- Assertions (Verilator --assert in every test and in make sim) ----
  // Parameter constraints.
  initial begin : p_params
    a_beat_is_row: assert (MAC_COLS * 8 == AXI_DW)
      else $fatal(1, "esact_top: MAC_COLS * 8 must equal AXI_DW (one B row segment per beat)");
    a_cmd_aw: assert (AXI_AW == esact_types_pkg::CMD_AW)
      else $fatal(1, "esact_top: AXI_AW must equal esact_types_pkg::CMD_AW (32-bit command addresses)");
    a_mac_rows: assert (MAC_ROWS >= 1 && MAC_ROWS <= 64)
      else $fatal(1, "esact_top: MAC_ROWS out of 1..64");
    a_rd_qd: assert (RD_QD >= 2 && (RD_QD & (RD_QD - 1)) == 0)
      else $fatal(1, "esact_top: RD_QD must be a power of two >= 2");
    a_kc: assert (GEMM_KC % (AXI_DW / 8) == 0)
      else $fatal(1, "esact_top: GEMM_KC must be a multiple of AXI_DW / 8");
  end

  // Every valid/ready stream: valid and payload held until ready.  An abort
  // may withdraw an offer (the engines drain), so the cycle of abort and the
  // next are exempt.
  logic abort_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) abort_q <= 1'b0;
    else         abort_q <= abort;
  end
  logic flush;
  assign flush = abort || abort_q;

  for (genvar p = 0; p < NU; p++) begin : g_port_chk
    esact_stream_chk #(.W(AW + LW)) u_rd_req (
      .clk_i, .rst_ni, .flush_i(flush), .valid_i(p_rd_req_valid[p]), .ready_i(p_rd_req_ready[p]),
      .data_i({p_rd_req_addr[p*AW +: AW], p_rd_req_len[p*LW +: LW]}));
    esact_stream_chk #(.W(DW + 1)) u_rd_data (
      .clk_i, .rst_ni, .flush_i(flush), .valid_i(p_rd_data_valid[p]), .ready_i(p_rd_data_ready[p]),
      .data_i({rd_data, rd_data_last}));
    esact_stream_chk #(.W(AW + LW)) u_wr_req (
      .clk_i, .rst_ni, .flush_i(flush), .valid_i(p_wr_req_valid[p]), .ready_i(p_wr_req_ready[p]),
      .data_i({p_wr_req_addr[p*AW +: AW], p_wr_req_len[p*LW +: LW]}));
    esact_stream_chk #(.W(DW)) u_wr_data (
      .clk_i, .rst_ni, .flush_i(flush), .valid_i(p_wr_data_valid[p]), .ready_i(p_wr_data_ready[p]),
      .data_i(p_wr_data[p*DW +: DW]));
  end
  esact_stream_chk #(.W(AW + LW)) u_chk_eng_rd_req (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(rd_req_valid), .ready_i(rd_req_ready),
    .data_i({rd_req_addr, rd_req_len}));
  esact_stream_chk #(.W(DW + 1)) u_chk_eng_rd_data (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(rd_data_valid), .ready_i(rd_data_ready),
    .data_i({eng_rd_data, eng_rd_data_last}));
  esact_stream_chk #(.W(AW + LW)) u_chk_eng_wr_req (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(wr_req_valid), .ready_i(wr_req_ready),
    .data_i({wr_req_addr, wr_req_len}));
  esact_stream_chk #(.W(DW)) u_chk_eng_wr_data (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(wr_data_valid), .ready_i(wr_data_ready),
    .data_i(wr_data));
  esact_stream_chk #(.W(AXI_IDW + AXI_AW + 8 + 3 + 2)) u_chk_ar (
    .clk_i, .rst_ni, .flush_i(1'b0), .valid_i(m_axi_arvalid), .ready_i(m_axi_arready),
    .data_i({m_axi_arid, m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst}));
  esact_stream_chk #(.W(AXI_IDW + AXI_AW + 8 + 3 + 2)) u_chk_aw (
    .clk_i, .rst_ni, .flush_i(1'b0), .valid_i(m_axi_awvalid), .ready_i(m_axi_awready),
    .data_i({m_axi_awid, m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst}));
  esact_stream_chk #(.W(AXI_DW + AXI_DW / 8 + 1)) u_chk_w (
    .clk_i, .rst_ni, .flush_i(1'b0), .valid_i(m_axi_wvalid), .ready_i(m_axi_wready),
    .data_i({m_axi_wdata, m_axi_wstrb, m_axi_wlast}));

  // Command streams (dispatcher -> units): valid and command held until the
  // unit takes it (ready = idle); a unit is started only when idle.
  esact_stream_chk #(.W($bits(esact_types_pkg::gemm_cmd_t))) u_chk_g_cmd (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(g_valid), .ready_i(!g_busy), .data_i(g_cmd));
  esact_stream_chk #(.W($bits(esact_types_pkg::sm_cmd_t))) u_chk_s_cmd (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(s_valid), .ready_i(!s_busy), .data_i(s_cmd));
  esact_stream_chk #(.W($bits(esact_types_pkg::ln_cmd_t))) u_chk_l_cmd (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(l_valid), .ready_i(!l_busy), .data_i(l_cmd));
  esact_stream_chk #(.W($bits(esact_types_pkg::pred_cmd_t))) u_chk_p_cmd (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(p_valid), .ready_i(!p_busy), .data_i(p_cmd));
  esact_stream_chk #(.W(RW + 16)) u_chk_rec (
    .clk_i, .rst_ni, .flush_i(flush), .valid_i(rec_valid), .ready_i(rec_ready),
    .data_i({rec, rec_idx}));
  // A unit's command stays put while the unit runs (it reads it throughout).
  a_gemm_cmd_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                      (g_busy && $past(g_busy)) |-> $stable({g_cmd, g_kvs, g_lcnt}))
    else $error("esact_top: GEMM command changed while the GEMM runs");
  a_sm_cmd_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    (s_busy && $past(s_busy)) |-> $stable(s_cmd))
    else $error("esact_top: softmax command changed while the softmax runs");
  a_ln_cmd_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    (l_busy && $past(l_busy)) |-> $stable(l_cmd))
    else $error("esact_top: LayerNorm command changed while the LayerNorm runs");
  a_pred_cmd_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                      (p_busy && $past(p_busy)) |-> $stable(p_cmd))
    else $error("esact_top: PRED command changed while the front end runs");
  // The control port has one owner at a time.
  a_ctrl_port_owner: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                      !(q_rd_req_valid && list_run) && !(f_rd_req_valid && !list_run))
    else $error("esact_top: control read port requested by the sequencer and the fetcher");
`endif

endmodule
