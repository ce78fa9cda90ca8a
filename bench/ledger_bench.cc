// Ledger commit throughput: one settlement batch's events and state in one
// write (a RocksDB WriteBatch, or for a large batch one ingestion of SST
// files), synced and not. Each run opens a fresh
// ledger in its own scratch directory, removed at the end. Rates are
// wall-clock (UseRealTime): RocksDB works on other threads, and a synced
// commit waits on the disk.
#include <benchmark/benchmark.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kCommitPaymentsCount = 10000;

std::unique_ptr<io::Ledger> OpenLedger(const ScratchDir& dir, bool sync, uint64_t ingest_keys_min,
                                       benchmark::State& state) {
  io::LedgerOptions options;
  options.sync = sync;
  options.commit_ingest_keys_min = ingest_keys_min;
  options.create_if_missing = true;
  auto ledger = io::Ledger::Open((dir.path() / "ledger").string(), options);
  if (!ledger.ok()) {
    state.SkipWithError(ledger.status().message().c_str());
    return nullptr;
  }
  return std::move(ledger).value();
}

// What a commit holds per payment.
enum class Shape {
  // One `applied` event and one payment record (BM_LedgerCommitBatch):
  // every event touches a payment, an invoice and a customer of its own.
  kAppliedOnly,
  // What the matcher commits for a payment that settles one invoice
  // exactly (BM_LedgerCommitSettled): `payment_received`, `applied` and a
  // `suppression` (cancel), the payment record and the invoice's new state.
  kSettled,
};

// The `applied` event of payment `p` settling invoice `index`.
Event AppliedEvent(const SettlementBatch& batch, const Payment& p, uint64_t index) {
  Event e;
  e.type = EventType::kApplied;
  e.batch_id = batch.batch_id;
  e.payment_id = p.payment_id;
  e.invoice_id = InvoiceId(index);
  e.customer_id = CustomerId(index % kBookCustomersCount);
  e.amount_minor = p.amount_minor;
  e.currency = p.currency;
  e.rule = "exact_reference";
  e.score_milli = 1000;
  e.signals = {"reference=exact:" + InvoiceNumber(index), "amount_delta=0"};
  return e;
}

// Appends, around `applied`, the other events and the invoice state of a
// settled payment, in the order the matcher emits them.
void AddSettled(Event applied, uint64_t index, BatchOutcome* outcome) {
  Event received = applied;
  received.type = EventType::kPaymentReceived;
  received.invoice_id.clear();
  received.rule.clear();
  received.score_milli = -1;
  received.signals = {"identified_by=reference"};
  received.detail = "Acme Corp";
  Event cancel = applied;
  cancel.type = EventType::kSuppression;
  cancel.amount_minor = 0;
  cancel.rule = "invoice_settled";
  cancel.score_milli = -1;
  cancel.action = SuppressionAction::kCancel;
  cancel.signals.clear();
  Invoice inv;
  inv.invoice_id = applied.invoice_id;
  inv.number = InvoiceNumber(index);
  inv.customer_id = applied.customer_id;
  inv.currency = applied.currency;
  inv.amount_total_minor = applied.amount_minor;
  inv.amount_open_minor = 0;
  inv.loaded_open_minor = applied.amount_minor;
  inv.issue_date = ParseIsoDate("2026-10-01").value();
  inv.due_date = ParseIsoDate("2026-10-31").value();
  outcome->events.push_back(std::move(received));
  outcome->events.push_back(std::move(applied));
  outcome->events.push_back(std::move(cancel));
  outcome->invoice_updates.push_back(std::move(inv));
}

// What the matcher would hand the ledger for `round`, ids unique across
// rounds.
void MakeCommit(uint64_t round, Shape shape, uint64_t payments_count, SettlementBatch* batch, BatchOutcome* outcome) {
  const Currency* usd = Currency::Find("USD");
  const std::string round_text = std::to_string(round);
  batch->batch_id = "b-bench-" + round_text;
  batch->idempotency_key = "bench:commit:" + round_text;
  batch->source_name = "bench-" + round_text + ".ndjson";
  batch->payments.clear();
  *outcome = BatchOutcome();
  for (uint64_t i = 0; i < payments_count; ++i) {
    const uint64_t index = round * payments_count + i;
    Payment p;
    p.payment_id = "P-" + round_text + "-" + std::to_string(i);
    p.source = PaymentSource::kAch;
    p.amount_minor = InvoiceAmountMinor(index);
    p.currency = usd;
    p.value_date = ParseIsoDate("2026-11-02").value();
    p.payer_name = "Acme Corp";

    Event applied = AppliedEvent(*batch, p, index);
    if (shape == Shape::kSettled) {
      AddSettled(std::move(applied), index, outcome);
    } else {
      outcome->events.push_back(std::move(applied));
    }

    PaymentRecord r;
    r.payment_id = p.payment_id;
    r.batch_id = batch->batch_id;
    r.customer_id = CustomerId(index % kBookCustomersCount);
    r.source = p.source;
    r.amount_minor = p.amount_minor;
    r.currency = usd;
    r.value_date = p.value_date;
    r.payer_name = p.payer_name;
    r.status = PaymentStatus::kApplied;
    r.applied_minor = p.amount_minor;
    outcome->payments.push_back(std::move(r));
    batch->payments.push_back(std::move(p));
  }
  outcome->applied_count = payments_count;
}

// Commits one generated batch of `payments_count` payments per iteration.
// `sync`: sync every commit (the product's setting). `ingest_keys_min`:
// LedgerOptions::commit_ingest_keys_min.
void RunCommits(benchmark::State& state, Shape shape, bool sync, uint64_t payments_count, uint64_t ingest_keys_min) {
  ScratchDir dir;
  std::unique_ptr<io::Ledger> ledger = OpenLedger(dir, sync, ingest_keys_min, state);
  if (ledger == nullptr) return;
  SettlementBatch batch;
  BatchOutcome outcome;
  uint64_t round = 0;
  uint64_t events_count = 0;
  for (auto _ : state) {
    state.PauseTiming();
    MakeCommit(round++, shape, payments_count, &batch, &outcome);
    events_count += outcome.events.size();
    state.ResumeTiming();
    auto committed = ledger->CommitBatch(batch, outcome);
    if (!committed.ok()) {
      state.SkipWithError(committed.status().message().c_str());
      return;
    }
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events_count), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(outcome.events.size()) + " events, " + std::to_string(outcome.payments.size()) +
                 " payment records, " + std::to_string(outcome.invoice_updates.size()) + " invoices per commit, " +
                 std::to_string(ledger->ingested_commits_count()) + " of " + std::to_string(round) + " ingested");
}

// Arg sync: 1 syncs every commit (the product's setting), 0 does not. The
// default ingestion threshold applies.
void BM_LedgerCommitBatch(benchmark::State& state) {
  RunCommits(state, Shape::kAppliedOnly, state.range(0) == 1, kCommitPaymentsCount,
             io::LedgerOptions::kDefaultCommitIngestKeysMin);
}
void BM_LedgerCommitSettled(benchmark::State& state) {
  RunCommits(state, Shape::kSettled, state.range(0) == 1, kCommitPaymentsCount,
             io::LedgerOptions::kDefaultCommitIngestKeysMin);
}

// The matcher's shape, synced, by batch size and path, to place the
// ingestion threshold: ingest:0 always takes the WriteBatch, ingest:1
// always ingests. About 9 keys per payment.
void BM_LedgerCommitSize(benchmark::State& state) {
  const bool ingest = state.range(1) == 1;
  RunCommits(state, Shape::kSettled, true, static_cast<uint64_t>(state.range(0)),
             ingest ? 0 : std::numeric_limits<uint64_t>::max());
}

// Both shapes, synced and not. MinTime: a commit takes ~0.1 s, so a run of
// 0.2 s (make bench) would time only two or three, too few to average out
// flushes and disk jitter.
void CommitSettings(benchmark::internal::Benchmark* b) {
  b->ArgName("sync")->Arg(0)->Arg(1)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_LedgerCommitBatch)->Apply(CommitSettings);
BENCHMARK(BM_LedgerCommitSettled)->Apply(CommitSettings);
BENCHMARK(BM_LedgerCommitSize)
    ->ArgNames({"payments", "ingest"})
    ->ArgsProduct({{100, 300, 1000, 2000, 3000, 5000, 10000, 100000}, {0, 1}})
    ->MinTime(0.5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
