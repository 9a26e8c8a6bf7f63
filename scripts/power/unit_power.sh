#!/usr/bin/env bash
# `make power-unit`: toggle-based power of ONE unit of esact_top from the unit's
# own gate-level netlist, driven by the port traffic of the RTL run (issue 12's
# fallback when the whole flat esact_top is too big to synthesize/simulate
# here; docs/power.md).
#
#   1. scripts/power/synth.sh TOP=<unit>  Yosys: the unit's flat netlist (package parameters)
#   2. scripts/power/unit_build.sh        Verilator: esact-unit-replay = netlist + cell models + driver
#                                         (only the driver is rebuilt when the netlist is unchanged)
#   3. esact-sim (RTL, make build)        the workload, golden-checked, FST trace of a window
#                                         (or FSTS: traces made by scripts/power/layer_power.sh)
#   4. esact-unit-replay                  per instance of the unit (MAC array: each ROWS-row slice
#                                         of the 16 rows; requantizer: each of the 16 columns), per
#                                         trace: the instance's ports cycle by cycle, every output
#                                         compared with the RTL's; per-net toggles per phase window
#   5. scripts/power/power.py --unit      per instance, OpenSTA per pin: power per phase group
#   6. scripts/power/layer.py             the instances summed: the whole unit's power per phase
#
# Variables (environment or make):
#   UNIT=mac_array|requant|layernorm|softmax|gemm   the unit (table below; gemm: the GEMM's
#                               control, i.e. esact_gemm without the MAC array and requantizers)
#   UNIT=axi_rd|axi_wr|rd_arb|wr_arb|csr|seq|cmd_fetch|dispatch   AXI/control: esact_top's small
#                               control modules (scripts/power/control_units.txt: module,
#                               instance, label), each replayed on a trace of the WHOLE run
#                               (from reset: --sync-reset), synthesized with its instance's
#                               parameters as the trace holds them
#   ROWS=2                      MAC array rows synthesized; the netlist replays every ROWS-row
#                               slice of the package's MAC_ROWS rows in turn (SLICES picks some)
#   SLICES="0 3"                instances to replay (default: all, i.e. the whole unit)
#   REPLAY_JOBS=1               replays of one instance run at a time (the traces of a large
#                               netlist's windows: one core each; memory: the model's size each)
#   LIBERTY=nangate45|sky130hd|osu018|<file>
#   PERIOD_NS=5                 clock period (ABC target and power)
#   WORKLOAD="--synthetic ..."  esact-sim options (default: a dense layer whose QKV GEMM
#                               covers the default window)
#   WINDOW_START=3000 WINDOW=4000  traced RTL cycles [start, start + window)
#   FSTS="a.fst b.fst"          replay these traces instead (RTL_JSON: their run's esact-sim --json)
#   SIM=<esact-sim binary>      the RTL simulator of that run (default BUILD_DIR/sim/esact-sim;
#                               build/sim/esact-sim-spls: the model with the SPLS front end)
#   UNIT_SRC=<file.sv>          synthesize the unit from this file instead of rtl/ (a proposed
#                               change; the replay still compares with the RTL run's outputs)
#   ABC=0, ABC_ARGS="-fast", ABC_CONSTR=0  synthesis options (scripts/power/synth.sh; part of the netlist's
#                               stamp): no generic ABC in synth / options of the Liberty ABC
# Softmax and LayerNorm are synthesized with the parameters (N_MAX, SPLS, D_MAX)
# of the instance in the trace (esact-sim: the package sizes, SPLS_EN = 0;
# esact-sim-spls: N_MAX = 64, D_MAX = 128, SPLS_EN = 1), read from the first trace.
#   BUILD_DIR=build  NETLIST_DIR=<dir> (netlist + replay simulator)  POWER_DIR=<dir> (this run)
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
pkg() { sed -nE "s/.*localparam int unsigned $1 *= *([0-9]+);.*/\1/p" rtl/pkg/esact_pkg.sv; }
mc=$(pkg MAC_COLS)
# Per unit: module, synthesis parameters, the replay options of instance $i
# (replay_opts i), the number of instances, the report label.
# AXI/control units: module, instance, extra files and label from one table.
ctl_table=$here/control_units.txt
ctl_row=$(awk -v u="$unit" '!/^#/ && $1 == u' "$ctl_table")
ctl_names=$(awk '!/^#/ && NF { print $1 }' "$ctl_table" | paste -sd ' ')
case_key=$unit; [[ -n $ctl_row ]] && case_key=control
[[ $unit == control && -z $ctl_row ]] && case_key=""  # "control" is the branch's key, not a unit
case "$case_key" in
  mac_array)
    top=esact_mac_array; label="MAC array"
    pkg_rows=$(pkg MAC_ROWS)
    rows=${ROWS:-2}
    [[ "$rows" =~ ^[0-9]+$ && "$rows" -ge 1 && "$rows" -le "$pkg_rows" && $((pkg_rows % rows)) -eq 0 ]] \
      || { echo "power-unit: ROWS must divide $pkg_rows, got '$rows'" >&2; exit 2; }
    params="MR=$rows"; count=$((pkg_rows / rows))
    # Slice i = rows i*ROWS .. i*ROWS+ROWS-1 (cell (r, c) at bits r*MC+c of the packed ports).
    replay_opts() { echo "--scope TOP.esact_top.u_gemm.u_mac --sync-port first_i --sync-also en_i --slice $1"; } ;;
  requant)
    # The 16 requantizers of the GEMM epilogue (combinational): one netlist, each column's traffic.
    top=esact_requant; label="GEMM requantizers"; params=pkg; count=$mc; rows=0
    replay_opts() { echo "--scope TOP.esact_top.u_gemm.g_epi[$1].u_rq --clock-signal TOP.esact_top.clk_i"; } ;;
  layernorm|softmax)
    # Memory-to-memory row units with FSMs and esact_sram buffers: reset, then
    # synchronised at the first cycle in which the RTL's unit is idle; the
    # buffers are behavioural esact_sram fed the same writes; payloads compared
    # while their valid is high (unit_replay.cpp).  Synthesized with the
    # parameters of the instance that ran (from_trace_params below: N_MAX, SPLS,
    # D_MAX differ between esact-sim, esact-sim-spls and esact-sim-spls-bert).
    count=1; rows=0; params=""
    # Both: row_idx_o = r0_i + a row counter (the leader-list lookup), cleared at
    # a command's start, not its end, and read by esact_top only while the unit
    # runs (unit_replay.cpp); the LayerNorm has it since session 20.
    busy_only="--while-busy row_idx_o"
    if [[ $unit == layernorm ]]; then
      top=esact_layernorm; label="LayerNorm"; trace_params="N_MAX D_MAX SPLS"
      unit_files="rtl/common/esact_isqrt.sv rtl/common/esact_div.sv rtl/common/esact_requant.sv"
    else
      top=esact_softmax; label="softmax"; trace_params="N_MAX SPLS"
      unit_files="rtl/common/esact_div.sv rtl/layer/esact_exp2_rom.sv"
    fi
    replay_opts() { echo "--scope TOP.esact_top.u_$unit --reset-port rst_ni --sync-idle busy_o --compare valid ${busy_only:-}"; } ;;
  gemm)
    # The GEMM's control (issue 12, session 18): esact_gemm with the MAC array and
    # the 16 requantizers as black boxes (their energy is their own replays'; the
    # replay simulates them from their RTL, uncounted: scripts/power/unit_build.sh),
    # its buffers esact_sram as for the softmax.  Synchronised by reset at an idle
    # cycle before a command (the shadow, operand and epilogue registers have no
    # reset; a command writes them before it reads them); row_idx_o, the leader
    # list lookup, compared only while a command gathers (gather_i, kvs_i): esact_top
    # uses it only then, and a command clears its loader counters after its first cycles.
    # A trace may hold a long lead (from an idle cycle to a point inside a long
    # command): <trace>.count ("FROM CYCLES", layer_power.sh) then says which
    # cycles are counted.
    top=esact_gemm; label="GEMM control"; count=1; rows=0; params=""
    black_boxes="esact_mac_array esact_requant"; scope=TOP.esact_top.u_gemm
    trace_params=all  # every parameter of its header, as the instance ran
    replay_opts() { echo "--scope $scope --reset-port rst_ni --sync-idle busy_o --compare valid --compare-while row_idx_o:gather_i+kvs_i"; } ;;
  control)
    # AXI/control (session 15): no idle point inside a window, but a trace of
    # the whole run starts in reset, where the netlist and the RTL agree: the
    # reset comes from the trace, the comparison and the count start after it
    # (unit_replay.cpp --sync-reset).  Payloads compared while their valid is
    # high (also the AXI names: m_axi_arvalid guards m_axi_araddr, ...).
    count=1; rows=0; params=""
    read -r _ top inst unit_files label <<< "$ctl_row"
    unit_files=${unit_files//,/ }; [[ $unit_files == - ]] && unit_files=""
    scope=TOP.esact_top.$inst
    # Every parameter of the module's header, with the value of the instance that ran.
    trace_params=all
    # The sequencer's list address and count are its descriptor words (no reset),
    # defined from its first list_start_o on (unit_replay.cpp --compare-after).
    after=""; [[ $unit == seq ]] && after="--compare-after list_addr_o:list_start_o,list_count_o:list_start_o"
    replay_opts() { echo "--scope $scope --sync-reset rst_ni --compare valid $after"; } ;;
  *) echo "power-unit: UNIT must be mac_array, requant, layernorm, softmax, gemm or one of the AXI/control units of $ctl_table ($ctl_names), got '$unit'" >&2; exit 2 ;;
esac
slices=${SLICES:-$(seq -s ' ' 0 $((count - 1)))}
for s in $slices; do
  [[ "$s" =~ ^[0-9]+$ && "$s" -lt "$count" ]] || { echo "power-unit: SLICES entries must be 0..$((count - 1)), got '$s'" >&2; exit 2; }
done
replay_jobs=${REPLAY_JOBS:-1}
for v in "$wstart" "$window" "$replay_jobs"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "power-unit: WINDOW_START, WINDOW and REPLAY_JOBS must be integers, got '$v'" >&2; exit 2; }
done
((replay_jobs >= 1)) || { echo "power-unit: REPLAY_JOBS must be at least 1" >&2; exit 2; }
lib=$("$here/liberty.sh")
libtag=$(basename "$lib"); libtag=${libtag%%.*}; libtag=${libtag%%_*}
# The netlist and the replay simulator live in NETLIST_DIR (reused while the
# unit's RTL, parameters, library and period are unchanged); the replays and
# reports of this run in POWER_DIR (default: the same directory).
src=${UNIT_SRC:-}
if [[ -n "$src" ]]; then
  [[ -f "$src" ]] || { echo "power-unit: UNIT_SRC $src not found" >&2; exit 2; }
  src=$(cd "$(dirname "$src")" && pwd)/$(basename "$src"); label="$label (netlist from $(basename "$src"))"
fi
log() { echo "power-unit: $*" >&2; }
t0=$(date +%s)
# The traces: given (FSTS), or one RTL run (golden-checked by esact-sim) with a window traced.
if [[ -n "${FSTS:-}" ]]; then
  fsts=$FSTS; rtl_json=${RTL_JSON:?FSTS needs RTL_JSON (the esact-sim --json of the traced run)}
  wdesc="traces $(for f in $fsts; do basename "$f" .fst; done | paste -sd ' ')"
else
  # (before the synthesis: softmax and LayerNorm take their parameters from the trace)
  run=$build/power/unit-$unit-run
  mkdir -p "$run"
  sim=${SIM:-$build/sim/esact-sim}
  [[ -x "$sim" ]] || { echo "power-unit: the simulator $sim is missing (make build; SIM=...)" >&2; exit 2; }
  rm -f "$run/rtl.fst"
  # shellcheck disable=SC2086
  "$sim" $workload --json "$run/rtl.json" --trace "$run/rtl.fst" \
    --trace-start "$wstart" --trace-end $((wstart + window - 1)) > "$run/rtl.txt" 2>&1 \
    || { cat "$run/rtl.txt" >&2; log "the RTL run failed"; exit 1; }
  fsts=$run/rtl.fst; rtl_json=$run/rtl.json; wdesc="cycles $wstart+$window"
fi
tr=$(date +%s)
# Softmax, LayerNorm, the GEMM and AXI/control: the parameters of the instance
# that ran, as its trace holds them (scripts/power/trace_params.sh; "all": every
# parameter of the module's header).
if [[ -n "${trace_params:-}" ]]; then
  first=${fsts%% *}; scope=${scope:-TOP.esact_top.u_$unit}
  names=$trace_params; [[ $names == all ]] && names=""
  # shellcheck disable=SC2086
  params=$("$here/trace_params.sh" "$build" "$first" "$scope" "$top" $names) || exit 1
  log "$top as it ran: $params"
fi
net=${NETLIST_DIR:-$build/power/unit-$unit-${params//[^A-Za-z0-9]/}${src:+-src}-$libtag}
out=${POWER_DIR:-$net}
mkdir -p "$net" "$out"
net=$(cd "$net" && pwd); out=$(cd "$out" && pwd)

sstamp=$( (cat rtl/pkg/*.sv "${src:-rtl/$(grep -E "/$top\.sv$" rtl/files.txt)}" ${unit_files:-}; echo "$params $lib $period${black_boxes:+ bb $black_boxes}${src:+ $src}${ABC_ARGS:+ abc $ABC_ARGS}${ABC:+ ABC=$ABC}${ABC_CONSTR:+ ABC_CONSTR=$ABC_CONSTR}") | sha256sum | cut -c1-16)
if [[ -f "$net/netlist.v" && "$(cat "$net/synth_stamp" 2>/dev/null)" == "$sstamp" ]]; then
  log "netlist of $top unchanged (same RTL, parameters, library, period): reusing $net/netlist.v"
else
  rm -f "$net/synth_stamp"
  TOP=$top LIBERTY=$lib PARAMS="$params" PERIOD_NS=$period UNIT_SRC=$src UNIT_FILES="${unit_files:-}" \
    BLACK_BOXES="${black_boxes:-}" nice -n 10 "$here/synth.sh" "$net"
  echo "$sstamp" > "$net/synth_stamp"
fi
t1=$(date +%s)
nice -n 10 "$here/unit_build.sh" "$net"
t2=$(date +%s)

# Per instance: replay every trace (one toggle file per phase window; REPLAY_JOBS
# of them at a time), then OpenSTA.
replay_one() {  # instance trace dir -> dir/replay_<trace>.txt, dir/replay_<trace>.rc
  local s=$1 f=$2 d=$3 w cf=()
  w=$(basename "$f" .fst)
  [[ -f ${f%.fst}.count ]] && read -r -a cf < "${f%.fst}.count" && cf=(--count-from "${cf[0]}" --count-cycles "${cf[1]}")
  # shellcheck disable=SC2046
  "$net/obj/esact-unit-replay" --fst "$f" $(replay_opts "$s") ${cf[@]+"${cf[@]}"} --phase-signal TOP.esact_top.phase \
    --toggles "$d/$w" > "$d/replay_$w.txt" 2>&1
  echo $? > "$d/replay_$w.rc"
}
: > "$out/replay.txt"
for s in $slices; do
  d=$out/i$s; rm -rf "$d"; mkdir -p "$d"; prefixes=()
  for f in $fsts; do
    while (( $(jobs -rp | wc -l) >= replay_jobs )); do wait -n || true; done
    replay_one "$s" "$f" "$d" &
    prefixes+=("$d/$(basename "$f" .fst)")
  done
  wait
  for f in $fsts; do
    w=$(basename "$f" .fst)
    [[ $(cat "$d/replay_$w.rc" 2>/dev/null) == 0 ]] || { cat "$d/replay_$w.txt" >&2; log "replay of instance $s on $f failed"; exit 1; }
    sed "s/^/instance $s, $w: /" "$d/replay_$w.txt" | tee -a "$out/replay.txt" >&2
  done
  $py "$here/power.py" --netlist-dir "$net" --toggles "${prefixes[@]}" --period-ns "$period" --out "$d" \
    --top "$top" --unit "$label" --label "$label instance $s ($wdesc)" > /dev/null
done
t4=$(date +%s)
# shellcheck disable=SC2086
$py "$here/layer.py" report --rtl-json "$rtl_json" --period-ns "$period" --out "$out" \
  --unit "$label=$count=$(for s in $slices; do printf '%s:' "$out/i$s"; done)" \
  --label "$label, $(echo $slices | wc -w) of $count instances, $(basename "$lib"), $wdesc"
t5=$(date +%s)
{
  if [[ -n "${FSTS:-}" ]]; then what="FSTS='$FSTS' RTL_JSON=$rtl_json"
  else what="WORKLOAD='$workload' WINDOW_START=$wstart WINDOW=$window"; fi
  echo "command: make power-unit UNIT=$unit${SIM:+ SIM=$SIM} ROWS=$rows SLICES='$slices' LIBERTY=$(basename "$lib") PERIOD_NS=$period $what"
  echo "runtime: RTL run + trace $((tr - t0)) s, synthesis $((t1 - tr)) s, replay build $((t2 - t1)) s, replays + OpenSTA $((t4 - t2)) s, report $((t5 - t4)) s"
} | tee -a "$out/report.txt" >&2
[[ -n "${FSTS:-}" ]] || rm -f "$fsts"
log "report: $out/report.txt, $out/report.json"
