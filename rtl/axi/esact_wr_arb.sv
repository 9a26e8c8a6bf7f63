// ESACT write arbiter: N unit ports share one write engine (esact_axi_wr).
//
// The engine queues up to QD requests (address, length) and takes their data
// beats in request order, the data of the oldest request first.  The arbiter
// grants the requests round robin among the valid ports (a request offered
// and not yet taken keeps its port) and remembers, per request taken, its
// port and its number of data beats (ceil(len / BB)); it routes the data
// stream of the oldest request's port to the engine and moves on after that
// request's last beat.  So units interleave their writes request by request,
// and a unit's next request is taken while its previous one still streams.
// The engine's B responses are counted in the background (esact_axi_wr), a
// new request does not wait for them.  abort_i drops the remembered requests
// (the engine takes no more data then).
module esact_wr_arb #(
  parameter int unsigned N  = esact_types_pkg::N_UNITS,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned QD = 4                // >= the write engine's request queue
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

  logic [PW-1:0] sel;
  logic          any, push;
  esact_rr_arb #(.N(N)) u_rr (
    .clk_i, .rst_ni, .flush_i(1'b0), .valid_i(req_valid_i), .gnt_valid_o(any), .gnt_idx_o(sel),
    .offer_i(eng_req_valid_o), .accept_i(eng_req_ready_i));

  assign eng_req_valid_o = any;
  assign eng_req_addr_o  = req_addr_i[32'(sel)*AW +: AW];
  assign eng_req_len_o   = req_len_i[32'(sel)*LW +: LW];
  assign push            = eng_req_valid_o && eng_req_ready_i;
  always_comb begin
    req_ready_o = '0;
    req_ready_o[sel] = push;
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
  assign eng_data_valid_o = (qn_q != '0) && data_valid_i[owner];
  assign eng_data_o       = data_i[32'(owner)*DW +: DW];
  assign d_hs             = eng_data_valid_o && eng_data_ready_i;
  always_comb begin
    data_ready_o = '0;
    data_ready_o[owner] = (qn_q != '0) && eng_data_ready_i;
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
    end else begin
      own_q <= own_d; nb_q <= nb_d; qh_q <= qh_d; qt_q <= qt_d; qn_q <= qn_d; bc_q <= bc_d;
    end
  end

`ifndef SYNTHESIS
  a_one_data_owner: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(data_ready_o))
    else $error("esact_wr_arb: write data taken from more than one port");
  // The engine takes data only for a request the arbiter holds, and never
  // holds more requests than the arbiter can remember.
  a_data_for_request: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                       eng_data_ready_i |-> (qn_q != '0))
    else $error("esact_wr_arb: engine takes data without a request");
  a_wr_arb_queue: assert property (@(posedge clk_i) disable iff (!rst_ni) 32'(qn_q) <= QD)
    else $error("esact_wr_arb: more requests than the engine queues");
`endif

endmodule
