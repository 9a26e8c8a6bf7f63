#!/usr/bin/env bash
# Power flow step 2: the gate-level esact-sim.  Verilates the flat netlist of
# scripts/power/synth.sh with the Liberty cell models and the behavioural
# esact_sram (the black boxes of the netlist), and links it with the SAME host
# driver as the RTL (sim/src/harness.cpp, compiled against Vesact_gl) and the
# same CLI (sim/src/esact_sim_main.cpp).  Per-net toggle counting is on
# (--coverage-toggle; esact-sim-gl --toggle-window N).
#
#   scripts/power/gl_build.sh NETLIST_DIR BUILD_DIR   -> NETLIST_DIR/obj/esact-sim-gl
#
# BUILD_DIR is the CMake build (make build) whose libraries it links
# (golden model, memory model).  Verilator 5.006 mis-simulates Yosys gate
# netlists without -fno-const-bit-op-tree (docs/power.md), so it is always on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=$(cd "${1:?usage: gl_build.sh NETLIST_DIR BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: gl_build.sh NETLIST_DIR BUILD_DIR}" && pwd)
for f in "$dir/netlist.v" "$dir/cells.v"; do [[ -f $f ]] || { echo "power/gl_build: $f missing (run scripts/power/synth.sh)" >&2; exit 2; }; done
for f in "$build/golden/libesact_golden.a" "$build/sim/libesact_axi_mem.a" "$build/generated/esact/params.hpp"; do
  [[ -f $f ]] || { echo "power/gl_build: $f missing (run make build first)" >&2; exit 2; }
done
vinc=$(dirname "$(verilator --getenv VERILATOR_ROOT)/include/verilated.h")
jobs=${JOBS:-2}
t0=$(date +%s)
# The sim sources compiled into the gate-level binary; fstapi for fst_tools
# (reading traces), since the gate-level model itself is built without tracing.
srcs=("$root/sim/src/harness.cpp" "$root/sim/src/fst_tools.cpp" "$root/sim/src/esact_sim_main.cpp" "$root/sim/src/compare.cpp"
      "$vinc/gtkwave/fstapi.c" "$vinc/gtkwave/lz4.c" "$vinc/gtkwave/fastlz.c")
# -O1 on the model's generated C++ (-CFLAGS): it compiles several times faster
# than -O3 at a small cost in run speed.  Never Verilator's own -O1: it turns
# every -f optimisation back on, -fconst-bit-op-tree included, when it comes
# after -fno-const-bit-op-tree (found by the CTest power_gl_replay).
verilator --cc --exe --build -j "$jobs" --top-module esact_top --prefix Vesact_gl -Mdir "$dir/obj" \
  -Wno-fatal -Wno-lint -Wno-style -Wno-MULTIDRIVEN -fno-const-bit-op-tree \
  --x-assign unique --x-initial unique --coverage-toggle --coverage-underscore --coverage-max-width 1000000 \
  --output-split 20000 \
  -CFLAGS "-std=c++20 -O1 -I$root/sim/include -I$root/golden/include -I$build/generated -I$vinc/gtkwave -DFST_CONFIG_INCLUDE='\"fst_config.h\"' -DESACT_VTOP=Vesact_gl -DESACT_NO_TRACE -DESACT_TOGGLE_COVERAGE -DESACT_VTOP_HEADER='\"Vesact_gl.h\"'" \
  -LDFLAGS "$build/sim/libesact_axi_mem.a $build/golden/libesact_golden.a -lfmt -lz -lpthread" \
  -o esact-sim-gl \
  "$dir/netlist.v" "$dir/cells.v" "$root/rtl/common/esact_sram.sv" "${srcs[@]}" > "$dir/gl_build.log" 2>&1 \
  || { tail -30 "$dir/gl_build.log" >&2; echo "power/gl_build: failed, see $dir/gl_build.log" >&2; exit 1; }
echo $(( $(date +%s) - t0 )) > "$dir/gl_build_seconds"
echo "power/gl_build: $dir/obj/esact-sim-gl in $(cat "$dir/gl_build_seconds") s" >&2
