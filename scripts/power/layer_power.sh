#!/usr/bin/env bash
# `make power-layer`: energy of one layer per unit (issue 12; docs/power.md).
#
#   1. esact-sim (RTL)               the workload once, golden-checked: phase cycles, MACs,
#                                    read/write counts of every memory (own counters),
#                                    and its phase timeline (esact_top's phase, busy, start
#                                    traced alone; fst_timeline.cpp)
#   2. layer.py windows              one trace window per phase on that timeline (middle of
#                                    the longest stretch of a GEMM phase, start of the first
#                                    stretch of any other phase; LEAD cycles before it)
#   3. esact-sim (RTL) per window    the same run with that window traced (FST)
#   4. unit_power.sh per unit        every instance of the unit's netlist replayed on every
#                                    window (outputs compared with the RTL's), OpenSTA per
#                                    phase window
#   5. layer.py report               power per unit per phase x the run's phase cycles,
#                                    + SRAMs (CACTI table x counts): energy per unit,
#                                    pJ/MAC, TOPS/W; report.txt, report.json, report.png
#   (FE_SRAMS=1)                     one more run traced whole: every memory's read/write
#                                    counts from the trace (fst_mem_access.cpp), which must
#                                    equal the memories' own counters (a check; costly)
#
# Variables (environment or make):
#   WORKLOAD="--synthetic ..."   esact-sim options (default: the small dense layer)
#   UNITS="mac_array"            units replayed (scripts/power/unit_power.sh's table: mac_array,
#                                requant, layernorm, softmax; docs/power.md); softmax: on one
#                                more trace, the whole attention block (IDLE_LEAD=64 cycles
#                                before it; ATT_CYCLES=N: its first N cycles only), instead
#                                of the qk, softmax and av windows; UNITS=ctl: AXI/control, i.e.
#                                axi_rd axi_wr rd_arb wr_arb csr seq cmd_fetch dispatch (each may be
#                                named alone), replayed on one more trace, the WHOLE run from reset
#                                (their scopes and the phase signals only), not on the windows
#                                UNITS=gemm: the GEMM's control (esact_gemm without the MAC array and
#                                requantizers), on windows of its own from before a command's start:
#                                GEMM_WINDOW=3200 counted cycles per GEMM phase from the first cycle
#                                of its first command with the MAC array working (at most
#                                GEMM_MAX_SKIP=8000 cycles in), GEMM_IDLE_WINDOW=1000 per other phase
#   WINDOW=1000 LEAD=3200        cycles per phase window, and before them (synchronisation:
#                                more than the largest K of the layer; layer.py windows)
#   MIN_SHARE=0.005              no window for a phase with at most this share of the run's cycles
#                                (BERT-base dense: each LayerNorm is 0.40% since the eight-output
#                                LayerNorm, so UNITS=layernorm needs MIN_SHARE=0.004; docs/power.md)
#   PHASES="ln1 ln2"             replay the units on these windows only (a unit too slow to
#                                replay everywhere; the leads of these windows are measured too)
#   PHASE_AS="LayerNorm:qkv=wo ..."  the report takes a unit's power in a phase it was not replayed
#                                in from another phase (layer.py report --phase-as; "_" for a
#                                space in the label: "MAC_array:desc=ln1")
#   LIBERTY, PERIOD_NS, ROWS, SLICES  as for make power-unit (SLICES: some instances only,
#                                the unit's power scaled from them)
#   MODE=dense|spls              appended to WORKLOAD as --mode
#   SIM=<esact-sim binary>       the RTL simulator (default BUILD_DIR/sim/esact-sim, which hands
#                                --mode spls to esact-sim-spls; SIM=build/sim/esact-sim-spls runs
#                                both modes on the SPLS model, so that dense and SPLS are the same
#                                hardware; esact-sim-spls-bert for the BERT-base shape)
#   FE_SRAMS=0|1                 1: check the memories' own access counters (esact_sram,
#                                esact_spls_mem) against counts from a whole-run trace
#   SRAM_BANK_BITS=128           model memories wider than that as banks of macros that wide
#                                (CACTI's one wide macro costs far more per bit; a sensitivity)
#   STEPS=windows                stop after the window traces and their check (CTest power_windows;
#                                with UNITS=gemm the GEMM's windows too)
#   SKIP_TRACES=1                reuse the RTL run and traces of an earlier run in POWER_DIR
#                                (to add a unit: the report covers every unit measured there;
#                                UNITS=none: no replay, only the report)
#   REPORT_DIR=<dir>             where report.* go (default POWER_DIR; e.g. POWER_DIR/bank128
#                                for a SRAM_BANK_BITS=128 report beside the default one)
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
min_share=${MIN_SHARE:-0.005}
[[ "$min_share" =~ ^0?[.][0-9]+$ ]] || { echo "power-layer: MIN_SHARE must be a fraction such as 0.004, got '$min_share'" >&2; exit 2; }
period=${PERIOD_NS:-5}
sim=${SIM:-$build/sim/esact-sim}
py=/usr/bin/python3
case "$mode" in
  dense) ;;
  spls) workload="$workload --mode spls" ;;
  *) echo "power-layer: MODE must be dense or spls, got '$mode'" >&2; exit 2 ;;
esac
[[ -x "$sim" ]] || { echo "power-layer: the simulator $sim is missing (make build; SIM=...)" >&2; exit 2; }
case "${FE_SRAMS:-0}" in 0|1) ;; *) echo "power-layer: FE_SRAMS must be 0 or 1, got '$FE_SRAMS'" >&2; exit 2 ;; esac
lib=$("$here/liberty.sh")
libtag=$(basename "$lib"); libtag=${libtag%%.*}; libtag=${libtag%%_*}
tag=$(echo "$workload" | sed -E 's/--synthetic //; s/[^A-Za-z0-9=,]+/_/g; s/,seed=[0-9]+//; s/layers=1,?//; s/,+$//; s/,/_/g')
simtag=""; [[ -n "${SIM:-}" ]] && simtag=$(basename "$sim" | sed "s/^esact-sim-*/-/; s/^-$//")
out=${POWER_DIR:-$build/power/layer-$mode$simtag-$tag-$libtag}
mkdir -p "$out/traces"
out=$(cd "$out" && pwd)
log() { echo "power-layer: $*" >&2; }
cycles_of() { $py -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycles"])' "$1"; }
same_cycles() { [[ "$(cycles_of "$out/rtl.json")" == "$(cycles_of "$1")" ]]; }
# FE_SRAMS=1: one more run, traced whole; the read/write cycles of every memory
# counted from the trace (fst_mem_access.cpp) must equal the memories' own
# counters (power.py sram_energy checks it in the report).
trace_count_srams() {
  rm -f "$out/trace_srams.json"
  [[ ${FE_SRAMS:-0} == 1 ]] || return 0
  local f=$out/traces/memories.fst
  # shellcheck disable=SC2086
  "$sim" $workload --json "$out/traces/memories.json" --trace "$f" > "$out/traces/memories.txt" 2>&1 \
    || { cat "$out/traces/memories.txt" >&2; log "the traced RTL run (all memories) failed"; exit 1; }
  same_cycles "$out/traces/memories.json" || { log "the traced run (all memories) took a different number of cycles"; exit 1; }
  "$here/fst_tool.sh" fst_mem_access "$build" "$f" > "$out/trace_srams.json"
  rm -f "$f"
  log "memories counted from the trace: $($py -c '
import json, sys
own = {s["instance"] for s in json.load(open(sys.argv[2]))["srams"]}
t = {s["instance"] for s in json.load(open(sys.argv[1]))["srams"]}
print(len(t), "instances,", len(t - own), "without counters of their own")' "$out/trace_srams.json" "$out/rtl.json")"
}
# The phase timeline: esact_top's phase, and busy and start, without which the
# CSR's phase counters do not count a cycle (layer.py counted_runs).
phase_signals="TOP.esact_top.phase TOP.esact_top.busy TOP.esact_top.start"
# The softmax works beside the attention GEMMs, busy from the first QK to the
# last AV: a window inside the attention block never finds it idle, where its
# replay synchronises (unit_power.sh).  It is replayed on ONE trace of the whole
# attention block instead, from IDLE_LEAD cycles before its first cycle (its
# scope and the phase signals only: layer.py block / check-block), and on the
# windows of the other phases (idle there).
block_phases="qk softmax av"
idle_lead=${IDLE_LEAD:-64}
trace_attention() {
  local f=$out/traces/attention.fst start len
  [[ -f $f && -f $out/attention_check.txt ]] && return 0
  $py "$here/layer.py" block --rtl-json "$out/rtl.json" --timeline "$out/timeline.txt" --phases "$block_phases" \
    --lead "$idle_lead" --max-cycles "${ATT_CYCLES:-0}" > "$out/attention.txt"
  read -r _ start len _ < "$out/attention.txt"
  # shellcheck disable=SC2086,SC2046
  "$sim" $workload --json "$out/traces/attention.json" --trace "$f" --trace-start "$start" \
    --trace-end $((start + len - 1)) $(printf -- '--trace-only %s ' TOP.esact_top.u_softmax $phase_signals) \
    > "$out/traces/attention.txt" 2>&1 \
    || { cat "$out/traces/attention.txt" >&2; log "the traced RTL run (attention block) failed"; exit 1; }
  same_cycles "$out/traces/attention.json" || { log "the traced run (attention block) took a different number of cycles"; exit 1; }
  # shellcheck disable=SC2086
  "$here/fst_tool.sh" fst_timeline "$build" "$f" $phase_signals > "$out/traces/attention.timeline"
  $py "$here/layer.py" check-block --rtl-json "$out/rtl.json" --block "$out/attention.txt" --lead "$idle_lead" \
    --timeline "$out/traces/attention.timeline" --phases "$block_phases" > "$out/attention_check.txt" \
    || { rm -f "$out/attention_check.txt"; exit 1; }
  log "attention block traced: $(cat "$out/attention_check.txt")"
}
# AXI/control (session 15): the engines, arbiters, CSRs, sequencer, fetcher and
# dispatcher have no idle point in a window; they are replayed from reset over
# the whole run (unit_replay.cpp --sync-reset), on one trace of their scopes and
# the phase signals (traces/control.fst), whose timeline must count the RTL
# run's phase cycles exactly (layer.py windows' check).
# Their names and instances: scripts/power/control_units.txt (unit_power.sh reads it too).
ctl_units=$(awk '!/^#/ && NF { print $1 }' "$here/control_units.txt" | paste -sd ' ')
ctl_scopes=$(awk '!/^#/ && NF { print $3 }' "$here/control_units.txt" | paste -sd ' ')
trace_control() {
  local f=$out/traces/control.fst
  [[ -f $f && -f $out/control_check.txt ]] && return 0
  rm -f "$out/control_check.txt"
  # shellcheck disable=SC2086,SC2046
  "$sim" $workload --json "$out/traces/control.json" --trace "$f" \
    $(printf -- '--trace-only TOP.esact_top.%s ' $ctl_scopes) $(printf -- '--trace-only %s ' $phase_signals) \
    > "$out/traces/control.txt" 2>&1 \
    || { cat "$out/traces/control.txt" >&2; log "the traced RTL run (AXI/control, whole run) failed"; exit 1; }
  same_cycles "$out/traces/control.json" || { log "the traced run (AXI/control) took a different number of cycles"; exit 1; }
  # shellcheck disable=SC2086
  "$here/fst_tool.sh" fst_timeline "$build" "$f" $phase_signals > "$out/traces/control.timeline"
  # The same check as the run's own timeline: its counted cycles = the RTL's phase counters.
  $py "$here/layer.py" windows --rtl-json "$out/rtl.json" --timeline "$out/traces/control.timeline" --window "$window" \
    --lead "$lead" --min-share "$min_share" > /dev/null \
    || { log "the AXI/control trace's timeline does not count the RTL run's phase cycles"; exit 1; }
  echo "control trace: $(du -h "$f" | cut -f1), cycles 0-$(awk '!/^#/ { e = $1 + $2 } END { print e - 1 }' "$out/traces/control.timeline")" \
    > "$out/control_check.txt"
  log "AXI/control traced: $(cat "$out/control_check.txt")"
}
# The GEMM's control (UNIT gemm) synchronises by reset at an idle cycle, so it
# has windows of its own (layer.py gemm-windows): per GEMM phase a trace from
# just before the phase's first command, counted (unit_replay.cpp --count-from,
# --count-cycles: traces/gemm/<phase>.count) for GEMM_WINDOW cycles from the
# first cycle in which the MAC array works (u_mac.en_i), i.e. past the first
# tile's loads, at most GEMM_MAX_SKIP cycles into the command; per other phase
# (GEMM idle) GEMM_IDLE_WINDOW cycles.  Traces of its scope and the phase
# signals only.
trace_gemm() {
  local d=$out/traces/gemm ph start len first n is_gemm f from cyc w=${GEMM_WINDOW:-3200}
  [[ -f $d/windows_check.txt ]] && return 0
  mkdir -p "$d"
  $py "$here/layer.py" gemm-windows --rtl-json "$out/rtl.json" --timeline "$out/timeline.txt" --window "$w" \
    --max-skip "${GEMM_MAX_SKIP:-8000}" --idle-window "${GEMM_IDLE_WINDOW:-1000}" > "$d/windows.txt"
  : > "$d/counted.txt"
  while read -r ph start len first n is_gemm; do
    f=$d/$ph.fst
    # shellcheck disable=SC2086,SC2046
    "$sim" $workload --json "$d/$ph.json" --trace "$f" --trace-start "$start" --trace-end $((start + len - 1)) \
      $(printf -- '--trace-only %s ' TOP.esact_top.u_gemm $phase_signals) > "$d/$ph.txt" 2>&1 \
      || { cat "$d/$ph.txt" >&2; log "the traced RTL run (GEMM window $ph) failed"; exit 1; }
    same_cycles "$d/$ph.json" || { log "the traced run (GEMM window $ph) took a different number of cycles"; exit 1; }
    # shellcheck disable=SC2086
    "$here/fst_tool.sh" fst_timeline "$build" "$f" $phase_signals > "$d/$ph.timeline"
    from=$first; cyc=$len
    if ((is_gemm)); then
      # The first cycle at or after the command's start with the MAC array working.
      from=$("$here/fst_tool.sh" fst_timeline "$build" "$f" TOP.esact_top.u_gemm.u_mac.en_i \
        | awk -v s="$first" '!/^#/ && $3 == 1 && $1 + $2 > s { print ($1 > s ? $1 : s); exit }')
      [[ -n $from ]] || { log "GEMM window $ph: the MAC array never works in cycles $first-$((start + len - 1)) (GEMM_MAX_SKIP)"; exit 1; }
      cyc=$((first + n - from)); ((cyc > w)) && cyc=$w
      ((from + cyc <= start + len)) || { log "GEMM window $ph: the MAC array starts at $from, too late for $cyc counted cycles in the trace (GEMM_MAX_SKIP)"; exit 1; }
    else
      cyc=$((start + len - first))
    fi
    echo "$from $cyc" > "$d/$ph.count"
    echo "$ph $start $((from + cyc - start)) $from" >> "$d/counted.txt"
  done < "$d/windows.txt"
  $py "$here/layer.py" check-windows --windows "$d/counted.txt" --window 0 --count-from-column --timelines "$d" \
    > "$d/windows_check.txt" || { cat "$d/windows_check.txt" >&2; rm -f "$d/windows_check.txt"; exit 1; }
  log "GEMM windows traced: $(cat "$d/windows_check.txt")"
}
t0=$(date +%s)

if [[ "${SKIP_TRACES:-0}" == 1 && -f "$out/rtl.json" && -f "$out/windows.txt" ]]; then
  log "SKIP_TRACES=1: reusing the RTL run and traces in $out"
  fsts=(); while read -r ph _; do fsts+=("$out/traces/$ph.fst"); done < "$out/windows.txt"
else
  rm -f "$out/traces/attention.fst" "$out/attention_check.txt" "$out/traces/gemm/windows_check.txt"
  # The run traces its phase timeline only (three signals of esact_top).
  # shellcheck disable=SC2086
  "$sim" $workload --json "$out/rtl.json" --trace "$out/traces/phases.fst" \
    $(printf -- '--trace-only %s ' $phase_signals) > "$out/rtl.txt" 2>&1 \
    || { cat "$out/rtl.txt" >&2; log "the RTL run failed"; exit 1; }
  # shellcheck disable=SC2086
  "$here/fst_tool.sh" fst_timeline "$build" "$out/traces/phases.fst" $phase_signals > "$out/timeline.txt"
  rm -f "$out/traces/phases.fst" "$out/traces/phases.fst.gtkw"
  $py "$here/layer.py" windows --rtl-json "$out/rtl.json" --timeline "$out/timeline.txt" --window "$window" \
    --lead "$lead" --min-share "$min_share" > "$out/windows.txt"
  fsts=()
  while read -r ph start len _; do
    f=$out/traces/$ph.fst
    # shellcheck disable=SC2086
    "$sim" $workload --json "$out/traces/$ph.json" --trace "$f" \
      --trace-start "$start" --trace-end $((start + len - 1)) > "$out/traces/$ph.txt" 2>&1 \
      || { cat "$out/traces/$ph.txt" >&2; log "the traced RTL run ($ph) failed"; exit 1; }
    same_cycles "$out/traces/$ph.json" || { log "the traced run ($ph) took a different number of cycles than the untraced one"; exit 1; }
    # shellcheck disable=SC2086
    "$here/fst_tool.sh" fst_timeline "$build" "$f" $phase_signals > "$out/traces/$ph.timeline"
    fsts+=("$f")
  done < "$out/windows.txt"
  # Each window's own trace must show it in its phase (layer.py check-windows).
  $py "$here/layer.py" check-windows --windows "$out/windows.txt" --window "$window" --timelines "$out/traces" \
    > "$out/windows_check.txt" || { cat "$out/windows_check.txt" >&2; exit 1; }
  trace_count_srams
fi
t1=$(date +%s)
log "$(wc -l < "$out/windows.txt") windows traced in $((t1 - t0)) s"
if [[ ${STEPS:-all} == windows ]]; then
  grep -qw gemm <<< "$units" && trace_gemm
  cat "$out/windows_check.txt" >&2; exit 0
fi

# The MAC array synchronises on a first_i && en_i edge, i.e. in a GEMM phase:
# a window whose lead holds no GEMM cycle (layer.py windows' last column: desc,
# which comes before the first GEMM) is not replayed for it; its power there is
# taken as in ln1 (idle too, en_i low: clock pins and leakage), said so in the
# report.
no_gemm_lead=$(awk '$4 == 0 { print $1 }' "$out/windows.txt")
units_arg=$units; [[ $units == none ]] && units=""
units=$(for u in $units; do [[ $u == ctl ]] && echo $ctl_units || echo $u; done | paste -sd ' ')
for u in $units; do
  ufsts=()
  if [[ $u == softmax ]]; then trace_attention; ufsts+=("$out/traces/attention.fst"); fi
  if [[ $u == gemm ]]; then
    trace_gemm
    gf=$(awk -v d="$out/traces/gemm" '{ printf "%s%s/%s.fst", (NR > 1 ? " " : ""), d, $1 }' "$out/traces/gemm/counted.txt")
    [[ -n $gf ]] || { log "no GEMM windows in $out/traces/gemm/counted.txt"; exit 1; }
    UNIT=gemm FSTS="$gf" RTL_JSON=$out/rtl.json POWER_DIR=$out/gemm LIBERTY=$lib PERIOD_NS=$period BUILD_DIR=$build SIM="$sim" "$here/unit_power.sh"
    continue
  fi
  if grep -qw "$u" <<< "$ctl_units"; then
    trace_control
    UNIT=$u FSTS="$out/traces/control.fst" RTL_JSON=$out/rtl.json POWER_DIR=$out/$u LIBERTY=$lib PERIOD_NS=$period \
      BUILD_DIR=$build SIM="$sim" "$here/unit_power.sh"
    continue
  fi
  for f in "${fsts[@]}"; do
    ph=$(basename "$f" .fst)
    [[ $u == mac_array ]] && grep -qx "$ph" <<< "$no_gemm_lead" && continue
    [[ $u == softmax ]] && grep -qw "$ph" <<< "$block_phases" && continue
    [[ -n ${PHASES:-} ]] && ! grep -qw "$ph" <<< "$PHASES" && continue
    ufsts+=("$f")
  done
  UNIT=$u FSTS="${ufsts[*]}" RTL_JSON=$out/rtl.json POWER_DIR=$out/$u LIBERTY=$lib PERIOD_NS=$period \
    BUILD_DIR=$build SIM="$sim" "$here/unit_power.sh"
done
# Every unit measured for this run so far (also by earlier calls with SKIP_TRACES=1).
specs=()
for u in mac_array requant softmax layernorm gemm $ctl_units; do  # unit_power.sh's units
  r=$out/$u/report.json; [[ -f $r ]] || continue
  specs+=(--unit "$($py -c 'import json,sys; r=json.load(open(sys.argv[1])); (l,u),=r["units"].items(); print(l + "=" + str(u["instances"]) + "=" + ":".join(u["dirs"]))' "$r")")
done
phase_as=()
if [[ -f $out/mac_array/report.json ]]; then
  for ph in $no_gemm_lead; do phase_as+=(--phase-as "MAC array:$ph=ln1"); done
fi
# PHASE_AS: more --phase-as of the report (a unit idle in a phase it was not
# replayed in takes its power in an idle phase that was: LABEL:PHASE=FROM).
for pa in ${PHASE_AS:-}; do phase_as+=(--phase-as "${pa//_/ }"); done
fe_opt=(); [[ -f "$out/trace_srams.json" ]] && fe_opt=(--extra-srams "$out/trace_srams.json")
[[ -n "${SRAM_BANK_BITS:-}" ]] && fe_opt+=(--sram-bank-bits "$SRAM_BANK_BITS")
t2=$(date +%s)
rep=${REPORT_DIR:-$out}
$py "$here/layer.py" report --rtl-json "$out/rtl.json" --period-ns "$period" --out "$rep" "${specs[@]}" \
  --sram-table data/power/sram_energy.json --liberty "$lib" ${fe_opt[@]+"${fe_opt[@]}"} ${phase_as[@]+"${phase_as[@]}"} \
  --label "$mode layer ($workload), $(basename "$lib"), ${period} ns: units replayed at gate level, SRAMs from CACTI"
t3=$(date +%s)
{
  echo "command: make power-layer WORKLOAD='${workload% --mode spls}' MODE=$mode${SIM:+ SIM=$SIM}${SRAM_BANK_BITS:+ SRAM_BANK_BITS=$SRAM_BANK_BITS} UNITS='$units_arg'${SLICES:+ SLICES='$SLICES'} LIBERTY=$(basename "$lib") PERIOD_NS=$period WINDOW=$window LEAD=$lead"
  echo "runtime: RTL runs + traces $((t1 - t0)) s, units (synthesis, builds, replays, OpenSTA) $((t2 - t1)) s, report $((t3 - t2)) s, total $((t3 - t0)) s"
} | tee -a "$rep/report.txt" >&2
log "report: $rep/report.txt, $rep/report.json, $rep/report.png"
