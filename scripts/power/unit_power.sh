#!/usr/bin/env bash
# `make power-unit`: toggle-based power of ONE unit of esact_top from the unit's
# own gate-level netlist, driven by the port traffic of the RTL run (issue 12's
# fallback when the whole flat esact_top is too big to synthesize/simulate
# here; docs/power.md).
#
#   1. scripts/power/synth.sh TOP=<unit>  Yosys: the unit's flat netlist (package parameters)
#   2. scripts/power/unit_build.sh        Verilator: esact-unit-replay = netlist + cell models + driver
#   3. esact-sim (RTL, make build)        the workload, golden-checked, FST trace of a window
#   4. esact-unit-replay                  the unit's ports from the trace, cycle by cycle; every
#                                         output compared with the RTL's; per-net toggles
#   5. scripts/power/power.py --unit      OpenSTA per pin: power and energy of the window, pJ/MAC
#
# Variables (environment or make):
#   UNIT=mac_array              the unit (only the MAC array is wired up so far, below)
#   ROWS=2                      MAC array rows synthesized and replayed (rows 0..ROWS-1 of the
#                               package's MAC_ROWS x MAC_COLS array; 16 = the whole array)
#   LIBERTY=nangate45|sky130hd|osu018|<file>
#   PERIOD_NS=5                 clock period (ABC target and power)
#   WORKLOAD="--synthetic ..."  esact-sim options (default: a dense layer whose QKV GEMM
#                               covers the default window)
#   WINDOW_START=3000 WINDOW=4000  traced RTL cycles [start, start + window)
#   BUILD_DIR=build  POWER_DIR=<dir>  SKIP_SYNTH=1 / SKIP_GL=1 (reuse netlist / replay binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
unit=${UNIT:-mac_array}
period=${PERIOD_NS:-5}
workload=${WORKLOAD:---synthetic n=64,d=256,heads=4,ffn=512,layers=1,seed=1}
wstart=${WINDOW_START:-3000}
window=${WINDOW:-4000}
py=/usr/bin/python3
case "$unit" in
  # module, instance scope in the RTL trace, sync port (+ second one), label
  mac_array) top=esact_mac_array; scope=TOP.esact_top.u_gemm.u_mac; sync=first_i; also=en_i; label="MAC array"
             # ROWS < MAC_ROWS: a ROWS x MAC_COLS netlist replays rows 0..ROWS-1 of the array
             # (the low bits of its packed ports); same cells, same data, 16/ROWS times smaller.
             pkg_rows=$(sed -nE 's/.*localparam int unsigned MAC_ROWS *= *([0-9]+);.*/\1/p' rtl/pkg/esact_pkg.sv)
             rows=${ROWS:-2}
             [[ "$rows" =~ ^[0-9]+$ && "$rows" -ge 1 && "$rows" -le "$pkg_rows" ]] \
               || { echo "power-unit: ROWS must be 1..$pkg_rows, got '$rows'" >&2; exit 2; }
             params="MR=$rows"; subset=$([[ "$rows" -lt "$pkg_rows" ]] && echo 1 || echo 0)
             label="MAC array" ;;
  *) echo "power-unit: UNIT must be mac_array (the only unit wired up), got '$unit'" >&2; exit 2 ;;
esac
for v in "$wstart" "$window"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "power-unit: WINDOW_START and WINDOW must be integers, got '$v'" >&2; exit 2; }
done
[[ -x "$build/sim/esact-sim" ]] || { echo "power-unit: $build/sim/esact-sim missing (make build)" >&2; exit 2; }
lib=$("$here/liberty.sh")
libtag=$(basename "$lib"); libtag=${libtag%%.*}; libtag=${libtag%%_*}
out=${POWER_DIR:-$build/power/unit-$unit-${params//[^A-Za-z0-9]/}-$libtag}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { echo "power-unit: $*" >&2; }
t0=$(date +%s)

if [[ "${SKIP_SYNTH:-0}" == 1 && -f "$out/netlist.v" ]]; then
  log "SKIP_SYNTH=1: reusing $out/netlist.v"
else
  TOP=$top LIBERTY=$lib PARAMS="$params" PERIOD_NS=$period nice -n 10 "$here/synth.sh" "$out"
fi
t1=$(date +%s)
if [[ "${SKIP_GL:-0}" == 1 && -x "$out/obj/esact-unit-replay" ]]; then
  log "SKIP_GL=1: reusing $out/obj/esact-unit-replay"
else
  nice -n 10 "$here/unit_build.sh" "$out"
fi
t2=$(date +%s)

# The RTL run: outputs checked against the golden model by esact-sim; a window traced.
rm -f "$out/rtl.fst" "$out"/toggles.*
# shellcheck disable=SC2086
"$build/sim/esact-sim" $workload --json "$out/rtl.json" --trace "$out/rtl.fst" \
  --trace-start "$wstart" --trace-end $((wstart + window - 1)) > "$out/rtl.txt" 2>&1 \
  || { cat "$out/rtl.txt" >&2; log "the RTL run failed"; exit 1; }
t3=$(date +%s)
"$out/obj/esact-unit-replay" --fst "$out/rtl.fst" --scope "$scope" --sync-port "$sync" --sync-also "$also" \
  --phase-signal TOP.esact_top.phase --low-bits "$subset" --toggles "$out/toggles" | tee "$out/replay.txt" >&2
t4=$(date +%s)
active=$(sed -nE 's/.* ([0-9]+) cycles with [a-z_]+ high.*/\1/p' "$out/replay.txt")
# MACs per active cycle: rows x columns of the synthesized array (a_i, b_i: 8 bits per row / column).
width() { sed -nE "s/^ *input \[([0-9]+):0\] $1;.*/\1/p" "$out/netlist.v" | head -1; }
macs_per=$(( ($(width a_i) + 1) / 8 * ($(width b_i) + 1) / 8 ))
macs=$((active * macs_per))
$py "$here/power.py" --netlist-dir "$out" --toggles "$out/toggles" --period-ns "$period" --out "$out" \
  --top "$top" --unit "$label" --macs "$macs" --label "$label replay ($workload, cycles $wstart+$window)"
t5=$(date +%s)
{
  echo "MACs in the counted cycles: $active cycles with $also high x $macs_per = $macs (executed MACs)"
  echo "command: make power-unit UNIT=$unit ROWS=$rows LIBERTY=$(basename "$lib") PERIOD_NS=$period WORKLOAD='$workload' WINDOW_START=$wstart WINDOW=$window"
  echo "runtime: synthesis $((t1 - t0)) s, replay build $((t2 - t1)) s, RTL run + trace $((t3 - t2)) s, replay $((t4 - t3)) s, OpenSTA + report $((t5 - t4)) s"
} | tee -a "$out/report.txt" >&2
rm -f "$out/rtl.fst"
log "report: $out/report.txt, $out/report.json"
