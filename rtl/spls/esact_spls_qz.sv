// ESACT SPLS: HLog quantizer for the wide Khat/Qhat values after their shift.
//
// code = hlog(sign(v) * (|v| >> shift)) in the byte encoding of docs/spec.md
// 3.1.  The shift of spec 3.2 leaves a magnitude <= 255 (leading one at or
// below bit 7), so the leading-one detector and the two-bit decode of
// esact_hlog work on 10 bits (headroom; e <= 8).  The caller passes |v| and
// the sign of v: esact_pred forms the magnitudes once, for the OR sweep (the
// shift) and for these quantizers.
module esact_spls_qz #(
  parameter int unsigned IN_W = 26,
  parameter int unsigned SH_W = 5
) (
  input  logic [IN_W-1:0] mag_i,     // |v| (|-2^(IN_W-1)| = 2^(IN_W-1) fits unsigned)
  input  logic            neg_i,     // v < 0
  input  logic [SH_W-1:0] shift_i,
  output logic [7:0]      code_o
);

  logic [IN_W-1:0] shifted;
  logic            nz, h;
  logic [3:0]      e;
  logic            hlog_neg;  // the input is a magnitude: always 0

  assign shifted = mag_i >> shift_i;

  esact_hlog #(
    .IN_W (10),
    .E_W  (4)
  ) u_hlog (
    .value_i ({1'b0, shifted[8:0]}),
    .neg_o   (hlog_neg),
    .nz_o    (nz),
    .e_o     (e),
    .h_o     (h)
  );

  assign code_o = nz ? {neg_i, 1'b1, h, 1'b0, e} : 8'h00;

  // Bits above 8 of the shifted magnitude are zero by construction (spec 3.2).
  logic unused_shifted;
  assign unused_shifted = ^{shifted[IN_W-1:9], hlog_neg};

endmodule
