// Stripe payouts (engine/README.md): processor fees, and the two halves of
// a payout (the listing of its charges and the bank line that brought its
// net amount) linked to each other.
#include <cassert>
#include <cctype>
#include <cstdlib>

#include "match_internal.h"

namespace cashmatch::matcher {

// A processor's fee on one charge: booked as a fee, never as a short payment
// (the invoice was paid at the charge's gross).
Event FeeEvent(const SettlementBatch& batch, const Payment& p, const std::string& customer_id) {
  Event e = BaseEvent(EventType::kFee, batch, p);
  e.customer_id = customer_id;
  e.amount_minor = p.fee_minor;
  e.rule = RuleName(Rule::kStripeFee);
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
    e.rule = RuleName(amount > 0 ? Rule::kStripeFee : Rule::kStripeFeeRefund);
    e.detail = amount > 0 ? "Stripe fees charged outside any one charge" : "Stripe fees given back";
    out.events.push_back(e);
  }
}

namespace {

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

}  // namespace

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

namespace {

// A bank line and its payout are linked only within this many days of the
// payout's arrival date (banks post a day or two either side).
constexpr int32_t kPayoutDateWindowDays = 5;

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
  e.rule = RuleName(Rule::kStripePayout);
  e.score_milli = 1000;
  e.signals = {"payout=" + link.payout_id, "amount=exact",
               "date_distance=" + std::to_string(std::abs(bank_date.days - payout_date.days)) + "d"};
  e.detail = "bank line carries Stripe payout " + link.payout_id + ": its charges were applied one by one";
  return e;
}

}  // namespace

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
  ex.rule = RuleName(Rule::kStripePayout);
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
  const PayoutLink* line = po.amount_minor > 0 ? ClosestHalf(book.WaitingBankLines(po.currency, po.amount_minor),
                                                             po.arrival_date, false, PayoutClaims(), &tied)
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

}  // namespace cashmatch::matcher
