// ESACT layer sequencer: validation, descriptor fetch and the dense layer schedule.
//
// START -> check the CSRs (N_TOKENS, N_LAYERS, MODE, DESC_BASE / SCRATCH_BASE
// alignment) -> fetch and check every layer descriptor (magic, shape, knobs,
// requant pairs, alignment, scratch size) before any layer work -> per layer:
// fetch the descriptor again and run its operations one after the other, each
// on one unit (GEMM engine, softmax, residual/LayerNorm) memory to memory:
//
//   pre-LN only   LN1(X) -> A                               PH_LN1
//   Q, K, V       GEMM A.Wq+bq -> Q (.. K, V)               PH_QKV
//   per head h, per block of QB query rows:
//                 GEMM Q_h K_h^T -> S (int32 [QB][N])       PH_QK
//                 softmax S -> P ([QB][N])                  PH_SOFTMAX
//                 GEMM P V_h -> O[rows, h]                  PH_AV
//   Wo            GEMM O.Wo+bo -> Z                         PH_WO
//   residual 1    post: LN1(X + Z) -> H; pre: sat8(X + Z)   PH_LN1
//   pre-LN only   LN2(H) -> FIN                             PH_LN2
//   FFN1          GEMM (H | FIN).W1+b1, rq, GELU -> G       PH_FFN1
//   FFN2          GEMM G.W2+b2 -> Z2                        PH_FFN2
//   residual 2    post: LN2(H + Z2) -> Y; pre: sat8(H+Z2)   PH_LN2
//
// Between operations the sequencer waits until every write is acknowledged.
// An AXI error response aborts the units, drains the AXI engines and ends
// the run with ERR_AXI_READ / ERR_AXI_WRITE.  Every failure ends the run with
// err_set_o, never a hang.  The scratch layout is in docs/layer-rtl.md.
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
  parameter int unsigned QB       = esact_pkg::ATT_QB,    // query rows per attention block
  parameter int unsigned SPLS_EN  = 0    // 1 once the SPLS front end is integrated
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
  output logic [15:0]   err_info_o,
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
  // GEMM command
  output logic          g_start_o,
  input  logic          g_done_i,
  output logic [AW-1:0] g_a_o,
  output logic [31:0]   g_lda_o,
  output logic [AW-1:0] g_b_o,
  output logic [31:0]   g_ldb_o,
  output logic          g_trans_o,
  output logic [AW-1:0] g_bias_o,
  output logic          g_bias_en_o,
  output logic [AW-1:0] g_out_o,
  output logic [31:0]   g_ldo_o,
  output logic [15:0]   g_m_o,
  output logic [15:0]   g_k_o,
  output logic [15:0]   g_n_o,
  output esact_types_pkg::epi_e g_epi_o,
  output logic [AW-1:0] g_gelu_o,
  // softmax command
  output logic          s_start_o,
  input  logic          s_done_i,
  output logic [AW-1:0] s_in_o,
  output logic [AW-1:0] s_out_o,
  output logic [15:0]   s_rows_o,
  // LayerNorm command
  output logic          l_start_o,
  input  logic          l_done_i,
  output logic          l_mode_ln_o,
  output logic          l_in2_en_o,
  output logic [AW-1:0] l_in1_o,
  output logic [AW-1:0] l_in2_o,
  output logic [AW-1:0] l_out_o,
  output logic [AW-1:0] l_gamma_o,
  output logic [AW-1:0] l_beta_o,
  // shared
  output logic [15:0]   n_o,        // tokens
  output logic [15:0]   d_o,
  output logic [15:0]   rq_m_o,
  output logic [5:0]    rq_s_o
);


  localparam int unsigned WPB  = DW / 32;                 // descriptor words per beat
  localparam int unsigned OW   = $clog2(DW / 8);          // alignment bits
  localparam int unsigned NDW  = esact_pkg::DESC_WK_HLOG + 1;         // descriptor words kept


  typedef enum logic [3:0] {
    S_IDLE, S_CSR, S_DREQ, S_DLOAD, S_CHK, S_DIV, S_CHK2, S_SCR, S_OPGO, S_OPWAIT, S_OPWR,
    S_ABORT, S_DRAIN, S_FAIL, S_FIN
  } state_e;

  typedef enum logic [3:0] {
    OP_LNA, OP_Q, OP_K, OP_V, OP_S, OP_SM, OP_AV, OP_WO, OP_RES1, OP_LN2P, OP_FFN1, OP_FFN2,
    OP_RES2
  } op_e;

  state_e state_q, state_d;
  op_e    op_q, op_d;
  logic [31:0] desc_q [NDW];
  logic [5:0]  ci_q, ci_d;                  // check index / descriptor beat index
  logic [7:0]  layer_q, layer_d;
  logic        run_q, run_d;                // 0: validation pass, 1: run pass
  logic [15:0] h_q, h_d;
  logic [15:0] ib_q, ib_d;                  // attention query block
  logic [15:0] dh_q, dh_d;
  esact_types_pkg::err_e ecode_q, ecode_d;
  logic [15:0] einfo_q, einfo_d;
  logic        sub_first_q;

  // Convenience views of the descriptor.
  logic [31:0] dd, dhh, df;
  logic        pre;
  assign dd  = desc_q[esact_pkg::DESC_D];
  assign dhh = desc_q[esact_pkg::DESC_H];
  assign df  = desc_q[esact_pkg::DESC_F];
  assign pre = desc_q[esact_pkg::DESC_NORM][0];

  // D / H on the serial divider.
  logic        dv_start, dv_done, dv_busy;
  logic [15:0] dv_q;
  esact_div #(.W(16)) u_div (
    .clk_i, .rst_ni, .start_i(dv_start), .dividend_i(dd[15:0]), .divisor_i(dhh[15:0]),
    .busy_o(dv_busy), .done_o(dv_done), .quotient_o(dv_q));

  // Scratch layout (bytes, each region rounded up to 64).
  logic [15:0] n16;
  // A (pre-LN attention input) shares O's region (O is first written after V);
  // FIN (pre-LN LN2(H)) shares Q's region (Q is dead after the last A.V).
  logic [63:0] nd, nqb, nf, r_nd, r_s, r_p, r_nf;
  logic [63:0] off_a, off_q, off_k, off_v, off_o, off_z, off_h, off_fin, off_z2, off_s, off_p,
               off_g, need;
  assign n16  = n_tokens_i[15:0];
  assign nd   = 64'(n16) * 64'(dd[15:0]);
  assign nqb  = 64'(n16) * QB;
  assign nf   = 64'(n16) * 64'(df[15:0]);
  assign r_nd = (nd + 64'd63) & ~64'd63;
  assign r_s  = (nqb * 4 + 64'd63) & ~64'd63;
  assign r_p  = (nqb + 64'd63) & ~64'd63;
  assign r_nf = (nf + 64'd63) & ~64'd63;
  assign off_q   = 64'd0;
  assign off_k   = r_nd;
  assign off_v   = r_nd * 2;
  assign off_o   = r_nd * 3;
  assign off_z   = r_nd * 4;
  assign off_h   = r_nd * 5;
  assign off_z2  = r_nd * 6;
  assign off_s   = r_nd * 7;
  assign off_p   = off_s + r_s;
  assign off_g   = off_p + r_p;
  assign need    = off_g + r_nf;
  assign off_a   = off_o;
  assign off_fin = off_q;

  // Scratch address: base + offset (upper offset bits unused: rtl/lint/waivers.vlt).
  function automatic logic [AW-1:0] sa(logic [31:0] base, logic [63:0] off);
    sa = AW'(base) + AW'(off);
  endfunction

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
    end else if (32'(ci_q) >= esact_pkg::DESC_X_ADDR && 32'(ci_q) <= esact_pkg::DESC_WK_HLOG) begin
      chk_bad = desc_q[ci_q][OW-1:0] != '0; chk_code = esact_types_pkg::ERR_ALIGN;
    end
  end

  // The current operation's unit and phase.
  esact_types_pkg::unit_e  op_unit;
  esact_types_pkg::phase_e op_phase;
  always_comb begin
    unique case (op_q)
      OP_LNA:  begin op_unit = esact_types_pkg::U_LN;   op_phase = esact_types_pkg::PH_LN1;     end
      OP_Q, OP_K, OP_V: begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_QKV; end
      OP_S:    begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_QK;      end
      OP_SM:   begin op_unit = esact_types_pkg::U_SM;   op_phase = esact_types_pkg::PH_SOFTMAX; end
      OP_AV:   begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_AV;      end
      OP_WO:   begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_WO;      end
      OP_RES1: begin op_unit = esact_types_pkg::U_LN;   op_phase = esact_types_pkg::PH_LN1;     end
      OP_LN2P: begin op_unit = esact_types_pkg::U_LN;   op_phase = esact_types_pkg::PH_LN2;     end
      OP_FFN1: begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_FFN1;    end
      OP_FFN2: begin op_unit = esact_types_pkg::U_GEMM; op_phase = esact_types_pkg::PH_FFN2;    end
      OP_RES2: begin op_unit = esact_types_pkg::U_LN;   op_phase = esact_types_pkg::PH_LN2;     end
      default: begin op_unit = esact_types_pkg::U_SEQ;  op_phase = esact_types_pkg::PH_DESC;    end
    endcase
  end

  // Operation commands (stable while the operation runs).
  logic [31:0] sb, dhoff, qboff;
  logic [15:0] qrows, qleft;
  logic [AW-1:0] attn_in, ffn_in;
  assign sb      = scratch_base_i;
  assign dhoff   = 32'(h_q) * 32'(dh_q);
  assign qboff   = 32'(ib_q) * QB * dd + dhoff;     // row block ib, head h
  assign qleft   = n16 - 16'(32'(ib_q) * QB);
  assign qrows   = (qleft > 16'(QB)) ? 16'(QB) : qleft;
  assign attn_in = pre ? sa(sb, off_a) : AW'(desc_q[esact_pkg::DESC_X_ADDR]);
  assign ffn_in  = pre ? sa(sb, off_fin) : sa(sb, off_h);
  always_comb begin
    // Weights are stored output-major (W^T, memory-map.md): B transposed, ldb = k.
    g_a_o = attn_in; g_lda_o = dd; g_b_o = AW'(desc_q[esact_pkg::DESC_WQ]); g_ldb_o = dd; g_trans_o = 1'b1;
    g_bias_o = AW'(desc_q[esact_pkg::DESC_BQ]); g_bias_en_o = 1'b1; g_out_o = sa(sb, off_q); g_ldo_o = dd;
    g_m_o = n16; g_k_o = dd[15:0]; g_n_o = dd[15:0]; g_epi_o = esact_types_pkg::EPI_RQ;
    g_gelu_o = AW'(desc_q[esact_pkg::DESC_GELU]);
    s_in_o = sa(sb, off_s); s_out_o = sa(sb, off_p); s_rows_o = qrows;
    l_mode_ln_o = 1'b1; l_in2_en_o = 1'b1; l_in1_o = AW'(desc_q[esact_pkg::DESC_X_ADDR]); l_in2_o = sa(sb, off_z);
    l_out_o = sa(sb, off_h);
    l_gamma_o = AW'(desc_q[esact_pkg::DESC_LN1_G]); l_beta_o = AW'(desc_q[esact_pkg::DESC_LN1_B]);
    rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_Q][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_Q][5:0];
    unique case (op_q)
      OP_LNA: begin
        l_in2_en_o = 1'b0; l_out_o = sa(sb, off_a);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_LN1][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_LN1][5:0];
      end
      OP_Q: ;
      OP_K: begin
        g_b_o = AW'(desc_q[esact_pkg::DESC_WK]); g_bias_o = AW'(desc_q[esact_pkg::DESC_BK]); g_out_o = sa(sb, off_k);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_K][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_K][5:0];
      end
      OP_V: begin
        g_b_o = AW'(desc_q[esact_pkg::DESC_WV]); g_bias_o = AW'(desc_q[esact_pkg::DESC_BV]); g_out_o = sa(sb, off_v);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_V][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_V][5:0];
      end
      OP_S: begin
        g_a_o = sa(sb, off_q) + AW'(qboff); g_b_o = sa(sb, off_k) + AW'(dhoff); g_trans_o = 1'b1;
        g_bias_en_o = 1'b0; g_out_o = sa(sb, off_s); g_ldo_o = 32'(n16) * 4;
        g_m_o = qrows; g_k_o = dh_q; g_n_o = n16; g_epi_o = esact_types_pkg::EPI_RAW;
      end
      OP_SM: begin
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_SOFTMAX][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_SOFTMAX][5:0];
      end
      OP_AV: begin
        g_a_o = sa(sb, off_p); g_lda_o = 32'(n16); g_b_o = sa(sb, off_v) + AW'(dhoff); g_trans_o = 1'b0;
        g_bias_en_o = 1'b0; g_out_o = sa(sb, off_o) + AW'(qboff);
        g_m_o = qrows; g_k_o = n16; g_n_o = dh_q;
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_AV][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_AV][5:0];
      end
      OP_WO: begin
        g_a_o = sa(sb, off_o); g_b_o = AW'(desc_q[esact_pkg::DESC_WO]); g_bias_o = AW'(desc_q[esact_pkg::DESC_BO]);
        g_out_o = sa(sb, off_z);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_O][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_O][5:0];
      end
      OP_RES1: begin
        l_mode_ln_o = !pre;
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_LN1][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_LN1][5:0];
      end
      OP_LN2P: begin
        l_in1_o = sa(sb, off_h); l_in2_en_o = 1'b0; l_out_o = sa(sb, off_fin);
        l_gamma_o = AW'(desc_q[esact_pkg::DESC_LN2_G]); l_beta_o = AW'(desc_q[esact_pkg::DESC_LN2_B]);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_LN2][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_LN2][5:0];
      end
      OP_FFN1: begin
        g_a_o = ffn_in; g_b_o = AW'(desc_q[esact_pkg::DESC_W1]); g_bias_o = AW'(desc_q[esact_pkg::DESC_B1]);
        g_out_o = sa(sb, off_g); g_ldo_o = df; g_n_o = df[15:0]; g_epi_o = esact_types_pkg::EPI_GELU;
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_FFN1][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_FFN1][5:0];
      end
      OP_FFN2: begin
        g_a_o = sa(sb, off_g); g_lda_o = df; g_b_o = AW'(desc_q[esact_pkg::DESC_W2]); g_ldb_o = df; g_bias_o = AW'(desc_q[esact_pkg::DESC_B2]);
        g_out_o = sa(sb, off_z2); g_k_o = df[15:0];
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_FFN2][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_FFN2][5:0];
      end
      OP_RES2: begin
        l_mode_ln_o = !pre; l_in1_o = sa(sb, off_h); l_in2_o = sa(sb, off_z2);
        l_out_o = AW'(desc_q[esact_pkg::DESC_Y_ADDR]);
        l_gamma_o = AW'(desc_q[esact_pkg::DESC_LN2_G]); l_beta_o = AW'(desc_q[esact_pkg::DESC_LN2_B]);
        rq_m_o = desc_q[esact_pkg::DESC_RQ_M + esact_pkg::RQ_LN2][15:0]; rq_s_o = desc_q[esact_pkg::DESC_RQ_S + esact_pkg::RQ_LN2][5:0];
      end
      default: ;
    endcase
  end

  // Next operation after op_q.
  op_e next_op;
  logic last_op;
  always_comb begin
    next_op = op_q;
    last_op = 1'b0;
    unique case (op_q)
      OP_LNA:  next_op = OP_Q;
      OP_Q:    next_op = OP_K;
      OP_K:    next_op = OP_V;
      OP_V:    next_op = OP_S;
      OP_S:    next_op = OP_SM;
      OP_SM:   next_op = OP_AV;
      OP_AV:   next_op = (32'(ib_q) * QB + QB < 32'(n16) || h_q + 16'd1 < dhh[15:0]) ? OP_S : OP_WO;
      OP_WO:   next_op = OP_RES1;
      OP_RES1: next_op = pre ? OP_LN2P : OP_FFN1;
      OP_LN2P: next_op = OP_FFN1;
      OP_FFN1: next_op = OP_FFN2;
      OP_FFN2: next_op = OP_RES2;
      OP_RES2: last_op = 1'b1;
      default: last_op = 1'b1;
    endcase
  end

  logic axi_err;
  assign axi_err = rd_err_i || wr_err_i;

  always_comb begin
    state_d = state_q; op_d = op_q; ci_d = ci_q; layer_d = layer_q; run_d = run_q;
    h_d = h_q; ib_d = ib_q; dh_d = dh_q; ecode_d = ecode_q; einfo_d = einfo_q;
    rd_req_valid_o = 1'b0; rd_data_ready_o = 1'b0;
    g_start_o = 1'b0; s_start_o = 1'b0; l_start_o = 1'b0;
    dv_start = 1'b0;
    done_set_o = 1'b0; err_set_o = 1'b0;
    abort_o = 1'b0; clear_o = 1'b0;

    unique case (state_q)
      S_IDLE: begin
        clear_o = 1'b1;
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
          einfo_d = 16'hff00;
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
          ecode_d = chk_code; einfo_d = {2'b00, ci_q, layer_q}; state_d = S_FAIL;
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
            ecode_d = esact_types_pkg::ERR_SHAPE; einfo_d = {8'(esact_pkg::DESC_H), layer_q}; state_d = S_FAIL;
          end else begin
            dh_d = dv_q;
            ci_d = 6'(esact_pkg::DESC_NORM);
            state_d = S_CHK2;
          end
        end
      end
      S_CHK2: begin       // knobs, requant pairs, addresses
        if (chk_bad) begin
          ecode_d = chk_code; einfo_d = {2'b00, ci_q, layer_q}; state_d = S_FAIL;
        end else if (32'(ci_q) == esact_pkg::DESC_WK_HLOG) begin
          state_d = S_SCR;
        end else begin
          ci_d = ci_q + 6'd1;
        end
      end
      S_SCR: begin
        if (need > 64'(scratch_size_i)) begin
          ecode_d = esact_types_pkg::ERR_SCRATCH; einfo_d = {8'hff, layer_q}; state_d = S_FAIL;
        end else if (!run_q) begin
          if (32'(layer_q) + 1 == n_layers_i) begin
            layer_d = '0; run_d = 1'b1;
          end else begin
            layer_d = layer_q + 8'd1;
          end
          state_d = S_DREQ;
        end else begin
          h_d = '0; ib_d = '0;
          op_d = pre ? OP_LNA : OP_Q;
          state_d = S_OPGO;
        end
      end
      S_OPGO: begin
        g_start_o = (op_unit == esact_types_pkg::U_GEMM);
        s_start_o = (op_unit == esact_types_pkg::U_SM);
        l_start_o = (op_unit == esact_types_pkg::U_LN);
        state_d = S_OPWAIT;
      end
      S_OPWAIT: begin
        if ((op_unit == esact_types_pkg::U_GEMM && g_done_i) || (op_unit == esact_types_pkg::U_SM && s_done_i) ||
            (op_unit == esact_types_pkg::U_LN && l_done_i)) begin
          state_d = S_OPWR;
        end
      end
      S_OPWR: begin
        if (wr_idle_i && rd_idle_i) begin
          if (op_q == OP_AV && next_op == OP_S) begin
            // next query block of this head, or the first block of the next head
            if (32'(ib_q) * QB + QB < 32'(n16)) begin
              ib_d = ib_q + 16'd1;
            end else begin
              ib_d = '0;
              h_d = h_q + 16'd1;
            end
            op_d = OP_S;
            state_d = S_OPGO;
          end else if (!last_op) begin
            op_d = next_op;
            state_d = S_OPGO;
          end else if (32'(layer_q) + 1 == n_layers_i) begin
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
          ecode_d = rd_err_i ? esact_types_pkg::ERR_AXI_READ : esact_types_pkg::ERR_AXI_WRITE;
          einfo_d = {8'hff, layer_q};
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
      state_q <= S_IDLE; op_q <= OP_Q; ci_q <= '0; layer_q <= '0; run_q <= 1'b0;
      h_q <= '0; ib_q <= '0; dh_q <= '0; ecode_q <= esact_types_pkg::ERR_NONE; einfo_q <= '0; sub_first_q <= 1'b0;
    end else begin
      state_q <= state_d; op_q <= op_d; ci_q <= ci_d; layer_q <= layer_d; run_q <= run_d;
      h_q <= h_d; ib_q <= ib_d; dh_q <= dh_d; ecode_q <= ecode_d; einfo_q <= einfo_d;
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
  assign phase_o       = (state_q == S_OPGO || state_q == S_OPWAIT || state_q == S_OPWR) ? op_phase : esact_types_pkg::PH_DESC;
  assign rd_req_addr_o = AW'(desc_base_i) + AW'(32'(layer_q) * esact_pkg::DESC_WORDS * 4);
  assign rd_req_len_o  = LW'(esact_pkg::DESC_WORDS * 4);
  assign n_o           = n16;
  assign d_o           = dd[15:0];

  logic unused_seq;
  assign unused_seq = ^{dv_busy, n_tokens_i[31:16], off_a[0]};

endmodule
