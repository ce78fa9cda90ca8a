// libFuzzer target for one settlement parser, chosen at build time by
// CASHMATCH_FUZZ_FORMAT: a name from the table of formats in
// io/src/readers/settlement.cc, which fuzz/CMakeLists.txt reads to make one
// target per format. The property: any bytes give a batch or a clean error
// — never a crash, a hang, an out-of-bounds read (ASan) or undefined
// behaviour (UBSan) — and a batch holds what the matcher and the ledger
// assume of it (their asserts guard invariants, not input): positive
// payment, return and remitted amounts in a known currency, and a Stripe
// payout, when linked, that is not a debit.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cashmatch/io/settlement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cashmatch::io::Fingerprinter fp(std::string(32, 'f'));
  static const cashmatch::io::SettlementFormat format = [] {
    cashmatch::io::SettlementFormat f;
    if (!cashmatch::io::ParseSettlementFormat(CASHMATCH_FUZZ_FORMAT, &f)) std::abort();
    return f;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (bool skip : {false, true}) {
    cashmatch::io::ParseOptions options;
    options.skip_bad_records = skip;
    auto r = cashmatch::io::ParseSettlement("fuzz", input, format, fp, options);
    if (!r.ok()) continue;
    for (const cashmatch::Payment& p : r.value().batch.payments) {
      if (p.currency == nullptr || p.amount_minor <= 0) std::abort();
      for (const cashmatch::RemittanceRef& ref : p.references) {
        if (ref.amount_minor.has_value() && *ref.amount_minor <= 0) std::abort();
      }
    }
    const auto& payout = r.value().batch.payout;
    if (payout.has_value() && (payout->currency == nullptr || payout->amount_minor < 0)) std::abort();
    for (const cashmatch::Reversal& v : r.value().batch.reversals) {
      if (v.currency == nullptr || v.amount_minor <= 0) std::abort();
    }
  }
  return 0;
}
