#!/usr/bin/env bash
# CTest power_gl_resim: gate-level re-simulation as a check of synthesis.
# Synthesizes esact_top in a small configuration with the power flow's own
# scripts, builds the gate-level esact-sim-gl (the RTL's harness and CLI on the
# netlist), runs a small dense layer and a pre-LN layer and requires every output byte
# to equal the golden model's (esact-sim-gl exits 0 only then), so a Yosys
# misreading of the RTL, or a wrong cell model, fails the test.
#
#   scripts/power/gl_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: gl_test.sh BUILD_DIR}" && pwd)
out=$build/power/ctest
params=${GL_TEST_PARAMS:-"MAC_ROWS=2 MAC_COLS=16 N_MAX=16 D_MAX=64 GEMM_KC=64 GEMM_AB=64"}
mkdir -p "$out"
t0=$(date +%s)
# Re-synthesize only when the RTL, the scripts or the configuration changed.
stamp=$( (cat "$here/synth.sh"; echo "$params"; "$here/liberty.sh";
          cd "$here/../.." && scripts/rtl_files.sh | xargs cat) | sha1sum | cut -c1-16)
if [[ ! -f "$out/netlist.v" || "$(cat "$out/stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$out/obj"
  PARAMS=$params "$here/synth.sh" "$out"
  echo "$stamp" > "$out/stamp"
fi
t1=$(date +%s)
[[ -x "$out/obj/esact-sim-gl" && "$out/obj/esact-sim-gl" -nt "$out/netlist.v" ]] || "$here/gl_build.sh" "$out" "$build"
t2=$(date +%s)
sim=$out/obj/esact-sim-gl
"$sim" --synthetic "n=4,d=32,heads=2,ffn=32,layers=1,seed=3" --backpressure 0.2 --seed 2
"$sim" --synthetic "n=3,d=32,heads=4,ffn=48,layers=1,seed=5,norm=pre"
t3=$(date +%s)
echo "gl_test: synthesis $((t1 - t0)) s, gate-level build $((t2 - t1)) s, runs $((t3 - t2)) s ($params, $(basename "$("$here/liberty.sh")"))"
