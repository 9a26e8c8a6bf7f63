// ESACT requantizer (docs/spec.md 1): q = sat8(rshr(acc * M, S)), combinational.
//
// The product is taken at full width up to 64 bits (IN_W + 17 bits, capped at
// 64 so that a 64-bit accumulator wraps exactly as the golden model's int64
// arithmetic does).  rshr adds 2^(S-1) and shifts arithmetically by S
// (rounding half up, towards +inf).  S outside 1..RQ_S_MAX never reaches this
// unit: the sequencer rejects it with ERR_REQUANT.
module esact_requant #(
  parameter int unsigned IN_W = 32
) (
  input  logic signed [IN_W-1:0] acc_i,
  input  logic [15:0]            m_i,
  input  logic [5:0]             s_i,
  output logic signed [7:0]      q_o
);

  localparam int unsigned PW = (IN_W + 17 > 64) ? 64 : IN_W + 17;

  logic signed [PW-1:0] acc_ext, m_ext, prod, rnd, shifted;

  assign acc_ext = PW'(acc_i);  // sign extension (or truncation to 64 bits)
  assign m_ext   = $signed(PW'({1'b0, m_i}));
  assign prod    = acc_ext * m_ext;
  assign rnd     = prod + (PW'(1) << (s_i - 6'd1));
  assign shifted = rnd >>> s_i;

  always_comb begin
    if (shifted > PW'(127)) begin
      q_o = 8'sd127;
    end else if (shifted < PW'(-128)) begin
      q_o = -8'sd128;
    end else begin
      q_o = shifted[7:0];
    end
  end

endmodule
