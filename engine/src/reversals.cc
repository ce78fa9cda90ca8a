// Returns (ACH returns, returned checks, Stripe refunds and disputes, bank
// reversals): what a returned payment still holds is taken back, newest
// first, and the invoices it settled reopen (engine/README.md).
#include <algorithm>
#include <cassert>

#include "match_internal.h"

namespace cashmatch::matcher {
namespace {

Event ReversalEvent(EventType type, const SettlementBatch& batch, const Reversal& r, const PaymentRecord& rec) {
  Event e;
  e.type = type;
  e.batch_id = batch.batch_id;
  e.payment_id = rec.payment_id;
  e.customer_id = rec.customer_id;
  e.currency = rec.currency;
  e.rule = ReversalKindName(r.kind);
  e.signals = {"reversal_id=" + r.reversal_id};
  if (!r.reason_code.empty()) e.signals.push_back("return_reason=" + r.reason_code);
  e.detail = r.text;
  return e;
}

// Takes back what the returned payment still holds, up to the returned
// amount: cash on the customer's account first, then cash waiting in
// review, then cash held against usage invoices, then applications newest
// first. Each invoice that gets money back or loses its hold resumes
// dunning. Anything left over, or a return whose payment we do not hold, is
// an exception for a person.
// The first invoice a return of `amount_minor` would reopen whose currency
// is no longer the payment's (the invoice was reloaded in another
// currency), or null. Walks the buckets in ReverseOne's order.
const Invoice* ReopensInAnotherCurrency(const SettledPayment& settled, int64_t amount_minor,
                                        const WorkingBalances& balances) {
  const PaymentRecord& rec = settled.record;
  i128 left = static_cast<i128>(amount_minor) - rec.unapplied_minor - rec.exception_minor;
  for (const Application& h : settled.holds) left -= std::max<int64_t>(0, h.amount_minor);
  for (auto it = settled.applications.rbegin(); it != settled.applications.rend() && left > 0; ++it) {
    if (it->amount_minor == 0) continue;
    const Invoice* inv = balances.FindById(it->invoice_id);
    if (inv == nullptr) continue;
    if (inv->currency != rec.currency) return inv;
    left -= it->amount_minor;
  }
  return nullptr;
}

void ReverseOne(const SettlementBatch& batch, const Reversal& r, SettledPayment& settled, WorkingBalances& balances,
                BatchOutcome& out) {
  PaymentRecord& rec = settled.record;
  if (const Invoice* other = ReopensInAnotherCurrency(settled, r.amount_minor, balances)) {
    // Reopening it by the payment's amount would add one currency's units
    // to another's: nothing is reversed, a person decides.
    Event ex = ReversalEvent(EventType::kException, batch, r, rec);
    ex.invoice_id = other->invoice_id;
    ex.amount_minor = r.amount_minor;
    ex.reason = ExceptionReason::kCurrencyMismatch;
    ex.from = CashBucket::kApplied;  // the cash stays applied: not in review
    ex.detail = "return of payment " + rec.payment_id + " in " + std::string(rec.currency->code()) +
                " would reopen invoice " + other->number + ", now in " + std::string(other->currency->code()) +
                ": nothing reversed";
    out.events.push_back(ex);
    ++out.exception_count;
    return;
  }
  int64_t remaining = r.amount_minor;
  auto take = [&](int64_t& bucket_minor, CashBucket from, const std::string& invoice_id) {
    const int64_t x = std::min(remaining, bucket_minor);
    bucket_minor -= x;
    rec.returned_minor += x;
    remaining -= x;
    Event rev = ReversalEvent(EventType::kReversed, batch, r, rec);
    rev.invoice_id = invoice_id;
    rev.amount_minor = x;
    rev.from = from;
    out.events.push_back(rev);
    return x;
  };
  auto resume = [&](const std::string& invoice_id, const char* detail) {
    Event e = ReversalEvent(EventType::kSuppression, batch, r, rec);
    e.invoice_id = invoice_id;
    e.action = SuppressionAction::kResume;
    e.detail = detail;
    out.events.push_back(e);
  };
  if (remaining > 0 && rec.unapplied_minor > 0) take(rec.unapplied_minor, CashBucket::kUnapplied, "");
  if (remaining > 0 && rec.exception_minor > 0) take(rec.exception_minor, CashBucket::kReview, "");
  for (auto it = settled.holds.rbegin(); it != settled.holds.rend() && remaining > 0; ++it) {
    if (it->amount_minor <= 0) continue;
    rec.held_minor -= take(it->amount_minor, CashBucket::kHeld, it->invoice_id);
    if (it->amount_minor == 0) resume(it->invoice_id, "held cash returned: the invoice is chased again once final");
  }
  for (auto it = settled.applications.rbegin(); it != settled.applications.rend() && remaining > 0; ++it) {
    if (it->amount_minor == 0) continue;
    const Invoice* inv = balances.FindById(it->invoice_id);
    if (inv == nullptr) continue;  // no longer in the ledger: left to the exception below
    Invoice& w = balances.Mutable(*inv);
    AssertSameCurrency(rec.currency, w);
    const int64_t x = take(it->amount_minor, CashBucket::kApplied, w.invoice_id);
    w.amount_open_minor += x;
    AssertInvoiceInBounds(w);
    rec.applied_minor -= x;
    resume(w.invoice_id, "payment returned: chase this invoice again");
  }
  if (rec.applied_minor == 0 && rec.unapplied_minor == 0 && rec.held_minor == 0 && rec.exception_minor == 0) {
    rec.status = PaymentStatus::kReturned;
  } else if (rec.status == PaymentStatus::kPartial && rec.unapplied_minor == 0 && rec.held_minor == 0 &&
             rec.applied_minor > 0) {
    rec.status = PaymentStatus::kApplied;  // the overpaid part went back
  }
  if (remaining > 0) {
    Event ex = ReversalEvent(EventType::kException, batch, r, rec);
    ex.amount_minor = remaining;
    ex.reason = ExceptionReason::kReturnUnmatched;
    ex.detail = "return of " + FormatAmountMinor(r.amount_minor, r.currency->exponent()) + " exceeds what payment " +
                rec.payment_id + " still settled by " + FormatAmountMinor(remaining, r.currency->exponent());
    out.events.push_back(ex);
    ++out.exception_count;
  }
  AssertPaymentConserved(rec);
  ++out.reversal_count;
}

}  // namespace

void ApplyReversals(const SettlementBatch& batch, const OpenBook& book, WorkingBalances& balances,
                    std::unordered_map<std::string, SettledPayment>& settled_here, BatchOutcome& out) {
  std::vector<const Reversal*> order;
  for (const Reversal& r : batch.reversals) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const Reversal* a, const Reversal* b) {
    if (a->value_date != b->value_date) return a->value_date < b->value_date;
    return a->reversal_id < b->reversal_id;
  });
  // Earlier payments a return touches get their new state appended to
  // out.payments once, after all returns, in first-touch order.
  std::vector<std::string> touched_order;
  std::unordered_map<std::string, SettledPayment> touched_from_book;
  for (const Reversal* r : order) {
    // The same return, committed by an earlier batch: nothing is undone twice.
    const bool duplicate = book.IsReturnCommitted(*r);
    SettledPayment* target = nullptr;
    for (const std::string* ref : {&r->original_payment_id, &r->original_reference}) {
      if (duplicate || ref->empty() || target != nullptr) continue;
      auto here = settled_here.find(*ref);
      if (here != settled_here.end()) {
        target = &here->second;
        continue;
      }
      const SettledPayment* from_book = book.FindSettledPayment(*ref);
      if (from_book == nullptr) continue;
      auto [it, inserted] = touched_from_book.emplace(from_book->record.payment_id, *from_book);
      if (inserted) touched_order.push_back(from_book->record.payment_id);
      target = &it->second;
    }
    if (duplicate || target == nullptr || target->record.currency != r->currency) {
      Event ex;
      ex.type = EventType::kException;
      ex.batch_id = batch.batch_id;
      ex.payment_id = r->reversal_id;
      ex.currency = r->currency;
      ex.amount_minor = r->amount_minor;
      ex.reason = duplicate ? ExceptionReason::kDuplicatePayment : ExceptionReason::kReturnUnmatched;
      ex.rule = ReversalKindName(r->kind);
      ex.signals = {"original=" + (r->original_payment_id.empty() ? r->original_reference : r->original_payment_id)};
      if (!r->reason_code.empty()) ex.signals.push_back("return_reason=" + r->reason_code);
      ex.detail = duplicate           ? "return already committed by an earlier batch"
                  : target == nullptr ? "return names no payment in the ledger"
                                      : "return is in another currency";
      out.events.push_back(ex);
      ++(duplicate ? out.duplicate_count : out.exception_count);
      continue;
    }
    ReverseOne(batch, *r, *target, balances, out);
  }
  // Payments of this batch: their records in out.payments get the result.
  for (PaymentRecord& rec : out.payments) {
    auto it = settled_here.find(rec.payment_id);
    if (it != settled_here.end()) rec = it->second.record;
  }
  for (const std::string& id : touched_order) out.payments.push_back(touched_from_book[id].record);
}

}  // namespace cashmatch::matcher
