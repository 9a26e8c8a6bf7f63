#!/usr/bin/env bash
# `make sim`: the RTL regression.  Runs esact-sim (verilated esact_top against
# the golden model, every output byte compared) on a list of layer shapes,
# seeds and memory settings; one summary line per case; ends with
# "N passed, N failed" and exits non-zero on any failure.
#
#   scripts/run_sim.sh [BUILD_DIR] [--quick | --big]
#     default  small to BERT-base-sized layers (n=128, d=768, heads=12,
#              ffn=3072): a few minutes, most of it the BERT-base layer
#     --quick  only the five small cases (seconds)
#     --big    the default cases plus BERT-base at its full sequence length
#              (n=512 = N_MAX, about 19 M cycles: a few minutes more)
# SPLS cases (issue 13, "spls:" workloads) run esact-sim --mode spls (handed
# to esact-sim-spls, the SPLS model: N <= 64, D <= 128) against the golden
# SPLS layers.  The last case, "compare:", is esact-sim --compare (dense and
# SPLS on the SPLS model, each against its golden chain): its row shows the
# SPLS run, and the line under it is the kept line
# "kept K: cycles dense Cd spls Cs (..%), MACs dense Md spls Ms (..%)".
# Without esact_top (before the layer RTL existed) it ran `ctest -L rtl`; that
# fallback is kept for a build without esact-sim.
set -uo pipefail
build=${1:-build}; shift || true
quick=0; big=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --big) big=1 ;;
    *) echo "run_sim.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
sim="$build/sim/esact-sim"
py=/usr/bin/python3

if [[ ! -x "$sim" ]]; then
  echo "run_sim.sh: $sim not built (no rtl/top/esact_top.sv?): running the RTL co-simulation tests instead"
  cd "$build"
  ctest -L rtl --output-on-failure | tee rtl_regression.log
  passed=$(grep -cE 'Test +#[0-9]+: .* Passed' rtl_regression.log || true)
  failed=$(grep -cE 'Test +#[0-9]+: .*(\*\*\*Failed|Exception|Timeout|Not Run)' rtl_regression.log || true)
  echo "${passed} passed, ${failed} failed"
  [[ "$failed" == 0 && "$passed" -gt 0 ]]
  exit
fi

out="$build/sim_regression"
mkdir -p "$out"
# spec | esact-sim memory options
cases=(
  "n=4,d=32,heads=2,ffn=32,layers=1,seed=1|--latency 1"
  "n=16,d=64,heads=4,ffn=128,layers=1,seed=2|--latency 16"
  "n=16,d=64,heads=4,ffn=128,layers=1,seed=2|--latency 40 --backpressure 0.3 --seed 5"
  "n=13,d=48,heads=3,ffn=96,layers=1,norm=pre,seed=3|--latency 8 --bandwidth 0.5 --seed 6"
  "n=32,d=128,heads=4,ffn=256,layers=2,seed=4|--latency 20 --backpressure 0.5 --seed 7"
)
if [[ $quick == 0 ]]; then
  cases+=(
    "n=32,d=128,heads=8,ffn=512,layers=1,seed=5|--latency 16"
    "n=48,d=128,heads=2,ffn=512,layers=1,norm=pre,seed=7|--latency 16 --bandwidth 0.5 --backpressure 0.1 --seed 9"
    "n=64,d=256,heads=4,ffn=1024,layers=1,seed=6|--latency 30 --backpressure 0.2 --seed 8"
    "n=128,d=768,heads=12,ffn=3072,layers=1,seed=9|--latency 16"
  )
fi
if [[ $big == 1 ]]; then
  cases+=("n=512,d=768,heads=12,ffn=3072,layers=1,seed=9|--latency 16")
fi
if [[ $quick == 1 && $big == 1 ]]; then echo "run_sim.sh: --quick and --big exclude each other" >&2; exit 2; fi

# SPLS mode: similarity 0 / 0.6 / 0.9, knobs, back-pressure, pre- and post-LN,
# chains, ffn_reuse on and off.
cases+=(
  "spls:n=16,d=64,heads=4,ffn=128,layers=1,seed=2,similarity=0.0,k=6,window=0|--latency 16"
  "spls:n=32,d=64,heads=4,ffn=128,layers=1,seed=3,similarity=0.6|--latency 16 --backpressure 0.3 --seed 5"
  "spls:n=48,d=128,heads=4,ffn=256,layers=2,seed=4,similarity=0.9,k=8,window=4,threshold=16|--latency 20 --backpressure 0.2 --seed 7"
  "spls:n=29,d=96,heads=3,ffn=192,layers=2,norm=pre,seed=5,similarity=0.9,k=5,window=6,threshold=8|--latency 8 --bandwidth 0.5 --seed 6"
  "spls:n=40,d=64,heads=2,ffn=128,layers=1,seed=6,similarity=0.9,k=12,window=8,threshold=10,ffn_reuse=off|--latency 16 --backpressure 0.1 --seed 9"
)
if [[ $quick == 0 ]]; then
  cases+=("spls:n=64,d=128,heads=4,ffn=512,layers=3,seed=7,similarity=0.9|--latency 16 --backpressure 0.1 --seed 11")
fi

# The trained models of models/ (digits_vit, fortunes_bert: 4 chained layers, N = 64;
# langid_bert: 6 chained layers, N = 128, D = 128), first test sequence (langid_bert
# is committed with a sample of its test split only: docs/models.md).
for m in digits_vit fortunes_bert langid_bert; do
  if [[ -f "$root/models/$m/manifest.json" && ( -d "$root/models/$m/test" || -d "$root/models/$m/sample" ) ]]; then
    cases+=("model:$m|--latency 16 --backpressure 0.1 --seed 3")
  fi
done
# ... and in SPLS mode at their manifests' knobs, where they fit the SPLS model.
for m in digits_vit fortunes_bert; do
  if [[ -f "$root/models/$m/manifest.json" && -d "$root/models/$m/test" ]]; then
    cases+=("spls:model:$m|--latency 16 --backpressure 0.1 --seed 3")
  fi
done

# Dense vs SPLS on the same run (docs/spls-rtl.md, "--compare"): last.
cases+=("compare:n=64,d=128,heads=4,ffn=512,layers=1,seed=7,similarity=0.9|--latency 16")

passed=0; failed=0; i=0
printf '%-4s %-5s %-52s %-40s %10s %6s %10s %8s\n' "#" "res" "workload" "memory" "cycles" "util" "cyc/s" "wall"
for c in "${cases[@]}"; do
  i=$((i + 1))
  spec=${c%%|*}; opts=${c#*|}
  js="$out/case$i.json"
  bin=$sim; label=""; run=""
  if [[ $spec == spls:* ]]; then
    spec=${spec#spls:}; opts="--mode spls $opts"; label="SPLS "
  elif [[ $spec == compare:* ]]; then
    # the row shows the SPLS run of the comparison (the JSON's "spls" object)
    spec=${spec#compare:}; opts="--compare $opts"; label="compare "; run=spls
  fi
  if [[ $spec == model:* ]]; then
    m=${spec#model:}
    inp="$root/models/$m/test"; [[ -d $inp ]] || inp="$root/models/$m/sample"
    src=(--model "$root/models/$m" --input "$inp" --sequence 0)
    spec="${label}models/$m (sequence 0)"
  else
    src=(--synthetic "$spec")
    spec="$label$spec"
  fi
  # shellcheck disable=SC2086
  "$bin" "${src[@]}" $opts --json "$js" --quiet > "$out/case$i.log" 2>&1
  rc=$?
  if [[ $rc == 0 ]]; then res=PASS; passed=$((passed + 1)); else res=FAIL; failed=$((failed + 1)); fi
  if [[ -s "$js" ]]; then
    read -r cyc util cps wall < <($py -c 'import json,sys; j=json.load(open(sys.argv[1])); j=j[sys.argv[2]] if sys.argv[2] else j; print(j["cycles"], "%.1f%%" % (100*j["utilisation"]), "%.0f" % j["sim_cycles_per_second"], "%.1fs" % j["wall_seconds"])' "$js" "$run")
  else
    cyc=-; util=-; cps=-; wall=-
  fi
  printf '%-4s %-5s %-52s %-40s %10s %6s %10s %8s\n' "$i" "$res" "$spec" "$opts" "$cyc" "$util" "$cps" "$wall"
  if [[ $res == FAIL ]]; then sed 's/^/     | /' "$out/case$i.log" | head -5; fi
  if [[ -n $run && $res == PASS ]]; then echo "     $(tail -1 "$out/case$i.log")"; fi
done
echo "${passed} passed, ${failed} failed"
[[ $failed == 0 ]]
