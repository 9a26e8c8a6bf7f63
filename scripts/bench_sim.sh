#!/usr/bin/env bash
# Benchmark of the RTL simulation: cycles, MAC-array utilisation per phase and
# simulated cycles per second for a few layer shapes, with Verilator built with
# 1 thread (BUILD_DIR) and, with --threads2, also with 2 threads (a second
# build dir configured with -DESACT_VERILATOR_THREADS=2).
#
#   scripts/bench_sim.sh [BUILD_DIR] [--threads2] [--big] [--shapes "spec;spec"]
# Prints markdown tables (the source of the numbers in docs/harness.md).
set -euo pipefail
build=${1:-build-bench}; shift || true
threads2=0; big=0; shapes=""
while (($#)); do
  case "$1" in
    --threads2) threads2=1 ;;
    --big) big=1 ;;
    --shapes) shapes=$2; shift ;;
    *) echo "bench_sim.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3

if [[ -z "$shapes" ]]; then
  shapes="n=16,d=64,heads=4,ffn=256,layers=1,seed=1;n=32,d=128,heads=4,ffn=512,layers=1,seed=1;n=64,d=128,heads=4,ffn=512,layers=1,seed=1"
  if [[ $big == 1 ]]; then shapes="$shapes;n=128,d=768,heads=12,ffn=3072,layers=1,seed=1"; fi
fi

build_sim() {  # dir threads
  if [[ ! -f "$1/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$1" -G Ninja -DESACT_VERILATOR_THREADS="$2" > /dev/null
  fi
  local t0=$(date +%s)
  cmake --build "$1" --target esact-sim -j2 > "$1/bench_build.log" 2>&1
  echo "built $1/sim/esact-sim (threads $2) in $(( $(date +%s) - t0 )) s (0 s = already built)" >&2
}

run_set() {  # dir label
  local dir=$1 label=$2
  IFS=';' read -ra list <<< "$shapes"
  for spec in "${list[@]}"; do
    local js
    js=$(mktemp --suffix .json)
    "$dir/sim/esact-sim" --synthetic "$spec" --latency 16 --json "$js" --quiet > /dev/null || true
    $py - "$js" "$spec" "$label" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1])); spec = sys.argv[2]; label = sys.argv[3]
ph = {p["phase"]: p for p in j["phases"]}
def u(n):
    p = ph.get(n); return "%.0f%%" % (100 * p["utilisation"]) if p and p["cycles"] else "-"
print("| %s | %s | %s | %d | %.1f%% | %s | %s | %s | %s | %s | %s | %d | %.0f | %.1f |" % (
    spec.replace(",layers=1", "").replace(",seed=1", ""), label, "PASS" if j["pass"] else "FAIL", j["cycles"],
    100 * j["utilisation"], u("qkv"), u("qk"), u("av"), u("wo"), u("ffn1"), u("ffn2"),
    j["rd_stall"], j["sim_cycles_per_second"], j["wall_seconds"]))
EOF
    rm -f "$js"
  done
}

echo "| workload | verilator | result | cycles | MAC util | qkv | qk | av | wo | ffn1 | ffn2 | rd stall | sim cycles/s | wall s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
build_sim "$build" 1
run_set "$build" "1 thread"
if [[ $threads2 == 1 ]]; then
  build_sim "${build}-mt2" 2
  run_set "${build}-mt2" "2 threads"
fi
