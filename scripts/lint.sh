#!/usr/bin/env bash
# verilator --lint-only -Wall on every top-level RTL module (each file is one module;
# the package is passed first).  Waivers live in the RTL, each with a comment.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
pkg=rtl/esact_pkg.sv
for f in rtl/esact_*.sv; do
  [[ "$f" == "$pkg" ]] && continue
  top=$(basename "$f" .sv)
  if ! verilator --lint-only -Wall -Irtl "$pkg" "$f" --top-module "$top" 2>&1; then
    echo "lint: FAIL $top"; status=1
  else
    echo "lint: ok   $top"
  fi
done
exit $status
