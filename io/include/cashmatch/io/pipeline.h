// File: cashmatch/io/pipeline.h
//
// The jobs behind `cashmatch load` and `cashmatch apply`, usable without the
// CLI. Apply runs one file through the whole loop:
//   map -> digest (idempotency key) -> already committed? stop
//   -> parse -> extract hints (parallel) -> load the book slice it names
//   -> match (pure) -> commit (one synced WriteBatch).
// A large file goes through the loop from "extract hints" on once per chunk
// of payments, after a first reading has checked all of it
// (ApplyOptions::chunk_payments). A bad file commits nothing; a file applied
// before changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/progress.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::io {

struct LoadResult {
  size_t customers_count = 0;
  size_t invoices_count = 0;
  size_t writes_count = 0;     // 1, or the chunks of a large load
  std::string abandoned_load;  // BookLoadStats::abandoned_load
  std::vector<std::string> warnings;
};

// Either path may be empty. The files are streamed: both are read and
// checked in full before anything is written, then upserted in one write,
// or in chunks for a large book (see Ledger::UpsertBook(const BookRows&)).
// `progress` is told of rows as they are read, in every pass, against the
// rows the load will read: at first the files' lines (less their headers,
// counted by a quick pass over the files when on_total is set) times
// BookRows::kPassesCount, then each file's rows once its first pass has
// counted them, and more when a load needs another pass.
// `other_unfinished`: see UpsertBook.
Result<LoadResult> LoadBookFiles(Ledger& ledger, const std::string& customers_path, const std::string& invoices_path,
                                 const ProgressHook& progress = {},
                                 OtherUnfinishedLoad other_unfinished = OtherUnfinishedLoad::kRefuse);

// One chunk of a file applied in chunks (ApplyOptions::chunk_payments).
struct ChunkCommitted {
  std::string path;
  size_t index = 0;              // 1-based, in file order
  size_t count = 0;              // chunks in the file
  bool already_applied = false;  // committed by an earlier, interrupted apply
  CommittedBatch batch;
  size_t payments_done = 0;   // payments of the file in this and earlier chunks
  size_t payments_total = 0;  // payments in the file
};

struct ApplyOptions {
  // The file's format; kAuto detects it from the content. Default: kAuto.
  SettlementFormat format = SettlementFormat::kAuto;
  // Skip bad records (writing them to `rejects_path`) instead of failing
  // the whole file. Default: false.
  bool skip_bad_records = false;
  // Where skipped records go, one JSON object per line (appended), account
  // numbers masked (MaskAccountsInRecord). Empty: "<file>.rejects.ndjson"
  // beside the input.
  std::string rejects_path;
  // A file with more payments than this is applied in chunks of this many
  // (NDJSON, BAI2, camt and MT940; Stripe listings are one bundle each), so
  // that apply's memory does not grow with the file. The whole file is
  // read and checked first: a bad record still commits nothing. Then each
  // chunk is matched and committed as its own batch, in file order (the
  // returns in the file go with the last chunk). Re-applying a file whose
  // apply was cut off commits only the chunks that are missing. 0: never
  // split. The same value gives the same ledger at any thread count.
  static constexpr size_t kDefaultChunkPayments = 16384;
  size_t chunk_payments = kDefaultChunkPayments;
  // Told after each chunk of a chunked file commits (or is found committed
  // by an earlier apply), for progress and a line per chunk; not called for
  // a file applied whole. An error stops the apply there — the chunks
  // after it are not committed — and is its result (ignored after the last
  // chunk: the file is in). Must be cheap.
  std::function<Status(const ChunkCommitted&)> on_chunk_committed;
};

// A record as read, for the rejects file, with every account number in it
// masked like the rest of cashmatch masks them ("****7788": at most the last
// four characters): JSON members whose name ends in "account", the BAI2 and
// MT940 account tags (DACT:, CACT:, BO:, Account:, :25:), camt <IBAN>,
// <BBAN> and <Othr><Id>, IBAN-shaped words anywhere, and the DFI account
// field of a NACHA entry record. Everything else is kept as it was.
std::string MaskAccountsInRecord(std::string_view record);

// The stages of ApplyPaymentFile, in order, for --timings.
enum class ApplyStage { kRead, kParse, kHints, kLoadBook, kMatch, kCommit };
inline constexpr size_t kApplyStageCount = 6;
inline constexpr const char* kApplyStageNames[kApplyStageCount] = {"read",      "parse", "hints",
                                                                   "load_book", "match", "commit"};

struct ApplyResult {
  std::string path;
  SettlementFormat format = SettlementFormat::kAuto;
  bool already_applied = false;  // the same content was committed before
  size_t rejected_count = 0;     // records skipped with skip_bad_records
  std::string rejects_path;      // where they were written
  CommittedBatch batch;
  size_t payments_count = 0;
  size_t applied_count = 0;
  size_t exception_count = 0;
  size_t duplicate_count = 0;
  size_t returns_count = 0;         // returns, refunds and disputes in the file
  size_t reversed_count = 0;        // of which found the payment they undo
  size_t released_count = 0;        // held amounts released by the batch
  size_t payouts_count = 0;         // Stripe payouts the batch records (0 or 1)
  size_t payouts_linked_count = 0;  // Stripe payouts linked to their bank line
  size_t chunks_count = 1;          // batches the file was committed as (ApplyOptions::chunk_payments)
  size_t chunks_resumed = 0;        // of which an earlier, interrupted apply had committed
  std::vector<std::string> warnings;
  // Wall seconds per stage (ApplyStage order), for `apply --timings`.
  std::array<double, kApplyStageCount> stage_seconds{};
};

Result<ApplyResult> ApplyPaymentFile(Ledger& ledger, const std::string& path, const Policy& policy,
                                     const HintExtractor& extractor, const MatchOptions& options,
                                     const ApplyOptions& apply_options = ApplyOptions());

// What `cashmatch release` did.
struct ReleaseResult {
  bool nothing_to_release = false;
  CommittedBatch batch;
  size_t holds_released = 0;
  std::vector<std::string> still_reconciling;  // invoices with cash held whose usage is not final yet
};

// Releases the cash held against usage invoices that are now final (loaded
// again with usage_status final), all or only `invoices`: one atomic batch
// of released/applied/unapplied/suppression events (see ReleaseHolds).
// Nothing to release commits nothing.
Result<ReleaseResult> ReleaseFinalHolds(Ledger& ledger, const Policy& policy, const std::set<std::string>& invoices);

}  // namespace cashmatch::io
