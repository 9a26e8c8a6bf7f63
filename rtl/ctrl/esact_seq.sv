// ESACT layer sequencer: validation, descriptor fetch and the per-layer command lists.
//
// START -> check the CSRs (N_TOKENS, N_LAYERS, MODE, DESC_BASE / SCRATCH_BASE
// alignment) -> fetch and check every layer descriptor (magic, shape, knobs,
// requant pairs, alignment, command list, scratch bytes) before any layer
// work -> per layer: fetch the descriptor again and run its command list
// (list_start_o: esact_cmd_fetch reads it, esact_dispatch issues it to the
// units; list_done_i once every command is finished and written).  The
// schedule and the scratch layout are the host's (sim/src/cmdlist.cpp,
// docs/architecture.md "Command list"): this module knows neither.
//
// A bad command (list_err_i), knobs the SPLS front end rejects (knob_err_i:
// ERR_KNOB, ERR_INFO = command index << 16 | (0x80 | front-end error bits) << 8
// | layer), a front-end run error (knob_err_i with bits 7:6 != 0: ERR_SPLS,
// ERR_INFO = command index << 16 | (1 top-k, 2 similarity, 3 no progress) <<
// 8 | layer) or an AXI error response aborts the units,
// drains the AXI engines and ends the run with ERR_CMD (ERR_INFO: command
// index, word, layer) or ERR_AXI_READ / ERR_AXI_WRITE.  Every failure ends
// the run with err_set_o, never a hang.
module esact_seq #(
  parameter int unsigned AW       = esact_pkg::AXI_AW,
  parameter int unsigned DW       = esact_pkg::AXI_DW,
  parameter int unsigned LW       = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned N_MAX    = esact_pkg::N_MAX,
  parameter int unsigned D_MAX    = esact_pkg::D_MAX,
  parameter int unsigned F_MAX    = esact_pkg::F_MAX,
  parameter int unsigned H_MAX    = esact_pkg::H_MAX,
  parameter int unsigned DH_MAX   = esact_pkg::DH_MAX,
  parameter int unsigned W_MAX    = esact_pkg::W_MAX,
  parameter int unsigned L_MAX    = esact_pkg::L_MAX,
  parameter int unsigned SPLS_EN  = 1    // 0: MODE = 1 is ERR_MODE (no SPLS front end built in)
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  // CSRs
  input  logic          start_i,
  input  logic [31:0]   desc_base_i,
  input  logic [31:0]   n_layers_i,
  input  logic [31:0]   n_tokens_i,
  input  logic [31:0]   mode_i,
  input  logic [31:0]   scratch_base_i,
  input  logic [31:0]   scratch_size_i,
  output logic          busy_o,
  output logic          done_set_o,
  output logic          err_set_o,
  output esact_types_pkg::err_e err_code_o,
  output logic [31:0]   err_info_o,
  output esact_types_pkg::phase_e phase_o,
  output logic          abort_o,
  output logic          clear_o,
  // own read port (descriptors)
  output logic          rd_req_valid_o,
  input  logic          rd_req_ready_i,
  output logic [AW-1:0] rd_req_addr_o,
  output logic [LW-1:0] rd_req_len_o,
  input  logic          rd_data_valid_i,
  output logic          rd_data_ready_o,
  input  logic [DW-1:0] rd_data_i,
  input  logic          rd_idle_i,
  input  logic          rd_err_i,
  input  logic          wr_idle_i,
  input  logic          wr_err_i,
  // command list of the running layer
  output logic          list_start_o,   // one cycle: begin the list below
  output logic          list_run_o,     // a list runs (the fetcher owns the read port)
  output logic [AW-1:0] list_addr_o,
  output logic [15:0]   list_count_o,
  input  esact_types_pkg::phase_e list_phase_i,  // phase of the running work
  input  logic          list_done_i,    // every command issued, finished and written
  input  logic          list_err_i,     // a bad command
  input  logic [15:0]   list_err_idx_i,
  input  logic [7:0]    list_err_word_i,
  // the SPLS front end rejected a PRED command's knobs (ERR_KNOB)
  input  logic          knob_err_i,
  input  logic [7:0]    knob_err_bits_i, // esact_spls err_o bits (7:6 a run error code: ERR_SPLS)
  input  logic [15:0]   knob_err_idx_i   // the PRED command's index
);


  localparam int unsigned WPB  = DW / 32;                 // descriptor words per beat
  localparam int unsigned OW   = $clog2(DW / 8);          // alignment bits
  localparam int unsigned NDW  = esact_pkg::DESC_SCR_BASE + 1;        // descriptor words kept


  typedef enum logic [3:0] {
    S_IDLE, S_CSR, S_DREQ, S_DLOAD, S_CHK, S_DIV, S_CHK2, S_SCR, S_RUN,
    S_ABORT, S_DRAIN, S_FAIL, S_FIN
  } state_e;

  state_e state_q, state_d;
  logic [31:0] desc_q [NDW];
  logic [5:0]  ci_q, ci_d;                  // check index / descriptor beat index
  logic [7:0]  layer_q, layer_d;
  logic        run_q, run_d;                // 0: validation pass, 1: run pass
  esact_types_pkg::err_e ecode_q, ecode_d;
  logic [31:0] einfo_q, einfo_d;
  logic        cmd_abort_q, cmd_abort_d;     // the abort is for a bad command (not AXI)
  logic        sub_first_q;

  // Convenience views of the descriptor.
  logic [31:0] dd, dhh, df;
  assign dd  = desc_q[esact_pkg::DESC_D];
  assign dhh = desc_q[esact_pkg::DESC_H];
  assign df  = desc_q[esact_pkg::DESC_F];

  // D / H on the serial divider.
  logic        dv_start, dv_done, dv_busy;
  logic [15:0] dv_q;
  esact_div #(.W(16)) u_div (
    .clk_i, .rst_ni, .start_i(dv_start), .dividend_i(dd[15:0]), .divisor_i(dhh[15:0]),
    .busy_o(dv_busy), .done_o(dv_done), .quotient_o(dv_q));

  // Check ci of the descriptor: bad, error code.
  logic       chk_bad;
  esact_types_pkg::err_e chk_code;
  always_comb begin
    chk_bad  = 1'b0;
    chk_code = esact_types_pkg::ERR_SHAPE;
    if (ci_q == 6'd0) begin
      chk_bad = desc_q[0] != esact_pkg::DESC_MAGIC_VALUE; chk_code = esact_types_pkg::ERR_DESC_MAGIC;
    end else if (32'(ci_q) == esact_pkg::DESC_D) begin
      chk_bad = dd == 0 || dd > D_MAX;
    end else if (32'(ci_q) == esact_pkg::DESC_H) begin
      chk_bad = dhh == 0 || dhh > H_MAX;
    end else if (32'(ci_q) == esact_pkg::DESC_F) begin
      chk_bad = df == 0 || df > F_MAX;
    end else if (32'(ci_q) == esact_pkg::DESC_NORM) begin
      chk_bad = desc_q[esact_pkg::DESC_NORM] > 1; chk_code = esact_types_pkg::ERR_KNOB;
    end else if (32'(ci_q) == esact_pkg::DESC_K) begin
      chk_bad = desc_q[esact_pkg::DESC_K] == 0 || desc_q[esact_pkg::DESC_K][31]; chk_code = esact_types_pkg::ERR_KNOB;
    end else if (32'(ci_q) == esact_pkg::DESC_W) begin
      chk_bad = desc_q[esact_pkg::DESC_W] > W_MAX; chk_code = esact_types_pkg::ERR_KNOB;
    end else if (32'(ci_q) == esact_pkg::DESC_T) begin
      chk_bad = desc_q[esact_pkg::DESC_T][31]; chk_code = esact_types_pkg::ERR_KNOB;
    end else if (32'(ci_q) == esact_pkg::DESC_FFN_REUSE) begin
      chk_bad = desc_q[esact_pkg::DESC_FFN_REUSE] > 1; chk_code = esact_types_pkg::ERR_KNOB;
    end else if (32'(ci_q) >= esact_pkg::DESC_RQ_M && 32'(ci_q) < esact_pkg::DESC_RQ_M + esact_pkg::RQ_COUNT) begin
      chk_bad = desc_q[ci_q] == 0 || desc_q[ci_q] > 65535; chk_code = esact_types_pkg::ERR_REQUANT;
    end else if (32'(ci_q) >= esact_pkg::DESC_RQ_S && 32'(ci_q) < esact_pkg::DESC_RQ_S + esact_pkg::RQ_COUNT) begin
      chk_bad = desc_q[ci_q] == 0 || desc_q[ci_q] > esact_pkg::RQ_S_MAX; chk_code = esact_types_pkg::ERR_REQUANT;
    end else if (32'(ci_q) >= esact_pkg::DESC_X_ADDR && 32'(ci_q) <= esact_pkg::DESC_CMD_ADDR) begin
      chk_bad = desc_q[ci_q][OW-1:0] != '0; chk_code = esact_types_pkg::ERR_ALIGN;
    end else if (32'(ci_q) == esact_pkg::DESC_CMD_COUNT) begin
      chk_bad = desc_q[ci_q] == 0 || desc_q[ci_q] > esact_types_pkg::CMD_MAX; chk_code = esact_types_pkg::ERR_CMD;
    end
  end

  logic axi_err;
  assign axi_err = rd_err_i || wr_err_i;

  always_comb begin
    state_d = state_q; ci_d = ci_q; layer_d = layer_q; run_d = run_q;
    ecode_d = ecode_q; einfo_d = einfo_q; cmd_abort_d = cmd_abort_q;
    rd_req_valid_o = 1'b0; rd_data_ready_o = 1'b0;
    list_start_o = 1'b0;
    dv_start = 1'b0;
    done_set_o = 1'b0; err_set_o = 1'b0;
    abort_o = 1'b0; clear_o = 1'b0;

    unique case (state_q)
      S_IDLE: begin
        clear_o = 1'b1;
        cmd_abort_d = 1'b0;
        if (start_i) state_d = S_CSR;
      end
      S_CSR: begin
        state_d = S_FAIL;
        einfo_d = '0;
        if (n_tokens_i == 0 || n_tokens_i > N_MAX) begin
          ecode_d = esact_types_pkg::ERR_N_TOKENS;
        end else if (n_layers_i == 0 || n_layers_i > L_MAX) begin
          ecode_d = esact_types_pkg::ERR_N_LAYERS;
        end else if (mode_i > 1 || (mode_i == 1 && SPLS_EN == 0)) begin
          ecode_d = esact_types_pkg::ERR_MODE;
        end else if (desc_base_i[OW-1:0] != '0 || scratch_base_i[OW-1:0] != '0) begin
          ecode_d = esact_types_pkg::ERR_ALIGN;
          einfo_d = 32'hffff_ff00;
        end else begin
          layer_d = '0; run_d = 1'b0;
          state_d = S_DREQ;
        end
      end
      S_DREQ: begin
        rd_req_valid_o = 1'b1;
        if (rd_req_ready_i) begin ci_d = '0; state_d = S_DLOAD; end
      end
      S_DLOAD: begin
        rd_data_ready_o = 1'b1;
        if (rd_data_valid_i) begin
          ci_d = ci_q + 6'd1;
          if (32'(ci_q) + 1 == esact_pkg::DESC_WORDS / WPB) begin
            ci_d = '0;
            state_d = S_CHK;
          end
        end
      end
      S_CHK: begin        // magic, D, H, F
        if (chk_bad) begin
          ecode_d = chk_code; einfo_d = {16'hffff, 2'b00, ci_q, layer_q}; state_d = S_FAIL;
        end else if (32'(ci_q) == esact_pkg::DESC_F) begin
          state_d = S_DIV;
        end else begin
          ci_d = ci_q + 6'd1;
        end
      end
      S_DIV: begin        // D = H * Dh, Dh <= DH_MAX
        dv_start = sub_first_q;
        if (dv_done) begin
          if (32'(dv_q) * dhh != dd || 32'(dv_q) > DH_MAX) begin
            ecode_d = esact_types_pkg::ERR_SHAPE; einfo_d = {16'hffff, 8'(esact_pkg::DESC_H), layer_q}; state_d = S_FAIL;
          end else begin
            ci_d = 6'(esact_pkg::DESC_NORM);
            state_d = S_CHK2;
          end
        end
      end
      S_CHK2: begin       // knobs, requant pairs, addresses
        if (chk_bad) begin
          ecode_d = chk_code; einfo_d = {16'hffff, 2'b00, ci_q, layer_q}; state_d = S_FAIL;
        end else if (32'(ci_q) == esact_pkg::DESC_CMD_COUNT) begin
          state_d = S_SCR;
        end else begin
          ci_d = ci_q + 6'd1;
        end
      end
      S_SCR: begin
        // The list's addresses are absolute: it must have been compiled for
        // this scratch region, and fit it.
        if (desc_q[esact_pkg::DESC_SCR_BASE] != scratch_base_i) begin
          ecode_d = esact_types_pkg::ERR_SCRATCH; einfo_d = {16'hffff, 8'(esact_pkg::DESC_SCR_BASE), layer_q};
          state_d = S_FAIL;
        end else if (desc_q[esact_pkg::DESC_SCR_NEED] > scratch_size_i) begin
          ecode_d = esact_types_pkg::ERR_SCRATCH; einfo_d = {16'hffff, 8'(esact_pkg::DESC_SCR_NEED), layer_q};
          state_d = S_FAIL;
        end else if (!run_q) begin
          if (32'(layer_q) + 1 == n_layers_i) begin
            layer_d = '0; run_d = 1'b1;
          end else begin
            layer_d = layer_q + 8'd1;
          end
          state_d = S_DREQ;
        end else begin
          list_start_o = 1'b1;
          state_d = S_RUN;
        end
      end
      S_RUN: begin
        if (list_err_i) begin
          ecode_d = esact_types_pkg::ERR_CMD;
          einfo_d = {list_err_idx_i, list_err_word_i, layer_q};
          cmd_abort_d = 1'b1;
          state_d = S_ABORT;
        end else if (knob_err_i && knob_err_bits_i[7:6] != '0) begin
          ecode_d = esact_types_pkg::ERR_SPLS;
          einfo_d = {knob_err_idx_i, 6'd0, knob_err_bits_i[7:6], layer_q};
          cmd_abort_d = 1'b1;
          state_d = S_ABORT;
        end else if (knob_err_i) begin
          ecode_d = esact_types_pkg::ERR_KNOB;
          einfo_d = {knob_err_idx_i, 2'b10, knob_err_bits_i[5:0], layer_q};
          cmd_abort_d = 1'b1;
          state_d = S_ABORT;
        end else if (list_done_i) begin
          if (32'(layer_q) + 1 == n_layers_i) begin
            state_d = S_FIN;
          end else begin
            layer_d = layer_q + 8'd1;
            state_d = S_DREQ;
          end
        end
      end
      S_ABORT: begin
        abort_o = 1'b1;
        state_d = S_DRAIN;
      end
      S_DRAIN: begin
        if (rd_idle_i && wr_idle_i) begin
          if (!cmd_abort_q || axi_err) begin
            ecode_d = rd_err_i ? esact_types_pkg::ERR_AXI_READ : esact_types_pkg::ERR_AXI_WRITE;
            einfo_d = {16'hffff, 8'hff, layer_q};
          end
          state_d = S_FAIL;
        end
      end
      S_FAIL: begin
        err_set_o = 1'b1;
        clear_o = 1'b1;
        state_d = S_IDLE;
      end
      S_FIN: begin
        done_set_o = 1'b1;
        state_d = S_IDLE;
      end
      default: state_d = S_IDLE;
    endcase

    if (axi_err && state_q != S_IDLE && state_q != S_ABORT && state_q != S_DRAIN &&
        state_q != S_FAIL) begin
      state_d = S_ABORT;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= S_IDLE; ci_q <= '0; layer_q <= '0; run_q <= 1'b0;
      ecode_q <= esact_types_pkg::ERR_NONE; einfo_q <= '0; cmd_abort_q <= 1'b0; sub_first_q <= 1'b0;
    end else begin
      state_q <= state_d; ci_q <= ci_d; layer_q <= layer_d; run_q <= run_d;
      ecode_q <= ecode_d; einfo_q <= einfo_d; cmd_abort_q <= cmd_abort_d;
      sub_first_q <= (state_d != state_q);
    end
  end

  // Descriptor words arrive WPB per beat.
  always_ff @(posedge clk_i) begin
    if (state_q == S_DLOAD && rd_data_valid_i) begin
      for (int unsigned w = 0; w < WPB; w++) begin
        if (32'(ci_q) * WPB + w < NDW) begin
          desc_q[32'(ci_q) * WPB + w] <= rd_data_i[w*32 +: 32];
        end
      end
    end
  end

  assign busy_o        = (state_q != S_IDLE);
  assign err_code_o    = ecode_q;
  assign err_info_o    = einfo_q;
  assign phase_o       = (state_q == S_RUN) ? list_phase_i : esact_types_pkg::PH_DESC;
  assign rd_req_addr_o = AW'(desc_base_i) + AW'(32'(layer_q) * esact_pkg::DESC_WORDS * 4);
  assign rd_req_len_o  = LW'(esact_pkg::DESC_WORDS * 4);
  assign list_run_o    = (state_q == S_RUN);
  assign list_addr_o   = AW'(desc_q[esact_pkg::DESC_CMD_ADDR]);
  assign list_count_o  = desc_q[esact_pkg::DESC_CMD_COUNT][15:0];

  logic unused_seq;
  assign unused_seq = ^{dv_busy, n_tokens_i[31:16]};

endmodule
