#!/usr/bin/env bash
# One shard of the random-layer campaign (`make stress`, docs/reliability.md):
# runs sim/tools/stress.py with the settings from the environment and writes
# the shard's results to $BUILD_DIR/stress/seed-S-n-N-shard-I-of-K.jsonl
# (merge shards with `make stress-merge` or `stress.py merge FILES`).
#   STRESS_N=50 STRESS_SEED=1 SHARD=1/1 STRESS_SIZES=medium STRESS_FAULTS=0.1 \
#   STRESS_MODES=dense sim/tools/stress.sh [BUILD_DIR]
# Prints one line per case with the esact-sim command that reproduces it and
# ends with "N passed, N failed"; exits non-zero on a failure.
set -euo pipefail
build=${1:-${BUILD_DIR:-build}}
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${STRESS_N:-50}; seed=${STRESS_SEED:-1}; shard=${SHARD:-1/1}
[[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] || { echo "stress.sh: SHARD=$shard is not I/K" >&2; exit 2; }
mkdir -p "$build/stress"
out="$build/stress/seed-$seed-n-$n-shard-${BASH_REMATCH[1]}-of-${BASH_REMATCH[2]}.jsonl"
exec /usr/bin/python3 "$root/sim/tools/stress.py" run --sim "$build/sim/esact-sim" \
  --params "$build/generated/esact/params.hpp" --count "$n" --seed "$seed" --shard "$shard" \
  --sizes "${STRESS_SIZES:-medium}" --faults "${STRESS_FAULTS:-0.1}" --modes "${STRESS_MODES:-dense}" --out "$out"
