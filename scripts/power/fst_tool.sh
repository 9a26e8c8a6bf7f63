#!/usr/bin/env bash
# Build (when missing or older than its source) and run one of the power flow's
# FST readers, scripts/power/TOOL.cpp, with Verilator's copy of fstapi:
#   fst_mem_access TRACE.fst            the read/write cycles of every 1R1W memory in the
#                                       trace, JSON on stdout (docs/power.md, "SRAM energy")
#   fst_timeline TRACE.fst SIGNAL...    the runs of cycles in which the signals keep their
#                                       values (the phase timeline of make power-layer)
#
#   scripts/power/fst_tool.sh TOOL BUILD_DIR ARGS...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../sim/src" && pwd)  # fst_hier.hpp
name=${1:?usage: fst_tool.sh TOOL BUILD_DIR ARGS...}
build=${2:?usage: fst_tool.sh TOOL BUILD_DIR ARGS...}
shift 2
[[ -f $here/$name.cpp ]] || { echo "fst_tool: no scripts/power/$name.cpp" >&2; exit 2; }
tool=$build/power/tools/$name
if [[ ! -x $tool || $tool -ot $here/$name.cpp || $tool -ot $src/fst_hier.hpp ]]; then
  v=$(verilator --getenv VERILATOR_ROOT)/include
  g=$v/gtkwave
  mkdir -p "$(dirname "$tool")"
  g++ -O2 -std=c++20 -w -I"$v" -I"$g" -I"$src" -DFST_CONFIG_INCLUDE='"fst_config.h"' "$here/$name.cpp" \
    "$g/fstapi.c" "$g/lz4.c" "$g/fastlz.c" -lz -lpthread -o "$tool.tmp"
  mv "$tool.tmp" "$tool"
fi
exec "$tool" "$@"
