#!/usr/bin/env bash
# Build (when missing or older than its source) and run fst_mem_access: the
# read/write cycles of every 1R1W memory in an FST trace of esact-sim
# (scripts/power/fst_mem_access.cpp; docs/power.md, "SRAM energy").
#
#   scripts/power/fst_mem_access.sh BUILD_DIR TRACE.fst   -> JSON on stdout
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../sim/src" && pwd)  # fst_hier.hpp
build=${1:?usage: fst_mem_access.sh BUILD_DIR TRACE.fst}
trace=${2:?usage: fst_mem_access.sh BUILD_DIR TRACE.fst}
tool=$build/power/tools/fst_mem_access
if [[ ! -x $tool || $tool -ot $here/fst_mem_access.cpp || $tool -ot $src/fst_hier.hpp ]]; then
  v=$(verilator --getenv VERILATOR_ROOT)/include
  g=$v/gtkwave
  mkdir -p "$(dirname "$tool")"
  g++ -O2 -std=c++20 -w -I"$v" -I"$g" -I"$src" -DFST_CONFIG_INCLUDE='"fst_config.h"' "$here/fst_mem_access.cpp" \
    "$g/fstapi.c" "$g/lz4.c" "$g/fastlz.c" -lz -lpthread -o "$tool.tmp"
  mv "$tool.tmp" "$tool"
fi
exec "$tool" "$trace"
