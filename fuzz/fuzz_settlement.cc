// libFuzzer target for one settlement parser, chosen at build time by
// CASHMATCH_FUZZ_FORMAT (a SettlementFormat name: ndjson, bai2, camt,
// stripe-json). The property: any bytes give a batch or a clean error —
// never a crash, a hang, an out-of-bounds read (ASan) or undefined
// behaviour (UBSan) — and a batch holds only positive amounts in a known
// currency.
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
    }
    for (const cashmatch::Reversal& v : r.value().batch.reversals) {
      if (v.currency == nullptr || v.amount_minor <= 0) std::abort();
    }
  }
  return 0;
}
