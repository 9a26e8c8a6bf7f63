#!/usr/bin/env bash
# Power flow step 1: Yosys 0.23 synthesis of esact_top onto a Liberty library,
# hierarchical (as scripts/asic.sh), then FLATTENED after mapping so that every
# cell is one instance whose name keeps its unit path as a prefix
# ("u_gemm.u_mac._123_"; flattening before mapping would lose it to ABC), with the esact_sram buffers left as black-box instances
# (modelled separately: scripts/power/sram_energy.py).  Also writes the
# Verilog simulation models of the Liberty cells for the gate-level Verilator
# build.
#
#   scripts/power/synth.sh OUT_DIR
#   LIBERTY=<file.lib[.gz]>  cell library (scripts/power/liberty.sh picks the default);
#                            "generic": Yosys' own gates, no Liberty, no ABC delay target
#                            (seconds, not minutes: the netlist of the gate-level check
#                            scripts/power/gl_check.sh; written as expressions, so cells.v
#                            is only a comment)
#   ABC=0                    no generic ABC inside `synth` (`synth -noabc`): with
#                            LIBERTY=generic no ABC at all (a bigger netlist, but minutes
#                            less for units of 50k+ gates); with a Liberty file the gates
#                            go to the Liberty ABC directly (one ABC run instead of two)
#   ABC_ARGS="-fast"         more options of the Liberty `abc` (e.g. -fast: ABC's quick
#                            script, no &fraig/scorr/&dch/upsizing; or -script FILE)
#   PARAMS="N=V ..."         esact_top parameter overrides; "pkg" = the esact_pkg sizes
#   PERIOD_NS=<ns>           ABC delay target (default 5)
#   TOP=<module>             the top (default esact_top; a unit such as esact_mac_array
#                            for the per-unit flow, scripts/power/unit_power.sh)
#   UNIT_FILES="a.sv ..."    with a unit TOP: the files of its submodules (rtl/files.txt paths)
#   BLACK_BOXES="esact_mac_array esact_requant"  with a unit TOP: more submodules kept as
#                            black-box instances (read -lib), beside esact_sram/esact_spls_mem:
#                            the GEMM's control without the MAC array and the requantizers,
#                            which have replays of their own (scripts/power/unit_build.sh
#                            simulates them from their RTL, uncounted)
#   UNIT_SRC=<file.sv>       with a unit TOP: read the unit from this file instead of rtl/
#                            (to measure a proposed change of the unit; the replay still
#                            compares its outputs with the RTL run's)
#
#   FROM_IL=1                start from OUT_DIR/synth.il (written by every run after `synth`):
#                            only dfflibmap, the Liberty ABC and the rest (retrying ABC options)
#   ABC_CONSTR=0             no `-constr` (ABC's fan-out buffering for a driving cell and
#                            load: `buffer; upsize; dnsize`), as the project's scripts/synth.sh
#
# Outputs in OUT_DIR: netlist.v, cells.v, lib (the unzipped Liberty), stat.txt,
# srams.txt, yosys.log (time-stamped lines), yosys_time.txt, synth.il, synth_seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: synth.sh OUT_DIR}
period=${PERIOD_NS:-5}
params=${PARAMS:-pkg}
top=${TOP:-esact_top}
[[ "$top" =~ ^esact_[a-z0-9_]+$ ]] || { echo "power/synth: TOP must be an esact_ module name, got '$top'" >&2; exit 2; }
generic=0
if [[ "${LIBERTY:-}" == generic ]]; then generic=1; else LIBERTY=$("$here/liberty.sh"); fi
command -v yosys >/dev/null || { echo "power/synth: yosys not found (scripts/setup.sh installs it)" >&2; exit 2; }
[[ "$period" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "power/synth: PERIOD_NS must be a number, got '$period'" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
chparam=""
if [[ "$params" != pkg ]]; then
  for kv in $params; do
    [[ "$kv" =~ ^([A-Z_0-9]+)=([0-9]+)$ ]] || { echo "power/synth: PARAMS entry '$kv' is not NAME=<int>" >&2; exit 2; }
    chparam+=" -set ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  done
  chparam="chparam$chparam $top;"
fi
if ((generic)); then
  [[ "$top" != esact_top ]] || { echo "power/synth: LIBERTY=generic is for a unit TOP" >&2; exit 2; }
  echo generic > "$out/liberty_source"
  # Yosys' internal gates, written as expressions: no cell models needed.
  map="flatten; opt_clean -purge; tee -q -o $out/stat.txt stat"
  write="write_verilog -noattr $out/netlist.v"
else
  lib="$out/cells.lib"
  if [[ "$LIBERTY" == *.gz ]]; then gzip -dc "$LIBERTY" > "$lib"; else cp "$LIBERTY" "$lib"; fi
  echo "$LIBERTY" > "$out/liberty_source"
  case "$(head -c 4000 "$lib" | grep -o 'library *( *[A-Za-z0-9_]*' | head -1)" in
    *sky130*) driver=sky130_fd_sc_hd__buf_1 ;;
    *osu018*|*osu*) driver=BUFX2 ;;
    *)        driver=BUF_X1 ;;
  esac
  printf 'set_driving_cell %s\nset_load 0.005\n' "$driver" > "$out/abc.constr"
  period_ps=$(awk -v p="$period" 'BEGIN {printf "%d", p * 1000}')
  case "${ABC_CONSTR:-1}" in 1) constr="-constr $out/abc.constr" ;; 0) constr="" ;; *) echo "power/synth: ABC_CONSTR must be 0 or 1" >&2; exit 2 ;; esac
  map="dfflibmap -liberty $lib; abc ${ABC_ARGS:-} -D $period_ps $constr -liberty $lib; opt_clean; \
    flatten; opt_clean -purge; tee -q -o $out/stat.txt stat -liberty $lib"
  write="write_verilog -noattr -noexpr $out/netlist.v"
fi

case "${ABC:-1}" in 0) noabc=-noabc ;; 1) noabc="" ;; *) echo "power/synth: ABC must be 0 or 1, got '$ABC'" >&2; exit 2 ;; esac
unset ABC  # Yosys takes $ABC as the path of the abc binary ("0" -s -f ...: not found)
cd "$root"
bbs=(--lib esact_sram --lib esact_spls_mem)
for b in ${BLACK_BOXES:-}; do
  [[ "$top" != esact_top ]] || { echo "power/synth: BLACK_BOXES is for a unit TOP" >&2; exit 2; }
  [[ "$b" =~ ^esact_[a-z0-9_]+$ && "$b" != "$top" ]] && grep -qE "/$b\.sv$" rtl/files.txt \
    || { echo "power/synth: BLACK_BOXES entry '$b' is not a module of rtl/files.txt other than $top" >&2; exit 2; }
  bbs+=(--lib "$b")
done
if [[ "$top" == esact_top ]]; then
  reads=$(scripts/rtl_files.sh --yosys "${bbs[@]}")
else
  # A unit: the packages, the black boxes (esact_sram: modelled separately),
  # the unit's own file and UNIT_FILES (its submodules' files, paths as in
  # rtl/files.txt), not the whole design (reading all of rtl/ alone costs about
  # a CPU minute here).
  reads=$(scripts/rtl_files.sh --yosys "${bbs[@]}" | sed 's/; */\n/g' | \
    grep -E "rtl/pkg/| -lib |/$top\.sv\$$(for f in ${UNIT_FILES:-}; do printf '|%s$' "$f"; done)" | paste -sd ';' | sed 's/;/; /g')
  grep -q "/$top\.sv" <<< "$reads" || { echo "power/synth: rtl/files.txt has no $top.sv" >&2; exit 2; }
  rm -f "$out/unit_src"
  if [[ -n "${UNIT_SRC:-}" ]]; then
    [[ -f "$UNIT_SRC" ]] || { echo "power/synth: UNIT_SRC $UNIT_SRC not found" >&2; exit 2; }
    reads=$(sed -E "s|rtl/[a-z]+/$top\.sv|$UNIT_SRC|" <<< "$reads")
    echo "$UNIT_SRC" > "$out/unit_src"
  fi
fi
t0=$(date +%s)
# -t: every log line time-stamped (the time of each pass, of each ABC run);
# synth.il: the design after `synth` (before dfflibmap/abc), to retry the
# Liberty mapping with other ABC options without the front end (minutes on a
# big unit: `yosys -p "read_rtlil synth.il; dfflibmap ...; abc ..."`);
# yosys_time.txt: wall, user and system time of the whole run (GNU time).
timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -o "$out/yosys_time.txt" -f "wall %e s, user %U s, system %S s, max RSS %M kB")
# rename -top: after chparam, Yosys 0.23 may leave the top as a derived
# "$paramod$<hash>\<top>" module (seen on the session-12 esact_layernorm),
# which `synth -top <top>` then does not find.
front="$reads; $chparam hierarchy -check -top $top; rename -top $top; synth $noabc -top $top; write_rtlil $out/synth.il"
if [[ ${FROM_IL:-0} == 1 ]]; then
  # Only the Liberty mapping, from the synth.il of an earlier run in OUT_DIR
  # (same RTL, parameters and ABC=; the caller's stamp must say so).
  [[ -f $out/synth.il ]] || { echo "power/synth: FROM_IL=1 but $out/synth.il is missing" >&2; exit 2; }
  front="read_rtlil $out/synth.il"
  [[ -f $out/yosys.log ]] && mv "$out/yosys.log" "$out/yosys_front.log"
fi
"${timer[@]}" yosys -q -t -l "$out/yosys.log" -p "$front; $map; \
  tee -q -o $out/srams.txt select -list t:esact_sram t:esact_spls_mem; $write" >/dev/null
t1=$(date +%s)
# (-t stamps what `tee` writes too: stat.txt and srams.txt are read by other scripts)
sed -i -E 's/^\[[0-9]+[.][0-9]+\] //' "$out/stat.txt" "$out/srams.txt"
if ((generic)); then
  echo "// LIBERTY=generic: the netlist is written as expressions, no cell models" > "$out/cells.v"
else
  # Simulation models of the library cells (functions from the Liberty file).
  yosys -q -p "read_liberty -ignore_miss_func $lib; write_verilog -noattr $out/cells.v" >/dev/null
fi
echo $((t1 - t0)) > "$out/synth_seconds"
echo "power/synth: $(sed -nE 's/^ +Number of cells: +([0-9]+).*/\1/p' "$out/stat.txt" | tail -1) cells, $((t1 - t0)) s -> $out/netlist.v" >&2
