// Internal: what the matcher's stages share (engine/README.md tells how a
// payment flows through them). Not part of the public API: the public seam
// is cashmatch/engine/match.h.
//
// Invariants: (1) the book is immutable while a batch is matched; every
// change goes through a WorkingBalances, first touch copies. (2) Money
// moves between a payment and an invoice only in the same currency.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/match.h"
#include "identify.h"
#include "wide.h"

namespace cashmatch::matcher {

// Invoice balances as this batch has left them so far. The book is
// immutable; the first touch copies an invoice here.
class WorkingBalances {
 public:
  explicit WorkingBalances(const OpenBook& book) : book_(book) {}

  const Invoice* Find(const InvoiceHint& h) const {
    const Invoice* base =
        h.stripe_invoice ? book_.FindInvoiceByStripeId(h.text) : book_.FindInvoiceByNumber(h.normalized);
    if (base == nullptr) return nullptr;
    auto it = touched_.find(base->invoice_id);
    return it == touched_.end() ? base : &updates_[it->second];
  }

  const Invoice* FindById(const std::string& invoice_id) const {
    auto it = touched_.find(invoice_id);
    if (it != touched_.end()) return &updates_[it->second];
    return book_.FindInvoice(invoice_id);
  }

  Invoice& Mutable(const Invoice& inv) {
    auto it = touched_.find(inv.invoice_id);
    if (it != touched_.end()) return updates_[it->second];
    touched_.emplace(inv.invoice_id, updates_.size());
    updates_.push_back(inv);
    return updates_.back();
  }

  std::vector<Invoice> Take() { return std::vector<Invoice>(updates_.begin(), updates_.end()); }

  // Takes over invoice states another WorkingBalances over the same book
  // produced (a group allocated apart); none may be touched here yet.
  void Absorb(std::vector<Invoice> updates) {
    for (Invoice& inv : updates) {
      assert(touched_.count(inv.invoice_id) == 0);
      touched_.emplace(inv.invoice_id, updates_.size());
      updates_.push_back(std::move(inv));
    }
  }

  const OpenBook& book() const { return book_; }

 private:
  const OpenBook& book_;
  std::unordered_map<std::string, size_t> touched_;
  // First-touch order, so the outcome is deterministic. A deque, because
  // callers hold pointers from Find() across later Mutable() calls.
  std::deque<Invoice> updates_;
};

struct Resolution {
  std::vector<const Invoice*> invoices;        // references that passed every check: to settle
  std::vector<std::optional<int64_t>> stated;  // per invoice: the amount the remittance states for it
  std::vector<const Invoice*> held;            // usage still reconciling: cash is held, never applied
  std::string referenced_customer_id;          // customer of the first invoice found at all
  std::vector<const Invoice*> found;           // every referenced invoice that exists
  std::vector<std::string> signals;            // one "reference=<verdict>:<number>" per hint
  bool structured_unknown = false;             // a structured reference names no invoice
  // Hints no strict, tolerant or body key found: tails, PO numbers and typos,
  // resolved once the customer is identified (ResolveDeferred).
  std::vector<const InvoiceHint*> deferred;
  int32_t score_cap_milli = 1000;  // the weakest way a reference was found
  Rule weak_rule = Rule::kNone;    // and the rule it names (kReferenceFuzzy …)
  ExceptionReason reason = ExceptionReason::kNone;
  std::string detail;
  int32_t failures_count = 0;  // every Fail, whatever its reason
  int32_t unknown_count = 0;   // references that name no invoice
  // References whose invoice is already settled, in another currency or
  // disputed in full.
  int32_t state_failures_count = 0;

  void Fail(ExceptionReason r, std::string why) {
    ++failures_count;
    if (reason == ExceptionReason::kNone || r < reason) {
      reason = r;
      detail = std::move(why);
    }
  }
};

// What can be settled on an invoice now: the open amount less what is disputed.
inline int64_t Settleable(const Invoice& inv) {
  return std::max<int64_t>(0, inv.amount_open_minor - inv.disputed_minor);
}

// Scores, in thousandths. A reference the payer wrote is the strongest
// evidence; an amount match on a customer known by its bank account comes
// next; every adjustment (write-off, partial, several invoices) costs a
// little, so a policy can draw its auto-apply line between them.
constexpr int32_t kScoreExactReference = 1000;
constexpr int32_t kScoreReferenceAdjusted = 950;  // reference, amount differs (short, partial, over)
constexpr int32_t kScoreExactAmount = 950;        // one open invoice with exactly the amount
constexpr int32_t kScoreSubsetSum = 930;          // a unique set of open invoices sums to it
constexpr int32_t kScoreWithinTolerance = 910;    // a unique set sums to it within the tolerance
constexpr int32_t kScoreSearchCut = 700;          // the bounded search stopped before proving uniqueness

// One proposed allocation: invoices with the amount each gets, and what
// the payment leaves over or short.
struct Proposal {
  Rule rule = Rule::kNone;
  int32_t score_milli = 0;
  std::vector<std::pair<const Invoice*, int64_t>> applications;  // canonical order
  std::vector<std::pair<const Invoice*, int64_t>> write_offs;
  std::vector<std::pair<const Invoice*, int64_t>> holds;
  int64_t unapplied_minor = 0;
  std::vector<std::string> signals;
};

// ---- Invariants, checked when a payment's outcome is complete (asserts
// stay on in release builds). Input never reaches them: a currency that
// differs is refused with an exception before any money moves.

// Money moves between a payment and an invoice only in one currency.
inline void AssertSameCurrency(const Currency* payment, const Invoice& inv) {
  assert(payment != nullptr);
  assert(payment == inv.currency);
}

// An invoice's open amount is never negative. It is not bounded by the
// total: a reload may lower an invoice's total (or open amount) after cash
// was applied, and a return of that cash then reopens it by what was
// applied, which can exceed the reloaded total. That is input, not a
// programmer error, so it is no assertion.
inline void AssertInvoiceInBounds(const Invoice& inv) { assert(inv.amount_open_minor >= 0); }

// A payment's money is conserved: what it brought is applied, on the
// customer's account, held, in review or returned, each never negative. A
// bank line that carried a Stripe payout brought no customer cash and is
// not checked.
inline void AssertPaymentConserved(const PaymentRecord& rec) {
  if (rec.status == PaymentStatus::kPayout || rec.reason == ExceptionReason::kPayoutPending) return;
  assert(rec.applied_minor >= 0 && rec.unapplied_minor >= 0);
  assert(rec.held_minor >= 0 && rec.exception_minor >= 0 && rec.returned_minor >= 0);
  const i128 parts = static_cast<i128>(rec.applied_minor) + rec.unapplied_minor + rec.held_minor + rec.exception_minor +
                     rec.returned_minor;
  assert(parts == rec.amount_minor);
}

// ---- resolve.cc: the invoices a remittance names, and who pays ----

// The references in the hints checked against the balances: found,
// settleable, held, or why not. Tails, PO numbers and typos wait in
// `deferred` for the customer.
Resolution Resolve(const Payment& p, const PaymentHints& hints, const WorkingBalances& balances);
// The deferred hints, once the customer is known (or known to be unknown).
void ResolveDeferred(const Payment& p, const Policy& policy, const std::string& customer_id,
                     const WorkingBalances& balances, Resolution& res);
// Free text that only produced numbers we do not know is no reference.
bool OnlyUnknownFreeText(const Resolution& res);
// The only failures are unknown references, and the references that were
// found (all settleable, none held) are due exactly the payment's amount:
// the unknown ones are noise the patterns caught, not a reason to stop.
bool KnownReferencesExplain(const Payment& p, const Resolution& res);
// What the references claim so far: stated amounts, else what is due on
// each, plus holds. Saturates instead of overflowing.
int64_t DueSoFar(const Resolution& res);

// A payment's identifications, made once: before allocation to group the
// payments (match_batch.cc) and reused when the payment is decided.
// IdentifyPayer depends only on the payment, the book, the policy and the
// referenced customer, so each referenced customer is identified once (a
// typo resolved against other balances may name another: a payment sees
// at most a few).
class Identities {
 public:
  Identification Get(const Payment& p, const std::string& referenced_customer_id, const OpenBook& book,
                     const Policy& policy);

 private:
  std::vector<std::pair<std::string, Identification>> known_;  // by referenced customer id
};

// What the payment's references resolve to and who pays, against
// `balances`: the references, the customer (identify.h), then the
// references that needed the customer, and the customer again when only
// those named one.
struct Identified {
  Resolution res;
  Identification id;
};
Identified ResolveAndIdentify(const Payment& p, const PaymentHints& hints, const OpenBook& book, const Policy& policy,
                              const WorkingBalances& balances, Identities& identities);

// ---- reference_fit.cc ----

// Weighs the references against who pays (by account, Stripe customer or
// name) and the amount: replaces a reference by the payer's own invoice one
// or two edits from it that the amount fits exactly, or sends the payment
// to review when it would settle another customer's invoice that the amount
// does not fit. The file's header has the rules.
// Edits between two strict invoice-number keys (NormalizeInvoiceNumber),
// a swap of neighbours counting as one (optimal string alignment); past
// `bound` it answers bound + 1.
int ReferenceDistance(std::string_view a, std::string_view b, int bound);
// The places two keys of one length differ in (a digit keyed wrong, not
// one dropped and another added); the longer length when they differ.
int AlignedDifferences(std::string_view a, std::string_view b);
void WeighReferences(const Payment& p, const OpenBook& book, const Policy& policy, const WorkingBalances& balances,
                     Identities& identities, Identified& ided);

// ---- propose_reference.cc ----

std::string Delta(int64_t payment, int64_t due, int exponent);
std::optional<Proposal> ProposeReferenced(const Payment& p, const Resolution& res, const Policy& policy,
                                          std::string* why);
void CapReferenceScore(const Resolution& res, Proposal& pr);

// ---- propose_amount.cc ----

Proposal ProposeForPayer(const Payment& p, const PaymentHints& hints, const Identification& id, const OpenBook& book,
                         const WorkingBalances& balances, const Policy& policy, ExceptionReason* reason,
                         std::string* why);

// ---- allocate.cc: deciding a payment and applying what was decided ----

Event BaseEvent(EventType type, const SettlementBatch& batch, const Payment& p);
PaymentRecord NewRecord(const SettlementBatch& batch, const Payment& p);
bool DunningAfter(const Invoice& w, bool held, const Policy& policy, Event* s);
void DecidePayment(const SettlementBatch& batch, const Payment& p, const PaymentHints& hints, const OpenBook& book,
                   const Policy& policy, WorkingBalances& balances, Identities& identities, PaymentRecord& rec,
                   BatchOutcome& out, SettledPayment* settled);

// ---- reversals.cc ----

void ApplyReversals(const SettlementBatch& batch, const OpenBook& book, WorkingBalances& balances,
                    std::unordered_map<std::string, SettledPayment>& settled_here, BatchOutcome& out);

// ---- stripe_payouts.cc ----

// Payout halves this batch has already linked, so none is linked twice.
using PayoutClaims = std::set<std::string>;

Event FeeEvent(const SettlementBatch& batch, const Payment& p, const std::string& customer_id);
void BookStandaloneFees(const SettlementBatch& batch, BatchOutcome& out);
bool IsStripeTransferLine(const Payment& p);
void DecideTransferLine(const SettlementBatch& batch, const Payment& p, const OpenBook& book, PayoutClaims& claims,
                        PaymentRecord& rec, BatchOutcome& out);
void LinkPayout(const SettlementBatch& batch, const OpenBook& book, BatchOutcome& out);

}  // namespace cashmatch::matcher
