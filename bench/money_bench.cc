// Money text conversions: ParseAmountMinor runs once per amount field of
// every payment line and reference, FormatAmountMinor once per exported
// amount. Inputs are pre-generated so only the conversion is timed.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cashmatch/engine/money.h"

namespace cashmatch::bench {
namespace {

constexpr size_t kAmountsCount = 4096;

// Amounts in minor units spread over eleven orders of magnitude, so short
// and long texts are both represented.
std::vector<int64_t> MakeAmountsMinor() {
  std::mt19937_64 rng(20261102);
  std::vector<int64_t> out;
  out.reserve(kAmountsCount);
  for (size_t i = 0; i < kAmountsCount; ++i) {
    const int64_t scale = static_cast<int64_t>(1) << (rng() % 37);  // up to ~6.9e10 minor
    out.push_back(1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(scale)));
  }
  return out;
}

// Varied texts as payers write them: "1,234.50", "0.01", "987654321.12",
// "1234.5", "500", " 42.00 ".
std::vector<std::string> MakeAmountTexts() {
  std::vector<std::string> out;
  out.reserve(kAmountsCount);
  std::mt19937_64 rng(42);
  for (int64_t minor : MakeAmountsMinor()) {
    std::string plain = FormatAmountMinor(minor, 2);
    switch (rng() % 5) {
      case 0: {  // thousands separators
        const size_t dot = plain.find('.');
        std::string grouped;
        for (size_t i = 0; i < dot; ++i) {
          if (i > 0 && (dot - i) % 3 == 0) grouped.push_back(',');
          grouped.push_back(plain[i]);
        }
        out.push_back(grouped + plain.substr(dot));
        break;
      }
      case 1:  // one decimal where the second is zero, else as is
        out.push_back(plain.back() == '0' ? plain.substr(0, plain.size() - 1) : plain);
        break;
      case 2:  // surrounding blanks
        out.push_back(" " + plain + " ");
        break;
      default: out.push_back(plain);
    }
  }
  return out;
}

void BM_ParseAmountMinor(benchmark::State& state) {
  const std::vector<std::string> texts = MakeAmountTexts();
  for (auto _ : state) {
    for (const std::string& t : texts) {
      auto r = ParseAmountMinor(t, 2);
      if (!r.ok()) {
        state.SkipWithError(("cannot parse '" + t + "': " + r.status().message()).c_str());
        return;
      }
      benchmark::DoNotOptimize(r.value());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(texts.size()));
}
BENCHMARK(BM_ParseAmountMinor)->UseRealTime();

void BM_FormatAmountMinor(benchmark::State& state) {
  const std::vector<int64_t> amounts = MakeAmountsMinor();
  for (auto _ : state) {
    for (int64_t a : amounts) {
      std::string s = FormatAmountMinor(a, 2);
      benchmark::DoNotOptimize(s.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(amounts.size()));
}
BENCHMARK(BM_FormatAmountMinor)->UseRealTime();

}  // namespace
}  // namespace cashmatch::bench
