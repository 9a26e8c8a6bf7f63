// ESACT command fetcher: reads a layer's command list from memory.
//
// start_i (one cycle) begins a list of count_i records of CMD_WORDS 32-bit
// words at addr_i.  Each record is one read request of CMD_WORDS * 4 bytes on
// the control memory port; at most DEPTH records are requested or buffered at
// a time, so every requested beat has room and the fetcher never holds back
// the read arbiter's in-order data return (which would block the units).
// The records leave in list order on a valid/ready stream with their index.
// abort_i drops everything (the engines and the arbiter drain separately).
module esact_cmd_fetch #(
  parameter int unsigned AW    = esact_pkg::AXI_AW,
  parameter int unsigned DW    = esact_pkg::AXI_DW,
  parameter int unsigned LW    = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned DEPTH = 2,           // records prefetched (power of two)
  localparam int unsigned RW   = esact_types_pkg::CMD_WORDS * 32  // record bits
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,
  input  logic          abort_i,
  input  logic [AW-1:0] addr_i,
  input  logic [15:0]   count_i,
  // read port
  output logic          rd_req_valid_o,
  input  logic          rd_req_ready_i,
  output logic [AW-1:0] rd_req_addr_o,
  output logic [LW-1:0] rd_req_len_o,
  input  logic          rd_data_valid_i,
  output logic          rd_data_ready_o,
  input  logic [DW-1:0] rd_data_i,
  // records, in list order
  output logic          cmd_valid_o,
  input  logic          cmd_ready_i,
  output logic [RW-1:0] cmd_o,
  output logic [15:0]   cmd_idx_o
);

  localparam int unsigned BPR = RW / DW;                       // beats per record
  localparam int unsigned PW  = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam int unsigned BW  = (BPR > 1) ? $clog2(BPR) : 1;

  logic [RW-1:0] rec_q [DEPTH];
  logic [15:0]   count_q, req_q, rcv_q, out_q;   // records: in list, requested, received, handed out
  logic [AW-1:0] addr_q;
  logic [BW-1:0] beat_q;
  logic [PW-1:0] wp_q, rp_q;

  logic req_hs, beat_hs, rec_done, out_hs;
  assign rd_req_valid_o  = (req_q != count_q) && (req_q - out_q < 16'(DEPTH));
  assign rd_req_addr_o   = addr_q;
  assign rd_req_len_o    = LW'(RW / 8);
  assign req_hs          = rd_req_valid_o && rd_req_ready_i;
  assign rd_data_ready_o = (rcv_q != req_q);
  assign beat_hs         = rd_data_valid_i && rd_data_ready_o;
  assign rec_done        = beat_hs && (32'(beat_q) == BPR - 1);
  assign cmd_valid_o     = (out_q != rcv_q);
  assign cmd_o           = rec_q[rp_q];
  assign cmd_idx_o       = out_q;
  assign out_hs          = cmd_valid_o && cmd_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_q <= '0; req_q <= '0; rcv_q <= '0; out_q <= '0;
      addr_q <= '0; beat_q <= '0; wp_q <= '0; rp_q <= '0;
    end else if (abort_i || start_i) begin
      count_q <= abort_i ? '0 : count_i;
      req_q <= '0; rcv_q <= '0; out_q <= '0;
      addr_q <= addr_i; beat_q <= '0; wp_q <= '0; rp_q <= '0;
    end else begin
      if (req_hs) begin
        req_q  <= req_q + 16'd1;
        addr_q <= addr_q + AW'(RW / 8);
      end
      if (beat_hs) beat_q <= rec_done ? '0 : beat_q + BW'(1);
      if (rec_done) begin
        rcv_q <= rcv_q + 16'd1;
        wp_q  <= wp_q + PW'(1);
      end
      if (out_hs) begin
        out_q <= out_q + 16'd1;
        rp_q  <= rp_q + PW'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (beat_hs) rec_q[wp_q][32'(beat_q) * DW +: DW] <= rd_data_i;
  end

`ifndef SYNTHESIS
  initial begin : p_params
    a_rec_beats: assert (RW % DW == 0 && BPR >= 1 && (BPR & (BPR - 1)) == 0)
      else $fatal(1, "esact_cmd_fetch: a record must be a power-of-two number of beats");
    a_depth: assert (DEPTH >= 1 && (DEPTH & (DEPTH - 1)) == 0)
      else $fatal(1, "esact_cmd_fetch: DEPTH must be a power of two");
  end
  // Never more records requested or buffered than there is room for.
  a_room: assert property (@(posedge clk_i) disable iff (!rst_ni) (req_q - out_q) <= 16'(DEPTH))
    else $error("esact_cmd_fetch: more than DEPTH records in flight");
  a_order: assert property (@(posedge clk_i) disable iff (!rst_ni)
                            out_q <= rcv_q && rcv_q <= req_q && req_q <= count_q)
    else $error("esact_cmd_fetch: record counters out of order");
`endif

endmodule
