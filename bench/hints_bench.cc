// Hint extraction (stage 1, normalize) and the typo lookup.
//
// BM_HintExtract: every payment's structured references and remittance text
// become hints. The free-text rows compare the engines on the same text:
// std::regex with the one pattern the policy had before RE2 (the loop the
// extractor used to run, kept here as the reference), RE2 with that same
// pattern, and RE2 with today's default policy (three invoice-number
// patterns, one PO pattern, plus the RF and Stripe-id scans). One thread;
// the pipeline runs Extract under oneTBB across the batch.
//
// BM_TypoLookupBook: OpenBook::FindInvoicesOneEditFrom for numbers with one
// digit changed, in a book of N invoices (the generated neighbourhood
// probed against a hash index: cost should not grow with N).
// BM_TypoLookupLedger: LoadBook for a batch whose every number has a typo:
// the deletion-neighbourhood seeks in RocksDB, then loading what they name.
#include <benchmark/benchmark.h>

#include <regex>
#include <string>
#include <unordered_set>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/book.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kPaymentsCount = 10000;
constexpr uint64_t kNumbersPerPayment = 3;
// The default invoice-number pattern before RE2 (ECMAScript).
constexpr char kOldDefaultPattern[] = R"(\b[A-Za-z]{2,5}[- ]?\d{2,4}[- ]?\d{2,8}\b)";

enum HintsShape : int64_t {
  kStdRegexOnePattern = 0,  // remittance text, std::regex, the old default pattern
  kRe2OnePattern = 1,       // remittance text, RE2, the same pattern alone
  kRe2DefaultPolicy = 2,    // remittance text, RE2, today's default policy
  kStructuredRefs = 3,      // the same numbers as structured references
};

std::vector<Payment> MakePayments(HintsShape shape) {
  std::vector<Payment> out;
  out.reserve(kPaymentsCount);
  for (uint64_t i = 0; i < kPaymentsCount; ++i) {
    Payment p;
    p.payment_id = "P-" + std::to_string(i);
    p.currency = Currency::Find("USD");
    p.amount_minor = 0;
    for (uint64_t k = 0; k < kNumbersPerPayment; ++k) {
      const uint64_t inv = i * kNumbersPerPayment + k;
      p.amount_minor += InvoiceAmountMinor(inv);
      if (shape == kStructuredRefs) {
        p.references.push_back(RemittanceRef{InvoiceNumber(inv), InvoiceAmountMinor(inv)});
      }
    }
    if (shape != kStructuredRefs) {
      // ~90 characters, three numbers, words and a date in between.
      const uint64_t first = i * kNumbersPerPayment;
      p.remittance = "ACH CREDIT ACME CORP re: invoices " + InvoiceNumber(first) + ", " + InvoiceNumber(first + 1) +
                     " and " + InvoiceNumber(first + 2) + " per statement 2026-10-31";
    }
    out.push_back(std::move(p));
  }
  return out;
}

// What HintExtractor::Extract did for free text before RE2: every match of
// every std::regex, normalized, deduplicated.
size_t ExtractWithStdRegex(const Payment& p, const std::regex& re, std::vector<std::string>* numbers) {
  numbers->clear();
  std::unordered_set<std::string> seen;
  for (auto it = std::sregex_iterator(p.remittance.begin(), p.remittance.end(), re); it != std::sregex_iterator();
       ++it) {
    std::string n = NormalizeInvoiceNumber(it->str());
    if (seen.insert(n).second) numbers->push_back(std::move(n));
  }
  return numbers->size();
}

const char* ShapeLabel(HintsShape shape) {
  switch (shape) {
    case kStdRegexOnePattern: return "remittance text, std::regex, old default pattern";
    case kRe2OnePattern: return "remittance text, RE2, the same one pattern";
    case kRe2DefaultPolicy: return "remittance text, RE2, default policy (3 number + 1 PO pattern, RF, Stripe)";
    case kStructuredRefs: break;
  }
  return "structured references";
}

void BM_HintExtract(benchmark::State& state) {
  const HintsShape shape = static_cast<HintsShape>(state.range(0));
  const std::vector<Payment> payments = MakePayments(shape);
  Policy policy;
  if (shape == kRe2OnePattern) {
    policy.invoice_number_patterns = {kOldDefaultPattern};
    policy.po_number_patterns.clear();
  }
  auto extractor = HintExtractor::Create(policy);
  if (!extractor.ok()) {
    state.SkipWithError(extractor.status().message().c_str());
    return;
  }
  const std::regex old_re(kOldDefaultPattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  std::vector<std::string> numbers;
  size_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const Payment& p : payments) {
      if (shape == kStdRegexOnePattern) {
        found += ExtractWithStdRegex(p, old_re, &numbers);
        benchmark::DoNotOptimize(numbers.data());
        continue;
      }
      PaymentHints h = extractor.value()->Extract(p);
      found += h.invoices.size();
      benchmark::DoNotOptimize(h.invoices.data());
    }
  }
  if (found != kPaymentsCount * kNumbersPerPayment) {
    state.SkipWithError(("found " + std::to_string(found) + " invoice numbers, expected " +
                         std::to_string(kPaymentsCount * kNumbersPerPayment))
                            .c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPaymentsCount));
  state.SetLabel(ShapeLabel(shape));
}
BENCHMARK(BM_HintExtract)
    ->ArgName("shape")
    ->Arg(kStdRegexOnePattern)
    ->Arg(kRe2OnePattern)
    ->Arg(kRe2DefaultPolicy)
    ->Arg(kStructuredRefs)
    ->UseRealTime();

// The numbers of `count` invoices spread over [0, invoices_count), each
// with one of the first two digits of its seven-digit serial made a 9 (or
// an 8): what a payer with a typo writes, and never another invoice's
// number while the book has fewer than 800,000 invoices, so every lookup
// takes the typo path.
std::vector<std::string> TypoNumbers(uint64_t invoices_count, uint64_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t index = (k * 2654435761u) % invoices_count;
    std::string n = InvoiceNumber(index);
    char& c = n[n.size() - 7 + k % 2];
    c = c == '9' ? '8' : '9';
    out.push_back(std::move(n));
  }
  return out;
}

constexpr uint64_t kTypoQueriesCount = 1000;

void BM_TypoLookupBook(benchmark::State& state) {
  const uint64_t invoices_count = static_cast<uint64_t>(state.range(0));
  OpenBook book;
  for (uint64_t i = 0; i < invoices_count; ++i) book.AddInvoice(BenchInvoice(i));
  book.Seal();
  std::vector<std::string> bodies;
  for (const std::string& n : TypoNumbers(invoices_count, kTypoQueriesCount)) {
    bodies.emplace_back(TypoBodyKey(NormalizeInvoiceNumber(n)));
  }
  size_t candidates = 0;
  for (auto _ : state) {
    candidates = 0;
    for (const std::string& body : bodies) candidates += book.FindInvoicesOneEditFrom(body).size();
    benchmark::DoNotOptimize(candidates);
  }
  if (candidates < kTypoQueriesCount) {
    state.SkipWithError("a typo did not find the invoice it was made from");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTypoQueriesCount));
  state.counters["candidates_per_lookup"] = static_cast<double>(candidates) / kTypoQueriesCount;
}
BENCHMARK(BM_TypoLookupBook)->ArgName("invoices")->Arg(10000)->Arg(200000)->UseRealTime();

void BM_TypoLookupLedger(benchmark::State& state) {
  const uint64_t invoices_count = static_cast<uint64_t>(state.range(0));
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
  if (!loaded.ok()) {
    state.SkipWithError(loaded.message().c_str());
    return;
  }
  BookRequest req;
  for (const std::string& n : TypoNumbers(invoices_count, kTypoQueriesCount)) {
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
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTypoQueriesCount));
  state.counters["invoices_loaded_per_lookup"] = static_cast<double>(invoices) / kTypoQueriesCount;
}
BENCHMARK(BM_TypoLookupLedger)->ArgName("invoices")->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
