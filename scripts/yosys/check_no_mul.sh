#!/usr/bin/env bash
# Fails when the word-level netlist of a module contains a multiplier.
#
# usage: check_no_mul.sh <top> "<chparam args>" <rtl files...>
#   (esact_pkg.sv first; esact_spls_mem.sv, if given, is read as a black box)
# The design is elaborated, flattened and optimised at word level by Yosys
# (proc; flatten; opt; wreduce), and `stat` must show no $mul, $pow, $div,
# $mod, $divfloor or $modfloor cell.  A multiplication written in any form
# reaches this stage as a $mul cell (only the later `alumacc` pass would fold
# it into a $macc, which plain multi-operand sums also become, so the check
# runs before it).
# `check_no_mul.sh --self-test` proves the check can fail: it runs on a small
# module with a multiplier and must detect it.
set -euo pipefail
yosys=${YOSYS:-yosys}
here=$(cd "$(dirname "$0")" && pwd)

if [[ "${1:-}" == "--self-test" ]]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  cat > "$tmp/esact_mul_probe.sv" <<'SV'
module esact_mul_probe (input logic [7:0] a_i, input logic [7:0] b_i, output logic [15:0] p_o);
  assign p_o = a_i * b_i;
endmodule
SV
  if "$0" esact_mul_probe "" "$tmp/esact_mul_probe.sv" > "$tmp/out.txt" 2>&1; then
    echo "check_no_mul self-test: FAIL (a multiplier was not detected)"; cat "$tmp/out.txt"; exit 1
  fi
  grep -q 'multiplier' "$tmp/out.txt" || { echo "self-test: unexpected output"; cat "$tmp/out.txt"; exit 1; }
  echo "check_no_mul self-test: ok (the probe's multiplier was detected)"
  exit 0
fi

top=$1; chp=$2; shift 2
reads=""
for f in "$@"; do
  if [[ "$(basename "$f")" == "esact_spls_mem.sv" ]]; then
    reads+="read_verilog -sv -lib $f; "
  else
    reads+="read_verilog -sv $f; "
  fi
done
chcmd=""
[[ -n "$chp" ]] && chcmd="chparam $chp $top; "
log=$(mktemp); trap 'rm -f "$log"' EXIT
"$yosys" -p "${reads}${chcmd}hierarchy -check -top $top; proc; flatten; opt; wreduce; opt; stat" > "$log" 2>&1 || {
  echo "yosys failed on $top:"; tail -30 "$log"; exit 2; }
stat=$(sed -n '/Printing statistics/,$p' "$log")
echo "$stat" | grep -E '^\s+(Number of cells|\$)' || true
bad=$(echo "$stat" | grep -E '^\s+\$(mul|pow|div|mod|divfloor|modfloor)\s' || true)
if [[ -n "$bad" ]]; then
  echo "$bad"
  echo "FAIL: $top contains a multiplier (or divider) cell"
  exit 1
fi
echo "ok: $top has no multiplier cell"
