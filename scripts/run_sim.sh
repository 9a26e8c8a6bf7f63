#!/usr/bin/env bash
# `make sim`: the RTL regression.  Until the layer RTL exists this runs every
# RTL co-simulation test there is against the golden model and prints a summary.
set -uo pipefail
build=${1:-build}; shift || true
cd "$build"
ctest -L rtl --output-on-failure "$@" | tee rtl_regression.log
passed=$(grep -cE 'Test +#[0-9]+: .* Passed' rtl_regression.log || true)
failed=$(grep -cE 'Test +#[0-9]+: .*(\*\*\*Failed|Exception|Timeout|Not Run)' rtl_regression.log || true)
echo "${passed} passed, ${failed} failed"
[[ "$failed" == 0 && "$passed" -gt 0 ]]
