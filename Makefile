# Thin wrapper over CMake: the README's commands. Everything real lives in CMake.
JOBS        ?= 2
BUILD       ?= build/release
ASAN_BUILD  ?= build/asan
TSAN_BUILD  ?= build/tsan
DEMO_DB     ?= build/demo-ledger
CASHMATCH    = $(BUILD)/tools/cashmatch
SAMPLE       = datasets/sample
GENERATED    = datasets/generated

FUZZ_SECONDS ?= 20
SOAK_MINUTES ?= 30
# Colours in compiler output only when a person is watching: CI logs stay plain.
COLOR       := $(shell [ -t 1 ] && echo ON || echo OFF)
CONFIGURE    = cmake -G Ninja -DCMAKE_COLOR_DIAGNOSTICS=$(COLOR)
MAKEFLAGS   += --no-print-directory

.PHONY: deps configure build demo test test-asan test-tsan fuzz soak bench format clean

deps:
	@tools/install-deps

configure: deps
	@$(CONFIGURE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The demo needs only the CLI: the tests and benchmarks are not built for it.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target cashmatch
	@tools/demo.sh $(CASHMATCH) $(SAMPLE) $(DEMO_DB) $(GENERATED)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: deps
	@$(CONFIGURE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCASHMATCH_BUILD_BENCH=OFF \
	  "-DCASHMATCH_SANITIZE=address;undefined" >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# ThreadSanitizer over the code that runs on several threads: the matcher's
# parallel stages (MatchTest runs 1 vs 2 threads) and the CLI runs with
# --threads 2 (cli_end_to_end, gen_eval_cli).
TSAN_TESTS ?= MatchTest|cli_end_to_end|gen_eval_cli
test-tsan: deps
	@$(CONFIGURE) -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASHMATCH_BUILD_BENCH=OFF \
	  -DCASHMATCH_SANITIZE=thread >/dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target cashmatch_tests cashmatch cashmatch_ledger_tamper
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tools/tsan.supp" \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

fuzz: deps
	tools/fuzz.sh $(FUZZ_SECONDS)

# The stateful test (tests/stateful_test.cc, from a clock seed, longer
# sequences) and fuzz_pipeline side by side, one core each, for SOAK_MINUTES
# of wall time in total; fails on any finding of either. The stateful test
# prints its seeds: CASHMATCH_STATEFUL_SEED=N reruns one.
soak: deps
	@$(CONFIGURE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target cashmatch_tests cashmatch
	@seconds=$$(( $(SOAK_MINUTES) * 60 )); \
	CASHMATCH_STATEFUL_SECONDS=$$seconds CASHMATCH_STATEFUL_STEPS=200 CASHMATCH_STATEFUL_FIRST_SEED=$$(date +%s) \
	  $(BUILD)/tests/cashmatch_tests --gtest_filter='Stateful.*' & stateful=$$!; \
	tools/fuzz.sh $$seconds fuzz_pipeline & fuzz=$$!; \
	status=0; wait $$stateful || status=1; wait $$fuzz || status=1; \
	if [ $$status -ne 0 ]; then echo "soak: FINDING (see above)" >&2; exit 1; fi; \
	echo "soak: $(SOAK_MINUTES) minutes without a finding"

bench: build
	$(BUILD)/bench/cashmatch_bench --benchmark_min_time=0.2

# The house layout (.clang-format), applied to every C++ file.
format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
