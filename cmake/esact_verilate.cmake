# esact_verilated_lib(<target> TOP <module> SOURCES <sv...> [PREFIX <class>] [ARGS <extra verilator args...>])
# PREFIX defaults to V<module>; give distinct prefixes to link two builds of one top.
# Verilates one top module into a static library <target> that tests and the
# harness link.  Every model is built with the same reproducible options:
# unique X assignment/initialisation (randomised by +verilator+seed at run time),
# FST tracing available, and the thread count of ESACT_VERILATOR_THREADS.
# -Wall with the one commented waiver file (rtl/lint/waivers.vlt, also used by
# scripts/lint.sh): a warning fails the build.  --assert: the SVA (stream
# protocol, exclusive ports, parameter constraints) and unique/priority case
# checks run in every test and in make sim; a failing assertion prints its
# message and stops the simulation (the test or esact-sim fails).
set(ESACT_VERILATOR_WAIVERS ${CMAKE_CURRENT_LIST_DIR}/../rtl/lint/waivers.vlt)
# -fno-dfg: Verilator 5.006's DFG pass merges the 256 per-cell assigns of the MAC
# array's packed accumulator output into one chain of wide concatenations that
# rebuilds 8192 bits 256 times every cycle (VL_CONCAT_WWI, ~85% of the run time
# of esact-sim); without it each cell is a plain 32-bit store (docs/harness.md,
# simulation speed).
set(ESACT_VERILATOR_COMMON_ARGS
  -Wall --assert --x-assign unique --x-initial unique -O3 -fno-dfg
  --trace-structs
  -I${CMAKE_CURRENT_LIST_DIR}/../rtl/pkg
  ${ESACT_VERILATOR_WAIVERS})

function(esact_verilated_lib target)
  cmake_parse_arguments(V "" "TOP;PREFIX" "SOURCES;ARGS" ${ARGN})
  if(NOT V_PREFIX)
    set(V_PREFIX ${V_PREFIX})
  endif()
  add_library(${target} STATIC)
  set(threads_arg)
  if(ESACT_VERILATOR_THREADS GREATER 1)
    set(threads_arg THREADS ${ESACT_VERILATOR_THREADS})
  endif()
  verilate(${target}
    TOP_MODULE ${V_TOP}
    PREFIX ${V_PREFIX}
    SOURCES ${V_SOURCES}
    TRACE_FST
    ${threads_arg}
    VERILATOR_ARGS ${ESACT_VERILATOR_COMMON_ARGS} ${V_ARGS})
  target_compile_options(${target} PRIVATE -Wno-unused-parameter -Wno-unused-variable -w)
  if(ESACT_SANITIZE OR ESACT_FUZZ)
    # Sanitizer builds check our C++ (golden model, harness, tests), not the
    # generated model code: instrumenting it would multiply its build time, and
    # so would debug information and -O2 on it (-g0 -Os, Verilator's own choice
    # for large models; our code keeps -O2 -g).
    target_compile_options(${target} PRIVATE -fno-sanitize=all -g0 -Os)
  endif()
endfunction()
