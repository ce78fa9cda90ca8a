// File: cashmatch/engine/hints.h
//
// Stage 1 of the pipeline (normalize): canonical invoice numbers and the
// hints extracted from a payment — its structured references, its Stripe
// ids, its ISO 11649 RF reference, and what its free remittance text names:
// invoice numbers and PO numbers (the policy's patterns), RF references
// (checksum verified) and Stripe ids (in_…, cus_…, ch_…, py_…, pi_…).
//
// Free text is read in a fixed order, and a stretch of text that one reader
// took is not read again by the next: noise (check and account numbers,
// trace ids, amounts: never references), RF references, Stripe ids, PO
// patterns, then invoice-number patterns in policy order. So "PO 4500012345"
// is one PO number, not also an invoice number nobody knows.
//
// Pure functions; a HintExtractor is immutable after construction and
// shared by threads. Patterns are RE2 (linear time in the text: a hostile
// remittance line cannot make extraction slow).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/engine/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace cashmatch {

// Canonical form of an invoice number for exact lookup: ASCII letters
// upper-cased, everything but letters and digits dropped.
// "inv-2026-004211" -> "INV2026004211". The looser keys are in
// invoice_keys.h.
std::string NormalizeInvoiceNumber(std::string_view number);

struct InvoiceHint {
  std::string normalized;               // NormalizeInvoiceNumber of the text (strict key)
  std::string text;                     // as the payer wrote it (an RF reference: its creditor part)
  std::optional<int64_t> amount_minor;  // when the remittance gives one
  bool from_structured = false;         // structured reference vs free text
  bool stripe_invoice = false;          // `text` is a Stripe invoice id (in_…), not a number
  bool purchase_order = false;          // `text` is a PO number; `tolerant` is its PurchaseOrderKey
  std::string tolerant;                 // TolerantInvoiceKey of the text; "" when it has no digit
  std::string rf_reference;             // the RF reference the number came from, if it did
};

struct PaymentHints {
  std::vector<InvoiceHint> invoices;  // deduplicated, in order of appearance
  bool truncated = false;             // more references than the policy bound
  // The payer's Stripe customer (cus_…): the payment's own, else the first
  // one in its remittance text. For identification.
  std::string stripe_customer_id;
  // Facts found that are not references, as "name=value" signals:
  // "stripe_charge=ch_…", "stripe_payment_intent=pi_…",
  // "rf=invalid_checksum:RF…".
  std::vector<std::string> signals;
};

class HintExtractor {
 public:
  // Compiles the policy's invoice- and PO-number patterns; an error names
  // the pattern that RE2 refuses and why.
  static Result<std::unique_ptr<HintExtractor>> Create(const Policy& policy);
  // Whether RE2 accepts `pattern`, element `index` of policy key `key`; the
  // error names both, the pattern and RE2's reason.
  static Status CheckPattern(const std::string& key, size_t index, const std::string& pattern);
  ~HintExtractor();

  PaymentHints Extract(const Payment& payment) const;

 private:
  struct Span {
    size_t begin;
    size_t end;
  };
  class Collector;
  explicit HintExtractor(int32_t references_count_max);
  void TakeNoise(std::string_view text, Collector& out) const;
  void ScanRf(std::string_view text, Collector& out) const;
  void ScanStripeIds(std::string_view text, Collector& out) const;
  void ScanPatterns(std::string_view text, const std::vector<std::unique_ptr<re2::RE2>>& patterns, bool po,
                    Collector& out) const;

  std::vector<std::unique_ptr<re2::RE2>> invoice_patterns_;
  std::vector<std::unique_ptr<re2::RE2>> po_patterns_;
  std::vector<std::unique_ptr<re2::RE2>> noise_patterns_;
  int32_t references_count_max_;
};

}  // namespace cashmatch
