#!/usr/bin/env bash
# libFuzzer campaigns (`make fuzz`, docs/reliability.md "Fuzzing").
#   FUZZ_SECONDS=600 scripts/fuzz.sh [BUILD_DIR] [TARGET...]     targets: npy manifest inputs text
# Builds the fuzz targets with clang (-DESACT_FUZZ=ON: libFuzzer + ASan + UBSan)
# in BUILD_DIR (default build-fuzz), then runs each for FUZZ_SECONDS on a copy
# of its seed corpus tests/fuzz/corpus/<target> (new inputs stay in
# BUILD_DIR/corpus/<target>).  A crash, hang (> 10 s per input), leak or
# sanitizer report stops that target and leaves the input in
# BUILD_DIR/artifacts/<target>/; copy it into tests/fuzz/corpus/<target>/ as
# crash-<what> so CTest replays it from then on.  Prints one line per target
# and ends with "N passed, N failed".
set -uo pipefail
build=${1:-build-fuzz}; shift || true
targets=("$@"); ((${#targets[@]})) || targets=(npy manifest inputs text)
secs=${FUZZ_SECONDS:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ missing (scripts/setup.sh --with-reliability)" >&2; exit 2; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DESACT_FUZZ=ON >/dev/null || exit 2
cmake --build "$build" --target "${targets[@]/#/fuzz_}" || exit 2
passed=0; failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"; art="$build/artifacts/$t/"; log="$build/fuzz_$t.log"
  mkdir -p "$corpus" "$art"
  cp -n "$root/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  t0=$(date +%s)
  nice -n 15 "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$art" "$corpus" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  found=$(find "$art" -type f | wc -l)
  line="fuzz_$t: $(( $(date +%s) - t0 )) s, $runs inputs, corpus $(find "$corpus" -type f | wc -l) files, $found crash/hang/leak artifacts (log $log)"
  if [[ $rc == 0 && $found == 0 ]]; then passed=$((passed + 1)); echo "PASS $line"
  else failed=$((failed + 1)); echo "FAIL $line"; grep -m3 -E 'ERROR|SUMMARY|Sanitizer' "$log" | sed 's/^/     | /'; fi
done
echo "${passed} passed, ${failed} failed"
[[ $failed == 0 ]]
