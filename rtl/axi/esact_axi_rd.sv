// ESACT AXI4 read master with byte realignment and a request queue.
//
// A request (req_addr_i, req_len_i bytes, any alignment, len >= 1) is split into
// INCR bursts of full AXI_DW beats that never cross a 4 KiB boundary (nor 256
// beats).  Up to QD requests are queued: the address side issues the bursts
// of the queued requests back to back, one AR per cycle, from one request to
// the next without a gap (as many bursts outstanding as the memory accepts;
// the one ID keeps the data in order), while the data side delivers, request
// after request without a gap, ceil(len / BB) beats realigned so that byte 0
// of a request's first beat is the byte at its address; bytes past the end of
// the request in the last beat are undefined.  data_last_o marks a request's
// last beat.  A queue entry is free again when its last beat is delivered.
// Back-pressure on data_ready_i stalls rready.
//
// An SLVERR/DECERR response sets err_o (sticky until clear_i).  abort_i drops
// the queue and issues nothing more; the beats still owed by the memory are
// accepted and discarded, then the engine goes idle (AXI never sees a broken
// handshake).
module esact_axi_rd #(
  parameter int unsigned AW  = 32,
  parameter int unsigned DW  = 128,
  parameter int unsigned IDW = 4,
  parameter int unsigned LW  = esact_types_pkg::REQ_LEN_W,  // request length width (bytes)
  parameter int unsigned QD  = 16   // queued requests, a power of two
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  // request
  input  logic           req_valid_i,
  output logic           req_ready_o,
  input  logic [AW-1:0]  req_addr_i,
  input  logic [LW-1:0]  req_len_i,
  // realigned data
  output logic           data_valid_o,
  input  logic           data_ready_i,
  output logic [DW-1:0]  data_o,
  output logic           data_last_o,
  // control / status
  input  logic           abort_i,
  input  logic           clear_i,
  output logic           idle_o,
  output logic           err_o,
  output logic           stall_o,
  // AXI4 AR / R
  output logic [IDW-1:0] m_axi_arid,
  output logic [AW-1:0]  m_axi_araddr,
  output logic [7:0]     m_axi_arlen,
  output logic [2:0]     m_axi_arsize,
  output logic [1:0]     m_axi_arburst,
  output logic           m_axi_arvalid,
  input  logic           m_axi_arready,
  input  logic [IDW-1:0] m_axi_rid,
  input  logic [DW-1:0]  m_axi_rdata,
  input  logic [1:0]     m_axi_rresp,
  input  logic           m_axi_rlast,
  input  logic           m_axi_rvalid,
  output logic           m_axi_rready
);

  localparam int unsigned BB  = DW / 8;          // bytes per beat
  localparam int unsigned OW  = $clog2(BB);      // byte-offset bits
  localparam int unsigned BW  = LW - OW + 1;     // beat-count width
  localparam int unsigned PIW = $clog2(2 * DW);  // bit index into a beat pair
  localparam int unsigned QW  = (QD > 1) ? $clog2(QD) : 1;

  // Request queue: wp (push), ap (address side), rp (data side, pop).
  logic [AW-1:0] q_addr [QD];                    // beat-aligned start
  logic [BW-1:0] q_nin [QD];
  logic [BW-1:0] q_nout [QD];
  logic [OW-1:0] q_off [QD];
  logic [QW:0]   wp_q, wp_d, ap_q, ap_d, rp_q, rp_d;

  logic          drain_q, drain_d;
  logic          ar_act_q, ar_act_d;             // address side working on entry ap
  logic [AW-1:0] ar_addr_q, ar_addr_d;
  logic [BW-1:0] ar_left_q, ar_left_d;
  logic [BW-1:0] outst_q, outst_d;               // beats requested, not yet received
  logic          r_act_q, r_act_d;               // data side working on entry rp
  logic [BW-1:0] r_left_q, r_left_d;
  logic [BW-1:0] out_left_q, out_left_d;
  logic [OW-1:0] off_q, off_d;
  logic          first_q, first_d;
  logic [DW-1:0] prev_q, prev_d;
  logic          arvalid_q, arvalid_d;
  logic [AW-1:0] araddr_q, araddr_d;
  logic [8:0]    arlen_q, arlen_d;
  logic          err_q, err_d;

  logic [AW:0]   span_end;
  logic [BW-1:0] n_in, n_out;
  logic [12:0]   to_4k;
  logic [BW-1:0] to_4k_beats, burst;
  logic          r_hs, out_hs, tail, push, full;
  logic [2*DW-1:0] pair;

  assign full     = (wp_q[QW] != rp_q[QW]) && (wp_q[QW-1:0] == rp_q[QW-1:0]);
  assign push     = req_valid_i && req_ready_o;
  assign span_end = {1'b0, req_addr_i} + (AW+1)'(req_len_i) + (AW+1)'(BB - 1);
  assign n_out    = BW'(((LW+1)'(req_len_i) + (LW+1)'(BB - 1)) >> OW);
  assign n_in     = BW'((span_end >> OW) - ((AW+1)'(req_addr_i) >> OW));

  always_ff @(posedge clk_i) begin
    if (push) begin
      q_addr[wp_q[QW-1:0]] <= {req_addr_i[AW-1:OW], {OW{1'b0}}};
      q_nin[wp_q[QW-1:0]]  <= n_in;
      q_nout[wp_q[QW-1:0]] <= n_out;
      q_off[wp_q[QW-1:0]]  <= req_addr_i[OW-1:0];
    end
  end

  // The address side's current entry: the one in progress, else the next queued.
  logic          ar_have;
  logic [AW-1:0] ar_cur_addr;
  logic [BW-1:0] ar_cur_left;
  assign ar_have     = ar_act_q || (ap_q != wp_q && !drain_q);
  assign ar_cur_addr = ar_act_q ? ar_addr_q : q_addr[ap_q[QW-1:0]];
  assign ar_cur_left = ar_act_q ? ar_left_q : q_nin[ap_q[QW-1:0]];

  assign to_4k       = 13'd4096 - {1'b0, ar_cur_addr[11:0]};
  assign to_4k_beats = BW'(to_4k) >> OW;
  always_comb begin
    burst = ar_cur_left;
    if (burst > to_4k_beats) burst = to_4k_beats;
    if (burst > BW'(256))    burst = BW'(256);
  end

  // Output: realigned from the held beat and the incoming one (or zeros: tail).
  assign tail = r_act_q && !drain_q && (r_left_q == '0) && (out_left_q != '0);
  assign pair = tail ? {{DW{1'b0}}, prev_q} : {m_axi_rdata, prev_q};
  always_comb begin
    if (off_q == '0) begin
      data_o = m_axi_rdata;
    end else begin
      data_o = pair[PIW'({off_q, 3'b000}) +: DW];
    end
  end

  always_comb begin
    data_valid_o = 1'b0;
    m_axi_rready = 1'b0;
    if (drain_q) begin
      m_axi_rready = 1'b1;
    end else if (r_act_q) begin
      if (tail) begin
        data_valid_o = 1'b1;
      end else if (off_q != '0 && first_q) begin
        m_axi_rready = 1'b1;              // first beat only fills the holding register
      end else begin
        data_valid_o = m_axi_rvalid;
        m_axi_rready = data_ready_i;
      end
    end
  end
  assign data_last_o = (out_left_q == BW'(1));
  assign r_hs        = m_axi_rvalid && m_axi_rready;
  assign out_hs      = data_valid_o && data_ready_i;

  always_comb begin
    wp_d = wp_q; ap_d = ap_q; rp_d = rp_q;
    drain_d    = drain_q;
    ar_act_d   = ar_act_q;
    ar_addr_d  = ar_addr_q;
    ar_left_d  = ar_left_q;
    outst_d    = outst_q;
    r_act_d    = r_act_q;
    r_left_d   = r_left_q;
    out_left_d = out_left_q;
    off_d      = off_q;
    first_d    = first_q;
    prev_d     = prev_q;
    arvalid_d  = arvalid_q;
    araddr_d   = araddr_q;
    arlen_d    = arlen_q;
    err_d      = err_q && !clear_i;

    if (push) wp_d = wp_q + (QW+1)'(1);

    // Address side: next entry, then its bursts (back to back).
    if (arvalid_q && m_axi_arready) begin
      arvalid_d = 1'b0;
      outst_d   = outst_q + BW'(arlen_q);
    end
    if (ar_have && !drain_q && (!arvalid_q || m_axi_arready)) begin
      arvalid_d = 1'b1;
      araddr_d  = ar_cur_addr;
      arlen_d   = 9'(burst);
      ar_act_d  = 1'b1;
      ar_addr_d = ar_cur_addr + (AW'(burst) << OW);
      ar_left_d = ar_cur_left - burst;
      if (ar_cur_left == burst) begin
        ar_act_d = 1'b0;
        ap_d     = ap_q + (QW+1)'(1);
      end
    end

    // Data side: the beats of the current entry, then (same cycle) the next one.
    if (r_hs) begin
      if (m_axi_rresp[1]) err_d = 1'b1;
      outst_d  = outst_d - BW'(1);
      r_left_d = r_left_q - BW'(1);
      prev_d   = m_axi_rdata;
      first_d  = 1'b0;
    end
    if (out_hs) begin
      out_left_d = out_left_q - BW'(1);
    end
    if (r_act_q && !drain_q && r_left_d == '0 && out_left_d == '0) begin
      r_act_d = 1'b0;
      rp_d    = rp_q + (QW+1)'(1);
    end
    if (!r_act_d && !drain_q && rp_d != wp_q) begin
      r_act_d    = 1'b1;
      r_left_d   = q_nin[rp_d[QW-1:0]];
      out_left_d = q_nout[rp_d[QW-1:0]];
      off_d      = q_off[rp_d[QW-1:0]];
      first_d    = 1'b1;
    end

    // Abort: drop the queue, issue nothing more, drop what the memory still owes.
    if (abort_i) begin
      drain_d  = 1'b1;
      ar_act_d = 1'b0;
      r_act_d  = 1'b0;
    end
    if (drain_q && !arvalid_d && outst_d == '0) begin
      drain_d = 1'b0;
      wp_d = '0; ap_d = '0; rp_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wp_q       <= '0;
      ap_q       <= '0;
      rp_q       <= '0;
      drain_q    <= 1'b0;
      ar_act_q   <= 1'b0;
      ar_addr_q  <= '0;
      ar_left_q  <= '0;
      outst_q    <= '0;
      r_act_q    <= 1'b0;
      r_left_q   <= '0;
      out_left_q <= '0;
      off_q      <= '0;
      first_q    <= 1'b0;
      prev_q     <= '0;
      arvalid_q  <= 1'b0;
      araddr_q   <= '0;
      arlen_q    <= '0;
      err_q      <= 1'b0;
    end else begin
      wp_q       <= wp_d;
      ap_q       <= ap_d;
      rp_q       <= rp_d;
      drain_q    <= drain_d;
      ar_act_q   <= ar_act_d;
      ar_addr_q  <= ar_addr_d;
      ar_left_q  <= ar_left_d;
      outst_q    <= outst_d;
      r_act_q    <= r_act_d;
      r_left_q   <= r_left_d;
      out_left_q <= out_left_d;
      off_q      <= off_d;
      first_q    <= first_d;
      prev_q     <= prev_d;
      arvalid_q  <= arvalid_d;
      araddr_q   <= araddr_d;
      arlen_q    <= arlen_d;
      err_q      <= err_d;
    end
  end

  assign req_ready_o   = !full && !drain_q && !abort_i;
  assign idle_o        = (wp_q == rp_q) && !r_act_q && !drain_q && !arvalid_q && (outst_q == '0);
  assign err_o         = err_q;
  // Waiting on memory: address not accepted, or data owed and not arriving.
  assign stall_o       = (arvalid_q && !m_axi_arready) || (outst_q != '0 && !m_axi_rvalid);

  assign m_axi_arid    = '0;
  assign m_axi_arvalid = arvalid_q;
  assign m_axi_araddr  = araddr_q;
  assign m_axi_arlen   = 8'(arlen_q - 9'd1);
  assign m_axi_arsize  = 3'(OW);
  assign m_axi_arburst = 2'b01;

  // rid and rlast are not needed: one ID, beats counted.
  logic unused_r;
  assign unused_r = ^{m_axi_rid, m_axi_rlast, m_axi_rresp[0], span_end[OW-1:0]};

endmodule
