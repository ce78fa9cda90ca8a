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
check "apply reports counts" has "$TMP/apply" "9 payments, 7 applied, 2 exceptions, 0 duplicates"
"$BIN" export --db "$DB" >"$TMP/export.ndjson"
check "export equals the golden file" diff -u "$GOLDEN/sample_export.ndjson" "$TMP/export.ndjson"
check "summary runs" run 0 "$TMP/summary" report --db "$DB" summary
check "summary has USD totals" has "$TMP/summary" "347718.02"
check "summary json runs" run 0 "$TMP/summary.json" report --db "$DB" summary --format json
check "summary json has applied total" has "$TMP/summary.json" '"applied":"273929.50"'

# --- idempotent replay ----------------------------------------------------
check "replay exits 0" run 0 "$TMP/replay" apply --db "$DB" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson"
check "replay says nothing changed" has "$TMP/replay" "already applied"
"$BIN" export --db "$DB" >"$TMP/export2.ndjson"
check "replay changed no event" cmp -s "$TMP/export.ndjson" "$TMP/export2.ndjson"
"$BIN" export --db "$DB" --since 42 >"$TMP/tail.ndjson"
check "export --since 42 gives the last two events" test "$(wc -l <"$TMP/tail.ndjson")" -eq 2

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
check "report on a missing ledger exits 4" run 4 "$TMP/o" report --db "$TMP/none" summary
# A mistyped --db must not start an empty ledger: only load and init create one.
check "apply on a missing ledger exits 4" run 4 "$TMP/o" apply --db "$TMP/typo" "$SAMPLE/payments-2026-11-23.ndjson"
check "apply on a missing ledger says how to create one" has "$TMP/o" "no ledger at $TMP/typo (create one with \`cashmatch load\` or \`cashmatch init\`)"
check "apply on a missing ledger creates nothing" test ! -e "$TMP/typo"
check "release on a missing ledger exits 4" run 4 "$TMP/o" release --db "$TMP/typo"
check "init creates an empty ledger" run 0 "$TMP/o" init --db "$TMP/fresh"
check "an initialized ledger verifies" run 0 "$TMP/o" verify --db "$TMP/fresh"

# --- verify, reports, follow ---------------------------------------------
check "verify passes on the sample" run 0 "$TMP/verify" verify --db "$DB"
check "verify shows the balance" has "$TMP/verify" "USD: received 347718.02 = applied 273929.50"
check "aging report" run 0 "$TMP/aging" report --db "$DB" aging --as-of 2026-12-15 --format csv
check "aging: Acme's usage invoice is 31-60 days late" has "$TMP/aging" "C-ACME,USD,0.00,12500.00,48210.75,0.00,0.00,60710.75,2"
check "exceptions report" run 0 "$TMP/exc" report --db "$DB" exceptions --format csv
check "review queue starts with the largest amount" test "$(sed -n 2p "$TMP/exc" | cut -d, -f1-3)" = "USD,12500.00,P-2026112301"
check "invoice trail" run 0 "$TMP/trail" report --db "$DB" invoice I-1001
check "invoice trail shows the rejected second payment" has "$TMP/trail" "invoice_not_open"
check "payment trail of an unknown id exits 1" run 1 "$TMP/o" report --db "$DB" payment NOPE
check "unknown id is named" has "$TMP/o" "no payment 'NOPE'"
check "customer trail as json" run 0 "$TMP/cust" report --db "$DB" --format json customer C-STARK
check "dso report" run 0 "$TMP/dso" report --db "$DB" dso --from 2026-10-01 --to 2026-11-30
check "dso states its formula" has "$TMP/dso" "DSO = AR(end) / sales * days"
check "dso with a bad date exits 1" run 1 "$TMP/o" report --db "$DB" dso --from 2026-10-01 --to 2026-11-31
check "unapplied report" run 0 "$TMP/o" report --db "$DB" unapplied
check "dso --help states the formula" run 0 "$TMP/o" report dso --help
check "dso --help has DSO" has "$TMP/o" "DSO = AR(to) / sales * days"

# export --follow tails a commit made after it started, then stops at --until-seq.
DB3=$TMP/ledger3
"$BIN" load --db "$DB3" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
"$BIN" apply --db "$DB3" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson" >/dev/null 2>&1
"$BIN" export --db "$DB3" --follow --poll-ms 20 --until-seq 44 >"$TMP/follow.ndjson" 2>"$TMP/follow.err" &
follower=$!
sleep 0.3
"$BIN" apply --db "$DB3" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-24.ndjson" >/dev/null 2>&1
for _ in $(seq 100); do kill -0 $follower 2>/dev/null || break; sleep 0.05; done
if kill -0 $follower 2>/dev/null; then kill $follower; fi
wait $follower
check "follow exits 0 at --until-seq" test $? -eq 0
check "follow saw all 44 events" test "$(wc -l <"$TMP/follow.ndjson")" -eq 44
check "follow output equals a plain export" cmp -s "$TMP/follow.ndjson" "$TMP/export.ndjson"

# Account numbers never appear in clear in events, reports or logs.
leaks=$( { "$BIN" export --db "$DB"; "$BIN" report --db "$DB" payment P-2026112301; \
           "$BIN" report --db "$DB" customer C-ACME; cat "$DB"/LOG* 2>/dev/null; } | grep -c "4455667788")
check "no account number in clear in export, reports or the RocksDB log" test "$leaks" -eq 0
check "payment trail shows only the mask" sh -c "'$BIN' report --db '$DB' payment P-2026112301 | grep -q '\*\*\*\*7788'"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
