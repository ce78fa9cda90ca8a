#include "cashmatch/io/pipeline.h"

#include <cctype>
#include <chrono>

#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/payments_ndjson.h"

namespace cashmatch::io {

Result<LoadResult> LoadBookFiles(Ledger& ledger, const std::string& customers_path, const std::string& invoices_path,
                                 const std::function<void(uint64_t rows)>& on_rows,
                                 OtherUnfinishedLoad other_unfinished) {
  LoadResult result;
  BookRows rows;
  // The load reads each file more than once; header warnings are kept from
  // the first reading only.
  bool customers_read = false;
  bool invoices_read = false;
  if (!customers_path.empty()) {
    rows.customers_source = customers_path;
    rows.customers = [&](const std::function<Status(Customer &&)>& sink) {
      std::vector<std::string>* warnings = customers_read ? nullptr : &result.warnings;
      customers_read = true;
      if (!on_rows) return ScanCustomersCsv(customers_path, ledger.fingerprinter(), warnings, sink);
      return ScanCustomersCsv(customers_path, ledger.fingerprinter(), warnings, [&](Customer&& c) {
        on_rows(1);
        return sink(std::move(c));
      });
    };
  }
  if (!invoices_path.empty()) {
    rows.invoices_source = invoices_path;
    rows.invoices = [&](const std::function<Status(Invoice &&)>& sink) {
      std::vector<std::string>* warnings = invoices_read ? nullptr : &result.warnings;
      invoices_read = true;
      if (!on_rows) return ScanInvoicesCsv(invoices_path, warnings, sink);
      return ScanInvoicesCsv(invoices_path, warnings, [&](Invoice&& i) {
        on_rows(1);
        return sink(std::move(i));
      });
    };
  }
  BookLoadStats stats;
  CASHMATCH_RETURN_IF_ERROR(ledger.UpsertBook(rows, &stats, other_unfinished));
  result.customers_count = stats.customers_count;
  result.invoices_count = stats.invoices_count;
  result.writes_count = stats.writes_count;
  result.abandoned_load = std::move(stats.abandoned_load);
  return result;
}

namespace {

// Adds the wall time since the previous lap to a stage's total.
class StageClock {
 public:
  explicit StageClock(std::array<double, kApplyStageCount>* totals)
      : totals_(totals), last_(std::chrono::steady_clock::now()) {}
  void Lap(ApplyStage stage) {
    const auto now = std::chrono::steady_clock::now();
    (*totals_)[static_cast<size_t>(stage)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  std::array<double, kApplyStageCount>* totals_;
  std::chrono::steady_clock::time_point last_;
};

bool IsAlnumChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsBlankChar(char c) { return c == ' ' || c == '\t'; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// The length of the account-number word at the start of `s`: letters,
// digits and '-' (MT940's "123456789/USD" ends at the slash).
size_t AccountWordLength(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (IsAlnumChar(s[n]) || s[n] == '-')) ++n;
  return n;
}

size_t DigitsIn(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += IsDigitChar(c) ? 1 : 0;
  return n;
}

// An IBAN-shaped word: two letters, two digits, then 10 to 30 letters or digits.
bool LooksLikeIban(std::string_view w) {
  if (w.size() < 14 || w.size() > 34) return false;
  if (!std::isalpha(static_cast<unsigned char>(w[0])) || !std::isalpha(static_cast<unsigned char>(w[1]))) return false;
  if (!IsDigitChar(w[2]) || !IsDigitChar(w[3])) return false;
  for (char c : w) {
    if (!IsAlnumChar(c)) return false;
  }
  return true;
}

// Where an account number follows: a tag of a bank text format, or a JSON
// member named like an account (its value then starts after the quote).
size_t AccountValueAfterLabel(std::string_view s) {
  constexpr std::string_view kTags[] = {"DACT:", "CACT:", "BO:", "Account:", ":25:", "<IBAN>", "<BBAN>"};
  for (std::string_view tag : kTags) {
    if (StartsWithNoCase(s, tag)) return tag.size();
  }
  if (StartsWithNoCase(s, "<Othr>")) {
    size_t i = 6;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (StartsWithNoCase(s.substr(i), "<Id>")) return i + 4;
    return 0;
  }
  if (StartsWithNoCase(s, "account\"")) {  // the end of a JSON key such as "payer_account"
    size_t i = 8;
    while (i < s.size() && IsBlankChar(s[i])) ++i;
    if (i == s.size() || s[i] != ':') return 0;
    ++i;
    while (i < s.size() && IsBlankChar(s[i])) ++i;
    if (i < s.size() && s[i] == '"') ++i;
    return i;
  }
  return 0;
}

// A NACHA entry detail record ('6'): the DFI account field is columns 13-29.
constexpr size_t kNachaAccountBegin = 12;
constexpr size_t kNachaAccountSize = 17;

}  // namespace

std::string MaskAccountsInRecord(std::string_view record) {
  std::string out;
  out.reserve(record.size());
  size_t i = 0;
  if (record.size() >= kNachaAccountBegin + kNachaAccountSize && record[0] == '6' && IsDigitChar(record[1])) {
    std::string mask = MaskAccount(record.substr(kNachaAccountBegin, kNachaAccountSize));
    mask.resize(kNachaAccountSize, ' ');
    out.append(record.substr(0, kNachaAccountBegin)).append(mask);
    i = kNachaAccountBegin + kNachaAccountSize;
  }
  while (i < record.size()) {
    const bool at_word = i == 0 || !IsAlnumChar(record[i - 1]);
    size_t label = at_word || record[i] == 'a' || record[i] == 'A' ? AccountValueAfterLabel(record.substr(i)) : 0;
    if (label > 0) {
      out.append(record.substr(i, label));
      i += label;
      while (i < record.size() && IsBlankChar(record[i])) out.push_back(record[i++]);
      // A JSON string value is masked whole, blanks included.
      const bool json_string = record[i - 1] == '"';
      const size_t end = json_string ? record.find('"', i) : std::string_view::npos;
      const std::string_view word =
          record.substr(i, json_string ? (end == std::string_view::npos ? record.size() : end) - i
                                       : AccountWordLength(record.substr(i)));
      out.append(DigitsIn(word) >= 4 ? MaskAccount(word) : std::string(word));
      i += word.size();
      continue;
    }
    const std::string_view word = at_word ? record.substr(i, AccountWordLength(record.substr(i))) : std::string_view();
    if (!word.empty() && LooksLikeIban(word)) {
      out.append(MaskAccount(word));
      i += word.size();
      continue;
    }
    out.push_back(record[i++]);
  }
  return out;
}

namespace {

// Appends the skipped records to the rejects file, one JSON object each.
Status WriteRejects(const std::string& path, const std::string& source, const std::vector<Reject>& rejects) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return Status::IOError(path + ": cannot open the rejects file for writing");
  std::string line;
  for (const Reject& r : rejects) {
    line = "{\"file\":";
    AppendJsonString(&line, source);
    line += ",\"line\":" + std::to_string(r.line) + ",\"reason\":";
    AppendJsonString(&line, r.reason);
    line += ",\"record\":";
    AppendJsonString(&line, MaskAccountsInRecord(r.record));
    line += "}\n";
    std::fputs(line.c_str(), f);
  }
  bool ok = std::fflush(f) == 0;
  ok = std::fclose(f) == 0 && ok;
  return ok ? Status::Ok() : Status::IOError(path + ": cannot write the rejects file");
}

// Whether a batch with this idempotency key is in the ledger; if so,
// `result` says which one.
Result<bool> AlreadyCommitted(const Ledger& ledger, const std::string& key, ApplyResult* result) {
  auto committed = ledger.FindBatch(key);
  if (!committed.ok()) return committed.status();
  if (!committed.value().has_value()) return false;
  result->already_applied = true;
  result->batch = *committed.value();
  result->payments_count = result->batch.payment_count;
  return true;
}

}  // namespace

Result<ApplyResult> ApplyPaymentFile(Ledger& ledger, const std::string& path, const Policy& policy,
                                     const HintExtractor& extractor, const MatchOptions& options,
                                     const ApplyOptions& apply_options) {
  ApplyResult result;
  result.path = path;
  StageClock clock(&result.stage_seconds);
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  result.format =
      apply_options.format == SettlementFormat::kAuto ? DetectSettlementFormat(data.value()) : apply_options.format;
  // A file's identity is its content: the same bytes are the same batch.
  const std::string digest = Sha256Hex(data.value());
  std::string key = "sha256:" + digest;
  auto seen = AlreadyCommitted(ledger, key, &result);
  if (!seen.ok()) return seen.status();
  if (seen.value()) return result;
  clock.Lap(ApplyStage::kRead);
  ParseOptions parse_options;
  parse_options.skip_bad_records = apply_options.skip_bad_records;
  parse_options.sha256_hex = digest;  // readers derive ids from it: hashed once
  auto parsed = ParseSettlement(path, data.value(), result.format, ledger.fingerprinter(), parse_options);
  if (!parsed.ok()) return parsed.status();
  ParsedSettlement& ps = parsed.value();
  result.warnings = std::move(ps.warnings);
  SettlementBatch batch = std::move(ps.batch);
  // A Stripe payout is one batch whatever file it arrives in: its id is the key.
  if (batch.payout.has_value()) {
    key = "stripe:" + batch.payout->payout_id;
    seen = AlreadyCommitted(ledger, key, &result);
    if (!seen.ok()) return seen.status();
    if (seen.value()) return result;
  }
  batch.idempotency_key = key;
  batch.batch_id = batch.payout.has_value() ? "b-" + batch.payout->payout_id : "b-" + digest.substr(0, 16);
  if (!ps.rejects.empty()) {
    result.rejects_path = apply_options.rejects_path.empty() ? path + ".rejects.ndjson" : apply_options.rejects_path;
    CASHMATCH_RETURN_IF_ERROR(WriteRejects(result.rejects_path, path, ps.rejects));
    result.rejected_count = ps.rejects.size();
  }

  clock.Lap(ApplyStage::kParse);
  std::vector<PaymentHints> hints = ExtractAllHints(batch, extractor, options);
  clock.Lap(ApplyStage::kHints);
  BookRequest request = PlanBookRequest(batch, hints);
  request.name_similarity_min_milli = policy.name_similarity_min_milli;
  auto book = ledger.LoadBook(request);
  if (!book.ok()) return book.status();
  clock.Lap(ApplyStage::kLoadBook);
  BatchOutcome outcome = MatchBatch(batch, hints, *book.value(), policy, options);
  clock.Lap(ApplyStage::kMatch);
  auto record = ledger.CommitBatch(batch, outcome);
  if (!record.ok()) return record.status();
  clock.Lap(ApplyStage::kCommit);
  result.batch = record.value();
  result.payments_count = batch.payments.size();
  result.applied_count = outcome.applied_count;
  result.exception_count = outcome.exception_count;
  result.duplicate_count = outcome.duplicate_count;
  result.returns_count = batch.reversals.size();
  result.reversed_count = outcome.reversal_count;
  for (const Event& e : outcome.events) result.released_count += e.type == EventType::kReleased ? 1 : 0;
  result.payouts_count = batch.payout.has_value() ? 1 : 0;
  result.payouts_linked_count = outcome.payout_linked_count;
  return result;
}

Result<ReleaseResult> ReleaseFinalHolds(Ledger& ledger, const Policy& policy, const std::set<std::string>& invoices) {
  ReleaseResult result;
  std::vector<HoldRelease> holds;
  auto book = ledger.LoadReleasableHolds(invoices, &holds, &result.still_reconciling);
  if (!book.ok()) return book.status();
  if (holds.empty()) {
    result.nothing_to_release = true;
    return result;
  }
  // The batch is named by what it releases and where the ledger stood: the
  // same release can never be committed twice.
  std::string what = "@" + std::to_string(ledger.last_seq()) + "\n";
  for (const HoldRelease& h : holds) {
    what += h.record.payment_id + "\t" + h.invoice_id + "\t" + std::to_string(h.amount_minor) + "\n";
  }
  const std::string digest = Sha256Hex(what);
  SettlementBatch batch;
  batch.idempotency_key = "release:" + digest;
  batch.batch_id = "r-" + digest.substr(0, 16);
  batch.source_name = "release";
  BatchOutcome outcome = ReleaseHolds(batch.batch_id, holds, *book.value(), policy);
  auto record = ledger.CommitBatch(batch, outcome);
  if (!record.ok()) return record.status();
  result.batch = record.value();
  result.holds_released = holds.size();
  return result;
}

}  // namespace cashmatch::io
