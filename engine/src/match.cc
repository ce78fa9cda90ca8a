// The matcher (DESIGN.md §3). Per payment in canonical order (value date,
// then payment id), against balances that earlier payments of this batch
// already reduced:
//   1. resolve the invoices the hints name (number exactly or written
//      differently, Stripe id) and check each: currency, still open, usage
//      reconciling (cash is held), disputed (only the undisputed part
//      settles), stated amounts;
//   2. identify the customer: a referenced invoice, else the bank account;
//      then resolve what needed the customer (references.h): a bare tail,
//      a PO number, a one-edit typo whose amount agrees;
//   3. propose: the referenced invoices (exact, overpaid -> unapplied rest,
//      short within tolerance -> written off, short beyond -> partial), or
//      with no usable reference one open invoice with the exact amount, then
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
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <unordered_map>

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

BookRequest PlanBookRequest(const SettlementBatch& batch, const std::vector<PaymentHints>& hints) {
  assert(hints.size() == batch.payments.size());
  BookRequest req;
  for (size_t i = 0; i < batch.payments.size(); ++i) {
    const Payment& p = batch.payments[i];
    req.payment_ids.insert(p.payment_id);
    if (!p.payer_account_fp.empty()) req.account_fps.insert(p.payer_account_fp);
    for (const InvoiceHint& h : hints[i].invoices) AddToBookRequest(h, &req);
  }
  for (const Reversal& r : batch.reversals) {
    if (!r.original_payment_id.empty()) req.returned_payment_refs.insert(r.original_payment_id);
    if (!r.original_reference.empty()) req.returned_payment_refs.insert(r.original_reference);
  }
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

// How the customer was identified, strongest first.
enum class IdentifiedBy { kNone, kReference, kAccount };

// The customer, and the signal that identified it: a referenced invoice is
// the payer's own word; a known bank account comes next.
std::string IdentifyCustomer(const Payment& p, const Resolution& res, const OpenBook& book, IdentifiedBy* by) {
  if (!res.referenced_customer_id.empty()) {
    *by = IdentifiedBy::kReference;
    return res.referenced_customer_id;
  }
  if (!p.payer_account_fp.empty()) {
    if (const Customer* c = book.FindCustomerByAccountFp(p.payer_account_fp)) {
      *by = IdentifiedBy::kAccount;
      return c->customer_id;
    }
  }
  *by = IdentifiedBy::kNone;
  return {};
}

const char* IdentifiedByName(IdentifiedBy by) {
  switch (by) {
    case IdentifiedBy::kReference: return "identified_by=reference";
    case IdentifiedBy::kAccount: return "identified_by=account";
    case IdentifiedBy::kNone: break;
  }
  return "identified_by=none";
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
  }

  // Answers whose sum lies in [lo, hi]; stops at two.
  void Run(int64_t lo, int64_t hi) {
    answers_.clear();
    nodes_ = 0;
    cut_ = false;
    Answer current;
    Walk(0, lo, hi, 0, current);
  }

  const std::vector<Answer>& answers() const { return answers_; }
  bool cut() const { return cut_; }
  const Value& value(size_t i) const { return values_[i]; }

  static constexpr uint64_t kNodeBudget = 200000;

 private:
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
    if (i == values_.size() || size >= size_max_ || hi < 0 || suffix_[i] < lo) return;
    const Value& v = values_[i];
    const int most = std::min<int>(static_cast<int>(v.invoices.size()), size_max_ - size);
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

// A payment with no usable reference from a known customer: a unique set
// of its open invoices (one invoice is a set of one) that sums to the
// amount exactly, else within the tolerance, else cash on account. Two
// sets that differ in substance ({A, B} and {C}) make it `ambiguous`: a
// person chooses; sets that differ only in which of equal-amount invoices
// they take are one answer, the oldest due.
Proposal ProposeByAmount(const Payment& p, const std::string& customer_id, const OpenBook& book,
                         const WorkingBalances& balances, const Policy& policy, ExceptionReason* reason,
                         std::string* why) {
  Proposal pr;
  std::vector<const Invoice*> candidates;
  for (const Invoice* base : book.OpenInvoicesOf(customer_id)) {
    if (static_cast<int32_t>(candidates.size()) >= policy.candidates_count_max) break;
    const Invoice* inv = balances.FindById(base->invoice_id);
    if (inv == nullptr || inv->currency != p.currency || inv->usage_status == UsageStatus::kReconciling) continue;
    if (Settleable(*inv) > 0) candidates.push_back(inv);
  }
  pr.signals.push_back("candidates=" + std::to_string(candidates.size()));
  const int exp = p.currency->exponent();
  std::map<int64_t, std::vector<const Invoice*>> by_amount;
  for (const Invoice* inv : candidates) by_amount[Settleable(*inv)].push_back(inv);
  std::vector<SubsetSearch::Value> values;
  for (auto& [amount, invs] : by_amount) values.push_back(SubsetSearch::Value{amount, std::move(invs)});
  SubsetSearch search(std::move(values), policy.set_size_max);
  const int64_t tol = policy.ShortfallAllowedMinor(p.source, p.currency, p.amount_minor);
  search.Run(p.amount_minor, p.amount_minor);
  bool exact = true;
  if (search.answers().empty() && !search.cut() && tol > 0) {
    exact = false;
    search.Run(p.amount_minor + 1, p.amount_minor > INT64_MAX - tol ? INT64_MAX : p.amount_minor + tol);
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
    pr.rule = "on_account";
    pr.unapplied_minor = p.amount_minor;
    pr.signals.push_back("amount=no_fit");
    return pr;
  }
  const SubsetSearch::Answer& a = search.answers().front();
  std::vector<const Invoice*> chosen;
  for (const auto& [vi, k] : a) {
    for (int j = 0; j < k; ++j) chosen.push_back(search.value(vi).invoices[j]);
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

// Emits the events of an accepted proposal against the working balances:
// applications, write-offs, holds (each with its dunning action), then the
// unapplied rest. Updates the payment record.
void Commit(const SettlementBatch& batch, const Payment& p, const Proposal& pr, const Policy& policy,
            WorkingBalances& balances, PaymentRecord& rec, BatchOutcome& out, std::vector<Application>* applications) {
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
    if (applications != nullptr) applications->push_back(Application{w.invoice_id, amount});
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
  }
  // One dunning decision per touched invoice, after its money moved.
  for (Invoice* w : touched) {
    Event s = BaseEvent(EventType::kSuppression, batch, p);
    s.invoice_id = w->invoice_id;
    s.customer_id = w->customer_id;
    bool held = false;
    for (const auto& h : pr.holds) held = held || h.first->invoice_id == w->invoice_id;
    if (held) {
      s.action = SuppressionAction::kPause;
      s.rule = "cash_held";
      s.detail = "payment held while usage is reconciled";
    } else if (w->amount_open_minor == 0) {
      s.action = SuppressionAction::kCancel;
      s.rule = "invoice_settled";
    } else if (w->disputed_minor > 0 && w->amount_open_minor <= w->disputed_minor) {
      s.action = SuppressionAction::kPause;
      s.rule = "disputed_open";
      s.detail = "only the disputed amount stays open";
    } else {
      const i128 paid = static_cast<i128>(w->amount_total_minor - w->amount_open_minor) * 1000000;
      const bool mostly = w->amount_total_minor > 0 &&
                          paid >= static_cast<i128>(w->amount_total_minor) * policy.soften_paid_share_ppm;
      if (!mostly) continue;  // partly paid: dunning carries on for the rest
      s.action = SuppressionAction::kSoften;
      s.rule = "mostly_paid";
    }
    out.events.push_back(s);
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
                   std::vector<Application>* applications) {
  Resolution res = Resolve(p, hints, balances);
  IdentifiedBy by = IdentifiedBy::kNone;
  rec.customer_id = IdentifyCustomer(p, res, book, &by);
  if (!res.deferred.empty()) {
    ResolveDeferred(p, policy, rec.customer_id, balances, res);
    if (rec.customer_id.empty() && !res.referenced_customer_id.empty()) {
      rec.customer_id = res.referenced_customer_id;
      by = IdentifiedBy::kReference;
    }
  }
  Event received = BaseEvent(EventType::kPaymentReceived, batch, p);
  received.customer_id = rec.customer_id;
  received.amount_minor = p.amount_minor;
  received.detail = p.payer_name;
  received.signals = {IdentifiedByName(by)};
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
    Proposal pr = ProposeByAmount(p, rec.customer_id, book, balances, policy, &reason, &why);
    for (std::string& s : pr.signals) signals.push_back(s);
    pr.signals = signals;
    if (reason == ExceptionReason::kNone) proposal = std::move(pr);
  } else if (by_amount && res.reason == ExceptionReason::kUnknownInvoice) {
    reason = res.reason;  // the payer named an invoice we do not know, and nothing else identifies them
    why = res.detail;
  } else if (by_amount) {
    reason = ExceptionReason::kNoCustomer;
    why = "no usable invoice reference and no known payer account";
  } else {
    reason = res.reason;
    why = res.detail;
  }
  if (proposal && proposal->rule != "on_account" && proposal->score_milli < policy.auto_apply_score_milli) {
    reason = proposal->score_milli >= policy.review_score_milli ? ExceptionReason::kNeedsReview
                                                                : ExceptionReason::kUnmatched;
    why = "best proposal '" + proposal->rule + "' scored " + std::to_string(proposal->score_milli) +
          "/1000, below the auto-apply threshold";
    signals = proposal->signals;
    signals.push_back("score=" + std::to_string(proposal->score_milli));
    proposal.reset();
  }
  if (proposal) {
    Commit(batch, p, *proposal, policy, balances, rec, out, applications);
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
    PaymentRecord rec = NewRecord(batch, p);
    std::vector<Application> applications;
    DecidePayment(batch, p, hints[idx], book, policy, balances, rec, out, has_returns ? &applications : nullptr);
    if (has_returns) settled_here[p.payment_id] = SettledPayment{rec, std::move(applications)};
    out.payments.push_back(std::move(rec));
  }
  if (has_returns) ApplyReversals(batch, book, balances, settled_here, out);
  out.invoice_updates = balances.Take();
  return out;
}

}  // namespace cashmatch
