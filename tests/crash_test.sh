#!/usr/bin/env bash
# Crash consistency of `cashmatch apply` under SIGKILL.
#
# Usage: crash_test.sh CASHMATCH_BINARY
#
# Generates a portfolio and a multi-batch payment run, then:
#   1. reference: a fresh ledger, load, one uninterrupted `apply` of every
#      file, export -> sha256;
#   2. crash run: a fresh ledger, load, then again and again start `apply` on
#      the same files (every other attempt with `--ingest-keys-min 0`, so
#      that each file is committed by SST ingestion rather than a
#      WriteBatch) and SIGKILL it at a random moment, until at least
#      CASHMATCH_CRASH_KILLS kills have landed on a running process; after
#      every attempt the exported ledger must be a whole-batch prefix of the
#      reference export (no batch half-applied, none applied twice, nothing
#      committed lost) and `verify` must pass;
#   3. apply to completion, replay once more (every file "already applied"),
#      and compare: export digest equal to the reference, seq gapless 1..N,
#      `verify` passes.
#
# Environment:
#   CASHMATCH_CRASH_KILLS  minimum number of kills that land (default 20)
#   CASHMATCH_CRASH_SEED   seed for bash's RANDOM: same data, same delays
#                          (default 20261124)
#
# Ends with one line "crash: N passed, M failed"; exits 0 only when M is 0.
# shellcheck disable=SC2154,SC2317 # money() assigns by name; check, quiet, traps are called indirectly
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 CASHMATCH_BINARY" >&2
  exit 2
fi
BIN=$1
if [ ! -x "$BIN" ]; then
  echo "crash: '$BIN' is not an executable file" >&2
  exit 2
fi
KILLS=${CASHMATCH_CRASH_KILLS:-20}
SEED=${CASHMATCH_CRASH_SEED:-20261124}
case $KILLS in '' | *[!0-9]*) echo "crash: CASHMATCH_CRASH_KILLS must be a number" >&2; exit 2 ;; esac
case $SEED in '' | *[!0-9]*) echo "crash: CASHMATCH_CRASH_SEED must be a number" >&2; exit 2 ;; esac
KILLS=$((10#$KILLS)) SEED=$((10#$SEED))
((KILLS >= 1)) || KILLS=1
RANDOM=$SEED

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cashmatch-crash.XXXXXX") || exit 1
child=
cleanup() {
  if [ -n "$child" ]; then
    kill -9 "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
    return 1
  fi
}
finish() {
  echo "crash: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
# now_us: sets NOW to the wall clock in microseconds.
now_us() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME//[.,]/}
    NOW=$((10#$t))
  else
    NOW=$(($(date +%s%N) / 1000))
  fi
}
secs() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }  # microseconds -> "S.UUUUUU"
ms() { echo "$(($1 / 1000)) ms"; }
money() { printf -v "$1" '%d.%02d' $(($2 / 100)) $(($2 % 100)); }  # money VAR CENTS
show() { sed 's/^/    /' "$1" | head -n 20 >&2; }

# --- the data -------------------------------------------------------------
NCUST=40
NINV=2000
NFILES=40
NPAY=150
HOT=200  # invoices 1..HOT are paid again and again, in many files

now_us
t_gen=$NOW
D=$TMP/data
mkdir -p "$D"
{
  echo "customer_id,name"
  for ((c = 1; c <= NCUST; c++)); do printf 'C-%03d,Customer %03d Ltd\n' $c $c; done
} >"$D/customers.csv"
declare -a AMT CUR CUS
{
  echo "invoice_id,number,customer_id,currency,amount_total,due_date"
  for ((i = 1; i <= NINV; i++)); do
    AMT[i]=$((5000 + (i * 7919 + RANDOM * 31) % 2500000))
    if ((i % 10 == 0)); then CUR[i]=EUR; else CUR[i]=USD; fi
    CUS[i]=$(((i - 1) % NCUST + 1))
    money a "${AMT[i]}"
    printf 'I-%05d,INV-2026-%06d,C-%03d,%s,%s,2026-%02d-%02d\n' \
      $i $i "${CUS[i]}" "${CUR[i]}" "$a" $((i % 12 + 1)) $((i % 28 + 1))
  done
} >"$D/invoices.csv"

pick_invoice() {  # sets INV: 40% from the hot set, so order across files matters
  if ((RANDOM % 10 < 4)); then INV=$((RANDOM % HOT + 1)); else INV=$((RANDOM % NINV + 1)); fi
}
FILES=()
for ((f = 1; f <= NFILES; f++)); do
  printf -v file "%s/pay-%03d.ndjson" "$D" $f
  FILES+=("$file")
  printf -v vd "2026-11-%02d" $((f % 28 + 1))
  {
    for ((p = 1; p <= NPAY; p++)); do
      printf -v id "P-%03d-%04d" $f $p
      kind=$((RANDOM % 100))
      pick_invoice
      i=$INV
      if ((kind < 35)); then  # exact remittance match
        money a "${AMT[i]}"
        printf '{"payment_id":"%s","amount":"%s","currency":"%s","value_date":"%s","remittance":"PAYMENT INV-2026-%06d THANK YOU"}\n' \
          "$id" "$a" "${CUR[i]}" "$vd" $i
      elif ((kind < 50)); then  # structured references with amounts: two invoices, same customer and currency
        ((i > NINV - NCUST)) && i=$((i - NCUST))
        j=$((i + NCUST))
        half=$((RANDOM % 2 ? AMT[j] : AMT[j] / 2))  # all of j, or half of it
        money a "${AMT[i]}"
        money b $half
        money t $((AMT[i] + half))
        printf '{"payment_id":"%s","amount":"%s","currency":"%s","value_date":"%s","references":[{"invoice_number":"INV-2026-%06d","amount":"%s"},{"invoice_number":"INV-2026-%06d","amount":"%s"}]}\n' \
          "$id" "$t" "${CUR[i]}" "$vd" $i "$a" $j "$b"
      elif ((kind < 65)); then  # amount mismatch: short or over by 1.00 .. 80.00
        delta=$((100 + RANDOM % 7900))
        if ((RANDOM % 2)) && ((AMT[i] > delta)); then delta=$((-delta)); fi
        money a $((AMT[i] + delta))
        printf '{"payment_id":"%s","amount":"%s","currency":"%s","value_date":"%s","remittance":"INV-2026-%06d"}\n' \
          "$id" "$a" "${CUR[i]}" "$vd" $i
      elif ((kind < 75)); then  # partial payment
        money a $((AMT[i] / 2))
        printf '{"payment_id":"%s","amount":"%s","currency":"%s","value_date":"%s","remittance":"INV-2026-%06d partial"}\n' \
          "$id" "$a" "${CUR[i]}" "$vd" $i
      elif ((kind < 85)); then  # an invoice number the ledger does not know
        money a $((1000 + RANDOM * 7))
        printf '{"payment_id":"%s","amount":"%s","currency":"USD","value_date":"%s","remittance":"INV-2027-9%05d"}\n' \
          "$id" "$a" "$vd" $((RANDOM % 100000))
      else  # no remittance at all, only the payer's name
        money a "${AMT[i]}"
        printf '{"payment_id":"%s","amount":"%s","currency":"%s","value_date":"%s","payer_name":"Customer %03d Ltd"}\n' \
          "$id" "$a" "${CUR[i]}" "$vd" "${CUS[i]}"
      fi
    done
  } >"$file"
done
now_us
echo "generated $NCUST customers, $NINV invoices, $NFILES files x $NPAY payments in $(ms $((NOW - t_gen))) (seed $SEED)"

HAVE_VERIFY=1
if ! "$BIN" verify --help >/dev/null 2>&1; then
  HAVE_VERIFY=0
  echo "SKIP verify: not available ('$BIN verify --help' failed)"
fi

quiet() {  # quiet OUT CMD...: runs CMD with stdout+stderr into OUT; shows OUT when it fails
  local out=$1 rc
  shift
  "$@" >"$out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "exit $rc: ${*##*/}" >&2
    show "$out"
  fi
  return "$rc"
}
# run_apply DB OUT [FILE...]: apply (default: every file); retries while the
# ledger is in use (exit 3), which a just-killed process may briefly cause.
run_apply() {
  local db=$1 out=$2 rc tries=0
  shift 2
  [ $# -gt 0 ] || set -- "${FILES[@]}"
  while :; do
    "$BIN" apply --db "$db" "$@" >"$out" 2>&1
    rc=$?
    if [ "$rc" -ne 3 ] || [ "$tries" -ge 50 ]; then return "$rc"; fi
    tries=$((tries + 1))
    sleep 0.02
  done
}
gapless() {  # gapless EXPORT: line k has "seq":k, and there is at least one line
  grep -o '^{"seq":[0-9]*' "$1" | cut -d: -f2 | awk '$1 != NR { bad = 1; exit } END { exit bad || NR == 0 }'
}

# --- reference: one uninterrupted run --------------------------------------
REF=$TMP/ref
check "reference load exits 0" quiet "$TMP/ref-load.out" \
  "$BIN" load --db "$REF" --customers "$D/customers.csv" --invoices "$D/invoices.csv"
now_us
t0=$NOW
run_apply "$REF" "$TMP/ref-apply.out"
rc=$?
now_us
DUR=$((NOW - t0))
check "reference apply exits 0" test "$rc" -eq 0 || show "$TMP/ref-apply.out"
# Timings that place the kills: a replay of every (applied) file, which
# also recovers the write-ahead log of the run, then a clean start-up that
# finds one file applied.
now_us
t0=$NOW
run_apply "$REF" "$TMP/ref-replay.out"
now_us
REPLAY=$((NOW - t0))
t0=$NOW
run_apply "$REF" "$TMP/ref-startup.out" "${FILES[0]}"
now_us
STARTUP=$((NOW - t0))
"$BIN" export --db "$REF" >"$TMP/ref.ndjson" 2>"$TMP/ref-export.err"
REF_EVENTS=$(wc -l <"$TMP/ref.ndjson")
REF_SUM=$(sha256sum <"$TMP/ref.ndjson" | cut -d' ' -f1)
echo "reference: apply $(ms $DUR), start-up $(ms $STARTUP), replay $(ms $REPLAY), $REF_EVENTS events, sha256 $REF_SUM"
if [ "$REF_EVENTS" -eq 0 ] || [ "$rc" -ne 0 ]; then
  echo "crash: the reference run produced nothing; giving up" >&2
  failed=$((failed + 1))
  finish
fi
# The event count after each batch: a crash may leave the ledger at 0 or at
# one of these, and nowhere else.
BOUNDS=" 0 "
while read -r last; do BOUNDS+="$last "; done < <(sed -n 's/.*; events [0-9]*\.\.\([0-9]*\)$/\1/p' "$TMP/ref-apply.out")
check "reference run committed every file as its own batch" test "$(wc -w <<<"$BOUNDS")" -eq $((NFILES + 1))
check "reference export: seq is 1..N without a gap" gapless "$TMP/ref.ndjson"
if [ "$HAVE_VERIFY" -eq 1 ]; then
  check "verify passes on the reference ledger" quiet "$TMP/ref-verify.out" "$BIN" verify --db "$REF"
fi

# --- crash run ------------------------------------------------------------
CDB=$TMP/crash
check "crash-run load exits 0" quiet "$TMP/crash-load.out" \
  "$BIN" load --db "$CDB" --customers "$D/customers.csv" --invoices "$D/invoices.csv"

# Where the kills land: the delay is uniform in [0, MAXD]. MAXD starts at
# the start-up time plus about two N-ths of the whole run's work, then
# steers itself: an attempt that commits many batches before its kill
# shrinks it, one that dies before committing anything while batches remain
# (a kill in the start-up or the first batch) grows it, and one that finishes
# before its kill halves it. So the kills spread over start-ups, batches
# and, once all is committed, replays.
WORK=$((DUR - STARTUP))
((WORK < 1000)) && WORK=1000
MAXD=$((STARTUP + 2 * WORK / KILLS))
MAXD_LO=1000
MAXD_HI=$((2 * DUR + 100000))
target=$(((NFILES + KILLS - 1) / KILLS))  # batches per kill aimed at
kills=0 attempts=0 finished=0 busy=0 unexpected=0 reopen_bad=0 prefix_bad=0 verify_bad=0
kills_mid_run=0 kills_no_gain=0 prev_events=0 batches=0
max_attempts=$((KILLS * 10 + 100))
now_us
t_crash=$NOW
while ((kills < KILLS)); do
  if ((attempts >= max_attempts)); then
    echo "crash: gave up after $attempts attempts with $kills kills landed" >&2
    break
  fi
  attempts=$((attempts + 1))
  r=$(((RANDOM << 15 | RANDOM) % (MAXD + 1)))
  # Every other attempt commits each file by SST ingestion instead of a
  # WriteBatch (the path of large batches; these are small), so kills land
  # in both paths and in the flush an ingestion after WriteBatches forces.
  ingest=()
  ((attempts % 2 == 0)) && ingest=(--ingest-keys-min 0)
  "$BIN" apply --db "$CDB" "${ingest[@]}" "${FILES[@]}" >"$TMP/attempt.out" 2>&1 &
  child=$!
  sleep "$(secs $r)"
  kill -9 "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  rc=$?
  child=
  case $rc in
    137)
      kills=$((kills + 1))
      what="killed at $(ms $r)"
      ;;
    0)
      finished=$((finished + 1))
      MAXD=$((MAXD / 2))
      what="finished before its kill at $(ms $r)"
      ;;
    3)
      busy=$((busy + 1))
      what="ledger in use (exit 3), retrying"
      sleep 0.02
      ;;
    *)
      unexpected=$((unexpected + 1))
      what="unexpected exit $rc after $(ms $r)"
      echo "crash: attempt $attempts: apply exited $rc:" >&2
      show "$TMP/attempt.out"
      ;;
  esac
  # What the attempt left behind: a whole-batch prefix of the reference
  # (nothing half-applied or applied twice), never shorter than before
  # (nothing committed lost), and books that balance.
  if ! "$BIN" export --db "$CDB" >"$TMP/now.ndjson" 2>"$TMP/now.err"; then
    reopen_bad=$((reopen_bad + 1))
    echo "crash: attempt $attempts ($what): export could not read the ledger:" >&2
    show "$TMP/now.err"
    continue
  fi
  n=$(wc -l <"$TMP/now.ndjson")
  bytes=$(wc -c <"$TMP/now.ndjson")
  if [[ $BOUNDS != *" $n "* ]] || ((n < prev_events)) ||
    ! cmp -s -n "$bytes" "$TMP/now.ndjson" "$TMP/ref.ndjson"; then
    prefix_bad=$((prefix_bad + 1))
    echo "crash: attempt $attempts ($what): the ledger holds $n events (before: $prev_events), not a whole-batch prefix of the reference" >&2
  fi
  if [ "$HAVE_VERIFY" -eq 1 ] && ! "$BIN" verify --db "$CDB" >"$TMP/now-verify.out" 2>&1; then
    verify_bad=$((verify_bad + 1))
    echo "crash: attempt $attempts ($what): verify failed:" >&2
    show "$TMP/now-verify.out"
  fi
  was=$batches
  [[ $BOUNDS == *" $n "* ]] && batches=$(wc -w <<<"${BOUNDS%% "$n" *}")
  gained=$((batches - was))
  if ((rc == 137)); then
    if ((gained > 0)); then
      kills_mid_run=$((kills_mid_run + 1))
      ((gained > 2 * target)) && MAXD=$((MAXD * 3 / 4))
    elif ((batches < NFILES)); then
      kills_no_gain=$((kills_no_gain + 1))
      MAXD=$((MAXD * 9 / 8))
    fi
  fi
  ((MAXD < MAXD_LO)) && MAXD=$MAXD_LO
  ((MAXD > MAXD_HI)) && MAXD=$MAXD_HI
  echo "attempt $attempts: $what; +$gained batches, now $batches/$NFILES ($n/$REF_EVENTS events); kills $kills/$KILLS"
  prev_events=$n
done
now_us
echo "crash loop: $attempts attempts in $(ms $((NOW - t_crash))): $kills kills landed" \
  "($kills_mid_run after committing new batches, $kills_no_gain before committing any), $finished finished first, $busy ledger-in-use;" \
  "$batches/$NFILES batches committed"
check "at least $KILLS kills landed on a running apply" test "$kills" -ge "$KILLS"
check "apply only ever exited 0, 3 or by the kill" test "$unexpected" -eq 0
check "the ledger reopened after every kill" test "$reopen_bad" -eq 0
check "after every attempt the ledger was a whole-batch prefix of the reference" test "$prefix_bad" -eq 0
if [ "$HAVE_VERIFY" -eq 1 ]; then
  check "verify passed after every attempt" test "$verify_bad" -eq 0
fi

# --- finish the run and compare ------------------------------------------
run_apply "$CDB" "$TMP/final.out"
rc=$?
check "final apply runs to completion (exit 0)" test "$rc" -eq 0 || show "$TMP/final.out"
run_apply "$CDB" "$TMP/replay.out"
rc=$?
already=$(grep -c "already applied" "$TMP/replay.out")
check "replay exits 0 with every file already applied ($already/$NFILES)" test "$rc" -eq 0 -a "$already" -eq "$NFILES" ||
  show "$TMP/replay.out"
"$BIN" export --db "$CDB" >"$TMP/crash.ndjson" 2>"$TMP/crash-export.err"
SUM=$(sha256sum <"$TMP/crash.ndjson" | cut -d' ' -f1)
echo "crash run: $(wc -l <"$TMP/crash.ndjson") events, sha256 $SUM"
check "crash-run export equals the uninterrupted run's (sha256)" test "$SUM" = "$REF_SUM" ||
  cmp "$TMP/ref.ndjson" "$TMP/crash.ndjson" >&2
check "crash-run export: seq is 1..N without a gap" gapless "$TMP/crash.ndjson"
if [ "$HAVE_VERIFY" -eq 1 ]; then
  check "verify passes on the crash-run ledger" quiet "$TMP/verify.out" "$BIN" verify --db "$CDB"
fi
finish
