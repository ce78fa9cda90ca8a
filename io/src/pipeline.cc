#include "cashmatch/io/pipeline.h"

#include <chrono>

#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/payments_ndjson.h"

namespace cashmatch::io {

Result<LoadResult> LoadBookFiles(Ledger& ledger, const std::string& customers_path,
                                 const std::string& invoices_path) {
  LoadResult result;
  BookRows rows;
  // The load reads each file more than once; header warnings are kept from
  // the first reading only.
  bool customers_read = false;
  bool invoices_read = false;
  if (!customers_path.empty()) {
    rows.customers_source = customers_path;
    rows.customers = [&](const std::function<Status(Customer&&)>& sink) {
      std::vector<std::string>* warnings = customers_read ? nullptr : &result.warnings;
      customers_read = true;
      return ScanCustomersCsv(customers_path, ledger.fingerprinter(), warnings, sink);
    };
  }
  if (!invoices_path.empty()) {
    rows.invoices_source = invoices_path;
    rows.invoices = [&](const std::function<Status(Invoice&&)>& sink) {
      std::vector<std::string>* warnings = invoices_read ? nullptr : &result.warnings;
      invoices_read = true;
      return ScanInvoicesCsv(invoices_path, warnings, sink);
    };
  }
  BookLoadStats stats;
  CASHMATCH_RETURN_IF_ERROR(ledger.UpsertBook(rows, &stats));
  result.customers_count = stats.customers_count;
  result.invoices_count = stats.invoices_count;
  result.writes_count = stats.writes_count;
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
    AppendJsonString(&line, r.record);
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
  result.format = apply_options.format == SettlementFormat::kAuto ? DetectSettlementFormat(data.value())
                                                                   : apply_options.format;
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
