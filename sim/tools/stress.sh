#!/usr/bin/env bash
# Random stress of the RTL against the golden model: random small shapes
# (N 1..40, 1..4 heads of width 8/16/24, F 16..111, 1-2 layers, post/pre-LN)
# under heavy memory back-pressure (0.5..0.8), latency 1..60, bandwidth
# 0.2..0.9 and 1..8 outstanding bursts.  Reproducible from its seed.
#   sim/tools/stress.sh [BUILD_DIR] [COUNT] [SEED]
# Prints one line per case with the esact-sim command, ends with
# "N passed, N failed", exits non-zero on a failure.
set -uo pipefail
build=${1:-build}; count=${2:-20}; RANDOM=${3:-1}
sim="$build/sim/esact-sim"
[[ -x "$sim" ]] || { echo "stress.sh: $sim not built" >&2; exit 2; }
passed=0; failed=0
for ((i = 1; i <= count; i++)); do
  n=$((1 + RANDOM % 40)); h=$((1 + RANDOM % 4)); d=$((h * (1 + RANDOM % 3) * 8))
  f=$(((1 + RANDOM % 6) * 16 + RANDOM % 16)); norm=$( ((RANDOM % 2)) && echo pre || echo post)
  spec="n=$n,d=$d,heads=$h,ffn=$f,layers=$((1 + RANDOM % 2)),norm=$norm,seed=$RANDOM"
  opts="--backpressure 0.$((5 + RANDOM % 4)) --latency $((1 + RANDOM % 60)) --bandwidth 0.$((2 + RANDOM % 8)) --outstanding $((1 + RANDOM % 8)) --seed $RANDOM"
  # shellcheck disable=SC2086
  if line=$("$sim" --synthetic "$spec" $opts --quiet 2>&1); then
    passed=$((passed + 1)); res=PASS
  else
    failed=$((failed + 1)); res=FAIL
  fi
  echo "$res $sim --synthetic $spec $opts"
  [[ $res == FAIL ]] && echo "$line" | sed -n '2,4p' | sed 's/^/     | /'
done
echo "${passed} passed, ${failed} failed"
[[ $failed == 0 ]]
