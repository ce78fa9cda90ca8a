// Stage 2c of the matcher (engine/README.md): with no usable reference, the
// payment's amount against the identified customer's open invoices (its
// own first, then with its children's): one invoice or a unique set that
// sums to it (subset_search.h), the policy's fallback order, or cash on
// account.
#include <algorithm>
#include <cassert>
#include <map>

#include "cashmatch/engine/hints.h"
#include "match_internal.h"
#include "subset_search.h"

namespace cashmatch::matcher {
namespace {

std::string DescribeAnswer(const SubsetSearch& s, const SubsetSearch::Answer& a) {
  std::string out;
  for (const auto& [vi, k] : a) {
    for (int j = 0; j < k; ++j) {
      if (!out.empty()) out += "+";
      out += s.value(vi).invoices[j]->number;
    }
  }
  return out;
}

// Equal amounts told apart by the payer's reference (issue 14 §1): among
// a customer's invoices of one amount, the one whose number is nearest to a
// number in the remittance (at most kTwinDistanceMax edits) comes before
// the one due first. Without references nothing changes.
class NearestToReferences {
 public:
  explicit NearestToReferences(const PaymentHints& hints) {
    for (const InvoiceHint& h : hints.invoices) {
      if (!h.stripe_invoice && !h.purchase_order && !h.normalized.empty()) keys_.push_back(h.normalized);
    }
  }

  // Stable: equally near invoices keep their order (due first).
  void Order(std::vector<const Invoice*>& invoices) const {
    if (keys_.empty()) return;
    std::stable_sort(invoices.begin(), invoices.end(),
                     [&](const Invoice* a, const Invoice* b) { return Distance(*a) < Distance(*b); });
  }

  // Says so when the reference, not the due date, chose among equals:
  // `ordered` after Order, whose first element was taken.
  void Signal(const std::vector<const Invoice*>& ordered, Proposal& pr) const {
    if (keys_.empty() || ordered.size() < 2) return;
    const int d = Distance(*ordered.front());
    if (d < (kTwinDistanceMax + 1) * kAlignedSpan && d < Distance(*ordered[1])) {
      pr.signals.push_back("equal_amount_by_reference=" + ordered.front()->number);
    }
  }

 private:
  static constexpr int kTwinDistanceMax = 3;
  static constexpr int kAlignedSpan = 64;  // Distance = edits * span + aligned differences

  // Edits first; among equally many, the number that differs from the
  // reference in fewer aligned places (serials are fixed width: a digit
  // keyed wrong is likelier than one dropped and another added).
  int Distance(const Invoice& inv) const {
    const std::string key = NormalizeInvoiceNumber(inv.number);
    int best = (kTwinDistanceMax + 1) * kAlignedSpan;
    for (const std::string& k : keys_) {
      const int edits = ReferenceDistance(k, key, kTwinDistanceMax);
      if (edits > kTwinDistanceMax) continue;
      best = std::min(best, edits * kAlignedSpan + std::min(AlignedDifferences(k, key), kAlignedSpan - 1));
    }
    return best;
  }

  std::vector<std::string> keys_;
};

constexpr int32_t kScoreFallback = 900;  // the policy asked for it: applied at the default auto line

// The policy's fallback when no set fits: the customer's open invoices in
// the policy's order — oldest first (by issue date), or past due first (by
// due date, which puts every invoice past due at the payment's value date
// first) — each settled in full until the cash runs out, the last one
// partly; a rest beyond all of them stays on account.
void FillInOrder(const Payment& p, std::vector<const Invoice*> candidates, const Policy& policy, Proposal& pr) {
  const bool past_due_first = policy.fallback == Policy::Fallback::kPastDueFirst;
  // Candidates come by due date, then issue date, then id (OpenInvoicesOf).
  if (!past_due_first) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Invoice* a, const Invoice* b) { return a->issue_date < b->issue_date; });
  }
  pr.rule = past_due_first ? Rule::kFallbackPastDueFirst : Rule::kFallbackOldestFirst;
  pr.score_milli = kScoreFallback;
  int64_t cash = p.amount_minor;
  for (const Invoice* inv : candidates) {
    if (cash == 0) break;
    const int64_t x = std::min(cash, Settleable(*inv));
    pr.applications.emplace_back(inv, x);
    cash -= x;
  }
  pr.unapplied_minor = cash;
  pr.signals.push_back("fallback=" + std::string(past_due_first ? "past_due_first" : "oldest_first"));
}

// A payment with no usable reference from a known customer: one invoice
// of exactly the amount when no pair makes it too (larger sets are no
// rivals to it), else a unique set of its open invoices that sums to the
// amount exactly, else within the tolerance, else cash on account. Two
// sets that differ in substance ({A, B} and {C}) make it `ambiguous`: a
// person chooses; sets that differ only in which of equal-amount invoices
// they take are one answer: the one nearest the remittance's numbers, then
// the oldest due.
Proposal ProposeByAmount(const Payment& p, const PaymentHints& hints, const std::string& customer_id,
                         const OpenBook& book, const WorkingBalances& balances, const Policy& policy,
                         bool with_children, ExceptionReason* reason, std::string* why) {
  Proposal pr;
  std::vector<const Invoice*> candidates;
  // The search covers the first candidates_count_max by due date; the rest
  // are kept to check that what the window gives is not rivalled outside it.
  std::vector<const Invoice*> beyond;
  for (const Invoice* base :
       with_children ? book.OpenInvoicesOfFamily(customer_id) : book.OpenInvoicesOf(customer_id)) {
    const Invoice* inv = balances.FindById(base->invoice_id);
    if (inv == nullptr || inv->currency != p.currency || inv->usage_status == UsageStatus::kReconciling) continue;
    if (Settleable(*inv) <= 0) continue;
    if (static_cast<int32_t>(candidates.size()) < policy.candidates_count_max) {
      candidates.push_back(inv);
    } else {
      beyond.push_back(inv);
    }
  }
  pr.signals.push_back("candidates=" + std::to_string(candidates.size()));
  if (!beyond.empty()) pr.signals.push_back("candidates_beyond_window=" + std::to_string(beyond.size()));
  const int exp = p.currency->exponent();
  const NearestToReferences nearest(hints);
  std::map<int64_t, std::vector<const Invoice*>> by_amount;
  for (const Invoice* inv : candidates) by_amount[Settleable(*inv)].push_back(inv);
  std::vector<SubsetSearch::Value> values;
  for (auto& [amount, invs] : by_amount) {
    // Of equal amounts, the one nearest the payer's reference comes first,
    // then the one due first (the candidates' order).
    if (invs.size() > 1) nearest.Order(invs);
    values.push_back(SubsetSearch::Value{amount, std::move(invs)});
  }
  {
    // One invoice with exactly the amount, among all the customer's open
    // invoices (past the window too), is the plainest answer when no two
    // invoices together make the amount: a set of three or more that adds
    // up by coincidence — likely in a large account — is no rival to it.
    std::vector<const Invoice*> singles;
    for (const auto* list : {&candidates, &beyond}) {
      for (const Invoice* inv : *list) {
        if (Settleable(*inv) == p.amount_minor) singles.push_back(inv);
      }
    }
    ExceptionReason pair_reason = ExceptionReason::kNone;
    std::string pair_why;
    if (!singles.empty()) {
      nearest.Order(singles);
      const std::vector<const Invoice*> chosen{singles.front()};
      if (RivalFreeBeyondWindow(chosen, candidates, beyond, p.amount_minor, p.amount_minor, &pair_reason, &pair_why)) {
        const bool past_window = std::find(candidates.begin(), candidates.end(), chosen.front()) == candidates.end();
        pr.rule = Rule::kExactAmount;
        pr.score_milli = kScoreExactAmount;
        pr.applications.emplace_back(chosen.front(), p.amount_minor);
        pr.signals.push_back((past_window ? "set=beyond_window:" : "set=") + chosen.front()->number);
        nearest.Signal(singles, pr);
        pr.signals.push_back(Delta(p.amount_minor, p.amount_minor, exp));
        return pr;
      }
    }
  }
  SubsetSearch search(std::move(values), policy.set_size_max);
  const int64_t tol = policy.ShortfallAllowedMinor(p.source, p.currency, p.amount_minor);
  int64_t lo = p.amount_minor;
  int64_t hi = p.amount_minor;
  search.Run(lo, hi);
  bool exact = true;
  if (search.answers().empty() && !search.cut() && tol > 0) {
    exact = false;
    lo = p.amount_minor + 1;
    hi = p.amount_minor > INT64_MAX - tol ? INT64_MAX : p.amount_minor + tol;
    search.Run(lo, hi);
  }
  if (search.answers().size() >= 2) {
    *reason = ExceptionReason::kAmbiguous;
    *why = "two different sets of open invoices fit the amount: " + DescribeAnswer(search, search.answers()[0]) +
           " and " + DescribeAnswer(search, search.answers()[1]);
    pr.signals.push_back("set=" + DescribeAnswer(search, search.answers()[0]));
    pr.signals.push_back("set=" + DescribeAnswer(search, search.answers()[1]));
    return pr;
  }
  if (search.answers().empty()) {
    if (search.cut()) {
      *reason = ExceptionReason::kNeedsReview;
      *why = "the subset search reached its bound before finding a set of open invoices";
      return pr;
    }
    pr.signals.push_back("amount=no_fit");
    if (policy.allow_partial && policy.fallback != Policy::Fallback::kNone && !candidates.empty()) {
      FillInOrder(p, std::move(candidates), policy, pr);
      return pr;
    }
    pr.rule = Rule::kOnAccount;
    pr.unapplied_minor = p.amount_minor;
    return pr;
  }
  const SubsetSearch::Answer& a = search.answers().front();
  std::vector<const Invoice*> chosen;
  for (const auto& [vi, k] : a) {
    for (int j = 0; j < k; ++j) chosen.push_back(search.value(vi).invoices[j]);
  }
  // Past the window, an exact invoice rivals a fit within the tolerance too.
  const int64_t rival_lo = exact ? lo : p.amount_minor;
  if (!beyond.empty() && !RivalFreeBeyondWindow(chosen, candidates, beyond, rival_lo, hi, reason, why)) {
    pr.signals.push_back("set=" + DescribeAnswer(search, a));
    return pr;
  }
  bool past_window = false;  // a twin past the window was taken
  if (!beyond.empty() && chosen.size() == 1) {
    // One invoice, unrivalled: its equal-amount twins past the window are
    // the same answer, and the one nearest the reference is taken.
    std::vector<const Invoice*> equal;
    for (const auto* list : {&candidates, &beyond}) {
      for (const Invoice* inv : *list) {
        if (Settleable(*inv) == Settleable(*chosen.front())) equal.push_back(inv);
      }
    }
    nearest.Order(equal);
    if (equal.front() != chosen.front()) {
      chosen.front() = equal.front();
      past_window = true;
      nearest.Signal(equal, pr);
    }
  }
  std::sort(chosen.begin(), chosen.end(), [](const Invoice* x, const Invoice* y) {
    if (x->due_date != y->due_date) return x->due_date < y->due_date;
    return x->invoice_id < y->invoice_id;
  });
  // One invoice with exactly the amount is the plainest answer; a set of
  // several, or a fit only within the tolerance, scores a little lower.
  const bool single = chosen.size() == 1;
  pr.rule = single ? (exact ? Rule::kExactAmount : Rule::kAmountWithinTolerance)
                   : (exact ? Rule::kSubsetSum : Rule::kSubsetSumWithinTolerance);
  pr.score_milli = search.cut() ? kScoreSearchCut
                   : exact      ? (single ? kScoreExactAmount : kScoreSubsetSum)
                                : kScoreWithinTolerance;
  if (search.cut()) pr.signals.push_back("search=cut");
  MoneySum sum;
  for (const Invoice* inv : chosen) {
    pr.applications.emplace_back(inv, Settleable(*inv));
    sum.Add(Settleable(*inv));
  }
  int64_t over = sum.ToInt64().value() - p.amount_minor;
  for (size_t k = pr.applications.size(); k-- > 0 && over > 0;) {
    const int64_t w = std::min(over, pr.applications[k].second);
    pr.applications[k].second -= w;
    over -= w;
    pr.write_offs.emplace_back(pr.applications[k].first, w);
  }
  std::erase_if(pr.applications, [](const auto& x) { return x.second == 0; });
  std::reverse(pr.write_offs.begin(), pr.write_offs.end());
  if (past_window) {
    pr.signals.push_back("set=beyond_window:" + chosen.front()->number);
  } else {
    pr.signals.push_back("set=" + DescribeAnswer(search, a));
    for (const auto& [vi, k] : a) nearest.Signal(search.value(vi).invoices, pr);
  }
  pr.signals.push_back(Delta(p.amount_minor, sum.ToInt64().value(), exp));
  return pr;
}

}  // namespace

// The amount proposal for an identified payer. Its own open invoices come
// first; when no set of them fits and it is a parent, the search widens to
// its children's invoices too (a parent pays for its subsidiaries; the
// signals say "hierarchy"), and only when nothing fits there either does
// the policy's fallback (or cash on account) apply to its own invoices.
// Own first, because a wider pool makes coincidental fits likelier and the
// payer's own invoices are the likelier debt. A customer found by name
// alone is only as certain as the names are similar: the score is scaled
// by the similarity, and cash on account gets the similarity as its score,
// so a doubtful name goes to a person rather than onto someone's account.
Proposal ProposeForPayer(const Payment& p, const PaymentHints& hints, const Identification& id, const OpenBook& book,
                         const WorkingBalances& balances, const Policy& policy, ExceptionReason* reason,
                         std::string* why) {
  Proposal pr = ProposeByAmount(p, hints, id.customer_id, book, balances, policy, false, reason, why);
  const size_t children = book.ChildrenOf(id.customer_id).size();
  const auto no_fit = [](const Proposal& x) {
    return x.rule == Rule::kOnAccount || x.rule == Rule::kFallbackOldestFirst || x.rule == Rule::kFallbackPastDueFirst;
  };
  if (*reason == ExceptionReason::kNone && no_fit(pr) && children > 0) {
    // A set among the family's invoices (or two: ambiguous) comes before the
    // policy's fallback over the parent's own invoices.
    ExceptionReason family_reason = ExceptionReason::kNone;
    std::string family_why;
    Proposal family =
        ProposeByAmount(p, hints, id.customer_id, book, balances, policy, true, &family_reason, &family_why);
    if (family_reason != ExceptionReason::kNone || !no_fit(family)) {
      pr = std::move(family);
      *reason = family_reason;
      *why = std::move(family_why);
    }
    pr.signals.push_back("hierarchy=children:" + std::to_string(children));
  }
  if (id.by == IdentifiedBy::kName) {
    assert(id.confidence_milli > 0 && id.confidence_milli <= 1000);
    pr.signals.push_back("name_similarity=" + std::to_string(id.confidence_milli));
    pr.score_milli = pr.rule == Rule::kOnAccount ? id.confidence_milli : pr.score_milli * id.confidence_milli / 1000;
  }
  return pr;
}

}  // namespace cashmatch::matcher
