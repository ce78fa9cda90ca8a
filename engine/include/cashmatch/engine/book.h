// File: cashmatch/engine/book.h
//
// OpenBook: an immutable snapshot of the part of the AR book that one
// settlement batch can touch. The ledger assembles it from a BookRequest
// (the invoice numbers, account fingerprints and payment ids the batch's
// hints name), so its size follows the batch, not the portfolio. The
// matcher reads it and never writes it.
//
// Thread safety: after Seal(), every const method may be called from any
// number of threads at once.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/match_types.h"

namespace cashmatch {

// The keys a batch needs looked up before it can be matched.
struct BookRequest {
  std::set<std::string> invoice_numbers;  // normalized (NormalizeInvoiceNumber)
  std::set<std::string> account_fps;
  std::set<std::string> payment_ids;
  std::set<std::string> stripe_invoice_ids;  // in_…
  // Payments that returns name, by payment id or by bank reference.
  std::set<std::string> returned_payment_refs;
  // Stripe payouts waiting for their bank line, wanted by bank lines of
  // these (currency code, amount); and bank lines waiting for their payout,
  // wanted by the payout listing in the batch.
  std::set<std::pair<std::string, int64_t>> payouts_wanted;
  std::set<std::pair<std::string, int64_t>> bank_lines_wanted;
};

// What one committed payment settled on one invoice, net of earlier
// returns, in the order it was applied.
struct Application {
  std::string invoice_id;
  int64_t amount_minor = 0;
};

// A committed payment with its applications: what a return must undo.
struct SettledPayment {
  PaymentRecord record;
  std::vector<Application> applications;
  // Cash held against invoices (usage still reconciling), net of releases
  // and returns, in the order it was first held.
  std::vector<Application> holds;
};

class OpenBook {
 public:
  // Building (single-threaded, before Seal).
  void AddCustomer(Customer c);
  void AddInvoice(Invoice inv);
  // A payment id that is already committed in the ledger.
  void AddCommittedPayment(std::string payment_id);
  // A payment a return names, reachable by `ref` (its id or bank reference).
  void AddSettledPayment(const std::string& ref, SettledPayment p);
  // A payout half still waiting for the other: a payout (no bank line yet),
  // or a bank line with its payment record (no payout yet).
  void AddWaitingPayout(PayoutLink link);
  void AddWaitingBankLine(PayoutLink link, PaymentRecord record);
  void Seal();

  const Customer* FindCustomer(const std::string& customer_id) const;
  // nullptr when no customer, or more than one, holds the account.
  const Customer* FindCustomerByAccountFp(const std::string& fp) const;
  const Invoice* FindInvoice(const std::string& invoice_id) const;
  // `normalized` is the output of NormalizeInvoiceNumber.
  const Invoice* FindInvoiceByNumber(const std::string& normalized) const;
  const Invoice* FindInvoiceByStripeId(const std::string& stripe_invoice_id) const;
  bool IsPaymentCommitted(const std::string& payment_id) const;
  // The customer's open invoices in the book, oldest due first (then
  // issue date, then id): the candidates for matching on amount.
  const std::vector<const Invoice*>& OpenInvoicesOf(const std::string& customer_id) const;
  const SettledPayment* FindSettledPayment(const std::string& ref) const;
  // Waiting halves of this currency and amount, by payout id / bank line id.
  std::vector<const PayoutLink*> WaitingPayouts(const Currency* currency, int64_t amount_minor) const;
  std::vector<const PayoutLink*> WaitingBankLines(const Currency* currency, int64_t amount_minor) const;
  const PaymentRecord* WaitingBankLineRecord(const std::string& payment_id) const;

  size_t invoice_count() const { return invoices_.size(); }
  size_t customer_count() const { return customers_.size(); }

 private:
  static constexpr size_t kAmbiguous = static_cast<size_t>(-1);
  bool sealed_ = false;
  std::vector<Customer> customers_;
  std::vector<Invoice> invoices_;
  std::unordered_map<std::string, size_t> customer_by_id_;
  std::unordered_map<std::string, size_t> customer_by_fp_;
  std::unordered_map<std::string, size_t> invoice_by_id_;
  std::unordered_map<std::string, size_t> invoice_by_number_;
  std::unordered_map<std::string, size_t> invoice_by_stripe_id_;
  std::unordered_map<std::string, std::vector<const Invoice*>> open_by_customer_;
  std::unordered_set<std::string> committed_payments_;
  std::unordered_map<std::string, SettledPayment> settled_by_ref_;
  std::vector<PayoutLink> waiting_payouts_;
  std::vector<PayoutLink> waiting_bank_lines_;
  std::unordered_map<std::string, PaymentRecord> bank_line_records_;
};

}  // namespace cashmatch
