// ESACT read arbiter: N unit ports share one read engine (esact_axi_rd).
//
// Requests are granted by priority and by beats, not request by request:
// * the priority port PRIO (the GEMM in esact_top: the MAC array must not
//   wait) is granted whenever it has a request; its requests are bounded by
//   its own buffers, so the others get the bus whenever it computes;
// * every other port may add a request only while it has fewer than CAP data
//   beats in flight (granted, last beat not yet delivered), so it never fills
//   the engine's in-order queue far ahead of the priority port (whose next
//   request waits behind at most about (N - 1) * CAP beats); CAP beats in
//   flight keep the bus busy on their own at a read latency below CAP;
// * among those, only the ports with the fewest beats in flight compete, then
//   round robin: a port with short requests gets as many beats as one with
//   long ones instead of one request each; equal requests: plain round robin.
// PRIO >= N: no priority port.  A request offered to the engine
// and not yet taken keeps its port (the request stream stays stable until
// ready).  Every granted request's port and beat count are pushed into a tag
// FIFO; the engine delivers the data of its requests in request order (one
// AXI ID: any AXI4 slave keeps them in order), so the FIFO head names the
// port that receives the next beats, and a request's last beat (data_last)
// pops it and takes its beats off the port's count.  Several units therefore
// stream at once, interleaved; a port that stops taking its data holds back
// the data of later requests (head of line), so a unit must not make taking
// its data depend on another unit.
//
// abort_i (the engine drops its queue and drains) empties the tag FIFO and
// the beat counts.
module esact_rd_arb #(
  parameter int unsigned N  = esact_types_pkg::N_UNITS,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned QD = 16,  // requests in flight: >= the engine's queue depth, a power of two
  parameter int unsigned CAP = esact_pkg::RD_CAP, // a port adds a request only below this many beats in flight
  parameter int unsigned PRIO = N    // the priority port (exempt from CAP); >= N: none
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 abort_i,
  // unit ports (port p: bits [p*W +: W] of the flat vectors)
  input  logic [N-1:0]         req_valid_i,
  output logic [N-1:0]         req_ready_o,
  input  logic [N*AW-1:0] req_addr_i,
  input  logic [N*LW-1:0] req_len_i,
  output logic [N-1:0]         data_valid_o,
  input  logic [N-1:0]         data_ready_i,
  output logic [DW-1:0]        data_o,
  output logic                 data_last_o,
  // read engine
  output logic                 eng_req_valid_o,
  input  logic                 eng_req_ready_i,
  output logic [AW-1:0]        eng_req_addr_o,
  output logic [LW-1:0]        eng_req_len_o,
  input  logic                 eng_data_valid_i,
  output logic                 eng_data_ready_o,
  input  logic [DW-1:0]        eng_data_i,
  input  logic                 eng_data_last_i
);

  localparam int unsigned PW = (N > 1) ? $clog2(N) : 1;
  localparam int unsigned QW = (QD > 1) ? $clog2(QD) : 1;
  localparam int unsigned OW = $clog2(DW / 8);
  localparam int unsigned BW = LW - OW + 1;        // data beats of one request
  localparam int unsigned CW = BW + QW + 1;        // data beats in flight of one port

  // Beats in flight per port; the priority port, else the valid ports below
  // CAP with the fewest beats in flight compete.
  logic [N*CW-1:0] inflight_q, inflight_d;        // port p: bits [p*CW +: CW]
  logic [CW-1:0]  fewest;
  logic [N-1:0]   least, elig, rr_valid;
  logic           prio_req;
  logic           held_q;                         // the offered request was not taken
  always_comb begin
    prio_req = 1'b0;
    fewest   = '1;
    for (int unsigned p = 0; p < N; p++) begin
      elig[p] = req_valid_i[p] && inflight_q[p*CW +: CW] < CW'(CAP);
      if (p == PRIO && req_valid_i[p]) prio_req = 1'b1;
      if (elig[p] && inflight_q[p*CW +: CW] < fewest) fewest = inflight_q[p*CW +: CW];
    end
    for (int unsigned p = 0; p < N; p++) begin
      if (prio_req) least[p] = (p == PRIO);
      else          least[p] = elig[p] && (inflight_q[p*CW +: CW] == fewest);
    end
  end
  // A held offer keeps its port whatever the counts do meanwhile.
  assign rr_valid = held_q ? req_valid_i : least;

  // Round robin after the last grant; a request offered and not taken keeps its port.
  logic [PW-1:0] sel;
  logic          any;
  esact_rr_arb #(.N(N)) u_rr (
    .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(rr_valid), .gnt_valid_o(any), .gnt_idx_o(sel),
    .offer_i(eng_req_valid_o), .accept_i(eng_req_ready_i));

  // Tag FIFO: the port and beats of every request the engine holds, in request order.
  logic [PW-1:0] tag_q [QD];
  logic [BW-1:0] tnb_q [QD];
  logic [QW:0]   wp_q, wp_d, rp_q, rp_d;
  logic          full, empty, push, pop;
  logic [PW-1:0] head;
  logic [BW-1:0] req_beats;
  assign full  = (wp_q[QW] != rp_q[QW]) && (wp_q[QW-1:0] == rp_q[QW-1:0]);
  assign empty = (wp_q == rp_q);
  assign head  = tag_q[rp_q[QW-1:0]];
  assign req_beats = BW'(((LW+1)'(eng_req_len_o) + (LW+1)'(DW / 8 - 1)) >> OW);

  assign eng_req_valid_o = any && !full && !abort_i;
  assign eng_req_addr_o  = req_addr_i[32'(sel)*AW +: AW];
  assign eng_req_len_o   = req_len_i[32'(sel)*LW +: LW];
  assign push            = eng_req_valid_o && eng_req_ready_i;
  always_comb begin
    req_ready_o = '0;
    req_ready_o[sel] = push;
  end

  // Data to the port at the head of the tag FIFO.
  always_comb begin
    data_valid_o = '0;
    data_valid_o[head] = eng_data_valid_i && !empty;
  end
  assign eng_data_ready_o = !empty && data_ready_i[head];
  assign data_o           = eng_data_i;
  assign data_last_o      = eng_data_last_i;
  assign pop              = eng_data_valid_i && eng_data_ready_o && eng_data_last_i;

  always_comb begin
    wp_d = wp_q + ((QW+1)'(push));
    rp_d = rp_q + ((QW+1)'(pop));
    inflight_d = inflight_q;
    if (push) inflight_d[32'(sel)*CW +: CW] = inflight_d[32'(sel)*CW +: CW] + CW'(req_beats);
    if (pop)  inflight_d[32'(head)*CW +: CW] = inflight_d[32'(head)*CW +: CW] - CW'(tnb_q[rp_q[QW-1:0]]);
    if (abort_i) begin
      wp_d = '0;
      rp_d = '0;
      inflight_d = '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) begin
      tag_q[wp_q[QW-1:0]] <= sel;
      tnb_q[wp_q[QW-1:0]] <= req_beats;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wp_q   <= '0;
      rp_q   <= '0;
      held_q <= 1'b0;
      inflight_q <= '0;
    end else begin
      wp_q   <= wp_d;
      rp_q   <= rp_d;
      held_q <= eng_req_valid_o && !eng_req_ready_i && !abort_i;
      inflight_q <= inflight_d;
    end
  end

`ifndef SYNTHESIS
  // The engine's data belongs to exactly one port; no beat arrives without a
  // request (the grant itself is checked in esact_rr_arb).
  a_one_data_owner: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(data_valid_o))
    else $error("esact_rd_arb: read data offered to more than one port");
  a_no_orphan_data: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                     eng_data_valid_i |-> !empty)
    else $error("esact_rd_arb: read data without an outstanding request");
  // The priority port's request goes first (unless another offer is held);
  // another port is granted only below its beat cap.
  a_prio_first: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                 (eng_req_valid_o && prio_req && !held_q) |-> (32'(sel) == PRIO))
    else $error("esact_rd_arb: a port granted before the priority port");
  // An offered request is never changed or withdrawn until the engine takes
  // it (an abort may drop it).
  a_held_offer: assert property (@(posedge clk_i) disable iff (!rst_ni || abort_i)
                                 (eng_req_valid_o && !eng_req_ready_i) |=>
                                 (eng_req_valid_o && $stable(sel) && $stable(eng_req_addr_o) &&
                                  $stable(eng_req_len_o)))
    else $error("esact_rd_arb: an offered read request changed or was withdrawn");
  a_cap: assert property (@(posedge clk_i) disable iff (!rst_ni)
                          (eng_req_valid_o && !held_q && 32'(sel) != PRIO) |->
                          (inflight_q[32'(sel)*CW +: CW] < CW'(CAP)))
    else $error("esact_rd_arb: a port granted at its beat cap");
  // A port's beat count is zero exactly when it has no request in flight
  // (every request has at least one beat); checked for the head's port.
  a_inflight_head: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    !empty |-> (inflight_q[32'(head)*CW +: CW] != '0))
    else $error("esact_rd_arb: beat count of a port with a request in flight is zero");
`endif

endmodule
