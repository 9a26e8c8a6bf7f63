#!/usr/bin/env bash
# `make power`: toggle-based power per unit of esact_top from its gate-level
# netlist (docs/power.md).
#
#   1. scripts/power/synth.sh     Yosys: flat netlist, unit prefixes kept, SRAMs black boxes
#   2. scripts/power/gl_build.sh  Verilator: esact-sim-gl = the netlist + the same harness/CLI
#   3. esact-sim-gl               the workload; outputs must equal the golden model; per-net
#                                 toggles written every WINDOW cycles, SRAM read/write counts
#   4. scripts/power/power.py     OpenSTA per pin per phase group, summed per unit
#   5. (power.py) SRAM reads/writes x data/power/sram_energy.json (CACTI, scripts/power/sram_table.py)
#
# Variables (environment or make):
#   LIBERTY=nangate45|sky130hd|osu018|<file>   (default nangate45 from ../shared/pdk, else osu018)
#   POWER_PARAMS="N=V ..."|pkg  esact_top configuration (default the small one below;
#                               pkg = the esact_pkg.sv sizes, 16x16 array: hours here)
#   PERIOD_NS=5                 clock period (ABC target and power)
#   WORKLOAD="--synthetic ..."  esact-sim model/input options (default a small dense layer)
#   MODE=dense|spls             accelerator mode (esact-sim --mode)
#   WINDOW=2000                 cycles per toggle window
#   BUILD_DIR=build             the CMake build (make build) whose libraries esact-sim-gl links
#   POWER_DIR=<dir>             outputs (default BUILD_DIR/power/<config>-<library>)
#   SKIP_SYNTH=1 / SKIP_GL=1    reuse an existing netlist / esact-sim-gl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
small="MAC_ROWS=2 MAC_COLS=16 N_MAX=16 D_MAX=64 GEMM_KC=64 GEMM_AB=64"
params=${POWER_PARAMS:-$small}
period=${PERIOD_NS:-5}
mode=${MODE:-dense}
window=${WINDOW:-2000}
workload=${WORKLOAD:---synthetic n=8,d=64,heads=2,ffn=128,layers=1,seed=1}
[[ "$mode" == dense || "$mode" == spls ]] || { echo "power: MODE must be dense or spls, got '$mode'" >&2; exit 2; }
[[ "$window" =~ ^[0-9]+$ && "$window" -gt 0 ]] || { echo "power: WINDOW must be a positive integer, got '$window'" >&2; exit 2; }
lib=$("$here/liberty.sh")
libtag=$(basename "$lib"); libtag=${libtag%%.*}; libtag=${libtag%%_*}
cfgtag=$(if [[ "$params" == pkg ]]; then echo pkg; else echo "$params" | tr -d ' =_' | tr 'A-Z' 'a-z'; fi)
out=${POWER_DIR:-$build/power/$cfgtag-$libtag}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { echo "power: $*" >&2; }
py=/usr/bin/python3  # Debian's, with python3-matplotlib (scripts/setup.sh)
t_start=$(date +%s)

# 1. synthesis
if [[ "${SKIP_SYNTH:-0}" == 1 && -f "$out/netlist.v" ]]; then
  log "SKIP_SYNTH=1: reusing $out/netlist.v"
else
  LIBERTY=$lib PARAMS=$params PERIOD_NS=$period "$here/synth.sh" "$out"
fi
t_synth=$(date +%s)

# 2. gate-level simulator
if [[ "${SKIP_GL:-0}" == 1 && -x "$out/obj/esact-sim-gl" ]]; then
  log "SKIP_GL=1: reusing $out/obj/esact-sim-gl"
else
  "$here/gl_build.sh" "$out" "$build"
fi
t_gl=$(date +%s)

# 3. the workload on the netlist
rm -f "$out"/toggles.*
set +e
# shellcheck disable=SC2086
"$out/obj/esact-sim-gl" $workload --mode "$mode" --toggle-window "$window" --toggle-prefix "$out/toggles" \
  --json "$out/run.json" > "$out/run.txt" 2>&1
rc=$?
set -e
head -3 "$out/run.txt" >&2
if [[ $rc != 0 ]]; then
  cat "$out/run.txt" >&2
  log "the gate-level run failed (exit $rc): its outputs must equal the golden model's"
  exit 1
fi
t_sim=$(date +%s)

# 4. OpenSTA per phase group, per unit; 5. SRAMs
macs=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['macs_golden'])" "$out/run.json")
$py "$here/power.py" --netlist-dir "$out" --toggles "$out/toggles" --period-ns "$period" --out "$out" \
  --macs "$macs" --label "$cfgtag $mode" --sram-run "$out/run.json" --sram-table "$root/data/power/sram_energy.json"
t_end=$(date +%s)
{
  echo "command: make power LIBERTY=$(basename "$lib") POWER_PARAMS='$params' PERIOD_NS=$period MODE=$mode WINDOW=$window WORKLOAD='$workload'"
  echo "runtime: synthesis $((t_synth - t_start)) s, gate-level build $((t_gl - t_synth)) s, gate-level run $((t_sim - t_gl)) s, OpenSTA + report $((t_end - t_sim)) s"
} | tee -a "$out/report.txt" >&2
log "report: $out/report.txt, $out/report.json"
