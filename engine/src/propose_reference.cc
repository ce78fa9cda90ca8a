// Stage 2b of the matcher (engine/README.md): a proposal over the invoices
// the remittance names: exact, overpaid (the rest on account), short within
// the tolerance (written off) or short beyond it (partial).
#include <algorithm>
#include <cassert>

#include "match_internal.h"

namespace cashmatch::matcher {

std::string Delta(int64_t payment, int64_t due, int exponent) {
  MoneySum d;
  d.Add(payment);
  d.Sub(due);
  return "amount_delta=" + d.Format(exponent);
}

// Allocates a payment over the invoices its remittance names. Cash goes to
// the settleable invoices in the order given (stated amounts first), then
// to holds; what is left is unapplied on account. A shortfall within the
// tolerance is written off; beyond it the last invoices stay partly open,
// or the payment goes to review when the policy forbids partial settlement.
std::optional<Proposal> ProposeReferenced(const Payment& p, const Resolution& res, const Policy& policy,
                                          std::string* why) {
  Proposal pr;
  pr.signals = res.signals;
  MoneySum due_sum;
  std::vector<int64_t> due(res.invoices.size());
  for (size_t i = 0; i < res.invoices.size(); ++i) {
    due[i] = res.stated[i].value_or(Settleable(*res.invoices[i]));
    due_sum.Add(due[i]);
  }
  for (const Invoice* h : res.held) due_sum.Add(h->amount_open_minor);
  auto total = due_sum.ToInt64();
  if (!total.ok()) {
    *why = "the referenced invoices' total does not fit in 64 bits";
    return std::nullopt;
  }
  const int64_t owed = total.value();
  const int exp = p.currency->exponent();
  pr.signals.push_back(Delta(p.amount_minor, owed, exp));
  int64_t cash = p.amount_minor;
  if (cash >= owed) {
    pr.rule = cash == owed ? Rule::kExactReference : Rule::kReferenceOverpaid;
    pr.score_milli = cash == owed ? kScoreExactReference : kScoreReferenceAdjusted;
    for (size_t i = 0; i < res.invoices.size(); ++i) pr.applications.emplace_back(res.invoices[i], due[i]);
    for (const Invoice* h : res.held) pr.holds.emplace_back(h, h->amount_open_minor);
    pr.unapplied_minor = cash - owed;
    return pr;
  }
  const int64_t shortfall = owed - cash;
  const int64_t settle_total = owed - [&] {
    int64_t h = 0;
    for (const Invoice* inv : res.held) h += inv->amount_open_minor;
    return h;
  }();
  if (settle_total > 0 &&
      shortfall <= std::min(settle_total, policy.ShortfallAllowedMinor(p.source, p.currency, owed))) {
    // Short by a fee or rounding: settle everything, write the difference
    // off from the last invoices (never from a hold: held cash is not ours
    // to close with).
    pr.rule = Rule::kReferenceShortWithinTolerance;
    pr.score_milli = kScoreReferenceAdjusted;
    int64_t left = shortfall;
    std::vector<int64_t> pay = due;
    for (size_t k = res.invoices.size(); k-- > 0 && left > 0;) {
      const int64_t w = std::min(left, pay[k]);
      pay[k] -= w;
      left -= w;
      pr.write_offs.emplace_back(res.invoices[k], w);
    }
    std::reverse(pr.write_offs.begin(), pr.write_offs.end());
    for (size_t i = 0; i < res.invoices.size(); ++i) {
      if (pay[i] > 0) pr.applications.emplace_back(res.invoices[i], pay[i]);
    }
    for (const Invoice* h : res.held) pr.holds.emplace_back(h, h->amount_open_minor);
    pr.signals.push_back("write_off=" + FormatAmountMinor(shortfall, exp));
    return pr;
  }
  if (!policy.allow_partial) {
    *why = "payment of " + FormatAmountMinor(cash, exp) + " is " + FormatAmountMinor(shortfall, exp) +
           " short of its invoices, beyond the tolerance, and the policy does not allow partial settlement";
    return std::nullopt;
  }
  pr.rule = Rule::kReferencePartial;
  pr.score_milli = kScoreReferenceAdjusted;
  for (size_t i = 0; i < res.invoices.size() && cash > 0; ++i) {
    const int64_t x = std::min(cash, due[i]);
    pr.applications.emplace_back(res.invoices[i], x);
    cash -= x;
  }
  for (size_t i = 0; i < res.held.size() && cash > 0; ++i) {
    const int64_t x = std::min(cash, res.held[i]->amount_open_minor);
    pr.holds.emplace_back(res.held[i], x);
    cash -= x;
  }
  assert(cash == 0);
  return pr;
}

// A reference found by a tail, PO number or typo is weaker evidence than
// the number itself: the proposal scores no higher than that, and an exact
// fit is named by how it was found.
void CapReferenceScore(const Resolution& res, Proposal& pr) {
  if (res.weak_rule == Rule::kNone || pr.score_milli <= res.score_cap_milli) return;
  pr.score_milli = res.score_cap_milli;
  if (pr.rule == Rule::kExactReference) pr.rule = res.weak_rule;
}

}  // namespace cashmatch::matcher
