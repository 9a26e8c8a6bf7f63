#!/usr/bin/env bash
# Install the Debian packages this project needs, only those that are missing.
# Idempotent: a second run does nothing.  Usage: scripts/setup.sh [--with-models]
#   (default)      what `make sim` and `make test` need; python3-torch is in it because
#                  the exporter test (tests/models) runs a PyTorch encoder
#   --with-models  also python3-sklearn and the fortunes packages (the data `make models` and
#                  `make model-langid` train on), and OpenBLAS: with Debian's default reference
#                  BLAS numpy's float64 matmuls ran 8x slower here (the model scripts' float
#                  forward and integer pipeline are matmul-bound)
#   --with-reliability  also clang (libFuzzer, `make fuzz`) and GNU parallel (`make stress-parallel`)
set -euo pipefail

core=(build-essential cmake ninja-build pkg-config ccache verilator libfmt-dev doctest-dev
      libcli11-dev nlohmann-json3-dev zlib1g-dev yosys opensta iverilog gtkwave qflow-tech-osu018
      python3-numpy python3-matplotlib python3-torch)
models=(python3-sklearn libopenblas0-pthread fortunes-min fortunes fortunes-de fortunes-es fortunes-it fortunes-pl fortunes-cs)
reliability=(clang parallel)

want=("${core[@]}")
if [[ "${1:-}" == "--with-models" ]]; then want+=("${models[@]}"); fi
if [[ "${1:-}" == "--with-reliability" ]]; then want+=("${reliability[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
