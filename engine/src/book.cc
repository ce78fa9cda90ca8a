#include "cashmatch/engine/book.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"

namespace cashmatch {
namespace {

// FNV-1a: the looser-key indexes hold a hash per invoice, not a string.
uint64_t HashKey(std::string_view key) {
  uint64_t h = 14695981039346656037ull;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string TolerantOf(const Invoice& inv) { return TolerantInvoiceKey(inv.number); }
std::string BodyOf(const Invoice& inv) { return std::string(TypoBodyKey(NormalizeInvoiceNumber(inv.number))); }
std::string PoOf(const Invoice& inv) { return inv.po_number.empty() ? std::string() : PurchaseOrderKey(inv.po_number); }

// The characters of strict keys: what an edit may insert or substitute.
constexpr std::string_view kKeyAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

}  // namespace

void OpenBook::AddCustomer(Customer c) {
  assert(!sealed_);
  customers_.push_back(std::move(c));
}

void OpenBook::AddInvoice(Invoice inv) {
  assert(!sealed_);
  invoices_.push_back(std::move(inv));
}

void OpenBook::AddCommittedPayment(std::string payment_id) {
  assert(!sealed_);
  committed_payments_.insert(std::move(payment_id));
}

void OpenBook::AddCommittedReturn(std::string return_key) {
  assert(!sealed_);
  committed_returns_.insert(std::move(return_key));
}

std::string ReturnIdempotencyKey(const Reversal& r) {
  std::string key;
  if (!r.id_assigned && !r.reversal_id.empty()) {
    key.append("i").push_back('\0');
    key.append(r.reversal_id);
    return key;
  }
  assert(r.currency != nullptr);
  for (std::string_view part : {std::string_view("f"), std::string_view(r.original_payment_id),
                                std::string_view(r.original_reference), std::string_view(r.currency->code())}) {
    key.append(part).push_back('\0');
  }
  key.append(std::to_string(r.amount_minor)).push_back('\0');
  key.append(FormatIsoDate(r.value_date));
  return key;
}

void OpenBook::AddSettledPayment(const std::string& ref, SettledPayment p) {
  assert(!sealed_);
  settled_by_ref_.emplace(ref, std::move(p));
}

const SettledPayment* OpenBook::FindSettledPayment(const std::string& ref) const {
  assert(sealed_);
  auto it = settled_by_ref_.find(ref);
  return it == settled_by_ref_.end() ? nullptr : &it->second;
}

void OpenBook::AddWaitingPayout(PayoutLink link) {
  assert(!sealed_ && !link.payout_id.empty() && link.bank_payment_id.empty());
  waiting_payouts_.push_back(std::move(link));
}

void OpenBook::AddWaitingBankLine(PayoutLink link, PaymentRecord record) {
  assert(!sealed_ && link.payout_id.empty() && !link.bank_payment_id.empty());
  bank_line_records_.emplace(link.bank_payment_id, std::move(record));
  waiting_bank_lines_.push_back(std::move(link));
}

namespace {
std::vector<const PayoutLink*> WaitingOf(const std::vector<PayoutLink>& links, const Currency* currency,
                                         int64_t amount_minor) {
  std::vector<const PayoutLink*> out;
  for (const PayoutLink& l : links) {
    if (l.currency == currency && l.amount_minor == amount_minor) out.push_back(&l);
  }
  return out;
}
}  // namespace

std::vector<const PayoutLink*> OpenBook::WaitingPayouts(const Currency* currency, int64_t amount_minor) const {
  assert(sealed_);
  return WaitingOf(waiting_payouts_, currency, amount_minor);
}

std::vector<const PayoutLink*> OpenBook::WaitingBankLines(const Currency* currency, int64_t amount_minor) const {
  assert(sealed_);
  return WaitingOf(waiting_bank_lines_, currency, amount_minor);
}

const PaymentRecord* OpenBook::WaitingBankLineRecord(const std::string& payment_id) const {
  assert(sealed_);
  auto it = bank_line_records_.find(payment_id);
  return it == bank_line_records_.end() ? nullptr : &it->second;
}

void OpenBook::MarkTypoCrowded(std::string body) {
  assert(!sealed_);
  typo_crowded_.insert(std::move(body));
}

void OpenBook::Seal() {
  assert(!sealed_);
  assert(invoices_.size() < UINT32_MAX);
  bool body_chars[256] = {};
  std::string tolerant;  // reused: one key per invoice, no allocation each
  // Sized once: a batch's slice holds hundreds of thousands of invoices,
  // and growing these maps rehashes every entry several times.
  customer_by_id_.reserve(customers_.size());
  invoice_by_id_.reserve(invoices_.size());
  invoice_by_number_.reserve(invoices_.size());
  open_by_customer_.reserve(customers_.size());
  for (KeyHashes* index : {&by_tolerant_, &by_body_}) index->reserve(invoices_.size());
  for (size_t i = 0; i < customers_.size(); ++i) {
    customer_by_id_.emplace(customers_[i].customer_id, i);
    // An account shared by two customers identifies neither: kAmbiguous.
    for (const auto& fp : customers_[i].bank_account_fps) {
      auto [it, inserted] = customer_by_fp_.emplace(fp, i);
      if (!inserted && it->second != i) it->second = kAmbiguous;
    }
  }
  for (size_t i = 0; i < invoices_.size(); ++i) {
    invoice_by_id_.emplace(invoices_[i].invoice_id, i);
    std::string strict = NormalizeInvoiceNumber(invoices_[i].number);
    const auto index = static_cast<uint32_t>(i);
    TolerantInvoiceKeyTo(invoices_[i].number, &tolerant);
    if (!tolerant.empty()) by_tolerant_.emplace_back(HashKey(tolerant), index);
    const std::string_view body = TypoBodyKey(strict);
    if (!body.empty()) by_body_.emplace_back(HashKey(body), index);
    for (char c : body) body_chars[static_cast<unsigned char>(c)] = true;
    if (!invoices_[i].po_number.empty()) by_po_.emplace_back(HashKey(PoOf(invoices_[i])), index);
    invoice_by_number_.emplace(std::move(strict), i);
    if (!invoices_[i].stripe_invoice_id.empty()) invoice_by_stripe_id_.emplace(invoices_[i].stripe_invoice_id, i);
    if (invoices_[i].is_open()) open_by_customer_[invoices_[i].customer_id].push_back(&invoices_[i]);
  }
  for (KeyHashes* index : {&by_tolerant_, &by_body_, &by_po_}) std::sort(index->begin(), index->end());
  for (char c : kKeyAlphabet) {
    if (body_chars[static_cast<unsigned char>(c)]) body_alphabet_.push_back(c);
  }
  for (auto& [customer, list] : open_by_customer_) {
    std::sort(list.begin(), list.end(), [](const Invoice* a, const Invoice* b) {
      if (a->due_date != b->due_date) return a->due_date < b->due_date;
      if (a->issue_date != b->issue_date) return a->issue_date < b->issue_date;
      return a->invoice_id < b->invoice_id;
    });
  }
  // Listed in the order of their keys already; sorted again so the
  // matcher's choice never depends on how the book was filled.
  auto by_id = [](const PayoutLink& a, const PayoutLink& b) {
    return std::tie(a.date.days, a.payout_id, a.bank_payment_id) <
           std::tie(b.date.days, b.payout_id, b.bank_payment_id);
  };
  std::sort(waiting_payouts_.begin(), waiting_payouts_.end(), by_id);
  std::sort(waiting_bank_lines_.begin(), waiting_bank_lines_.end(), by_id);
  SealCustomers();
  sealed_ = true;
}

const Customer* OpenBook::FindCustomer(const std::string& id) const {
  assert(sealed_);
  auto it = customer_by_id_.find(id);
  return it == customer_by_id_.end() ? nullptr : &customers_[it->second];
}

const Customer* OpenBook::FindCustomerByAccountFp(const std::string& fp) const {
  assert(sealed_);
  auto it = customer_by_fp_.find(fp);
  if (it == customer_by_fp_.end() || it->second == kAmbiguous) return nullptr;
  return &customers_[it->second];
}

const Invoice* OpenBook::FindInvoice(const std::string& id) const {
  assert(sealed_);
  auto it = invoice_by_id_.find(id);
  return it == invoice_by_id_.end() ? nullptr : &invoices_[it->second];
}

const Invoice* OpenBook::FindInvoiceByNumber(const std::string& normalized) const {
  assert(sealed_);
  auto it = invoice_by_number_.find(normalized);
  return it == invoice_by_number_.end() ? nullptr : &invoices_[it->second];
}

const Invoice* OpenBook::FindInvoiceByStripeId(const std::string& id) const {
  assert(sealed_);
  auto it = invoice_by_stripe_id_.find(id);
  return it == invoice_by_stripe_id_.end() ? nullptr : &invoices_[it->second];
}

std::vector<const Invoice*> OpenBook::Lookup(const KeyHashes& index, std::string_view key,
                                             std::string (*key_of)(const Invoice&)) const {
  assert(sealed_);
  std::vector<const Invoice*> out;
  if (key.empty()) return out;
  auto it = std::lower_bound(index.begin(), index.end(), std::make_pair(HashKey(key), uint32_t{0}));
  for (const uint64_t h = HashKey(key); it != index.end() && it->first == h; ++it) {
    const Invoice& inv = invoices_[it->second];
    if (key_of(inv) == key) out.push_back(&inv);
  }
  std::sort(out.begin(), out.end(), [](const Invoice* a, const Invoice* b) { return a->invoice_id < b->invoice_id; });
  return out;
}

std::vector<const Invoice*> OpenBook::FindInvoicesByTolerantKey(std::string_view tolerant) const {
  return Lookup(by_tolerant_, tolerant, TolerantOf);
}

std::vector<const Invoice*> OpenBook::FindInvoicesByBody(std::string_view body) const {
  return Lookup(by_body_, body, BodyOf);
}

std::vector<const Invoice*> OpenBook::FindInvoicesByPurchaseOrder(std::string_view po_key) const {
  return Lookup(by_po_, po_key, PoOf);
}

std::vector<const Invoice*> OpenBook::FindInvoicesOneEditFrom(std::string_view body) const {
  assert(sealed_);
  std::vector<const Invoice*> out;
  std::string v;
  // Most probes miss: one hash and one binary search, no allocation.
  auto probe = [&] {
    const uint64_t h = HashKey(v);
    auto it = std::lower_bound(by_body_.begin(), by_body_.end(), std::make_pair(h, uint32_t{0}));
    for (; it != by_body_.end() && it->first == h; ++it) {
      const Invoice* inv = &invoices_[it->second];
      if (BodyOf(*inv) == v && std::find(out.begin(), out.end(), inv) == out.end()) out.push_back(inv);
    }
  };
  const size_t n = body.size();
  for (size_t i = 0; i < n; ++i) {  // deletions
    v.assign(body.substr(0, i)).append(body.substr(i + 1));
    probe();
  }
  for (size_t i = 0; i + 1 < n; ++i) {  // swaps of neighbours
    if (body[i] == body[i + 1]) continue;
    v.assign(body);
    std::swap(v[i], v[i + 1]);
    probe();
  }
  for (size_t i = 0; i <= n; ++i) {  // insertions and substitutions
    for (char c : body_alphabet_) {
      v.assign(body.substr(0, i)).push_back(c);
      v.append(body.substr(i));
      probe();
      if (i == n || c == body[i]) continue;
      v.assign(body);
      v[i] = c;
      probe();
    }
  }
  std::sort(out.begin(), out.end(), [](const Invoice* a, const Invoice* b) { return a->invoice_id < b->invoice_id; });
  return out;
}

bool OpenBook::IsTypoCrowded(std::string_view body) const {
  assert(sealed_);
  return typo_crowded_.find(body) != typo_crowded_.end();
}

const std::vector<const Invoice*>& OpenBook::OpenInvoicesOf(const std::string& customer_id) const {
  assert(sealed_);
  static const std::vector<const Invoice*> kNone;
  auto it = open_by_customer_.find(customer_id);
  return it == open_by_customer_.end() ? kNone : it->second;
}

bool OpenBook::IsReturnCommitted(const Reversal& r) const {
  assert(sealed_);
  return committed_returns_.count(ReturnIdempotencyKey(r)) != 0;
}

bool OpenBook::IsPaymentCommitted(const std::string& payment_id) const {
  assert(sealed_);
  return committed_payments_.count(payment_id) != 0;
}

}  // namespace cashmatch
