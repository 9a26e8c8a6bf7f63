// ESACT SPLS: row-wise top-k, scores in memories, radix select (docs/spec.md 3.3).
//
// One PAM row arrives as beats of S signed scores (in_count_i of them valid:
// every beat but the row's last carries S; in_last_i marks the last beat).  The
// beats go into BEATS score memories (esact_spls_mem, black boxes in synthesis:
// no score flip-flops), beat b into memory b % BEATS, so that one read returns
// RD = S * BEATS scores.  Two banks: the next row fills one bank while the
// select works on the other.
//
// The select finds the k-th largest score T by a radix select over the key
//     key_j = {score_j with its sign bit inverted, zero padding}  (KEY_W bits)
// RADIX bits per pass, most significant digit first: a pass reads the row
// (ceil(n / RD) words, one per cycle) and counts, in 2^RADIX bins, the scores
// whose key agrees with T on the digits found so far, by their next digit.
// With need = how many of those are still to choose (min(k, n) at the start),
// the bins are summed from the top; the digit of T is the highest bin d where
// that sum reaches need, and need drops by the count above d.  After NP =
// KEY_W / RADIX passes T is known and need is the number of keys equal to T
// that are chosen.  A last pass emits the mask: key > T, or key == T and fewer
// than need equal keys before it (ties to the smaller index: the spec's rule).
// The decision of a pass is made in the cycle its last word is counted, so the
// passes follow each other without a gap.  A pass ends the radix search early
// when the bin it picks holds exactly need keys (every key of that bin is
// chosen, and no key below it): T's lower digits are then set to zero and the
// emitting pass (key >= T, need = the bin's count) gives the same mask.  The
// next pass's first read, already issued, is dropped, and the emitting pass
// starts one cycle later.  A row costs (P + 1) * ceil(n / RD) cycles of reads,
// P the radix passes until the search ends (P = NP, or P < NP and one cycle
// more); k is sampled from k_i when the select starts; k >= n keeps every
// score, k = 0 none.
//
// The mask is held on the output (valid/ready) until taken; the select of the
// next row runs meanwhile and waits only before its emitting pass.  Scores past
// N_MAX raise the sticky err_o (cleared by reset only) and are dropped.
module esact_topk #(
  parameter int unsigned N_MAX   = esact_pkg::N_MAX,
  parameter int unsigned SCORE_W = 25,
  parameter int unsigned S       = esact_pkg::SPLS_ROWS,        // scores per beat (power of two)
  parameter int unsigned BEATS   = esact_pkg::SPLS_TOPK_BEATS,  // beats per read word (power of two)
  parameter int unsigned RADIX   = esact_pkg::SPLS_TOPK_RADIX,  // key bits per pass
  // Derived, do not override.
  parameter int unsigned CNT_W   = $clog2(N_MAX + 1),
  parameter int unsigned SC_W    = $clog2(S + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [CNT_W-1:0]     k_i,
  // Score stream
  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [S*SCORE_W-1:0] in_scores_i,
  input  logic [SC_W-1:0]      in_count_i,
  input  logic                 in_last_i,
  // Mask stream: bit j = key j selected
  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [N_MAX-1:0]     out_mask_o,
  output logic                 err_o
);

  // Read words: RD scores (M memories of one beat each); a row needs at most WD.
  localparam int unsigned M      = (S * BEATS <= N_MAX) ? BEATS : ((N_MAX + S - 1) / S);
  localparam int unsigned RD     = S * M;
  localparam int unsigned LRD    = $clog2(RD);
  localparam int unsigned LM     = (M > 1) ? $clog2(M) : 0;
  localparam int unsigned WD     = (N_MAX + RD - 1) / RD;
  localparam int unsigned AW     = $clog2(2 * WD);
  localparam int unsigned WA_W   = (WD > 1) ? $clog2(WD) : 1;
  localparam int unsigned KEY_W  = ((SCORE_W + RADIX - 1) / RADIX) * RADIX;
  localparam int unsigned NP     = KEY_W / RADIX;    // radix passes; pass NP emits
  localparam int unsigned PASS_W = $clog2(NP + 1);
  localparam int unsigned NB     = 1 << RADIX;       // bins
  localparam int unsigned RC_W   = $clog2(RD + 1);   // count within one word

  logic in_fire, out_fire;
  assign out_fire = out_valid_o && out_ready_i;

  // ---------------------------------------------------------------------------
  // Fill: beat b of a row -> memory b % M, word bank*WD + b / M
  // ---------------------------------------------------------------------------
  logic [1:0]         full_q;     // bank holds a complete row not yet emitted
  logic [2*CNT_W-1:0] bcnt_q;     // scores in bank b at [b*CNT_W +: CNT_W]
  logic               fbank_q;    // bank being filled
  logic [CNT_W-1:0]   fcnt_q;     // scores stored in it so far
  logic [CNT_W-1:0]   fbeat_q;    // beats stored so far
  logic               over, err_q;

  assign in_ready_o = !full_q[fbank_q];
  assign in_fire    = in_valid_i && in_ready_o;
  assign over       = (fcnt_q >= CNT_W'(N_MAX));
  assign err_o      = err_q;

  logic [AW-1:0]   mem_waddr, mem_raddr;
  logic            mem_re;
  logic [M*S*SCORE_W-1:0] rword;
  logic [WA_W-1:0] fword;
  assign fword     = WA_W'(fbeat_q >> LM);
  assign mem_waddr = AW'(fbank_q ? WD : 0) + AW'(fword);
  for (genvar m = 0; m < M; m++) begin : g_mem
    logic we;
    if (M > 1) begin : g_sel
      assign we = in_fire && !over && (fbeat_q[LM-1:0] == LM'(m));
    end else begin : g_one
      assign we = in_fire && !over;
    end
    esact_spls_mem #(.WIDTH(S*SCORE_W), .DEPTH(2*WD)) u_mem (
      .clk_i,
      .we_i    (we),
      .waddr_i (mem_waddr),
      .wdata_i (in_scores_i),
      .wbe_i   ('1),
      .re_i    (mem_re),
      .raddr_i (mem_raddr),
      .rdata_o (rword[m*S*SCORE_W +: S*SCORE_W])
    );
  end

  // ---------------------------------------------------------------------------
  // Select: issue stage (reads) and data stage (counts, decisions, mask)
  // ---------------------------------------------------------------------------
  logic              busy_q, sbank_q, done_q;
  logic [PASS_W-1:0] pass_q;
  logic [WA_W-1:0]   addr_q, lastw_q;    // word in the pass, the row's last word
  logic [CNT_W-1:0]  sneed_q;            // min(k, n)
  logic [RC_W-1:0]   slcnt_q;            // scores in the row's last word (0 for an empty row)
  logic              emit_wait, issue, last_word, fin, start, nbank;
  logic [CNT_W-1:0]  ncnt;
  // Early end of the search, decided in the data stage: the issue stage goes
  // on to the emitting pass; the read it issues in that cycle is dropped.
  logic              early, early_q;

  assign emit_wait = (pass_q == PASS_W'(NP)) && (addr_q == '0) && done_q;  // mask still held
  assign issue     = busy_q && !emit_wait;
  assign last_word = (addr_q == lastw_q);
  assign fin       = issue && last_word && (pass_q == PASS_W'(NP));
  assign nbank     = busy_q ? !sbank_q : sbank_q;
  assign start     = (!busy_q || fin) && full_q[nbank];
  assign ncnt      = bcnt_q[nbank*CNT_W +: CNT_W];
  assign mem_re    = issue;
  assign mem_raddr = AW'(sbank_q ? WD : 0) + AW'(addr_q);

  // Data-stage token.
  logic              d_valid_q, d_last_q;
  logic [PASS_W-1:0] d_pass_q;
  logic [WA_W-1:0]   d_addr_q;
  logic [RC_W-1:0]   d_lcnt_q;

  logic [NB*CNT_W-1:0] hist_q;          // bin counts of the pass so far
  logic [KEY_W-1:0]    t_q;             // T, digits of the passes so far
  logic [CNT_W-1:0]    need_q;          // radix: still to choose; emit: equal keys left
  logic [WD*RD-1:0]    mask_q;

  // Keys and their validity (index d_addr*RD + u < n: every score of a word
  // but the last, whose first d_lcnt_q are the row's).
  logic [RD*KEY_W-1:0] key;
  logic [RD-1:0]       valid;
  for (genvar u = 0; u < RD; u++) begin : g_key
    logic [SCORE_W-1:0] sc;
    assign sc = rword[u*SCORE_W +: SCORE_W];
    assign key[u*KEY_W + KEY_W - 1]                 = ~sc[SCORE_W-1];
    assign key[u*KEY_W + KEY_W - SCORE_W +: SCORE_W - 1] = sc[SCORE_W-2:0];
    if (KEY_W > SCORE_W) begin : g_pad
      assign key[u*KEY_W +: KEY_W - SCORE_W] = '0;
    end
    assign valid[u] = !d_last_q || (RC_W'(u) < d_lcnt_q);
  end

  // Radix pass: the keys that agree with T on the known digits, by next digit.
  logic [KEY_W-1:0]    known;
  logic [RD*RADIX-1:0] digit;
  always_comb begin
    known = '0;
    digit = '0;
    for (int unsigned t = 0; t < NP; t++) begin
      if (d_pass_q == PASS_W'(t)) begin
        known = ~({KEY_W{1'b1}} >> (t * RADIX));
        for (int unsigned u = 0; u < RD; u++) begin
          digit[u*RADIX +: RADIX] = key[u*KEY_W + KEY_W - 1 - t*RADIX -: RADIX];
        end
      end
    end
  end
  logic [RD-1:0] hit;
  for (genvar u = 0; u < RD; u++) begin : g_hit
    assign hit[u] = valid[u] && (((key[u*KEY_W +: KEY_W] ^ t_q) & known) == '0);
  end
  logic [NB*CNT_W-1:0] hist;            // counts including this word
  for (genvar b = 0; b < NB; b++) begin : g_bin
    logic [RD-1:0]   in_bin;
    logic [RC_W-1:0] inc;
    for (genvar u = 0; u < RD; u++) begin : g_u
      assign in_bin[u] = hit[u] && (digit[u*RADIX +: RADIX] == RADIX'(b));
    end
    esact_spls_popcnt #(.IN_W(RD), .OUT_W(RC_W)) u_cnt (.x_i(in_bin), .count_o(inc));
    assign hist[b*CNT_W +: CNT_W] = ((d_addr_q == '0) ? '0 : hist_q[b*CNT_W +: CNT_W]) + CNT_W'(inc);
  end

  // Decision of a pass: the highest bin whose count from the top reaches need.
  // (need <= the keys that agree with T so far, so some bin reaches it.)  The
  // search ends there if that count equals need (exact: the bin is all chosen).
  logic [CNT_W-1:0] need_cur, above, acc, acc_above;
  logic [RADIX-1:0] pick;
  logic             found, exact;
  always_comb begin
    need_cur = (d_pass_q == '0) ? sneed_q : need_q;
    acc      = '0;
    acc_above = '0;
    pick     = '0;
    above    = '0;
    found    = 1'b0;
    exact    = 1'b0;
    for (int unsigned i = 0; i < NB; i++) begin
      acc_above = acc;
      acc       = acc + hist[(NB-1-i)*CNT_W +: CNT_W];
      if (!found && (acc >= need_cur)) begin
        found = 1'b1;
        pick  = RADIX'(NB - 1 - i);
        above = acc_above;
        exact = (acc == need_cur);
      end
    end
  end
  // Ends a radix pass before the last one (after the last, the emitting pass
  // comes next anyway).  The token of the following word is dropped.
  assign early = d_valid_q && !early_q && d_last_q && (d_pass_q < PASS_W'(NP - 1)) && exact;

  // T after a pass: its digit set; after an early end, the digits below it zero.
  logic [KEY_W-1:0] t_next;
  always_comb begin
    t_next = t_q;
    for (int unsigned t = 0; t < NP; t++) begin
      if (d_pass_q == PASS_W'(t)) begin
        t_next[KEY_W - 1 - t*RADIX -: RADIX] = pick;
        if (early) begin
          t_next = t_next & ~({KEY_W{1'b1}} >> ((t + 1) * RADIX));
        end
      end
    end
  end

  // Emitting pass: key > T, or key == T within the first need equal keys.
  logic [RD-1:0]   sel;
  logic [RC_W-1:0] eqs;                 // equal keys in this word
  always_comb begin
    eqs = '0;
    for (int unsigned u = 0; u < RD; u++) begin
      sel[u] = 1'b0;
      if (valid[u]) begin
        if (key[u*KEY_W +: KEY_W] > t_q) begin
          sel[u] = 1'b1;
        end else if (key[u*KEY_W +: KEY_W] == t_q) begin
          sel[u] = (CNT_W'(eqs) < need_q);
          eqs    = eqs + 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_q    <= '0;
      bcnt_q    <= '0;
      fbank_q   <= 1'b0;
      fcnt_q    <= '0;
      fbeat_q   <= '0;
      err_q     <= 1'b0;
      busy_q    <= 1'b0;
      sbank_q   <= 1'b0;
      done_q    <= 1'b0;
      d_valid_q <= 1'b0;
      early_q   <= 1'b0;
    end else begin
      // Fill.
      if (in_fire) begin
        if (over) begin
          err_q <= 1'b1;
        end else begin
          fcnt_q  <= fcnt_q + CNT_W'(in_count_i);
          fbeat_q <= fbeat_q + 1'b1;
        end
        if (in_last_i) begin
          full_q[fbank_q]                <= 1'b1;
          bcnt_q[fbank_q*CNT_W +: CNT_W] <= over ? fcnt_q : fcnt_q + CNT_W'(in_count_i);
          fbank_q                        <= !fbank_q;
          fcnt_q                         <= '0;
          fbeat_q                        <= '0;
        end
      end
      // Select: the bank is free again once its emitting pass has read it.
      if (fin) begin
        full_q[sbank_q] <= 1'b0;
        sbank_q         <= !sbank_q;
      end
      if (start) begin
        busy_q <= 1'b1;
      end else if (fin) begin
        busy_q <= 1'b0;
      end
      d_valid_q <= issue;
      early_q   <= early;
      if (d_valid_q && !early_q && (d_pass_q == PASS_W'(NP)) && d_last_q) begin
        done_q <= 1'b1;
      end else if (out_fire) begin
        done_q <= 1'b0;
      end
    end
  end

  // Select datapath (no reset: guarded by busy_q / d_valid_q / done_q).
  always_ff @(posedge clk_i) begin
    if (start) begin
      pass_q  <= '0;
      addr_q  <= '0;
      lastw_q <= WA_W'((ncnt == '0) ? '0 : ((ncnt - 1'b1) >> LRD));
      slcnt_q <= (ncnt == '0) ? '0 : RC_W'(((ncnt - 1'b1) & CNT_W'(RD - 1)) + 1'b1);
      sneed_q <= (k_i > ncnt) ? ncnt : k_i;
    end else if (early) begin
      addr_q <= '0;
      pass_q <= PASS_W'(NP);
    end else if (issue) begin
      addr_q <= addr_q + 1'b1;
      if (last_word) begin
        addr_q <= '0;
        pass_q <= pass_q + 1'b1;
      end
    end
    if (issue) begin
      d_pass_q <= pass_q;
      d_addr_q <= addr_q;
      d_last_q <= last_word;
      d_lcnt_q <= slcnt_q;
    end
    if (issue && (pass_q == PASS_W'(NP)) && (addr_q == '0)) begin
      mask_q <= '0;
    end
    if (d_valid_q && !early_q) begin    // a token after an early end is dropped
      if (d_pass_q != PASS_W'(NP)) begin
        hist_q <= hist;
        if (d_last_q) begin
          need_q <= need_cur - above;
          t_q    <= t_next;
        end
      end else begin
        for (int unsigned w = 0; w < WD; w++) begin
          if (d_addr_q == WA_W'(w)) begin
            mask_q[w*RD +: RD] <= sel;
          end
        end
        need_q <= (CNT_W'(eqs) >= need_q) ? '0 : need_q - CNT_W'(eqs);
      end
    end
  end

  assign out_valid_o = done_q;
  assign out_mask_o  = mask_q[N_MAX-1:0];

  // Bits of the mask register past N_MAX (a partial last word) are never output.
  if (WD * RD > N_MAX) begin : g_unused
    logic unused_mask;
    assign unused_mask = ^mask_q[WD*RD-1:N_MAX];
  end

`ifndef SYNTHESIS
  initial begin
    assert (S >= 1 && (S & (S - 1)) == 0 && N_MAX % S == 0 && BEATS >= 1 && (BEATS & (BEATS - 1)) == 0 &&
            (M & (M - 1)) == 0 && RADIX >= 1 && RADIX <= 8 && SCORE_W >= 2)
      else $fatal(1, "esact_topk: S and BEATS must be powers of two, S must divide N_MAX, RADIX in 1..8");
  end
`endif

endmodule
