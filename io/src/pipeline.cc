#include "cashmatch/io/pipeline.h"

#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/payments_ndjson.h"

namespace cashmatch::io {

Result<LoadResult> LoadBookFiles(Ledger& ledger, const std::string& customers_path,
                                 const std::string& invoices_path) {
  LoadResult result;
  std::vector<Customer> customers;
  std::vector<Invoice> invoices;
  if (!customers_path.empty()) {
    auto data = ReadFile(customers_path);
    if (!data.ok()) return data.status();
    auto parsed = ParseCustomersCsv(customers_path, data.value(), ledger.fingerprinter(), &result.warnings);
    if (!parsed.ok()) return parsed.status();
    customers = std::move(parsed).value();
  }
  if (!invoices_path.empty()) {
    auto data = ReadFile(invoices_path);
    if (!data.ok()) return data.status();
    auto parsed = ParseInvoicesCsv(invoices_path, data.value(), &result.warnings);
    if (!parsed.ok()) return parsed.status();
    invoices = std::move(parsed).value();
  }
  CASHMATCH_RETURN_IF_ERROR(ledger.UpsertBook(customers, invoices, customers_path, invoices_path));
  result.customers_count = customers.size();
  result.invoices_count = invoices.size();
  return result;
}

Result<ApplyResult> ApplyPaymentFile(Ledger& ledger, const std::string& path, const Policy& policy,
                                     const HintExtractor& extractor, const MatchOptions& options) {
  ApplyResult result;
  result.path = path;
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  const std::string digest = Sha256Hex(data.value());
  const std::string key = "sha256:" + digest;
  auto committed = ledger.FindBatch(key);
  if (!committed.ok()) return committed.status();
  if (committed.value().has_value()) {
    result.already_applied = true;
    result.batch = *committed.value();
    result.payments_count = result.batch.payment_count;
    return result;
  }
  auto parsed = ParsePaymentsNdjson(path, data.value(), ledger.fingerprinter(), &result.warnings);
  if (!parsed.ok()) return parsed.status();
  SettlementBatch batch = std::move(parsed).value();
  batch.idempotency_key = key;
  batch.batch_id = "b-" + digest.substr(0, 16);

  std::vector<PaymentHints> hints = ExtractAllHints(batch, extractor, options);
  auto book = ledger.LoadBook(PlanBookRequest(batch, hints));
  if (!book.ok()) return book.status();
  BatchOutcome outcome = MatchBatch(batch, hints, *book.value(), policy);
  auto record = ledger.CommitBatch(batch, outcome);
  if (!record.ok()) return record.status();
  result.batch = record.value();
  result.payments_count = batch.payments.size();
  result.applied_count = outcome.applied_count;
  result.exception_count = outcome.exception_count;
  result.duplicate_count = outcome.duplicate_count;
  return result;
}

}  // namespace cashmatch::io
