// Stage 1 of the matcher (engine/README.md): remittance hints for every
// payment of a batch, extracted in parallel. The hint rules themselves are
// in hints.cc; this file only fans them out.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cashmatch/engine/match.h"

namespace cashmatch {

std::vector<PaymentHints> ExtractAllHints(const SettlementBatch& batch, const HintExtractor& extractor,
                                          const MatchOptions& options) {
  std::vector<PaymentHints> hints(batch.payments.size());
  // An arena of the requested size limits this call only, where a
  // global_control would limit every oneTBB user in the process.
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  // Each slot is written by exactly one task: the result cannot depend on
  // scheduling, only on the payment at that position.
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, batch.payments.size(), 64),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t i = r.begin(); i != r.end(); ++i) hints[i] = extractor.Extract(batch.payments[i]);
                      });
  });
  return hints;
}

}  // namespace cashmatch
