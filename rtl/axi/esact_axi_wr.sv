// ESACT AXI4 write master with byte realignment and strobes.
//
// A request (req_addr_i, req_len_i bytes, any alignment, len >= 1) takes
// ceil(len / BB) data beats packed from byte 0 (bytes past the end of the last
// beat are ignored) and writes them as INCR bursts of full AXI_DW beats that
// never cross a 4 KiB boundary (nor 256 beats); wstrb covers exactly the
// requested bytes.  Requests are queued (QD deep, in order) and run through
// two decoupled sides:
//   AW  takes the queued requests in order and issues the address of every
//       burst as early as it can (at most AWQ bursts ahead of their data);
//   W   writes the data of the oldest request, burst after burst, and moves
//       on to the next request in the cycle after the last beat, so that
//       back-to-back requests (the rows of an output tile) stream without a
//       gap.  W starts a burst only after its address was taken.
// The data of a request is taken from data_i while the request is the
// oldest one (esact_wr_arb routes the data of the oldest request's owner).
// B responses are counted in the background and idle_o rises only when every
// response is back, so a later read sees the data.
//
// SLVERR/DECERR on B sets err_o (sticky until clear_i).  abort_i stops taking
// input: every burst whose address was issued is completed with wstrb = 0, no
// new burst starts, the queue is dropped, the outstanding responses are
// collected, then idle.  A W beat offered and not yet taken is held as it was
// offered (registered copy), also across an abort, where the unit behind the
// stream may withdraw its data: the AXI W channel never changes or withdraws
// an offer.
module esact_axi_wr #(
  parameter int unsigned AW  = 32,
  parameter int unsigned DW  = 128,
  parameter int unsigned IDW = 4,
  parameter int unsigned LW  = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned QD  = esact_pkg::WR_QD // requests queued (esact_wr_arb remembers as many)
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  input  logic           req_valid_i,
  output logic           req_ready_o,
  input  logic [AW-1:0]  req_addr_i,
  input  logic [LW-1:0]  req_len_i,
  input  logic           data_valid_i,
  output logic           data_ready_o,
  input  logic [DW-1:0]  data_i,
  input  logic           abort_i,
  input  logic           clear_i,
  output logic           idle_o,
  output logic           err_o,
  output logic           stall_o,
  // AXI4 AW / W / B
  output logic [IDW-1:0] m_axi_awid,
  output logic [AW-1:0]  m_axi_awaddr,
  output logic [7:0]     m_axi_awlen,
  output logic [2:0]     m_axi_awsize,
  output logic [1:0]     m_axi_awburst,
  output logic           m_axi_awvalid,
  input  logic           m_axi_awready,
  output logic [DW-1:0]  m_axi_wdata,
  output logic [DW/8-1:0] m_axi_wstrb,
  output logic           m_axi_wlast,
  output logic           m_axi_wvalid,
  input  logic           m_axi_wready,
  input  logic [IDW-1:0] m_axi_bid,
  input  logic [1:0]     m_axi_bresp,
  input  logic           m_axi_bvalid,
  output logic           m_axi_bready
);

  localparam int unsigned BB  = DW / 8;
  localparam int unsigned OW  = $clog2(BB);
  localparam int unsigned BW  = LW - OW + 1;
  localparam int unsigned PIW = $clog2(2 * DW);
  localparam int unsigned QW  = (QD > 1) ? $clog2(QD) : 1;
  localparam int unsigned AWQ = 4;               // bursts addressed ahead of their data

  // Beats of a burst starting at aligned address a with `left` beats to go.
  function automatic logic [BW-1:0] burst_len(input logic [11:0] a, input logic [BW-1:0] left);
    logic [12:0]   to_4k;
    logic [BW-1:0] b;
    to_4k = 13'd4096 - {1'b0, a};
    b = left;
    if (b > (BW'(to_4k) >> OW)) b = BW'(to_4k) >> OW;
    if (b > BW'(256)) b = BW'(256);
    burst_len = b;
  endfunction

  // Request queue.
  logic [QD*AW-1:0] qa_q, qa_d;
  logic [QD*LW-1:0] ql_q, ql_d;
  logic [QW-1:0]    qw_q, qw_d;        // next free entry
  logic [QW-1:0]    qh_q, qh_d;        // oldest entry (the W side's)
  logic [QW:0]      qn_q, qn_d;        // entries held (until W finishes them)
  logic [QW-1:0]    qap_q, qap_d;      // next entry for the AW side
  logic [QW:0]      qan_q, qan_d;      // entries the AW side has not taken yet

  // AW side.
  logic          a_busy_q, a_busy_d;   // more bursts of the taken request to address
  logic [AW-1:0] a_addr_q, a_addr_d;
  logic [BW-1:0] a_left_q, a_left_d;
  logic          awvalid_q, awvalid_d;
  logic [AW-1:0] awaddr_q, awaddr_d;
  logic [8:0]    awlen_q, awlen_d;
  logic [3:0]    aw_cnt_q, aw_cnt_d;   // bursts addressed whose data has not started

  // W side: the oldest request.
  logic          w_act_q, w_act_d;
  logic          drain_q, drain_d;
  logic          wph_q, wph_d;         // in the data phase of a burst
  logic [AW-1:0] w_addr_q, w_addr_d;   // next burst's address
  logic [BW-1:0] w_left_q, w_left_d;   // W beats of the request still to send
  logic [BW-1:0] in_left_q, in_left_d; // input beats still to take
  logic [8:0]    bl_left_q, bl_left_d; // beats left in the current burst
  logic          wfirst_q, wfirst_d;   // next W beat is the first of the request
  logic [OW-1:0] off_q, off_d;
  logic [OW-1:0] endo_q, endo_d;       // (off + len) mod BB: valid bytes of the last beat, 0 = all
  logic [DW-1:0] prev_q, prev_d;
  logic [9:0]    bout_q, bout_d;       // bursts whose response is outstanding
  logic          err_q, err_d;

  logic [DW-1:0]   cur;
  logic [2*DW-1:0] pair;
  logic            w_hs, take, push;
  logic            wvalid_live;        // the beat the engine would offer now
  logic [DW-1:0]   wdata_live;
  logic [BB-1:0]   wstrb_live;
  logic            wkeep_q;            // an offered beat is waiting for WREADY: hold it
  logic [DW-1:0]   wdata_q;
  logic [BB-1:0]   wstrb_q;

  // The entry the AW side takes next, the entry the W side takes next.
  logic [AW-1:0] ae_addr, we_addr;
  logic [LW-1:0] ae_len, we_len;
  logic [BW-1:0] ae_nw, we_nw, we_nin;
  logic [QW-1:0] w_next;
  logic [AW:0]   ae_end, we_end;

  // W data: the stream shifted up by the byte offset, carried across beats.
  assign take = w_act_q && (in_left_q != '0) && !drain_q;     // this W beat consumes an input beat
  assign cur  = take ? data_i : '0;
  assign pair = {cur, prev_q};
  assign wdata_live = pair[PIW'((BB - 32'(off_q)) * 8) +: DW];

  always_comb begin
    for (int unsigned b = 0; b < BB; b++) begin
      wstrb_live[b] = !drain_q;
      if (wfirst_q && b < 32'(off_q)) wstrb_live[b] = 1'b0;
      if (w_left_q == BW'(1) && endo_q != '0 && b >= 32'(endo_q)) wstrb_live[b] = 1'b0;
    end
  end
  assign wvalid_live  = wph_q && (!take || data_valid_i);
  // Outside an abort the held copy equals the live beat (the unit's stream is
  // stable until ready); under an abort it keeps the offer that was made.
  assign m_axi_wvalid = wkeep_q || wvalid_live;
  assign m_axi_wdata  = wkeep_q ? wdata_q : wdata_live;
  assign m_axi_wstrb  = wkeep_q ? wstrb_q : wstrb_live;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wkeep_q <= 1'b0;
      wdata_q <= '0;
      wstrb_q <= '0;
    end else begin
      wkeep_q <= m_axi_wvalid && !m_axi_wready;
      if (!wkeep_q) begin
        wdata_q <= wdata_live;
        wstrb_q <= wstrb_live;
      end
    end
  end
  assign m_axi_wlast  = (bl_left_q == 9'd1);
  assign data_ready_o = wph_q && take && m_axi_wready;
  assign w_hs         = m_axi_wvalid && m_axi_wready;
  assign push         = req_valid_i && req_ready_o;

  always_comb begin
    ae_addr = qa_q[32'(qap_q) * AW +: AW];
    ae_len  = ql_q[32'(qap_q) * LW +: LW];
    ae_end  = {1'b0, ae_addr} + (AW+1)'(ae_len) + (AW+1)'(BB - 1);
    ae_nw   = BW'((ae_end >> OW) - ((AW+1)'(ae_addr) >> OW));
  end

  always_comb begin
    qa_d = qa_q; ql_d = ql_q; qw_d = qw_q; qh_d = qh_q; qn_d = qn_q; qap_d = qap_q; qan_d = qan_q;
    a_busy_d = a_busy_q; a_addr_d = a_addr_q; a_left_d = a_left_q;
    awvalid_d = awvalid_q; awaddr_d = awaddr_q; awlen_d = awlen_q; aw_cnt_d = aw_cnt_q;
    w_act_d = w_act_q; drain_d = drain_q; wph_d = wph_q; w_addr_d = w_addr_q;
    w_left_d = w_left_q; in_left_d = in_left_q; bl_left_d = bl_left_q;
    wfirst_d = wfirst_q; off_d = off_q; endo_d = endo_q; prev_d = prev_q;
    bout_d = bout_q;
    err_d = err_q && !clear_i;
    w_next = qh_q;
    we_addr = '0; we_len = '0; we_end = '0; we_nw = '0; we_nin = '0;

    // --- queue ----------------------------------------------------------------
    if (push) begin
      qa_d[32'(qw_q) * AW +: AW] = req_addr_i;
      ql_d[32'(qw_q) * LW +: LW] = req_len_i;
      qw_d = qw_q + QW'(1);
      if (QD > 1 && 32'(qw_q) == QD - 1) qw_d = '0;
    end

    // --- AW side: the address of every burst, in order ------------------------
    if (awvalid_q) begin
      if (m_axi_awready) begin
        awvalid_d = 1'b0;
        aw_cnt_d  = aw_cnt_d + 4'd1;
      end
    end else if (!drain_q && !abort_i && 32'(aw_cnt_q) < AWQ) begin
      if (a_busy_q) begin
        awvalid_d = 1'b1;
        awaddr_d  = a_addr_q;
        awlen_d   = 9'(burst_len(a_addr_q[11:0], a_left_q));
        a_addr_d  = a_addr_q + (AW'(burst_len(a_addr_q[11:0], a_left_q)) << OW);
        a_left_d  = a_left_q - burst_len(a_addr_q[11:0], a_left_q);
        a_busy_d  = a_left_q != burst_len(a_addr_q[11:0], a_left_q);
      end else if (qan_q != '0) begin
        awvalid_d = 1'b1;
        awaddr_d  = {ae_addr[AW-1:OW], {OW{1'b0}}};
        awlen_d   = 9'(burst_len({ae_addr[11:OW], {OW{1'b0}}}, ae_nw));
        a_addr_d  = {ae_addr[AW-1:OW], {OW{1'b0}}} +
                    (AW'(burst_len({ae_addr[11:OW], {OW{1'b0}}}, ae_nw)) << OW);
        a_left_d  = ae_nw - burst_len({ae_addr[11:OW], {OW{1'b0}}}, ae_nw);
        a_busy_d  = ae_nw != burst_len({ae_addr[11:OW], {OW{1'b0}}}, ae_nw);
        qap_d     = qap_q + QW'(1);
        if (QD > 1 && 32'(qap_q) == QD - 1) qap_d = '0;
        qan_d     = qan_d - (QW+1)'(1);
      end
    end
    if (push) qan_d = qan_d + (QW+1)'(1);

    // --- W side -------------------------------------------------------------------
    if (w_hs) begin
      w_left_d  = w_left_q - BW'(1);
      bl_left_d = bl_left_q - 9'd1;
      wfirst_d  = 1'b0;
      if (take) begin
        in_left_d = in_left_q - BW'(1);
        prev_d    = data_i;
      end
      if (bl_left_q == 9'd1) begin
        wph_d  = 1'b0;
        bout_d = bout_d + 10'd1;
      end
    end
    if (m_axi_bvalid) begin
      if (m_axi_bresp[1]) err_d = 1'b1;
      bout_d = bout_d - 10'd1;
    end

    // Next burst when the W side is (or becomes) free: the rest of the oldest
    // request, else the next request (the oldest one is then finished).
    if (!wph_d) begin
      if (w_act_q && w_left_d != '0) begin
        if (aw_cnt_q != '0) begin
          bl_left_d = 9'(burst_len(w_addr_q[11:0], w_left_d));
          w_addr_d  = w_addr_q + (AW'(burst_len(w_addr_q[11:0], w_left_d)) << OW);
          wph_d     = 1'b1;
          aw_cnt_d  = aw_cnt_d - 4'd1;
        end
      end else begin
        if (w_act_q) begin
          // The oldest request is written: drop it.
          w_act_d = 1'b0;
          qh_d = qh_q + QW'(1);
          if (QD > 1 && 32'(qh_q) == QD - 1) qh_d = '0;
          qn_d = qn_d - (QW+1)'(1);
          w_next = qh_d;
        end
        we_addr = qa_q[32'(w_next) * AW +: AW];
        we_len  = ql_q[32'(w_next) * LW +: LW];
        we_end  = {1'b0, we_addr} + (AW+1)'(we_len) + (AW+1)'(BB - 1);
        we_nw   = BW'((we_end >> OW) - ((AW+1)'(we_addr) >> OW));
        we_nin  = BW'(((LW+1)'(we_len) + (LW+1)'(BB - 1)) >> OW);
        // Its first burst may start once its address was taken (the AW side
        // works in order: an addressed burst not yet started is this one).
        if (qn_d != '0 && aw_cnt_q != '0) begin
          w_act_d   = 1'b1;
          off_d     = we_addr[OW-1:0];
          endo_d    = OW'(32'(we_addr[OW-1:0]) + 32'(we_len));
          in_left_d = we_nin;
          w_left_d  = we_nw;
          wfirst_d  = 1'b1;
          prev_d    = '0;
          bl_left_d = 9'(burst_len({we_addr[11:OW], {OW{1'b0}}}, we_nw));
          w_addr_d  = {we_addr[AW-1:OW], {OW{1'b0}}} +
                      (AW'(burst_len({we_addr[11:OW], {OW{1'b0}}}, we_nw)) << OW);
          wph_d     = 1'b1;
          aw_cnt_d  = aw_cnt_d - 4'd1;
        end
      end
    end
    if (push) qn_d = qn_d + (QW+1)'(1);

    // --- abort: complete the addressed bursts with wstrb = 0, drop the rest ----
    if (abort_i) drain_d = 1'b1;
    if ((drain_q || abort_i) && !awvalid_d && !wph_d && aw_cnt_d == '0) begin
      drain_d = 1'b0;
      w_act_d = 1'b0; a_busy_d = 1'b0;
      qn_d = '0; qan_d = '0; qw_d = '0; qh_d = '0; qap_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      qa_q <= '0; ql_q <= '0; qw_q <= '0; qh_q <= '0; qn_q <= '0; qap_q <= '0; qan_q <= '0;
      a_busy_q <= 1'b0; a_addr_q <= '0; a_left_q <= '0;
      awvalid_q <= 1'b0; awaddr_q <= '0; awlen_q <= '0; aw_cnt_q <= '0;
      w_act_q <= 1'b0; drain_q <= 1'b0; wph_q <= 1'b0; w_addr_q <= '0;
      w_left_q <= '0; in_left_q <= '0; bl_left_q <= '0;
      wfirst_q <= 1'b0; off_q <= '0; endo_q <= '0; prev_q <= '0;
      bout_q <= '0; err_q <= 1'b0;
    end else begin
      qa_q <= qa_d; ql_q <= ql_d; qw_q <= qw_d; qh_q <= qh_d; qn_q <= qn_d; qap_q <= qap_d; qan_q <= qan_d;
      a_busy_q <= a_busy_d; a_addr_q <= a_addr_d; a_left_q <= a_left_d;
      awvalid_q <= awvalid_d; awaddr_q <= awaddr_d; awlen_q <= awlen_d; aw_cnt_q <= aw_cnt_d;
      w_act_q <= w_act_d; drain_q <= drain_d; wph_q <= wph_d; w_addr_q <= w_addr_d;
      w_left_q <= w_left_d; in_left_q <= in_left_d; bl_left_q <= bl_left_d;
      wfirst_q <= wfirst_d; off_q <= off_d; endo_q <= endo_d; prev_q <= prev_d;
      bout_q <= bout_d; err_q <= err_d;
    end
  end

  assign req_ready_o   = (32'(qn_q) < QD) && !drain_q && !abort_i;
  assign idle_o        = (qn_q == '0) && !wph_q && !awvalid_q && (bout_q == '0);
  assign err_o         = err_q;
  assign stall_o       = (m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready) ||
                         ((qn_q == '0) && bout_q != '0 && !m_axi_bvalid);
  assign m_axi_bready  = 1'b1;
  assign m_axi_awid    = '0;
  assign m_axi_awaddr  = awaddr_q;
  assign m_axi_awlen   = 8'(awlen_q - 9'd1);
  assign m_axi_awsize  = 3'(OW);
  assign m_axi_awburst = 2'b01;
  assign m_axi_awvalid = awvalid_q;

`ifndef SYNTHESIS
  a_wr_queue: assert property (@(posedge clk_i) disable iff (!rst_ni) 32'(qn_q) <= QD)
    else $error("esact_axi_wr: request queue overflow");
  a_wr_aw_first: assert property (@(posedge clk_i) disable iff (!rst_ni) (wph_q && !drain_q) |-> w_act_q)
    else $error("esact_axi_wr: W beat without a request");
`endif

  logic unused_w;
  assign unused_w = ^{m_axi_bid, m_axi_bresp[0], ae_end[OW-1:0], we_end[OW-1:0], ae_len[0]};

endmodule
