#!/usr/bin/env bash
# CTest power_mem_counts: the memories' own access counters (esact_sram and,
# since session 9, the SPLS front end's esact_spls_mem: simulation-only
# counters read by esact-sim --json "srams") checked against the accesses
# counted independently from a trace of the run (scripts/power/fst_mem_access.cpp),
# as `make power-layer FE_SRAMS=1` does (docs/power.md, "SRAM energy").
#
#   1. esact-sim-spls (RTL, golden-checked) runs a small SPLS layer, traced whole.
#   2. fst_mem_access counts the read/write cycles of every 1R1W memory in the trace.
#   3. The trace must hold exactly the memories that count themselves, and
#      power.sram_energy (what layer.py report calls) requires every trace count
#      to equal the memory's own counters; at least MIN_FE of them must be the
#      front end's, read and written; every geometry must be in the CACTI table.
#   4. The check must be able to fail: the same run traced from cycle TRIM on
#      only (a trace that misses accesses) must be refused by the same check.
#
#   scripts/power/mem_count_check.sh BUILD_DIR     (outputs in BUILD_DIR/power/mem_count_check)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: mem_count_check.sh BUILD_DIR}" && pwd)
out=$build/power/mem_count_check
sim=$build/sim/esact-sim-spls
workload=(--synthetic "n=16,d=64,heads=2,ffn=64,layers=1,seed=3,similarity=0.9" --mode spls)
min_fe=${MIN_FE:-10}
trim=${TRIM:-3000}
[[ -x $sim ]] || { echo "mem_count_check: $sim missing (build esact-sim-spls first)" >&2; exit 2; }
mkdir -p "$out"
log() { echo "mem_count_check: $*"; }
fail() { echo "mem_count_check: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)

# $1: name, the rest: extra esact-sim options.  Leaves $out/$1.json (run) and $out/$1.mem.json (counts).
traced_run() {
  local name=$1; shift
  "$sim" "${workload[@]}" --json "$out/$name.json" --trace "$out/$name.fst" "$@" > "$out/$name.txt" 2>&1 \
    || { cat "$out/$name.txt" >&2; fail "the RTL run ($name) failed"; }
  "$here/fst_tool.sh" fst_mem_access "$build" "$out/$name.fst" > "$out/$name.mem.json"
  rm -f "$out/$name.fst" "$out/$name.fst.gtkw"
}

# $1: name.  power.sram_energy with the trace counts; prints its summary, fails like it.
check_counts() {
  /usr/bin/python3 - "$here" "$out/$1.json" "$out/$1.mem.json" "$root/data/power/sram_energy.json" "$min_fe" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import power
run_json, mem_json, table, min_fe = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
run = json.load(open(run_json))
if not run["pass"]:
    power.fail(f"{run_json}: the RTL run did not pass its golden check")
own = {s["instance"] for s in run["srams"]}
traced = {m["instance"] for m in json.load(open(mem_json))["srams"]}
if own != traced:
    power.fail(f"memories counting themselves but not in the trace: {sorted(own - traced)}; in the trace but "
               f"without counters: {sorted(traced - own)}")
sr = power.sram_energy(run_json, table, "nangate45", run["cycles"] * 5e-9, mem_json)  # exits on a difference
fe = [i for i in sr["instances"] if i["unit"] == "SPLS front end"]
busy = [i for i in fe if i["reads"] > 0 and i["writes"] > 0]
if len(busy) < min_fe:
    power.fail(f"{len(busy)} front end memories read and written, at least {min_fe} expected")
print(f"{len(own)} memories: the trace counts equal their own counters, {len(fe)} of them the SPLS front end's "
      f"({len(busy)} read and written: {sum(i['reads'] for i in fe)} reads, {sum(i['writes'] for i in fe)} "
      f"writes); {sr['technology']} SRAM energy {sum(i['energy_j'] for i in sr['instances']) * 1e9:.3f} nJ")
PY
}

traced_run whole
log "$(check_counts whole)" || fail "the counts of the whole trace"
traced_run trimmed --trace-start "$trim"
if msg=$(check_counts trimmed 2>&1); then
  fail "a trace from cycle $trim on passed the check: $msg"
fi
log "a trace from cycle $trim on is refused: ${msg#power.py: }"
log "PASS ($(( $(date +%s) - t0 )) s)"
