#!/usr/bin/env bash
# Print the RTL files of rtl/files.txt (the one RTL file list), one per line,
# relative to the repository root, packages first.
#   scripts/rtl_files.sh [--exclude PATTERN]...   drop files whose path matches a glob
#   scripts/rtl_files.sh --yosys [--lib NAME]...  a Yosys read script: every file with
#                                                 read_verilog -sv, NAME.sv as -lib (black box)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list=$root/rtl/files.txt
excl=(); libs=(); yosys=0
while (($#)); do
  case "$1" in
    --exclude) excl+=("$2"); shift 2 ;;
    --lib) libs+=("$2"); shift 2 ;;
    --yosys) yosys=1; shift ;;
    *) echo "rtl_files.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
first=1
while IFS= read -r line; do
  line=${line%%#*}; line=${line//[[:space:]]/}
  [[ -z "$line" ]] && continue
  f=rtl/$line
  [[ -f "$root/$f" ]] || { echo "rtl_files.sh: rtl/files.txt names $line, which does not exist" >&2; exit 1; }
  skip=0
  for p in "${excl[@]}"; do [[ "$f" == $p ]] && skip=1; done
  ((skip)) && continue
  if ((yosys)); then
    lib=""
    for l in "${libs[@]}"; do [[ "$(basename "$f" .sv)" == "$l" ]] && lib=" -lib"; done
    ((first)) || printf '; '
    printf 'read_verilog -sv%s %s' "$lib" "$f"
    first=0
  else
    echo "$f"
  fi
done < "$list"
((yosys)) && echo
exit 0
