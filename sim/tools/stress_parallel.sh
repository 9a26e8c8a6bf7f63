#!/usr/bin/env bash
# The random-layer campaign spread over hosts with GNU parallel
# (`make stress-parallel`, docs/reliability.md):
#   STRESS_N=1000 STRESS_SEED=1 sim/tools/stress_parallel.sh BUILD_DIR HOSTS_FILE SHARDS
# HOSTS_FILE is a GNU parallel --sshloginfile: one host per line, e.g.
# "4/user@node1" (4 jobs there); ":" is this machine without ssh.  Every host
# needs the checkout and BUILD_DIR at the same path (a shared file system, or
# the same commit built on each): each shard runs in that folder and its
# result file is fetched back (--return).  Then the shards are merged into one
# summary that ends with "N passed, N failed".
set -euo pipefail
build=${1:?BUILD_DIR}; hosts=${2:?HOSTS_FILE}; shards=${3:?SHARDS}
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${STRESS_N:-50}; seed=${STRESS_SEED:-1}
command -v parallel >/dev/null || { echo "stress_parallel.sh: GNU parallel missing (scripts/setup.sh --with-reliability)" >&2; exit 2; }
cd "$root"
mkdir -p "$build/stress"
rm -f "$build/stress/seed-$seed-n-$n-shard-"*"-of-$shards.jsonl"
# One job per shard; a failing shard does not stop the others (--halt never).
parallel --sshloginfile "$hosts" --workdir "$root" --halt never --line-buffer --tag \
  --return "$build/stress/seed-$seed-n-$n-shard-{}-of-$shards.jsonl" \
  "STRESS_N=$n STRESS_SEED=$seed SHARD={}/$shards STRESS_SIZES=${STRESS_SIZES:-medium} \
   STRESS_FAULTS=${STRESS_FAULTS:-0.1} STRESS_MODES=${STRESS_MODES:-dense} sim/tools/stress.sh $build > /dev/null" \
  ::: $(seq 1 "$shards") || true
exec /usr/bin/python3 sim/tools/stress.py merge "$build/stress/seed-$seed-n-$n-shard-"*"-of-$shards.jsonl"
