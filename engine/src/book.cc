#include "cashmatch/engine/book.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "cashmatch/engine/hints.h"

namespace cashmatch {

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

void OpenBook::Seal() {
  assert(!sealed_);
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
    invoice_by_number_.emplace(NormalizeInvoiceNumber(invoices_[i].number), i);
    if (!invoices_[i].stripe_invoice_id.empty()) invoice_by_stripe_id_.emplace(invoices_[i].stripe_invoice_id, i);
    if (invoices_[i].is_open()) open_by_customer_[invoices_[i].customer_id].push_back(&invoices_[i]);
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
    return std::tie(a.date.days, a.payout_id, a.bank_payment_id) < std::tie(b.date.days, b.payout_id, b.bank_payment_id);
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

const std::vector<const Invoice*>& OpenBook::OpenInvoicesOf(const std::string& customer_id) const {
  assert(sealed_);
  static const std::vector<const Invoice*> kNone;
  auto it = open_by_customer_.find(customer_id);
  return it == open_by_customer_.end() ? kNone : it->second;
}

bool OpenBook::IsPaymentCommitted(const std::string& payment_id) const {
  assert(sealed_);
  return committed_payments_.count(payment_id) != 0;
}

}  // namespace cashmatch
