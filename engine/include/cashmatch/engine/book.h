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

#include <algorithm>
#include <cassert>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/match_types.h"
#include "cashmatch/engine/payer_name.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/engine/status.h"

namespace cashmatch {

// One payer name a batch needs searched: its normalized tokens
// (PayerName::tokens), and the account fingerprint and Stripe customer id
// the same payment carries ("" when none), which, when they identify the
// payer, make the name search unnecessary.
struct PayerNameRequest {
  std::vector<std::string> tokens;
  std::string account_fp;
  std::string stripe_customer_id;
  // The normalized text (PayerName::text), looked up as a whole name, and
  // as a prefix of names when `cut` (PayerNameLooksCut).
  std::string text;
  bool cut = false;

  auto operator<=>(const PayerNameRequest&) const = default;
};

// How a payer name identified (or failed to identify) customers.
enum class NameMatchBy : uint8_t {
  kSimilarity = 0,  // the token search (SearchPayerName)
  kExact = 1,       // the whole normalized name, or alias, is the payer's
  kPrefix = 2,      // the payer's cut name starts exactly one customer's name
};

// Keys read when a cut payer name is looked up as a prefix of customers'
// normalized names, in the ledger and in OpenBook alike: the first keys in
// (name, customer id) order, until two distinct customers are seen. Only a
// customer with more names and aliases than this sharing the prefix could
// make the two disagree.
inline constexpr size_t kNamePrefixKeysCountMax = 64;

// What a payer name found among the customers of an OpenBook.
struct NameMatch {
  NameMatchBy by = NameMatchBy::kSimilarity;
  // The identified customer: the only one with the best similarity, which
  // reaches the minimum. nullptr otherwise.
  const Customer* customer = nullptr;
  // The best similarity found, accepted or not (0: no shared token).
  int32_t similarity_milli = 0;
  // Two or more customers share the best accepted similarity: the name
  // does not tell them apart. In customer id order.
  std::vector<const Customer*> tied;
  // The search (the ledger's, or this book's index) could not read every
  // customer that might tie with the best, because the shared words are
  // too common (NameSearchInconclusive): not identified.
  bool inconclusive = false;
};

// Customers read per payer-name token, in the ledger's search
// (LedgerOptions::name_postings_count_max) and in OpenBook's index alike,
// so a token the ledger searched is searched in the book too: a token more
// customers share is too common to search (NameSearchInconclusive decides
// whether the other tokens can still identify the payer).
inline constexpr uint32_t kNamePostingsCountMaxDefault = 64;

// What one payer-name search found (SearchPayerName).
template <typename Id>
struct NameSearch {
  // Every customer read, with its similarity, in Id order.
  std::vector<std::pair<Id, int32_t>> scored;
  int32_t best_milli = 0;  // the best similarity read, accepted or not
  // Customers left unread (their only shared tokens were too common)
  // could tie with or beat the best: the name identifies nobody.
  bool inconclusive = false;
};

// The one payer-name search, over a token index its caller reads: the
// ledger's (RocksDB postings, io/src/ledger/payers.cc) or OpenBook's
// (MatchPayerName). Only customers sharing a token with the payer are
// scored; a token is skipped when too common and counts as unsearched, as
// do the tokens after the first `tokens_count_max`.
//   postings(token, &ids, &too_common) -> Status: the customers whose
//     names have `token` (*ids may be left null when none do);
//   similarity(id, &milli) -> Status: CustomerNameSimilarityMilli of one.
template <typename Id, typename Postings, typename Similarity>
Status SearchPayerName(const std::vector<std::string>& tokens, size_t tokens_count_max, int32_t min_milli,
                       Postings&& postings, Similarity&& similarity, NameSearch<Id>* out) {
  assert(!tokens.empty());
  std::vector<Id> candidates;
  size_t unsearched = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::vector<Id>* ids = nullptr;
    bool too_common = i >= tokens_count_max;
    if (!too_common) CASHMATCH_RETURN_IF_ERROR(postings(tokens[i], &ids, &too_common));
    if (too_common) {
      ++unsearched;
      continue;
    }
    if (ids != nullptr) candidates.insert(candidates.end(), ids->begin(), ids->end());
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  out->scored.clear();
  out->best_milli = 0;
  for (const Id& id : candidates) {
    int32_t s = 0;
    CASHMATCH_RETURN_IF_ERROR(similarity(id, &s));
    out->best_milli = std::max(out->best_milli, s);
    out->scored.emplace_back(id, s);
  }
  out->inconclusive = NameSearchInconclusive(unsearched, tokens.size(), out->best_milli, min_milli);
  return Status::Ok();
}

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
  // The returns' idempotency keys (ReturnIdempotencyKey): a return whose
  // key the ledger holds was committed by an earlier batch.
  std::set<std::string> return_keys;
  std::set<std::string> stripe_customer_ids;  // cus_…
  // Payer names to look customers up by (PayerNameRequest), with what else
  // identifies the payer: the ledger searches names only when neither the
  // account nor the Stripe customer id names exactly one customer.
  std::set<PayerNameRequest> payer_names;
  // Customers whose name similarity reaches this are loaded with their
  // open invoices (the policy's name_similarity_min_milli).
  // Default: kNameSimilarityMinMilliDefault.
  int32_t name_similarity_min_milli = kNameSimilarityMinMilliDefault;
  // Stripe payouts waiting for their bank line, wanted by bank lines of
  // these (currency code, amount); and bank lines waiting for their payout,
  // wanted by the payout listing in the batch.
  std::set<std::pair<std::string, int64_t>> payouts_wanted;
  std::set<std::pair<std::string, int64_t>> bank_lines_wanted;
};

// What makes a return the same return when it arrives again, in another
// file whose bytes differ: its own id when the input gave it one
// ("i\0<id>"); else the payment it names, its currency, amount and value
// date ("f\0<original id>\0<original reference>\0<currency>\0<amount>\0<date>").
// The ledger records it in the return's commit; a return whose key is
// there already is a duplicate and changes nothing, like a credit whose
// payment id is committed.
std::string ReturnIdempotencyKey(const Reversal& r);

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
  // A return idempotency key (ReturnIdempotencyKey) the ledger holds.
  void AddCommittedReturn(std::string return_key);
  // A payment a return names, reachable by `ref` (its id or bank reference).
  void AddSettledPayment(const std::string& ref, SettledPayment p);
  // A payer name (its tokens) whose words the ledger found too common to
  // search every customer that could match it as well as the best one.
  void AddInconclusivePayerName(std::vector<std::string> tokens);
  // A payout half still waiting for the other: a payout (no bank line yet),
  // or a bank line with its payment record (no payout yet).
  void AddWaitingPayout(PayoutLink link);
  void AddWaitingBankLine(PayoutLink link, PaymentRecord record);
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
  bool IsReturnCommitted(const Reversal& r) const;
  // The customer's open invoices in the book, oldest due first (then
  // issue date, then id): the candidates for matching on amount.
  const std::vector<const Invoice*>& OpenInvoicesOf(const std::string& customer_id) const;
  const SettledPayment* FindSettledPayment(const std::string& ref) const;
  // Waiting halves of this currency and amount, by payout id / bank line id.
  std::vector<const PayoutLink*> WaitingPayouts(const Currency* currency, int64_t amount_minor) const;
  std::vector<const PayoutLink*> WaitingBankLines(const Currency* currency, int64_t amount_minor) const;
  const PaymentRecord* WaitingBankLineRecord(const std::string& payment_id) const;

  // Customers (book_customers.cc).
  // nullptr when no customer, or more than one, has the Stripe customer id.
  const Customer* FindCustomerByStripeId(const std::string& stripe_customer_id) const;
  // The customer's children (bill-to hierarchy) that are in the book, in id order.
  const std::vector<const Customer*>& ChildrenOf(const std::string& customer_id) const;
  // The open invoices of the customer and of its children in the book,
  // oldest due first (then issue date, then id): what a parent may pay.
  const std::vector<const Invoice*>& OpenInvoicesOfFamily(const std::string& customer_id) const;
  // The customers whose names (or aliases) are most similar to the payer's
  // tokens (PayerName::tokens), by NameSimilarityMilli, through an index
  // of name tokens (SearchPayerName, the ledger's search too): only
  // customers sharing a token are scored, and a token shared by more than
  // kNamePostingsCountMaxDefault customers of the book is not searched, so
  // the cost per payment is bounded.
  NameMatch MatchPayerName(const std::vector<std::string>& tokens, int32_t min_milli) const;
  // The whole rule for a payer name (payer_name.h, "Exact names and cut
  // names"): a customer whose normalized name or alias is exactly the
  // payer's text identifies (two or more tie, similarity 1000); else, when
  // `cut`, exactly one customer whose normalized name or alias starts with
  // the text; else the token search above.
  NameMatch MatchPayerName(const PayerName& name, bool cut, int32_t min_milli) const;

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
  std::unordered_set<std::string> committed_returns_;
  std::unordered_map<std::string, SettledPayment> settled_by_ref_;

  // Customer indexes, built by SealCustomers() (book_customers.cc).
  void SealCustomers();
  std::unordered_map<std::string, size_t> customer_by_stripe_id_;
  std::vector<std::vector<PayerName>> customer_names_;  // by customer position
  std::unordered_map<std::string, std::vector<uint32_t>> customers_by_token_;
  // Normalized name or alias text -> customers, in customer id order;
  // sorted by text, so a prefix's names are one range.
  std::map<std::string, std::vector<uint32_t>, std::less<>> customers_by_text_;
  NameMatch MatchNameText(const std::string& text, bool cut) const;
  std::unordered_map<std::string, std::vector<const Customer*>> children_;
  std::unordered_map<std::string, std::vector<const Invoice*>> open_by_family_;
  std::set<std::vector<std::string>> inconclusive_names_;
  std::vector<PayoutLink> waiting_payouts_;
  std::vector<PayoutLink> waiting_bank_lines_;
  std::unordered_map<std::string, PaymentRecord> bank_line_records_;
};

}  // namespace cashmatch
