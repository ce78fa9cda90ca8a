// Event encoding: every decision becomes events that are encoded into the
// ledger's binary form at commit (codec::EncodeEvent), decoded by every
// reader (export, reports, verify, eval) and written as NDJSON by export
// (EventToJson). Events are pre-built, shaped like the matcher's: an
// `applied` with rule, score and two signals, an `exception` with a longer
// detail, a `suppression` with an action.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/io/export.h"
#include "ledger/codec.h"  // internal to io: the ledger's encoding (bench/CMakeLists.txt adds io/src)

namespace cashmatch::bench {
namespace {

constexpr size_t kEventsCount = 1024;

std::vector<Event> MakeEvents() {
  const Currency* usd = Currency::Find("USD");
  std::vector<Event> out;
  out.reserve(kEventsCount);
  for (size_t i = 0; i < kEventsCount; ++i) {
    Event e;
    e.seq = 1000000 + i;
    e.batch_id = "b-f23966e3c0ae0729";
    e.payment_id = "B20261123" + std::to_string(100000000 + i);
    e.invoice_id = "I-" + std::to_string(10000000 + i);
    e.customer_id = "C-" + std::to_string(100000 + i % 5000);
    e.amount_minor = 1250000 + static_cast<int64_t>(i) * 37;
    e.currency = usd;
    switch (i % 3) {
      case 0:
        e.type = EventType::kApplied;
        e.rule = "exact_reference";
        e.score_milli = 1000;
        e.signals = {"reference=exact:INV-2026-004211", "amount_delta=0"};
        break;
      case 1:
        e.type = EventType::kException;
        e.rule = "exact_reference";
        e.reason = ExceptionReason::kAmountMismatch;
        e.signals = {"reference=exact:INV-2026-004420", "amount_delta=-1.00"};
        e.detail = "payment of 979.00 differs from the open total 980.00 of its invoices";
        break;
      default:
        e.type = EventType::kSuppression;
        e.rule = "invoice_settled";
        e.action = SuppressionAction::kCancel;
        break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void BM_EncodeEvent(benchmark::State& state) {
  const std::vector<Event> events = MakeEvents();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string s = io::codec::EncodeEvent(events[i++ % events.size()]);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeEvent)->UseRealTime();

void BM_DecodeEvent(benchmark::State& state) {
  std::vector<std::string> encoded;
  for (const Event& e : MakeEvents()) encoded.push_back(io::codec::EncodeEvent(e));
  size_t i = 0, bytes = 0;
  Event e;
  for (auto _ : state) {
    const std::string& s = encoded[i++ % encoded.size()];
    Status st = io::codec::DecodeEvent(s, &e);
    if (!st.ok()) state.SkipWithError(st.message().c_str());
    bytes += s.size();
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeEvent)->UseRealTime();

void BM_EventToJson(benchmark::State& state) {
  const std::vector<Event> events = MakeEvents();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string s = io::EventToJson(events[i++ % events.size()]);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EventToJson)->UseRealTime();

}  // namespace
}  // namespace cashmatch::bench
