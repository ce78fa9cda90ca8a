// Internal to the engine: resolving the invoice-number and PO hints that
// their strict key did not find (invoice_keys.h has the keys).
//
//   Before the customer is identified: the tolerant key, then the body
//   key. Both are the same number written differently ("inv 2026 4211",
//   "2026004211"), so a hit counts as an exact reference and identifies the
//   customer. A key two invoices share names neither: ambiguous.
//   After: a bare tail ("#4211") among the identified customer's open
//   invoices; a PO number; and a one-edit typo. A PO or a typo looks among
//   the identified customer's open invoices, or with no customer
//   identified, among every open invoice the book holds (a PO then only
//   when the amount agrees too: customers reuse PO numbers). A typo is used only when exactly one open invoice is that
//   close and the amount agrees (the payment, or the amount stated for the reference, equals the invoice's settleable
//   amount within the policy's tolerance); a tail or PO only when exactly one open invoice has it.
//
// Each result says how the invoice was found and caps the proposal's score
// accordingly: the weaker the evidence, the lower, but every cap stays at
// or above the default auto-apply line (0.90).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch {

inline constexpr int32_t kScoreReferenceTail = 950;
inline constexpr int32_t kScoreReferencePurchaseOrder = 950;
inline constexpr int32_t kScoreReferenceFuzzy = 920;

enum class LooseVerdict : uint8_t {
  kFound = 0,
  kNotFound = 1,   // nothing by this key
  kAmbiguous = 2,  // two or more invoices fit and nothing separates them
  kRejected = 3,   // a candidate exists but the rules forbid using it (typo: amount disagrees)
};

struct LooseResult {
  LooseVerdict verdict = LooseVerdict::kNotFound;
  const Invoice* invoice = nullptr;  // kFound: the batch's current state of it
  const char* how = "exact";         // kFound: "exact", "tail", "po", "fuzzy"
  int32_t score_cap_milli = 1000;
  std::string signal;  // a fact for the decision's signals ("reference_fuzzy=…"); may be empty
  std::string why;     // kAmbiguous, kRejected, soft misses: a sentence for people
  // A miss is no evidence against the payment: a bare tail or a PO number
  // that finds nothing is ignored, where an unknown invoice number is not.
  bool soft = false;
};

// The batch's current state of an invoice of the book (earlier payments of
// the batch may have settled it).
using CurrentInvoice = std::function<const Invoice*(const Invoice&)>;

// Adds what the ledger must look up for one hint to `req`.
void AddToBookRequest(const InvoiceHint& h, BookRequest* req);

// Before identification: the tolerant key, then the body key.
LooseResult FindByLooserKey(const InvoiceHint& h, const OpenBook& book, const CurrentInvoice& current);

// What a typo's amount is checked against: the payment, the hint's stated
// amount, and what the payment's other references already claim.
struct AmountContext {
  const Payment* payment = nullptr;
  const Policy* policy = nullptr;
  int64_t other_due_minor = 0;  // Σ of the amounts due on the references already resolved
};

// After identification (`customer_id` may be empty): tail, PO, typo.
LooseResult FindAfterIdentification(const InvoiceHint& h, const std::string& customer_id, const OpenBook& book,
                                    const CurrentInvoice& current, const AmountContext& amount);

}  // namespace cashmatch
