#!/usr/bin/env bash
# End-to-end checks of the cashmatch CLI. Each check says what it proves.
# Usage: cli_test.sh CASHMATCH_BINARY SOURCE_DIR TAMPER_BINARY
# (TAMPER_BINARY: tests/ledger_tamper.cc, which writes one raw ledger key)
set -uo pipefail
BIN=$1
SRC=$2
TAMPER=$3
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
check "apply reports counts" has "$TMP/apply" "9 payments, 7 applied, 2 exceptions, 0 duplicates, 0 returns (0 reversed), 0 released, 0 payouts (0 linked)"
"$BIN" export --db "$DB" >"$TMP/export.ndjson"
check "export equals the golden file" diff -u "$GOLDEN/sample_export.ndjson" "$TMP/export.ndjson"
check "summary runs" run 0 "$TMP/summary" report --db "$DB" summary
check "summary table groups thousands" has "$TMP/summary" "347,718.02"
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

# --- a file applied in chunks: a line per chunk, then the file's line --------
DBC=$TMP/ledger-chunks
"$BIN" load --db "$DBC" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
check "apply in chunks of 4 exits 0" run 0 "$TMP/chunks" apply --db "$DBC" --policy "$SAMPLE/policy.toml" \
  --chunk-payments 4 "$SAMPLE/payments-2026-11-23.ndjson"
check "apply in chunks says each chunk" has "$TMP/chunks" "chunk 2 of 3: batch b-"
check "apply in chunks says how the file went in" has "$TMP/chunks" "applied in 3 chunks of up to 4 payments"
check "apply in chunks counts the whole file" has "$TMP/chunks" "9 payments,"
check "a chunked file applied again changes nothing" run 0 "$TMP/chunks2" apply --db "$DBC" --chunk-payments 4 \
  "$SAMPLE/payments-2026-11-23.ndjson"
check "a chunked file applied again is already applied" has "$TMP/chunks2" "already applied"
check "--chunk-payments must be a number" run 2 "$TMP/o" apply --db "$DBC" --chunk-payments lots \
  "$SAMPLE/payments-2026-11-23.ndjson"

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
check "aging: Acme's usage invoice is 31-60 days late" has "$TMP/aging" "C-ACME,Acme Corp.,USD,0.00,12500.00,48210.75,0.00,0.00,60710.75,2"
check "exceptions report" run 0 "$TMP/exc" report --db "$DB" exceptions --format csv
check "review queue starts with the largest amount" test "$(sed -n 2p "$TMP/exc" | cut -d, -f1-3)" = "USD,12500.00,P-2026112301"
check "invoice trail" run 0 "$TMP/trail" report --db "$DB" invoice I-1001
check "invoice trail shows the rejected second payment" has "$TMP/trail" "invoice_not_open"
check "payment trail of an unknown id exits 1" run 1 "$TMP/o" report --db "$DB" payment NOPE
check "unknown id is named" has "$TMP/o" "no payment 'NOPE'"
check "customer trail as json" run 0 "$TMP/cust" report --db "$DB" --format json customer C-STARK
check "dso report" run 0 "$TMP/dso" report --db "$DB" dso --from 2026-10-01 --to 2026-11-30
check "dso states its formula" has "$TMP/dso" "DSO = AR(end) / sales * days"
check "dso with a bad date is a usage error (2)" run 2 "$TMP/o" report --db "$DB" dso --from 2026-10-01 --to 2026-11-31
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

# --- options after the subcommand name work as before it (issue 11) ------
check "report --db before the report name" run 0 "$TMP/exc-before" report --db "$DB" exceptions
check "report --db after the report name" run 0 "$TMP/exc-after" report exceptions --db "$DB"
check "both orders print the same" cmp -s "$TMP/exc-before" "$TMP/exc-after"
check "report --format after the name" run 0 "$TMP/o" report summary --db "$DB" --format json
check "... is json" has "$TMP/o" '"applied":"273929.50"'
check "report --format before the name" run 0 "$TMP/o" report --format csv --db "$DB" summary
check "... is csv" has "$TMP/o" "currency,payments,received"
check "apply: files before the options" run 0 "$TMP/o" apply "$SAMPLE/payments-2026-11-23.ndjson" --db "$DB" --policy "$SAMPLE/policy.toml"
check "--quiet before any subcommand" run 0 "$TMP/o" --quiet verify --db "$DB"
check "--quiet after the subcommand" run 0 "$TMP/o" verify --db "$DB" --quiet
check "--quiet after a report name" run 0 "$TMP/o" report aging --as-of 2026-12-15 --quiet --db "$DB"
check "--quiet after export" run 0 "$TMP/o" export --db "$DB" --until-seq 1 --quiet
check "--quiet after release" run 0 "$TMP/o" release --db "$DB" --quiet
check "--quiet after load" run 0 "$TMP/o" load --db "$DB" --customers "$SAMPLE/customers.csv" --quiet

# --- --version, and every exit code from every command that can give it ---
version=$(sed -n 's/^project(cashmatch VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
check "--version exits 0" run 0 "$TMP/o" --version
check "--version prints the CMake project version" test "$(cat "$TMP/o")" = "cashmatch $version"
FOREIGN=$TMP/foreign
NOTDIR=$TMP/plain-file && echo hello >"$NOTDIR"
: >"$TMP/truth.ndjson"
for db in "$FOREIGN" "$NOTDIR"; do
  check "load: not a ledger exits 4 ($db)" run 4 "$TMP/o" load --db "$db" --customers "$SAMPLE/customers.csv"
  check "apply: not a ledger exits 4 ($db)" run 4 "$TMP/o" apply --db "$db" "$SAMPLE/payments-2026-11-23.ndjson"
  check "release: not a ledger exits 4 ($db)" run 4 "$TMP/o" release --db "$db"
  check "export: not a ledger exits 4 ($db)" run 4 "$TMP/o" export --db "$db"
  check "verify: not a ledger exits 4 ($db)" run 4 "$TMP/o" verify --db "$db"
  for r in summary exceptions unapplied; do
    check "report $r: not a ledger exits 4 ($db)" run 4 "$TMP/o" report "$r" --db "$db"
  done
  check "report invoice: not a ledger exits 4 ($db)" run 4 "$TMP/o" report invoice I-1001 --db "$db"
  check "eval: not a ledger exits 4 ($db)" run 4 "$TMP/o" eval --db "$db" --truth "$TMP/truth.ndjson"
done
check "not a ledger is named" has "$TMP/o" "is not a cashmatch ledger"
check "foreign directory left untouched" test "$(ls "$FOREIGN")" = "file.txt"
check "init: a directory that is not a ledger exits 4" run 4 "$TMP/o" init --db "$FOREIGN"
check "init: a plain file exits 4" run 4 "$TMP/o" init --db "$NOTDIR"
# A missing ledger for readers is 4 too (only load and init create one).
for cmd in "export --db $TMP/none" "verify --db $TMP/none" "report summary --db $TMP/none"; do
  # shellcheck disable=SC2086
  check "$cmd: a missing ledger is exit 4" run 4 "$TMP/o" $cmd
done
check "release: a bad policy exits 1" run 1 "$TMP/o" release --db "$DB" --policy "$TMP/policy.toml"
check "eval: a missing truth file exits 1" run 1 "$TMP/o" eval --db "$DB" --truth "$TMP/none.ndjson"
# Malformed option values are usage errors (2), whatever the command.
check "apply --threads abc is 2" run 2 "$TMP/o" apply --db "$DB" --threads abc "$SAMPLE/payments-2026-11-23.ndjson"
check "apply --threads -1 is 2" run 2 "$TMP/o" apply --db "$DB" --threads -1 "$SAMPLE/payments-2026-11-23.ndjson"
check "export --since -3 is 2" run 2 "$TMP/o" export --db "$DB" --since -3
check "export --since abc is 2" run 2 "$TMP/o" export --db "$DB" --since abc
check "export --poll-ms x is 2" run 2 "$TMP/o" export --db "$DB" --poll-ms x
check "report aging --as-of 2026-13-01 is 2" run 2 "$TMP/o" report aging --db "$DB" --as-of 2026-13-01
check "report cei --to tomorrow is 2" run 2 "$TMP/o" report cei --db "$DB" --from 2026-10-01 --to tomorrow
check "report --format xml is 2" run 2 "$TMP/o" report summary --db "$DB" --format xml
check "load without --db is 2" run 2 "$TMP/o" load --customers "$SAMPLE/customers.csv"
check "release --bogus is 2" run 2 "$TMP/o" release --db "$DB" --bogus
check "verify with an extra argument is 2" run 2 "$TMP/o" verify --db "$DB" extra
check "gen --first-day 2026-02-30 is 2" run 2 "$TMP/o" gen --out "$TMP/g" --customers 1 --invoices 1 --payments 0 --seed 1 --first-day 2026-02-30
check "eval --format xml is 2" run 2 "$TMP/o" eval --db "$DB" --truth x --format xml
# A writer holds the ledger: other writers get 3, readers still read.
mkfifo "$TMP/fifo"
"$BIN" apply --db "$DB" "$TMP/fifo" >"$TMP/writer.out" 2>&1 &
writer=$!
# The writer opens the ledger, then blocks opening the FIFO: wait for that
# (probing with another writer could take the lock first and make it fail).
for _ in $(seq 200); do
  [ "$(cat /proc/$writer/wchan 2>/dev/null)" = wait_for_partner ] && break
  sleep 0.05
done
check "load beside a writer exits 3" run 3 "$TMP/o" load --db "$DB" --customers "$SAMPLE/customers.csv"
check "apply beside a writer exits 3" run 3 "$TMP/o" apply --db "$DB" "$SAMPLE/payments-2026-11-23.ndjson"
check "release beside a writer exits 3" run 3 "$TMP/o" release --db "$DB"
check "init beside a writer exits 3" run 3 "$TMP/o" init --db "$DB"
check "verify beside a writer exits 0" run 0 "$TMP/o" verify --db "$DB"
check "report beside a writer exits 0" run 0 "$TMP/o" report summary --db "$DB"
timeout 10 sh -c ": >'$TMP/fifo'" || kill $writer 2>/dev/null
wait $writer
# An I/O error is 5: the rejects file cannot be written.
printf '%s\n' '{"payment_id":"R1","amount":"5.00","currency":"USD","value_date":"2026-11-24"}' \
  '{"payment_id":"R2","amount":"oops","currency":"USD","value_date":"2026-11-24","payer_account":"021000021-4455667788"}' >"$TMP/rej.ndjson"
check "apply: an unwritable rejects file exits 5" run 5 "$TMP/o" apply --db "$DB" --skip-bad-records --rejects "$TMP/no/such/dir/r.ndjson" "$TMP/rej.ndjson"
# ... and a ledger that cannot be created where --db points (below a plain file).
check "load: a ledger that cannot be created exits 5" run 5 "$TMP/o" load --db "$NOTDIR/ledger" --customers "$SAMPLE/customers.csv"
check "... naming the ledger" has "$TMP/o" "cannot create ledger $NOTDIR/ledger"
check "init: a ledger that cannot be created exits 5" run 5 "$TMP/o" init --db "$NOTDIR/ledger"
check "gen: an output directory that cannot be made exits 5" run 5 "$TMP/o" gen --out "$NOTDIR/gen" --customers 1 --invoices 1 --payments 1 --seed 1

# --- a ledger from a newer cashmatch is 4 from every command (issue 12) ----
NEWER=$TMP/newer
"$BIN" init --db "$NEWER" >/dev/null 2>&1
check "the tamper helper writes schema version 99" "$TAMPER" "$NEWER" meta schema_version '\x00\x00\x00\x00\x00\x00\x00\x63'
check "load: a newer ledger exits 4" run 4 "$TMP/o" load --db "$NEWER" --customers "$SAMPLE/customers.csv"
check "... saying to upgrade" has "$TMP/o" "ledger has schema version 99, newer than this cashmatch"
check "init: a newer ledger exits 4" run 4 "$TMP/o" init --db "$NEWER"
check "apply: a newer ledger exits 4" run 4 "$TMP/o" apply --db "$NEWER" "$SAMPLE/payments-2026-11-23.ndjson"
check "release: a newer ledger exits 4" run 4 "$TMP/o" release --db "$NEWER"
check "export: a newer ledger exits 4" run 4 "$TMP/o" export --db "$NEWER"
check "verify: a newer ledger exits 4" run 4 "$TMP/o" verify --db "$NEWER"
for r in summary aging exceptions unapplied; do
  check "report $r: a newer ledger exits 4" run 4 "$TMP/o" report "$r" --db "$NEWER"
done
check "report invoice: a newer ledger exits 4" run 4 "$TMP/o" report invoice I-1001 --db "$NEWER"
check "eval: a newer ledger exits 4" run 4 "$TMP/o" eval --db "$NEWER" --truth "$TMP/truth.ndjson"
check "... and upgrade" has "$TMP/o" "upgrade cashmatch to open it"

# --- books that do not balance: verify exits 6 naming what (issue 12) -----
UNBALANCED=$TMP/unbalanced
"$BIN" load --db "$UNBALANCED" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
check "verify passes before the tamper" run 0 "$TMP/o" verify --db "$UNBALANCED"
check "the tamper helper drops an index key" "$TAMPER" "$UNBALANCED" index 'c\0C-ACME\0I-1001'
check "verify: books that do not balance exit 6" run 6 "$TMP/o" verify --db "$UNBALANCED"
check "... naming the invoice and what is wrong" has "$TMP/o" "I-1001 (INV-2026-004211): missing from customer C-ACME's invoice index"
check "... and saying it failed" has "$TMP/o" "cashmatch verify: FAILED after"

# --- half-created ledgers of an older cashmatch (issue 12, item 8) ---------
# A kill during the first creation, in place, left RocksDB's first files and
# no CURRENT: every command but load and init names it; those finish it.
half() {  # half DIR: what such a kill left
  mkdir -p "$1" && : >"$1/LOCK" && echo partial >"$1/MANIFEST-000001" && : >"$1/000004.log" && echo log >"$1/LOG"
}
HALF=$TMP/half
half "$HALF"
for cmd in "apply --db $HALF $SAMPLE/payments-2026-11-23.ndjson" "release --db $HALF" "export --db $HALF" \
  "verify --db $HALF" "report summary --db $HALF" "eval --db $HALF --truth $TMP/truth.ndjson"; do
  # shellcheck disable=SC2086
  check "$cmd: a half-created ledger exits 4" run 4 "$TMP/o" $cmd
done
check "... saying how to finish it" has "$TMP/o" "is a half-created ledger"
check "... with init or load" has "$TMP/o" "run \`cashmatch init --db $HALF\` or \`cashmatch load\` to finish it"
check "... and left it as it was" test ! -e "$HALF/CURRENT"
check "load finishes a half-created ledger" run 0 "$TMP/o" load --db "$HALF" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv"
check "... and says so" has "$TMP/o" "$HALF was a half-created ledger (an earlier creation was interrupted); finished it"
check "... which then verifies" run 0 "$TMP/o" verify --db "$HALF"
half "$TMP/half2"
check "init finishes a half-created ledger" run 0 "$TMP/o" init --db "$TMP/half2"
check "... and says so" has "$TMP/o" "was a half-created ledger"
check "... which then verifies" run 0 "$TMP/o" verify --db "$TMP/half2"
mkdir -p "$TMP/not-half" && : >"$TMP/not-half/LOCK" && echo data >"$TMP/not-half/000004.log"
check "a WAL with something in it is not half-created: refused" run 4 "$TMP/o" load --db "$TMP/not-half" --customers "$SAMPLE/customers.csv"
check "... as not a ledger" has "$TMP/o" "is not a cashmatch ledger"

# --- a changed load file after an interrupted load (issue 12) --------------
# A chunked load killed part way marks the ledger; its files then change, so
# "run the same load again" is no way out. --abandon-unfinished is.
CHUNKED=$TMP/chunked
"$BIN" load --db "$CHUNKED" --customers "$SAMPLE/customers.csv" >/dev/null 2>&1
"$TAMPER" "$CHUNKED" meta load_pending '0123456789abcdef customers.csv and invoices-old.csv'
check "apply refuses a ledger with an unfinished load (1)" run 1 "$TMP/o" apply --db "$CHUNKED" "$SAMPLE/payments-2026-11-23.ndjson"
check "... naming the way out for changed files" has "$TMP/o" "cashmatch load --abandon-unfinished"
check "another load is refused (1)" run 1 "$TMP/o" load --db "$CHUNKED" --invoices "$SAMPLE/invoices.csv"
check "... naming --abandon-unfinished" has "$TMP/o" "load these with \`cashmatch load --abandon-unfinished\`; nothing was written"
check "verify reports it (6)" run 6 "$TMP/o" verify --db "$CHUNKED"
check "... naming --abandon-unfinished" has "$TMP/o" "--abandon-unfinished"
check "load --abandon-unfinished loads the new files" run 0 "$TMP/o" load --db "$CHUNKED" --invoices "$SAMPLE/invoices.csv" --abandon-unfinished
check "... saying what it abandoned" has "$TMP/o" "a load of customers.csv and invoices-old.csv (load 0123456789abcdef) is unfinished: abandoned it"
check "... and the ledger verifies" run 0 "$TMP/o" verify --db "$CHUNKED"
check "apply works again" run 0 "$TMP/o" apply --db "$CHUNKED" "$SAMPLE/payments-2026-11-23.ndjson"
check "--abandon-unfinished with nothing unfinished is a plain load" run 0 "$TMP/o" load --db "$CHUNKED" --customers "$SAMPLE/customers.csv" --abandon-unfinished
check "... saying nothing of abandoning" sh -c "! grep -q abandon '$TMP/o'"

# --- --threads is bounded (issue 12, item 6) -------------------------------
check "--threads 70000 is a usage error, not a crash" run 2 "$TMP/o" apply --db "$DB" --threads 70000 "$SAMPLE/payments-2026-11-23.ndjson"
check "--threads 257 is a usage error" run 2 "$TMP/o" apply --db "$DB" --threads 257 "$SAMPLE/payments-2026-11-23.ndjson"
check "--threads 256 is fine" run 0 "$TMP/o" apply --db "$DB" --threads 256 "$SAMPLE/payments-2026-11-23.ndjson"

# --- no output path inside the ledger (issue 12, item 10) ------------------
cp "$DB/CURRENT" "$TMP/CURRENT.before"
check "--rejects at the ledger's CURRENT is a usage error" run 2 "$TMP/o" apply --db "$DB" --skip-bad-records --rejects "$DB/CURRENT" "$TMP/rej.ndjson"
check "... naming the rejects path" has "$TMP/o" "$DB/CURRENT"
check "... and the ledger" has "$TMP/o" "ledger directory '$DB'"
ln -s "$DB" "$TMP/ledger-link"
check "--rejects through a symlink into the ledger is refused" run 2 "$TMP/o" apply --db "$DB" --skip-bad-records --rejects "$TMP/ledger-link/LOG" "$TMP/rej.ndjson"
check "--rejects through .. into the ledger is refused" run 2 "$TMP/o" apply --db "$TMP/ledger-link" --skip-bad-records --rejects "$TMP/foreign/../ledger/new.ndjson" "$TMP/rej.ndjson"
check "the default rejects file inside the ledger is refused" run 2 "$TMP/o" apply --db "$DB" --skip-bad-records "$DB/CURRENT"
check "CURRENT unchanged" cmp -s "$DB/CURRENT" "$TMP/CURRENT.before"
check "ledger still verifies" run 0 "$TMP/o" verify --db "$DB"
check "a sibling directory is not inside the ledger" run 0 "$TMP/o" apply --db "$DB" --skip-bad-records --rejects "${DB}2-rejects.ndjson" "$TMP/rej.ndjson"

# --- rejects files mask account numbers (issue 12) -------------------------
check "rejects file written" test -s "${DB}2-rejects.ndjson"
check "rejects file has no account number in clear" sh -c "! grep -q 4455667788 '${DB}2-rejects.ndjson'"
check "rejects file shows the mask" has "${DB}2-rejects.ndjson" '\"payer_account\":\"****7788\"'
printf '%s\n' '01,SENDER,RECEIVER,261124,0800,1,,,2/' '02,RECEIVER,SENDER,1,261124,,USD,2/' '03,123456789,USD,010,100000,,/' \
  '16,195,oops,Z,REF1,CUST1/' '88,DACT: 4455667788, DBNM: ACME INC' '49,100000,3/' '98,100000,1,5/' '99,100000,1,7/' >"$TMP/rej.bai"
"$BIN" apply --db "$DB" --skip-bad-records --format bai2 --rejects "$TMP/rej-bai.ndjson" "$TMP/rej.bai" >"$TMP/o" 2>&1
check "bai2 bad record written to the rejects file" test -s "$TMP/rej-bai.ndjson"
check "bai2 rejects have no account number in clear" sh -c "! grep -q 4455667788 '$TMP/rej-bai.ndjson'"
check "bai2 rejects show the 88 DACT tag masked" has "$TMP/rej-bai.ndjson" "DACT: ****7788"

# --- the per-file line, release (issue 11) ---------------------------------
DB4=$TMP/ledger4
"$BIN" load --db "$DB4" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
"$BIN" apply --db "$DB4" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson" "$SAMPLE/payments-2026-11-24.ndjson" >/dev/null 2>&1
printf '%s\n' '{"payment_id":"RET-1","type":"return","original_payment_id":"P-2026112302","amount":"4650.50","currency":"USD","value_date":"2026-11-25","reason_code":"R01"}' >"$TMP/ret.ndjson"
check "apply a return" run 0 "$TMP/o" apply --db "$DB4" "$TMP/ret.ndjson"
check "the per-file line counts returns" has "$TMP/o" "1 returns (1 reversed)"
check "a failing later file keeps the earlier file's line" run 1 "$TMP/o" apply --db "$DB4" "$SAMPLE/payments-2026-11-24.ndjson" "$TMP/bad.ndjson"
check "... the earlier line is there" has "$TMP/o" "payments-2026-11-24.ndjson: already applied"
check "release counts still-reconciling invoices" run 0 "$TMP/rel" release --db "$DB4"
check "... as a count" has "$TMP/rel" "1 invoices with held cash are still reconciling usage"
check "... without listing them" sh -c "! grep -q 'invoice I-1003' '$TMP/rel'"
check "release --verbose lists them" run 0 "$TMP/rel" release --db "$DB4" --verbose
check "... by id" has "$TMP/rel" "invoice I-1003: usage still reconciling"

# --- tables escape control characters from names (issue 12) --------------
DB6=$TMP/ledger6
printf 'customer_id,name\nC-CTRL,"Evil\nCorp\033[31m"\n' >"$TMP/ctrl-c.csv"
printf 'invoice_id,number,customer_id,currency,amount_total,due_date\nI-CTRL,INV-2026-000777,C-CTRL,USD,1234.00,2026-11-30\n' >"$TMP/ctrl-i.csv"
check "load a customer whose name holds controls" run 0 "$TMP/o" load --db "$DB6" --customers "$TMP/ctrl-c.csv" --invoices "$TMP/ctrl-i.csv"
check "aging table" run 0 "$TMP/ctrl" report aging --db "$DB6" --as-of 2026-12-15
check "... shows the newline escaped" has "$TMP/ctrl" 'Evil\nCorp\x1b'
check "... has no raw escape byte" sh -c "! grep -q \"\$(printf '\033')\" '$TMP/ctrl'"
check "... keeps one line per row" test "$(grep -c C-CTRL "$TMP/ctrl")" -eq 1
check "invoice trail line escapes it too" run 0 "$TMP/ctrl" report invoice I-CTRL --db "$DB6"
check "... shows it escaped" has "$TMP/ctrl" 'Evil\nCorp\x1b[31m'
check "json keeps the name whole (JSON-escaped)" run 0 "$TMP/ctrl" report aging --db "$DB6" --as-of 2026-12-15 --format json
check "... as JSON escapes" has "$TMP/ctrl" '"customer_name":"Evil\nCorp\u001b[31m"'

# --- progress only on a terminal (issue 11) --------------------------------
DB5=$TMP/ledger5
"$BIN" load --db "$DB5" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>"$TMP/load.err"
"$BIN" apply --db "$DB5" "$SAMPLE/payments-2026-11-23.ndjson" >/dev/null 2>"$TMP/apply.err"
"$BIN" verify --db "$DB5" >/dev/null 2>"$TMP/verify.err"
"$BIN" gen --out "$TMP/gen" --customers 3 --invoices 5 --payments 4 --seed 7 >/dev/null 2>"$TMP/gen.err"
for f in load apply verify gen; do
  check "$f: no progress when stderr is not a terminal" sh -c "! grep -qE 'elapsed|\\r' '$TMP/$f.err'"
done
if command -v script >/dev/null 2>&1; then
  # Under a pseudo-terminal the progress line is drawn (a run this short may
  # finish before the first redraw: only --quiet's silence is asserted).
  script -qec "'$BIN' --quiet verify --db '$DB5'" /dev/null >"$TMP/tty.out" 2>&1
  check "--quiet: no progress even on a terminal" sh -c "! grep -q elapsed '$TMP/tty.out'"
fi

# --- the resident book (issue 13) ---------------------------------------------
# A generated day (names, typos, POs, Stripe payouts, returns, several
# formats) applied with the book resident and without it: the same events.
"$BIN" gen --out "$TMP/rgen" --customers 60 --invoices 400 --payments 300 --seed 11 --profile messy >/dev/null 2>&1
"$BIN" load --db "$TMP/rbase" --customers "$TMP/rgen/customers.csv" --invoices "$TMP/rgen/invoices.csv" >/dev/null 2>&1
cp -a "$TMP/rbase" "$TMP/ron"
mv "$TMP/rbase" "$TMP/roff"
mapfile -t RFILES < <(sed "s|^|$TMP/rgen/|" "$TMP/rgen/files.txt")
check "apply --resident-book on" run 0 "$TMP/ron.out" apply --db "$TMP/ron" --resident-book on --timings "${RFILES[@]}"
check "... says what it holds" has "$TMP/ron.out" "resident book: 400 invoices, 60 customers"
check "apply --resident-book off" run 0 "$TMP/roff.out" apply --db "$TMP/roff" --resident-book off --timings "${RFILES[@]}"
check "... builds none" sh -c "! grep -q 'resident book' '$TMP/roff.out'"
"$BIN" export --db "$TMP/ron" >"$TMP/ron.events"
"$BIN" export --db "$TMP/roff" >"$TMP/roff.events"
check "... the same events either way" cmp -s "$TMP/ron.events" "$TMP/roff.events"
check "... and events there are" test "$(wc -l <"$TMP/ron.events")" -gt 300
check "--resident-book takes auto, on or off" run 2 "$TMP/o" apply --db "$TMP/ron" --resident-book always "${RFILES[0]}"

# --- apply --watch (issue 13) -------------------------------------------------
W=$TMP/watch
mkdir -p "$W/in"
"$BIN" load --db "$W/db" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv" >/dev/null 2>&1
"$BIN" apply --db "$W/db" --watch "$W/in" --poll-ms 20 >"$W/out" 2>"$W/err" &
WPID=$!
wait_for() {  # wait_for FILE TEXT: up to 20 s
  local i
  for i in $(seq 1 200); do
    grep -qF -- "$2" "$1" && return 0
    sleep 0.1
  done
  return 1
}
cp "$SAMPLE/payments-2026-11-23.ndjson" "$W/in/.day1.tmp"  # staged under a name the watch leaves
sleep 0.2
check "watch: a staged (dot or .tmp) file is left alone" sh -c "! grep -q day1 '$W/out'"
mv "$W/in/.day1.tmp" "$W/in/day1.ndjson"
check "watch: a file renamed into the directory is applied" wait_for "$W/out" "day1.ndjson: ndjson batch"
echo 'not a settlement' >"$W/in/day1b.ndjson"
cp "$SAMPLE/payments-2026-11-24.ndjson" "$W/in/day2.ndjson"
check "watch: a bad file is reported and the watch goes on" wait_for "$W/err" "day1b.ndjson: not a settlement format"
check "watch: the next file is applied" wait_for "$W/out" "day2.ndjson: ndjson batch"
cp "$SAMPLE/payments-2026-11-24.ndjson" "$W/in/day2-again.ndjson"
check "watch: the same content again changes nothing" wait_for "$W/out" "day2-again.ndjson: already applied"
kill -TERM "$WPID"
wait "$WPID"
WRC=$?
check "watch: SIGTERM stops it, and the exit code says a file failed" test "$WRC" -eq 1
check "... and how many files it took" has "$W/err" "watch of $W/in stopped; 4 files taken"
check "watch: the ledger verifies" run 0 "$TMP/o" verify --db "$W/db"
check "apply: files and --watch together is a usage error" run 2 "$TMP/o" apply --db "$W/db" --watch "$W/in" "$SAMPLE/payments-2026-11-23.ndjson"
check "apply: neither is a usage error" run 2 "$TMP/o" apply --db "$W/db"

# --- BAI2 bank profiles from the policy file reach apply (issue 14 §3) ---------
B2=$TMP/bai2us
mkdir -p "$B2"
printf 'customer_id,name\nC-OMEGA,Omega Ltd\n' >"$B2/customers.csv"
printf 'invoice_id,number,customer_id,currency,amount_total,due_date\nI5,INV-2026-000005,C-OMEGA,USD,1.00,2026-12-31\nI6,INV-2026-000006,C-OMEGA,USD,2.00,2026-12-31\n' >"$B2/invoices.csv"
cat >"$B2/day.bai2" <<'BAI2'
01,999999999,CASHMATCH,261207,0800,1,9999,,2/
02,CASHMATCH,999999999,1,261207,,USD,2/
03,1234567890,USD,010,0,,/
16,165,100,0,M1,,PAYOR:OMEGA LTD RMT:INV-2026-000006 INVC:INV-2026-000005
49,,/
98,,1,/
99,,1,/
BAI2
cat >"$B2/policy.toml" <<'TOML'
[bai2]
profile = "mybank"
[bai2.profiles.mybank]
base = "us"
tags = { "PAYOR" = "payer_name", "INVC" = "remittance", "RMT" = "ignore" }
TOML
"$BIN" load --db "$B2/db" --customers "$B2/customers.csv" --invoices "$B2/invoices.csv" >/dev/null 2>&1
check "apply --policy with a [bai2] profile" run 0 "$B2/out" apply --db "$B2/db" --policy "$B2/policy.toml" "$B2/day.bai2"
"$BIN" export --db "$B2/db" >"$B2/events"
check "... reads the text by it: INVC pays I5, RMT is ignored" sh -c "grep '\"type\":\"applied\"' '$B2/events' | grep -q '\"invoice_id\":\"I5\"' && ! grep -q '\"invoice_id\":\"I6\"' '$B2/events'"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
