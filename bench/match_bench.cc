// The matcher's stages 2-3 (identify, propose, allocate) over an in-memory
// book, per payment, on one thread:
//   BM_MatchByReference  every payment names its invoice: the cheap path;
//   BM_MatchSubsetSum    no remittance, a known account, and an amount that
//                        is the sum of `set` of the customer's `open`
//                        invoices: single-invoice pass, then the bounded
//                        subset-sum (the policy's 64 candidates, 12 per set).
// Each customer's open invoices have distinct amounts (1,000.00 to
// 21,000.00 with cents, fixed-seed generator). With many candidates another
// set may sum to the same cent, or the search may reach its node budget:
// `applied_share` reports how many payments were applied automatically.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch::bench {
namespace {

constexpr int kCustomers = 500;

struct Portfolio {
  OpenBook book;
  SettlementBatch batch;
  std::vector<PaymentHints> hints;
};

// `open` invoices per customer; one payment per customer that pays `set`
// of them (by reference when `by_reference`, else by amount alone).
std::unique_ptr<Portfolio> MakePortfolio(int open, int set, bool by_reference, const Policy& policy) {
  auto pf = std::make_unique<Portfolio>();
  const Currency* usd = Currency::Find("USD");
  const Date due = ParseIsoDate("2026-11-30").value();
  std::mt19937_64 rng(42);
  for (int c = 0; c < kCustomers; ++c) {
    Customer cust;
    cust.customer_id = "C" + std::to_string(c);
    cust.name = "Customer " + std::to_string(c);
    cust.bank_account_fps = {"fp" + std::to_string(c)};
    pf->book.AddCustomer(cust);
    Payment p;
    p.payment_id = "P" + std::to_string(c);
    p.source = PaymentSource::kAch;
    p.currency = usd;
    p.value_date = ParseIsoDate("2026-11-24").value();
    p.payer_account_fp = cust.bank_account_fps[0];
    for (int i = 0; i < open; ++i) {
      Invoice inv;
      inv.invoice_id = "I" + std::to_string(c) + "-" + std::to_string(i);
      inv.number = "INV-" + std::to_string(100000 + c) + "-" + std::to_string(1000 + i);
      inv.customer_id = cust.customer_id;
      inv.currency = usd;
      // Distinct per customer, cents included: 1,000.00 to 21,000.00.
      inv.amount_total_minor = 100000 + static_cast<int64_t>(rng() % 2000000) + i;
      inv.amount_open_minor = inv.amount_total_minor;
      inv.due_date = Date{due.days + i};
      if (i < set) {
        p.amount_minor += inv.amount_open_minor;
        if (by_reference) p.references.push_back(RemittanceRef{inv.number, inv.amount_open_minor});
      }
      pf->book.AddInvoice(std::move(inv));
    }
    pf->batch.payments.push_back(std::move(p));
  }
  pf->book.Seal();
  pf->batch.batch_id = "b-bench";
  auto extractor = HintExtractor::Create(policy);
  MatchOptions one_thread;
  one_thread.threads = 1;
  pf->hints = ExtractAllHints(pf->batch, *extractor.value(), one_thread);
  return pf;
}

void RunMatch(benchmark::State& state, bool by_reference) {
  const Policy policy;
  const int open = static_cast<int>(state.range(0));
  const int set = static_cast<int>(state.range(1));
  auto pf = MakePortfolio(open, set, by_reference, policy);
  MatchOptions one_thread;
  one_thread.threads = 1;
  size_t applied = 0;
  for (auto _ : state) {
    BatchOutcome out = MatchBatch(pf->batch, pf->hints, pf->book, policy, one_thread);
    applied = out.applied_count;
    benchmark::DoNotOptimize(out.events.data());
  }
  // Not every payment need be applied: a rival set, or the search's node
  // budget, sends a payment to review. The share says how often.
  state.counters["applied_share"] = static_cast<double>(applied) / static_cast<double>(kCustomers);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCustomers);
  state.counters["payments/s"] =
      benchmark::Counter(static_cast<double>(kCustomers), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MatchByReference(benchmark::State& state) { RunMatch(state, true); }
void BM_MatchSubsetSum(benchmark::State& state) { RunMatch(state, false); }

BENCHMARK(BM_MatchByReference)->Args({12, 3})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MatchSubsetSum)->Args({12, 1})->Args({12, 3})->Args({32, 3})->Args({64, 3})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cashmatch::bench
