// Releasing holds (engine/README.md): cash held against a usage invoice
// while it reconciled is applied once the invoice is final, any rest on
// the customer's account, and the invoice's dunning resumes or stops.
#include <algorithm>
#include <string>
#include <cassert>
#include <tuple>
#include <unordered_map>

#include "cashmatch/engine/match.h"
#include "match_internal.h"

namespace cashmatch {

using matcher::AssertInvoiceInBounds;
using matcher::AssertPaymentConserved;
using matcher::AssertSameCurrency;
using matcher::DunningAfter;
using matcher::Settleable;
using matcher::WorkingBalances;

BatchOutcome ReleaseHolds(const std::string& batch_id, const std::vector<HoldRelease>& holds, const OpenBook& book,
                          const Policy& policy) {
  std::vector<const HoldRelease*> order;
  for (const HoldRelease& h : holds) order.push_back(&h);
  std::sort(order.begin(), order.end(), [](const HoldRelease* a, const HoldRelease* b) {
    return std::tie(a->record.value_date, a->record.payment_id, a->invoice_id) <
           std::tie(b->record.value_date, b->record.payment_id, b->invoice_id);
  });
  BatchOutcome out;
  WorkingBalances balances(book);
  std::unordered_map<std::string, size_t> record_at;  // payment id -> out.payments
  for (const HoldRelease* h : order) {
    const Invoice* inv = balances.FindById(h->invoice_id);
    assert(inv != nullptr && h->amount_minor > 0);
    auto [at, inserted] = record_at.emplace(h->record.payment_id, out.payments.size());
    if (inserted) out.payments.push_back(h->record);
    PaymentRecord& rec = out.payments[at->second];
    auto event = [&](EventType type, int64_t amount) {
      Event e;
      e.type = type;
      e.batch_id = batch_id;
      e.payment_id = rec.payment_id;
      e.invoice_id = inv->invoice_id;
      e.customer_id = rec.customer_id;
      e.currency = rec.currency;
      e.amount_minor = amount;
      e.rule = RuleName(Rule::kUsageFinal);
      return e;
    };
    if (inv->currency != rec.currency) {
      // Never applied across currencies: the hold stays, a person decides.
      Event ex = event(EventType::kException, h->amount_minor);
      ex.reason = ExceptionReason::kCurrencyMismatch;
      ex.from = CashBucket::kHeld;  // the cash stays held: not in review
      ex.detail = "held cash in " + std::string(rec.currency->code()) + " cannot be released to invoice " +
                  inv->number + " in " + std::string(inv->currency->code()) + ": the hold stays";
      out.events.push_back(ex);
      ++out.exception_count;
      continue;
    }
    Event released = event(EventType::kReleased, h->amount_minor);
    released.detail = "usage reconciled: the held cash is applied";
    out.events.push_back(released);
    rec.held_minor -= h->amount_minor;
    // What the final invoice still owes is applied; any rest is the
    // customer's, on account.
    Invoice& w = balances.Mutable(*inv);
    AssertSameCurrency(rec.currency, w);
    const int64_t apply = std::min(h->amount_minor, Settleable(w));
    if (apply > 0) {
      w.amount_open_minor -= apply;
      out.events.push_back(event(EventType::kApplied, apply));
      rec.applied_minor += apply;
    }
    if (h->amount_minor > apply) {
      Event rest = event(EventType::kUnapplied, h->amount_minor - apply);
      rest.invoice_id.clear();
      rest.detail = "held cash beyond what the final invoice owes: on the customer's account";
      out.events.push_back(rest);
      rec.unapplied_minor += h->amount_minor - apply;
    }
    Event s = event(EventType::kSuppression, 0);
    s.rule.clear();
    if (!DunningAfter(w, false, policy, &s)) {
      s.action = SuppressionAction::kResume;  // the hold paused it: chase what is still open
      s.rule = RuleName(Rule::kHoldReleased);
    }
    out.events.push_back(s);
    rec.status = rec.exception_minor > 0                                      ? rec.status
                 : rec.applied_minor == rec.amount_minor - rec.returned_minor ? PaymentStatus::kApplied
                 : rec.applied_minor > 0                                      ? PaymentStatus::kPartial
                                                                              : PaymentStatus::kUnapplied;
    AssertInvoiceInBounds(w);
    AssertPaymentConserved(rec);
    ++out.applied_count;
  }
  out.invoice_updates = balances.Take();
  return out;
}

}  // namespace cashmatch
