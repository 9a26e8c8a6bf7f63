#!/usr/bin/env bash
# CTest: a fixed-seed slice of the random-layer campaign (6 small cases, half
# with an injected fault) run as 2 shards, then merged; checks the merged
# summary and that a failing case would print its reproducing command.
#   stress_slice.sh ESACT_SIM PARAMS_HPP OUT_PARENT
# The work files go to a private folder below OUT_PARENT (mktemp): two runs of
# the test at once (two ctest or make test in one build folder) must not delete
# or interleave each other's shard files.  It is removed when the test passes
# and kept (its name is printed) when it fails.
set -uo pipefail
sim=$1; params=$2; parent=$3
py=/usr/bin/python3
stress="$(cd "$(dirname "$0")/../.." && pwd)/sim/tools/stress.py"
mkdir -p "$parent" && out=$(mktemp -d "$parent/slice.XXXXXX") || exit 1
fail() { echo "stress slice: $*; work files kept in $out"; exit 1; }
for s in 1 2; do
  $py "$stress" run --sim "$sim" --params "$params" --count 6 --seed 2026 --shard $s/2 --sizes small \
    --faults 0.5 --out "$out/shard$s.jsonl" || fail "shard $s/2 failed"
done
summary=$($py "$stress" merge "$out/shard1.jsonl" "$out/shard2.jsonl") || { echo "$summary"; fail "merge failed"; }
echo "$summary"
[[ $(tail -1 <<<"$summary") == "6 passed, 0 failed" ]] || fail "the merged summary is not 6 passed, 0 failed"
grep -q -- '--fault' "$out"/shard*.jsonl || fail "no fault case in the slice"
# A shard missing from the merge is a failure, not a smaller success.
if $py "$stress" merge "$out/shard1.jsonl" > "$out/partial.txt"; then fail "merge of one shard passed"; fi
grep -q "missing cases" "$out/partial.txt" || fail "merge of one shard did not name the missing cases"
# --first: the complete first cases of a campaign stopped early (shard 1 alone has case 0 only).
[[ $($py "$stress" merge --first 1 "$out/shard1.jsonl" | tail -1) == "1 passed, 0 failed" ]] || fail "merge --first 1"
# A damaged result file is an error naming the file, not a traceback.
{ head -2 "$out/shard1.jsonl"; echo '{"index": 4, "pass'; } > "$out/damaged.jsonl"
$py "$stress" merge "$out/damaged.jsonl" > "$out/damaged.txt" 2>&1 && fail "merge of a damaged file passed"
grep -q "damaged.jsonl line 3: not a JSON result line" "$out/damaged.txt" || fail "damaged file: $(cat "$out/damaged.txt")"
# A failing case prints its command: a stand-in simulator that always fails.
printf '#!/bin/sh\necho "FAIL: stand-in"; exit 1\n' > "$out/fail_sim"; chmod +x "$out/fail_sim"
$py "$stress" run --sim "$out/fail_sim" --params "$params" --count 1 --seed 7 --sizes small > "$out/fail.txt" &&
  fail "a failing simulator passed"
grep -q "^FAIL case 0 .*fail_sim --synthetic" "$out/fail.txt" && grep -q "^0 passed, 1 failed$" "$out/fail.txt" ||
  fail "the failing case's command or summary is missing"
rm -rf "$out"
