// Stage 3 of the matcher (engine/README.md): deciding one payment (resolve,
// identify, propose, then apply or raise an exception) and applying an
// accepted proposal to the working balances with its events and dunning.
#include <algorithm>
#include <cassert>

#include "match_internal.h"

namespace cashmatch::matcher {

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

// The dunning action for invoice `w` after money moved on it, filled into
// the suppression event `s`: pause while cash is held for it, cancel when
// settled, pause when only a disputed amount is open, soften when mostly
// paid. False: dunning carries on as it was.
bool DunningAfter(const Invoice& w, bool held, const Policy& policy, Event* s) {
  s->invoice_id = w.invoice_id;
  s->customer_id = w.customer_id;
  if (held) {
    s->action = SuppressionAction::kPause;
    s->rule = RuleName(Rule::kCashHeld);
    s->detail = "payment held while usage is reconciled";
  } else if (w.amount_open_minor == 0) {
    s->action = SuppressionAction::kCancel;
    s->rule = RuleName(Rule::kInvoiceSettled);
  } else if (w.disputed_minor > 0 && w.amount_open_minor <= w.disputed_minor) {
    s->action = SuppressionAction::kPause;
    s->rule = RuleName(Rule::kDisputedOpen);
    s->detail = "only the disputed amount stays open";
  } else {
    const i128 paid = static_cast<i128>(w.amount_total_minor - w.amount_open_minor) * 1000000;
    const bool mostly =
        w.amount_total_minor > 0 && paid >= static_cast<i128>(w.amount_total_minor) * policy.soften_paid_share_ppm;
    if (!mostly) return false;  // partly paid: dunning carries on for the rest
    s->action = SuppressionAction::kSoften;
    s->rule = RuleName(Rule::kMostlyPaid);
  }
  return true;
}

namespace {

// Emits the events of an accepted proposal against the working balances:
// applications, write-offs, holds (each with its dunning action), then the
// unapplied rest. Updates the payment record.
void ApplyProposal(const SettlementBatch& batch, const Payment& p, const Proposal& pr, const Policy& policy,
                   WorkingBalances& balances, PaymentRecord& rec, BatchOutcome& out, SettledPayment* settled) {
  std::vector<Invoice*> touched;
  auto touch = [&](const Invoice* inv) -> Invoice& {
    Invoice& w = balances.Mutable(*inv);
    if (std::find(touched.begin(), touched.end(), &w) == touched.end()) touched.push_back(&w);
    return w;
  };
  auto event = [&](EventType type, const Invoice& w, int64_t amount) {
    Event e = BaseEvent(type, batch, p);
    e.invoice_id = w.invoice_id;
    e.customer_id = w.customer_id;
    e.amount_minor = amount;
    e.rule = RuleName(pr.rule);
    e.score_milli = pr.score_milli;
    e.signals = pr.signals;
    return e;
  };
  for (const auto& [inv, amount] : pr.applications) {
    Invoice& w = touch(inv);
    AssertSameCurrency(p.currency, w);
    assert(amount > 0 && amount <= w.amount_open_minor);
    w.amount_open_minor -= amount;
    out.events.push_back(event(EventType::kApplied, w, amount));
    rec.applied_minor += amount;
    if (settled != nullptr) settled->applications.push_back(Application{w.invoice_id, amount});
  }
  for (const auto& [inv, amount] : pr.write_offs) {
    Invoice& w = touch(inv);
    AssertSameCurrency(p.currency, w);
    assert(amount > 0 && amount <= w.amount_open_minor);
    w.amount_open_minor -= amount;
    Event e = event(EventType::kWrittenOff, w, amount);
    e.detail = "short payment within tolerance";
    out.events.push_back(e);
  }
  for (const auto& [inv, amount] : pr.holds) {
    Invoice& w = touch(inv);
    AssertSameCurrency(p.currency, w);
    Event e = event(EventType::kHeld, w, amount);
    e.detail = "usage still reconciling: cash held until the invoice is final";
    out.events.push_back(e);
    rec.held_minor += amount;
    if (settled != nullptr) settled->holds.push_back(Application{w.invoice_id, amount});
  }
  // One dunning decision per touched invoice, after its money moved.
  for (Invoice* w : touched) {
    AssertInvoiceInBounds(*w);
    bool held = false;
    for (const auto& h : pr.holds) held = held || h.first->invoice_id == w->invoice_id;
    Event s = BaseEvent(EventType::kSuppression, batch, p);
    if (DunningAfter(*w, held, policy, &s)) out.events.push_back(s);
  }
  if (pr.unapplied_minor > 0) {
    Event e = BaseEvent(EventType::kUnapplied, batch, p);
    e.customer_id = rec.customer_id;
    e.amount_minor = pr.unapplied_minor;
    e.rule = RuleName(pr.rule);
    e.score_milli = pr.score_milli;
    e.signals = pr.signals;
    e.detail = "cash on the customer's account";
    out.events.push_back(e);
    rec.unapplied_minor += pr.unapplied_minor;
  }
  assert(rec.applied_minor + rec.held_minor + rec.unapplied_minor == p.amount_minor);
  rec.status = rec.applied_minor == p.amount_minor ? PaymentStatus::kApplied
               : rec.applied_minor > 0             ? PaymentStatus::kPartial
                                                   : PaymentStatus::kUnapplied;
  ++out.applied_count;
}

void RaiseException(const SettlementBatch& batch, const Payment& p, ExceptionReason reason, const std::string& detail,
                    const std::vector<std::string>& signals, const std::string& invoice_id, PaymentRecord& rec,
                    BatchOutcome& out) {
  assert(reason != ExceptionReason::kNone);
  Event ex = BaseEvent(EventType::kException, batch, p);
  ex.customer_id = rec.customer_id;
  ex.invoice_id = invoice_id;  // one referenced invoice: the exception shows in its trail
  ex.amount_minor = p.amount_minor;
  ex.reason = reason;
  ex.rule = RuleName(Rule::kMatch);
  ex.signals = signals;
  ex.detail = detail;
  out.events.push_back(ex);
  rec.status = PaymentStatus::kException;
  rec.exception_minor = p.amount_minor;
  rec.reason = reason;
  ++out.exception_count;
}

}  // namespace

// Decides one new payment: the referenced invoices when the remittance
// names usable ones, else its amount against the identified customer's open
// invoices; a score below the policy's auto line goes to review.
void DecidePayment(const SettlementBatch& batch, const Payment& p, const PaymentHints& hints, const OpenBook& book,
                   const Policy& policy, WorkingBalances& balances, Identities& identities, PaymentRecord& rec,
                   BatchOutcome& out, SettledPayment* settled) {
  Identified ided = ResolveAndIdentify(p, hints, book, policy, balances, identities);
  WeighReferences(p, book, policy, balances, identities, ided);
  const Resolution& res = ided.res;
  const Identification& id = ided.id;
  rec.customer_id = id.customer_id;
  Event received = BaseEvent(EventType::kPaymentReceived, batch, p);
  received.customer_id = rec.customer_id;
  received.amount_minor = p.amount_minor;
  received.detail = p.payer_name;
  received.signals = id.signals;
  out.events.push_back(received);

  const std::string one_invoice = res.found.size() == 1 ? res.found.front()->invoice_id : std::string();
  std::optional<Proposal> proposal;
  ExceptionReason reason = ExceptionReason::kNone;
  std::string why;
  std::vector<std::string> signals = res.signals;
  const bool by_amount = res.reason == ExceptionReason::kUnmatched || OnlyUnknownFreeText(res);
  // An unknown token lowers nothing when the known references explain the
  // whole amount (issue 14 §4): it is a check number or a typo'd extra, and
  // the signals keep it for the record.
  const bool explained = KnownReferencesExplain(p, res);
  if (res.reason == ExceptionReason::kNone || explained) {
    proposal = ProposeReferenced(p, res, policy, &why);
    if (!proposal) reason = ExceptionReason::kOverTolerance;
    if (proposal) CapReferenceScore(res, *proposal);
    if (proposal && explained) proposal->signals.push_back("unknown_references=explained_by_amount");
  } else if (by_amount && !rec.customer_id.empty()) {
    Proposal pr = ProposeForPayer(p, hints, id, book, balances, policy, &reason, &why);
    for (std::string& s : pr.signals) signals.push_back(s);
    pr.signals = signals;
    if (reason == ExceptionReason::kNone) proposal = std::move(pr);
  } else if (by_amount && res.reason == ExceptionReason::kUnknownInvoice) {
    reason = res.reason;  // the payer named an invoice we do not know, and nothing else identifies them
    why = res.detail;
  } else if (by_amount) {
    reason = ExceptionReason::kNoCustomer;
    why = id.detail.empty() ? "no usable invoice reference and no known payer account" : id.detail;
    signals.insert(signals.end(), id.signals.begin() + 1, id.signals.end());
  } else {
    reason = res.reason;
    why = res.detail;
  }
  const bool scored = proposal && (proposal->rule != Rule::kOnAccount || id.by == IdentifiedBy::kName);
  if (scored && proposal->score_milli < policy.auto_apply_score_milli) {
    reason = proposal->score_milli >= policy.review_score_milli ? ExceptionReason::kNeedsReview
                                                                : ExceptionReason::kUnmatched;
    why = "best proposal '" + std::string(RuleName(proposal->rule)) + "' scored " +
          std::to_string(proposal->score_milli) + "/1000, below the auto-apply threshold";
    signals = proposal->signals;
    signals.push_back("score=" + std::to_string(proposal->score_milli));
    proposal.reset();
  }
  if (proposal) {
    ApplyProposal(batch, p, *proposal, policy, balances, rec, out, settled);
  } else {
    RaiseException(batch, p, reason, why, signals, one_invoice, rec, out);
  }
  AssertPaymentConserved(rec);
}

}  // namespace cashmatch::matcher
