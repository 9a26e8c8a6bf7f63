#!/usr/bin/env bash
# CTest power_gl_replay: gate-level re-simulation as a check of synthesis
# (issue 12).  A unit's synthesized netlist is driven by the power flow's own
# replay harness (sim/src/unit_replay.cpp, as in `make power-unit`) with the
# port traffic of an RTL run of esact_top, and every output must equal the
# RTL's in every cycle, so a Yosys misreading of the RTL (or a simulator
# misreading of the netlist) fails the test:
#
#   1. esact-sim (RTL, golden-checked) runs a small dense layer, traced whole.
#   2. scripts/power/synth.sh TOP=esact_requant LIBERTY=generic: Yosys 0.23's
#      full `synth` (frontend, proc, opt, techmap, ABC) of the requantizer of
#      rtl/, Yosys' own gates (no Liberty: seconds instead of minutes).
#   3. scripts/power/unit_build.sh COVERAGE=0: its replay simulator.
#   4. The 16 requantizers of the GEMM epilogue (g_epi[c].u_rq) replayed: every
#      output equal to the RTL's, and at least MIN_DISTINCT distinct output
#      values compared per column (a window of idle inputs proves nothing).
#   5. The check must be able to fail: (a) one flipped output bit
#      (--inject-mismatch) and (b) a Yosys misreading: the requantizer as it was
#      before commit 2ad6adb (`shifted < -PW'(128)`, which Yosys 0.23 read as
#      true for in-range values), synthesized and replayed the same way, must
#      both be reported as a mismatch.
#
#   6. The replay's counted cycles of a clocked unit (the read arbiter, from
#      reset, as AXI/control): --count-from C --count-cycles N counts exactly N
#      cycles from C and stops there (make power-layer UNITS=gemm counts the
#      GEMM's steady state that way); C before the synchronisation and N beyond
#      the trace are refused.
#
#   scripts/power/gl_check.sh BUILD_DIR        (outputs in BUILD_DIR/power/gl_check)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: gl_check.sh BUILD_DIR}" && pwd)
out=$build/power/gl_check
sim=$build/sim/esact-sim
workload=(--synthetic "n=4,d=32,heads=2,ffn=32,layers=1,seed=3")
min_distinct=${MIN_DISTINCT:-8}
cols=$(sed -nE 's/.*localparam int unsigned MAC_COLS *= *([0-9]+);.*/\1/p' "$root/rtl/pkg/esact_pkg.sv")
[[ -x $sim ]] || { echo "gl_check: $sim missing (build esact-sim first)" >&2; exit 2; }
[[ "$cols" =~ ^[0-9]+$ ]] || { echo "gl_check: MAC_COLS not found in rtl/pkg/esact_pkg.sv" >&2; exit 2; }
mkdir -p "$out"
log() { echo "gl_check: $*"; }
fail() { echo "gl_check: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)

# 1. The RTL run, whole run traced.
"$sim" "${workload[@]}" --trace "$out/rtl.fst" > "$out/rtl.txt" 2>&1 \
  || { cat "$out/rtl.txt" >&2; fail "the RTL run failed"; }
t1=$(date +%s)

# Netlist + replay simulator of esact_requant (optionally from another file).
build_replay() {  # dir [unit_src]
  TOP=esact_requant LIBERTY=generic UNIT_SRC=${2:-} "$here/synth.sh" "$1" 2>&1
  # -O0: the run is a few hundred cycles, the build is what takes time.
  COVERAGE=0 UNIT_OPT=-O0 "$here/unit_build.sh" "$1" 2>&1
}
replay() {  # dir column [extra options]
  local dir=$1 c=$2; shift 2
  "$dir/obj/esact-unit-replay" --fst "$out/rtl.fst" --scope "TOP.esact_top.u_gemm.g_epi[$c].u_rq" \
    --clock-signal TOP.esact_top.clk_i "$@"
}

# 2-4. The requantizer of rtl/: every column bit-exact, enough distinct outputs.
build_replay "$out/requant"
t2=$(date +%s)
for ((c = 0; c < cols; c++)); do
  r=$(replay "$out/requant" "$c" 2>&1) || { echo "$r" >&2; fail "column $c: the netlist differs from the RTL"; }
  n=$(sed -nE 's/^([0-9]+).* distinct output values compared$/\1/p' <<< "$r")
  [[ -n "$n" && "$n" -ge "$min_distinct" ]] \
    || { echo "$r" >&2; fail "column $c: only ${n:-?} distinct outputs compared (< $min_distinct): the window exercises too little"; }
  log "column $c: $(head -1 <<< "$r" | sed 's/^replayed //'); $n distinct outputs"
done

# 5a. A flipped output bit must be caught.
if r=$(replay "$out/requant" 0 --inject-mismatch 100 2>&1); then
  fail "an injected mismatch was not caught: $r"
fi
grep -q "differs from the RTL" <<< "$r" || fail "injected mismatch: unexpected failure: $r"
log "injected mismatch caught: ${r#esact-unit-replay: }"

# 5b. The old requantizer (Yosys misread it) must be caught.
mkdir -p "$out/requant-misread"
old=$out/requant-misread/esact_requant.sv
sed "s/shifted < PW'(-128)/shifted < -PW'(128)/" "$root/rtl/common/esact_requant.sv" > "$old"
[[ $(diff "$root/rtl/common/esact_requant.sv" "$old" | grep -c '^>') == 1 ]] \
  || fail "rtl/common/esact_requant.sv has no 'shifted < PW'(-128)' any more: update the misread reproducer"
build_replay "$out/requant-misread" "$old"
if r=$(replay "$out/requant-misread" 0 2>&1); then
  fail "the netlist of the misread requantizer matched the RTL: the check cannot catch a misreading: $r"
fi
grep -q "differs from the RTL" <<< "$r" || fail "misread requantizer: unexpected failure: $r"
log "misread requantizer caught: ${r#esact-unit-replay: }"

# 6. Counted cycles of a clocked unit: --count-from / --count-cycles.
arb=$out/rd_arb
# Synthesized with the parameters of esact_top's instance, as the trace holds them (as unit_power.sh).
params=$("$here/trace_params.sh" "$build" "$out/rtl.fst" TOP.esact_top.u_rd_arb esact_rd_arb) || fail "parameters of u_rd_arb"
TOP=esact_rd_arb LIBERTY=generic PARAMS="$params" UNIT_FILES=rtl/common/esact_rr_arb.sv "$here/synth.sh" "$arb" 2>&1
COVERAGE=0 UNIT_OPT=-O0 "$here/unit_build.sh" "$arb" 2>&1
arb_replay() { "$arb/obj/esact-unit-replay" --fst "$out/rtl.fst" --scope TOP.esact_top.u_rd_arb --sync-reset rst_ni --compare valid "$@"; }
field() { sed -nE "s/$1/\1/p" <<< "$2" | head -1; }
r=$(arb_replay 2>&1) || { echo "$r" >&2; fail "read arbiter: the netlist differs from the RTL"; }
all=$(field '^replayed ([0-9]+) cycles.*' "$r"); sync=$(field '.*synchronised after ([0-9]+);.*' "$r")
[[ -n $all && -n $sync ]] && ((all > sync + 300)) || { echo "$r" >&2; fail "read arbiter: trace too short for the count check"; }
from=$((sync + 100))
r=$(arb_replay --count-from "$from" --count-cycles 150 2>&1) || { echo "$r" >&2; fail "--count-from $from --count-cycles 150 failed"; }
[[ $(field '^toggles counted over ([0-9]+) cycles.*' "$r") == 150 && $(field '^replayed ([0-9]+) cycles.*' "$r") -lt $all ]] \
  || { echo "$r" >&2; fail "--count-from $from --count-cycles 150: not 150 counted cycles, or the replay did not stop after them"; }
log "read arbiter: $(head -1 <<< "$r" | sed 's/^replayed //'); 150 cycles counted from cycle $from"
if r=$(arb_replay --count-from 1 2>&1); then fail "--count-from 1 (before the synchronisation) was accepted: $r"; fi
grep -q "synchronised only at cycle" <<< "$r" || fail "--count-from 1: unexpected failure: $r"
if r=$(arb_replay --count-from "$from" --count-cycles $((all + 1)) 2>&1); then fail "--count-cycles beyond the trace was accepted: $r"; fi
grep -q "the trace ends after" <<< "$r" || fail "--count-cycles beyond the trace: unexpected failure: $r"
log "--count-from before the synchronisation and --count-cycles beyond the trace refused"

# 7. --compare-while OUT:SIG (the GEMM control's row_idx_o, compared only while a
#    command gathers) guards exactly OUT: --inject-mismatch N flips a bit of the
#    unit's first output in its Nth compared cycle (N chosen where the plain
#    replay catches it); guarded by abort_i (never high here) the flip must pass
#    unseen, guarded by abort_i+rst_ni (high from the synchronisation on) it must
#    be caught; names that are not a port, an input as OUT, and a wide guard are
#    refused.
inj="" out1=""
for n in 100 150 200 300 500 800 1200 1600 2000; do
  ((n < all - sync)) || break
  r=$(arb_replay --inject-mismatch "$n" 2>&1) && continue
  out1=$(field '.*: output ([A-Za-z0-9_]+)[ (].*differs from the RTL.*' "$r"); inj=$n; break
done
[[ -n $inj && -n $out1 ]] || fail "--inject-mismatch: no compared cycle of the read arbiter's first output caught a flipped bit"
r=$(arb_replay --compare-while "$out1:abort_i" --inject-mismatch "$inj" 2>&1) \
  || { echo "$r" >&2; fail "--compare-while $out1:abort_i: the flipped bit was compared although abort_i never rises"; }
if r=$(arb_replay --compare-while "$out1:abort_i+rst_ni" --inject-mismatch "$inj" 2>&1); then
  fail "--compare-while $out1:abort_i+rst_ni: the flipped bit was not caught while rst_ni is high: $r"
fi
grep -q "output $out1.* differs from the RTL" <<< "$r" || fail "--compare-while with rst_ni: unexpected failure: $r"
for bad in nope_o:abort_i req_valid_i:abort_i "$out1:req_valid_i"; do
  if r=$(arb_replay --compare-while "$bad" 2>&1); then fail "--compare-while $bad was accepted: $r"; fi
  grep -q -- "--compare-while: " <<< "$r" || fail "--compare-while $bad: unexpected failure: $r"
done
log "--compare-while: $out1 flipped in compared cycle $inj passes unseen while its guard is low, caught while it is high; bad names refused"
t3=$(date +%s)
log "PASS: $cols requantizer netlists equal to the RTL in every cycle; both misreadings caught; counted cycles as asked; --compare-while guards its output" \
  "(RTL run $((t1 - t0)) s, synthesis + replay build $((t2 - t1)) s, replays, misread and count checks $((t3 - t2)) s)"
