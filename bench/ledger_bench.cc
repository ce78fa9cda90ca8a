// Ledger commit throughput: one settlement batch's events and payment
// records in one RocksDB WriteBatch, with and without a synced WAL. Each
// run opens a fresh ledger in its own scratch directory, removed at the
// end. Rates are wall-clock (UseRealTime): RocksDB works on other threads,
// and a synced commit waits on the disk.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kCommitEventsCount = 10000;

std::unique_ptr<io::Ledger> OpenLedger(const ScratchDir& dir, bool sync, benchmark::State& state) {
  io::LedgerOptions options;
  options.sync = sync;
  auto ledger = io::Ledger::Open((dir.path() / "ledger").string(), options);
  if (!ledger.ok()) {
    state.SkipWithError(ledger.status().message().c_str());
    return nullptr;
  }
  return std::move(ledger).value();
}

// What the matcher would hand the ledger for `round`: one kApplied event
// and one PaymentRecord per payment, ids unique across rounds.
void MakeCommit(uint64_t round, SettlementBatch* batch, BatchOutcome* outcome) {
  const Currency* usd = Currency::Find("USD");
  const std::string round_text = std::to_string(round);
  batch->batch_id = "b-bench-" + round_text;
  batch->idempotency_key = "bench:commit:" + round_text;
  batch->source_name = "bench-" + round_text + ".ndjson";
  batch->payments.clear();
  outcome->events.clear();
  outcome->payments.clear();
  for (uint64_t i = 0; i < kCommitEventsCount; ++i) {
    const uint64_t index = round * kCommitEventsCount + i;
    Payment p;
    p.payment_id = "P-" + round_text + "-" + std::to_string(i);
    p.source = PaymentSource::kAch;
    p.amount_minor = InvoiceAmountMinor(index);
    p.currency = usd;
    p.value_date = ParseIsoDate("2026-11-02").value();
    p.payer_name = "Acme Corp";

    Event e;
    e.type = EventType::kApplied;
    e.batch_id = batch->batch_id;
    e.payment_id = p.payment_id;
    e.invoice_id = InvoiceId(index);
    e.customer_id = CustomerId(index % 10000);
    e.amount_minor = p.amount_minor;
    e.currency = usd;
    e.rule = "exact_reference";
    e.score_milli = 1000;
    e.signals = {"reference=exact:" + InvoiceNumber(index), "amount_delta=0"};
    outcome->events.push_back(std::move(e));

    PaymentRecord r;
    r.payment_id = p.payment_id;
    r.batch_id = batch->batch_id;
    r.customer_id = CustomerId(index % 10000);
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
  outcome->applied_count = kCommitEventsCount;
}

// Arg: 1 syncs the WAL on every commit (the product's setting), 0 does not.
void BM_LedgerCommitBatch(benchmark::State& state) {
  const bool sync = state.range(0) == 1;
  ScratchDir dir;
  std::unique_ptr<io::Ledger> ledger = OpenLedger(dir, sync, state);
  if (ledger == nullptr) return;
  SettlementBatch batch;
  BatchOutcome outcome;
  uint64_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    MakeCommit(round++, &batch, &outcome);
    state.ResumeTiming();
    auto committed = ledger->CommitBatch(batch, outcome);
    if (!committed.ok()) {
      state.SkipWithError(committed.status().message().c_str());
      return;
    }
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kCommitEventsCount), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(kCommitEventsCount) + " events + " + std::to_string(kCommitEventsCount) +
                 " payment records per commit");
}
// MinTime: a commit takes ~0.1 s, so a run of 0.2 s (make bench) would time only
// two or three, too few to average out flushes and disk jitter.
BENCHMARK(BM_LedgerCommitBatch)
    ->ArgName("sync")
    ->Arg(0)
    ->Arg(1)
    ->MinTime(1.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
