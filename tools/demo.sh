#!/usr/bin/env bash
# The demo behind `make demo`: a fresh ledger, the sample AR book, two days of
# payments, a replay that must change nothing, then what happened. With a
# fourth argument, also the generated portfolio (datasets/generated): its
# book, its settlement files in every format, and `eval` against its answer key.
# Usage: tools/demo.sh CASHMATCH_BINARY SAMPLE_DIR LEDGER_DIR [GENERATED_DIR]
set -euo pipefail
BIN=$1
SAMPLE=$2
DB=$3
GENERATED=${4:-}

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }

rm -rf "$DB"
step "load the AR book: customers and open invoices"
"$BIN" load --db "$DB" --customers "$SAMPLE/customers.csv" --invoices "$SAMPLE/invoices.csv"

step "apply two days of payments (one file = one atomic batch)"
"$BIN" apply --db "$DB" --policy "$SAMPLE/policy.toml" \
  "$SAMPLE/payments-2026-11-23.ndjson" "$SAMPLE/payments-2026-11-24.ndjson"

step "apply the first day again: idempotent, nothing changes"
"$BIN" apply --db "$DB" --policy "$SAMPLE/policy.toml" "$SAMPLE/payments-2026-11-23.ndjson"

step "report summary"
"$BIN" report --db "$DB" summary

step "applications and the dunning suppression they cause (from the export)"
"$BIN" export --db "$DB" | grep -E '"type":"(applied|suppression)"' \
  | while IFS= read -r line; do
      type=$(sed -E 's/.*"type":"([^"]*)".*/\1/' <<<"$line")
      pay=$(sed -E 's/.*"payment_id":"([^"]*)".*/\1/' <<<"$line")
      inv=$(sed -E 's/.*"invoice_id":"([^"]*)".*/\1/' <<<"$line")
      if [ "$type" = applied ]; then
        amt=$(sed -E 's/.*"amount":"([^"]*)","currency":"([^"]*)".*/\1 \2/' <<<"$line")
        printf '  %-12s %-14s -> %-8s %s\n' applied "$pay" "$inv" "$amt"
      else
        act=$(sed -E 's/.*"action":"([^"]*)".*/\1/' <<<"$line")
        printf '  %-12s %-14s -> %-8s dunning: %s\n' suppression "$pay" "$inv" "$act"
      fi
    done

step "exceptions for the review queue"
"$BIN" export --db "$DB" | grep '"type":"exception"' | while IFS= read -r line; do
  pay=$(sed -E 's/.*"payment_id":"([^"]*)".*/\1/' <<<"$line")
  amt=$(sed -E 's/.*"amount":"([^"]*)","currency":"([^"]*)".*/\1 \2/' <<<"$line")
  reason=$(sed -E 's/.*"reason":"([^"]*)".*/\1/' <<<"$line")
  detail=$(sed -E 's/.*"detail":"([^"]*)".*/\1/' <<<"$line")
  printf '  %-14s %16s  %-18s %s\n' "$pay" "$amt" "$reason" "$detail"
done

step "full event stream: $BIN export --db $DB"
echo "  $("$BIN" export --db "$DB" | wc -l) events; first three:"
"$BIN" export --db "$DB" | head -3 | sed 's/^/  /'

[ -n "$GENERATED" ] || exit 0
GDB=$DB-generated
rm -rf "$GDB"
step "generated portfolio ($GENERATED): load its book"
"$BIN" load --db "$GDB" --customers "$GENERATED/customers.csv" --invoices "$GENERATED/invoices.csv"

step "apply its settlement files (BAI2, camt.053, NDJSON, Stripe payouts) in files.txt order"
mapfile -t files < <(sed "s|^|$GENERATED/|" "$GENERATED/files.txt")
"$BIN" apply --db "$GDB" "${files[@]}"

step "score the ledger against the answer key: $BIN eval --db $GDB --truth $GENERATED/truth.ndjson"
"$BIN" eval --db "$GDB" --truth "$GENERATED/truth.ndjson"
