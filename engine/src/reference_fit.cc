// Stage 2d of the matcher (engine/README.md): a reference is evidence, not
// proof. With dense sequential numbering a one-digit slip in a remittance
// usually spells a real invoice — another customer's, or another of the
// payer's own — with another amount. Before the references are allocated,
// they are weighed against who pays (bank account, Stripe customer or name,
// never the reference itself) and against the amount:
//
//   - A reference whose invoice the amount fits, of the payer's family or of
//     a payer nobody identifies otherwise, stands (a parent or a third party
//     may pay someone else's invoice in full).
//   - A reference the amount does not fit is checked against the payer's own
//     open invoices near it: an invoice one or two edits from the referenced
//     number (optimal string alignment over the strict keys) that takes the
//     amount exactly — or, with several references, makes their sum exact —
//     is what the payer meant. It replaces the reference when it is the only
//     one, or the nearest; equal amounts and equal distances go to the one
//     due first (then the lower id), as everywhere else.
//   - An invoice of another customer is never settled on its reference alone
//     when the payer is identified as someone else and the amount does not
//     fit it: with no replacement the payment goes to review, the signals
//     naming both customers.
//   - A reference whose invoice is already settled (paid earlier, often by
//     its own customer), in another currency or disputed in full, or is
//     another customer's
//     usage invoice still reconciling, is no failure (and no hold for a
//     stranger) when the payer's own open invoice one or two edits from it
//     makes the amount exact: that one is paid — unless the payment is also
//     what a settled invoice came to (paid twice?), which stays an
//     `invoice_not_open` exception.
//   - An invoice of another customer that the amount fits, when the payer's
//     own near invoice fits as well, gives way to it when the payer is known
//     by its bank account or Stripe customer; known by name alone, a person
//     decides between the two.
//
// Every change leaves its signals: "reference=corrected:<named>~<meant>",
// "reference_customer=<id>", "payer_customer=<id>", "candidate=<number>".
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "match_internal.h"
#include "references.h"

namespace cashmatch::matcher {

int ReferenceDistance(std::string_view a, std::string_view b, int bound) {
  const size_t n = a.size();
  const size_t m = b.size();
  if ((n > m ? n - m : m - n) > static_cast<size_t>(bound)) return bound + 1;
  // Three rows: two back for the swap.
  std::vector<int> back2(m + 1), back1(m + 1), row(m + 1);
  for (size_t j = 0; j <= m; ++j) back1[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    row[0] = static_cast<int>(i);
    int row_min = row[0];
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int d = std::min({back1[j] + 1, row[j - 1] + 1, back1[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d = std::min(d, back2[j - 2] + 1);
      row[j] = d;
      row_min = std::min(row_min, d);
    }
    if (row_min > bound) return bound + 1;
    std::swap(back2, back1);
    std::swap(back1, row);
  }
  return std::min(back1[m], bound + 1);
}

int AlignedDifferences(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return static_cast<int>(std::max(a.size(), b.size()));
  int n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i] ? 1 : 0;
  return n;
}

namespace {

// Two edits: a digit slipped and another swapped, or a digit lost and one
// mistyped. Further than that a number is a different number.
constexpr int kReferenceDistanceMax = 2;

bool SameFamily(const OpenBook& book, const std::string& a, const std::string& b) {
  if (a == b) return true;
  const Customer* ca = book.FindCustomer(a);
  const Customer* cb = book.FindCustomer(b);
  return (ca != nullptr && ca->parent_id == b) || (cb != nullptr && cb->parent_id == a);
}

// Whether `cash` settles `due` as the references stand: exactly, or short
// within the policy's tolerance (a fee the bank took).
bool AmountFits(const Payment& p, int64_t due, const Policy& policy) {
  if (p.amount_minor == due) return true;
  return p.amount_minor < due && due - p.amount_minor <= policy.ShortfallAllowedMinor(p.source, p.currency, due);
}

// A replacement of the reference at `index` by `invoice`, at `distance`
// edits from the number it replaces.
struct Replacement {
  size_t index = 0;
  const Invoice* invoice = nullptr;
  int distance = 0;
  int aligned = 0;  // AlignedDifferences: among equal distances, fewer is nearer
};

// Earlier is better: nearer, then due first, then the lower invoice id.
bool Better(const Replacement& a, const Replacement& b) {
  if (a.distance != b.distance) return a.distance < b.distance;
  if (a.aligned != b.aligned) return a.aligned < b.aligned;
  if (a.invoice->due_date != b.invoice->due_date) return a.invoice->due_date < b.invoice->due_date;
  return a.invoice->invoice_id < b.invoice->invoice_id;
}

// The payer's open invoices a reference could have meant: in the payment's
// currency, settleable, not reconciling, not already found.
std::vector<const Invoice*> PayerOpenInvoices(const Payment& p, const Resolution& res, const std::string& payer,
                                              const WorkingBalances& balances) {
  std::vector<const Invoice*> own;
  for (const Invoice* base : balances.book().OpenInvoicesOf(payer)) {
    const Invoice* inv = balances.FindById(base->invoice_id);
    if (inv == nullptr || inv->currency != p.currency || inv->usage_status == UsageStatus::kReconciling) continue;
    if (Settleable(*inv) <= 0) continue;
    if (std::find(res.found.begin(), res.found.end(), inv) != res.found.end()) continue;
    own.push_back(inv);
  }
  return own;
}

// Adds `inv` as a replacement of reference `index` (strict key `named_key`)
// when its number is at most kReferenceDistanceMax edits away.
void AddIfNear(size_t index, const std::string& named_key, const Invoice* inv, std::vector<Replacement>* out) {
  const std::string key = NormalizeInvoiceNumber(inv->number);
  const int d = ReferenceDistance(named_key, key, kReferenceDistanceMax);
  if (d <= kReferenceDistanceMax) out->push_back(Replacement{index, inv, d, AlignedDifferences(named_key, key)});
}

// The payer's open invoices that, put in place of one reference, make the
// amount exact: for a reference with a stated amount, its invoice is due
// that amount; otherwise the references' total equals the payment.
std::vector<Replacement> ExactReplacements(const Payment& p, const Resolution& res, const std::string& payer,
                                           const WorkingBalances& balances) {
  std::vector<Replacement> out;
  const int64_t due_total = DueSoFar(res);
  const std::vector<const Invoice*> own = PayerOpenInvoices(p, res, payer, balances);
  for (size_t i = 0; i < res.invoices.size(); ++i) {
    const Invoice& named = *res.invoices[i];
    const std::string named_key = NormalizeInvoiceNumber(named.number);
    const int64_t named_due = res.stated[i].value_or(Settleable(named));
    for (const Invoice* inv : own) {
      const bool exact = res.stated[i].has_value() ? Settleable(*inv) == *res.stated[i]
                                                   : due_total - named_due + Settleable(*inv) == p.amount_minor;
      if (exact) AddIfNear(i, named_key, inv, &out);
    }
  }
  std::sort(out.begin(), out.end(), Better);
  return out;
}

void ReplaceSignal(Resolution& res, const Invoice& named, const Invoice& meant) {
  const std::string corrected = "reference=corrected:" + named.number + "~" + meant.number;
  for (std::string& s : res.signals) {
    if (s.starts_with("reference=") && s.ends_with(":" + named.number)) {
      s = corrected;
      return;
    }
  }
  res.signals.push_back(corrected);
}

// Puts `meant` in the place of `named` among the references found.
void Correct(const OpenBook& book, const Identification& payer, const Invoice& named, const Invoice* meant,
             Identified& ided) {
  Resolution& res = ided.res;
  if (!SameFamily(book, named.customer_id, payer.customer_id)) {
    res.signals.push_back("reference_customer=" + named.customer_id);
  }
  ReplaceSignal(res, named, *meant);
  for (const Invoice*& f : res.found) {
    if (f == &named) f = meant;
  }
  res.referenced_customer_id = payer.customer_id;
  res.score_cap_milli = std::min(res.score_cap_milli, kScoreReferenceFuzzy);
  if (res.weak_rule == Rule::kNone) res.weak_rule = Rule::kReferenceFuzzy;
  ided.id = payer;
}

// A reference that cannot take the payment as it stands: its invoice is
// already settled (often another customer's, paid earlier), in another
// currency or disputed in full, or a usage invoice still reconciling that is
// another customer's (the cash would be held for a stranger) or is not due
// the amount. The payer's own open invoice one or two
// edits from it that makes the amount exact is what was meant. `due` is
// what the other references claim.
bool CorrectStrayReference(const Payment& p, const OpenBook& book, const WorkingBalances& balances,
                           const Identification& payer, const Invoice& stray, int64_t due, Identified& ided) {
  Resolution& res = ided.res;
  // The named invoice paid twice explains the payment as well as a slip
  // does (a subscription's next invoice of the same amount sits one digit
  // away): a person decides, as before.
  if (!stray.is_open() && due + stray.amount_total_minor == p.amount_minor) return false;
  const std::string named_key = NormalizeInvoiceNumber(stray.number);
  std::vector<Replacement> options;
  for (const Invoice* inv : PayerOpenInvoices(p, res, payer.customer_id, balances)) {
    if (due + Settleable(*inv) == p.amount_minor) AddIfNear(0, named_key, inv, &options);
  }
  if (options.empty()) return false;
  std::sort(options.begin(), options.end(), Better);
  std::erase(res.held, &stray);
  res.invoices.push_back(options.front().invoice);
  res.stated.push_back(std::nullopt);
  Correct(book, payer, stray, options.front().invoice, ided);
  return true;
}

void Review(Resolution& res, std::string why, const std::vector<std::string>& signals) {
  res.Fail(ExceptionReason::kNeedsReview, std::move(why));
  res.signals.insert(res.signals.end(), signals.begin(), signals.end());
}

}  // namespace

void WeighReferences(const Payment& p, const OpenBook& book, const Policy& policy, const WorkingBalances& balances,
                     Identities& identities, Identified& ided) {
  Resolution& res = ided.res;
  // One reference that failed for its invoice's state (settled, another
  // currency, disputed in full), and nothing else: it may be a slip too.
  const bool one_failed = res.failures_count == 1 && res.state_failures_count == 1;
  if (!one_failed && !res.held.empty() && res.reason != ExceptionReason::kNone) return;
  if (!one_failed && res.held.empty() &&
      (res.invoices.empty() || (res.reason != ExceptionReason::kNone && !KnownReferencesExplain(p, res)))) {
    return;
  }
  // Who pays, by anything but the reference.
  Identification payer = ided.id;
  if (payer.by == IdentifiedBy::kReference) payer = identities.Get(p, std::string(), book, policy);
  if (payer.customer_id.empty()) return;
  const std::string& who = payer.customer_id;
  if (one_failed) {
    const Invoice* stray = nullptr;
    for (const Invoice* f : res.found) {
      if (std::find(res.invoices.begin(), res.invoices.end(), f) == res.invoices.end() &&
          std::find(res.held.begin(), res.held.end(), f) == res.held.end()) {
        stray = f;
      }
    }
    if (stray != nullptr && CorrectStrayReference(p, book, balances, payer, *stray, DueSoFar(res), ided)) {
      res.reason = ExceptionReason::kNone;
      res.detail.clear();
      res.failures_count = 0;
      res.state_failures_count = 0;
    }
    return;
  }
  if (!res.held.empty()) {
    // Cash held for another customer's usage invoice on a reference alone,
    // or for the payer's own whose amount it is not.
    if (res.held.size() != 1) return;
    const Invoice& stray = *res.held.front();
    if (SameFamily(book, stray.customer_id, who) && DueSoFar(res) == p.amount_minor) return;
    CorrectStrayReference(p, book, balances, payer, stray, DueSoFar(res) - stray.amount_open_minor, ided);
    return;
  }
  std::vector<const Invoice*> foreign;
  for (const Invoice* inv : res.invoices) {
    if (!SameFamily(book, inv->customer_id, who)) foreign.push_back(inv);
  }
  const bool fits = AmountFits(p, DueSoFar(res), policy);
  if (fits && foreign.empty()) return;

  const std::vector<Replacement> options = ExactReplacements(p, res, who, balances);
  std::vector<std::string> facts;
  for (const Invoice* inv : foreign) facts.push_back("reference_customer=" + inv->customer_id + ":" + inv->number);
  facts.push_back("payer_customer=" + who);
  for (const Replacement& r : options) facts.push_back("candidate=" + r.invoice->number);

  if (fits) {
    // The named invoice of another customer takes the amount: a third party
    // may pay it. Unless the payer's own near invoice takes it as well: a
    // payer known by its bank account (or Stripe customer) pays its own;
    // one known by its name alone goes to a person.
    if (options.empty()) return;
    const bool strong = payer.by == IdentifiedBy::kAccount || payer.by == IdentifiedBy::kStripeCustomer;
    if (strong && (options.size() == 1 || options[1].distance > options[0].distance)) {
      const Replacement& r = options.front();
      const Invoice& named = *res.invoices[r.index];
      res.invoices[r.index] = r.invoice;
      Correct(book, payer, named, r.invoice, ided);
      return;
    }
    Review(res,
           "the remittance names invoice " + foreign.front()->number + " of customer " + foreign.front()->customer_id +
               ", which the amount fits, but the payer is customer " + who + " and its invoice " +
               options.front().invoice->number + ", near that number, fits too",
           facts);
    ided.id = payer;
    return;
  }
  if (options.empty()) {
    if (foreign.empty()) return;  // the payer's own invoice, short or over: a partial or an overpayment
    Review(res,
           "the remittance names invoice " + foreign.front()->number + " of customer " + foreign.front()->customer_id +
               ", but the payer is identified as customer " + who +
               " and the amount does not fit that invoice; no invoice of the payer near the number does either",
           facts);
    ided.id = payer;
    return;
  }
  if (options.size() > 1 && options[1].distance == options[0].distance && options[1].aligned == options[0].aligned &&
      options[1].index != options[0].index) {
    // Two references, either of which could be the slip: nothing makes one
    // better. (Equally near invoices in place of the same reference are
    // equal amounts: the one due first, as everywhere.)
    Review(res,
           "the amount fits " + options[0].invoice->number + " and " + options[1].invoice->number + " of customer " +
               who + " equally well in place of the invoice the remittance names",
           facts);
    ided.id = payer;
    return;
  }
  const Replacement& r = options.front();
  const Invoice& named = *res.invoices[r.index];
  res.invoices[r.index] = r.invoice;
  Correct(book, payer, named, r.invoice, ided);
}

}  // namespace cashmatch::matcher
