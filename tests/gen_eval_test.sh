#!/usr/bin/env bash
# End-to-end checks of `cashmatch gen` and `cashmatch eval`. Each check says
# what it proves. Figures are not asserted here (they move with the matcher;
# tests/eval_test.cc checks how they are computed).
# Usage: gen_eval_test.sh CASHMATCH_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
GENERATED=$SRC/datasets/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check NAME COMMAND...: counts a pass or names the failure
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name" >&2; fi
}
run() {  # run EXPECTED_EXIT OUTFILE ARGS...
  local want=$1 out=$2
  shift 2
  "$BIN" "$@" >"$out" 2>&1
  local got=$?
  [ "$got" -eq "$want" ] || { echo "exit $got, wanted $want: cashmatch $*" >&2; sed 's/^/    /' "$out" >&2; return 1; }
}
has() { grep -qF -- "$2" "$1" || { echo "'$1' lacks: $2" >&2; sed 's/^/    /' "$1" >&2; return 1; }; }
lacks() { ! grep -qF -- "$2" "$1" || { echo "'$1' has: $2" >&2; return 1; }; }

# --- usage errors are exit 2 with a message naming the option -----------
check "gen without --out is a usage error" run 2 "$TMP/o" gen --customers 1 --invoices 1 --payments 1 --seed 1
check "gen names the missing option" has "$TMP/o" "--out"
check "gen refuses an unknown profile" run 2 "$TMP/o" gen --out "$TMP/x" --customers 1 --invoices 1 --payments 1 --seed 1 --profile odd
check "gen refuses fewer invoices than customers" run 2 "$TMP/o" gen --out "$TMP/x" --customers 9 --invoices 3 --payments 1 --seed 1
check "gen says why" has "$TMP/o" "--invoices must be at least --customers"
check "gen refuses --days 0" run 2 "$TMP/o" gen --out "$TMP/x" --customers 1 --invoices 1 --payments 1 --seed 1 --days 0
check "gen refuses an unknown --format" run 2 "$TMP/o" gen --out "$TMP/x" --customers 1 --invoices 1 --payments 1 --seed 1 --format mt940
check "gen refuses a bad --first-day" run 2 "$TMP/o" gen --out "$TMP/x" --customers 1 --invoices 1 --payments 1 --seed 1 --first-day 2026-02-30
check "eval without --truth is a usage error" run 2 "$TMP/o" eval --db "$TMP/db"
check "eval refuses an unknown format" run 2 "$TMP/o" eval --db "$TMP/db" --truth t --format xml
check "eval of a missing answer key is bad input" run 1 "$TMP/o" eval --db "$TMP/db" --truth "$TMP/none.ndjson"

# --- the checked-in portfolio is exactly what gen makes from its arguments
read -r -a args <"$GENERATED/gen-args.txt"
check "gen regenerates datasets/generated" run 0 "$TMP/o" gen --out "$TMP/gen" "${args[@]}"
same_files() {
  local f
  for f in customers.csv invoices.csv truth.ndjson files.txt $(cat "$GENERATED/files.txt"); do
    cmp -s "$GENERATED/$f" "$TMP/gen/$f" || { echo "differs: $f (regenerate datasets/generated)" >&2; return 1; }
  done
}
check "datasets/generated is up to date with the generator" same_files

# --- every generated file is accepted by load and apply as-is ----------
check "load takes the generated book" run 0 "$TMP/o" load --db "$TMP/db" --customers "$TMP/gen/customers.csv" \
  --invoices "$TMP/gen/invoices.csv"
mapfile -t files < <(sed "s|^|$TMP/gen/|" "$TMP/gen/files.txt")
check "apply takes every settlement file" run 0 "$TMP/apply" apply --db "$TMP/db" "${files[@]}"
check "apply warns about nothing" lacks "$TMP/apply" "warning"
check "the ledger balances" run 0 "$TMP/o" verify --db "$TMP/db"
check "eval reports as a table" run 0 "$TMP/o" eval --db "$TMP/db" --truth "$TMP/gen/truth.ndjson"
check "the table has precision" has "$TMP/o" "precision (right / made)"
check "the table has per-scenario outcomes" has "$TMP/o" "exact_reference"
check "eval reports as JSON" run 0 "$TMP/j" eval --db "$TMP/db" --truth "$TMP/gen/truth.ndjson" --format json
check "every payment of the key reached the ledger" has "$TMP/j" '"truth_payments":300,"ledger_payments":300,"unexpected_payments":0,"missing_payments":0'
# Half of its BAI2 payments are in US bank conventions (ORIG CO NAME/ORIG ID,
# RMR segments, Fedwire ORG/OBI/IMAD, lockbox CHECK NO/REMITTER/MICR): all
# of them go to the invoices of the answer key, none to review.
check "every allocation is right (US bank text in BAI2 included)" has "$TMP/j" '"precision":1.000000,"recall":1.000000'
check "every matchable payment went straight through" has "$TMP/j" '"straight_through_rate":1.000000'

# --- eval scores another matcher's allocations CSV (the SQL baseline's form)
first=$(head -1 "$TMP/gen/truth.ndjson")
pid=$(sed -E 's/.*"payment_id":"([^"]*)".*/\1/' <<<"$first")
inv=$(sed -E 's/.*"allocations":\[\{"invoice_id":"([^"]*)","amount":([0-9]+).*/\1/' <<<"$first")
amt=$(sed -E 's/.*"allocations":\[\{"invoice_id":"([^"]*)","amount":([0-9]+).*/\2/' <<<"$first")
printf 'payment_id,invoice_id,amount_minor\n%s,%s,%s\nP-none,,0\n' "$pid" "$inv" "$amt" >"$TMP/alloc.csv"
check "eval --allocations scores a CSV" run 0 "$TMP/j" eval --allocations "$TMP/alloc.csv" --truth "$TMP/gen/truth.ndjson" --format json
check "one allocation made, and right" has "$TMP/j" '"allocations_made":1,"allocations_right":1'
check "eval refuses --db with --allocations" run 2 "$TMP/o" eval --db "$TMP/db" --allocations "$TMP/alloc.csv" --truth t
check "eval needs --db or --allocations" run 2 "$TMP/o" eval --truth "$TMP/gen/truth.ndjson"

# --- a bigger, messier portfolio over several days also goes in -------
check "gen messy" run 0 "$TMP/o" gen --out "$TMP/m" --customers 200 --invoices 3000 --payments 1500 --seed 9 \
  --profile messy --days 3 --stripe-payout-size 25
check "load messy" run 0 "$TMP/o" load --db "$TMP/mdb" --customers "$TMP/m/customers.csv" --invoices "$TMP/m/invoices.csv"
mapfile -t files < <(sed "s|^|$TMP/m/|" "$TMP/m/files.txt")
check "apply messy" run 0 "$TMP/apply" apply --db "$TMP/mdb" "${files[@]}"
check "apply messy warns about nothing" lacks "$TMP/apply" "warning"
check "messy ledger balances" run 0 "$TMP/o" verify --db "$TMP/mdb"
check "eval messy" run 0 "$TMP/j" eval --db "$TMP/mdb" --truth "$TMP/m/truth.ndjson" --format json
check "every messy payment reached the ledger" has "$TMP/j" '"missing_payments":0'

# --- the same messy day with every bank payment in BAI2 (--format) also goes
# in, every payment of its key reaches the ledger, and eval names causes.
check "gen messy --format bai2" run 0 "$TMP/o" gen --out "$TMP/mb" --customers 200 --invoices 3000 --payments 1500 \
  --seed 9 --profile messy --days 3 --stripe-payout-size 25 --format bai2
check "--format bai2 writes no camt" lacks "$TMP/mb/files.txt" "camt"
check "load messy bai2" run 0 "$TMP/o" load --db "$TMP/mbdb" --customers "$TMP/mb/customers.csv" --invoices "$TMP/mb/invoices.csv"
mapfile -t bfiles < <(sed "s|^|$TMP/mb/|" "$TMP/mb/files.txt")
check "apply messy bai2" run 0 "$TMP/apply" apply --db "$TMP/mbdb" "${bfiles[@]}"
check "apply messy bai2 warns about nothing" lacks "$TMP/apply" "warning"
check "eval messy bai2" run 0 "$TMP/j" eval --db "$TMP/mbdb" --truth "$TMP/mb/truth.ndjson" --format json
check "every messy bai2 payment reached the ledger" has "$TMP/j" '"missing_payments":0'
check "eval reports wrong applications by cause" has "$TMP/j" '"wrong_applications_by_cause":{'

# --- issue 4, scenario 11: the same messy portfolio with 1 and 2 threads --
# (the run above used all cores): byte-identical exports.
check "load messy again" run 0 "$TMP/o" load --db "$TMP/mdb1" --customers "$TMP/m/customers.csv" --invoices "$TMP/m/invoices.csv"
check "apply messy on one thread" run 0 "$TMP/apply" apply --db "$TMP/mdb1" --threads 1 "${files[@]}"
"$BIN" export --db "$TMP/mdb" >"$TMP/export-n.ndjson"
"$BIN" export --db "$TMP/mdb1" >"$TMP/export-1.ndjson"
check "1-thread and N-thread exports are identical" cmp -s "$TMP/export-n.ndjson" "$TMP/export-1.ndjson"

echo "gen/eval CLI: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
