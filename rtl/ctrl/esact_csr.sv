// ESACT control/status registers: AXI4-Lite slave (docs/memory-map.md).
//
// One write and one read in flight at a time; a write is taken when address
// and data are both valid.  Unmapped offsets read 0 and ignore writes (OKAY).
// The configuration registers (DESC_BASE .. SCRATCH_SIZE) ignore writes while
// STATUS.BUSY so that a running layer never sees them change.  Writing CTRL
// with START = 1 while idle pulses start_o and clears DONE, ERROR, ERR_CODE,
// ERR_INFO and every performance counter.
module esact_csr #(
  parameter int unsigned CSR_AW = esact_pkg::CSR_AW
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  // AXI4-Lite slave
  input  logic [CSR_AW-1:0]      s_axil_awaddr,
  input  logic                              s_axil_awvalid,
  output logic                              s_axil_awready,
  input  logic [31:0]                       s_axil_wdata,
  input  logic [3:0]                        s_axil_wstrb,
  input  logic                              s_axil_wvalid,
  output logic                              s_axil_wready,
  output logic [1:0]                        s_axil_bresp,
  output logic                              s_axil_bvalid,
  input  logic                              s_axil_bready,
  input  logic [CSR_AW-1:0]      s_axil_araddr,
  input  logic                              s_axil_arvalid,
  output logic                              s_axil_arready,
  output logic [31:0]                       s_axil_rdata,
  output logic [1:0]                        s_axil_rresp,
  output logic                              s_axil_rvalid,
  input  logic                              s_axil_rready,
  // configuration
  output logic                              start_o,
  output logic [31:0]                       desc_base_o,
  output logic [31:0]                       n_layers_o,
  output logic [31:0]                       n_tokens_o,
  output logic [31:0]                       mode_o,
  output logic [31:0]                       scratch_base_o,
  output logic [31:0]                       scratch_size_o,
  // status from the sequencer
  input  logic                              busy_i,
  input  logic                              done_set_i,
  input  logic                              err_set_i,
  input  esact_types_pkg::err_e                err_code_i,
  input  logic [31:0]                       err_info_i,
  // performance events (counted while busy)
  input  esact_types_pkg::phase_e              phase_i,
  input  logic [15:0]                       mac_inc_i,
  input  logic [15:0]                       xmac_inc_i,   // MACs the array executed (whole tiles)
  input  logic                              rd_stall_i,
  input  logic                              wr_stall_i,
  input  logic                              rd_beat_i,    // an R beat taken from the memory
  input  logic                              wr_beat_i,    // a W beat taken by the memory
  output logic                              irq_o
);

  // Package values as local parameters (a package item used directly in an
  // expression makes Verilator -Wall report every unused package parameter).

  logic        irq_en_q;
  logic        done_q, err_q;
  logic [7:0]  err_code_q;
  logic [31:0] err_info_q;
  logic [31:0] desc_base_q, n_layers_q, n_tokens_q, mode_q, scratch_base_q, scratch_size_q;
  logic [63:0] cycles_q, macs_q, xmacs_q;
  logic [31:0] rd_stall_q, wr_stall_q;
  logic [31:0] phase_q [esact_pkg::PH_COUNT];
  logic [31:0] ph_rd_q [esact_pkg::PH_COUNT];   // R beats per phase
  logic [31:0] ph_wr_q [esact_pkg::PH_COUNT];   // W beats per phase
  logic        bvalid_q, rvalid_q;
  logic [31:0] rdata_q;

  logic                         wr_en, rd_en;
  logic [CSR_AW-1:0] wa;
  logic [31:0]                  wmask, rd_val;

  assign wr_en = s_axil_awvalid && s_axil_wvalid && !bvalid_q;
  assign rd_en = s_axil_arvalid && !rvalid_q;
  assign wa    = s_axil_awaddr;
  assign wmask = {{8{s_axil_wstrb[3]}}, {8{s_axil_wstrb[2]}}, {8{s_axil_wstrb[1]}}, {8{s_axil_wstrb[0]}}};
  assign start_o = wr_en && (wa == CSR_AW'(esact_pkg::CSR_CTRL)) && s_axil_wstrb[0] &&
                   s_axil_wdata[0] && !busy_i;

  function automatic logic [31:0] merge(logic [31:0] old, logic [31:0] nw, logic [31:0] m);
    merge = (old & ~m) | (nw & m);
  endfunction

  // Register writes and status.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      irq_en_q       <= 1'b0;
      done_q         <= 1'b0;
      err_q          <= 1'b0;
      err_code_q     <= '0;
      err_info_q     <= '0;
      desc_base_q    <= '0;
      n_layers_q     <= 32'd1;
      n_tokens_q     <= 32'd1;
      mode_q         <= '0;
      scratch_base_q <= '0;
      scratch_size_q <= '0;
    end else begin
      if (wr_en) begin
        unique case (32'(wa))
          esact_pkg::CSR_CTRL: begin
            if (s_axil_wstrb[0]) irq_en_q <= s_axil_wdata[1];
          end
          esact_pkg::CSR_STATUS: begin
            if (s_axil_wstrb[0] && s_axil_wdata[1]) done_q <= 1'b0;
            if (s_axil_wstrb[0] && s_axil_wdata[2]) err_q  <= 1'b0;
          end
          esact_pkg::CSR_DESC_BASE:    if (!busy_i) desc_base_q    <= merge(desc_base_q, s_axil_wdata, wmask);
          esact_pkg::CSR_N_LAYERS:     if (!busy_i) n_layers_q     <= merge(n_layers_q, s_axil_wdata, wmask);
          esact_pkg::CSR_N_TOKENS:     if (!busy_i) n_tokens_q     <= merge(n_tokens_q, s_axil_wdata, wmask);
          esact_pkg::CSR_MODE:         if (!busy_i) mode_q         <= merge(mode_q, s_axil_wdata, wmask);
          esact_pkg::CSR_SCRATCH_BASE: if (!busy_i) scratch_base_q <= merge(scratch_base_q, s_axil_wdata, wmask);
          esact_pkg::CSR_SCRATCH_SIZE: if (!busy_i) scratch_size_q <= merge(scratch_size_q, s_axil_wdata, wmask);
          default: ;
        endcase
      end
      if (start_o) begin
        done_q     <= 1'b0;
        err_q      <= 1'b0;
        err_code_q <= '0;
        err_info_q <= '0;
      end
      if (done_set_i) done_q <= 1'b1;
      if (err_set_i) begin
        err_q      <= 1'b1;
        err_code_q <= err_code_i;
        err_info_q <= err_info_i;
      end
    end
  end

  // Performance counters: cleared by START, counting while busy.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_q   <= '0;
      macs_q     <= '0;
      xmacs_q    <= '0;
      rd_stall_q <= '0;
      wr_stall_q <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) phase_q[p] <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) ph_rd_q[p] <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) ph_wr_q[p] <= '0;
    end else if (start_o) begin
      cycles_q   <= '0;
      macs_q     <= '0;
      xmacs_q    <= '0;
      rd_stall_q <= '0;
      wr_stall_q <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) phase_q[p] <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) ph_rd_q[p] <= '0;
      for (int unsigned p = 0; p < esact_pkg::PH_COUNT; p++) ph_wr_q[p] <= '0;
    end else if (busy_i) begin
      cycles_q   <= cycles_q + 64'd1;
      macs_q     <= macs_q + 64'(mac_inc_i);
      xmacs_q    <= xmacs_q + 64'(xmac_inc_i);
      rd_stall_q <= rd_stall_q + 32'(rd_stall_i);
      wr_stall_q <= wr_stall_q + 32'(wr_stall_i);
      phase_q[phase_i] <= phase_q[phase_i] + 32'd1;
      ph_rd_q[phase_i] <= ph_rd_q[phase_i] + 32'(rd_beat_i);
      ph_wr_q[phase_i] <= ph_wr_q[phase_i] + 32'(wr_beat_i);
    end
  end

  // Register reads.
  always_comb begin
    rd_val = '0;
    unique case (32'(s_axil_araddr))
      esact_pkg::CSR_ID:           rd_val = esact_pkg::CSR_ID_VALUE;
      esact_pkg::CSR_VERSION:      rd_val = esact_pkg::CSR_VERSION_VALUE;
      esact_pkg::CSR_CTRL:         rd_val = {30'd0, irq_en_q, 1'b0};
      esact_pkg::CSR_STATUS:       rd_val = {29'd0, err_q, done_q, busy_i};
      esact_pkg::CSR_ERR_CODE:     rd_val = {24'd0, err_code_q};
      esact_pkg::CSR_ERR_INFO:     rd_val = err_info_q;
      esact_pkg::CSR_DESC_BASE:    rd_val = desc_base_q;
      esact_pkg::CSR_N_LAYERS:     rd_val = n_layers_q;
      esact_pkg::CSR_N_TOKENS:     rd_val = n_tokens_q;
      esact_pkg::CSR_MODE:         rd_val = mode_q;
      esact_pkg::CSR_SCRATCH_BASE: rd_val = scratch_base_q;
      esact_pkg::CSR_SCRATCH_SIZE: rd_val = scratch_size_q;
      esact_pkg::CSR_CYCLES_LO:    rd_val = cycles_q[31:0];
      esact_pkg::CSR_CYCLES_HI:    rd_val = cycles_q[63:32];
      esact_pkg::CSR_MACS_LO:      rd_val = macs_q[31:0];
      esact_pkg::CSR_MACS_HI:      rd_val = macs_q[63:32];
      esact_pkg::CSR_XMACS_LO:     rd_val = xmacs_q[31:0];
      esact_pkg::CSR_XMACS_HI:     rd_val = xmacs_q[63:32];
      esact_pkg::CSR_RD_STALL:     rd_val = rd_stall_q;
      esact_pkg::CSR_WR_STALL:     rd_val = wr_stall_q;
      default: begin
        if (32'(s_axil_araddr) >= esact_pkg::CSR_PHASE_CYCLES &&
            32'(s_axil_araddr) < esact_pkg::CSR_PHASE_CYCLES + 4 * esact_pkg::PH_COUNT) begin
          rd_val = phase_q[4'((32'(s_axil_araddr) - esact_pkg::CSR_PHASE_CYCLES) >> 2)];
        end
        if (32'(s_axil_araddr) >= esact_pkg::CSR_PHASE_RD_BEATS &&
            32'(s_axil_araddr) < esact_pkg::CSR_PHASE_RD_BEATS + 4 * esact_pkg::PH_COUNT) begin
          rd_val = ph_rd_q[4'((32'(s_axil_araddr) - esact_pkg::CSR_PHASE_RD_BEATS) >> 2)];
        end
        if (32'(s_axil_araddr) >= esact_pkg::CSR_PHASE_WR_BEATS &&
            32'(s_axil_araddr) < esact_pkg::CSR_PHASE_WR_BEATS + 4 * esact_pkg::PH_COUNT) begin
          rd_val = ph_wr_q[4'((32'(s_axil_araddr) - esact_pkg::CSR_PHASE_WR_BEATS) >> 2)];
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bvalid_q <= 1'b0;
      rvalid_q <= 1'b0;
      rdata_q  <= '0;
    end else begin
      if (wr_en) bvalid_q <= 1'b1;
      else if (s_axil_bready) bvalid_q <= 1'b0;
      if (rd_en) begin
        rvalid_q <= 1'b1;
        rdata_q  <= rd_val;
      end else if (s_axil_rready) begin
        rvalid_q <= 1'b0;
      end
    end
  end

  assign s_axil_awready = wr_en;
  assign s_axil_wready  = wr_en;
  assign s_axil_bvalid  = bvalid_q;
  assign s_axil_bresp   = 2'b00;
  assign s_axil_arready = rd_en;
  assign s_axil_rvalid  = rvalid_q;
  assign s_axil_rdata   = rdata_q;
  assign s_axil_rresp   = 2'b00;

  assign desc_base_o    = desc_base_q;
  assign n_layers_o     = n_layers_q;
  assign n_tokens_o     = n_tokens_q;
  assign mode_o         = mode_q;
  assign scratch_base_o = scratch_base_q;
  assign scratch_size_o = scratch_size_q;
  assign irq_o          = irq_en_q && (done_q || err_q);

endmodule
