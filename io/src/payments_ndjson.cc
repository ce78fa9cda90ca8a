// NDJSON payments through simdjson On-Demand. Lines are split here (not by
// iterate_many) so that every error can name its exact line; each line is
// parsed in place from the padded file buffer with one reused parser.
// Field values are collected as text first and converted afterwards,
// because JSON key order is free and an amount needs its currency.
#include "cashmatch/io/payments_ndjson.h"

#include "parsers.h"

#include <simdjson.h>

#include <algorithm>

#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace cashmatch::io {
namespace {

namespace od = simdjson::ondemand;

struct RawRef {
  std::string invoice_number;
  std::optional<std::string> amount;
};

struct RawPayment {
  std::optional<std::string> payment_id, amount, currency, value_date, source, payer_name, payer_account,
      remittance, batch_id;
  // "type":"return" lines: a return of an earlier payment.
  std::optional<std::string> type, original_payment_id, original_reference, reason_code, kind, bank_reference;
  std::vector<RawRef> references;
};

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// A string, or for amounts a JSON number taken as its exact source text
// (never through a double).
Status ReadText(od::value v, bool number_ok, const std::string& where, std::string* out) {
  od::json_type type;
  if (v.type().get(type)) return Status::InvalidInput(where + ": malformed JSON value");
  if (type == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s)) return Status::InvalidInput(where + ": malformed JSON string");
    *out = std::string(s);
    return Status::Ok();
  }
  if (number_ok && type == od::json_type::number) {
    *out = Trimmed(v.raw_json_token());
    return Status::Ok();
  }
  return Status::InvalidInput(where + (number_ok ? ": expected a decimal string" : ": expected a string"));
}

// `where` is "file:line"; messages name the element: field 'references[2].amount'.
Status ReadReferences(od::value v, const std::string& where, std::vector<RawRef>* out) {
  od::array arr;
  if (v.get_array().get(arr)) {
    return Status::InvalidInput(where + ": field 'references': expected an array of objects");
  }
  size_t index = 0;
  for (auto element : arr) {
    std::string ref_name = "references[" + std::to_string(index++) + "]";
    auto at_field = [&](const char* leaf) { return where + ": field '" + ref_name + "." + leaf + "'"; };
    od::object obj;
    if (element.get_object().get(obj)) {
      return Status::InvalidInput(where + ": field '" + ref_name + "': expected an object");
    }
    RawRef ref;
    bool has_number = false;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return Status::InvalidInput(where + ": field '" + ref_name + "': malformed key");
      if (key == "invoice_number") {
        CASHMATCH_RETURN_IF_ERROR(ReadText(field.value(), false, at_field("invoice_number"), &ref.invoice_number));
        has_number = true;
      } else if (key == "amount") {
        std::string amount;
        CASHMATCH_RETURN_IF_ERROR(ReadText(field.value(), true, at_field("amount"), &amount));
        ref.amount = amount;
      }
    }
    if (!has_number || ref.invoice_number.empty()) {
      return Status::InvalidInput(at_field("invoice_number") + ": required, expected a non-empty string");
    }
    out->push_back(std::move(ref));
  }
  return Status::Ok();
}

Status ReadLine(od::parser& parser, simdjson::padded_string_view line, const std::string& where, RawPayment* out,
                std::unordered_set<std::string>* unknown_keys) {
  od::document doc;
  if (auto err = parser.iterate(line).get(doc)) {
    return Status::InvalidInput(where + ": not valid JSON (" + simdjson::error_message(err) + ")");
  }
  od::object obj;
  if (doc.get_object().get(obj)) return Status::InvalidInput(where + ": expected a JSON object per line");
  for (auto field : obj) {
    std::string_view key_view;
    if (auto err = field.unescaped_key().get(key_view)) {
      return Status::InvalidInput(where + ": not valid JSON (" + simdjson::error_message(err) + ")");
    }
    std::string key(key_view);
    std::string at = where + ": field '" + key + "'";
    std::optional<std::string>* slot = nullptr;
    bool number_ok = false;
    if (key == "payment_id") slot = &out->payment_id;
    else if (key == "amount") { slot = &out->amount; number_ok = true; }
    else if (key == "currency") slot = &out->currency;
    else if (key == "value_date") slot = &out->value_date;
    else if (key == "source") slot = &out->source;
    else if (key == "payer_name") slot = &out->payer_name;
    else if (key == "payer_account") slot = &out->payer_account;
    else if (key == "remittance") slot = &out->remittance;
    else if (key == "batch_id") slot = &out->batch_id;
    else if (key == "type") slot = &out->type;
    else if (key == "original_payment_id") slot = &out->original_payment_id;
    else if (key == "original_reference") slot = &out->original_reference;
    else if (key == "reason_code") slot = &out->reason_code;
    else if (key == "kind") slot = &out->kind;
    else if (key == "bank_reference") slot = &out->bank_reference;
    if (slot != nullptr) {
      od::value v = field.value();
      bool is_null = false;
      if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
      std::string text;
      CASHMATCH_RETURN_IF_ERROR(ReadText(v, number_ok, at, &text));
      *slot = std::move(text);
    } else if (key == "references") {
      CASHMATCH_RETURN_IF_ERROR(ReadReferences(field.value(), where, &out->references));
    } else {
      unknown_keys->insert(key);
    }
  }
  // A clean object must end the line: anything after it is a second value.
  // current_location() fails with OUT_OF_BOUNDS exactly when no token is left.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidInput(where + ": unexpected content after the JSON object");
  }
  return Status::Ok();
}

Result<Payment> Convert(const RawPayment& raw, const std::string& where, const Fingerprinter& fp) {
  auto field = [&](const char* name) { return where + ": field '" + name + "'"; };
  for (auto [name, value] : {std::pair{"payment_id", &raw.payment_id}, std::pair{"amount", &raw.amount},
                             std::pair{"currency", &raw.currency}, std::pair{"value_date", &raw.value_date}}) {
    if (!value->has_value() || (*value)->empty()) {
      return Status::InvalidInput(field(name) + ": required, missing or empty");
    }
  }
  Payment p;
  p.payment_id = *raw.payment_id;
  p.currency = Currency::Find(*raw.currency);
  if (p.currency == nullptr) {
    return Status::InvalidInput(field("currency") + ": unknown currency '" + *raw.currency +
                                "', expected an ISO 4217 code");
  }
  auto amount = ParseAmountMinor(*raw.amount, p.currency->exponent());
  if (!amount.ok()) return amount.status().WithContext(field("amount"));
  if (amount.value() <= 0) return Status::InvalidInput(field("amount") + ": a payment must be positive");
  p.amount_minor = amount.value();
  auto date = ParseIsoDate(*raw.value_date);
  if (!date.ok()) return date.status().WithContext(field("value_date"));
  p.value_date = date.value();
  if (raw.source.has_value() && !ParsePaymentSource(*raw.source, &p.source)) {
    return Status::InvalidInput(field("source") + ": expected ach|wire|check|card|stripe|other, got '" +
                                *raw.source + "'");
  }
  p.payer_name = raw.payer_name.value_or("");
  if (raw.payer_account.has_value()) {
    p.payer_account_fp = fp.Account(*raw.payer_account);
    p.payer_account_mask = MaskAccount(*raw.payer_account);
  }
  p.remittance = raw.remittance.value_or("");
  p.bank_batch_id = raw.batch_id.value_or("");
  p.bank_reference = raw.bank_reference.value_or("");
  for (size_t i = 0; i < raw.references.size(); ++i) {
    RemittanceRef ref;
    ref.invoice_number = raw.references[i].invoice_number;
    if (raw.references[i].amount.has_value()) {
      auto a = ParseAmountMinor(*raw.references[i].amount, p.currency->exponent());
      if (!a.ok()) return a.status().WithContext(where + ": field 'references[" + std::to_string(i) + "].amount'");
      ref.amount_minor = a.value();
    }
    p.references.push_back(std::move(ref));
  }
  return p;
}

// A "type":"return" line: payment_id is the return's own id.
Result<Reversal> ConvertReturn(const RawPayment& raw, const Payment& base, const std::string& where) {
  Reversal r;
  r.reversal_id = base.payment_id;
  r.amount_minor = base.amount_minor;
  r.currency = base.currency;
  r.value_date = base.value_date;
  r.original_payment_id = raw.original_payment_id.value_or("");
  r.original_reference = raw.original_reference.value_or("");
  if (r.original_payment_id.empty() && r.original_reference.empty()) {
    return Status::InvalidInput(where + ": field 'original_payment_id': a return names the payment it returns "
                                        "(original_payment_id or original_reference)");
  }
  r.reason_code = raw.reason_code.value_or("");
  r.text = base.remittance;
  static constexpr std::pair<const char*, ReversalKind> kKinds[] = {
      {"ach_return", ReversalKind::kAchReturn},         {"returned_check", ReversalKind::kReturnedCheck},
      {"stripe_refund", ReversalKind::kStripeRefund},   {"stripe_dispute", ReversalKind::kStripeDispute},
      {"bank_reversal", ReversalKind::kBankReversal}};
  if (raw.kind.has_value()) {
    bool known = false;
    for (const auto& [name, kind] : kKinds) {
      if (*raw.kind == name) {
        r.kind = kind;
        known = true;
      }
    }
    if (!known) {
      return Status::InvalidInput(where + ": field 'kind': expected ach_return|returned_check|stripe_refund|"
                                          "stripe_dispute|bank_reversal, got '" + *raw.kind + "'");
    }
  }
  r.source_line = base.source_line;
  return r;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Result<ParsedSettlement> ParseNdjsonSettlement(const std::string& name, std::string_view data,
                                               const Fingerprinter& fp, const ParseOptions& options) {
  // One padded copy of the file: every line's view is followed by the rest
  // of the buffer plus SIMDJSON_PADDING, which is what simdjson requires.
  simdjson::padded_string buffer(data);
  od::parser parser;
  ParsedSettlement out;
  out.batch.source_name = name;
  std::unordered_map<std::string, uint32_t> seen_ids;
  std::unordered_set<std::string> unknown_keys;
  const char* base = buffer.data();
  const size_t size = buffer.size();
  size_t pos = 0;
  uint32_t line_no = 0;
  while (pos < size) {
    ++line_no;
    const char* nl = static_cast<const char*>(std::memchr(base + pos, '\n', size - pos));
    size_t end = nl == nullptr ? size : static_cast<size_t>(nl - base);
    std::string_view line(base + pos, end - pos);
    size_t capacity = size - pos + simdjson::SIMDJSON_PADDING;
    pos = end + 1;
    if (IsBlank(line)) continue;
    std::string where = name + ":" + std::to_string(line_no);
    RawPayment raw;
    Status s = ReadLine(parser, simdjson::padded_string_view(line.data(), line.size(), capacity), where, &raw,
                        &unknown_keys);
    Result<Payment> payment = s.ok() ? Convert(raw, where, fp) : Result<Payment>(s);
    if (payment.ok()) {
      auto [it, inserted] = seen_ids.emplace(payment.value().payment_id, line_no);
      if (!inserted) {
        payment = Status::InvalidInput(where + ": field 'payment_id': duplicate id '" + payment.value().payment_id +
                                       "' (first on line " + std::to_string(it->second) + ")");
      }
    }
    const std::string type = raw.type.value_or("payment");
    if (payment.ok() && type != "payment" && type != "return") {
      payment = Status::InvalidInput(where + ": field 'type': expected payment or return, got '" + type + "'");
    }
    Result<Reversal> reversal = Status::InvalidInput("unused");
    if (payment.ok() && type == "return") {
      payment.value().source_line = line_no;
      reversal = ConvertReturn(raw, payment.value(), where);
      if (!reversal.ok()) payment = reversal.status();
    }
    if (!payment.ok()) {
      if (!options.skip_bad_records) return payment.status();
      out.rejects.push_back(Reject{line_no, std::string(line), payment.status().message()});
      continue;
    }
    if (type == "return") {
      out.batch.reversals.push_back(std::move(reversal).value());
      continue;
    }
    payment.value().source_line = line_no;
    out.batch.payments.push_back(std::move(payment).value());
  }
  std::vector<std::string> keys(unknown_keys.begin(), unknown_keys.end());
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) out.warnings.push_back(name + ": unknown field '" + k + "' ignored");
  return out;
}

Result<SettlementBatch> ParsePaymentsNdjson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                            std::vector<std::string>* warnings) {
  auto parsed = ParseNdjsonSettlement(name, data, fp, ParseOptions());
  if (!parsed.ok()) return parsed.status();
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), parsed.value().warnings.begin(), parsed.value().warnings.end());
  }
  return std::move(parsed.value().batch);
}

}  // namespace cashmatch::io
