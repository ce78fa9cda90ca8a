// One payment file end to end over a preloaded book, as `cashmatch apply`
// runs it: read -> digest -> parse -> hints (oneTBB) -> load the book slice
// -> match -> synced commit. BM_ApplyPaymentFile times ApplyPaymentFile as
// a whole; BM_ApplyStages runs the same stages through their public
// functions and reports the milliseconds each takes per file, to show where
// the time goes. Loading the book and writing each file are not timed.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kFilePaymentsCount = 100000;
constexpr int64_t kApplyRounds = 3;

// Portfolio sizes (invoices in the book). The default run uses the
// smallest book in which every round settles fresh invoices, so that the
// whole program stays under two minutes on two cores; setting
// CASHMATCH_BENCH_LARGE=1 adds the 1M-invoice portfolio of DESIGN.md §8
// (about half a minute more per benchmark; BM_ApplyStages reports how long
// loading the book took as book_upsert_s).
void PortfolioSizes(benchmark::internal::Benchmark* b) {
  b->Arg(static_cast<int64_t>(kFilePaymentsCount) * kApplyRounds);
  const char* large = std::getenv("CASHMATCH_BENCH_LARGE");
  if (large != nullptr && std::string_view(large) == "1") b->Arg(1000000);
}

// What every end-to-end run needs: a synced ledger holding the book, the
// policy and its compiled extractor.
struct Setup {
  ScratchDir dir;
  std::unique_ptr<io::Ledger> ledger;
  Policy policy;
  std::unique_ptr<HintExtractor> extractor;

  Status Open(uint64_t invoices_count) {
    io::LedgerOptions options;  // sync = true: the product's setting
    options.create_if_missing = true;
    auto opened = io::Ledger::Open((dir.path() / "ledger").string(), options);
    if (!opened.ok()) return opened.status();
    ledger = std::move(opened).value();
    CASHMATCH_RETURN_IF_ERROR(UpsertBenchBook(*ledger, invoices_count));
    auto created = HintExtractor::Create(policy);
    if (!created.ok()) return created.status();
    extractor = std::move(created).value();
    return Status::Ok();
  }

  // Writes round `round`'s payment file; returns its path.
  Result<std::string> WriteFile(uint64_t round) const {
    const std::string path = (dir.path() / ("payments-" + std::to_string(round) + ".ndjson")).string();
    const std::string data = MakePaymentFile(round, kFilePaymentsCount);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) return Status::IOError("cannot write " + path);
    return path;
  }
};

// Every round must settle each payment of its file, else the benchmark
// would measure the exception path without saying so.
bool CheckRounds(benchmark::State& state, int64_t invoices_count) {
  if (static_cast<uint64_t>(invoices_count) < kFilePaymentsCount * static_cast<uint64_t>(state.max_iterations)) {
    state.SkipWithError("the book is too small for every round to settle fresh invoices");
    return false;
  }
  return true;
}

// Arg: invoices in the book (the portfolio size).
void BM_ApplyPaymentFile(benchmark::State& state) {
  if (!CheckRounds(state, state.range(0))) return;
  Setup setup;
  if (Status s = setup.Open(static_cast<uint64_t>(state.range(0))); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  const MatchOptions match_options;  // oneTBB picks the thread count
  uint64_t round = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto path = setup.WriteFile(round++);
    if (!path.ok()) {
      state.SkipWithError(path.status().message().c_str());
      return;
    }
    bytes += static_cast<int64_t>(std::filesystem::file_size(path.value()));
    state.ResumeTiming();
    auto applied = io::ApplyPaymentFile(*setup.ledger, path.value(), setup.policy, *setup.extractor, match_options);
    state.PauseTiming();
    if (!applied.ok()) {
      state.SkipWithError(applied.status().message().c_str());
      return;
    }
    if (applied.value().already_applied || applied.value().applied_count != kFilePaymentsCount) {
      state.SkipWithError(("applied " + std::to_string(applied.value().applied_count) + " of " +
                           std::to_string(kFilePaymentsCount) + " payments")
                              .c_str());
      return;
    }
    std::filesystem::remove(path.value());
    state.ResumeTiming();
  }
  state.SetBytesProcessed(bytes);
  state.counters["payments/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kFilePaymentsCount), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(kFilePaymentsCount) + " payments per file, synced commit");
}
BENCHMARK(BM_ApplyPaymentFile)
    ->ArgName("invoices")
    ->Apply(PortfolioSizes)
    ->Iterations(kApplyRounds)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Milliseconds of wall time per stage, averaged over iterations.
class StageClock {
 public:
  explicit StageClock(benchmark::State& state) : state_(state) {}
  void Start() { start_ = std::chrono::steady_clock::now(); }
  void Stop(const char* stage) {
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start_;
    state_.counters[stage] =
        benchmark::Counter(state_.counters[stage].value + ms.count(), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::chrono::steady_clock::time_point start_;
};

// The body of io::ApplyPaymentFile (pipeline.cc) for an NDJSON file with no
// rejects and no Stripe payout, stage by stage.
Status ApplyByStages(Setup& setup, const std::string& path, StageClock& clock) {
  clock.Start();
  auto data = io::ReadFile(path);
  if (!data.ok()) return data.status();
  clock.Stop("1_read_ms");

  clock.Start();
  const io::SettlementFormat format = io::DetectSettlementFormat(data.value());
  const std::string digest = io::Sha256Hex(data.value());
  auto committed = setup.ledger->FindBatch("sha256:" + digest);
  if (!committed.ok()) return committed.status();
  if (committed.value().has_value()) return Status::InvalidInput(path + " was applied before");
  clock.Stop("2_detect_digest_ms");

  clock.Start();
  auto parsed = io::ParseSettlement(path, data.value(), format, setup.ledger->fingerprinter(), io::ParseOptions());
  if (!parsed.ok()) return parsed.status();
  SettlementBatch batch = std::move(parsed.value().batch);
  batch.idempotency_key = "sha256:" + digest;
  batch.batch_id = "b-" + digest.substr(0, 16);
  clock.Stop("3_parse_ms");

  clock.Start();
  std::vector<PaymentHints> hints = ExtractAllHints(batch, *setup.extractor, MatchOptions());
  clock.Stop("4_hints_ms");

  clock.Start();
  auto book = setup.ledger->LoadBook(PlanBookRequest(batch, hints));
  if (!book.ok()) return book.status();
  clock.Stop("5_load_book_ms");

  clock.Start();
  BatchOutcome outcome = MatchBatch(batch, hints, *book.value(), setup.policy);
  if (outcome.applied_count != kFilePaymentsCount) return Status::InvalidInput("not every payment was applied");
  clock.Stop("6_match_ms");

  clock.Start();
  auto record = setup.ledger->CommitBatch(batch, outcome);
  if (!record.ok()) return record.status();
  clock.Stop("7_commit_ms");
  return Status::Ok();
}

// Arg: invoices in the book.
void BM_ApplyStages(benchmark::State& state) {
  if (!CheckRounds(state, state.range(0))) return;
  Setup setup;
  const auto setup_start = std::chrono::steady_clock::now();
  if (Status s = setup.Open(static_cast<uint64_t>(state.range(0))); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  // Setup, not timed by the benchmark: one UpsertBook of the whole book.
  const std::chrono::duration<double> setup_s = std::chrono::steady_clock::now() - setup_start;
  state.counters["book_upsert_s"] = setup_s.count();
  StageClock clock(state);
  uint64_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto path = setup.WriteFile(round++);
    if (!path.ok()) {
      state.SkipWithError(path.status().message().c_str());
      return;
    }
    state.ResumeTiming();
    Status applied = ApplyByStages(setup, path.value(), clock);
    state.PauseTiming();
    if (!applied.ok()) {
      state.SkipWithError(applied.message().c_str());
      return;
    }
    std::filesystem::remove(path.value());
    state.ResumeTiming();
  }
  state.counters["payments/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kFilePaymentsCount), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ApplyStages)
    ->ArgName("invoices")
    ->Apply(PortfolioSizes)
    ->Iterations(kApplyRounds)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
