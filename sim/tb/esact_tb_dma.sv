// Test-only AXI4 master (not part of the accelerator): copies n_beats_i beats of
// AXI_DW bits from src_i to dst_i, in INCR bursts of at most burst_i beats that
// never cross a 4 KiB boundary.  One burst is read into a buffer, then written.
// It exists to exercise the harness's AXI memory model (latency, bandwidth,
// back-pressure, protocol checks, error responses) before esact_top exists.
//
// fault_i makes it break the protocol on purpose so that the memory model's
// checks can be tested:
//   0 none
//   1 bursts may cross 4 KiB (the 4 KiB split is skipped)
//   2 unaligned read address (araddr + 1)
//   3 WLAST on the first beat of every write burst
//   4 araddr changes while arvalid is high and arready low
//   5 wdata changes while wvalid is high and wready low
// An error response (RRESP/BRESP != OKAY) stops the copy with error_o.
module esact_tb_dma (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        start_i,
  input  logic [31:0] src_i,
  input  logic [31:0] dst_i,
  input  logic [15:0] n_beats_i,
  input  logic [7:0]  burst_i,
  input  logic [3:0]  fault_i,
  output logic        busy_o,
  output logic        done_o,
  output logic        error_o,

  output logic [esact_pkg::AXI_IDW-1:0]   m_axi_arid,
  output logic [esact_pkg::AXI_AW-1:0]    m_axi_araddr,
  output logic [7:0]                      m_axi_arlen,
  output logic [2:0]                      m_axi_arsize,
  output logic [1:0]                      m_axi_arburst,
  output logic                            m_axi_arvalid,
  input  logic                            m_axi_arready,
  input  logic [esact_pkg::AXI_IDW-1:0]   m_axi_rid,
  input  logic [esact_pkg::AXI_DW-1:0]    m_axi_rdata,
  input  logic [1:0]                      m_axi_rresp,
  input  logic                            m_axi_rlast,
  input  logic                            m_axi_rvalid,
  output logic                            m_axi_rready,
  output logic [esact_pkg::AXI_IDW-1:0]   m_axi_awid,
  output logic [esact_pkg::AXI_AW-1:0]    m_axi_awaddr,
  output logic [7:0]                      m_axi_awlen,
  output logic [2:0]                      m_axi_awsize,
  output logic [1:0]                      m_axi_awburst,
  output logic                            m_axi_awvalid,
  input  logic                            m_axi_awready,
  output logic [esact_pkg::AXI_DW-1:0]    m_axi_wdata,
  output logic [esact_pkg::AXI_DW/8-1:0]  m_axi_wstrb,
  output logic                            m_axi_wlast,
  output logic                            m_axi_wvalid,
  input  logic                            m_axi_wready,
  input  logic [esact_pkg::AXI_IDW-1:0]   m_axi_bid,
  input  logic [1:0]                      m_axi_bresp,
  input  logic                            m_axi_bvalid,
  output logic                            m_axi_bready
);
  localparam int unsigned BytesPerBeat = esact_pkg::AXI_DW / 8;
  localparam int unsigned BufBeats = 16;

  typedef enum logic [2:0] {StIdle, StAr, StR, StAw, StW, StB} state_e;
  state_e state_q, state_d;

  logic [31:0] src_q, src_d, dst_q, dst_d;
  logic [15:0] left_q, left_d;
  logic [7:0]  len_q, len_d;     // beats of the current burst
  logic [7:0]  beat_q, beat_d;   // beat counter within the burst
  logic        done_q, done_d, error_q, error_d;
  logic [31:0] araddr_q, araddr_d;
  logic [esact_pkg::AXI_DW-1:0] buf_q [BufBeats];
  logic [esact_pkg::AXI_DW-1:0] wjitter_q, wjitter_d;

  // Beats to the next 4 KiB boundary of an address (1..256).  Only the
  // offset inside the page matters, and addresses are beat-aligned.
  function automatic logic [8:0] to_4k(input logic [31:0] a);
    logic [12:0] room;
    room = 13'h1000 - {1'b0, a[11:0]};
    to_4k = room[12:4];
  endfunction

  // Bits 15:8 are only compared: a burst is at most BufBeats long.
  logic [15:0] burst_beats;
  always_comb begin
    logic [15:0] b;
    b = (left_q < {8'd0, burst_i}) ? left_q : {8'd0, burst_i};
    if (b > 16'(BufBeats)) b = 16'(BufBeats);
    if (fault_i != 4'd1) begin
      if (b > {7'd0, to_4k(src_q)}) b = {7'd0, to_4k(src_q)};
      if (b > {7'd0, to_4k(dst_q)}) b = {7'd0, to_4k(dst_q)};
    end
    if (b == 16'd0) b = 16'd1;
    burst_beats = b;
  end

  always_comb begin
    state_d = state_q;
    src_d = src_q;
    dst_d = dst_q;
    left_d = left_q;
    len_d = len_q;
    beat_d = beat_q;
    done_d = done_q;
    error_d = error_q;
    araddr_d = araddr_q;
    wjitter_d = wjitter_q;
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          src_d = src_i;
          dst_d = dst_i;
          left_d = n_beats_i;
          done_d = 1'b0;
          error_d = 1'b0;
          state_d = (n_beats_i == 16'd0) ? StIdle : StAr;
          done_d = (n_beats_i == 16'd0);
          araddr_d = src_i;
        end
      end
      StAr: begin
        len_d = burst_beats[7:0];
        if (m_axi_arready) begin
          beat_d = 8'd0;
          state_d = StR;
        end else if (fault_i == 4'd4) begin
          araddr_d = araddr_q + 32'(BytesPerBeat);
        end
      end
      StR: begin
        if (m_axi_rvalid) begin
          if (m_axi_rresp != 2'b00) error_d = 1'b1;
          beat_d = beat_q + 8'd1;
          if (m_axi_rlast) begin
            beat_d = 8'd0;
            state_d = StAw;
          end
        end
      end
      StAw: begin
        if (m_axi_awready) state_d = StW;
      end
      StW: begin
        if (m_axi_wready) begin
          beat_d = beat_q + 8'd1;
          if (beat_q + 8'd1 == len_q) state_d = StB;
        end else if (fault_i == 4'd5) begin
          wjitter_d = wjitter_q + 1'b1;
        end
      end
      StB: begin
        if (m_axi_bvalid) begin
          if (m_axi_bresp != 2'b00) error_d = 1'b1;
          left_d = left_q - {8'd0, len_q};
          src_d = src_q + 32'(len_q) * 32'(BytesPerBeat);
          dst_d = dst_q + 32'(len_q) * 32'(BytesPerBeat);
          araddr_d = src_q + 32'(len_q) * 32'(BytesPerBeat);
          if (error_d || left_q == {8'd0, len_q}) begin
            state_d = StIdle;
            done_d = 1'b1;
          end else begin
            state_d = StAr;
          end
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      src_q <= '0;
      dst_q <= '0;
      left_q <= '0;
      len_q <= '0;
      beat_q <= '0;
      done_q <= 1'b0;
      error_q <= 1'b0;
      araddr_q <= '0;
      wjitter_q <= '0;
    end else begin
      state_q <= state_d;
      src_q <= src_d;
      dst_q <= dst_d;
      left_q <= left_d;
      len_q <= len_d;
      beat_q <= beat_d;
      done_q <= done_d;
      error_q <= error_d;
      araddr_q <= araddr_d;
      wjitter_q <= wjitter_d;
    end
  end

  // The burst buffer has no reset (data only).
  always_ff @(posedge clk_i) begin
    if (state_q == StR && m_axi_rvalid && beat_q < 8'(BufBeats)) buf_q[beat_q[3:0]] <= m_axi_rdata;
  end

  assign busy_o = (state_q != StIdle);
  assign done_o = done_q;
  assign error_o = error_q;

  assign m_axi_arid = '0;
  assign m_axi_araddr = (fault_i == 4'd2) ? araddr_q + 32'd1 : araddr_q;
  assign m_axi_arlen = burst_beats[7:0] - 8'd1;
  assign m_axi_arsize = 3'($clog2(BytesPerBeat));
  assign m_axi_arburst = 2'b01;
  assign m_axi_arvalid = (state_q == StAr);
  assign m_axi_rready = (state_q == StR);

  assign m_axi_awid = '0;
  assign m_axi_awaddr = dst_q;
  assign m_axi_awlen = len_q - 8'd1;
  assign m_axi_awsize = 3'($clog2(BytesPerBeat));
  assign m_axi_awburst = 2'b01;
  assign m_axi_awvalid = (state_q == StAw);
  assign m_axi_wdata = buf_q[beat_q[3:0]] ^ wjitter_q;
  assign m_axi_wstrb = '1;
  assign m_axi_wlast = (fault_i == 4'd3) ? (beat_q == 8'd0) : (beat_q + 8'd1 == len_q);
  assign m_axi_wvalid = (state_q == StW);
  assign m_axi_bready = (state_q == StB);

  // rid/bid are not used: this master issues one ID and one burst at a time.
  logic unused;
  assign unused = ^{m_axi_rid, m_axi_bid};
endmodule
