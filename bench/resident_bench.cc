// The resident book's lookups (issue 13): the hash postings alone, and a
// ledger's LoadBook for a batch of invoice numbers answered from the
// resident index against the same reads from RocksDB.
//
// BM_HashPostingsFind: `keys` random 64-bit hashes built into one
//   HashPostings; 1,000 lookups of hashes it holds (the directory read and
//   the short scan of one group).
// BM_LoadBookNumbers: a ledger holding `invoices` invoices (bench_util's
//   book, 10,000 customers); LoadBook for 1,000 invoice numbers that exist,
//   with the book resident (resident:1) or read from RocksDB (resident:0).
//   The slice holds the numbered invoices and every open invoice of their
//   customers, as for a real batch.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/io/ledger.h"
#include "ledger/book_index.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kLookupsCount = 1000;

void BM_HashPostingsFind(benchmark::State& state) {
  const uint64_t keys = static_cast<uint64_t>(state.range(0));
  std::mt19937_64 rng(7);
  std::vector<io::HashPostings::Entry> entries(keys);
  for (uint64_t i = 0; i < keys; ++i) entries[i] = io::HashPostings::Entry{rng(), static_cast<uint32_t>(i), 0};
  std::vector<uint64_t> queries;
  for (uint64_t i = 0; i < kLookupsCount; ++i) queries.push_back(entries[(i * 7919) % keys].hash);
  io::HashPostings postings;
  postings.Build(std::move(entries));
  uint64_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (uint64_t h : queries) {
      const auto [first, last] = postings.Find(h);
      found += last - first;
    }
    benchmark::DoNotOptimize(found);
  }
  if (found < kLookupsCount) state.SkipWithError("a hash the postings hold was not found");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLookupsCount));
  state.counters["bytes_per_key"] = static_cast<double>(postings.bytes()) / static_cast<double>(keys);
}
BENCHMARK(BM_HashPostingsFind)->ArgName("keys")->Arg(1000000)->Arg(10000000);

void BM_LoadBookNumbers(benchmark::State& state) {
  const uint64_t invoices_count = static_cast<uint64_t>(state.range(0));
  const bool resident = state.range(1) != 0;
  ScratchDir dir;
  io::LedgerOptions options;
  options.sync = false;
  options.create_if_missing = true;
  auto ledger = io::Ledger::Open((dir.path() / "ledger").string(), options);
  if (!ledger.ok()) {
    state.SkipWithError(ledger.status().message().c_str());
    return;
  }
  Status loaded = UpsertBenchBook(*ledger.value(), invoices_count);
  if (loaded.ok() && resident) loaded = ledger.value()->EnableResidentBook();
  if (!loaded.ok()) {
    state.SkipWithError(loaded.message().c_str());
    return;
  }
  BookRequest req;
  for (uint64_t i = 0; i < kLookupsCount; ++i) {
    const std::string n = InvoiceNumber((i * 7919) % invoices_count);
    const std::string strict = NormalizeInvoiceNumber(n);
    req.invoice_numbers.insert(strict);
    req.number_fallbacks.push_back(NumberKeys{strict, TolerantInvoiceKey(n)});
  }
  size_t invoices = 0;
  for (auto _ : state) {
    auto book = ledger.value()->LoadBook(req);
    if (!book.ok()) {
      state.SkipWithError(book.status().message().c_str());
      return;
    }
    invoices = book.value()->invoice_count();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLookupsCount));
  state.counters["slice_invoices"] = static_cast<double>(invoices);
}
BENCHMARK(BM_LoadBookNumbers)
    ->ArgNames({"invoices", "resident"})
    ->Args({100000, 0})
    ->Args({100000, 1})
    ->Args({1000000, 0})
    ->Args({1000000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace cashmatch::bench
