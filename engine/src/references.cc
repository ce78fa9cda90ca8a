#include "references.h"

#include <algorithm>
#include <cassert>

#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/engine/money.h"
#include "wide.h"

namespace cashmatch {
namespace {

// A bare number: digits the payer wrote without any letter ("#4211",
// "Invoice no. 4211"). "INV-2026" is not one: it is a number cut short.
bool IsBareTail(const InvoiceHint& h) {
  return IsBareNumber(h.tolerant) &&
         std::none_of(h.text.begin(), h.text.end(), [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
}

// What the payer owes on an invoice now: the undisputed open amount, or for
// a usage invoice still reconciling the open amount (that cash is held).
int64_t DueOn(const Invoice& inv) {
  if (inv.usage_status == UsageStatus::kReconciling) return inv.amount_open_minor;
  return std::max<int64_t>(0, inv.amount_open_minor - inv.disputed_minor);
}

// "INV-1, INV-2 and 3 more" for messages; the list is in invoice id order.
std::string Numbers(const std::vector<const Invoice*>& invoices) {
  constexpr size_t kShown = 3;
  std::string out;
  for (size_t i = 0; i < invoices.size() && i < kShown; ++i) {
    if (i > 0) out += i + 1 == invoices.size() ? " and " : ", ";
    out += invoices[i]->number;
  }
  if (invoices.size() > kShown) out += " and " + std::to_string(invoices.size() - kShown) + " more";
  return out;
}

// The batch's current state of each, keeping the open ones.
std::vector<const Invoice*> OpenNow(const std::vector<const Invoice*>& found, const CurrentInvoice& current) {
  std::vector<const Invoice*> out;
  for (const Invoice* base : found) {
    const Invoice* inv = current(*base);
    if (inv != nullptr && inv->is_open()) out.push_back(inv);
  }
  return out;
}

// Only the identified customer's candidates: a payer known by its account
// or by another reference is taken to pay its own invoices, and a PO number
// or a near-miss number that fits only another customer's invoice is not
// evidence enough to move its money there.
void KeepCustomers(std::vector<const Invoice*>* candidates, const std::string& customer_id) {
  if (customer_id.empty()) return;
  std::erase_if(*candidates, [&](const Invoice* inv) { return inv->customer_id != customer_id; });
}

LooseResult Found(const Invoice* inv, const char* how, int32_t cap, std::string signal) {
  assert(inv != nullptr);
  LooseResult r;
  r.verdict = LooseVerdict::kFound;
  r.invoice = inv;
  r.how = how;
  r.score_cap_milli = cap;
  r.signal = std::move(signal);
  return r;
}

LooseResult Miss(LooseVerdict verdict, bool soft, std::string signal, std::string why) {
  assert(verdict != LooseVerdict::kFound);
  LooseResult r;
  r.verdict = verdict;
  r.soft = soft;
  r.signal = std::move(signal);
  r.why = std::move(why);
  return r;
}

// One of the two same-number keys: a single invoice is the one meant; two
// or more share the key, and the payer's text cannot say which.
LooseResult ByKey(const InvoiceHint& h, const std::vector<const Invoice*>& found, const CurrentInvoice& current,
                  const char* ignoring) {
  if (found.empty()) return Miss(LooseVerdict::kNotFound, false, {}, {});
  if (found.size() == 1) return Found(current(*found.front()), "exact", 1000, {});
  return Miss(LooseVerdict::kAmbiguous, false, "reference=ambiguous:" + h.text,
              "'" + h.text + "' could be " + Numbers(found) + " once " + ignoring + " are ignored");
}

LooseResult ByTail(const InvoiceHint& h, const std::string& customer_id, const OpenBook& book,
                   const CurrentInvoice& current) {
  const bool soft = !h.from_structured;
  if (customer_id.empty()) {
    return Miss(LooseVerdict::kNotFound, soft, "reference_tail=no_customer:" + h.text,
                "a bare number names an invoice only for a customer identified otherwise");
  }
  std::vector<const Invoice*> matching;
  for (const Invoice* base : book.OpenInvoicesOf(customer_id)) {
    if (TailDigits(TolerantInvoiceKey(base->number)) == h.tolerant) matching.push_back(base);
  }
  std::sort(matching.begin(), matching.end(),
            [](const Invoice* a, const Invoice* b) { return a->invoice_id < b->invoice_id; });
  std::vector<const Invoice*> open = OpenNow(matching, current);
  if (open.size() == 1) return Found(open.front(), "tail", kScoreReferenceTail, "reference_tail=" + h.text);
  if (open.empty()) {
    return Miss(LooseVerdict::kNotFound, soft, "reference_tail=none:" + h.text,
                "no open invoice of customer " + customer_id + " ends in " + h.tolerant);
  }
  return Miss(LooseVerdict::kAmbiguous, soft, "reference_tail=ambiguous:" + h.text,
              "'" + h.text + "' ends " + Numbers(open) + ", all open for customer " + customer_id);
}

// Whether the money agrees with `inv`: the amount stated for this reference,
// else the payment less what its other references claim, equals the amount
// due within the policy's tolerance (either way).
bool AmountAgrees(const InvoiceHint& h, const Invoice& inv, const AmountContext& ctx, std::string* said) {
  const Payment& p = *ctx.payment;
  if (inv.currency != p.currency) {
    *said = "it is in " + std::string(inv.currency->code());
    return false;
  }
  const int64_t due = DueOn(inv);
  const i128 paid = h.amount_minor.has_value() ? static_cast<i128>(*h.amount_minor)
                                               : static_cast<i128>(p.amount_minor) - ctx.other_due_minor;
  const i128 delta = paid > due ? paid - due : due - paid;
  const int64_t tolerance = ctx.policy->ShortfallAllowedMinor(p.source, p.currency, due);
  if (delta <= tolerance) return true;
  const int exp = p.currency->exponent();
  *said = "it is due " + FormatAmountMinor(due, exp) + " and " +
          (h.amount_minor.has_value() ? "the remittance states " + FormatAmountMinor(*h.amount_minor, exp)
                                      : "the payment brings " + FormatAmountMinor(p.amount_minor, exp));
  return false;
}

// PO numbers are the customer's own, and two customers may use the same
// one: with no customer identified otherwise, the amount must agree too.
LooseResult ByPurchaseOrder(const InvoiceHint& h, const std::string& customer_id, const OpenBook& book,
                            const CurrentInvoice& current, const AmountContext& ctx) {
  std::vector<const Invoice*> open = OpenNow(book.FindInvoicesByPurchaseOrder(h.tolerant), current);
  KeepCustomers(&open, customer_id);
  std::string said;
  if (open.size() == 1 && customer_id.empty() && !AmountAgrees(h, *open.front(), ctx, &said)) {
    return Miss(LooseVerdict::kRejected, true, "po=rejected:" + h.text + "~" + open.front()->number + ":amount",
                "PO '" + h.text + "' is on invoice " + open.front()->number + " of a payer not otherwise known, but " +
                    "the amount does not agree: " + said);
  }
  if (open.size() == 1) return Found(open.front(), "po", kScoreReferencePurchaseOrder, "po=" + h.text);
  if (open.empty()) return Miss(LooseVerdict::kNotFound, true, "po=unknown:" + h.text, {});
  return Miss(LooseVerdict::kAmbiguous, true, "po=ambiguous:" + h.text,
              "PO '" + h.text + "' is on " + std::to_string(open.size()) + " open invoices: " + Numbers(open));
}

LooseResult ByTypo(const InvoiceHint& h, const std::string& customer_id, const OpenBook& book,
                   const CurrentInvoice& current, const AmountContext& ctx) {
  const bool soft = !h.from_structured && IsBareTail(h);
  const std::string_view body = TypoBodyKey(h.normalized);
  if (body.size() < kTypoQueryLengthMin) return Miss(LooseVerdict::kNotFound, soft, {}, {});
  if (book.IsTypoCrowded(body)) {
    return Miss(LooseVerdict::kRejected, soft, "reference_fuzzy=rejected:" + h.text + ":crowded",
                "too many invoices are one edit from it to tell which was meant");
  }
  std::vector<const Invoice*> open = OpenNow(book.FindInvoicesOneEditFrom(body), current);
  KeepCustomers(&open, customer_id);
  if (open.empty()) return Miss(LooseVerdict::kNotFound, soft, {}, {});
  if (open.size() > 1) {
    return Miss(LooseVerdict::kRejected, soft, "reference_fuzzy=rejected:" + h.text + ":ambiguous",
                "it is one edit from " + std::to_string(open.size()) + " open invoices (" + Numbers(open) +
                    "): a typo is used only when it names one");
  }
  const Invoice& inv = *open.front();
  std::string said;
  if (!AmountAgrees(h, inv, ctx, &said)) {
    return Miss(LooseVerdict::kRejected, soft, "reference_fuzzy=rejected:" + h.text + "~" + inv.number + ":amount",
                "it is one edit from invoice " + inv.number + ", but the amount does not agree: " + said);
  }
  return Found(&inv, "fuzzy", kScoreReferenceFuzzy, "reference_fuzzy=" + h.text + "~" + inv.number);
}

}  // namespace

void AddToBookRequest(const InvoiceHint& h, BookRequest* req) {
  if (h.stripe_invoice) {
    req->stripe_invoice_ids.insert(h.text);
  } else if (h.purchase_order) {
    if (!h.tolerant.empty()) req->po_numbers.insert(h.tolerant);
  } else {
    req->invoice_numbers.insert(h.normalized);
    req->number_fallbacks.push_back(NumberKeys{h.normalized, h.tolerant});
  }
}

LooseResult FindByLooserKey(const InvoiceHint& h, const OpenBook& book, const CurrentInvoice& current) {
  assert(!h.stripe_invoice);
  if (h.purchase_order) return Miss(LooseVerdict::kNotFound, true, {}, {});
  LooseResult r =
      ByKey(h, book.FindInvoicesByTolerantKey(h.tolerant), current, "letter prefixes, punctuation and leading zeros");
  if (r.verdict != LooseVerdict::kNotFound) return r;
  return ByKey(h, book.FindInvoicesByBody(TypoBodyKey(h.normalized)), current, "letter prefixes and punctuation");
}

LooseResult FindAfterIdentification(const InvoiceHint& h, const std::string& customer_id, const OpenBook& book,
                                    const CurrentInvoice& current, const AmountContext& amount) {
  assert(amount.payment != nullptr);
  assert(amount.policy != nullptr);
  if (h.purchase_order) return ByPurchaseOrder(h, customer_id, book, current, amount);
  if (IsBareTail(h)) {
    LooseResult r = ByTail(h, customer_id, book, current);
    if (r.verdict == LooseVerdict::kFound) return r;
    LooseResult typo = ByTypo(h, customer_id, book, current, amount);
    return typo.verdict == LooseVerdict::kNotFound ? r : typo;
  }
  return ByTypo(h, customer_id, book, current, amount);
}

}  // namespace cashmatch
