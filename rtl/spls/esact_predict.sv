// ESACT PREDICT unit: the SPLS front end (esact_spls) on the accelerator's
// memory ports, run by an OP_PRED command (docs/spls-rtl.md, "PREDICT in
// esact_top").
//
//   read port --> A rows ------------------------------> esact_spls x stream
//             --> Wk^T / Wq^T rows --> transpose buffer --> esact_spls w stream
//   esact_spls m stream (mask of row i, head h) --+--> write port (masks, leader table)
//   esact_spls l stream (decision of row i) ------+
//
// Reads, in this order on the one read port (the data comes back in request
// order): the n rows of A (one request of D = heads * dh bytes each: ceil(D /
// CH) beats, exactly the x stream's beats, CH * 8 == DW); then for Wk^T, then
// Wq^T, per head and column group (COLS output columns of the head), the
// group's rows of the output-major weight matrix (one request of D bytes per
// column).  They land in one of TB_BANKS = 4 banks of a transpose buffer
// (COLS memories, one per column of the group, DW bits per word), which
// sends the group to esact_spls as D beats of COLS bytes (input channel d:
// byte c = column c's weight d).  A group's rows are requested only when a
// bank is free, so the read data is always taken at once (the unit never
// holds up the data of other ports); with four banks the requests run up to
// three groups ahead of the emitter, which hides the read port's in-order
// return behind the other units' bursts (the GEMMs beside PREDICT).  The A
// rows go straight to the x stream: esact_spls takes x beats in every cycle
// of its load phase, and the rows are requested only once it is in that
// phase.
//
// Writes: every mask beat of esact_spls becomes one write request of ceil(n /
// 8) bytes at mask + (i * heads + h) * ldm (bit j = key j, bits >= n are 0);
// every decision one 4-byte write at lead + 4 i of the entry
// {follower, 15-bit ordinal, 16-bit source row} (source row = the leader's
// row for a follower, i for a leader: the row whose attention / FFN result
// row i uses; ordinal = that leader's index among the leaders in row order,
// the row of the compact Z / Z2 the residual reads).  The two streams share
// the write port one request at a time.  The decisions come in row order:
// leader ordinals are handed out in that order (ord_q holds each row's
// ordinal for its followers), and every leader's row is written to the
// leader list (list_we_o: list[ordinal] = row, kept in esact_top); lcount_o
// is the number of leaders (final at done_o, held until the next start).
//
// The knobs are checked by esact_spls (err_o bits: 0 n, 1 heads, 2 dh, 3
// heads*dh > D_MAX, 4 k not in 1..n, 5 W > W_MAX); values wider than its
// inputs are mapped to a rejected value (n, heads, dh, k: 0; W: all ones) or,
// for T, to the largest one (any T > heads * k turns reuse off).  A rejected
// command ends with err_o (one cycle) and err_bits_o instead of done_o, and
// nothing is read or written.  A sub-unit error during the run (err_o bits 6
// top-k, 7 similarity) ends it the same way; the sequencer then aborts, which
// resets esact_spls (its top-k error is sticky until reset).  abort_i drops everything and resets esact_spls
// (a registered copy of abort_i drives its reset for one cycle).
module esact_predict #(
  parameter int unsigned AW     = esact_pkg::AXI_AW,
  parameter int unsigned DW     = esact_pkg::AXI_DW,
  parameter int unsigned LW     = esact_types_pkg::REQ_LEN_W,
  parameter int unsigned N_MAX  = esact_pkg::N_MAX,
  parameter int unsigned D_MAX  = esact_pkg::D_MAX,
  parameter int unsigned H_MAX  = esact_pkg::H_MAX,
  parameter int unsigned DH_MAX = esact_pkg::DH_MAX,
  parameter int unsigned W_MAX  = esact_pkg::W_MAX,
  parameter int unsigned ROWS   = esact_pkg::SPLS_ROWS,
  parameter int unsigned COLS   = esact_pkg::SPLS_COLS,
  parameter int unsigned CH     = esact_pkg::SPLS_CH
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          start_i,      // command handshake (taken when !busy_o)
  input  logic          abort_i,
  input  esact_types_pkg::pred_cmd_t cmd_i,  // stable while busy_o
  output logic          busy_o,
  output logic          done_o,       // one cycle: masks and leader table handed to the write port
  output logic          err_o,        // one cycle: the front end rejected the knobs or stopped (sub-unit error)
  output logic [7:0]    err_bits_o,   // esact_spls err_o of the rejected command or failed run
  // leader list (SPLS stage C)
  output logic          list_we_o,    // a leader decision: list[list_ord_o] = list_row_o
  output logic [15:0]   list_ord_o,
  output logic [15:0]   list_row_o,
  output logic [15:0]   lcount_o,     // leaders so far (all of them at done_o)
  // read port
  output logic          rd_req_valid_o,
  input  logic          rd_req_ready_i,
  output logic [AW-1:0] rd_req_addr_o,
  output logic [LW-1:0] rd_req_len_o,
  input  logic          rd_data_valid_i,
  output logic          rd_data_ready_o,
  input  logic [DW-1:0] rd_data_i,
  // write port
  output logic          wr_req_valid_o,
  input  logic          wr_req_ready_i,
  output logic [AW-1:0] wr_req_addr_o,
  output logic [LW-1:0] wr_req_len_o,
  output logic          wr_data_valid_o,
  input  logic          wr_data_ready_i,
  output logic [DW-1:0] wr_data_o
);

  localparam int unsigned N_W   = $clog2(N_MAX + 1);
  localparam int unsigned H_W   = $clog2(H_MAX + 1);
  localparam int unsigned DH_W  = $clog2(DH_MAX + 1);
  localparam int unsigned WIN_W = $clog2(W_MAX + 1);
  localparam int unsigned OV_W  = $clog2(H_MAX * N_MAX + 1);
  localparam int unsigned ROW_W = (N_MAX > 1) ? $clog2(N_MAX) : 1;
  localparam int unsigned HD_W  = (H_MAX > 1) ? $clog2(H_MAX) : 1;
  localparam int unsigned BB    = DW / 8;                      // bytes per beat
  localparam int unsigned BO_W  = $clog2(BB);
  localparam int unsigned WPB   = (D_MAX + BB - 1) / BB;       // words per bank (beats of a D row)
  localparam int unsigned TB_BANKS = 4;                        // transpose buffer banks (power of two)
  localparam int unsigned BK_W  = $clog2(TB_BANKS);
  localparam int unsigned TA_W  = $clog2(TB_BANKS * WPB);      // transpose buffer address
  localparam int unsigned C_W   = (COLS > 1) ? $clog2(COLS) : 1;
  localparam int unsigned D_W   = $clog2(D_MAX + 1) + 1;
  localparam int unsigned MB    = (N_MAX + 7) / 8;             // mask bytes at most
  localparam int unsigned MBEATS = (MB + BB - 1) / BB;         // mask beats at most
  localparam int unsigned MBT_W = (MBEATS > 1) ? $clog2(MBEATS) : 1;

  // ---------------------------------------------------------------------------
  // Run control
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] {StIdle, StWait, StRun} state_e;
  state_e state_q;
  logic   spls_start, spls_busy, spls_done;
  logic [7:0] spls_err;
  logic   abort_q, spls_rst_n;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) abort_q <= 1'b0;
    else         abort_q <= abort_i;
  end
  // esact_spls has no abort input: a registered abort resets it (glitch free).
  assign spls_rst_n = rst_ni && !abort_q;

  // Configuration for esact_spls: out-of-range values map to rejected ones.
  logic [N_W-1:0]   cfg_n, cfg_k;
  logic [H_W-1:0]   cfg_heads;
  logic [DH_W-1:0]  cfg_dh;
  logic [WIN_W-1:0] cfg_window;
  logic [OV_W-1:0]  cfg_thresh;
  assign cfg_n      = (32'(cmd_i.n) > N_MAX) ? '0 : N_W'(cmd_i.n);
  assign cfg_k      = (32'(cmd_i.k) > N_MAX) ? '0 : N_W'(cmd_i.k);
  assign cfg_heads  = (32'(cmd_i.heads) > H_MAX) ? '0 : H_W'(cmd_i.heads);
  assign cfg_dh     = (32'(cmd_i.dh) > DH_MAX) ? '0 : DH_W'(cmd_i.dh);
  assign cfg_window = (32'(cmd_i.window) > W_MAX) ? '1 : WIN_W'(cmd_i.window);
  assign cfg_thresh = (cmd_i.thresh > H_MAX * N_MAX) ? '1 : OV_W'(cmd_i.thresh);

  // D = heads * dh (both checked by esact_spls before anything is read).
  logic [D_W-1:0] d_len;
  assign d_len = D_W'(32'(cfg_heads) * 32'(cfg_dh));

  logic x_ready, w_ready, x_valid, w_valid;
  logic [COLS*8-1:0] w_data;
  logic m_valid, m_ready, l_valid, l_ready, l_follower;
  logic [N_MAX-1:0] m_mask;
  logic [ROW_W-1:0] m_row, l_row, l_leader;
  logic [HD_W-1:0]  m_head;

  assign spls_start = start_i && (state_q == StIdle);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
    end else if (abort_i) begin
      state_q <= StIdle;
    end else begin
      unique case (state_q)
        StIdle: if (spls_start) state_q <= StWait;
        // esact_spls checks the knobs: it enters its load phase (x_ready) or
        // rejects them (done with err).
        StWait: begin
          if (spls_done) state_q <= StIdle;
          else if (x_ready) state_q <= StRun;
        end
        StRun: if (spls_done) state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  assign busy_o     = (state_q != StIdle);
  assign done_o     = spls_done && (spls_err == '0) && !abort_i;
  assign err_o      = spls_done && (spls_err != '0) && !abort_i;
  assign err_bits_o = spls_err;

  esact_spls #(
    .N_MAX  (N_MAX),
    .D_MAX  (D_MAX),
    .H_MAX  (H_MAX),
    .DH_MAX (DH_MAX),
    .W_MAX  (W_MAX),
    .ROWS   (ROWS),
    .COLS   (COLS),
    .CH     (CH)
  ) u_spls (
    .clk_i,
    .rst_ni       (spls_rst_n),
    .start_i      (spls_start),
    .cfg_n_i      (cfg_n),
    .cfg_heads_i  (cfg_heads),
    .cfg_dh_i     (cfg_dh),
    .cfg_k_i      (cfg_k),
    .cfg_window_i (cfg_window),
    .cfg_thresh_i (cfg_thresh),
    .busy_o       (spls_busy),
    .done_o       (spls_done),
    .err_o        (spls_err),
    .x_valid_i    (x_valid),
    .x_ready_o    (x_ready),
    .x_data_i     (rd_data_i[CH*8-1:0]),
    .w_valid_i    (w_valid),
    .w_ready_o    (w_ready),
    .w_data_i     (w_data),
    .m_valid_o    (m_valid),
    .m_ready_i    (m_ready),
    .m_mask_o     (m_mask),
    .m_row_o      (m_row),
    .m_head_o     (m_head),
    .l_valid_o    (l_valid),
    .l_ready_i    (l_ready),
    .l_row_o      (l_row),
    .l_follower_o (l_follower),
    .l_leader_o   (l_leader)
  );

  // ---------------------------------------------------------------------------
  // Column groups: (matrix, head, group) in the w stream's order.  The request
  // side and the data side each walk this sequence with a copy of the counters.
  // ---------------------------------------------------------------------------
  // Columns of group g of a head: min(COLS, dh - g * COLS).
  function automatic logic [C_W:0] group_cols(logic [DH_W-1:0] dh, logic [DH_W-1:0] gcol);
    logic [DH_W-1:0] left;
    left = dh - gcol;
    group_cols = (32'(left) >= COLS) ? (C_W+1)'(COLS) : (C_W+1)'(left);
  endfunction

  // ---------------------------------------------------------------------------
  // Read requests: A rows, then the groups' weight rows (a group when its bank is free)
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] {RqX, RqW, RqEnd} rq_e;
  rq_e              rq_q;
  logic [AW-1:0]    rq_addr_q;          // next A row / next weight row
  logic [N_W-1:0]   rq_row_q;           // A rows requested
  logic             rq_mat_q;           // 0 Wk, 1 Wq
  logic [H_W-1:0]   rq_head_q;
  logic [DH_W-1:0]  rq_gcol_q;          // first column of the group in its head
  logic [C_W:0]     rq_c_q;             // columns of the group requested
  logic [BK_W-1:0]  rq_bank_q;
  logic [TB_BANKS-1:0] bank_busy_q, bank_full_q;   // reserved by a request / filled
  logic [TB_BANKS-1:0] bank_take, bank_fill, bank_free;
  logic             rq_fire;
  logic [C_W:0]     rq_cols;

  assign rq_cols        = group_cols(cfg_dh, rq_gcol_q);
  assign rd_req_valid_o = (state_q == StRun) &&
                          ((rq_q == RqX) || (rq_q == RqW && (rq_c_q != '0 || !bank_busy_q[rq_bank_q])));
  assign rd_req_addr_o  = rq_addr_q;
  assign rd_req_len_o   = LW'(d_len);
  assign rq_fire        = rd_req_valid_o && rd_req_ready_i;

  always_comb begin
    bank_take = '0;
    bank_take[rq_bank_q] = rq_fire && (rq_q == RqW) && (rq_c_q == '0);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_q <= RqX; rq_addr_q <= '0; rq_row_q <= '0; rq_mat_q <= 1'b0; rq_head_q <= '0;
      rq_gcol_q <= '0; rq_c_q <= '0; rq_bank_q <= '0;
    end else if (abort_i || spls_start) begin
      rq_q <= RqX; rq_addr_q <= AW'(cmd_i.a); rq_row_q <= '0; rq_mat_q <= 1'b0; rq_head_q <= '0;
      rq_gcol_q <= '0; rq_c_q <= '0; rq_bank_q <= '0;
    end else if (rq_fire) begin
      if (rq_q == RqX) begin
        rq_addr_q <= rq_addr_q + AW'(cmd_i.lda);
        rq_row_q  <= rq_row_q + 1'b1;
        if (rq_row_q + 1'b1 == cfg_n) begin
          rq_q      <= RqW;
          rq_addr_q <= AW'(cmd_i.wk);
        end
      end else begin
        rq_addr_q <= rq_addr_q + AW'(cmd_i.ldw);
        rq_c_q    <= rq_c_q + 1'b1;
        if (rq_c_q + 1'b1 == rq_cols) begin
          // Group requested: the next group, head, matrix.
          rq_c_q    <= '0;
          rq_bank_q <= rq_bank_q + 1'b1;
          if (32'(rq_gcol_q) + COLS < 32'(cfg_dh)) begin
            rq_gcol_q <= rq_gcol_q + DH_W'(COLS);
          end else begin
            rq_gcol_q <= '0;
            if (rq_head_q + 1'b1 != cfg_heads) begin
              rq_head_q <= rq_head_q + 1'b1;
            end else begin
              rq_head_q <= '0;
              rq_mat_q  <= 1'b1;
              rq_addr_q <= AW'(cmd_i.wq);
              if (rq_mat_q) rq_q <= RqEnd;
            end
          end
        end
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Read data: A beats to the x stream, weight beats into the transpose buffer
  // ---------------------------------------------------------------------------
  logic             dx_q;               // 1: A rows still arriving
  logic [N_W-1:0]   dx_row_q;
  logic [H_W-1:0]   dw_head_q;
  logic [DH_W-1:0]  dw_gcol_q;
  logic [C_W:0]     dw_c_q;
  logic [TA_W-1:0]  dw_word_q;          // word within the column's bank
  logic [BK_W-1:0]  dw_bank_q;
  logic             rd_fire, rd_last;
  logic [C_W:0]     dw_cols;
  logic [TA_W-1:0]  row_beats;          // beats of one D-byte row

  // The engine marks a request's last beat on data_last; with one request per
  // row the beat count of a row is ceil(D / BB) for every row.
  assign row_beats  = TA_W'((32'(d_len) + BB - 1) / BB);
  assign dw_cols    = group_cols(cfg_dh, dw_gcol_q);
  assign x_valid    = (state_q == StRun) && dx_q && rd_data_valid_i;
  assign rd_data_ready_o = (state_q == StRun) && (dx_q ? x_ready : 1'b1);
  assign rd_fire    = rd_data_valid_i && rd_data_ready_o;
  assign rd_last    = (dw_word_q + 1'b1 == row_beats);

  always_comb begin
    bank_fill = '0;
    bank_fill[dw_bank_q] = rd_fire && !dx_q && rd_last && (dw_c_q + 1'b1 == dw_cols);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dx_q <= 1'b1; dx_row_q <= '0; dw_head_q <= '0; dw_gcol_q <= '0; dw_c_q <= '0;
      dw_word_q <= '0; dw_bank_q <= '0;
    end else if (abort_i || spls_start) begin
      dx_q <= 1'b1; dx_row_q <= '0; dw_head_q <= '0; dw_gcol_q <= '0; dw_c_q <= '0;
      dw_word_q <= '0; dw_bank_q <= '0;
    end else if (rd_fire) begin
      dw_word_q <= rd_last ? '0 : dw_word_q + 1'b1;
      if (dx_q) begin
        if (rd_last) begin
          dx_row_q <= dx_row_q + 1'b1;
          if (dx_row_q + 1'b1 == cfg_n) dx_q <= 1'b0;
        end
      end else if (rd_last) begin
        dw_c_q <= dw_c_q + 1'b1;
        if (dw_c_q + 1'b1 == dw_cols) begin
          dw_c_q    <= '0;
          dw_bank_q <= dw_bank_q + 1'b1;
          if (32'(dw_gcol_q) + COLS < 32'(cfg_dh)) begin
            dw_gcol_q <= dw_gcol_q + DH_W'(COLS);
          end else begin
            dw_gcol_q <= '0;
            dw_head_q <= (dw_head_q + 1'b1 == cfg_heads) ? '0 : dw_head_q + 1'b1;
          end
        end
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Transpose buffer: COLS memories, TB_BANKS banks of WPB words; the emitter reads
  // word d / BB of every column and sends byte d % BB of each as w beat d.
  // ---------------------------------------------------------------------------
  logic [BK_W-1:0]  em_bank_q;
  logic             em_valid_q, em_re;
  logic [D_W-1:0]   em_d_q;             // next channel to read
  logic [BO_W-1:0]  em_sel_q;           // byte of the word read (channel % BB)
  logic [TA_W-1:0]  em_raddr;
  logic [DW-1:0]    col_rdata [COLS];

  assign w_valid   = em_valid_q;
  assign em_re     = (state_q == StRun) && bank_full_q[em_bank_q] && (!em_valid_q || w_ready);
  assign em_raddr  = TA_W'((32'(em_bank_q) * WPB) + (32'(em_d_q) >> BO_W));

  always_comb begin
    bank_free = '0;
    bank_free[em_bank_q] = em_re && (em_d_q + 1'b1 == d_len);
  end

  for (genvar c = 0; c < COLS; c++) begin : g_tbuf
    esact_spls_mem #(
      .WIDTH (DW),
      .DEPTH (TB_BANKS * WPB)
    ) u_mem (
      .clk_i,
      .we_i    (rd_fire && !dx_q && (32'(dw_c_q) == c)),
      .waddr_i (TA_W'((32'(dw_bank_q) * WPB) + 32'(dw_word_q))),
      .wdata_i (rd_data_i),
      .wbe_i   ('1),
      .re_i    (em_re),
      .raddr_i (em_raddr),
      .rdata_o (col_rdata[c])
    );
    assign w_data[c*8 +: 8] = col_rdata[c][32'(em_sel_q)*8 +: 8];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      em_bank_q <= '0; em_valid_q <= 1'b0; em_d_q <= '0; em_sel_q <= '0;
      bank_busy_q <= '0; bank_full_q <= '0;
    end else if (abort_i || spls_start) begin
      em_bank_q <= '0; em_valid_q <= 1'b0; em_d_q <= '0; em_sel_q <= '0;
      bank_busy_q <= '0; bank_full_q <= '0;
    end else begin
      bank_busy_q <= (bank_busy_q | bank_take) & ~bank_free;
      bank_full_q <= (bank_full_q | bank_fill) & ~bank_free;
      if (em_re) begin
        em_valid_q <= 1'b1;
        em_sel_q   <= BO_W'(em_d_q);
        if (em_d_q + 1'b1 == d_len) begin
          em_d_q    <= '0;
          em_bank_q <= em_bank_q + 1'b1;
        end else begin
          em_d_q <= em_d_q + 1'b1;
        end
      end else if (w_ready) begin
        em_valid_q <= 1'b0;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Writes: masks and leader entries, one request at a time
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] {WrIdle, WrReq, WrData} wr_e;
  wr_e              wr_q;
  logic             wr_is_m_q;          // the request is a mask (else a leader entry)
  logic [MBT_W-1:0] wr_beat_q;
  logic [AW-1:0]    m_addr_q, l_addr_q;
  logic [LW-1:0]    m_bytes;
  logic [MBT_W-1:0] m_last_beat;
  logic             wr_last;
  logic [MBEATS*DW-1:0] m_wide;
  logic [31:0]      l_entry;

  assign m_bytes     = LW'((32'(cfg_n) + 7) / 8);
  assign m_last_beat = MBT_W'((32'(m_bytes) + BB - 1) / BB - 1);
  assign m_wide      = (MBEATS*DW)'(m_mask);
  // Leader ordinals: a leader takes the next one, a follower its leader's.
  logic [15:0] lcnt_q;
  logic [14:0] l_ord;
  logic [14:0] ord_q [N_MAX];
  logic        l_take;
  assign l_take      = l_valid && l_ready;
  assign l_ord       = l_follower ? ord_q[l_leader] : lcnt_q[14:0];
  assign l_entry     = {l_follower, l_ord, (l_follower ? 16'(l_leader) : 16'(l_row))};
  assign list_we_o   = l_take && !l_follower;
  assign list_ord_o  = lcnt_q;
  assign list_row_o  = 16'(l_row);
  assign lcount_o    = lcnt_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lcnt_q <= '0;
    end else if (abort_i || spls_start) begin
      lcnt_q <= '0;
    end else if (list_we_o) begin
      lcnt_q <= lcnt_q + 16'd1;
    end
  end
  // Ordinal of each leader row (a data array: written before a follower reads it).
  always_ff @(posedge clk_i) begin
    if (list_we_o) ord_q[l_row] <= lcnt_q[14:0];
  end
  assign wr_last     = !wr_is_m_q || (wr_beat_q == m_last_beat);

  assign wr_req_valid_o  = (wr_q == WrReq);
  assign wr_req_addr_o   = wr_is_m_q ? m_addr_q : l_addr_q;
  assign wr_req_len_o    = wr_is_m_q ? m_bytes : LW'(4);
  assign wr_data_valid_o = (wr_q == WrData);
  assign wr_data_o       = wr_is_m_q ? m_wide[32'(wr_beat_q)*DW +: DW] : DW'(l_entry);
  assign m_ready = (wr_q == WrData) && wr_is_m_q && wr_last && wr_data_ready_i;
  assign l_ready = (wr_q == WrData) && !wr_is_m_q && wr_data_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q <= WrIdle; wr_is_m_q <= 1'b0; wr_beat_q <= '0; m_addr_q <= '0; l_addr_q <= '0;
    end else if (abort_i || spls_start) begin
      wr_q <= WrIdle; wr_is_m_q <= 1'b0; wr_beat_q <= '0;
      m_addr_q <= AW'(cmd_i.mask); l_addr_q <= AW'(cmd_i.lead);
    end else begin
      unique case (wr_q)
        WrIdle: begin
          wr_beat_q <= '0;
          if (m_valid) begin
            wr_is_m_q <= 1'b1;
            wr_q      <= WrReq;
          end else if (l_valid) begin
            wr_is_m_q <= 1'b0;
            wr_q      <= WrReq;
          end
        end
        WrReq: if (wr_req_ready_i) wr_q <= WrData;
        WrData: begin
          if (wr_data_ready_i) begin
            wr_beat_q <= wr_beat_q + 1'b1;
            if (wr_last) begin
              wr_q <= WrIdle;
              if (wr_is_m_q) m_addr_q <= m_addr_q + AW'(cmd_i.ldm);
              else           l_addr_q <= l_addr_q + AW'(4);
            end
          end
        end
        default: wr_q <= WrIdle;
      endcase
    end
  end

  // Tags the write addresses do not need (the streams come in order).
  logic unused_pred;
  assign unused_pred = ^{spls_busy, m_row, m_head};

`ifndef SYNTHESIS
  initial begin : p_params
    a_x_beat: assert (CH * 8 == DW)
      else $fatal(1, "esact_predict: an A beat must be one x beat (SPLS_CH * 8 == AXI_DW)");
  end
  // Read data is taken whenever it is offered outside the A rows (a weight
  // group is requested only into a free bank).
  a_w_data_taken: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                   (state_q == StRun && !dx_q && rd_data_valid_i) |-> rd_data_ready_o)
    else $error("esact_predict: weight data not taken at once");
  // Mask and leader streams from esact_spls: valid and payload held until ready.
  esact_stream_chk #(.W(N_MAX + ROW_W + HD_W)) u_chk_m (
    .clk_i, .rst_ni, .flush_i(abort_i || abort_q), .valid_i(m_valid), .ready_i(m_ready),
    .data_i({m_mask, m_row, m_head}));
  esact_stream_chk #(.W(2 * ROW_W + 1)) u_chk_l (
    .clk_i, .rst_ni, .flush_i(abort_i || abort_q), .valid_i(l_valid), .ready_i(l_ready),
    .data_i({l_row, l_follower, l_leader}));
  esact_stream_chk #(.W(COLS * 8)) u_chk_w (
    .clk_i, .rst_ni, .flush_i(abort_i || abort_q), .valid_i(w_valid), .ready_i(w_ready),
    .data_i(w_data));
  esact_stream_chk #(.W(CH * 8)) u_chk_x (
    .clk_i, .rst_ni, .flush_i(abort_i || abort_q), .valid_i(x_valid), .ready_i(x_ready),
    .data_i(rd_data_i[CH*8-1:0]));
  // The bank a group is requested into is free; the emitter reads a full bank.
  // A follower's leader is an earlier leader row (its ordinal was handed out).
  a_leader_before: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                    (l_valid && l_follower) |-> (l_leader < l_row && lcnt_q != '0))
    else $error("esact_predict: a follower's leader is not an earlier row");
  a_bank_free: assert property (@(posedge clk_i) disable iff (!rst_ni)
                                (bank_take != '0) |-> ((bank_take & (bank_busy_q | bank_full_q)) == '0))
    else $error("esact_predict: weight group requested into a busy bank");
`endif

endmodule
