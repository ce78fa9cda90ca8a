// Stage 1 of the matcher (engine/README.md): remittance hints for every
// payment of a batch, extracted in parallel. The hint rules themselves are
// in hints.cc; this file only fans them out.
#include "cashmatch/engine/match.h"
#include "parallel.h"

namespace cashmatch {

std::vector<PaymentHints> ExtractAllHints(const SettlementBatch& batch, const HintExtractor& extractor,
                                          const MatchOptions& options) {
  std::vector<PaymentHints> hints(batch.payments.size());
  // Each slot is written by exactly one task: the result cannot depend on
  // scheduling, only on the payment at that position.
  ParallelFor(options.threads, batch.payments.size(),
              [&](size_t i) { hints[i] = extractor.Extract(batch.payments[i]); });
  return hints;
}

}  // namespace cashmatch
