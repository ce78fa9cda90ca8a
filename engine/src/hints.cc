#include "cashmatch/engine/hints.h"

#include <cctype>
#include <unordered_set>

namespace cashmatch {

std::string NormalizeInvoiceNumber(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  for (char ch : number) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isdigit(c)) {
      out.push_back(ch);
    } else if (std::isalpha(c)) {
      out.push_back(static_cast<char>(std::toupper(c)));
    }
  }
  return out;
}

Result<std::unique_ptr<HintExtractor>> HintExtractor::Create(const Policy& policy) {
  std::unique_ptr<HintExtractor> ex(new HintExtractor(policy.references_count_max));
  for (size_t i = 0; i < policy.invoice_number_patterns.size(); ++i) {
    const std::string& p = policy.invoice_number_patterns[i];
    try {
      // Case-insensitive: payers write "inv-2026-4211" as often as "INV-2026-4211".
      ex->patterns_.emplace_back(p, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::InvalidInput("matching.invoice_number_patterns[" + std::to_string(i) + "] '" + p +
                                  "' is not a valid regular expression: " + e.what());
    }
  }
  return ex;
}

PaymentHints HintExtractor::Extract(const Payment& payment) const {
  PaymentHints hints;
  std::unordered_set<std::string> seen;
  auto add = [&](InvoiceHint h) {
    if (h.normalized.empty() || seen.count(h.normalized) != 0) return;
    if (static_cast<int32_t>(hints.invoices.size()) >= references_count_max_) {
      hints.truncated = true;
      return;
    }
    seen.insert(h.normalized);
    hints.invoices.push_back(std::move(h));
  };
  // Structured references come first: they are the payer's own statement of
  // what the money is for, and may carry per-invoice amounts.
  // Stripe says which invoice a charge paid: the strongest reference there is.
  if (!payment.stripe_invoice_id.empty()) {
    InvoiceHint h{"STRIPE:" + payment.stripe_invoice_id, payment.stripe_invoice_id, std::nullopt, true};
    h.stripe_invoice = true;
    add(std::move(h));
  }
  for (const RemittanceRef& ref : payment.references) {
    add(InvoiceHint{NormalizeInvoiceNumber(ref.invoice_number), ref.invoice_number, ref.amount_minor, true});
  }
  for (const std::regex& re : patterns_) {
    auto begin = std::sregex_iterator(payment.remittance.begin(), payment.remittance.end(), re);
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      std::string text = it->str();
      add(InvoiceHint{NormalizeInvoiceNumber(text), text, std::nullopt, false});
    }
  }
  return hints;
}

}  // namespace cashmatch
