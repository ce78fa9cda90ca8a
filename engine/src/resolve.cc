// Stage 2a of the matcher (engine/README.md): the invoices a remittance
// names, each checked against the balances earlier payments left
// (currency, still open, usage reconciling, disputed, stated amount), and
// the paying customer (identify.h), then the references that needed the
// customer (references.h: a bare tail, a PO number, a one-edit typo).
#include <algorithm>
#include <string_view>

#include "match_internal.h"
#include "references.h"
#include "wide.h"

namespace cashmatch::matcher {
namespace {

// Checks one referenced invoice against the payment; records a failure in
// `res` and returns the verdict for the signals ("exact" when it passes).
const char* CheckReference(const Payment& p, const InvoiceHint& h, const Invoice& inv, Resolution& res) {
  const int exp = p.currency->exponent();
  if (inv.currency != p.currency) {
    res.Fail(ExceptionReason::kCurrencyMismatch,
             "invoice " + inv.number + " is in " + std::string(inv.currency->code()));
    ++res.state_failures_count;
    return "currency_mismatch";
  }
  if (!inv.is_open()) {
    res.Fail(ExceptionReason::kInvoiceNotOpen, "invoice " + inv.number + " is already settled");
    ++res.state_failures_count;
    return "not_open";
  }
  if (inv.usage_status == UsageStatus::kReconciling) {
    res.held.push_back(&inv);
    return "usage_reconciling";
  }
  if (Settleable(inv) == 0) {
    res.Fail(ExceptionReason::kNeedsReview, "invoice " + inv.number + " is disputed in full");
    ++res.state_failures_count;
    return "disputed";
  }
  if (h.amount_minor.has_value() && *h.amount_minor > Settleable(inv)) {
    res.Fail(ExceptionReason::kAmountMismatch, "remittance pays " + FormatAmountMinor(*h.amount_minor, exp) +
                                                   " on invoice " + inv.number + " whose settleable amount is " +
                                                   FormatAmountMinor(Settleable(inv), exp));
    return "amount_mismatch";
  }
  res.invoices.push_back(&inv);
  res.stated.push_back(h.amount_minor);
  return inv.disputed_minor > 0 ? "exact_disputed" : "exact";
}

// Takes a found invoice as one of the payment's references: once per
// invoice (the same one named by number and by Stripe id counts once),
// checked against the payment, with its signal. `how` names a non-exact
// way it was found ("fuzzy", "tail", "po"). False when already taken.
bool Admit(const Payment& p, const InvoiceHint& h, const Invoice& inv, const char* how, Resolution& res) {
  for (const Invoice* f : res.found) {
    if (f->invoice_id == inv.invoice_id) return false;
  }
  if (res.referenced_customer_id.empty()) res.referenced_customer_id = inv.customer_id;
  res.found.push_back(&inv);
  std::string verdict = CheckReference(p, h, inv, res);
  if (verdict == "exact") verdict = how;
  res.signals.push_back(std::string(h.stripe_invoice ? "stripe_invoice=" : "reference=") + verdict + ":" +
                        (h.stripe_invoice ? h.text : inv.number));
  return true;
}

CurrentInvoice CurrentOf(const WorkingBalances& balances) {
  return [&balances](const Invoice& inv) { return balances.FindById(inv.invoice_id); };
}

// Records what a looser lookup found. A miss of an invoice number is an
// unknown reference, as a strict miss always was; a soft miss (a bare tail,
// a PO number) only leaves its signal.
void Record(const Payment& p, const InvoiceHint& h, const LooseResult& r, Resolution& res) {
  if (r.verdict == LooseVerdict::kFound) {
    // The same invoice already named exactly: nothing weaker to record.
    const size_t at = res.signals.size();
    if (!Admit(p, h, *r.invoice, r.how, res)) return;
    if (!r.signal.empty()) res.signals.insert(res.signals.begin() + static_cast<ptrdiff_t>(at), r.signal);
    if (r.score_cap_milli < res.score_cap_milli) {
      res.score_cap_milli = r.score_cap_milli;
      res.weak_rule = std::string_view(r.how) == "fuzzy" ? Rule::kReferenceFuzzy
                      : std::string_view(r.how) == "po"  ? Rule::kReferencePo
                                                         : Rule::kReferenceTail;
    }
    return;
  }
  if (!r.signal.empty()) res.signals.push_back(r.signal);
  switch (r.verdict) {
    case LooseVerdict::kFound: return;
    case LooseVerdict::kAmbiguous:
      if (!r.soft) res.Fail(ExceptionReason::kAmbiguous, r.why);
      return;
    case LooseVerdict::kNotFound:
    case LooseVerdict::kRejected:
      if (r.soft) return;
      res.structured_unknown = res.structured_unknown || h.from_structured;
      ++res.unknown_count;
      res.Fail(ExceptionReason::kUnknownInvoice,
               "no invoice numbered '" + h.text + "'" + (r.why.empty() ? std::string() : ": " + r.why));
      res.signals.push_back("reference=unknown:" + h.text);
      return;
  }
}

}  // namespace

int64_t DueSoFar(const Resolution& res) {
  i128 due = 0;
  for (size_t i = 0; i < res.invoices.size(); ++i) due += res.stated[i].value_or(Settleable(*res.invoices[i]));
  for (const Invoice* h : res.held) due += h->amount_open_minor;
  return due > INT64_MAX ? INT64_MAX : static_cast<int64_t>(due);
}

// The hints Resolve left (tails, PO numbers, typos), now that the customer
// is known or known to be unknown. References.h has the rules.
void ResolveDeferred(const Payment& p, const Policy& policy, const std::string& customer_id,
                     const WorkingBalances& balances, Resolution& res) {
  const CurrentInvoice current = CurrentOf(balances);
  for (const InvoiceHint* h : res.deferred) {
    const AmountContext amount{&p, &policy, DueSoFar(res)};
    Record(p, *h, FindAfterIdentification(*h, customer_id, balances.book(), current, amount), res);
  }
  if (res.found.empty() && res.reason == ExceptionReason::kNone) {
    res.Fail(ExceptionReason::kUnmatched, "no usable invoice reference in the remittance");
  }
}

Resolution Resolve(const Payment& p, const PaymentHints& hints, const WorkingBalances& balances) {
  Resolution res;
  res.signals = hints.signals;  // what the text said that is not a reference (Stripe charge ids, bad RF)
  if (hints.invoices.empty()) {
    res.Fail(ExceptionReason::kUnmatched, "no invoice reference in the remittance");
    return res;
  }
  if (hints.truncated) {
    // Settling only the first N of more references could close the wrong
    // invoices: a person looks at it.
    res.Fail(ExceptionReason::kNeedsReview, "more invoice references than the policy's references_count_max");
  }
  for (const InvoiceHint& h : hints.invoices) {
    const Invoice* inv = h.purchase_order ? nullptr : balances.Find(h);
    if (inv == nullptr && !h.stripe_invoice) {
      // Not by its strict key: the same number written differently, else
      // left until the customer is known (ResolveDeferred).
      LooseResult r = FindByLooserKey(h, balances.book(), CurrentOf(balances));
      if (r.verdict == LooseVerdict::kNotFound) {
        res.deferred.push_back(&h);
      } else {
        Record(p, h, r, res);
      }
      continue;
    }
    if (inv == nullptr) {
      // An ERP that does not record Stripe's invoice ids makes an unknown
      // in_… no evidence against a number that does match.
      res.signals.push_back("stripe_invoice=unknown:" + h.text);
      if (hints.invoices.size() == 1) res.Fail(ExceptionReason::kUnknownInvoice, "no invoice with Stripe id " + h.text);
      continue;
    }
    Admit(p, h, *inv, "exact", res);
  }
  return res;
}

// Free text that only produced numbers we do not know is no reference at
// all (the pattern caught something else): the payment is matched on its
// amount as if it had no remittance, and the signals say so.
bool OnlyUnknownFreeText(const Resolution& res) {
  return res.reason == ExceptionReason::kUnknownInvoice && res.found.empty() && !res.structured_unknown;
}

bool KnownReferencesExplain(const Payment& p, const Resolution& res) {
  if (res.reason != ExceptionReason::kUnknownInvoice || res.failures_count != res.unknown_count) return false;
  if (res.invoices.empty() || !res.held.empty()) return false;
  return DueSoFar(res) == p.amount_minor;
}

// The customer and the signals that identified it, in order of strength:
// bank account, Stripe customer id, referenced invoice, payer name
// (identify.h); computed once per referenced customer.
Identification Identities::Get(const Payment& p, const std::string& referenced_customer_id, const OpenBook& book,
                               const Policy& policy) {
  for (const auto& [ref, id] : known_) {
    if (ref == referenced_customer_id) return id;
  }
  known_.emplace_back(referenced_customer_id, IdentifyPayer(p, referenced_customer_id, book, policy));
  return known_.back().second;
}

Identified ResolveAndIdentify(const Payment& p, const PaymentHints& hints, const OpenBook& book, const Policy& policy,
                              const WorkingBalances& balances, Identities& identities) {
  Identified out{Resolve(p, hints, balances), {}};
  out.id = identities.Get(p, out.res.referenced_customer_id, book, policy);
  if (!out.res.deferred.empty()) {
    // A bare tail, PO number or typo could need the customer to resolve;
    // an invoice it found may in turn name the customer.
    ResolveDeferred(p, policy, out.id.customer_id, balances, out.res);
    if (out.id.customer_id.empty() && !out.res.referenced_customer_id.empty()) {
      out.id = identities.Get(p, out.res.referenced_customer_id, book, policy);
    }
  }
  return out;
}

}  // namespace cashmatch::matcher
