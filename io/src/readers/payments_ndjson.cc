// NDJSON payments through simdjson On-Demand.
//
// The fast path reads the file with iterate_many: stage 1 finds the
// structure of a whole window of lines at once and each document is walked
// in place, without copying the file. A document is taken on the fast path
// only when it is exactly one line: it starts the line (after blanks), ends
// before the line's '\n', and nothing but blanks follows it. Its line
// number comes from counting newlines between documents, incrementally.
//
// Anything else — malformed JSON, two values on a line, an object spread
// over lines, a stream that stops early — falls back to the per-line path
// for that line: the line alone is parsed with its own parser, which gives
// the error its exact line (and with --skip-bad-records, its own reject).
// The fast path then starts a new stream a little further on
// (kSlowBytesAfterRestart). Both paths go through the
// same field reader and the same conversion, so what a line means never
// depends on the path that read it.
//
// Field values are collected as views first (into the input for numbers,
// into simdjson's string buffer for strings, both valid until the next
// document) and converted afterwards, because JSON key order is free and an
// amount needs its currency. Error messages are built only when an error
// happens.
#include "cashmatch/io/payments_ndjson.h"

#include "id_set.h"
#include "parsers.h"
#include "reader_util.h"

#include "simdjson_release.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_set>

namespace cashmatch::io {
namespace {

namespace od = simdjson::ondemand;

// Bytes of input stage 1 indexes at once on the fast path; a line longer
// than this is read on the per-line path. Fixed, because the stream parser
// reallocates its buffers whenever the window changes. Default: 256 KiB,
// about half of this machine's per-core L2, so stage 1's output is still in
// cache when the documents are walked.
constexpr size_t kWindowBytes = size_t{256} << 10;
// After a fast run ends early (a line that is not one whole object, or a
// stream that stage 1 could not index), this many bytes of lines are read on
// the per-line path before the fast path indexes a new window. A file full
// of such lines therefore costs at most a quarter window of extra stage 1
// per byte, instead of a window per line.
constexpr size_t kSlowBytesAfterRestart = kWindowBytes / 4;

// The payments vector is reserved from the first line's length: lines
// shorter than this are not believed (a payment needs four fields), and
// never more than kReserveCountMax payments up front.
constexpr size_t kLineBytesMin = 64;
constexpr size_t kReserveCountMax = size_t{1} << 20;

struct RawRef {
  std::string_view invoice_number;
  std::optional<std::string_view> amount;
};

struct RawPayment {
  std::optional<std::string_view> payment_id, amount, currency, value_date, source, payer_name, payer_account,
      remittance, batch_id;
  // "type":"return" lines: a return of an earlier payment.
  std::optional<std::string_view> type, original_payment_id, original_reference, reason_code, kind, bank_reference;
  std::vector<RawRef> references;

  // Empties every field but keeps the references' capacity.
  void Clear() {
    std::vector<RawRef> refs = std::move(references);
    refs.clear();
    *this = RawPayment();
    references = std::move(refs);
  }
};

// The text fields of a payment line, by key. A key not here (nor
// "references") is unknown: warned about once per file, then ignored.
struct TextField {
  std::string_view key;
  std::optional<std::string_view> RawPayment::*slot;
  bool number_ok;  // a JSON number is taken as its exact source text
};
constexpr TextField kTextFields[] = {
    {"payment_id", &RawPayment::payment_id, false},
    {"amount", &RawPayment::amount, true},
    {"currency", &RawPayment::currency, false},
    {"value_date", &RawPayment::value_date, false},
    {"source", &RawPayment::source, false},
    {"payer_name", &RawPayment::payer_name, false},
    {"payer_account", &RawPayment::payer_account, false},
    {"remittance", &RawPayment::remittance, false},
    {"batch_id", &RawPayment::batch_id, false},
    {"type", &RawPayment::type, false},
    {"original_payment_id", &RawPayment::original_payment_id, false},
    {"original_reference", &RawPayment::original_reference, false},
    {"reason_code", &RawPayment::reason_code, false},
    {"kind", &RawPayment::kind, false},
    {"bank_reference", &RawPayment::bank_reference, false},
};

// Where a line is: "file:line", built only for a message.
struct LineRef {
  const std::string& name;
  uint32_t line = 0;

  std::string Where() const { return name + ":" + std::to_string(line); }
  std::string Field(std::string_view field) const { return Where() + ": field '" + std::string(field) + "'"; }
};

// A string, or for amounts a JSON number taken as its exact source text
// (never through a double). `at()` names the field, for messages only.
template <typename At>
Status ReadText(od::value v, bool number_ok, const At& at, std::string_view* out) {
  od::json_type type;
  if (v.type().get(type)) return Status::InvalidInput(at() + ": malformed JSON value");
  if (type == od::json_type::string) {
    if (v.get_string().get(*out)) return Status::InvalidInput(at() + ": malformed JSON string");
    return Status::Ok();
  }
  if (number_ok && type == od::json_type::number) {
    *out = TrimRight(v.raw_json_token());
    return Status::Ok();
  }
  return Status::InvalidInput(at() + (number_ok ? ": expected a decimal string" : ": expected a string"));
}

// Messages name the element: field 'references[2].amount'.
Status ReadReferences(od::value v, const LineRef& at, std::vector<RawRef>* out) {
  od::array arr;
  if (v.get_array().get(arr)) {
    return Status::InvalidInput(at.Field("references") + ": expected an array of objects");
  }
  size_t index = 0;
  for (auto element : arr) {
    const size_t i = index++;
    auto ref_name = [&] { return "references[" + std::to_string(i) + "]"; };
    auto leaf = [&](const char* name) { return [&at, &ref_name, name] { return at.Field(ref_name() + "." + name); }; };
    od::object obj;
    if (element.get_object().get(obj)) return Status::InvalidInput(at.Field(ref_name()) + ": expected an object");
    RawRef ref;
    bool has_number = false;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return Status::InvalidInput(at.Field(ref_name()) + ": malformed key");
      if (key == "invoice_number") {
        CASHMATCH_RETURN_IF_ERROR(ReadText(field.value(), false, leaf("invoice_number"), &ref.invoice_number));
        has_number = true;
      } else if (key == "amount") {
        std::string_view amount;
        CASHMATCH_RETURN_IF_ERROR(ReadText(field.value(), true, leaf("amount"), &amount));
        ref.amount = amount;
      }
    }
    if (!has_number || ref.invoice_number.empty()) {
      return Status::InvalidInput(leaf("invoice_number")() + ": required, expected a non-empty string");
    }
    out->push_back(ref);
  }
  return Status::Ok();
}

// The fields of one payment object. Any error here is a bad line; the
// caller decides whether the error is the line's (per-line path) or a
// reason to read the line again on its own (fast path).
Status ReadFields(od::object obj, const LineRef& at, RawPayment* out, std::unordered_set<std::string>* unknown_keys) {
  for (auto field : obj) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) {
      return Status::InvalidInput(at.Where() + ": not valid JSON (" + simdjson::error_message(err) + ")");
    }
    const TextField* text = nullptr;
    for (const TextField& f : kTextFields) {
      if (f.key == key) {
        text = &f;
        break;
      }
    }
    if (text != nullptr) {
      od::value v = field.value();
      bool is_null = false;
      if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
      std::string_view value;
      CASHMATCH_RETURN_IF_ERROR(ReadText(
          v, text->number_ok, [&] { return at.Field(key); }, &value));
      out->*(text->slot) = value;
    } else if (key == "references") {
      CASHMATCH_RETURN_IF_ERROR(ReadReferences(field.value(), at, &out->references));
    } else if (unknown_keys->find(std::string(key)) == unknown_keys->end()) {
      unknown_keys->insert(std::string(key));
    }
  }
  return Status::Ok();
}

// The per-line path: `line` alone, as one document.
Status ReadLine(od::parser& parser, simdjson::padded_string_view line, const LineRef& at, RawPayment* out,
                std::unordered_set<std::string>* unknown_keys) {
  od::document doc;
  if (auto err = parser.iterate(line).get(doc)) {
    return Status::InvalidInput(at.Where() + ": not valid JSON (" + simdjson::error_message(err) + ")");
  }
  od::object obj;
  if (doc.get_object().get(obj)) return Status::InvalidInput(at.Where() + ": expected a JSON object per line");
  CASHMATCH_RETURN_IF_ERROR(ReadFields(obj, at, out, unknown_keys));
  // A clean object must end the line: anything after it is a second value.
  // current_location() fails with OUT_OF_BOUNDS exactly when no token is left.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidInput(at.Where() + ": unexpected content after the JSON object");
  }
  return Status::Ok();
}

// Fills `*out` (a default Payment) from `raw`; on error `*out` is half done.
Status Convert(const RawPayment& raw, const LineRef& at, AccountMemo& accounts, CurrencyMemo& currencies,
               Payment* out) {
  for (auto [name, value] : {std::pair{"payment_id", &raw.payment_id}, std::pair{"amount", &raw.amount},
                             std::pair{"currency", &raw.currency}, std::pair{"value_date", &raw.value_date}}) {
    if (!value->has_value() || (*value)->empty()) {
      return Status::InvalidInput(at.Field(name) + ": required, missing or empty");
    }
  }
  Payment& p = *out;
  p.payment_id = *raw.payment_id;
  p.currency = currencies.Find(*raw.currency);
  if (p.currency == nullptr) {
    return Status::InvalidInput(at.Field("currency") + ": unknown currency '" + std::string(*raw.currency) +
                                "', expected an ISO 4217 code");
  }
  auto amount = ParseAmountMinor(*raw.amount, p.currency->exponent());
  if (!amount.ok()) return amount.status().WithContext(at.Field("amount"));
  if (amount.value() <= 0) return Status::InvalidInput(at.Field("amount") + ": a payment must be positive");
  p.amount_minor = amount.value();
  auto date = ParseIsoDate(*raw.value_date);
  if (!date.ok()) return date.status().WithContext(at.Field("value_date"));
  p.value_date = date.value();
  if (raw.source.has_value() && !ParsePaymentSource(*raw.source, &p.source)) {
    return Status::InvalidInput(at.Field("source") + ": expected ach|wire|check|card|stripe|other, got '" +
                                std::string(*raw.source) + "'");
  }
  p.payer_name = raw.payer_name.value_or("");
  if (raw.payer_account.has_value()) {
    const AccountMemo::Entry& account = accounts.Get(*raw.payer_account);
    p.payer_account_fp = account.fp;
    p.payer_account_mask = account.mask;
  }
  p.remittance = raw.remittance.value_or("");
  p.bank_batch_id = raw.batch_id.value_or("");
  p.bank_reference = raw.bank_reference.value_or("");
  p.references.reserve(raw.references.size());
  for (size_t i = 0; i < raw.references.size(); ++i) {
    RemittanceRef ref;
    ref.invoice_number = raw.references[i].invoice_number;
    if (raw.references[i].amount.has_value()) {
      auto a = ParseAmountMinor(*raw.references[i].amount, p.currency->exponent());
      if (!a.ok()) return a.status().WithContext(at.Field("references[" + std::to_string(i) + "].amount"));
      ref.amount_minor = a.value();
    }
    p.references.push_back(std::move(ref));
  }
  return Status::Ok();
}

// A "type":"return" line: payment_id is the return's own id.
Result<Reversal> ConvertReturn(const RawPayment& raw, const Payment& base, const LineRef& at) {
  Reversal r;
  r.reversal_id = base.payment_id;
  r.amount_minor = base.amount_minor;
  r.currency = base.currency;
  r.value_date = base.value_date;
  r.original_payment_id = raw.original_payment_id.value_or("");
  r.original_reference = raw.original_reference.value_or("");
  if (r.original_payment_id.empty() && r.original_reference.empty()) {
    return Status::InvalidInput(at.Field("original_payment_id") +
                                ": a return names the payment it returns "
                                "(original_payment_id or original_reference)");
  }
  r.reason_code = raw.reason_code.value_or("");
  r.text = base.remittance;
  static constexpr std::pair<const char*, ReversalKind> kKinds[] = {{"ach_return", ReversalKind::kAchReturn},
                                                                    {"returned_check", ReversalKind::kReturnedCheck},
                                                                    {"stripe_refund", ReversalKind::kStripeRefund},
                                                                    {"stripe_dispute", ReversalKind::kStripeDispute},
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
      return Status::InvalidInput(at.Field("kind") +
                                  ": expected ach_return|returned_check|stripe_refund|"
                                  "stripe_dispute|bank_reversal, got '" +
                                  std::string(*raw.kind) + "'");
    }
  }
  r.source_line = base.source_line;
  return r;
}

// Reads one file. Regions are byte ranges that end at a line end and are
// followed by at least SIMDJSON_PADDING readable bytes.
class NdjsonReader {
 public:
  NdjsonReader(const std::string& name, size_t file_size, const Fingerprinter& fp, const ParseOptions& options)
      : name_(name), file_size_(file_size), accounts_(fp), options_(options) {
    out_.batch.source_name = name;
#ifdef SIMDJSON_THREADS_ENABLED
    // One core per parse: stage 1 of the next window is not run on a
    // helper thread (the pipeline parallelizes elsewhere).
    stream_parser_.threaded = false;
#endif
  }

  // Reads [begin, begin + size); `line_no` is the 1-based number of the
  // line at `begin` and is left at the line after the region.
  Status ReadRegion(const char* begin, size_t size, uint32_t* line_no);

  ParsedSettlement Finish() {
    std::vector<std::string> keys(unknown_keys_.begin(), unknown_keys_.end());
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) out_.warnings.push_back(name_ + ": unknown field '" + k + "' ignored");
    return std::move(out_);
  }

 private:
  // Reads lines from `start` with iterate_many while it can; returns the
  // start of the first line not read (`size` when all were).
  size_t FastRun(const char* begin, size_t size, size_t start, uint32_t* line_no, Status* status);
  Status SlowLine(const char* begin, size_t size, size_t* pos, uint32_t* line_no);
  Status Accept(const LineRef& at, std::string_view line);
  void Reserve(size_t first_line_size);

  const std::string& name_;
  const size_t file_size_;
  AccountMemo accounts_;
  CurrencyMemo currencies_;
  const ParseOptions& options_;
  ParsedSettlement out_;
  od::parser stream_parser_;
  od::parser line_parser_;
  RawPayment raw_;
  IdSet seen_ids_;
  std::unordered_set<std::string> unknown_keys_;
};

Status NdjsonReader::ReadRegion(const char* begin, size_t size, uint32_t* line_no) {
  size_t pos = 0;
  while (pos < size) {
    Status status;
    pos = FastRun(begin, size, pos, line_no, &status);
    CASHMATCH_RETURN_IF_ERROR(status);
    // The fast run stopped at a line it could not take: read it and the
    // lines after it on their own for a while, then index a new window.
    const size_t slow_end = std::min(size, pos + kSlowBytesAfterRestart);
    while (pos < slow_end) CASHMATCH_RETURN_IF_ERROR(SlowLine(begin, size, &pos, line_no));
  }
  return Status::Ok();
}

// Advances `*pos` and `*line_no` over blanks and blank lines up to `to`.
// False at the first other byte, with `*pos` at the start of its line.
bool SkipBlankLines(const char* begin, size_t to, size_t* pos, uint32_t* line_no) {
  size_t line_start = *pos;
  for (size_t i = *pos; i < to; ++i) {
    if (begin[i] == '\n') {
      line_start = i + 1;
      ++*line_no;
    } else if (!IsBlankByte(begin[i])) {
      *pos = line_start;
      return false;
    }
  }
  *pos = line_start;
  return true;
}

size_t NdjsonReader::FastRun(const char* begin, size_t size, size_t start, uint32_t* line_no, Status* status) {
  od::document_stream stream;
  if (stream_parser_.iterate_many(begin + start, size - start, kWindowBytes).get(stream)) return start;
  size_t line_start = start;  // invariant: the line `*line_no` starts here; all before it is read
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    od::document_reference doc;
    if ((*it).get(doc)) return line_start;
    const size_t doc_start = start + it.current_index();
    // Only blanks and blank lines may come before the document.
    if (doc_start < line_start || !SkipBlankLines(begin, doc_start, &line_start, line_no)) return line_start;
    const char* nl = static_cast<const char*>(std::memchr(begin + doc_start, '\n', size - doc_start));
    const size_t line_end = nl == nullptr ? size : static_cast<size_t>(nl - begin);
    const LineRef at{name_, *line_no};
    const std::string_view line(begin + line_start, line_end - line_start);
    // The document must be one object that ends on this line, followed by
    // nothing but blanks; its fields must read cleanly. Otherwise the line
    // is read on its own, which owns the message (and may find more, such
    // as content after the object), and the run ends there: after a
    // structural error simdjson abandons the stream's iterator, and stepping
    // the stream on would read through a null parser (found by fuzz_ndjson).
    const std::string_view source = it.source();
    od::object obj;
    raw_.Clear();
    const bool fast =
        !source.empty() && source.front() == '{' && doc_start + source.size() <= line_end &&
        IsBlank(std::string_view(begin + doc_start + source.size(), line_end - doc_start - source.size())) &&
        doc.get_object().get(obj) == simdjson::SUCCESS && ReadFields(obj, at, &raw_, &unknown_keys_).ok();
    if (!fast) {
      size_t pos = line_start;
      *status = SlowLine(begin, size, &pos, line_no);
      return pos;
    }
    *status = Accept(at, line);
    if (!status->ok()) return line_start;
    ++*line_no;
    line_start = line_end + 1;
  }
  // The stream ended: after trailing blank lines at the region's end, or
  // early, at a document it could not read (the caller reads on from there).
  SkipBlankLines(begin, size, &line_start, line_no);
  return line_start;
}

// One line at `*pos` on its own; advances past it.
Status NdjsonReader::SlowLine(const char* begin, size_t size, size_t* pos, uint32_t* line_no) {
  const char* nl = static_cast<const char*>(std::memchr(begin + *pos, '\n', size - *pos));
  const size_t end = nl == nullptr ? size : static_cast<size_t>(nl - begin);
  const std::string_view line(begin + *pos, end - *pos);
  // The region is followed by SIMDJSON_PADDING readable bytes.
  const size_t capacity = size - *pos + simdjson::SIMDJSON_PADDING;
  const LineRef at{name_, *line_no};
  *pos = end + 1;
  ++*line_no;
  if (IsBlank(line)) return Status::Ok();
  raw_.Clear();
  Status s = ReadLine(line_parser_, simdjson::padded_string_view(line.data(), line.size(), capacity), at, &raw_,
                      &unknown_keys_);
  if (!s.ok()) {
    if (!options_.skip_bad_records) return s;
    out_.rejects.push_back(Reject{at.line, std::string(line), s.message()});
    return Status::Ok();
  }
  return Accept(at, line);
}

// Converts the line just read into `raw_`: a payment, a return or a reject.
// A payment is built in place at the end of the batch, not moved there.
Status NdjsonReader::Accept(const LineRef& at, std::string_view line) {
  const std::string_view type = raw_.type.value_or("payment");
  const bool is_return = type == "return";
  std::vector<Payment>& payments = out_.batch.payments;
  if (!is_return) CASHMATCH_RETURN_IF_ERROR(HandOverFullChunk(options_, &out_.batch));
  if (payments.capacity() == 0) Reserve(line.size());
  std::optional<Payment> returned;  // a return's fields, read like a payment's
  Payment* p = is_return ? &returned.emplace() : &payments.emplace_back();
  Status s = Convert(raw_, at, accounts_, currencies_, p);
  uint32_t first_line = 0;
  if (s.ok() && !seen_ids_.Insert(p->payment_id, at.line, &first_line)) {
    s = Status::InvalidInput(at.Field("payment_id") + ": duplicate id '" + p->payment_id + "' (first on line " +
                             std::to_string(first_line) + ")");
  }
  if (s.ok() && !is_return && type != "payment") {
    s = Status::InvalidInput(at.Field("type") + ": expected payment or return, got '" + std::string(type) + "'");
  }
  p->source_line = at.line;
  if (s.ok() && is_return) {
    Result<Reversal> reversal = ConvertReturn(raw_, *returned, at);
    if (reversal.ok()) {
      out_.batch.reversals.push_back(std::move(reversal).value());
      return Status::Ok();
    }
    s = reversal.status();
  }
  if (s.ok()) return s;
  if (!is_return) payments.pop_back();
  if (!options_.skip_bad_records) return s;
  out_.rejects.push_back(Reject{at.line, std::string(line), s.message()});
  return Status::Ok();
}

// Sizes the batch from the first line: as many payments as lines of that
// length fit in the file (a line under kLineBytesMin is not believed).
void NdjsonReader::Reserve(size_t first_line_size) {
  const size_t line_bytes = std::max(first_line_size + 1, kLineBytesMin);
  const size_t count = std::min(file_size_ / line_bytes + 1, kReserveCountMax);
  out_.batch.payments.reserve(PaymentsToReserve(options_, count));
  seen_ids_.Reserve(count);
}

}  // namespace

Result<ParsedSettlement> ParseNdjsonSettlement(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                               const ParseOptions& options) {
  // simdjson reads up to SIMDJSON_PADDING bytes past what it parses. The
  // file is read in place up to the last line that ends at least that far
  // from the end; only the lines after it are copied into a padded buffer.
  size_t body = 0;
  if (data.size() > simdjson::SIMDJSON_PADDING) {
    const size_t last_nl = data.rfind('\n', data.size() - simdjson::SIMDJSON_PADDING - 1);
    if (last_nl != std::string_view::npos) body = last_nl + 1;
  }
  NdjsonReader reader(name, data.size(), fp, options);
  uint32_t line_no = 1;
  CASHMATCH_RETURN_IF_ERROR(reader.ReadRegion(data.data(), body, &line_no));
  const simdjson::padded_string tail(data.substr(body));
  CASHMATCH_RETURN_IF_ERROR(reader.ReadRegion(tail.data(), tail.size(), &line_no));
  return reader.Finish();
}

Result<SettlementBatch> ParsePaymentsNdjson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                            std::vector<std::string>* warnings) {
  auto parsed = ParseNdjsonSettlement(name, data, fp, ParseOptions());
  if (!parsed.ok()) return parsed.status();
  CASHMATCH_RETURN_IF_ERROR(CheckParsedBatch(name, data, ParseOptions(), &parsed.value()));
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), parsed.value().warnings.begin(), parsed.value().warnings.end());
  }
  return std::move(parsed.value().batch);
}

}  // namespace cashmatch::io
