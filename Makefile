# ESACT: the user's face over CMake.  `make help` lists the targets.
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=
SIM_ARGS  ?=
CTEST_ARGS ?=

# Tools that must be present; scripts/setup.sh installs the Debian packages when one is missing.
REQUIRED_TOOLS := cmake verilator yosys iverilog g++
MISSING := $(strip $(foreach t,$(REQUIRED_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t))))
HAVE_DEVPKGS := $(shell test -f /usr/include/doctest/doctest.h -a -f /usr/include/CLI/CLI.hpp -a -f /usr/include/nlohmann/json.hpp -a -d /usr/include/fmt && echo yes)

.PHONY: all setup configure build sim test lint synth clean distclean help

all: build

setup:
ifneq ($(MISSING)$(if $(HAVE_DEVPKGS),,devpkgs),)
	scripts/setup.sh
endif

$(BUILD_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_ARGS)

configure: $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

## sim: build and run the RTL regression against the golden model
sim: build
	scripts/run_sim.sh $(BUILD_DIR) $(SIM_ARGS)

## test: unit and co-simulation tests (what CI runs)
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

## lint: verilator --lint-only -Wall on every RTL top
lint: | setup
	scripts/lint.sh

## synth: Yosys synthesis of the RTL units (LIBERTY=... to choose the cell library)
synth: | setup
	scripts/synth.sh

clean:
	rm -rf $(BUILD_DIR)

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
