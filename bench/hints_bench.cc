// Hint extraction (stage 1, normalize): every payment's structured
// references and remittance text become normalized invoice numbers. The
// free-text path runs the policy's std::regex patterns; the structured
// path only normalizes. Both are timed on one thread; the pipeline runs
// Extract under oneTBB across the batch.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kPaymentsCount = 10000;
constexpr uint64_t kNumbersPerPayment = 3;

enum HintsShape : int64_t { kRemittanceText = 0, kStructuredRefs = 1 };

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
    if (shape == kRemittanceText) {
      // ~90 characters, three numbers, words and a date in between.
      const uint64_t first = i * kNumbersPerPayment;
      p.remittance = "ACH CREDIT ACME CORP re: invoices " + InvoiceNumber(first) + ", " + InvoiceNumber(first + 1) +
                     " and " + InvoiceNumber(first + 2) + " per statement 2026-10-31";
    }
    out.push_back(std::move(p));
  }
  return out;
}

void BM_HintExtract(benchmark::State& state) {
  const HintsShape shape = static_cast<HintsShape>(state.range(0));
  const std::vector<Payment> payments = MakePayments(shape);
  auto extractor = HintExtractor::Create(Policy());
  if (!extractor.ok()) {
    state.SkipWithError(extractor.status().message().c_str());
    return;
  }
  size_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const Payment& p : payments) {
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
  state.SetLabel(shape == kRemittanceText ? "remittance text (std::regex)" : "structured references");
}
BENCHMARK(BM_HintExtract)->ArgName("structured")->Arg(kRemittanceText)->Arg(kStructuredRefs)->UseRealTime();

}  // namespace
}  // namespace cashmatch::bench
