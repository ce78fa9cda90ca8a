#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time,
# seeded with the real files of tests/corpus (the repository's copy, see its
# SOURCES.md) and, for NDJSON, the sample portfolio; fuzz_pipeline applies
# what it generates to a small ledger, seeded with all of them. A crash leaves its input in
# build/fuzz/crashes/ and fails the run; turn it into a regression test.
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]   (default 20, all)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
ALL="fuzz_ndjson fuzz_bai2 fuzz_camt fuzz_stripe_json fuzz_stripe_csv fuzz_nacha fuzz_mt940 fuzz_pipeline"
TARGETS=${*:2}
TARGETS=${TARGETS:-$ALL}
BUILD=build/fuzz
CORPUS=tests/corpus
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCASHMATCH_FUZZ=ON >/dev/null
# shellcheck disable=SC2086 # TARGETS is a list of names
cmake --build "$BUILD" -j 2 --target $TARGETS
mkdir -p "$BUILD/crashes"
# Leak checks stay on; tools/lsan.supp names the one false positive (glibc's
# thread_local bookkeeping caught mid-exit) and why.
export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
run() {  # run TARGET SEED_DIR...
  local target=$1
  shift
  case " $TARGETS " in *" $target "*) ;; *) return 0 ;; esac
  local work="$BUILD/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s" >&2
  "$BUILD/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$BUILD/crashes/$target-" -print_final_stats=0 "$work" "$@" 2>"$BUILD/$target.log" \
    || { tail -40 "$BUILD/$target.log" >&2; echo "fuzz: $target FAILED" >&2; return 1; }
  grep -E "^#[0-9]+ *DONE" "$BUILD/$target.log" | tail -1 >&2 || true
}
run fuzz_ndjson datasets/sample
run fuzz_bai2 "$CORPUS/bai2"
run fuzz_camt "$CORPUS/camt053" "$CORPUS/camt054"
run fuzz_stripe_json "$CORPUS/stripe"
run fuzz_nacha "$CORPUS/nacha"
run fuzz_mt940 "$CORPUS/mt940"
run fuzz_stripe_csv datasets/sample
# The pipeline target takes every format: seed it with all of them.
run fuzz_pipeline datasets/sample "$CORPUS/bai2" "$CORPUS/camt053" "$CORPUS/camt054" "$CORPUS/stripe" \
  "$CORPUS/nacha" "$CORPUS/mt940"
echo "fuzz: $TARGETS ran ${SECONDS_PER_TARGET}s each without a finding" >&2
