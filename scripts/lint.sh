#!/usr/bin/env bash
# verilator --lint-only -Wall on every RTL module of rtl/files.txt (one module per
# file; the whole list is passed so that each module sees its submodules and the
# packages).  Every waiver is in rtl/lint/waivers.vlt, each with a comment (the
# verilated builds use the same file).  Also run by `make test` (CTest "lint").
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
mapfile -t files < <(scripts/rtl_files.sh)
for f in "${files[@]}"; do
  [[ "$f" == rtl/pkg/* ]] && continue
  top=$(basename "$f" .sv)
  if ! verilator --lint-only -Wall -Irtl/pkg rtl/lint/waivers.vlt "${files[@]}" --top-module "$top" 2>&1; then
    echo "lint: FAIL $top"; status=1
  else
    echo "lint: ok   $top"
  fi
done
exit $status
