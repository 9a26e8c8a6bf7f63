// ESACT write arbiter: N unit ports share one write engine (esact_axi_wr).
//
// The engine queues up to QD requests (address, length) and takes their data
// beats in request order, the data of the oldest request first.  The arbiter
// grants the requests:
// * the priority port PRIO (the GEMM in esact_top: its epilogue writes the
//   tile of the accumulators while the array computes the next one, so its
//   writes bound the array) whenever it has a request;
// * else round robin among the valid ports.
// A request offered to the engine and not yet taken keeps its port, whatever
// arrives meanwhile (also a priority request): an offer is never changed or
// withdrawn (outside an abort).  The priority port's requests are bounded by
// its own output (one shadow tile), so the others get the engine whenever it
// computes.  Per request taken the arbiter remembers its port and its number
// of data beats (ceil(len / BB)); it routes the data stream of the oldest
// request's port to the engine and moves on after that request's last beat.
// So units interleave their writes request by request, and a unit's next
// request is taken while its previous one still streams.  Every port but
// the priority port goes through an esact_wr_stage (STAGE_SB beats per
// chunk): its requests reach the arbiter in chunks whose data is ready, so
// a unit that makes its data slowly (the softmax: one beat in 4 cycles)
// never holds the in-order data stream and the requests queued behind it.  The engine's B
// responses are counted in the background (esact_axi_wr), a new request does
// not wait for them.  abort_i drops the remembered requests (the engine
// takes no more data then).  PRIO >= N: no priority port (round robin).
module esact_wr_arb #(
  parameter int unsigned N  = esact_types_pkg::N_UNITS,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned QD = esact_pkg::WR_QD, // >= the write engine's request queue
  parameter int unsigned PRIO = N,                // the priority port; >= N: none
  parameter int unsigned STAGE_SB = 8             // beats per chunk of the other ports' stages; 0: none
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 abort_i,
  // unit ports (port p: bits [p*W +: W] of the flat vectors)
  input  logic [N-1:0]         req_valid_i,
  output logic [N-1:0]         req_ready_o,
  input  logic [N*AW-1:0] req_addr_i,
  input  logic [N*LW-1:0] req_len_i,
  input  logic [N-1:0]         data_valid_i,
  output logic [N-1:0]         data_ready_o,
  input  logic [N*DW-1:0] data_i,
  // write engine
  output logic                 eng_req_valid_o,
  input  logic                 eng_req_ready_i,
  output logic [AW-1:0]        eng_req_addr_o,
  output logic [LW-1:0]        eng_req_len_o,
  output logic                 eng_data_valid_o,
  input  logic                 eng_data_ready_i,
  output logic [DW-1:0]        eng_data_o
);

  localparam int unsigned PW  = (N > 1) ? $clog2(N) : 1;
  localparam int unsigned QW  = (QD > 1) ? $clog2(QD) : 1;
  localparam int unsigned OW  = $clog2(DW / 8);
  localparam int unsigned BTW = LW - OW + 1;     // data beats of a request

  // The ports as the arbiter sees them: the priority port directly, every
  // other one through a store-and-forward stage (STAGE_SB beats per chunk;
  // STAGE_SB = 0: directly), so that a unit that makes its data slowly never
  // holds the engine's in-order data stream.
  logic [N-1:0]    a_req_valid, a_req_ready, a_data_valid, a_data_ready;
  logic [N*AW-1:0] a_req_addr;
  logic [N*LW-1:0] a_req_len;
  logic [N*DW-1:0] a_data;
  for (genvar p = 0; p < N; p++) begin : g_port
    if (p == PRIO || STAGE_SB == 0) begin : g_direct
      assign a_req_valid[p]           = req_valid_i[p];
      assign req_ready_o[p]           = a_req_ready[p];
      assign a_req_addr[p*AW +: AW]   = req_addr_i[p*AW +: AW];
      assign a_req_len[p*LW +: LW]    = req_len_i[p*LW +: LW];
      assign a_data_valid[p]          = data_valid_i[p];
      assign data_ready_o[p]          = a_data_ready[p];
      assign a_data[p*DW +: DW]       = data_i[p*DW +: DW];
    end else begin : g_stage
      esact_wr_stage #(.AW(AW), .DW(DW), .LW(LW), .SB(STAGE_SB)) u_stage (
        .clk_i, .rst_ni, .abort_i,
        .in_req_valid_i(req_valid_i[p]), .in_req_ready_o(req_ready_o[p]),
        .in_req_addr_i(req_addr_i[p*AW +: AW]), .in_req_len_i(req_len_i[p*LW +: LW]),
        .in_data_valid_i(data_valid_i[p]), .in_data_ready_o(data_ready_o[p]),
        .in_data_i(data_i[p*DW +: DW]),
        .out_req_valid_o(a_req_valid[p]), .out_req_ready_i(a_req_ready[p]),
        .out_req_addr_o(a_req_addr[p*AW +: AW]), .out_req_len_o(a_req_len[p*LW +: LW]),
        .out_data_valid_o(a_data_valid[p]), .out_data_ready_i(a_data_ready[p]),
        .out_data_o(a_data[p*DW +: DW]));
    end
  end


  // The priority port alone competes while it has a request, unless an
  // offer is held (then the round robin keeps the held port).
  logic [N-1:0]  rr_valid;
  logic          prio_req, held_q;
  always_comb begin
    prio_req = 1'b0;
    for (int unsigned p = 0; p < N; p++) begin
      if (p == PRIO && a_req_valid[p]) prio_req = 1'b1;
    end
    rr_valid = a_req_valid;
    if (prio_req && !held_q) begin
      for (int unsigned p = 0; p < N; p++) rr_valid[p] = (p == PRIO);
    end
  end

  logic [PW-1:0] sel;
  logic          any, push;
  esact_rr_arb #(.N(N)) u_rr (
    .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(rr_valid), .gnt_valid_o(any), .gnt_idx_o(sel),
    .offer_i(eng_req_valid_o), .accept_i(eng_req_ready_i));

  assign eng_req_valid_o = any;
  assign eng_req_addr_o  = a_req_addr[32'(sel)*AW +: AW];
  assign eng_req_len_o   = a_req_len[32'(sel)*LW +: LW];
  assign push            = eng_req_valid_o && eng_req_ready_i;
  always_comb begin
    a_req_ready = '0;
    a_req_ready[sel] = push;
  end

  // Requests taken, oldest first: port and data beats.
  logic [QD*PW-1:0]  own_q, own_d;
  logic [QD*BTW-1:0] nb_q, nb_d;
  logic [QW-1:0]     qh_q, qh_d, qt_q, qt_d;
  logic [QW:0]       qn_q, qn_d;
  logic [BTW-1:0]    bc_q, bc_d;             // beats of the oldest request taken so far
  logic [PW-1:0]     owner;
  logic              d_hs;
  assign owner = own_q[32'(qh_q) * PW +: PW];

  // Data of the oldest request from its owner.
  assign eng_data_valid_o = (qn_q != '0) && a_data_valid[owner];
  assign eng_data_o       = a_data[32'(owner)*DW +: DW];
  assign d_hs             = eng_data_valid_o && eng_data_ready_i;
  always_comb begin
    a_data_ready = '0;
    a_data_ready[owner] = (qn_q != '0) && eng_data_ready_i;
  end

  always_comb begin
    own_d = own_q; nb_d = nb_q; qh_d = qh_q; qt_d = qt_q; qn_d = qn_q; bc_d = bc_q;
    if (push) begin
      own_d[32'(qt_q) * PW +: PW] = sel;
      nb_d[32'(qt_q) * BTW +: BTW] = BTW'(((LW+1)'(eng_req_len_o) + (LW+1)'(DW / 8 - 1)) >> OW);
      qt_d = qt_q + QW'(1);
      if (QD > 1 && 32'(qt_q) == QD - 1) qt_d = '0;
      qn_d = qn_d + (QW+1)'(1);
    end
    if (d_hs) begin
      bc_d = bc_q + BTW'(1);
      if (bc_q + BTW'(1) == nb_q[32'(qh_q) * BTW +: BTW]) begin
        bc_d = '0;
        qh_d = qh_q + QW'(1);
        if (QD > 1 && 32'(qh_q) == QD - 1) qh_d = '0;
        qn_d = qn_d - (QW+1)'(1);
      end
    end
    if (abort_i) begin
      qh_d = '0; qt_d = '0; qn_d = '0; bc_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      own_q <= '0; nb_q <= '0; qh_q <= '0; qt_q <= '0; qn_q <= '0; bc_q <= '0;
      held_q <= 1'b0;
    end else begin
      own_q <= own_d; nb_q <= nb_d; qh_q <= qh_d; qt_q <= qt_d; qn_q <= qn_d; bc_q <= bc_d;
      held_q <= eng_req_valid_o && !eng_req_ready_i && !abort_i;
    end
  end

`ifndef SYNTHESIS
  a_one_data_owner: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(a_data_ready))
    else $error("esact_wr_arb: write data taken from more than one port");
  // The engine takes data only for a request the arbiter holds, and never
  // holds more requests than the arbiter can remember.
  a_data_for_request: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                       eng_data_ready_i |-> (qn_q != '0))
    else $error("esact_wr_arb: engine takes data without a request");
  // An offered request is never changed or withdrawn until the engine takes
  // it (an abort may drop it); the priority port goes first otherwise.
  a_held_offer: assert property (@(posedge clk_i) disable iff (!rst_ni || abort_i)
                                 (eng_req_valid_o && !eng_req_ready_i) |=>
                                 (eng_req_valid_o && $stable(sel) && $stable(eng_req_addr_o) &&
                                  $stable(eng_req_len_o)))
    else $error("esact_wr_arb: an offered write request changed or was withdrawn");
  a_prio_first: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                 (eng_req_valid_o && prio_req && !held_q) |-> (32'(sel) == PRIO))
    else $error("esact_wr_arb: a port granted before the priority port");
  a_wr_arb_queue: assert property (@(posedge clk_i) disable iff (!rst_ni) 32'(qn_q) <= QD)
    else $error("esact_wr_arb: more requests than the engine queues");
`endif

endmodule
