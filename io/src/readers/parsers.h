// Internal: the per-format parsers behind ParseSettlement (settlement.h).
// Each follows the contract written at the top of settlement.h.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "cashmatch/engine/currency.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::io {

// Currency::Find with the last code remembered: the records of one batch
// are nearly always in one currency, and Find searches a table each time.
// Keyed by the spelling as read ("usd" and "USD" are two keys, one answer).
// Thread safety: none; one per parse.
class CurrencyMemo {
 public:
  const Currency* Find(std::string_view code) {
    if (last_ != nullptr && code == code_) return last_;
    const Currency* found = Currency::Find(code);
    if (found != nullptr) {
      code_.assign(code);
      last_ = found;
    }
    return found;
  }

 private:
  std::string code_;
  const Currency* last_ = nullptr;
};

// Called by a streaming reader just before it adds a payment: hands the
// payments over when they fill a chunk (ParseOptions::on_chunk). Handing
// over only when one more comes keeps a file of exactly one chunk whole.
inline Status HandOverFullChunk(const ParseOptions& options, SettlementBatch* batch) {
  if (!options.on_chunk || batch->payments.size() < std::max<size_t>(options.chunk_payments, 1)) {
    return Status::Ok();
  }
  Status s = options.on_chunk(*batch);
  batch->payments.clear();  // keeps the capacity for the next chunk
  return s;
}

// How many payments a reader should reserve room for when it expects
// `expected`: no more than a chunk when it hands them over in chunks.
inline size_t PaymentsToReserve(const ParseOptions& options, size_t expected) {
  return options.on_chunk ? std::min(expected, std::max<size_t>(options.chunk_payments, 1)) : expected;
}

// batch_checks.cc: what every reader's output must satisfy, checked once
// for all formats: ids printable UTF-8 (else an error naming file, line and
// field, or with skip_bad_records a reject), text made valid UTF-8,
// non-positive remitted amounts dropped and a Stripe debit payout unlinked,
// each with a warning.
Status CheckParsedBatch(const std::string& name, std::string_view data, const ParseOptions& options,
                        ParsedSettlement* out);

class LineText;
struct TextRepairs;
// The same checks, for a batch read in chunks: CheckRecords for each chunk
// as it is handed over (its rejects and warnings go to that chunk's `out`),
// Finish once for the final batch, with the file-level checks and the one
// warning that counts the text repaired in all of them.
class BatchChecker {
 public:
  BatchChecker(const std::string& name, std::string_view data, const ParseOptions& options);
  ~BatchChecker();
  BatchChecker(const BatchChecker&) = delete;
  BatchChecker& operator=(const BatchChecker&) = delete;

  Status CheckRecords(ParsedSettlement* out);
  Status Finish(ParsedSettlement* out);

 private:
  const std::string& name_;
  const ParseOptions& options_;
  std::unique_ptr<LineText> lines_;
  std::unique_ptr<TextRepairs> repairs_;
};

Result<ParsedSettlement> ParseNdjsonSettlement(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                               const ParseOptions& options);
// bai2.cc
Result<ParsedSettlement> ParseBai2(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options);
// camt.cc
Result<ParsedSettlement> ParseCamt(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options);

// mt940.cc
Result<ParsedSettlement> ParseMt940(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options);
// nacha.cc
Result<ParsedSettlement> ParseNacha(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options);
// stripe_csv.cc
Result<ParsedSettlement> ParseStripeCsv(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                        const ParseOptions& options);
// stripe_json.cc
Result<ParsedSettlement> ParseStripeJson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                         const ParseOptions& options);

}  // namespace cashmatch::io
