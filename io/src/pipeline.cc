#include "cashmatch/io/pipeline.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>

#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/mapped_file.h"
#include "cashmatch/io/payments_ndjson.h"

namespace cashmatch::io {

namespace {

// The progress of a load: rows read, over every pass UpsertBook makes,
// against the rows it will read. Until a file's first pass ends, its rows
// are estimated from its lines; from then on they are counted. Each file
// is read BookRows::kPassesCount times; a pass beyond those (a confirming
// look, ledger/load.cc) adds the file's rows to the total as it starts, so
// that a load that succeeds ends with the count at the total.
class LoadProgress {
 public:
  enum File : size_t { kCustomers = 0, kInvoices = 1 };

  explicit LoadProgress(const ProgressHook& hook) : hook_(hook) {}

  // Estimates the rows of `path`; told with the other file's by Start().
  void Estimate(File f, const std::string& path) {
    if (!hook_.on_total || path.empty()) return;  // nobody asks: spare the reading
    const uint64_t lines = CountFileLines(path);
    files_[f].rows = lines > 0 ? lines - 1 : 0;  // the header is no row
  }
  void Start() { TellTotal(); }

  // One pass over a file: `scan` reads it into the sink it is given, here
  // `sink` with a count of the rows on the way.
  template <typename Row, typename Scan>
  Status Pass(File f, const std::function<Status(Row&&)>& sink, const Scan& scan) {
    if (!hook_.on_total && !hook_.on_done) return scan(sink);
    FileRows& file = files_[f];
    if (++file.passes > BookRows::kPassesCount) TellTotal();
    ProgressCounter counter(hook_.on_done);
    Status s = scan([&](Row&& row) {
      counter.Add();
      return sink(std::move(row));
    });
    counter.Flush();
    if (file.passes == 1 && s.ok()) {
      file.rows = counter.count();
      TellTotal();
    }
    return s;
  }

 private:
  struct FileRows {
    uint64_t rows = 0;  // estimated until the first pass ends
    uint32_t passes = 0;
  };

  void TellTotal() {
    uint64_t total = 0;
    for (const FileRows& f : files_) total += f.rows * std::max(f.passes, BookRows::kPassesCount);
    if (hook_.on_total && total != told_) hook_.on_total(total);
    told_ = total;
  }

  const ProgressHook& hook_;
  std::array<FileRows, 2> files_{};
  uint64_t told_ = UINT64_MAX;
};

}  // namespace

Result<LoadResult> LoadBookFiles(Ledger& ledger, const std::string& customers_path, const std::string& invoices_path,
                                 const ProgressHook& progress, OtherUnfinishedLoad other_unfinished) {
  LoadResult result;
  BookRows rows;
  LoadProgress rows_read(progress);
  // The load reads each file more than once; header warnings are kept from
  // the first reading only.
  bool customers_read = false;
  bool invoices_read = false;
  if (!customers_path.empty()) {
    rows.customers_source = customers_path;
    rows_read.Estimate(LoadProgress::kCustomers, customers_path);
    rows.customers = [&](const std::function<Status(Customer &&)>& sink) {
      std::vector<std::string>* warnings = customers_read ? nullptr : &result.warnings;
      customers_read = true;
      return rows_read.Pass(LoadProgress::kCustomers, sink, [&](const std::function<Status(Customer &&)>& counted) {
        return ScanCustomersCsv(customers_path, ledger.fingerprinter(), warnings, counted);
      });
    };
  }
  if (!invoices_path.empty()) {
    rows.invoices_source = invoices_path;
    rows_read.Estimate(LoadProgress::kInvoices, invoices_path);
    rows.invoices = [&](const std::function<Status(Invoice &&)>& sink) {
      std::vector<std::string>* warnings = invoices_read ? nullptr : &result.warnings;
      invoices_read = true;
      return rows_read.Pass(LoadProgress::kInvoices, sink, [&](const std::function<Status(Invoice &&)>& counted) {
        return ScanInvoicesCsv(invoices_path, warnings, counted);
      });
    };
  }
  rows_read.Start();
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

namespace {

// Hints, book, match and commit for one batch (a file, or a chunk of one);
// adds what it did to `result`.
Result<CommittedBatch> MatchAndCommit(Ledger& ledger, const SettlementBatch& batch, const Policy& policy,
                                      const HintExtractor& extractor, const MatchOptions& options, StageClock& clock,
                                      ApplyResult* result) {
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
  result->payments_count += batch.payments.size();
  result->applied_count += outcome.applied_count;
  result->exception_count += outcome.exception_count;
  result->duplicate_count += outcome.duplicate_count;
  result->returns_count += batch.reversals.size();
  result->reversed_count += outcome.reversal_count;
  for (const Event& e : outcome.events) result->released_count += e.type == EventType::kReleased ? 1 : 0;
  result->payouts_count += batch.payout.has_value() ? 1 : 0;
  result->payouts_linked_count += outcome.payout_linked_count;
  return record;
}

// The file's batches as one: the last one's name, all their events.
void AddCommitted(const CommittedBatch& b, bool first, CommittedBatch* all) {
  if (first) {
    *all = b;
    return;
  }
  all->batch_id = b.batch_id;
  all->last_seq = b.last_seq;
  all->payment_count += b.payment_count;
}

// What the first reading of a file found: how many payments, and whether
// they filled at least one chunk (then the file is applied in chunks).
struct FirstReading {
  size_t full_chunks = 0;
  size_t payments_in_chunks = 0;
};

}  // namespace

Result<ApplyResult> ApplyPaymentFile(Ledger& ledger, const std::string& path, const Policy& policy,
                                     const HintExtractor& extractor, const MatchOptions& options,
                                     const ApplyOptions& apply_options) {
  ApplyResult result;
  result.path = path;
  StageClock clock(&result.stage_seconds);
  auto file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  const std::string_view data = file.value().data();
  result.format = apply_options.format == SettlementFormat::kAuto ? DetectSettlementFormat(data) : apply_options.format;
  // A file's identity is its content: the same bytes are the same batch.
  // A file applied in chunks has this key on its last chunk, which commits
  // last: the key is there only when the whole file is.
  const std::string digest = Sha256Hex(data);
  std::string key = "sha256:" + digest;
  auto seen = AlreadyCommitted(ledger, key, &result);
  if (!seen.ok()) return seen.status();
  if (seen.value()) return result;
  clock.Lap(ApplyStage::kRead);
  // The first reading checks the whole file. A file that fills a chunk is
  // not kept: its chunks are only counted, and read again below.
  ParseOptions parse_options;
  parse_options.skip_bad_records = apply_options.skip_bad_records;
  parse_options.sha256_hex = digest;  // readers derive ids from it: hashed once
  parse_options.bai2_text = &policy.bai2;  // the policy's BAI2 bank profiles ([bai2])
  FirstReading first;
  if (apply_options.chunk_payments > 0) {
    parse_options.chunk_payments = apply_options.chunk_payments;
    parse_options.on_chunk = [&first, &file](SettlementBatch& chunk) {
      ++first.full_chunks;
      first.payments_in_chunks += chunk.payments.size();
      file.value().ReleaseResidentPages();  // read and checked: not needed until the second reading
      return Status::Ok();
    };
  }
  auto parsed = ParseSettlement(path, data, result.format, ledger.fingerprinter(), parse_options);
  if (!parsed.ok()) return parsed.status();
  ParsedSettlement& ps = parsed.value();
  result.warnings = std::move(ps.warnings);
  // A Stripe payout is one batch whatever file it arrives in: its id is the key.
  if (ps.batch.payout.has_value()) {
    key = "stripe:" + ps.batch.payout->payout_id;
    seen = AlreadyCommitted(ledger, key, &result);
    if (!seen.ok()) return seen.status();
    if (seen.value()) return result;
  }
  const std::string batch_id =
      ps.batch.payout.has_value() ? "b-" + ps.batch.payout->payout_id : "b-" + digest.substr(0, 16);
  if (!ps.rejects.empty()) {
    result.rejects_path = apply_options.rejects_path.empty() ? path + ".rejects.ndjson" : apply_options.rejects_path;
    CASHMATCH_RETURN_IF_ERROR(WriteRejects(result.rejects_path, path, ps.rejects));
    result.rejected_count = ps.rejects.size();
  }
  clock.Lap(ApplyStage::kParse);
  if (first.full_chunks == 0) {
    SettlementBatch& batch = ps.batch;
    batch.idempotency_key = key;
    batch.batch_id = batch_id;
    auto record = MatchAndCommit(ledger, batch, policy, extractor, options, clock, &result);
    if (!record.ok()) return record.status();
    result.batch = record.value();
    return result;
  }
  // In chunks: the file is read a second time, and each chunk the reader
  // hands over is matched and committed before it reads on. The last chunk
  // (the payments after the last full one, and the returns) carries the
  // file's key.
  const size_t chunk_count = first.full_chunks + 1;
  const size_t payments_total = first.payments_in_chunks + ps.batch.payments.size();
  ps = ParsedSettlement();  // the second reading gives the last chunk again
  result.chunks_count = chunk_count;
  size_t index = 0;
  size_t payments_done = 0;
  auto commit_chunk = [&](SettlementBatch& chunk) -> Status {
    clock.Lap(ApplyStage::kParse);
    ++index;
    chunk.idempotency_key = index == chunk_count ? key : key + "#" + std::to_string(index);
    chunk.batch_id = batch_id + "-" + std::to_string(index);
    payments_done += chunk.payments.size();
    ChunkCommitted done{path, index, chunk_count, false, {}, payments_done, payments_total};
    ApplyResult earlier;
    auto committed = AlreadyCommitted(ledger, chunk.idempotency_key, &earlier);
    if (!committed.ok()) return committed.status();
    if (committed.value()) {  // an apply of this file was cut off after this chunk
      done.already_applied = true;
      done.batch = earlier.batch;
      ++result.chunks_resumed;
      result.payments_count += chunk.payments.size();
    } else {
      auto record = MatchAndCommit(ledger, chunk, policy, extractor, options, clock, &result);
      if (!record.ok()) return record.status();
      done.batch = record.value();
    }
    file.value().ReleaseResidentPages();  // the file's bytes need not stay in this process's memory
    AddCommitted(done.batch, index == 1, &result.batch);
    if (!apply_options.on_chunk_committed) return Status::Ok();
    Status told = apply_options.on_chunk_committed(done);
    return index == chunk_count ? Status::Ok() : told;
  };
  // Only a file written to while it is applied reads differently twice:
  // its chunks must never take the key that says the whole file is in.
  auto changed = [&] {
    return Status::IOError(path + ": the file changed while it was being applied (" + std::to_string(index) +
                           " chunks committed); apply it again once it is complete");
  };
  parse_options.on_chunk = [&](SettlementBatch& chunk) {
    return index + 1 < chunk_count ? commit_chunk(chunk) : changed();
  };
  auto again = ParseSettlement(path, data, result.format, ledger.fingerprinter(), parse_options);
  if (!again.ok()) return again.status();
  if (index + 1 != chunk_count) return changed();
  CASHMATCH_RETURN_IF_ERROR(commit_chunk(again.value().batch));
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
