#!/usr/bin/env bash
# ASan + UBSan run (`make sanitize`, docs/reliability.md "Sanitizers").
#   scripts/sanitize.sh [BUILD_DIR]     (default build-asan)
#   SAN_COSIM=0 scripts/sanitize.sh     only the non-Verilator part (no esact_top build)
# Configures BUILD_DIR with -DESACT_SANITIZE=ON, builds the golden model, the
# CLIs, the harness and the tests, and runs every non-Verilator test (label
# golden: core, files, CLIs, reliability, fuzz corpora) plus the small
# co-simulations: the whole-layer cosim tests (small shapes, chains, pre-LN,
# back-pressure), the fault and CSR tests, the trace/activity test, the AXI
# memory model and image packer, esact-sim's option, output and fault checks,
# and the fixed-seed stress slice (esact-sim on 6 small random layers).  The
# verilated model code itself is not instrumented (cmake/esact_verilate.cmake);
# everything that drives it is.  Any sanitizer report fails the test it happens
# in (halt_on_error; UBSan is built with -fno-sanitize-recover).
set -uo pipefail
build=${1:-build-asan}
root=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESACT_SANITIZE=ON >/dev/null || exit 2
targets=(esact-golden esact-eval test_golden_core test_golden_ext test_reliability
         fuzz_replay_npy fuzz_replay_manifest fuzz_replay_inputs fuzz_replay_text)
cosim=(esact-sim test_reliability_sim test_cosim_layer test_cosim_faults test_cosim_trace
       test_cosim_axi_mem test_cosim_image)
[[ ${SAN_COSIM:-1} == 1 ]] && targets+=("${cosim[@]}")
nice -n 10 cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}" || exit 2
cd "$build"
# label golden: every non-Verilator C++ test (core, files, CLIs, reliability, fuzz corpora).
nice -n 10 ctest --output-on-failure -L golden
rc=$?
if [[ ${SAN_COSIM:-1} == 1 ]]; then
  # The small co-simulations and the tests that drive esact-sim (one at a time:
  # instrumented code is slower and the stress slice has its own time budget).
  nice -n 10 ctest --output-on-failure -R '^cosim|^csr:|^axi mem|^image:|^esact-sim|^stress campaign' || rc=1
fi
exit $rc
