// ESACT AXI4 write master with byte realignment and strobes.
//
// A request (req_addr_i, req_len_i bytes, any alignment, len >= 1) takes
// ceil(len / BB) data beats packed from byte 0 (bytes past the end of the last
// beat are ignored) and writes them as INCR bursts of full AXI_DW beats that
// never cross a 4 KiB boundary (nor 256 beats); wstrb covers exactly the
// requested bytes.  Per burst the address goes first, then its data; B
// responses are counted in the background and idle_o rises only when every
// response is back, so a later read sees the data.
//
// SLVERR/DECERR on B sets err_o (sticky until clear_i).  abort_i stops taking
// input: a burst whose address was issued is completed with wstrb = 0, no new
// burst starts, the outstanding responses are collected, then idle.  A W beat
// offered and not yet taken is held as it was offered (registered copy), also
// across an abort, where the unit behind the stream may withdraw its data: the
// AXI W channel never changes or withdraws an offer.
module esact_axi_wr #(
  parameter int unsigned AW  = 32,
  parameter int unsigned DW  = 128,
  parameter int unsigned IDW = 4,
  parameter int unsigned LW  = esact_types_pkg::REQ_LEN_W
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

  logic          busy_q, busy_d;       // a request is being written
  logic          drain_q, drain_d;
  logic          wph_q, wph_d;         // in the data phase of a burst
  logic [AW-1:0] aw_addr_q, aw_addr_d;
  logic [BW-1:0] w_left_q, w_left_d;   // W beats of the request still to send
  logic [BW-1:0] in_left_q, in_left_d; // input beats still to take
  logic [8:0]    bl_left_q, bl_left_d; // beats left in the current burst
  logic          wfirst_q, wfirst_d;   // next W beat is the first of the request
  logic [OW-1:0] off_q, off_d;
  logic [OW-1:0] endo_q, endo_d;       // (off + len) mod BB: valid bytes of the last beat, 0 = all
  logic [DW-1:0] prev_q, prev_d;
  logic          awvalid_q, awvalid_d;
  logic [AW-1:0] awaddr_q, awaddr_d;
  logic [8:0]    awlen_q, awlen_d;
  logic [9:0]    bout_q, bout_d;       // bursts whose response is outstanding
  logic          err_q, err_d;

  logic [AW:0]   span_end;
  logic [BW-1:0] n_w, n_in;
  logic [12:0]   to_4k;
  logic [BW-1:0] to_4k_beats, burst;
  logic [DW-1:0] cur;
  logic [2*DW-1:0] pair;
  logic          w_hs, take;
  logic          wvalid_live;          // the beat the engine would offer now
  logic [DW-1:0] wdata_live;
  logic [BB-1:0] wstrb_live;
  logic          wkeep_q;              // an offered beat is waiting for WREADY: hold it
  logic [DW-1:0] wdata_q;
  logic [BB-1:0] wstrb_q;

  assign span_end = {1'b0, req_addr_i} + (AW+1)'(req_len_i) + (AW+1)'(BB - 1);
  assign n_in     = BW'(((LW+1)'(req_len_i) + (LW+1)'(BB - 1)) >> OW);
  assign n_w      = BW'((span_end >> OW) - ((AW+1)'(req_addr_i) >> OW));

  assign to_4k       = 13'd4096 - {1'b0, aw_addr_q[11:0]};
  assign to_4k_beats = BW'(to_4k) >> OW;
  always_comb begin
    burst = w_left_q;
    if (burst > to_4k_beats) burst = to_4k_beats;
    if (burst > BW'(256))    burst = BW'(256);
  end

  // W data: the stream shifted up by the byte offset, carried across beats.
  assign take = (in_left_q != '0) && !drain_q;     // this W beat consumes an input beat
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

  always_comb begin
    busy_d    = busy_q;
    drain_d   = drain_q;
    wph_d     = wph_q;
    aw_addr_d = aw_addr_q;
    w_left_d  = w_left_q;
    in_left_d = in_left_q;
    bl_left_d = bl_left_q;
    wfirst_d  = wfirst_q;
    off_d     = off_q;
    endo_d    = endo_q;
    prev_d    = prev_q;
    awvalid_d = awvalid_q;
    awaddr_d  = awaddr_q;
    awlen_d   = awlen_q;
    bout_d    = bout_q;
    err_d     = err_q && !clear_i;

    if (req_valid_i && req_ready_o) begin
      busy_d    = 1'b1;
      aw_addr_d = {req_addr_i[AW-1:OW], {OW{1'b0}}};
      w_left_d  = n_w;
      in_left_d = n_in;
      wfirst_d  = 1'b1;
      off_d     = req_addr_i[OW-1:0];
      endo_d    = OW'(32'(req_addr_i[OW-1:0]) + 32'(req_len_i));
      prev_d    = '0;
    end

    // Address of the next burst, then its data.
    if (awvalid_q) begin
      if (m_axi_awready) begin
        awvalid_d = 1'b0;
        wph_d     = 1'b1;
        bl_left_d = awlen_q;
      end
    end else if (busy_q && !wph_q && !drain_q && w_left_q != '0) begin
      awvalid_d = 1'b1;
      awaddr_d  = aw_addr_q;
      awlen_d   = 9'(burst);
      aw_addr_d = aw_addr_q + (AW'(burst) << OW);
    end

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

    if (busy_q && !drain_q && w_left_d == '0 && !wph_d && !awvalid_d) begin
      busy_d = 1'b0;
    end

    if (abort_i && busy_q) begin
      drain_d = 1'b1;
    end
    if ((drain_q || (abort_i && busy_q)) && !awvalid_d && !wph_d) begin
      drain_d = 1'b0;
      busy_d  = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q    <= 1'b0;
      drain_q   <= 1'b0;
      wph_q     <= 1'b0;
      aw_addr_q <= '0;
      w_left_q  <= '0;
      in_left_q <= '0;
      bl_left_q <= '0;
      wfirst_q  <= 1'b0;
      off_q     <= '0;
      endo_q    <= '0;
      prev_q    <= '0;
      awvalid_q <= 1'b0;
      awaddr_q  <= '0;
      awlen_q   <= '0;
      bout_q    <= '0;
      err_q     <= 1'b0;
    end else begin
      busy_q    <= busy_d;
      drain_q   <= drain_d;
      wph_q     <= wph_d;
      aw_addr_q <= aw_addr_d;
      w_left_q  <= w_left_d;
      in_left_q <= in_left_d;
      bl_left_q <= bl_left_d;
      wfirst_q  <= wfirst_d;
      off_q     <= off_d;
      endo_q    <= endo_d;
      prev_q    <= prev_d;
      awvalid_q <= awvalid_d;
      awaddr_q  <= awaddr_d;
      awlen_q   <= awlen_d;
      bout_q    <= bout_d;
      err_q     <= err_d;
    end
  end

  assign req_ready_o   = !busy_q && !abort_i;
  assign idle_o        = !busy_q && (bout_q == '0);
  assign err_o         = err_q;
  assign stall_o       = (m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready) ||
                         (!busy_q && bout_q != '0 && !m_axi_bvalid);
  assign m_axi_bready  = 1'b1;
  assign m_axi_awid    = '0;
  assign m_axi_awaddr  = awaddr_q;
  assign m_axi_awlen   = 8'(awlen_q - 9'd1);
  assign m_axi_awsize  = 3'(OW);
  assign m_axi_awburst = 2'b01;
  assign m_axi_awvalid = awvalid_q;

  logic unused_w;
  assign unused_w = ^{m_axi_bid, m_axi_bresp[0], span_end[OW-1:0]};

endmodule
