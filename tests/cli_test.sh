#!/usr/bin/env bash
# End-to-end checks of the cashmatch CLI. Each check says what it proves.
# Usage: cli_test.sh CASHMATCH_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
SAMPLE=$SRC/datasets/sample
GOLDEN=$SRC/tests/golden
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

# run EXPECTED_EXIT OUTFILE ARGS...: runs the CLI, keeps stdout+stderr.
run() {
  local want=$1 out=$2
  shift 2
  "$BIN" "$@" >"$out" 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "exit $got, wanted $want: cashmatch $*" >&2
    sed 's/^/    /' "$out" >&2
    return 1
  fi
}
has() { grep -qF -- "$2" "$1" || { echo "'$1' lacks: $2" >&2; sed 's/^/    /' "$1" >&2; return 1; }; }

# --- usage and help -----------------------------------------------------
check "help exits 0" run 0 "$TMP/o" --help
for sub in load apply export report; do
  check "$sub --help exits 0" run 0 "$TMP/o" $sub --help
done
check "no subcommand is a usage error (2)" run 2 "$TMP/o"
check "unknown option is a usage error (2)" run 2 "$TMP/o" apply --db "$TMP/x" --bogus f

# --- the sample portfolio: golden export ---------------------------------
DB=$TMP/ledger
check "load sample" run 0 "$TMP/load" load --db "$DB" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv"
check "load says what it loaded" has "$TMP/load" "loaded 8 customers and 15 invoices"
check "apply sample" run 0 "$TMP/apply" apply --db "$DB" --policy "$SAMPLE/policy.toml" --threads 1 \
  "$SAMPLE/payments-2026-11-23.ndjson" "$SAMPLE/payments-2026-11-24.ndjson"
check "apply reports counts" has "$TMP/apply" "9 payments, 4 applied, 5 exceptions, 0 duplicates"
"$BIN" export --db "$DB" >"$TMP/export.ndjson"
check "export equals the golden file" diff -u "$GOLDEN/sample_export.ndjson" "$TMP/export.ndjson"
check "summary runs" run 0 "$TMP/summary" report --db "$DB" summary
check "summary has USD totals" has "$TMP/summary" "347718.02"
check "summary json runs" run 0 "$TMP/summary.json" report --db "$DB" summary --format json
check "summary json has applied total" has "$TMP/summary.json" '"applied":"267150.50"'

# --- idempotent replay ----------------------------------------------------
check "replay exits 0" run 0 "$TMP/replay" apply --db "$DB" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson"
check "replay says nothing changed" has "$TMP/replay" "already applied"
"$BIN" export --db "$DB" >"$TMP/export2.ndjson"
check "replay changed no event" cmp -s "$TMP/export.ndjson" "$TMP/export2.ndjson"
"$BIN" export --db "$DB" --since 38 >"$TMP/tail.ndjson"
check "export --since 38 gives the last two events" test "$(wc -l <"$TMP/tail.ndjson")" -eq 2

# --- same input, same ledger, at any thread count -------------------------
DB2=$TMP/ledger2
"$BIN" load --db "$DB2" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
"$BIN" apply --db "$DB2" --policy "$SAMPLE/policy.toml" --threads 2 \
  "$SAMPLE/payments-2026-11-23.ndjson" "$SAMPLE/payments-2026-11-24.ndjson" >/dev/null 2>&1
"$BIN" export --db "$DB2" >"$TMP/export-2threads.ndjson"
check "2 threads export identical to 1 thread" cmp -s "$TMP/export.ndjson" "$TMP/export-2threads.ndjson"

# --- bad input: named file, line and field; exit 1; nothing committed ------
before=$("$BIN" export --db "$DB" | wc -l)
check "missing payment file exits 1" run 1 "$TMP/o" apply --db "$DB" "$TMP/nope.ndjson"
check "missing file is named" has "$TMP/o" "$TMP/nope.ndjson: cannot open file"
printf '%s\n' '{"payment_id":"X1","amount":"5.00","currency":"USD","value_date":"2026-11-24"}' \
  '{"payment_id":"X2","amount":"5.00","currency":"USD","value_date":"2026-11-31"}' >"$TMP/bad.ndjson"
check "bad date exits 1" run 1 "$TMP/o" apply --db "$DB" "$TMP/bad.ndjson"
check "bad date names file, line and field" has "$TMP/o" "bad.ndjson:2: field 'value_date'"
check "bad batch committed nothing" test "$("$BIN" export --db "$DB" | wc -l)" -eq "$before"
printf '%s\n' 'invoice_id,number,customer_id,currency,amount_total' 'I1,N1,C-ACME,USD,1.00' >"$TMP/inv.csv"
check "missing column exits 1" run 1 "$TMP/o" load --db "$DB" --invoices "$TMP/inv.csv"
check "missing column is named" has "$TMP/o" "inv.csv:1: missing required column 'due_date'"
printf '%s\n' '[thresholds]' 'auto_apply = 2' >"$TMP/policy.toml"
check "bad policy exits 1" run 1 "$TMP/o" apply --db "$DB" --policy "$TMP/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson"
check "bad policy names the key" has "$TMP/o" "key 'thresholds.auto_apply'"
mkdir -p "$TMP/foreign" && echo hello >"$TMP/foreign/file.txt"
check "foreign directory exits 4" run 4 "$TMP/o" load --db "$TMP/foreign" --customers "$SAMPLE/customers.csv"
check "report on a missing ledger exits 1" run 1 "$TMP/o" report --db "$TMP/none" summary

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
