// ESACT read arbiter: N unit ports share one read engine (esact_axi_rd).
//
// Requests are granted round robin among the ports that are valid; a request
// offered to the engine and not yet taken keeps its port (the request stream
// stays stable until ready).  Every granted request's port is pushed into a tag
// FIFO; the engine delivers the data of its requests in request order (one AXI
// ID: any AXI4 slave keeps them in order), so the FIFO head names the port that
// receives the next beats, and a request's last beat (data_last) pops it.
// Several units therefore stream at once, request by request interleaved; a
// port that stops taking its data holds back the data of later requests (head
// of line), so a unit must not make taking its data depend on another unit.
//
// abort_i (the engine drops its queue and drains) empties the tag FIFO.
module esact_rd_arb #(
  parameter int unsigned N  = esact_types_pkg::N_UNITS,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned QD = 16  // requests in flight: >= the engine's queue depth, a power of two
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

  // Round robin after the last grant; a request offered and not taken keeps its port.
  logic [PW-1:0] sel;
  logic          any;
  esact_rr_arb #(.N(N)) u_rr (
    .clk_i, .rst_ni, .flush_i(abort_i), .valid_i(req_valid_i), .gnt_valid_o(any), .gnt_idx_o(sel),
    .offer_i(eng_req_valid_o), .accept_i(eng_req_ready_i));

  // Tag FIFO: the port of every request the engine holds, in request order.
  logic [PW-1:0] tag_q [QD];
  logic [QW:0]   wp_q, wp_d, rp_q, rp_d;
  logic          full, empty, push, pop;
  logic [PW-1:0] head;
  assign full  = (wp_q[QW] != rp_q[QW]) && (wp_q[QW-1:0] == rp_q[QW-1:0]);
  assign empty = (wp_q == rp_q);
  assign head  = tag_q[rp_q[QW-1:0]];

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
    if (abort_i) begin
      wp_d = '0;
      rp_d = '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) tag_q[wp_q[QW-1:0]] <= sel;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wp_q <= '0;
      rp_q <= '0;
    end else begin
      wp_q <= wp_d;
      rp_q <= rp_d;
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
`endif

endmodule
