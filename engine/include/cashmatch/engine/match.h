// File: cashmatch/engine/match.h
//
// The matcher seam: a pure function from a settlement batch, its hints and a
// snapshot of the open book to decisions (events plus the new state of every
// invoice and payment the batch touched). It never touches storage; the
// ledger commits its outcome in one write.
//
// Determinism: the outcome depends only on the inputs, never on the thread
// count. Hints are extracted in parallel (oneTBB) into a vector indexed by
// payment position; payments that can touch the same invoices (through
// their customers) form groups, each allocated in canonical order (value
// date, then payment id), groups in parallel; the decisions are joined in
// canonical order.
//
// What it decides (engine/README.md names the file of each stage):
// identification by account, Stripe customer id, referenced invoice or
// payer name; referenced invoices
// (exact, tolerant, PO, RF, one typo) with short/over/partial handling,
// holds and disputes; otherwise the amount against the customer's (and its
// children's) open invoices through a bounded subset search; Stripe fees
// and payout bank lines; returns. Anything it may not apply becomes an
// `exception` event carrying its reason.
#pragma once

#include <string>
#include <vector>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/match_types.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch {

struct BatchOutcome {
  std::vector<Event> events;             // commit order; seq not yet set
  std::vector<Invoice> invoice_updates;  // new state of touched invoices
  std::vector<PaymentRecord> payments;   // new payments, and earlier ones a return touched
  std::vector<PayoutLink> payout_links;  // payout halves recorded or linked by this batch
  size_t applied_count = 0;
  size_t exception_count = 0;
  size_t duplicate_count = 0;
  size_t reversal_count = 0;       // returns that found their payment
  size_t payout_linked_count = 0;  // Stripe payouts linked to their bank line
};

struct MatchOptions {
  // Threads for the parallel stages; 0 lets oneTBB choose. Default: 0.
  int threads = 0;
};

// Stage 1, in parallel: hints for every payment, by payment position.
std::vector<PaymentHints> ExtractAllHints(const SettlementBatch& batch, const HintExtractor& extractor,
                                          const MatchOptions& options);

// What the ledger must load into an OpenBook for this batch.
BookRequest PlanBookRequest(const SettlementBatch& batch, const std::vector<PaymentHints>& hints);

// Stages 2-3: decide every payment of the batch against the snapshot.
// Payments that can touch the same invoices (through their customers) are
// allocated together in canonical order; such groups run in parallel on
// `options.threads`. The outcome is the same for any thread count.
BatchOutcome MatchBatch(const SettlementBatch& batch, const std::vector<PaymentHints>& hints, const OpenBook& book,
                        const Policy& policy, const MatchOptions& options = MatchOptions());

// Cash held against a usage invoice, to be released now that the invoice
// is final: `record` is the payment's current state.
struct HoldRelease {
  PaymentRecord record;
  std::string invoice_id;
  int64_t amount_minor = 0;
};

// Releases holds (payments in canonical order): `released`, then `applied`
// up to what the invoice still owes (undisputed), any rest `unapplied` on
// the customer's account, and the invoice's dunning: cancel when settled,
// soften when mostly paid, else resume (the hold had paused it). The
// invoices must be in `book`.
BatchOutcome ReleaseHolds(const std::string& batch_id, const std::vector<HoldRelease>& holds, const OpenBook& book,
                          const Policy& policy);

}  // namespace cashmatch
