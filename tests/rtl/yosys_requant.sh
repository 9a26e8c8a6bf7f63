#!/usr/bin/env bash
# Yosys reads esact_requant as Verilator and the golden model do (docs/power.md,
# "A Yosys 0.23 misreading"): `yosys eval` of the elaborated RTL for in-range,
# saturating and rounding cases against q = clamp((acc * m + 2^(s-1)) >> s,
# -128, 127) (docs/spec.md, rq).  Before the fix of `shifted < PW'(-128)` every
# in-range result came out as -128.  Usage: tests/rtl/yosys_requant.sh [yosys]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
yosys=${1:-yosys}
# acc m s
cases=("5 1 1" "-8429 44105 25" "100000 1 1" "-100000 1 1" "-3 1 1" "0 65535 30"
       "2147483647 65535 40" "-2147483648 65535 40" "254 1 1" "-257 1 1" "127 32768 15" "-129 32768 15")
bits() { # value width -> binary string of the two's complement
  local v=$1 w=$2 s="" i
  for ((i = w - 1; i >= 0; i--)); do s+=$(( (v >> i) & 1 )); done
  echo "$s"
}
script="read_verilog -sv $root/rtl/common/esact_requant.sv; hierarchy -top esact_requant; proc;"
for c in "${cases[@]}"; do
  read -r acc m s <<< "$c"
  script+=" eval -set acc_i 32'b$(bits "$acc" 32) -set m_i 16'd$m -set s_i 6'd$s -show q_o;"
done
mapfile -t got < <("$yosys" -p "$script" 2>&1 | sed -n "s/^Eval result: \\\\q_o = 8'\([01]*\)\.$/\1/p")
if ((${#got[@]} != ${#cases[@]})); then
  echo "yosys_requant: expected ${#cases[@]} eval results from $yosys, got ${#got[@]}" >&2; exit 1
fi
fail=0
for i in "${!cases[@]}"; do
  read -r acc m s <<< "${cases[$i]}"
  q=$(( (acc * m + (1 << (s - 1))) >> s ))
  ((q > 127)) && q=127
  ((q < -128)) && q=-128
  want=$(bits "$q" 8)
  if [[ ${got[$i]} != "$want" ]]; then
    echo "yosys_requant: acc=$acc m=$m s=$s: yosys q_o=${got[$i]}, expected $want ($q)" >&2; fail=1
  fi
done
((fail == 0)) && echo "yosys_requant: ${#cases[@]} cases equal the spec's rq"
exit $fail
