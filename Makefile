# ESACT: the user's face over CMake.  `make help` lists the targets.
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=
SIM_ARGS  ?=
CTEST_ARGS ?=

# scripts/setup.sh installs the Debian packages that are missing (a no-op, well under a
# second, when everything is there).

.PHONY: all setup configure build sim sim-big sim-spls-bert bench-layer test mutate lint synth asic power power-unit power-layer power-compare clean help

all: build

setup:
	@scripts/setup.sh

$(BUILD_DIR)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_ARGS)

configure: $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

## sim: build and run the RTL regression against the golden model
sim: build
	scripts/run_sim.sh $(BUILD_DIR) $(SIM_ARGS)

## sim-big: make sim plus the BERT-base layer at n = 512 (N_MAX)
sim-big: build
	scripts/run_sim.sh $(BUILD_DIR) --big

## sim-spls-bert: build the SPLS model at the BERT-base shape (N_MAX = 128, D_MAX = 768; opt-in, not in make test) and run --compare on one BERT-base layer (SPLS_BERT_SIMILARITY=0.9; docs/spls-rtl.md)
SPLS_BERT_SIMILARITY ?= 0.9
sim-spls-bert: configure
	cmake -S . -B $(BUILD_DIR) -DESACT_SPLS_BERT=ON
	cmake --build $(BUILD_DIR) -j $(JOBS) --target esact-sim-spls-bert
	$(BUILD_DIR)/sim/esact-sim-spls-bert --compare --synthetic n=128,d=768,heads=12,ffn=3072,layers=1,seed=9,similarity=$(SPLS_BERT_SIMILARITY)

## bench-layer: per-phase table of the BERT-base layer at the default memory, read latency 64 and 2 outstanding bursts
bench-layer: build
	scripts/bench_layer.py --build $(BUILD_DIR) $(BENCH_ARGS)

## test: unit and co-simulation tests (what CI runs)
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

## mutate: can each SPLS fault test fail?  Each RTL mutation of scripts/mutations/spls_faults.txt linted, built in
##   a copy of the tree ($(BUILD_DIR)/mutate, -O1) and its test case run: killed / SURVIVED / INVALID (does not
##   lint) (MUTATE_ARGS=--only NAME,...; docs/reliability.md)
MUTATE_ARGS ?=
mutate:
	nice -n 5 /usr/bin/python3 scripts/mutate.py --build-dir $(BUILD_DIR) --jobs $(JOBS) $(MUTATE_ARGS)

## lint: verilator --lint-only -Wall on every RTL top
lint: | setup
	scripts/lint.sh

## synth: Yosys synthesis of the RTL units (LIBERTY=... to choose the cell library)
synth: | setup
	scripts/synth.sh

## asic: Yosys + OpenSTA timing and power of esact_top (LIBERTY=, PERIOD_NS=, ACTIVITY=, ASIC_PARAMS=)
asic: | setup
	BUILD_DIR=$(BUILD_DIR) scripts/asic.sh

## power: gate-level toggle-based power per unit (LIBERTY=, POWER_PARAMS=, PERIOD_NS=, WORKLOAD=, MODE=, WINDOW=; docs/power.md)
power: build
	BUILD_DIR=$(BUILD_DIR) scripts/power/run.sh

## power-unit: one unit's gate-level netlist replayed with the RTL run's port traffic (UNIT=, ROWS=, SLICES=, LIBERTY=, PERIOD_NS=, WORKLOAD=, WINDOW_START=, WINDOW=; docs/power.md)
power-unit: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target esact-sim
	BUILD_DIR=$(BUILD_DIR) scripts/power/unit_power.sh

## power-layer: energy of a layer per unit (replayed units x phase cycles + SRAMs), pJ/MAC, TOPS/W (WORKLOAD=, MODE=, SIM=, UNITS=, SLICES=, LIBERTY=, PERIOD_NS=, WINDOW=, LEAD=, GEMM_WINDOW=; docs/power.md)
power-layer: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target esact-sim
	BUILD_DIR=$(BUILD_DIR) scripts/power/layer_power.sh

## power-compare: dense vs SPLS energy of two power-layer runs of one workload (DENSE_DIR=, SPLS_DIR=, COMPARE_ARGS=; docs/power.md)
power-compare:
	/usr/bin/python3 scripts/power/layer.py compare --dense $(DENSE_DIR) --spls $(SPLS_DIR) --out $(SPLS_DIR)/compare $(COMPARE_ARGS)

clean:
	rm -rf $(BUILD_DIR)

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'

# --- models (issue 5): trained models, quantizer, accuracy evaluation (docs/models.md) ---
.PHONY: models model-langid eval calibrate finetune
PY3 := /usr/bin/python3
## models: train the two demo encoders (torch, seeded) and compile them into models/ (INT8 + test split)
models:
	scripts/setup.sh --with-models
	$(PY3) scripts/models/train_digits.py --out models/digits_vit --float-dir $(BUILD_DIR)/models
	$(PY3) scripts/models/train_fortunes.py --out models/fortunes_bert --float-dir $(BUILD_DIR)/models
## model-langid: train the larger text encoder (language of 128-word passages; N=128 D=128 H=4 F=256, 6 post-LN layers) into $(BUILD_DIR)/models/langid_bert (docs/models.md)
##   then publish_model.py: models/langid_bert = weights, manifest (LANGID_KNOBS on every layer), record and a
##   4-sequence sample of the test split; then calibrate.py: per-layer knobs chosen on val (LANGID_CAL_OPTS, docs/models.md)
LANGID_KNOBS ?= k=16,window=8,threshold=16,ffn_reuse=on
model-langid: configure
	scripts/setup.sh --with-models
	$(PY3) scripts/models/train_langid.py --out $(BUILD_DIR)/models/langid_bert --float-dir $(BUILD_DIR)/models
	cmake --build $(BUILD_DIR) --target esact-eval -j $(JOBS)
	$(PY3) scripts/models/publish_model.py $(BUILD_DIR)/models/langid_bert models/langid_bert --sample 4 \
	  --eval $(BUILD_DIR)/golden/esact-eval --knobs $(LANGID_KNOBS)
	$(PY3) scripts/models/calibrate.py --eval $(BUILD_DIR)/golden/esact-eval --model models/langid_bert --budget $(BUDGET) \
	  --splits-dir $(BUILD_DIR)/models $(LANGID_CAL_OPTS)
## eval: SPLS sweep of models/ through the golden model (esact-eval): docs/img/spls_sweep.png, docs/models_sweep.md,
##   the result tables of docs/models.md; langid_bert's full splits from $(BUILD_DIR)/models/langid_bert (make model-langid);
##   the uniform grid on the first EVAL_GRID_SEQS sequences of each split, EVAL_OPTS=--quick for the 15-setting grid
EVAL_GRID_SEQS ?= 500
EVAL_OPTS ?=
eval: configure
	cmake --build $(BUILD_DIR) --target esact-eval -j $(JOBS)
	$(PY3) scripts/models/sweep.py --eval $(BUILD_DIR)/golden/esact-eval --out $(BUILD_DIR)/models \
	  --grid-max-seqs $(EVAL_GRID_SEQS) $(EVAL_OPTS)
## calibrate: per-layer SPLS knobs chosen on each model's val split within BUDGET points (default 1), written into the manifests
##   (langid_bert: LANGID_CAL_OPTS, on the first 300 sequences of its val split in $(BUILD_DIR)/models/langid_bert; docs/models.md)
BUDGET ?= 1.0
LANGID_CAL_OPTS ?= --quick --max-seqs 300 --no-sensitivity --upgrades 2 --rounds 4
calibrate: configure
	cmake --build $(BUILD_DIR) --target esact-eval -j $(JOBS)
	for m in digits_vit fortunes_bert; do \
	  $(PY3) scripts/models/calibrate.py --eval $(BUILD_DIR)/golden/esact-eval --model models/$$m --budget $(BUDGET) || exit 1; done
	$(PY3) scripts/models/calibrate.py --eval $(BUILD_DIR)/golden/esact-eval --model models/langid_bert --budget $(BUDGET) \
	  --splits-dir $(BUILD_DIR)/models $(LANGID_CAL_OPTS)
## finetune: SPLS-aware fine-tuning with the calibrated knobs, re-quantized into $(BUILD_DIR)/models/*_ft (after make models)
FT_EPOCHS ?= 3
finetune: configure
	cmake --build $(BUILD_DIR) --target esact-eval -j $(JOBS)
	$(PY3) scripts/models/finetune_spls.py --task digits --state $(BUILD_DIR)/models/digits_vit.pt \
	  --knobs-from models/digits_vit --out $(BUILD_DIR)/models/digits_vit_ft --float-dir $(BUILD_DIR)/models --epochs $(FT_EPOCHS) \
	  --eval $(BUILD_DIR)/golden/esact-eval
	$(PY3) scripts/models/finetune_spls.py --task fortunes --state $(BUILD_DIR)/models/fortunes_bert.pt \
	  --knobs-from models/fortunes_bert --out $(BUILD_DIR)/models/fortunes_bert_ft --float-dir $(BUILD_DIR)/models --epochs $(FT_EPOCHS) \
	  --eval $(BUILD_DIR)/golden/esact-eval

# --- reliability (issue 10, docs/reliability.md) ---
.PHONY: stress stress-merge stress-parallel sanitize fuzz
STRESS_N      ?= 50
STRESS_SEED   ?= 1
SHARD         ?= 1/1
STRESS_SIZES  ?= medium
STRESS_FAULTS ?= 0.1
STRESS_MODES  ?= dense
STRESS_HOSTS  ?= sim/tools/hosts.local
STRESS_SHARDS ?= 2
STRESS_ENV = STRESS_N=$(STRESS_N) STRESS_SEED=$(STRESS_SEED) STRESS_SIZES=$(STRESS_SIZES) \
             STRESS_FAULTS=$(STRESS_FAULTS) STRESS_MODES=$(STRESS_MODES)
## stress: random-layer campaign, one shard (STRESS_N= STRESS_SEED= SHARD=i/k STRESS_SIZES=small|medium|full STRESS_FAULTS= STRESS_MODES=)
stress: configure
	cmake --build $(BUILD_DIR) --target esact-sim -j $(JOBS)
	$(STRESS_ENV) SHARD=$(SHARD) sim/tools/stress.sh $(BUILD_DIR)
## stress-merge: one summary over the shard result files of STRESS_N/STRESS_SEED
stress-merge:
	$(PY3) sim/tools/stress.py merge $(BUILD_DIR)/stress/seed-$(STRESS_SEED)-n-$(STRESS_N)-shard-*.jsonl
## stress-parallel: the campaign in STRESS_SHARDS shards over the hosts of STRESS_HOSTS (GNU parallel --sshloginfile)
stress-parallel: configure
	scripts/setup.sh --with-reliability
	cmake --build $(BUILD_DIR) --target esact-sim -j $(JOBS)
	$(STRESS_ENV) sim/tools/stress_parallel.sh $(BUILD_DIR) $(STRESS_HOSTS) $(STRESS_SHARDS)

SAN_BUILD_DIR  ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 600
FUZZ_TARGETS   ?= npy manifest inputs text
## sanitize: ASan+UBSan build of the golden model, harness and tests in $(SAN_BUILD_DIR); runs the non-Verilator tests and small co-simulations
sanitize: | setup
	scripts/sanitize.sh $(SAN_BUILD_DIR)
## fuzz: libFuzzer campaigns (clang), FUZZ_SECONDS per target of FUZZ_TARGETS, in $(FUZZ_BUILD_DIR)
fuzz:
	scripts/setup.sh --with-reliability
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BUILD_DIR) $(FUZZ_TARGETS)
