#!/usr/bin/env bash
# CTest: a fixed-seed slice of the random-layer campaign (6 small cases, half
# with an injected fault) run as 2 shards, then merged; checks the merged
# summary and that a failing case would print its reproducing command.
#   stress_slice.sh ESACT_SIM PARAMS_HPP OUT_DIR
set -uo pipefail
sim=$1; params=$2; out=$3
py=/usr/bin/python3
stress="$(cd "$(dirname "$0")/../.." && pwd)/sim/tools/stress.py"
rm -rf "$out"; mkdir -p "$out"
for s in 1 2; do
  $py "$stress" run --sim "$sim" --params "$params" --count 6 --seed 2026 --shard $s/2 --sizes small \
    --faults 0.5 --out "$out/shard$s.jsonl" || exit 1
done
summary=$($py "$stress" merge "$out/shard1.jsonl" "$out/shard2.jsonl") || { echo "$summary"; exit 1; }
echo "$summary"
[[ $(tail -1 <<<"$summary") == "6 passed, 0 failed" ]] || exit 1
grep -q -- '--fault' "$out"/shard*.jsonl || { echo "no fault case in the slice"; exit 1; }
# A shard missing from the merge is a failure, not a smaller success.
if $py "$stress" merge "$out/shard1.jsonl" > "$out/partial.txt"; then echo "merge of one shard passed"; exit 1; fi
grep -q "missing cases" "$out/partial.txt" || exit 1
# --first: the complete first cases of a campaign stopped early (shard 1 alone has case 0 only).
[[ $($py "$stress" merge --first 1 "$out/shard1.jsonl" | tail -1) == "1 passed, 0 failed" ]] || exit 1
# A failing case prints its command: a stand-in simulator that always fails.
printf '#!/bin/sh\necho "FAIL: stand-in"; exit 1\n' > "$out/fail_sim"; chmod +x "$out/fail_sim"
$py "$stress" run --sim "$out/fail_sim" --params "$params" --count 1 --seed 7 --sizes small > "$out/fail.txt" && exit 1
grep -q "^FAIL case 0 .*fail_sim --synthetic" "$out/fail.txt" && grep -q "^0 passed, 1 failed$" "$out/fail.txt"
