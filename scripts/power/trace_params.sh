#!/usr/bin/env bash
# The parameters of a traced instance, as its FST trace holds them (Verilator
# traces parameters; one value for the whole trace): "NAME=VALUE ..." on stdout,
# for scripts/power/synth.sh PARAMS= (the unit synthesized as it ran).
#
#   scripts/power/trace_params.sh BUILD_DIR TRACE.fst SCOPE MODULE [NAME ...]
#     SCOPE   the instance (TOP.esact_top.u_gemm)
#     MODULE  its module (esact_gemm); without NAMEs every parameter of the
#             module's header (parameter int unsigned NAME = ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
(($# >= 4)) || { echo "usage: trace_params.sh BUILD_DIR TRACE.fst SCOPE MODULE [NAME ...]" >&2; exit 2; }
build=$1 trace=$2 scope=$3 module=$4; shift 4
names="$*"
if [[ -z $names ]]; then
  f=$(grep -E "/$module\.sv$" "$root/rtl/files.txt") || { echo "trace_params: rtl/files.txt has no $module.sv" >&2; exit 2; }
  names=$(sed -nE 's/^ *parameter +int +unsigned +([A-Z_0-9]+) *=.*/\1/p' "$root/rtl/$f" | paste -sd ' ')
  [[ -n $names ]] || { echo "trace_params: no parameters found in the header of $module" >&2; exit 2; }
fi
# shellcheck disable=SC2046,SC2086
vals=$("$here/fst_tool.sh" fst_timeline "$build" "$trace" $(printf "$scope.%s " $names) | grep -v '^#') \
  || { echo "trace_params: the parameters $names of $scope are not in $trace" >&2; exit 1; }
[[ $(wc -l <<< "$vals") == 1 ]] || { echo "trace_params: the parameters of $scope change within $trace" >&2; exit 1; }
read -r -a v <<< "$vals"
out=""; i=2
for n in $names; do out+="${out:+ }$n=${v[i]}"; i=$((i + 1)); done
echo "$out"
