#include "cashmatch/engine/hints.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "cashmatch/engine/invoice_keys.h"

namespace cashmatch {
namespace {

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Stripe ids in free text: the prefix, then at least this many letters and
// digits (Stripe's are 14-24; shorter would catch words like "in_full").
constexpr size_t kStripeIdBodyLengthMin = 8;
// An RF reference's creditor part has at most 21 characters (ISO 11649).
constexpr size_t kRfCreditorLengthMax = 21;

Result<std::unique_ptr<re2::RE2>> Compile(const std::string& pattern, const std::string& key, size_t index) {
  re2::RE2::Options options;
  // Payers write "inv-2026-4211" as often as "INV-2026-4211".
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    return Status::InvalidInput(key + "[" + std::to_string(index) + "] '" + pattern +
                                "' is not a valid regular expression (RE2 syntax): " + re->error() +
                                "; RE2 has no lookaround or backreferences, see docs/policy.md");
  }
  return re;
}

}  // namespace

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

// Gathers one payment's hints: deduplicated, bounded, and with the
// stretches of free text already taken by an earlier reader.
class HintExtractor::Collector {
 public:
  Collector(PaymentHints* hints, int32_t count_max) : hints_(hints), count_max_(count_max) {}

  void Add(InvoiceHint h) {
    const std::string key = DedupKey(h);
    if (key.empty() || seen_.count(key) != 0) return;
    if (static_cast<int32_t>(hints_->invoices.size()) >= count_max_) {
      hints_->truncated = true;
      return;
    }
    seen_.insert(key);
    hints_->invoices.push_back(std::move(h));
  }

  void AddNumber(std::string_view text, std::optional<int64_t> amount, bool structured) {
    InvoiceHint h;
    h.normalized = NormalizeInvoiceNumber(text);
    h.text = std::string(text);
    h.amount_minor = amount;
    h.from_structured = structured;
    h.tolerant = TolerantInvoiceKey(text);
    Add(std::move(h));
  }

  // One flag per byte of the remittance text, set where a reader took it.
  // A check or a take costs the length of its stretch, and the stretches one
  // reader checks do not overlap, so a remittance of n references costs
  // O(text) per reader — not O(n) per reference, which made 200k references
  // take 20 seconds when the taken stretches were a list.
  bool Taken(size_t begin, size_t end) const {
    end = std::min(end, taken_.size());
    for (size_t i = begin; i < end; ++i) {
      if (taken_[i] != 0) return true;
    }
    return false;
  }
  void Take(size_t begin, size_t end) {
    if (taken_.size() < end) taken_.resize(std::max(end, text_size_), 0);
    std::fill(taken_.begin() + static_cast<ptrdiff_t>(begin), taken_.begin() + static_cast<ptrdiff_t>(end), 1);
  }
  void SetTextSize(size_t size) { text_size_ = size; }

  // Whether the bound cut references off: the readers after it need not
  // look for more invoice numbers.
  bool full() const { return hints_->truncated; }

  PaymentHints& hints() { return *hints_; }

 private:
  static std::string DedupKey(const InvoiceHint& h) {
    if (h.stripe_invoice) return "STRIPE:" + h.text;
    if (h.purchase_order) return h.tolerant.empty() ? std::string() : "PO:" + h.tolerant;
    return h.normalized;
  }

  PaymentHints* hints_;
  int32_t count_max_;
  std::unordered_set<std::string> seen_;
  std::vector<uint8_t> taken_;  // allocated at the first take
  size_t text_size_ = 0;
};

Status HintExtractor::CheckPattern(const std::string& key, size_t index, const std::string& pattern) {
  auto re = Compile(pattern, key, index);
  return re.ok() ? Status::Ok() : re.status();
}

HintExtractor::HintExtractor(int32_t references_count_max) : references_count_max_(references_count_max) {}
HintExtractor::~HintExtractor() = default;

Result<std::unique_ptr<HintExtractor>> HintExtractor::Create(const Policy& policy) {
  std::unique_ptr<HintExtractor> ex(new HintExtractor(policy.references_count_max));
  for (size_t i = 0; i < policy.invoice_number_patterns.size(); ++i) {
    auto re = Compile(policy.invoice_number_patterns[i], "matching.invoice_number_patterns", i);
    if (!re.ok()) return re.status();
    ex->invoice_patterns_.push_back(std::move(re).value());
  }
  for (size_t i = 0; i < policy.noise_patterns.size(); ++i) {
    auto re = Compile(policy.noise_patterns[i], "matching.noise_patterns", i);
    if (!re.ok()) return re.status();
    ex->noise_patterns_.push_back(std::move(re).value());
  }
  for (size_t i = 0; i < policy.po_number_patterns.size(); ++i) {
    auto re = Compile(policy.po_number_patterns[i], "matching.po_number_patterns", i);
    if (!re.ok()) return re.status();
    ex->po_patterns_.push_back(std::move(re).value());
  }
  return ex;
}

PaymentHints HintExtractor::Extract(const Payment& payment) const {
  PaymentHints hints;
  Collector out(&hints, references_count_max_);
  // Structured references come first: they are the payer's own statement of
  // what the money is for, and may carry per-invoice amounts.
  // Stripe says which invoice a charge paid: the strongest reference there is.
  if (!payment.stripe_invoice_id.empty()) {
    InvoiceHint h;
    h.normalized = "STRIPE:" + payment.stripe_invoice_id;
    h.text = payment.stripe_invoice_id;
    h.from_structured = true;
    h.stripe_invoice = true;
    out.Add(std::move(h));
  }
  hints.stripe_customer_id = payment.stripe_customer_id;
  for (const RemittanceRef& ref : payment.references) out.AddNumber(ref.invoice_number, ref.amount_minor, true);
  if (!payment.rf_reference.empty()) {
    if (std::optional<std::string> creditor = RfCreditorPart(payment.rf_reference)) {
      out.AddNumber(*creditor, std::nullopt, true);
      if (!hints.invoices.empty() && hints.invoices.back().text == *creditor) {
        hints.invoices.back().rf_reference = payment.rf_reference;
      }
    } else {
      hints.signals.push_back("rf=invalid_checksum:" + payment.rf_reference);
    }
  }
  const std::string_view text = payment.remittance;
  if (!text.empty()) {
    out.SetTextSize(text.size());
    TakeNoise(text, out);
    ScanRf(text, out);
    ScanStripeIds(text, out);
    ScanPatterns(text, po_patterns_, /*po=*/true, out);
    ScanPatterns(text, invoice_patterns_, /*po=*/false, out);
  }
  return hints;
}

// RF references in free text, compact ("RF18539007547034") or in groups of
// four ("RF18 5390 0754 7034"). Groups after the check digits are taken while
// they fit in 21 characters; the longest run of groups whose checksum holds
// is the reference, so trailing words ("RF18 5390 0754 7034 THANKS") do not
// spoil it. An "RF" + two digits that never checks out is reported and its
// text is not read as an invoice number.
void HintExtractor::ScanRf(std::string_view text, Collector& out) const {
  for (size_t pos = 0; pos + 4 < text.size(); ++pos) {
    if (pos > 0 && IsAsciiAlnum(text[pos - 1])) continue;
    if ((text[pos] != 'R' && text[pos] != 'r') || (text[pos + 1] != 'F' && text[pos + 1] != 'f')) continue;
    if (!IsAsciiDigit(text[pos + 2]) || !IsAsciiDigit(text[pos + 3])) continue;
    std::vector<size_t> ends;  // where each group ends
    size_t j = pos + 4;
    size_t creditor_length = 0;
    for (size_t group = 0; j < text.size(); ++group) {
      size_t k = j;
      // A group follows one space; the first may also follow the check
      // digits directly ("RF18539007547034").
      if (text[k] == ' ')
        ++k;
      else if (group > 0)
        break;
      size_t r = k;
      while (r < text.size() && IsAsciiAlnum(text[r])) ++r;
      if (r == k || creditor_length + (r - k) > kRfCreditorLengthMax) break;
      creditor_length += r - k;
      ends.push_back(r);
      j = r;
    }
    if (ends.empty()) continue;
    size_t end = ends.back();
    std::optional<std::string> creditor;
    for (size_t e = ends.size(); e-- > 0 && !creditor;) {
      creditor = RfCreditorPart(text.substr(pos, ends[e] - pos));
      if (creditor) end = ends[e];
    }
    out.Take(pos, end);
    const std::string written(text.substr(pos, end - pos));
    if (!creditor) {
      out.hints().signals.push_back("rf=invalid_checksum:" + written);
    } else {
      const size_t before = out.hints().invoices.size();
      out.AddNumber(*creditor, std::nullopt, false);
      if (out.hints().invoices.size() > before) out.hints().invoices.back().rf_reference = written;
    }
    pos = end;
  }
}

// Stripe ids: in_… names an invoice (as the charge's own invoice id does),
// cus_… the payer's Stripe customer, ch_…/py_…/pi_… are recorded as signals.
// Case-sensitive, as Stripe's ids are.
void HintExtractor::ScanStripeIds(std::string_view text, Collector& out) const {
  static constexpr std::string_view kPrefixes[] = {"in_", "cus_", "ch_", "py_", "pi_"};
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (pos > 0 && (IsAsciiAlnum(text[pos - 1]) || text[pos - 1] == '_')) continue;
    for (std::string_view prefix : kPrefixes) {
      if (text.substr(pos, prefix.size()) != prefix) continue;
      size_t end = pos + prefix.size();
      while (end < text.size() && IsAsciiAlnum(text[end])) ++end;
      if (end - pos - prefix.size() < kStripeIdBodyLengthMin) break;
      if (end < text.size() && text[end] == '_') break;  // part of a longer word
      std::string id(text.substr(pos, end - pos));
      out.Take(pos, end);
      if (prefix == "in_") {
        InvoiceHint h;
        h.normalized = "STRIPE:" + id;
        h.text = std::move(id);
        h.stripe_invoice = true;
        out.Add(std::move(h));
      } else if (prefix == "cus_") {
        if (out.hints().stripe_customer_id.empty())
          out.hints().stripe_customer_id = id;
        else if (out.hints().stripe_customer_id != id)
          out.hints().signals.push_back("stripe_customer=" + id);
      } else if (prefix == "pi_") {
        out.hints().signals.push_back("stripe_payment_intent=" + id);
      } else {
        out.hints().signals.push_back("stripe_charge=" + id);
      }
      pos = end;
      break;
    }
  }
}

// Check numbers, account numbers, trace ids and amounts (the policy's
// noise patterns): taken first, so no later reader reads them as a
// reference ("CHECK NO 100418" is not invoice "NO 100418").
void HintExtractor::TakeNoise(std::string_view text, Collector& out) const {
  const re2::StringPiece whole(text.data(), text.size());
  for (const auto& re : noise_patterns_) {
    re2::StringPiece match;
    size_t pos = 0;
    while (pos <= text.size() && re->Match(whole, pos, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
      const size_t begin = static_cast<size_t>(match.data() - text.data());
      const size_t end = begin + match.size();
      pos = end > begin ? end : end + 1;
      if (end > begin) out.Take(begin, end);
    }
  }
}

// Every match of every pattern, patterns in policy order, matches in text
// order. A pattern with a capturing group gives the group's text ("Invoice
// no. (2026-4211)"); without one, the whole match. Text an earlier reader
// took is skipped.
void HintExtractor::ScanPatterns(std::string_view text, const std::vector<std::unique_ptr<re2::RE2>>& patterns, bool po,
                                 Collector& out) const {
  const re2::StringPiece whole(text.data(), text.size());
  for (const auto& re : patterns) {
    re2::StringPiece match[2];
    const int groups = re->NumberOfCapturingGroups() > 0 ? 2 : 1;
    size_t pos = 0;
    while (pos <= text.size() && re->Match(whole, pos, text.size(), re2::RE2::UNANCHORED, match, groups)) {
      const size_t begin = static_cast<size_t>(match[0].data() - text.data());
      const size_t end = begin + match[0].size();
      pos = end > begin ? end : end + 1;  // an empty match steps on
      if (match[0].empty() || out.Taken(begin, end)) continue;
      if (out.full()) return;  // the bound is reached: more numbers would only be dropped
      const re2::StringPiece found = groups == 2 && match[1].data() != nullptr ? match[1] : match[0];
      const std::string_view written(found.data(), found.size());
      out.Take(begin, end);
      if (!po) {
        out.AddNumber(written, std::nullopt, false);
        continue;
      }
      InvoiceHint h;
      h.text = std::string(written);
      h.normalized = NormalizeInvoiceNumber(written);
      h.tolerant = PurchaseOrderKey(written);
      h.purchase_order = true;
      out.Add(std::move(h));
    }
  }
}

}  // namespace cashmatch
