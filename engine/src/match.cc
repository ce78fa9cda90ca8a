// The matcher (DESIGN.md §3). Per payment in canonical order (value date,
// then payment id), against balances that earlier payments of this batch
// already reduced:
//   1. resolve the invoices the hints name (number exactly or written
//      differently, Stripe id) and check each: currency, still open, usage
//      reconciling (cash is held), disputed (only the undisputed part
//      settles), stated amounts;
//   2. identify the customer (identify.h): bank account, Stripe customer
//      id, referenced invoice, then payer name through the book's name index;
//      then resolve what needed the customer (references.h): a bare tail,
//      a PO number, a one-edit typo whose amount agrees;
//   3. propose: the referenced invoices (exact, overpaid -> unapplied rest,
//      short within tolerance -> written off, short beyond -> partial), or
//      with no usable reference one open invoice with the exact amount (a
//      parent's own first, then with its children's), then
//      a unique bounded subset-sum (exact, then within tolerance; two sets
//      that differ in substance -> `ambiguous`), else cash on account;
//   4. a proposal scored at or above the auto line is applied with its
//      dunning actions (cancel, soften, pause); anything else raises one
//      exception with its reason, the proposal's rule and signals.
#include "cashmatch/engine/match.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <cstdlib>
#include <set>
#include <tuple>
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "identify.h"
#include "references.h"
#include "wide.h"

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

namespace {
bool IsStripeTransferLine(const Payment& p);
}  // namespace

BookRequest PlanBookRequest(const SettlementBatch& batch, const std::vector<PaymentHints>& hints) {
  assert(hints.size() == batch.payments.size());
  BookRequest req;
  for (size_t i = 0; i < batch.payments.size(); ++i) {
    const Payment& p = batch.payments[i];
    req.payment_ids.insert(p.payment_id);
    if (!p.payer_account_fp.empty()) req.account_fps.insert(p.payer_account_fp);
    if (!p.stripe_customer_id.empty()) req.stripe_customer_ids.insert(p.stripe_customer_id);
    AddPayerNameRequest(p, &req);
    if (IsStripeTransferLine(p)) req.payouts_wanted.emplace(p.currency->code(), p.amount_minor);
    for (const InvoiceHint& h : hints[i].invoices) AddToBookRequest(h, &req);
  }
  for (const Reversal& r : batch.reversals) {
    if (!r.original_payment_id.empty()) req.returned_payment_refs.insert(r.original_payment_id);
    if (!r.original_reference.empty()) req.returned_payment_refs.insert(r.original_reference);
    req.return_keys.insert(ReturnIdempotencyKey(r));
  }
  if (batch.payout.has_value()) req.bank_lines_wanted.emplace(batch.payout->currency->code(), batch.payout->amount_minor);
  return req;
}

namespace {

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
  std::vector<const Invoice*> invoices;          // references that passed every check: to settle
  std::vector<std::optional<int64_t>> stated;    // per invoice: the amount the remittance states for it
  std::vector<const Invoice*> held;              // usage still reconciling: cash is held, never applied
  std::string referenced_customer_id;            // customer of the first invoice found at all
  std::vector<const Invoice*> found;             // every referenced invoice that exists
  std::vector<std::string> signals;              // one "reference=<verdict>:<number>" per hint
  bool structured_unknown = false;               // a structured reference names no invoice
  // Hints no strict, tolerant or body key found: tails, PO numbers and typos,
  // resolved once the customer is identified (ResolveDeferred).
  std::vector<const InvoiceHint*> deferred;
  int32_t score_cap_milli = 1000;                // the weakest way a reference was found
  const char* weak_rule = nullptr;               // and the rule it names ("reference_fuzzy" …)
  ExceptionReason reason = ExceptionReason::kNone;
  std::string detail;

  void Fail(ExceptionReason r, std::string why) {
    if (reason == ExceptionReason::kNone || r < reason) {
      reason = r;
      detail = std::move(why);
    }
  }
};

// What can be settled on an invoice now: the open amount less what is disputed.
int64_t Settleable(const Invoice& inv) { return std::max<int64_t>(0, inv.amount_open_minor - inv.disputed_minor); }

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
    res.held.push_back(&inv);
    return "usage_reconciling";
  }
  if (Settleable(inv) == 0) {
    res.Fail(ExceptionReason::kNeedsReview, "invoice " + inv.number + " is disputed in full");
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
      res.weak_rule = std::string_view(r.how) == "fuzzy" ? "reference_fuzzy"
                      : std::string_view(r.how) == "po" ? "reference_po"
                                                        : "reference_tail";
    }
    return;
  }
  if (!r.signal.empty()) res.signals.push_back(r.signal);
  switch (r.verdict) {
    case LooseVerdict::kFound:
      return;
    case LooseVerdict::kAmbiguous:
      if (!r.soft) res.Fail(ExceptionReason::kAmbiguous, r.why);
      return;
    case LooseVerdict::kNotFound:
    case LooseVerdict::kRejected:
      if (r.soft) return;
      res.structured_unknown = res.structured_unknown || h.from_structured;
      res.Fail(ExceptionReason::kUnknownInvoice,
               "no invoice numbered '" + h.text + "'" + (r.why.empty() ? std::string() : ": " + r.why));
      res.signals.push_back("reference=unknown:" + h.text);
      return;
  }
}

// What the references resolved so far claim: stated amounts, else what is
// due on each, plus holds. Saturates instead of overflowing.
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

// The customer and the signals that identified it, in order of strength:
// bank account, Stripe customer id, referenced invoice, payer name
// (identify.h).
Identification IdentifyCustomer(const Payment& p, const Resolution& res, const OpenBook& book, const Policy& policy) {
  return IdentifyPayer(p, res.referenced_customer_id, book, policy);
}

// Scores, in thousandths. A reference the payer wrote is the strongest
// evidence; an amount match on a customer known by its bank account comes
// next; every adjustment (write-off, partial, several invoices) costs a
// little, so a policy can draw its auto-apply line between them.
constexpr int32_t kScoreExactReference = 1000;
constexpr int32_t kScoreReferenceAdjusted = 950;   // reference, amount differs (short, partial, over)
constexpr int32_t kScoreExactAmount = 950;         // one open invoice with exactly the amount
constexpr int32_t kScoreSubsetSum = 930;           // a unique set of open invoices sums to it
constexpr int32_t kScoreWithinTolerance = 910;     // a unique set sums to it within the tolerance
constexpr int32_t kScoreSearchCut = 700;           // the bounded search stopped before proving uniqueness

// One proposed allocation: invoices with the amount each gets, and what
// the payment leaves over or short.
struct Proposal {
  std::string rule;
  int32_t score_milli = 0;
  std::vector<std::pair<const Invoice*, int64_t>> applications;  // canonical order
  std::vector<std::pair<const Invoice*, int64_t>> write_offs;
  std::vector<std::pair<const Invoice*, int64_t>> holds;
  int64_t unapplied_minor = 0;
  std::vector<std::string> signals;
};

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
    pr.rule = cash == owed ? "exact_reference" : "reference_overpaid";
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
  if (settle_total > 0 && shortfall <= std::min(settle_total, policy.ShortfallAllowedMinor(p.source, p.currency, owed))) {
    // Short by a fee or rounding: settle everything, write the difference
    // off from the last invoices (never from a hold: held cash is not ours
    // to close with).
    pr.rule = "reference_short_within_tolerance";
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
  pr.rule = "reference_partial";
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

// Bounded subset-sum over the distinct open amounts of a customer's
// candidates. Equal amounts are one value with a multiplicity, so sets that
// differ only in which of several equal invoices they take are one answer.
// Finds at most two distinct answers (one is an answer, two is ambiguous)
// within a fixed budget of search nodes.
class SubsetSearch {
 public:
  struct Value {
    int64_t amount;
    std::vector<const Invoice*> invoices;  // oldest due first
  };
  using Answer = std::vector<std::pair<size_t, int>>;  // (value index, how many)

  SubsetSearch(std::vector<Value> values, int set_size_max) : values_(std::move(values)), size_max_(set_size_max) {
    std::sort(values_.begin(), values_.end(), [](const Value& a, const Value& b) { return a.amount > b.amount; });
    suffix_.assign(values_.size() + 1, 0);
    for (size_t i = values_.size(); i-- > 0;) {
      suffix_[i] = suffix_[i + 1] + static_cast<i128>(values_[i].amount) * static_cast<i128>(values_[i].invoices.size());
    }
    size_t items = 0;
    for (const Value& v : values_) items += std::min<size_t>(v.invoices.size(), kPairSizeMax);
    // A few items walk faster than pairs are built; a policy with thousands
    // of candidates walks too (the pairs would not fit in memory).
    pair_size_max_ = items > kPairItemsMin && items <= kPairItemsMax ? kPairSizeMax : 0;
  }

  // Sets whose sum lies in [lo, hi], smallest first: the fewest invoices
  // that fit, then rivals at most one invoice larger; stops at two. With
  // 64 candidates and 12 per set some large set sums to almost any amount
  // to the cent, so a much larger coincidence is no rival to a small set
  // (a payment for three invoices is not a payment for nine), while {A, B}
  // against {C} is.
  // Sets of up to four invoices are found through sorted pair sums
  // (ExactSize), larger ones by a depth-first walk.
  void Run(int64_t lo, int64_t hi) {
    cut_ = false;
    answers_.clear();
    for (int limit = 1; limit <= size_max_; ++limit) {
      if (limit <= pair_size_max_) {
        ExactSize(lo, hi, limit, 2);
      } else {
        Search(lo, hi, limit);
      }
      if (cut_) return;
      if (answers_.empty()) continue;
      if (answers_.size() == 1 && limit < size_max_) {
        if (limit + 1 <= pair_size_max_) {
          ExactSize(lo, hi, limit + 1, 2);
        } else {
          Search(lo, hi, limit + 1);  // finds the first answer again, and a rival if there is one
        }
      }
      return;
    }
  }

  const std::vector<Answer>& answers() const { return answers_; }
  bool cut() const { return cut_; }
  const Value& value(size_t i) const { return values_[i]; }

  static constexpr uint64_t kNodeBudget = 200000;
  static constexpr int kPairSizeMax = 4;
  static constexpr size_t kPairItemsMin = 16;
  static constexpr size_t kPairItemsMax = 256;  // at most ~32k pairs

 private:
  struct Item {
    int64_t amount;
    uint32_t value;  // index into values_
  };
  struct Pair {
    i128 sum;
    uint16_t a, b;  // item indices, a < b
  };

  // Items: each value once per invoice it may contribute to a set of at
  // most kPairSizeMax (equal amounts: the oldest invoices first), in value
  // order; pairs of items sorted by sum. Built once per search object.
  void BuildPairs() {
    if (!pairs_.empty() || !items_.empty()) return;
    for (size_t v = 0; v < values_.size(); ++v) {
      const size_t copies = std::min<size_t>(values_[v].invoices.size(), kPairSizeMax);
      for (size_t c = 0; c < copies; ++c) items_.push_back(Item{values_[v].amount, static_cast<uint32_t>(v)});
    }
    for (size_t a = 0; a < items_.size(); ++a) {
      for (size_t b = a + 1; b < items_.size(); ++b) {
        pairs_.push_back(Pair{static_cast<i128>(items_[a].amount) + items_[b].amount, static_cast<uint16_t>(a),
                              static_cast<uint16_t>(b)});
      }
    }
    std::sort(pairs_.begin(), pairs_.end(), [](const Pair& x, const Pair& y) {
      return std::tie(x.sum, x.a, x.b) < std::tie(y.sum, y.a, y.b);
    });
  }

  // Pairs whose sum lies in [lo, hi]: [first, last).
  std::pair<size_t, size_t> PairsIn(i128 lo, i128 hi) const {
    auto first = std::lower_bound(pairs_.begin(), pairs_.end(), lo, [](const Pair& p, i128 v) { return p.sum < v; });
    auto last = std::upper_bound(first, pairs_.end(), hi, [](i128 v, const Pair& p) { return v < p.sum; });
    return {static_cast<size_t>(first - pairs_.begin()), static_cast<size_t>(last - pairs_.begin())};
  }

  // Adds the set of these items unless an equal set (the same amounts
  // taken as often) is there already.
  void AddItems(std::initializer_list<size_t> item_indices) {
    Answer a;
    for (size_t i : item_indices) {
      const size_t v = items_[i].value;
      if (!a.empty() && a.back().first == v) {
        ++a.back().second;
      } else {
        a.emplace_back(v, 1);
      }
    }
    std::sort(a.begin(), a.end());
    if (std::find(answers_.begin(), answers_.end(), a) == answers_.end()) answers_.push_back(std::move(a));
  }

  // Sets of exactly k <= kPairSizeMax invoices in [lo, hi], added to the
  // answers until there are `want`: one item, a pair, an item and a pair
  // with higher indices, or a pair and a pair with higher indices. Items
  // are in value order, so each set of items is seen once.
  void ExactSize(int64_t lo, int64_t hi, int k, size_t want) {
    assert(k >= 1 && k <= kPairSizeMax);
    BuildPairs();
    nodes_ = 0;
    auto budget_left = [&] {
      if (++nodes_ <= kNodeBudget) return true;
      cut_ = true;
      return false;
    };
    if (k == 1) {
      for (size_t i = 0; i < items_.size() && answers_.size() < want; ++i) {
        if (items_[i].amount >= lo && items_[i].amount <= hi) AddItems({i});
      }
      return;
    }
    if (k == 2) {
      const auto [first, last] = PairsIn(lo, hi);
      for (size_t q = first; q < last && answers_.size() < want && budget_left(); ++q) AddItems({pairs_[q].a, pairs_[q].b});
      return;
    }
    if (k == 3) {
      for (size_t i = 0; i < items_.size() && answers_.size() < want; ++i) {
        const auto [first, last] = PairsIn(static_cast<i128>(lo) - items_[i].amount, static_cast<i128>(hi) - items_[i].amount);
        for (size_t q = first; q < last && answers_.size() < want; ++q) {
          if (!budget_left()) return;
          if (pairs_[q].a > i) AddItems({i, pairs_[q].a, pairs_[q].b});
        }
      }
      return;
    }
    for (size_t p = 0; p < pairs_.size() && answers_.size() < want; ++p) {
      const auto [first, last] = PairsIn(static_cast<i128>(lo) - pairs_[p].sum, static_cast<i128>(hi) - pairs_[p].sum);
      for (size_t q = first; q < last && answers_.size() < want; ++q) {
        if (!budget_left()) return;
        if (pairs_[q].a > pairs_[p].b) AddItems({pairs_[p].a, pairs_[p].b, pairs_[q].a, pairs_[q].b});
      }
    }
  }

  // Every set of at most `limit` invoices in [lo, hi], up to two; the
  // node budget bounds each search.
  void Search(int64_t lo, int64_t hi, int limit) {
    answers_.clear();
    nodes_ = 0;
    limit_ = limit;
    Answer current;
    Walk(0, lo, hi, 0, current);
  }

  void Walk(size_t i, i128 lo, i128 hi, int size, Answer& current) {
    if (answers_.size() >= 2) return;
    if (++nodes_ > kNodeBudget) {
      cut_ = true;
      return;
    }
    if (lo <= 0 && hi >= 0 && !current.empty()) {
      answers_.push_back(current);
      return;  // amounts are positive: adding more only overshoots
    }
    if (i == values_.size() || size >= limit_ || hi < 0 || suffix_[i] < lo) return;
    const Value& v = values_[i];
    const int most = std::min<int>(static_cast<int>(v.invoices.size()), limit_ - size);
    for (int k = most; k >= 1; --k) {
      const i128 take = static_cast<i128>(v.amount) * k;
      if (take > hi) continue;
      current.emplace_back(i, k);
      Walk(i + 1, lo - take, hi - take, size + k, current);
      current.pop_back();
      if (answers_.size() >= 2 || cut_) return;
    }
    Walk(i + 1, lo, hi, size, current);
  }

  std::vector<Value> values_;
  std::vector<i128> suffix_;
  int size_max_;
  int pair_size_max_ = 0;
  int limit_ = 0;
  std::vector<Item> items_;
  std::vector<Pair> pairs_;
  std::vector<Answer> answers_;
  uint64_t nodes_ = 0;
  bool cut_ = false;
};

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
  pr.rule = past_due_first ? "fallback_past_due_first" : "fallback_oldest_first";
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

// A set found among the first candidates_count_max open invoices is the
// answer only if the invoices past the window cannot rival it. For one
// invoice that is checked over all of them: no other single invoice of
// another amount and no pair in [lo, hi] (the rivals that count against a
// set of one, as in SubsetSearch). A larger set is not proven unique
// without searching every invoice: a person reviews it. False: `reason`
// and `why` say which.
bool RivalFreeBeyondWindow(const std::vector<const Invoice*>& chosen, const std::vector<const Invoice*>& window,
                           const std::vector<const Invoice*>& beyond, int64_t lo, int64_t hi, ExceptionReason* reason,
                           std::string* why) {
  const size_t total = window.size() + beyond.size();
  if (chosen.size() > 1) {
    *reason = ExceptionReason::kNeedsReview;
    *why = "a set of " + std::to_string(chosen.size()) + " open invoices fits, but only the " +
           std::to_string(window.size()) + " due first of the customer's " + std::to_string(total) +
           " were searched; another set may fit too";
    return false;
  }
  const int64_t mine = Settleable(*chosen.front());
  std::vector<int64_t> amounts;
  amounts.reserve(total);
  for (const auto* list : {&window, &beyond}) {
    for (const Invoice* inv : *list) amounts.push_back(Settleable(*inv));
  }
  std::sort(amounts.begin(), amounts.end());
  auto count_in = [&](int64_t from, int64_t to) -> size_t {
    if (from > to) return 0;
    return static_cast<size_t>(std::upper_bound(amounts.begin(), amounts.end(), to) -
                               std::lower_bound(amounts.begin(), amounts.end(), from));
  };
  const Invoice* rival = nullptr;
  for (const Invoice* inv : beyond) {
    const int64_t x = Settleable(*inv);
    if (x >= lo && x <= hi && x != mine) rival = inv;
  }
  bool pair = false;
  for (size_t i = 0; i < amounts.size() && !pair; ++i) {
    const int64_t x = amounts[i];
    if (x >= hi) break;  // amounts are positive: x plus anything exceeds hi
    // Partners y >= x (each pair counted from its smaller member); x itself
    // is not its own partner.
    const int64_t from = std::max(lo - x, x);
    size_t n = count_in(from, hi - x);
    if (from <= x && x <= hi - x) --n;
    pair = n > 0;
  }
  if (rival == nullptr && !pair) return true;
  *reason = ExceptionReason::kAmbiguous;
  *why = "invoice " + chosen.front()->invoice_id + " fits the amount among the " + std::to_string(window.size()) +
         " open invoices due first, but " +
         (rival != nullptr ? "invoice " + rival->invoice_id + " fits too" : std::string("two invoices together fit too")) +
         " among all " + std::to_string(total);
  return false;
}

// A payment with no usable reference from a known customer: a unique set
// of its open invoices (one invoice is a set of one) that sums to the
// amount exactly, else within the tolerance, else cash on account. Two
// sets that differ in substance ({A, B} and {C}) make it `ambiguous`: a
// person chooses; sets that differ only in which of equal-amount invoices
// they take are one answer, the oldest due.
Proposal ProposeByAmount(const Payment& p, const std::string& customer_id, const OpenBook& book,
                         const WorkingBalances& balances, const Policy& policy, bool with_children,
                         ExceptionReason* reason, std::string* why) {
  Proposal pr;
  std::vector<const Invoice*> candidates;
  // The search covers the first candidates_count_max by due date; the rest
  // are kept to check that what the window gives is not rivalled outside it.
  std::vector<const Invoice*> beyond;
  for (const Invoice* base : with_children ? book.OpenInvoicesOfFamily(customer_id) : book.OpenInvoicesOf(customer_id)) {
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
  std::map<int64_t, std::vector<const Invoice*>> by_amount;
  for (const Invoice* inv : candidates) by_amount[Settleable(*inv)].push_back(inv);
  std::vector<SubsetSearch::Value> values;
  for (auto& [amount, invs] : by_amount) values.push_back(SubsetSearch::Value{amount, std::move(invs)});
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
    pr.rule = "on_account";
    pr.unapplied_minor = p.amount_minor;
    return pr;
  }
  const SubsetSearch::Answer& a = search.answers().front();
  std::vector<const Invoice*> chosen;
  for (const auto& [vi, k] : a) {
    for (int j = 0; j < k; ++j) chosen.push_back(search.value(vi).invoices[j]);
  }
  if (!beyond.empty() && !RivalFreeBeyondWindow(chosen, candidates, beyond, lo, hi, reason, why)) {
    pr.signals.push_back("set=" + DescribeAnswer(search, a));
    return pr;
  }
  std::sort(chosen.begin(), chosen.end(), [](const Invoice* x, const Invoice* y) {
    if (x->due_date != y->due_date) return x->due_date < y->due_date;
    return x->invoice_id < y->invoice_id;
  });
  // One invoice with exactly the amount is the plainest answer; a set of
  // several, or a fit only within the tolerance, scores a little lower.
  const bool single = chosen.size() == 1;
  pr.rule = single ? (exact ? "exact_amount" : "amount_within_tolerance")
                   : (exact ? "subset_sum" : "subset_sum_within_tolerance");
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
  pr.signals.push_back("set=" + DescribeAnswer(search, a));
  pr.signals.push_back(Delta(p.amount_minor, sum.ToInt64().value(), exp));
  return pr;
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
    s->rule = "cash_held";
    s->detail = "payment held while usage is reconciled";
  } else if (w.amount_open_minor == 0) {
    s->action = SuppressionAction::kCancel;
    s->rule = "invoice_settled";
  } else if (w.disputed_minor > 0 && w.amount_open_minor <= w.disputed_minor) {
    s->action = SuppressionAction::kPause;
    s->rule = "disputed_open";
    s->detail = "only the disputed amount stays open";
  } else {
    const i128 paid = static_cast<i128>(w.amount_total_minor - w.amount_open_minor) * 1000000;
    const bool mostly = w.amount_total_minor > 0 &&
                        paid >= static_cast<i128>(w.amount_total_minor) * policy.soften_paid_share_ppm;
    if (!mostly) return false;  // partly paid: dunning carries on for the rest
    s->action = SuppressionAction::kSoften;
    s->rule = "mostly_paid";
  }
  return true;
}

// Emits the events of an accepted proposal against the working balances:
// applications, write-offs, holds (each with its dunning action), then the
// unapplied rest. Updates the payment record.
void Commit(const SettlementBatch& batch, const Payment& p, const Proposal& pr, const Policy& policy,
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
    e.rule = pr.rule;
    e.score_milli = pr.score_milli;
    e.signals = pr.signals;
    return e;
  };
  for (const auto& [inv, amount] : pr.applications) {
    Invoice& w = touch(inv);
    assert(amount > 0 && amount <= w.amount_open_minor);
    w.amount_open_minor -= amount;
    out.events.push_back(event(EventType::kApplied, w, amount));
    rec.applied_minor += amount;
    if (settled != nullptr) settled->applications.push_back(Application{w.invoice_id, amount});
  }
  for (const auto& [inv, amount] : pr.write_offs) {
    Invoice& w = touch(inv);
    assert(amount > 0 && amount <= w.amount_open_minor);
    w.amount_open_minor -= amount;
    Event e = event(EventType::kWrittenOff, w, amount);
    e.detail = "short payment within tolerance";
    out.events.push_back(e);
  }
  for (const auto& [inv, amount] : pr.holds) {
    Invoice& w = touch(inv);
    Event e = event(EventType::kHeld, w, amount);
    e.detail = "usage still reconciling: cash held until the invoice is final";
    out.events.push_back(e);
    rec.held_minor += amount;
    if (settled != nullptr) settled->holds.push_back(Application{w.invoice_id, amount});
  }
  // One dunning decision per touched invoice, after its money moved.
  for (Invoice* w : touched) {
    bool held = false;
    for (const auto& h : pr.holds) held = held || h.first->invoice_id == w->invoice_id;
    Event s = BaseEvent(EventType::kSuppression, batch, p);
    if (DunningAfter(*w, held, policy, &s)) out.events.push_back(s);
  }
  if (pr.unapplied_minor > 0) {
    Event e = BaseEvent(EventType::kUnapplied, batch, p);
    e.customer_id = rec.customer_id;
    e.amount_minor = pr.unapplied_minor;
    e.rule = pr.rule;
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
  ex.rule = "match";
  ex.signals = signals;
  ex.detail = detail;
  out.events.push_back(ex);
  rec.status = PaymentStatus::kException;
  rec.exception_minor = p.amount_minor;
  rec.reason = reason;
  ++out.exception_count;
}

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
Proposal ProposeForPayer(const Payment& p, const Identification& id, const OpenBook& book,
                         const WorkingBalances& balances, const Policy& policy, ExceptionReason* reason,
                         std::string* why) {
  Proposal pr = ProposeByAmount(p, id.customer_id, book, balances, policy, false, reason, why);
  const size_t children = book.ChildrenOf(id.customer_id).size();
  const auto no_fit = [](const Proposal& x) { return x.rule == "on_account" || x.rule.starts_with("fallback_"); };
  if (*reason == ExceptionReason::kNone && no_fit(pr) && children > 0) {
    // A set among the family's invoices (or two: ambiguous) comes before the
    // policy's fallback over the parent's own invoices.
    ExceptionReason family_reason = ExceptionReason::kNone;
    std::string family_why;
    Proposal family = ProposeByAmount(p, id.customer_id, book, balances, policy, true, &family_reason, &family_why);
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
    pr.score_milli = pr.rule == "on_account" ? id.confidence_milli : pr.score_milli * id.confidence_milli / 1000;
  }
  return pr;
}

// A reference found by a tail, PO number or typo is weaker evidence than
// the number itself: the proposal scores no higher than that, and an exact
// fit is named by how it was found.
void CapReferenceScore(const Resolution& res, Proposal& pr) {
  if (res.weak_rule == nullptr || pr.score_milli <= res.score_cap_milli) return;
  pr.score_milli = res.score_cap_milli;
  if (pr.rule == "exact_reference") pr.rule = res.weak_rule;
}

// Decides one new payment: the referenced invoices when the remittance
// names usable ones, else its amount against the identified customer's open
// invoices; a score below the policy's auto line goes to review.
void DecidePayment(const SettlementBatch& batch, const Payment& p, const PaymentHints& hints, const OpenBook& book,
                   const Policy& policy, WorkingBalances& balances, PaymentRecord& rec, BatchOutcome& out,
                   SettledPayment* settled) {
  Resolution res = Resolve(p, hints, balances);
  Identification id = IdentifyCustomer(p, res, book, policy);
  if (!res.deferred.empty()) {
    // A bare tail, PO number or typo could need the customer to resolve;
    // an invoice it found may in turn name the customer.
    ResolveDeferred(p, policy, id.customer_id, balances, res);
    if (id.customer_id.empty() && !res.referenced_customer_id.empty()) id = IdentifyCustomer(p, res, book, policy);
  }
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
  if (res.reason == ExceptionReason::kNone) {
    proposal = ProposeReferenced(p, res, policy, &why);
    if (!proposal) reason = ExceptionReason::kOverTolerance;
    if (proposal) CapReferenceScore(res, *proposal);
  } else if (by_amount && !rec.customer_id.empty()) {
    Proposal pr = ProposeForPayer(p, id, book, balances, policy, &reason, &why);
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
  const bool scored = proposal && (proposal->rule != "on_account" || id.by == IdentifiedBy::kName);
  if (scored && proposal->score_milli < policy.auto_apply_score_milli) {
    reason = proposal->score_milli >= policy.review_score_milli ? ExceptionReason::kNeedsReview
                                                                : ExceptionReason::kUnmatched;
    why = "best proposal '" + proposal->rule + "' scored " + std::to_string(proposal->score_milli) +
          "/1000, below the auto-apply threshold";
    signals = proposal->signals;
    signals.push_back("score=" + std::to_string(proposal->score_milli));
    proposal.reset();
  }
  if (proposal) {
    Commit(batch, p, *proposal, policy, balances, rec, out, settled);
  } else {
    RaiseException(batch, p, reason, why, signals, one_invoice, rec, out);
  }
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

// Takes back what the returned payment still holds, up to the returned
// amount: cash on the customer's account first, then cash waiting in
// review, then cash held against usage invoices, then applications newest
// first. Each invoice that gets money back or loses its hold resumes
// dunning. Anything left over, or a return whose payment we do not hold, is
// an exception for a person.
void ReverseOne(const SettlementBatch& batch, const Reversal& r, SettledPayment& settled, WorkingBalances& balances,
                BatchOutcome& out) {
  PaymentRecord& rec = settled.record;
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
    const int64_t x = take(it->amount_minor, CashBucket::kApplied, w.invoice_id);
    w.amount_open_minor += x;
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

// ---- Stripe payouts: fees, and the bank line that carried the money ----

// A processor's fee on one charge: booked as a fee, never as a short payment
// (the invoice was paid at the charge's gross).
Event FeeEvent(const SettlementBatch& batch, const Payment& p, const std::string& customer_id) {
  Event e = BaseEvent(EventType::kFee, batch, p);
  e.customer_id = customer_id;
  e.amount_minor = p.fee_minor;
  e.rule = "stripe_fee";
  e.detail = "processing fee kept by Stripe before the payout";
  return e;
}

// Fees outside any one charge (stripe_fee balance transactions, dispute
// fees, FX fees), one event per currency, on the payout's trail.
void BookStandaloneFees(const SettlementBatch& batch, BatchOutcome& out) {
  for (const auto& [code, amount] : batch.standalone_fees_minor) {
    if (amount == 0) continue;
    Event e;
    e.type = EventType::kFee;
    e.batch_id = batch.batch_id;
    e.payment_id = batch.payout.has_value() ? batch.payout->payout_id : std::string();
    e.currency = Currency::Find(code);
    assert(e.currency != nullptr);
    e.amount_minor = amount > 0 ? amount : -amount;
    e.rule = amount > 0 ? "stripe_fee" : kFeeRefundRule;
    e.detail = amount > 0 ? "Stripe fees charged outside any one charge" : "Stripe fees given back";
    out.events.push_back(e);
  }
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Whether `text` holds `word` (upper case) as a whole word, any case.
bool HasWordCaseless(std::string_view text, std::string_view word) {
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (i > 0 && IsWordChar(text[i - 1])) continue;
    size_t k = 0;
    while (k < word.size() && std::toupper(static_cast<unsigned char>(text[i + k])) == word[k]) ++k;
    if (k == word.size() && (i + k == text.size() || !IsWordChar(text[i + k]))) return true;
  }
  return false;
}

// The first Stripe payout id ("po_" and letters or digits) in `text`.
std::string PayoutIdIn(std::string_view text) {
  for (size_t i = text.find("po_"); i != std::string_view::npos; i = text.find("po_", i + 1)) {
    if (i > 0 && IsWordChar(text[i - 1])) continue;
    size_t end = i + 3;
    while (end < text.size() && IsWordChar(text[end])) ++end;
    if (end > i + 3) return std::string(text.substr(i, end - i));
  }
  return {};
}

// A bank line that brings a Stripe payout's net amount: the bank names
// Stripe as the payer, or the text says it is a Stripe transfer or payout
// ("STRIPE TRANSFER", "STRIPE PAYOUT", a po_… id). A customer writing "paid
// via Stripe INV-…" is paying an invoice, not moving a payout. Stripe's own
// balance transactions are never one.
bool IsStripeTransferLine(const Payment& p) {
  if (p.source == PaymentSource::kStripe || p.amount_minor <= 0) return false;
  if (HasWordCaseless(p.payer_name, "STRIPE")) return true;
  return HasWordCaseless(p.remittance, "STRIPE") &&
         (HasWordCaseless(p.remittance, "TRANSFER") || HasWordCaseless(p.remittance, "PAYOUT") ||
          !PayoutIdIn(p.remittance).empty());
}

// A bank line and its payout are linked only within this many days of the
// payout's arrival date (banks post a day or two either side).
constexpr int32_t kPayoutDateWindowDays = 5;

// Payout halves this batch has already linked, so none is linked twice.
using PayoutClaims = std::set<std::string>;

// Of the waiting halves, the one closest in date within the window; ties
// are not broken by guessing. `*tied` lists the tied ids.
const PayoutLink* ClosestHalf(const std::vector<const PayoutLink*>& halves, Date date, bool payout_side,
                              const PayoutClaims& claims, std::vector<std::string>* tied) {
  const PayoutLink* best = nullptr;
  int32_t best_distance = 0;
  for (const PayoutLink* h : halves) {
    const std::string& id = payout_side ? h->payout_id : h->bank_payment_id;
    if (claims.count(id) != 0) continue;
    const int32_t distance = std::abs(h->date.days - date.days);
    if (distance > kPayoutDateWindowDays) continue;
    if (best == nullptr || distance < best_distance) {
      best = h;
      best_distance = distance;
      tied->assign({id});
    } else if (distance == best_distance) {
      tied->push_back(id);
    }
  }
  return tied->size() > 1 ? nullptr : best;
}

Event PayoutMatchedEvent(const SettlementBatch& batch, const PayoutLink& link, const std::string& bank_payment_id,
                         Date bank_date, Date payout_date) {
  Event e;
  e.type = EventType::kPayoutMatched;
  e.batch_id = batch.batch_id;
  e.payment_id = bank_payment_id;
  e.currency = link.currency;
  e.amount_minor = link.amount_minor;
  e.rule = "stripe_payout";
  e.score_milli = 1000;
  e.signals = {"payout=" + link.payout_id, "amount=exact",
               "date_distance=" + std::to_string(std::abs(bank_date.days - payout_date.days)) + "d"};
  e.detail = "bank line carries Stripe payout " + link.payout_id + ": its charges were applied one by one";
  return e;
}

// A bank line from Stripe: linked to the waiting payout of its amount (the
// payout id in its text, when given, must agree), or left waiting for the
// payout listing with a `payout_pending` exception that holds no customer
// cash. Two payouts equally close: a person decides.
void DecideTransferLine(const SettlementBatch& batch, const Payment& p, const OpenBook& book, PayoutClaims& claims,
                        PaymentRecord& rec, BatchOutcome& out) {
  std::vector<const PayoutLink*> halves = book.WaitingPayouts(p.currency, p.amount_minor);
  const std::string named = PayoutIdIn(p.remittance);
  if (!named.empty()) std::erase_if(halves, [&](const PayoutLink* h) { return h->payout_id != named; });
  std::vector<std::string> tied;
  const PayoutLink* payout = ClosestHalf(halves, p.value_date, true, claims, &tied);
  if (payout != nullptr) {
    claims.insert(payout->payout_id);
    out.events.push_back(PayoutMatchedEvent(batch, *payout, p.payment_id, p.value_date, payout->date));
    PayoutLink link = *payout;
    link.bank_payment_id = p.payment_id;
    out.payout_links.push_back(std::move(link));
    rec.status = PaymentStatus::kPayout;
    ++out.payout_linked_count;
    return;
  }
  Event ex = BaseEvent(EventType::kException, batch, p);
  ex.amount_minor = p.amount_minor;
  ex.rule = "stripe_payout";
  ex.signals = {"payer=stripe"};
  if (!named.empty()) ex.signals.push_back("payout=" + named);
  if (tied.size() > 1) {
    ex.reason = ExceptionReason::kAmbiguous;
    ex.detail = "bank line from Stripe fits payouts equally well:";
    for (const std::string& id : tied) ex.detail += " " + id;
    rec.exception_minor = p.amount_minor;  // a person must say which: held in review like any ambiguity
  } else {
    ex.reason = ExceptionReason::kPayoutPending;
    ex.detail = "bank line from Stripe with no payout listing of this amount yet: linked when the listing is applied";
    PayoutLink waiting;
    waiting.bank_payment_id = p.payment_id;
    waiting.currency = p.currency;
    waiting.amount_minor = p.amount_minor;
    waiting.date = p.value_date;
    waiting.batch_id = batch.batch_id;
    out.payout_links.push_back(std::move(waiting));
  }
  out.events.push_back(ex);
  rec.status = PaymentStatus::kException;
  rec.reason = ex.reason;
  ++out.exception_count;
}

// The batch is a payout listing: link it to the bank line already waiting
// for it, else record it as waiting for its bank line.
void LinkPayout(const SettlementBatch& batch, const OpenBook& book, BatchOutcome& out) {
  const PayoutInfo& po = *batch.payout;
  PayoutLink link;
  link.payout_id = po.payout_id;
  link.currency = po.currency;
  link.amount_minor = po.amount_minor;
  link.date = po.arrival_date;
  link.batch_id = batch.batch_id;
  std::vector<std::string> tied;
  const PayoutLink* line =
      po.amount_minor > 0 ? ClosestHalf(book.WaitingBankLines(po.currency, po.amount_minor), po.arrival_date, false,
                                        PayoutClaims(), &tied)
                          : nullptr;
  const PaymentRecord* line_record = line != nullptr ? book.WaitingBankLineRecord(line->bank_payment_id) : nullptr;
  if (line_record != nullptr) {
    out.events.push_back(PayoutMatchedEvent(batch, link, line->bank_payment_id, line->date, po.arrival_date));
    link.bank_payment_id = line->bank_payment_id;
    PaymentRecord rec = *line_record;
    rec.status = PaymentStatus::kPayout;
    rec.reason = ExceptionReason::kNone;
    out.payments.push_back(std::move(rec));
    ++out.payout_linked_count;
  }
  out.payout_links.push_back(std::move(link));
}

// One payment's share of the batch outcome, decided apart and joined in
// canonical order.
struct PaymentSlot {
  BatchOutcome out;
  SettledPayment settled;  // what it applied and held: for returns in the same batch
};

// Groups of payments (positions of `order`, ascending) that can touch the
// same invoices: a payment can touch its identified customer's open
// invoices (a parent's: its children's too) and the invoices it
// references, so payments are joined through the customers of both
// (union-find). Groups come in the order of their first payment.
// Whether two groups' allocations changed the same invoice.
bool GroupsOverlap(const std::vector<std::vector<Invoice>>& group_updates) {
  if (group_updates.size() < 2) return false;
  std::unordered_set<std::string_view> seen;
  for (const std::vector<Invoice>& updates : group_updates) {
    for (const Invoice& inv : updates) {
      if (!seen.insert(inv.invoice_id).second) return true;
    }
  }
  return false;
}

std::vector<std::vector<size_t>> AllocationGroups(const SettlementBatch& batch, const std::vector<PaymentHints>& hints,
                                                  const OpenBook& book, const Policy& policy,
                                                  const std::vector<size_t>& order,
                                                  const std::vector<size_t>& positions) {
  std::vector<size_t> parent(positions.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  const WorkingBalances untouched(book);
  std::unordered_map<std::string, size_t> first_of_customer;  // customer -> index into positions
  for (size_t i = 0; i < positions.size(); ++i) {
    const size_t idx = order[positions[i]];
    const Payment& p = batch.payments[idx];
    Resolution res = Resolve(p, hints[idx], untouched);
    std::vector<std::string> customers;
    Identification id = IdentifyCustomer(p, res, book, policy);
    if (!res.deferred.empty()) {  // as DecidePayment does, against the snapshot
      ResolveDeferred(p, policy, id.customer_id, untouched, res);
      if (id.customer_id.empty() && !res.referenced_customer_id.empty()) id = IdentifyCustomer(p, res, book, policy);
    }
    if (!id.customer_id.empty()) customers.push_back(id.customer_id);
    for (const Customer* child : book.ChildrenOf(id.customer_id)) customers.push_back(child->customer_id);
    for (const Invoice* inv : res.found) customers.push_back(inv->customer_id);
    for (const std::string& c : customers) {
      auto [it, inserted] = first_of_customer.emplace(c, i);
      if (!inserted) {
        const size_t a = find(i), b = find(it->second);
        parent[std::max(a, b)] = std::min(a, b);  // the root stays the earliest payment
      }
    }
  }
  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> group_of_root(positions.size(), SIZE_MAX);
  for (size_t i = 0; i < positions.size(); ++i) {
    const size_t root = find(i);
    if (group_of_root[root] == SIZE_MAX) {
      group_of_root[root] = groups.size();
      groups.emplace_back();
    }
    groups[group_of_root[root]].push_back(positions[i]);
  }
  return groups;
}

}  // namespace

BatchOutcome MatchBatch(const SettlementBatch& batch, const std::vector<PaymentHints>& hints, const OpenBook& book,
                        const Policy& policy, const MatchOptions& options) {
  assert(hints.size() == batch.payments.size());
  std::vector<size_t> order(batch.payments.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Payment& pa = batch.payments[a];
    const Payment& pb = batch.payments[b];
    if (pa.value_date != pb.value_date) return pa.value_date < pb.value_date;
    return pa.payment_id < pb.payment_id;
  });

  // Each payment's decision goes into its own slot (positions of `order`);
  // the slots are joined in canonical order at the end, so the events do
  // not depend on which thread decided what.
  const bool has_returns = !batch.reversals.empty();
  std::vector<PaymentSlot> slots(order.size());
  std::vector<size_t> to_allocate;  // positions of `order` the customer groups decide
  PayoutClaims payouts;
  for (size_t k = 0; k < order.size(); ++k) {
    const Payment& p = batch.payments[order[k]];
    PaymentSlot& slot = slots[k];
    if (book.IsPaymentCommitted(p.payment_id)) {
      // Not new money: the same payment id was committed by an earlier
      // batch. A person decides; nothing is received or applied twice.
      Event dup = BaseEvent(EventType::kException, batch, p);
      dup.amount_minor = p.amount_minor;
      dup.reason = ExceptionReason::kDuplicatePayment;
      dup.detail = "payment id already committed by an earlier batch";
      slot.out.events.push_back(dup);
      ++slot.out.duplicate_count;
    } else if (IsStripeTransferLine(p)) {
      // Touches no invoice; the payouts it may claim are shared, so serial.
      PaymentRecord rec = NewRecord(batch, p);
      DecideTransferLine(batch, p, book, payouts, rec, slot.out);
      slot.out.payments.push_back(std::move(rec));
    } else {
      to_allocate.push_back(k);
    }
  }

  // Allocation: per group of payments that can touch the same invoices, in
  // canonical order against the balances the group's earlier payments
  // left; groups share no invoice, so they run in parallel and give what
  // one walk over all payments would.
  std::vector<std::vector<size_t>> groups = AllocationGroups(batch, hints, book, policy, order, to_allocate);
  std::vector<std::vector<Invoice>> group_updates(groups.size());
  auto allocate = [&](size_t g) {
    WorkingBalances balances(book);
    for (size_t k : groups[g]) {
      const Payment& p = batch.payments[order[k]];
      PaymentSlot& slot = slots[k];
      PaymentRecord rec = NewRecord(batch, p);
      DecidePayment(batch, p, hints[order[k]], book, policy, balances, rec, slot.out,
                    has_returns ? &slot.settled : nullptr);
      if (p.fee_minor > 0) slot.out.events.push_back(FeeEvent(batch, p, rec.customer_id));
      slot.settled.record = rec;
      slot.out.payments.push_back(std::move(rec));
    }
    group_updates[g] = balances.Take();
  };
  if (groups.size() < 2 || options.threads == 1) {
    for (size_t g = 0; g < groups.size(); ++g) allocate(g);
  } else {
    tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, groups.size()), [&](const tbb::blocked_range<size_t>& r) {
        for (size_t g = r.begin(); g != r.end(); ++g) allocate(g);
      });
    });
  }

  // The groups are a prediction made before allocation (a typo or PO number
  // may resolve differently against balances earlier payments left). Should
  // two groups have changed the same invoice, the prediction failed: the
  // whole batch is allocated again as one group, serially. Either way the
  // result depends on the input only, never on the threads.
  if (GroupsOverlap(group_updates)) {
    for (size_t k : to_allocate) slots[k] = PaymentSlot();
    groups.assign(1, to_allocate);
    group_updates.assign(1, {});
    allocate(0);
  }

  BatchOutcome out;
  WorkingBalances balances(book);
  for (std::vector<Invoice>& updates : group_updates) balances.Absorb(std::move(updates));
  std::unordered_map<std::string, SettledPayment> settled_here;
  for (size_t k = 0; k < order.size(); ++k) {
    BatchOutcome& part = slots[k].out;
    std::move(part.events.begin(), part.events.end(), std::back_inserter(out.events));
    std::move(part.payout_links.begin(), part.payout_links.end(), std::back_inserter(out.payout_links));
    out.applied_count += part.applied_count;
    out.exception_count += part.exception_count;
    out.duplicate_count += part.duplicate_count;
    out.payout_linked_count += part.payout_linked_count;
    for (PaymentRecord& rec : part.payments) {
      if (has_returns && slots[k].settled.record.payment_id == rec.payment_id) {
        settled_here[rec.payment_id] = std::move(slots[k].settled);
      }
      out.payments.push_back(std::move(rec));
    }
  }
  if (has_returns) ApplyReversals(batch, book, balances, settled_here, out);
  BookStandaloneFees(batch, out);
  if (batch.payout.has_value()) LinkPayout(batch, book, out);
  out.invoice_updates = balances.Take();
  return out;
}

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
      e.rule = "usage_final";
      return e;
    };
    Event released = event(EventType::kReleased, h->amount_minor);
    released.detail = "usage reconciled: the held cash is applied";
    out.events.push_back(released);
    rec.held_minor -= h->amount_minor;
    // What the final invoice still owes is applied; any rest is the
    // customer's, on account.
    Invoice& w = balances.Mutable(*inv);
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
      s.rule = "hold_released";
    }
    out.events.push_back(s);
    rec.status = rec.exception_minor > 0                                      ? rec.status
                 : rec.applied_minor == rec.amount_minor - rec.returned_minor ? PaymentStatus::kApplied
                 : rec.applied_minor > 0                                      ? PaymentStatus::kPartial
                                                                              : PaymentStatus::kUnapplied;
    ++out.applied_count;
  }
  out.invoice_updates = balances.Take();
  return out;
}

}  // namespace cashmatch
