// Exact matcher (the foundation's stand-in for the scoring matcher of
// DESIGN.md §3). The flow, per payment in canonical order:
//   1. look up every invoice the hints name, against balances that earlier
//      payments of this batch already reduced;
//   2. if all exist, are open, are in the payment's currency, and the amounts
//      agree exactly, apply each in full and cancel its dunning;
//   3. otherwise raise one exception with the reason of highest precedence.
#include "cashmatch/engine/match.h"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <unordered_map>

namespace cashmatch {

std::vector<PaymentHints> ExtractAllHints(const SettlementBatch& batch, const HintExtractor& extractor,
                                          const MatchOptions& options) {
  std::vector<PaymentHints> hints(batch.payments.size());
  std::unique_ptr<tbb::global_control> limit;
  if (options.threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<size_t>(options.threads));
  }
  // Each slot is written by exactly one task: the result cannot depend on
  // scheduling, only on the payment at that position.
  tbb::parallel_for(tbb::blocked_range<size_t>(0, batch.payments.size(), 64),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i != r.end(); ++i) hints[i] = extractor.Extract(batch.payments[i]);
                    });
  return hints;
}

BookRequest PlanBookRequest(const SettlementBatch& batch, const std::vector<PaymentHints>& hints) {
  assert(hints.size() == batch.payments.size());
  BookRequest req;
  for (size_t i = 0; i < batch.payments.size(); ++i) {
    const Payment& p = batch.payments[i];
    req.payment_ids.insert(p.payment_id);
    if (!p.payer_account_fp.empty()) req.account_fps.insert(p.payer_account_fp);
    for (const InvoiceHint& h : hints[i].invoices) {
      if (h.stripe_invoice) {
        req.stripe_invoice_ids.insert(h.text);
      } else {
        req.invoice_numbers.insert(h.normalized);
      }
    }
  }
  for (const Reversal& r : batch.reversals) {
    if (!r.original_payment_id.empty()) req.returned_payment_refs.insert(r.original_payment_id);
    if (!r.original_reference.empty()) req.returned_payment_refs.insert(r.original_reference);
  }
  return req;
}

namespace {

constexpr int32_t kExactScoreMilli = 1000;

// Invoice balances as this batch has left them so far. The book is
// immutable; the first touch copies an invoice here.
class WorkingBalances {
 public:
  explicit WorkingBalances(const OpenBook& book) : book_(book) {}

  const Invoice* Find(const InvoiceHint& h) const {
    const Invoice* base = h.stripe_invoice ? book_.FindInvoiceByStripeId(h.text) : book_.FindInvoiceByNumber(h.normalized);
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

 private:
  const OpenBook& book_;
  std::unordered_map<std::string, size_t> touched_;
  // First-touch order, so the outcome is deterministic. A deque, because
  // callers hold pointers from Find() across later Mutable() calls.
  std::deque<Invoice> updates_;
};

struct Resolution {
  std::vector<const Invoice*> invoices;  // the references that passed every check
  std::string referenced_customer_id;   // customer of the first invoice found at all
  std::vector<const Invoice*> found;     // every referenced invoice that exists
  std::vector<std::string> signals;      // one "reference=<verdict>:<number>" per hint
  ExceptionReason reason = ExceptionReason::kNone;
  std::string detail;

  void Fail(ExceptionReason r, std::string why) {
    if (reason == ExceptionReason::kNone || r < reason) {
      reason = r;
      detail = std::move(why);
    }
  }
};

// Checks one referenced invoice against the payment; records a failure in
// `res` and returns the verdict for the signals ("exact" when it passes).
const char* CheckReference(const Payment& p, const InvoiceHint& h, const Invoice& inv, Resolution& res) {
  const int exp = p.currency->exponent();
  if (inv.currency != p.currency) {
    res.Fail(ExceptionReason::kCurrencyMismatch, "invoice " + inv.number + " is in " + std::string(inv.currency->code()));
    return "currency_mismatch";
  }
  if (!inv.is_open()) {
    res.Fail(ExceptionReason::kInvoiceNotOpen, "invoice " + inv.number + " is already settled");
    return "not_open";
  }
  if (inv.usage_status == UsageStatus::kReconciling) {
    res.Fail(ExceptionReason::kNeedsReview, "invoice " + inv.number + " has usage still reconciling");
    return "usage_reconciling";
  }
  if (inv.disputed_minor > 0) {
    res.Fail(ExceptionReason::kNeedsReview, "invoice " + inv.number + " has a disputed amount");
    return "disputed";
  }
  if (h.amount_minor.has_value() && *h.amount_minor != inv.amount_open_minor) {
    res.Fail(ExceptionReason::kAmountMismatch, "remittance pays " + FormatAmountMinor(*h.amount_minor, exp) +
                                                   " on invoice " + inv.number + " whose open amount is " +
                                                   FormatAmountMinor(inv.amount_open_minor, exp));
    return "amount_mismatch";
  }
  return "exact";
}

Resolution Resolve(const Payment& p, const PaymentHints& hints, const WorkingBalances& balances) {
  Resolution res;
  if (hints.invoices.empty()) {
    res.Fail(ExceptionReason::kUnmatched, "no invoice reference in the remittance");
    return res;
  }
  if (hints.truncated) {
    // Settling only the first N of more references could close the wrong
    // invoices: a person looks at it.
    res.Fail(ExceptionReason::kNeedsReview, "more invoice references than the policy's references_count_max");
  }
  MoneySum total;
  for (const InvoiceHint& h : hints.invoices) {
    const Invoice* inv = balances.Find(h);
    if (inv == nullptr) {
      // An ERP that does not record Stripe's invoice ids makes an unknown
      // in_… no evidence against a number that does match.
      if (h.stripe_invoice) {
        res.signals.push_back("stripe_invoice=unknown:" + h.text);
        if (hints.invoices.size() == 1) res.Fail(ExceptionReason::kUnknownInvoice, "no invoice with Stripe id " + h.text);
        continue;
      }
      res.Fail(ExceptionReason::kUnknownInvoice, "no invoice numbered '" + h.text + "'");
      res.signals.push_back("reference=unknown:" + h.text);
      continue;
    }
    // The same invoice named twice (by number and by Stripe id) counts once.
    bool seen = false;
    for (const Invoice* f : res.found) seen = seen || f->invoice_id == inv->invoice_id;
    if (seen) continue;
    if (res.referenced_customer_id.empty()) res.referenced_customer_id = inv->customer_id;
    res.found.push_back(inv);
    const char* verdict = CheckReference(p, h, *inv, res);
    res.signals.push_back(std::string(h.stripe_invoice ? "stripe_invoice=" : "reference=") + verdict + ":" +
                          (h.stripe_invoice ? h.text : inv->number));
    if (std::string_view(verdict) != "exact") continue;
    total.Add(inv->amount_open_minor);
    res.invoices.push_back(inv);
  }
  if (res.reason == ExceptionReason::kNone && total.wide() != MoneySum::Wide(p.amount_minor)) {
    res.Fail(ExceptionReason::kAmountMismatch, "payment of " + FormatAmountMinor(p.amount_minor, p.currency->exponent()) +
                                                   " differs from the open total " +
                                                   total.Format(p.currency->exponent()) + " of its invoices");
    MoneySum delta;
    delta.Add(p.amount_minor);
    delta.Sub(total.ToInt64().ok() ? total.ToInt64().value() : 0);
    res.signals.push_back("amount_delta=" + delta.Format(p.currency->exponent()));
  }
  return res;
}

Event BaseEvent(EventType type, const SettlementBatch& batch, const Payment& p) {
  Event e;
  e.type = type;
  e.batch_id = batch.batch_id;
  e.payment_id = p.payment_id;
  e.currency = p.currency;
  return e;
}

PaymentRecord NewRecord(const SettlementBatch& batch, const Payment& p) {
  PaymentRecord r;
  r.payment_id = p.payment_id;
  r.batch_id = batch.batch_id;
  r.source = p.source;
  r.amount_minor = p.amount_minor;
  r.currency = p.currency;
  r.value_date = p.value_date;
  r.payer_name = p.payer_name;
  r.payer_account_mask = p.payer_account_mask;
  r.bank_reference = p.bank_reference;
  r.end_to_end_id = p.end_to_end_id;
  return r;
}

// The customer, and the signal that identified it: a referenced invoice is
// the payer's own word; a known bank account comes next.
std::string IdentifyCustomer(const Payment& p, const Resolution& res, const OpenBook& book, std::string* signal) {
  if (!res.referenced_customer_id.empty()) {
    *signal = "identified_by=reference";
    return res.referenced_customer_id;
  }
  if (!p.payer_account_fp.empty()) {
    if (const Customer* c = book.FindCustomerByAccountFp(p.payer_account_fp)) {
      *signal = "identified_by=account";
      return c->customer_id;
    }
  }
  *signal = "identified_by=none";
  return {};
}

void ApplyExact(const SettlementBatch& batch, const Payment& p, const Resolution& res, WorkingBalances& balances,
                PaymentRecord& rec, BatchOutcome& out, std::vector<Application>* applications) {
  for (const Invoice* inv : res.invoices) {
    Invoice& w = balances.Mutable(*inv);
    const int64_t amount = w.amount_open_minor;
    assert(amount > 0);
    w.amount_open_minor = 0;
    Event applied = BaseEvent(EventType::kApplied, batch, p);
    applied.invoice_id = w.invoice_id;
    applied.customer_id = w.customer_id;
    applied.amount_minor = amount;
    applied.rule = "exact_reference";
    applied.score_milli = kExactScoreMilli;
    applied.signals = {"reference=exact:" + w.number, "amount_delta=0"};
    out.events.push_back(applied);
    Event cancel = BaseEvent(EventType::kSuppression, batch, p);
    cancel.invoice_id = w.invoice_id;
    cancel.customer_id = w.customer_id;
    cancel.amount_minor = 0;
    cancel.action = SuppressionAction::kCancel;
    cancel.rule = "invoice_settled";
    out.events.push_back(cancel);
    rec.applied_minor += amount;
    if (applications != nullptr) applications->push_back(Application{w.invoice_id, amount});
  }
  assert(rec.applied_minor == p.amount_minor);
  rec.status = PaymentStatus::kApplied;
  ++out.applied_count;
}

void RaiseException(const SettlementBatch& batch, const Payment& p, const Resolution& res, PaymentRecord& rec,
                    BatchOutcome& out) {
  assert(res.reason != ExceptionReason::kNone);
  Event ex = BaseEvent(EventType::kException, batch, p);
  ex.customer_id = rec.customer_id;
  // One referenced invoice: the exception shows in that invoice's trail.
  if (res.found.size() == 1) ex.invoice_id = res.found.front()->invoice_id;
  ex.amount_minor = p.amount_minor;
  ex.reason = res.reason;
  ex.rule = "exact_reference";
  ex.signals = res.signals;
  ex.detail = res.detail;
  out.events.push_back(ex);
  rec.status = PaymentStatus::kException;
  rec.exception_minor = p.amount_minor;
  rec.reason = res.reason;
  ++out.exception_count;
}

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

// Undoes, newest first, what the returned payment settled, up to the
// returned amount: each invoice reopens and its dunning resumes. Cash that
// was waiting in review goes back next. Anything left over, or a return
// whose payment we do not hold, is an exception for a person.
void ReverseOne(const SettlementBatch& batch, const Reversal& r, SettledPayment& settled, WorkingBalances& balances,
                BatchOutcome& out) {
  PaymentRecord& rec = settled.record;
  int64_t remaining = r.amount_minor;
  for (auto it = settled.applications.rbegin(); it != settled.applications.rend() && remaining > 0; ++it) {
    if (it->amount_minor == 0) continue;
    const Invoice* inv = balances.FindById(it->invoice_id);
    if (inv == nullptr) continue;  // no longer in the ledger: left to the exception below
    const int64_t x = std::min(remaining, it->amount_minor);
    Invoice& w = balances.Mutable(*inv);
    w.amount_open_minor += x;
    it->amount_minor -= x;
    rec.applied_minor -= x;
    rec.returned_minor += x;
    remaining -= x;
    Event rev = ReversalEvent(EventType::kReversed, batch, r, rec);
    rev.invoice_id = w.invoice_id;
    rev.amount_minor = x;
    out.events.push_back(rev);
    Event resume = ReversalEvent(EventType::kSuppression, batch, r, rec);
    resume.invoice_id = w.invoice_id;
    resume.action = SuppressionAction::kResume;
    resume.detail = "payment returned: chase this invoice again";
    out.events.push_back(resume);
  }
  if (remaining > 0 && rec.exception_minor > 0) {
    const int64_t x = std::min(remaining, rec.exception_minor);
    rec.exception_minor -= x;
    rec.returned_minor += x;
    remaining -= x;
    Event rev = ReversalEvent(EventType::kReversed, batch, r, rec);
    rev.amount_minor = x;
    out.events.push_back(rev);
  }
  if (rec.applied_minor == 0 && rec.unapplied_minor == 0 && rec.held_minor == 0 && rec.exception_minor == 0) {
    rec.status = PaymentStatus::kReturned;
  }
  if (remaining > 0) {
    Event ex = ReversalEvent(EventType::kException, batch, r, rec);
    ex.amount_minor = remaining;
    ex.reason = ExceptionReason::kReturnUnmatched;
    ex.detail = "return of " + FormatAmountMinor(r.amount_minor, r.currency->exponent()) +
                " exceeds what payment " + rec.payment_id + " still settled by " +
                FormatAmountMinor(remaining, r.currency->exponent());
    out.events.push_back(ex);
    ++out.exception_count;
  }
  ++out.reversal_count;
}

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
    SettledPayment* target = nullptr;
    for (const std::string* ref : {&r->original_payment_id, &r->original_reference}) {
      if (ref->empty() || target != nullptr) continue;
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
    if (target == nullptr || target->record.currency != r->currency) {
      Event ex;
      ex.type = EventType::kException;
      ex.batch_id = batch.batch_id;
      ex.payment_id = r->reversal_id;
      ex.currency = r->currency;
      ex.amount_minor = r->amount_minor;
      ex.reason = ExceptionReason::kReturnUnmatched;
      ex.rule = ReversalKindName(r->kind);
      ex.signals = {"original=" + (r->original_payment_id.empty() ? r->original_reference : r->original_payment_id)};
      if (!r->reason_code.empty()) ex.signals.push_back("return_reason=" + r->reason_code);
      ex.detail = target == nullptr ? "return names no payment in the ledger" : "return is in another currency";
      out.events.push_back(ex);
      ++out.exception_count;
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

}  // namespace

BatchOutcome MatchBatch(const SettlementBatch& batch, const std::vector<PaymentHints>& hints, const OpenBook& book,
                        const Policy& policy) {
  assert(hints.size() == batch.payments.size());
  (void)policy;  // the exact matcher has no tunables; the scoring matcher will
  std::vector<size_t> order(batch.payments.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Payment& pa = batch.payments[a];
    const Payment& pb = batch.payments[b];
    if (pa.value_date != pb.value_date) return pa.value_date < pb.value_date;
    return pa.payment_id < pb.payment_id;
  });

  BatchOutcome out;
  WorkingBalances balances(book);
  // Payments of this batch by id, with what each applied: a return in the
  // same batch (a Stripe refund of a charge in the same payout) undoes them.
  // Kept only when the batch carries returns: nothing else reads it.
  const bool has_returns = !batch.reversals.empty();
  std::unordered_map<std::string, SettledPayment> settled_here;
  for (size_t idx : order) {
    const Payment& p = batch.payments[idx];
    if (book.IsPaymentCommitted(p.payment_id)) {
      // Not new money: the same payment id was committed by an earlier
      // batch. A person decides; nothing is received or applied twice.
      Event dup = BaseEvent(EventType::kException, batch, p);
      dup.amount_minor = p.amount_minor;
      dup.reason = ExceptionReason::kDuplicatePayment;
      dup.detail = "payment id already committed by an earlier batch";
      out.events.push_back(dup);
      ++out.duplicate_count;
      continue;
    }
    Resolution res = Resolve(p, hints[idx], balances);
    PaymentRecord rec = NewRecord(batch, p);
    std::string identified_by;
    rec.customer_id = IdentifyCustomer(p, res, book, &identified_by);
    if (res.reason == ExceptionReason::kUnmatched && rec.customer_id.empty()) {
      res.reason = ExceptionReason::kNoCustomer;
      res.detail = "no invoice reference and no known payer account";
    }
    Event received = BaseEvent(EventType::kPaymentReceived, batch, p);
    received.customer_id = rec.customer_id;
    received.amount_minor = p.amount_minor;
    received.detail = p.payer_name;
    received.signals = {identified_by};
    out.events.push_back(received);
    std::vector<Application> applications;
    if (res.reason == ExceptionReason::kNone) {
      ApplyExact(batch, p, res, balances, rec, out, has_returns ? &applications : nullptr);
    } else {
      RaiseException(batch, p, res, rec, out);
    }
    if (has_returns) settled_here[p.payment_id] = SettledPayment{rec, std::move(applications)};
    out.payments.push_back(std::move(rec));
  }
  if (has_returns) ApplyReversals(batch, book, balances, settled_here, out);
  out.invoice_updates = balances.Take();
  return out;
}

}  // namespace cashmatch
