// NDJSON payment parsing: the first stage of every `cashmatch apply`.
// BM_ParsePaymentsNdjson times the real parser (simdjson On-Demand, then
// conversion to Payment: amounts, dates, HMAC of the payer account).
// BM_SimdjsonLineWalk is a floor for comparison: the same line splitting and
// the same simdjson kernel visiting every field, with no conversion and no
// copies, so the gap between the two is what the parser adds.
#include <benchmark/benchmark.h>
// simdjson exactly as io/ compiles it (see io/src/simdjson_release.h).
#include "readers/simdjson_release.h"

#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/payments_ndjson.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kLinesCount = 100000;

std::string MakeNdjson(bool with_account) {
  std::string data;
  data.reserve(kLinesCount * 320);
  for (uint64_t i = 0; i < kLinesCount; ++i) {
    const std::string id = "P-" + std::to_string(1000000 + i);
    AppendPaymentLine(PaymentLineSpec{id, i, i % 10000, with_account}, &data);
  }
  return data;
}

// Arg 0: with payer_account (one HMAC-SHA-256 per line); 1: without.
void BM_ParsePaymentsNdjson(benchmark::State& state) {
  const bool with_account = state.range(0) == 1;
  const std::string data = MakeNdjson(with_account);
  const io::Fingerprinter fp(std::string(32, 'k'));
  for (auto _ : state) {
    std::vector<std::string> warnings;
    auto batch = io::ParsePaymentsNdjson("bench.ndjson", data, fp, &warnings);
    if (!batch.ok()) {
      state.SkipWithError(batch.status().message().c_str());
      return;
    }
    if (batch.value().payments.size() != kLinesCount) {
      state.SkipWithError("parsed the wrong number of payments");
      return;
    }
    benchmark::DoNotOptimize(batch.value().payments.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLinesCount));
  state.SetLabel(with_account ? "with payer_account" : "without payer_account");
}
// MinTime: one pass over the buffer takes 0.5-1 s; time at least two or three.
BENCHMARK(BM_ParsePaymentsNdjson)
    ->ArgName("account")
    ->Arg(1)
    ->Arg(0)
    ->MinTime(2.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

namespace od = simdjson::ondemand;

// Visits every value of one payment line; returns bytes of string content
// seen so the work cannot be optimized away.
size_t WalkLine(od::parser& parser, simdjson::padded_string_view line) {
  size_t seen = 0;
  od::document doc = parser.iterate(line);
  for (auto field : doc.get_object()) {
    std::string_view key = field.unescaped_key();
    od::value v = field.value();
    if (key == "references") {
      for (auto ref : v.get_array()) {
        for (auto ref_field : ref.get_object()) {
          std::string_view s = ref_field.value().get_string();
          seen += s.size();
        }
      }
    } else {
      std::string_view s = v.get_string();
      seen += s.size();
    }
  }
  return seen;
}

void BM_SimdjsonLineWalk(benchmark::State& state) {
  const std::string data = MakeNdjson(true);
  simdjson::padded_string buffer(data);
  od::parser parser;
  for (auto _ : state) {
    size_t seen = 0;
    const char* base = buffer.data();
    const size_t size = buffer.size();
    size_t pos = 0;
    while (pos < size) {
      const char* nl = static_cast<const char*>(std::memchr(base + pos, '\n', size - pos));
      const size_t end = nl == nullptr ? size : static_cast<size_t>(nl - base);
      const size_t capacity = size - pos + simdjson::SIMDJSON_PADDING;
      seen += WalkLine(parser, simdjson::padded_string_view(base + pos, end - pos, capacity));
      pos = end + 1;
    }
    benchmark::DoNotOptimize(seen);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLinesCount));
  // Which simdjson kernels ran. Stage 1 and string unescaping go through
  // the parser's implementation, selected at run time for this CPU and
  // compiled into libsimdjson.so. The On-Demand iterator itself is compiled
  // into this file for SIMDJSON_BUILTIN_IMPLEMENTATION, chosen from the
  // target flags (no -march here or in io/: `fallback`). Note that
  // simdjson::builtin_implementation() would name the library's builtin,
  // not this file's, so the macro is printed instead.
#define CASHMATCH_STRINGIFY2(x) #x
#define CASHMATCH_STRINGIFY(x) CASHMATCH_STRINGIFY2(x)
  state.SetLabel(std::string("stage 1 and strings: ") + simdjson::get_active_implementation()->name() +
                 ", On-Demand walk: " + CASHMATCH_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
#undef CASHMATCH_STRINGIFY
#undef CASHMATCH_STRINGIFY2
}
BENCHMARK(BM_SimdjsonLineWalk)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
