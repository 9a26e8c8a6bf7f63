#!/usr/bin/env bash
# `make asic`: Yosys 0.23 synthesis of esact_top onto a Liberty cell library,
# then OpenSTA timing and power of the mapped netlist.
#
#   LIBERTY=<file.lib[.gz]>  cell library (default ../shared/pdk/nangate45_typ.lib.gz
#                            next to the repository; sky130hd_tt.lib.gz is the other one)
#   ASIC_PARAMS="N=V ..."    esact_top parameter overrides (chparam); the default is a
#                            small configuration that synthesizes in minutes:
#                            MAC_ROWS=4 MAC_COLS=4 AXI_DW=32 N_MAX=16 D_MAX=64 GEMM_KC=64 GEMM_AB=128
#                            ASIC_PARAMS=pkg synthesizes the esact_pkg.sv sizes (slow: an hour+)
#   PERIOD_NS=<ns>           clock period for timing and power (default 5)
#   ACTIVITY=<file.tcl>      set_power_activity commands from `esact-sim --trace F.fst
#                            --activity F.tcl`; without it, a default 0.1 activity
#   BUILD_DIR=<dir>          outputs in <dir>/asic (default build)
#   SKIP_SYNTH=1             reuse <dir>/asic/esact_top.v (e.g. to try other ACTIVITY files)
#
# On-chip SRAMs (esact_sram) are black boxes: a real flow puts macros there.
# Their bits are listed; their area and power are not in the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-build}
period=${PERIOD_NS:-5}
params=${ASIC_PARAMS:-"MAC_ROWS=4 MAC_COLS=4 AXI_DW=32 N_MAX=16 D_MAX=64 GEMM_KC=64 GEMM_AB=128"}

default_lib="$root/../shared/pdk/nangate45_typ.lib.gz"
LIBERTY=${LIBERTY:-}
if [[ -z "$LIBERTY" ]]; then
  if [[ -f "$default_lib" ]]; then LIBERTY=$default_lib; else
    echo "asic: no Liberty file: set LIBERTY=<cells.lib[.gz]> (e.g. ../shared/pdk/nangate45_typ.lib.gz)" >&2; exit 2
  fi
fi
[[ -f "$LIBERTY" ]] || { echo "asic: LIBERTY=$LIBERTY does not exist" >&2; exit 2; }
if [[ -n "${ACTIVITY:-}" && ! -f "$ACTIVITY" ]]; then
  echo "asic: ACTIVITY=$ACTIVITY does not exist (make it with esact-sim --trace F.fst --activity F.tcl)" >&2; exit 2
fi
if ! [[ "$period" =~ ^[0-9]+([.][0-9]+)?$ ]]; then echo "asic: PERIOD_NS must be a number, got '$period'" >&2; exit 2; fi
for t in yosys sta; do command -v $t >/dev/null || { echo "asic: $t not found (scripts/setup.sh installs it)" >&2; exit 2; }; done

out="$build/asic"
mkdir -p "$out"
lib="$out/$(basename "${LIBERTY%.gz}")"
if [[ "$LIBERTY" == *.gz ]]; then gzip -dc "$LIBERTY" > "$lib"; else cp "$LIBERTY" "$lib"; fi

# Drive and load for ABC's buffering/sizing (-constr): the library's smallest buffer.
case "$(basename "$lib")" in
  *sky130*) driver=${ASIC_DRIVER:-sky130_fd_sc_hd__buf_1} ;;
  *)        driver=${ASIC_DRIVER:-BUF_X1} ;;
esac
printf 'set_driving_cell %s\nset_load 0.005\n' "$driver" > "$out/abc.constr"
period_ps=$(awk -v p="$period" 'BEGIN {printf "%d", p * 1000}')

chparam=""
if [[ "$params" != pkg ]]; then
  for kv in $params; do
    [[ "$kv" =~ ^([A-Z_0-9]+)=([0-9]+)$ ]] || { echo "asic: ASIC_PARAMS entry '$kv' is not NAME=<int>" >&2; exit 2; }
    chparam+=" -set ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  done
  chparam="chparam$chparam esact_top;"
fi

# The one RTL file list (rtl/files.txt); SRAMs are black boxes.
reads=$(scripts/rtl_files.sh --yosys --lib esact_sram --lib esact_spls_mem)

t0=$(date +%s)
if [[ "${SKIP_SYNTH:-0}" == 1 && -f "$out/esact_top.v" ]]; then
  echo "asic: SKIP_SYNTH=1: reusing $out/esact_top.v" >&2
else
echo "asic: synthesizing esact_top ($params) onto $(basename "$lib") ..." >&2
yosys -q -l "$out/yosys.log" -p "$reads; $chparam hierarchy -check -top esact_top; \
  synth -top esact_top; dfflibmap -liberty $lib; abc -D $period_ps -constr $out/abc.constr -liberty $lib; opt_clean; \
  tee -q -o $out/esact_top.stat stat -liberty $lib; \
  tee -q -o $out/srams.txt select -list t:esact_sram; \
  write_verilog -noattr -noexpr $out/esact_top.v" >/dev/null
fi
t1=$(date +%s)

cat > "$out/sta.tcl" <<TCL
read_liberty $lib
read_verilog $out/esact_top.v
link_design esact_top
create_clock -name clk -period $period [get_ports clk_i]
set_input_delay [expr 0.2 * $period] -clock clk [delete_from_list [all_inputs] [get_ports clk_i]]
set_output_delay [expr 0.2 * $period] -clock clk [all_outputs]
set_load 0.005 [all_outputs]
report_checks -path_delay max -digits 3 -format full
report_tns
report_wns
TCL
if [[ -n "${ACTIVITY:-}" ]]; then
  echo "source $(realpath "$ACTIVITY")" >> "$out/sta.tcl"
else
  echo "set_power_activity -global -activity 0.1 -duty 0.5" >> "$out/sta.tcl"
  echo "set_power_activity -input -activity 0.1 -duty 0.5" >> "$out/sta.tcl"
fi
echo "report_power -digits 4" >> "$out/sta.tcl"
sta -exit "$out/sta.tcl" > "$out/sta.rpt" 2> "$out/sta.err" || { echo "asic: OpenSTA failed, see $out/sta.err" >&2; exit 1; }
t2=$(date +%s)

cells=$(sed -nE 's/^ +Number of cells: +([0-9]+).*/\1/p' "$out/esact_top.stat" | tail -1)
area=$(sed -nE 's/^ +Chip area for (top )?module .*: ([0-9.]+).*/\2/p' "$out/esact_top.stat" | tail -1)
wns=$(sed -nE 's/^wns ([-0-9.e]+).*/\1/p' "$out/sta.rpt" | tail -1)
tns=$(sed -nE 's/^tns ([-0-9.e]+).*/\1/p' "$out/sta.rpt" | tail -1)
# The reported path with the least slack (report_checks prints one per path group).
crit=$(awk '/^Startpoint:/ {sp=$2} /^Endpoint:/ {ep=$2}
            / slack \((MET|VIOLATED)\)/ {if (best == "" || $1 < best) {best=$1; bsp=sp; bep=ep}}
            END {print best, bsp, "->", bep}' "$out/sta.rpt")
fmax=$(awk -v p="$period" -v w="${wns:-0}" 'BEGIN {d = (w < 0) ? p - w : p; printf "%.1f", 1000 / d}')
power=$(awk '/^Total/ {print $5; exit}' "$out/sta.rpt")
{
  echo "ASIC summary: esact_top"
  echo "command   : scripts/asic.sh  (ASIC_PARAMS='$params' LIBERTY=$(basename "$LIBERTY") PERIOD_NS=$period ACTIVITY=${ACTIVITY:-default 0.1})"
  echo "tools     : $(yosys -V | head -1); OpenSTA $(sta -version 2>/dev/null || echo '?')"
  echo "cells     : ${cells:-?} (SRAMs black-boxed: $(grep -c . "$out/srams.txt" 2>/dev/null || echo 0) instances)"
  echo "area      : ${area:-?} (Liberty area unit, um^2 for nangate45/sky130), logic and flops only"
  echo "timing    : period $period ns: wns ${wns:-?} ns, tns ${tns:-?} ns; worst path: ${crit:-?}"
  echo "fmax      : about $fmax MHz (period - wns; no wires, no clock tree: pre-placement numbers)"
  echo "power     : ${power:-?} W total (internal + switching + leakage)"
  echo "synthesis : $((t1 - t0)) s, sta: $((t2 - t1)) s; reports in $out/"
} | tee "$out/summary.txt"
