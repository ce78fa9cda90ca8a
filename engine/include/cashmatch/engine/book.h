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
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/match_types.h"

namespace cashmatch {

// One number hint's keys (invoice_keys.h).
struct NumberKeys {
  std::string strict;    // NormalizeInvoiceNumber
  std::string tolerant;  // TolerantInvoiceKey
  auto operator<=>(const NumberKeys&) const = default;
};

// The keys a batch needs looked up before it can be matched.
struct BookRequest {
  std::set<std::string> invoice_numbers;  // normalized (NormalizeInvoiceNumber)
  // Every number hint's keys, for when its strict key finds nothing: the
  // ledger then looks up the tolerant key, then the typo neighbourhood of
  // the body (invoice_keys.h). A list, not a set: most strict keys are
  // found, and the ledger skips repeats of those it looks further for.
  std::vector<NumberKeys> number_fallbacks;
  std::set<std::string> po_numbers;  // PurchaseOrderKey
  std::set<std::string> account_fps;
  std::set<std::string> payment_ids;
  std::set<std::string> stripe_invoice_ids;  // in_…
  // Payments that returns name, by payment id or by bank reference.
  std::set<std::string> returned_payment_refs;
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
  // The ledger's typo index named more invoices near `body` than it loads.
  void MarkTypoCrowded(std::string body);
  void Seal();

  const Customer* FindCustomer(const std::string& customer_id) const;
  // nullptr when no customer, or more than one, holds the account.
  const Customer* FindCustomerByAccountFp(const std::string& fp) const;
  const Invoice* FindInvoice(const std::string& invoice_id) const;
  // `normalized` is the output of NormalizeInvoiceNumber.
  const Invoice* FindInvoiceByNumber(const std::string& normalized) const;
  const Invoice* FindInvoiceByStripeId(const std::string& stripe_invoice_id) const;
  // The looser lookups of invoice_keys.h; each list is in invoice id order.
  // Invoices whose TolerantInvoiceKey is `tolerant`.
  std::vector<const Invoice*> FindInvoicesByTolerantKey(std::string_view tolerant) const;
  // Invoices whose TypoBodyKey is `body`.
  std::vector<const Invoice*> FindInvoicesByBody(std::string_view body) const;
  // Invoices whose body is exactly one edit from `body`. Generates every
  // string one edit away over the characters the book's bodies use (digits
  // and A-Z at most) and looks each up in the body index: for all-digit
  // numbers about 20 probes per character, whatever the book's size.
  std::vector<const Invoice*> FindInvoicesOneEditFrom(std::string_view body) const;
  // Invoices whose PurchaseOrderKey(po_number) is `po_key`.
  std::vector<const Invoice*> FindInvoicesByPurchaseOrder(std::string_view po_key) const;
  // Whether the ledger found more invoices near `body` than it loads (see
  // MarkTypoCrowded): then no one of them can be called the one meant.
  bool IsTypoCrowded(std::string_view body) const;
  bool IsPaymentCommitted(const std::string& payment_id) const;
  // The customer's open invoices in the book, oldest due first (then
  // issue date, then id): the candidates for matching on amount.
  const std::vector<const Invoice*>& OpenInvoicesOf(const std::string& customer_id) const;
  const SettledPayment* FindSettledPayment(const std::string& ref) const;

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
  // (hash of a looser key, invoice index), sorted: one vector per key kind
  // instead of a string per invoice. A lookup verifies the key it hashed.
  using KeyHashes = std::vector<std::pair<uint64_t, uint32_t>>;
  std::vector<const Invoice*> Lookup(const KeyHashes& index, std::string_view key,
                                     std::string (*key_of)(const Invoice&)) const;
  KeyHashes by_tolerant_;
  KeyHashes by_body_;
  KeyHashes by_po_;
  std::string body_alphabet_;  // the characters some body in the book has, in kKeyAlphabet order
  std::set<std::string, std::less<>> typo_crowded_;
  std::unordered_map<std::string, std::vector<const Invoice*>> open_by_customer_;
  std::unordered_set<std::string> committed_payments_;
  std::unordered_map<std::string, SettledPayment> settled_by_ref_;
};

}  // namespace cashmatch
