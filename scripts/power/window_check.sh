#!/usr/bin/env bash
# CTest power_windows: `make power-layer` places its trace windows on the run's
# own phase timeline (docs/power.md, "Energy per layer"), so that in an SPLS run
# each window lies in the phase it is named after.
#
#   1. scripts/power/layer_power.sh STEPS=windows on a small SPLS layer
#      (esact-sim-spls, golden-checked): the RTL run with its phase timeline
#      (TOP.esact_top.phase, busy, start traced alone; its cycles per phase must
#      equal the RTL's phase counters), the windows, each window traced in a
#      run of its own, and layer.py check-windows: the first of each window's W
#      cycles must be of the named phase in that window's own trace.
#   2. The check must be able to fail: the placement of session 8 (cumulative
#      phase cycles in the phase table's order, which put the SPLS run's qkv
#      window inside PREDICT) for the same run, traced and checked the same way,
#      must be refused.
#
#   3. The GEMM control's windows (UNITS=gemm: layer.py gemm-windows) on the
#      same run: one per phase with cycles, each traced, every counted part in
#      its named phase, a GEMM phase's counted from a cycle in which the MAC
#      array works (after its first command's start: past the first tile's loads).
#
#   scripts/power/window_check.sh BUILD_DIR     (outputs in BUILD_DIR/power/window_check)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: window_check.sh BUILD_DIR}" && pwd)
out=$build/power/window_check
sim=$build/sim/esact-sim-spls
workload="--synthetic n=16,d=64,heads=2,ffn=64,layers=1,seed=3,similarity=0.9"
window=200
py=/usr/bin/python3
[[ -x $sim ]] || { echo "window_check: $sim missing (build esact-sim-spls first)" >&2; exit 2; }
log() { echo "window_check: $*"; }
fail() { echo "window_check: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)
rm -rf "$out"

STEPS=windows POWER_DIR=$out WORKLOAD="$workload" MODE=spls SIM=$sim WINDOW=$window LEAD=100 BUILD_DIR=$build \
  "$here/layer_power.sh" 2>&1 | sed 's/^/  /' || fail "layer_power.sh STEPS=windows"
n=$(wc -l < "$out/windows.txt")
(( n >= 8 )) || fail "only $n windows placed (desc, predict, qkv ... ln2 expected)"
log "$n windows, each in its named phase"

# The session-8 placement: phase starts = cumulative phase cycles in the order
# of the phase table, the W cycles in the middle of a GEMM phase.
$py - "$out/rtl.json" "$window" > "$out/cumulative.txt" <<'PY'
import json, sys
run, w = json.load(open(sys.argv[1])), int(sys.argv[2])
start = 0
for p in run["phases"]:
    c = p["cycles"]
    if c > 0.005 * run["cycles"]:
        s = start + (c - w) // 2 if p["golden_macs"] > 0 and c > w else start
        print(p["phase"], s, w)
    start += c
PY
mkdir -p "$out/cumulative"
while read -r ph start len; do
  # shellcheck disable=SC2086
  "$sim" $workload --mode spls --json "$out/cumulative/$ph.json" --trace "$out/cumulative/$ph.fst" \
    --trace-only TOP.esact_top.phase --trace-only TOP.esact_top.busy --trace-only TOP.esact_top.start \
    --trace-start "$start" --trace-end $((start + len - 1)) > "$out/cumulative/$ph.txt" 2>&1 \
    || { cat "$out/cumulative/$ph.txt" >&2; fail "the traced run ($ph, cumulative placement) failed"; }
  "$here/fst_tool.sh" fst_timeline "$build" "$out/cumulative/$ph.fst" \
    TOP.esact_top.phase TOP.esact_top.busy TOP.esact_top.start > "$out/cumulative/$ph.timeline"
done < "$out/cumulative.txt"
if msg=$($py "$here/layer.py" check-windows --windows "$out/cumulative.txt" --window "$window" \
    --timelines "$out/cumulative" 2>&1); then
  fail "the cumulative placement passed the check: $msg"
fi
log "the session-8 placement is refused: ${msg##*power.py: }"

# 3. The GEMM control's windows.
STEPS=windows SKIP_TRACES=1 UNITS=gemm POWER_DIR=$out WORKLOAD="$workload" MODE=spls SIM=$sim WINDOW=$window LEAD=100 \
  BUILD_DIR=$build "$here/layer_power.sh" 2>&1 | sed 's/^/  /' || fail "layer_power.sh STEPS=windows UNITS=gemm"
g=$out/traces/gemm
[[ -f $g/windows_check.txt ]] || fail "no GEMM window check in $g"
phases=$($py -c 'import json,sys; print(sum(1 for p in json.load(open(sys.argv[1]))["phases"] if p["cycles"]))' "$out/rtl.json")
[[ $(wc -l < "$g/counted.txt") == "$phases" ]] || fail "$(wc -l < "$g/counted.txt") GEMM windows for $phases phases with cycles"
while read -r ph _ _ first _ is_gemm; do
  read -r from _ < "$g/$ph.count"
  ((is_gemm == 0 || from > first)) || fail "GEMM window $ph counted from $from, the command's start $first (not past the loads)"
  if ((is_gemm)); then
    en=$("$here/fst_tool.sh" fst_timeline "$build" "$g/$ph.fst" TOP.esact_top.u_gemm.u_mac.en_i | awk -v c="$from" '!/^#/ && $1 <= c && c < $1 + $2 { print $3 }')
    [[ $en == 1 ]] || fail "GEMM window $ph: the MAC array is not working at its first counted cycle $from"
  fi
done < "$g/windows.txt"
log "$phases GEMM control windows, each in its named phase, GEMM phases counted from the MAC array's first working cycle"
log "PASS ($(( $(date +%s) - t0 )) s)"
