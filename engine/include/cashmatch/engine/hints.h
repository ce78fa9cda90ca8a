// File: cashmatch/engine/hints.h
//
// Stage 1 of the pipeline (normalize): canonical invoice numbers and the
// hints extracted from a payment's remittance. Pure functions; a
// HintExtractor is immutable after construction and shared by threads.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/engine/status.h"

namespace cashmatch {

// Canonical form of an invoice number for exact lookup: ASCII letters
// upper-cased, everything but letters and digits dropped.
// "inv-2026-004211" -> "INV2026004211".
std::string NormalizeInvoiceNumber(std::string_view number);

struct InvoiceHint {
  std::string normalized;               // NormalizeInvoiceNumber of the text
  std::string text;                     // as the payer wrote it
  std::optional<int64_t> amount_minor;  // when the remittance gives one
  bool from_structured = false;         // structured reference vs free text
  bool stripe_invoice = false;          // `text` is a Stripe invoice id (in_…), not a number
};

struct PaymentHints {
  std::vector<InvoiceHint> invoices;  // deduplicated, in order of appearance
  bool truncated = false;             // more references than the policy bound
};

class HintExtractor {
 public:
  // Compiles the policy's invoice-number patterns; an error names the
  // pattern that does not compile.
  static Result<std::unique_ptr<HintExtractor>> Create(const Policy& policy);

  PaymentHints Extract(const Payment& payment) const;

 private:
  explicit HintExtractor(int32_t references_count_max) : references_count_max_(references_count_max) {}
  std::vector<std::regex> patterns_;
  int32_t references_count_max_;
};

}  // namespace cashmatch
