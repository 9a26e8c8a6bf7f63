// ESACT write arbiter: N unit ports share one write engine (esact_axi_wr).
//
// The engine writes one request at a time: it takes a request (address,
// length) and then its data beats, and is ready for the next request only
// when every beat of the current one has been taken.  The arbiter grants the
// requests round robin among the valid ports (a request offered and not yet
// taken keeps its port) and routes the data stream of the port that owns the
// running request.  So units interleave their writes request by request; the
// engine's B responses are counted in the background (esact_axi_wr), a new
// request does not wait for them.
module esact_wr_arb #(
  parameter int unsigned N  = esact_types_pkg::N_UNITS,
  parameter int unsigned AW = esact_pkg::AXI_AW,
  parameter int unsigned DW = esact_pkg::AXI_DW,
  parameter int unsigned LW = esact_types_pkg::REQ_LEN_W
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
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

  localparam int unsigned PW = (N > 1) ? $clog2(N) : 1;

  logic [PW-1:0] sel, owner_q, owner_d;
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

  // Data of the running request from its owner.
  assign eng_data_valid_o = data_valid_i[owner_q];
  assign eng_data_o       = data_i[32'(owner_q)*DW +: DW];
  always_comb begin
    data_ready_o = '0;
    data_ready_o[owner_q] = eng_data_ready_i;
  end

  assign owner_d = push ? sel : owner_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      owner_q <= '0;
    end else begin
      owner_q <= owner_d;
    end
  end

`ifndef SYNTHESIS
  a_one_data_owner: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(data_ready_o))
    else $error("esact_wr_arb: write data taken from more than one port");
  // The engine takes data only for a request it holds: never in the cycle it
  // takes a new one (the owner changes at that edge).
  a_no_data_at_grant: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                       push |-> !eng_data_ready_i)
    else $error("esact_wr_arb: engine takes data while taking a new request");
`endif

endmodule
