#!/usr/bin/env bash
# `make synth`: Yosys 0.23 synthesis of the SPLS front-end units onto a Liberty
# cell library; prints cells and area per unit and writes a report.
#
#   LIBERTY=<file.lib[.gz]>   cell library (default: ../shared/pdk/nangate45_typ.lib.gz
#                             relative to the repository, if it exists;
#                             ../shared/pdk/sky130hd_tt.lib.gz is the other option)
#   SYNTH_SIZES=pkg|test      pkg (default): the esact_pkg.sv maxima;
#                             test: the sizes of the tests/rtl_spls builds
#   SYNTH_UNITS="u1 u2 ..."   subset of: esact_hlog esact_pred_prod esact_spls_qz
#                             esact_pred esact_topk esact_simil esact_spls
#                             ref_int8_mac ref_pred_lane ref_dot_unit (area
#                             references: one INT8 MAC, one prediction lane,
#                             one of esact_pred's 32 dot units)
#                             esact_mac_array (the 16x16 INT8 MAC array, the
#                             area the front end is compared with)
#   BUILD_DIR=<dir>           report in <dir>/synth/ (default build)
#
# Memories (esact_spls_mem) are black boxes: their bits are listed, not their
# area (a real flow would use SRAM macros).  Each unit: read, chparam (test
# sizes), synth -flatten, dfflibmap, abc, stat -liberty.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
yosys=${YOSYS:-yosys}
build=${BUILD_DIR:-build}
sizes=${SYNTH_SIZES:-pkg}
units=${SYNTH_UNITS:-"esact_hlog esact_pred_prod esact_spls_qz ref_pred_lane ref_dot_unit ref_int8_mac esact_mac_array esact_topk esact_simil esact_pred esact_spls"}

default_lib="$root/../shared/pdk/nangate45_typ.lib.gz"
if [[ -z "${LIBERTY:-}" ]]; then
  if [[ -f "$default_lib" ]]; then
    LIBERTY=$default_lib
  else
    echo "synth: no Liberty file. Set LIBERTY=<cell library .lib or .lib.gz>" \
         "(e.g. LIBERTY=../shared/pdk/nangate45_typ.lib.gz or sky130hd_tt.lib.gz)" >&2
    exit 2
  fi
fi
if [[ ! -f "$LIBERTY" ]]; then
  echo "synth: LIBERTY=$LIBERTY does not exist" >&2
  exit 2
fi
out="$build/synth"
mkdir -p "$out"
lib="$out/$(basename "${LIBERTY%.gz}")"
if [[ "$LIBERTY" == *.gz ]]; then
  gzip -dc "$LIBERTY" > "$lib"     # Yosys wants a plain Liberty file
else
  cp "$LIBERTY" "$lib"
fi

pkg=rtl/pkg/esact_pkg.sv
# Every unit reads the one RTL file list (rtl/files.txt; memories as black boxes);
# the two area references add their own file.
rtl_reads=$(scripts/rtl_files.sh --yosys --lib esact_spls_mem --lib esact_sram)
declare -A extra chp sopt
# The prediction array: Yosys' SAT-based resource sharing (`share`) compares
# each of the 512 lanes' shifters with every other (1,536 candidates, quadratic
# SAT work: still in that pass after 9 CPU minutes); lanes that all work in the same
# cycle cannot share hardware, so the pass is skipped for these units.
sopt[esact_pred]="-noshare"
sopt[esact_spls]="-noshare"
for u in esact_hlog esact_pred_prod esact_spls_qz esact_topk esact_simil esact_pred esact_spls esact_mac_array; do
  extra[$u]=""
done
extra[ref_int8_mac]="scripts/yosys/ref/ref_int8_mac.sv"
extra[ref_pred_lane]="scripts/yosys/ref/ref_pred_lane.sv"
extra[ref_dot_unit]="scripts/yosys/ref/ref_dot_unit.sv"
if [[ "$sizes" == test ]]; then
  chp[esact_topk]="-set N_MAX 64 -set SCORE_W 25 -set S 4"
  chp[esact_simil]="-set N_MAX 32 -set H_MAX 4 -set W_MAX 4"
  chp[esact_pred]="-set N_MAX 16 -set D_MAX 32 -set H_MAX 4 -set DH_MAX 16 -set ROWS 2 -set COLS 2 -set CH 4"
  chp[esact_spls]="-set N_MAX 16 -set D_MAX 32 -set H_MAX 4 -set DH_MAX 16 -set W_MAX 4 -set ROWS 4 -set COLS 2 -set CH 4"
elif [[ "$sizes" != pkg ]]; then
  echo "synth: SYNTH_SIZES must be pkg or test, got '$sizes'" >&2; exit 2
fi
# esact_pred/esact_spls at esact_pkg sizes keep SCORE_W = 18 + clog2(DH_MAX) for top-k.
if [[ "$sizes" == pkg ]]; then
  dhmax=$(sed -nE 's/.*localparam int unsigned DH_MAX = ([0-9]+);.*/\1/p' $pkg)
  lg=0; while (( (1 << lg) < dhmax )); do lg=$((lg + 1)); done
  chp[esact_topk]="-set SCORE_W $((18 + lg))"
fi

report="$out/spls_synth_report.txt"
{
  echo "SPLS front-end synthesis report"
  echo "command : scripts/synth.sh (LIBERTY=$LIBERTY SYNTH_SIZES=$sizes)"
  echo "yosys   : $("$yosys" -V)"
  echo "date    : $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  printf "%-18s %10s %14s %10s %s\n" unit cells "area(lib)" flops "black-box memories"
} > "$report"

status=0
for u in $units; do
  [[ -v "extra[$u]" ]] || { echo "synth: unknown unit $u" >&2; exit 2; }
  reads=$rtl_reads
  for f in ${extra[$u]}; do reads+="; read_verilog -sv $f"; done
  ch=""
  [[ -n "${chp[$u]:-}" ]] && ch="chparam ${chp[$u]} $u; "
  log="$out/$u.log"
  echo "synth: $u ..." >&2
  t0=$(date +%s)
  if ! "$yosys" -l "$log" -q -p "$reads; ${ch}hierarchy -check -top $u; synth -flatten ${sopt[$u]:-} -top $u; \
        dfflibmap -liberty $lib; abc -liberty $lib; opt_clean; \
        tee -o $out/$u.stat stat -liberty $lib; \
        tee -q -o $out/$u.mems dump t:esact_spls_mem" > /dev/null 2>&1; then
    echo "synth: $u FAILED (see $log)" >&2; status=1; continue
  fi
  t1=$(date +%s)
  cells=$(sed -nE 's/^ +Number of cells: +([0-9]+).*/\1/p' "$out/$u.stat" | tail -1)
  area=$(sed -nE 's/^ +Chip area for (top )?module .*: ([0-9.]+).*/\2/p' "$out/$u.stat" | tail -1)
  flops=$(awk '/^ +(DFF|SDFF|DLH|dfxtp|dfrtp|dfstp|dfbbp|DFFR|DFFS|sky130_fd_sc_hd__df)/ {n += $2} END {print n + 0}' "$out/$u.stat")
  # Black-box memories: "<name> <depth>x<width>" from the cells' parameters.
  mems=$(awk '/^ *cell \\esact_spls_mem/ {n=$3; sub(/^\\/, "", n)}
              /parameter.*\\DEPTH/ {d=$NF} /parameter.*\\WIDTH/ {w=$NF}
              /^ *end/ && n != "" {printf "%s %dx%d, ", n, d, w; bits += d*w; n=""}
              END {if (bits) printf "total %.0f bits", bits}' "$out/$u.mems")
  printf "%-18s %10s %14s %10s %s\n" "$u" "${cells:-?}" "${area:-?}" "$flops" "${mems:--}" >> "$report"
  echo "synth: $u done in $((t1 - t0)) s" >&2
done
echo >> "$report"
echo "area in the Liberty file's unit (um^2 for nangate45 and sky130); flops = flip-flop cells" >> "$report"
cat "$report"
exit $status
