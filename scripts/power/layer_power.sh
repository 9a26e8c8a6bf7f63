#!/usr/bin/env bash
# `make power-layer`: energy of one layer per unit (issue 12; docs/power.md).
#
#   1. esact-sim (RTL)               the workload once, golden-checked: phase cycles, MACs,
#                                    read/write counts of every esact_sram
#   2. layer.py windows              one trace window per phase (middle of a GEMM phase,
#                                    start of any other phase; LEAD cycles before it)
#   3. esact-sim (RTL) per window    the same run with that window traced (FST)
#   4. unit_power.sh per unit        every instance of the unit's netlist replayed on every
#                                    window (outputs compared with the RTL's), OpenSTA per
#                                    phase window
#   5. layer.py report               power per unit per phase x the run's phase cycles,
#                                    + SRAMs (CACTI table x counts): energy per unit,
#                                    pJ/MAC, TOPS/W; report.txt, report.json, report.png
#
# Variables (environment or make):
#   WORKLOAD="--synthetic ..."   esact-sim options (default: the small dense layer)
#   UNITS="mac_array"            units replayed (scripts/power/unit_power.sh's table: mac_array,
#                                requant, layernorm, softmax; docs/power.md)
#   WINDOW=1000 LEAD=3200        cycles per phase window, and before them (synchronisation:
#                                more than the largest K of the layer; layer.py windows)
#   LIBERTY, PERIOD_NS, ROWS, SLICES  as for make power-unit (SLICES: some instances only,
#                                the unit's power scaled from them)
#   MODE=dense|spls              appended to WORKLOAD as --mode (spls: when SPLS runs in esact_top)
#   SKIP_TRACES=1                reuse the RTL run and traces of an earlier run in POWER_DIR
#                                (to add a unit: the report covers every unit measured there)
#   BUILD_DIR=build  POWER_DIR=<dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
workload=${WORKLOAD:---synthetic n=64,d=256,heads=4,ffn=512,layers=1,seed=1}
mode=${MODE:-dense}
units=${UNITS:-mac_array}
window=${WINDOW:-1000}
lead=${LEAD:-3200}
period=${PERIOD_NS:-5}
py=/usr/bin/python3
case "$mode" in
  dense) ;;
  spls) workload="$workload --mode spls" ;;
  *) echo "power-layer: MODE must be dense or spls, got '$mode'" >&2; exit 2 ;;
esac
[[ -x "$build/sim/esact-sim" ]] || { echo "power-layer: $build/sim/esact-sim missing (make build)" >&2; exit 2; }
lib=$("$here/liberty.sh")
libtag=$(basename "$lib"); libtag=${libtag%%.*}; libtag=${libtag%%_*}
tag=$(echo "$workload" | sed -E 's/--synthetic //; s/[^A-Za-z0-9=,]+/_/g; s/,seed=[0-9]+//; s/layers=1,?//; s/,+$//; s/,/_/g')
out=${POWER_DIR:-$build/power/layer-$mode-$tag-$libtag}
mkdir -p "$out/traces"
out=$(cd "$out" && pwd)
log() { echo "power-layer: $*" >&2; }
t0=$(date +%s)

if [[ "${SKIP_TRACES:-0}" == 1 && -f "$out/rtl.json" && -f "$out/windows.txt" ]]; then
  log "SKIP_TRACES=1: reusing the RTL run and traces in $out"
  fsts=(); while read -r ph _; do fsts+=("$out/traces/$ph.fst"); done < "$out/windows.txt"
else
  # shellcheck disable=SC2086
  "$build/sim/esact-sim" $workload --json "$out/rtl.json" > "$out/rtl.txt" 2>&1 \
    || { cat "$out/rtl.txt" >&2; log "the RTL run failed"; exit 1; }
  $py "$here/layer.py" windows --rtl-json "$out/rtl.json" --window "$window" --lead "$lead" > "$out/windows.txt"
  fsts=()
  while read -r ph start len; do
    f=$out/traces/$ph.fst
    # shellcheck disable=SC2086
    "$build/sim/esact-sim" $workload --json "$out/traces/$ph.json" --trace "$f" \
      --trace-start "$start" --trace-end $((start + len - 1)) > "$out/traces/$ph.txt" 2>&1 \
      || { cat "$out/traces/$ph.txt" >&2; log "the traced RTL run ($ph) failed"; exit 1; }
    cmp -s <($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycles"])' "$out/rtl.json") \
           <($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycles"])' "$out/traces/$ph.json") \
      || { log "the traced run ($ph) took a different number of cycles than the untraced one"; exit 1; }
    fsts+=("$f")
  done < "$out/windows.txt"
fi
t1=$(date +%s)
log "$(wc -l < "$out/windows.txt") windows traced in $((t1 - t0)) s"

for u in $units; do
  UNIT=$u FSTS="${fsts[*]}" RTL_JSON=$out/rtl.json POWER_DIR=$out/$u LIBERTY=$lib PERIOD_NS=$period \
    BUILD_DIR=$build "$here/unit_power.sh"
done
# Every unit measured for this run so far (also by earlier calls with SKIP_TRACES=1).
specs=()
for r in "$out"/*/report.json; do
  specs+=(--unit "$($py -c 'import json,sys; r=json.load(open(sys.argv[1])); (l,u),=r["units"].items(); print(l + "=" + str(u["instances"]) + "=" + ":".join(u["dirs"]))' "$r")")
done
t2=$(date +%s)
$py "$here/layer.py" report --rtl-json "$out/rtl.json" --period-ns "$period" --out "$out" "${specs[@]}" \
  --sram-table data/power/sram_energy.json --liberty "$lib" \
  --label "$mode layer ($workload), $(basename "$lib"), ${period} ns: units replayed at gate level, SRAMs from CACTI"
t3=$(date +%s)
{
  echo "command: make power-layer WORKLOAD='$workload' MODE=$mode UNITS='$units'${SLICES:+ SLICES='$SLICES'} LIBERTY=$(basename "$lib") PERIOD_NS=$period WINDOW=$window LEAD=$lead"
  echo "runtime: RTL runs + traces $((t1 - t0)) s, units (synthesis, builds, replays, OpenSTA) $((t2 - t1)) s, report $((t3 - t2)) s, total $((t3 - t0)) s"
} | tee -a "$out/report.txt" >&2
log "report: $out/report.txt, $out/report.json, $out/report.png"
