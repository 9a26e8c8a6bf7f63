// Test wrapper (layer-RTL unit tests only): the arithmetic leaves of the
// datapath side by side: requantizer (32- and 64-bit accumulators), exp2 ROM,
// serial divider as the softmax has it (33 bits, esact_pkg::SM_DIV_STEPS
// quotient bits per cycle), serial integer square root (64 bits, one result
// bit per cycle), and both as the LayerNorm has them (32-bit divider, 40-bit
// isqrt, esact_pkg::LN_STATS_STEPS result bits per cycle).
module tb_unit_arith (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] rq32_acc_i,
  input  logic [63:0] rq64_acc_i,
  input  logic [15:0] rq_m_i,
  input  logic [5:0]  rq_s_i,
  output logic [7:0]  rq32_o,
  output logic [7:0]  rq64_o,
  input  logic [7:0]  rom_addr_i,
  output logic [15:0] rom_data_o,
  input  logic        div_start_i,
  input  logic [32:0] div_dividend_i,
  input  logic [32:0] div_divisor_i,
  output logic        div_done_o,
  output logic [32:0] div_quotient_o,
  input  logic        sqrt_start_i,
  input  logic [63:0] sqrt_value_i,
  output logic        sqrt_done_o,
  output logic [31:0] sqrt_root_o,
  input  logic        div2_start_i,
  input  logic [31:0] div2_dividend_i,
  input  logic [31:0] div2_divisor_i,
  output logic        div2_done_o,
  output logic [31:0] div2_quotient_o,
  input  logic        sqrt2_start_i,
  input  logic [39:0] sqrt2_value_i,
  output logic        sqrt2_done_o,
  output logic [19:0] sqrt2_root_o
);
  logic div_busy, sqrt_busy, div2_busy, sqrt2_busy;
  esact_requant #(.IN_W(32)) u_rq32 (.acc_i(rq32_acc_i), .m_i(rq_m_i), .s_i(rq_s_i), .q_o(rq32_o));
  esact_requant #(.IN_W(64)) u_rq64 (.acc_i(rq64_acc_i), .m_i(rq_m_i), .s_i(rq_s_i), .q_o(rq64_o));
  esact_exp2_rom u_rom (.addr_i(rom_addr_i), .data_o(rom_data_o));
  esact_div #(.W(33), .STEPS(esact_pkg::SM_DIV_STEPS)) u_div (.clk_i, .rst_ni, .start_i(div_start_i), .dividend_i(div_dividend_i),
    .divisor_i(div_divisor_i), .busy_o(div_busy), .done_o(div_done_o), .quotient_o(div_quotient_o));
  esact_isqrt #(.W(64)) u_sqrt (.clk_i, .rst_ni, .start_i(sqrt_start_i), .value_i(sqrt_value_i),
    .busy_o(sqrt_busy), .done_o(sqrt_done_o), .root_o(sqrt_root_o));
  esact_div #(.W(32), .STEPS(esact_pkg::LN_STATS_STEPS)) u_div2 (.clk_i, .rst_ni, .start_i(div2_start_i), .dividend_i(div2_dividend_i),
    .divisor_i(div2_divisor_i), .busy_o(div2_busy), .done_o(div2_done_o), .quotient_o(div2_quotient_o));
  esact_isqrt #(.W(40), .STEPS(esact_pkg::LN_STATS_STEPS)) u_sqrt2 (.clk_i, .rst_ni, .start_i(sqrt2_start_i), .value_i(sqrt2_value_i),
    .busy_o(sqrt2_busy), .done_o(sqrt2_done_o), .root_o(sqrt2_root_o));
  logic unused_tb;
  assign unused_tb = ^{div_busy, sqrt_busy, div2_busy, sqrt2_busy};
endmodule
