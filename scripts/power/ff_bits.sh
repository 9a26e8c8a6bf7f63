#!/usr/bin/env bash
# Flip-flop bits of one RTL module (its whole hierarchy), for the clock-pin
# floor of a unit that the power flow does not replay (docs/power.md):
# Yosys 0.23 reads the RTL (esact_sram and esact_spls_mem as black boxes: their
# energy is the SRAM table's), `proc`, flattens, maps the inferred memories to
# flip-flops (a register file without a macro is flip-flops) and counts the
# bits of every flip-flop cell.
#
#   scripts/power/ff_bits.sh MODULE [PARAM=VALUE ...]    -> "<bits>" on stdout
#   e.g. scripts/power/ff_bits.sh esact_predict N_MAX=64 D_MAX=128   (the SPLS model's front end)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
top=${1:?usage: ff_bits.sh MODULE [PARAM=VALUE ...]}
shift
chp=""
for p in "$@"; do
  [[ "$p" =~ ^[A-Za-z_][A-Za-z0-9_]*=[0-9]+$ ]] || { echo "ff_bits: '$p' is not PARAM=VALUE (integer)" >&2; exit 2; }
  chp+=" -set ${p%%=*} ${p#*=}"
done
reads=$(scripts/rtl_files.sh --yosys --lib esact_sram --lib esact_spls_mem)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
yosys -q -l "$tmp/yosys.log" -p "$reads; ${chp:+chparam$chp $top;} hierarchy -check -top $top; proc; opt_clean; flatten;
  memory; opt_clean; tee -q -o $tmp/stat.txt stat -width" > /dev/null 2> "$tmp/stderr" \
  || { tail -20 "$tmp/yosys.log" "$tmp/stderr" >&2; echo "ff_bits: yosys failed" >&2; exit 1; }
# stat -width lists flip-flop cells as $<kind>dff<e>_<width> <count>.
awk '$1 ~ /^\$[a-z]*dff[a-z]*_[0-9]+$/ { n = split($1, a, "_"); bits += a[n] * $2 } END { print bits + 0 }' "$tmp/stat.txt"
