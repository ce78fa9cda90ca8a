// Customer identification by payer name (stage 2, identify): what a
// payment with no reference and no known account costs.
//
// BM_IdentifyByName: normalize the payer's name (utf8proc path for
// accented names, ASCII fast path for the rest), look its tokens up in the
// OpenBook's name index and score the customers found (Dice of the token
// sets). The book holds `customers` customers whose names are a unique
// word, one of twelve industry words and a legal form, so every industry
// word is shared by customers/12 of them: too common to score, as in a
// real book. One thread; the pipeline runs payments under oneTBB.
//
// BM_LoadBookByName: the ledger's half. A ledger holding `customers`
// customers; LoadBook for 1,000 payer names (no account), which seeks each
// token's postings ('m' index), reads and scores the candidates and loads
// the accepted ones. Wall-clock (RocksDB reads on this thread, but the
// block cache and OS are shared).
//
// Both check that every payment found its own customer, so a faster but
// wrong index cannot post a figure.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cashmatch/engine/book.h"
#include "cashmatch/engine/payer_name.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::bench {
namespace {

constexpr uint64_t kNamedPaymentsCount = 10000;
constexpr uint64_t kLookupNamesCount = 1000;

constexpr std::array<const char*, 20> kSyllables = {"ka",  "lo",  "mi", "ren", "tor", "vi",  "sel", "dan", "qua", "bri",
                                                    "fen", "gol", "hu", "jas", "mor", "nix", "pel", "ros", "tam", "zu"};
constexpr std::array<const char*, 12> kIndustries = {"Logistics", "Networks", "Media",   "Retail",
                                                     "Systems",   "Pharma",   "Freight", "Capital",
                                                     "Health",    "Robotics", "Foods",   "Energy"};
constexpr std::array<const char*, 6> kLegalShort = {"Inc.", "LLC", "Ltd", "GmbH", "Corp.", "S.A."};
constexpr std::array<const char*, 6> kLegalLong = {"INCORPORATED", "L.L.C.", "LIMITED", "GMBH", "CORPORATION", "SA"};

// A word of its own for customer `index`: four syllables in base 20
// (160,000 distinct words), an accent on every seventh.
std::string WordOf(uint64_t index) {
  std::string w;
  for (int i = 0; i < 4; ++i) {
    w += kSyllables[index % kSyllables.size()];
    index /= kSyllables.size();
  }
  w[0] = static_cast<char>(w[0] - 'a' + 'A');
  return w;
}

Customer NamedCustomer(uint64_t index) {
  Customer c;
  c.customer_id = CustomerId(index);
  c.name = WordOf(index) + (index % 7 == 0 ? "é " : " ") + kIndustries[index % kIndustries.size()] + " " +
           kLegalShort[index % kLegalShort.size()];
  return c;
}

// How a bank writes customer `index`'s name: upper case, long legal form,
// without the accent.
std::string PayerNameOf(uint64_t index) {
  std::string word = WordOf(index);
  for (char& ch : word) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
  std::string industry = kIndustries[index % kIndustries.size()];
  for (char& ch : industry) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
  return word + (index % 7 == 0 ? "E " : " ") + industry + " " + kLegalLong[(index + 1) % kLegalLong.size()];
}

// The customer the i-th payment comes from: spread over the whole book.
uint64_t PayerOf(uint64_t i, uint64_t customers) { return (i * 7919) % customers; }

void BM_IdentifyByName(benchmark::State& state) {
  const uint64_t customers = static_cast<uint64_t>(state.range(0));
  OpenBook book;
  for (uint64_t i = 0; i < customers; ++i) book.AddCustomer(NamedCustomer(i));
  book.Seal();
  std::vector<std::string> names;
  names.reserve(kNamedPaymentsCount);
  for (uint64_t i = 0; i < kNamedPaymentsCount; ++i) names.push_back(PayerNameOf(PayerOf(i, customers)));
  uint64_t right = 0;
  for (auto _ : state) {
    right = 0;
    for (uint64_t i = 0; i < kNamedPaymentsCount; ++i) {
      const PayerName payer = NormalizePayerName(names[i]);
      const NameMatch m = book.MatchPayerName(payer.tokens, kNameSimilarityMinMilliDefault);
      right += m.customer != nullptr && m.customer->customer_id == CustomerId(PayerOf(i, customers)) ? 1 : 0;
      benchmark::DoNotOptimize(m.customer);
    }
  }
  if (right != kNamedPaymentsCount) {
    state.SkipWithError(("identified " + std::to_string(right) + " of " + std::to_string(kNamedPaymentsCount)).c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kNamedPaymentsCount));
}
BENCHMARK(BM_IdentifyByName)->ArgName("customers")->Arg(1000)->Arg(10000)->Arg(100000)->UseRealTime();

void BM_LoadBookByName(benchmark::State& state) {
  const uint64_t customers = static_cast<uint64_t>(state.range(0));
  ScratchDir dir;
  io::LedgerOptions options;
  options.sync = false;
  options.create_if_missing = true;
  auto opened = io::Ledger::Open((dir.path() / "ledger").string(), options);
  if (!opened.ok()) {
    state.SkipWithError(opened.status().message().c_str());
    return;
  }
  io::Ledger& ledger = *opened.value();
  std::vector<Customer> book;
  book.reserve(customers);
  for (uint64_t i = 0; i < customers; ++i) book.push_back(NamedCustomer(i));
  Status loaded = ledger.UpsertBook(book, {});
  if (!loaded.ok()) {
    state.SkipWithError(loaded.message().c_str());
    return;
  }
  BookRequest req;
  for (uint64_t i = 0; i < kLookupNamesCount; ++i) {
    req.payer_names.insert(
        PayerNameRequest{NormalizePayerName(PayerNameOf(PayerOf(i, customers))).tokens, "", "", "", false});
  }
  size_t found = 0;
  for (auto _ : state) {
    auto slice = ledger.LoadBook(req);
    if (!slice.ok()) {
      state.SkipWithError(slice.status().message().c_str());
      return;
    }
    found = slice.value()->customer_count();
    benchmark::DoNotOptimize(found);
  }
  if (found != req.payer_names.size()) {
    state.SkipWithError(
        ("loaded " + std::to_string(found) + " customers for " + std::to_string(req.payer_names.size()) + " names")
            .c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * req.payer_names.size()));
}
BENCHMARK(BM_LoadBookByName)
    ->ArgName("customers")
    ->Arg(10000)
    ->Arg(100000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cashmatch::bench
