// NACHA ACH files, read for their return entries (an entry detail record
// followed by a `799` return addenda): each becomes a Reversal of the
// payment whose trace number the addenda names. Records are 94 fixed-width
// characters; positions below are NACHA's 1-based ones.
//
//   1 file header    24-29 creation date YYMMDD
//   5 batch header   5-20 company name, 51-53 SEC code, 70-75 effective date
//   6 entry detail   2-3 transaction code, 4-11 RDFI routing, 13-29 account,
//                    30-39 amount in cents, 55-76 name, 79 addenda flag, 80-94 trace
//   7 addenda 99     4-6 return reason, 7-21 original trace, 36-79 information
//   8 batch control  5-10 entry/addenda count, 11-20 entry hash,
//                    21-32 total debits, 33-44 total credits
//   9 file control   the same totals for the file (22-31 hash, 32-43, 44-55)
// Control totals that do not add up are warnings, as in BAI2.
#include <optional>

#include "cashmatch/io/settlement.h"
#include "parsers.h"
#include "reader_util.h"

namespace cashmatch::io {
namespace {

constexpr size_t kRecordLength = 94;

std::string_view Field(std::string_view rec, size_t from, size_t to) {  // 1-based, inclusive
  return rec.substr(from - 1, to - from + 1);
}

bool Digits(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<Date> Yymmdd(std::string_view s) {
  int64_t v = 0;
  if (s.size() != 6 || !Digits(s, &v)) return std::nullopt;
  Date d;
  if (!MakeDate(2000 + static_cast<int>(v / 10000), static_cast<int>(v / 100 % 100), static_cast<int>(v % 100), &d)) {
    return std::nullopt;
  }
  return d;
}

struct Totals {
  int64_t entries_and_addenda = 0, hash = 0, debit = 0, credit = 0;
};

class NachaReader {
 public:
  NachaReader(const std::string& name, const ParseOptions& options, ParsedSettlement* out)
      : name_(name), options_(options), out_(out) {}

  Status Record(std::string_view rec, uint32_t line) {
    where_ = name_ + ":" + std::to_string(line);
    line_ = line;
    if (done_) {
      if (rec.find_first_not_of('9') == std::string_view::npos) return Status::Ok();  // block fill
      return Bad("record", "content after the file control record");
    }
    switch (rec[0]) {
      case '1': return FileHeader(rec);
      case '5': return BatchHeader(rec);
      case '6': return Entry(rec);
      case '7': return Addenda(rec);
      case '8': return BatchControl(rec);
      case '9': return FileControl(rec);
      default: return Bad("record type", "unknown record type '" + std::string(1, rec[0]) + "'");
    }
  }

  Status Finish() {
    if (!seen_header_) return Status::InvalidInput(name_ + ": empty file, expected a NACHA file header (1)");
    if (!done_) return Status::InvalidInput(name_ + ": truncated: no file control record (9)");
    return Status::Ok();
  }

 private:
  Status Bad(const char* field, const std::string& why) const {
    return Status::InvalidInput(where_ + ": field '" + field + "': " + why);
  }

  Status FileHeader(std::string_view rec) {
    if (seen_header_) return Bad("record type", "a second file header");
    seen_header_ = true;
    created_ = Yymmdd(Field(rec, 24, 29));
    return Status::Ok();
  }

  Status BatchHeader(std::string_view rec) {
    if (!seen_header_) return Bad("record type", "batch header before the file header");
    if (in_batch_) return Bad("record type", "batch header inside a batch (no batch control)");
    in_batch_ = true;
    batch_ = Totals();
    company_ = Trim(Field(rec, 5, 20));
    sec_ = Trim(Field(rec, 51, 53));
    effective_ = Yymmdd(Field(rec, 70, 75));
    if (!effective_) effective_ = created_;
    ++batches_;
    return Status::Ok();
  }

  Status Entry(std::string_view rec) {
    if (!in_batch_) return Bad("record type", "entry detail outside a batch");
    CASHMATCH_RETURN_IF_ERROR(FlushEntry());
    int64_t amount = 0, tx = 0, routing = 0;
    if (!Digits(Field(rec, 2, 3), &tx)) return Bad("transaction code", "expected two digits");
    if (!Digits(Field(rec, 30, 39), &amount)) {
      return Bad("amount", "expected ten digits of cents, got '" + std::string(Field(rec, 30, 39)) + "'");
    }
    if (!Digits(Field(rec, 4, 11), &routing)) return Bad("routing", "expected eight digits");
    Count(1, routing, tx, amount);
    PendingEntry e;
    e.tx = tx;
    e.amount = amount;
    e.name = Trim(Field(rec, 55, 76));
    e.trace = Trim(Field(rec, 80, 94));
    e.line = line_;
    e.raw = std::string(rec);
    entry_ = std::move(e);
    return Status::Ok();
  }

  Status Addenda(std::string_view rec) {
    if (!entry_) return Bad("record type", "addenda without an entry detail");
    Count(1, 0, 0, 0);
    if (Field(rec, 2, 3) != "99") return Status::Ok();  // 05 payment info, 98 NOC: not returns
    entry_->reason = Trim(Field(rec, 4, 6));
    entry_->original_trace = Trim(Field(rec, 7, 21));
    entry_->info = Trim(Field(rec, 36, 79));
    entry_->is_return = true;
    return Status::Ok();
  }

  Status BatchControl(std::string_view rec) {
    if (!in_batch_) return Bad("record type", "batch control outside a batch");
    CASHMATCH_RETURN_IF_ERROR(FlushEntry());
    in_batch_ = false;
    CheckTotals("batch control", rec, {5, 10}, {11, 20}, {21, 32}, {33, 44}, batch_);
    return Status::Ok();
  }

  Status FileControl(std::string_view rec) {
    if (in_batch_) return Bad("record type", "file control inside a batch (no batch control)");
    done_ = true;
    int64_t batches = 0;
    if (Digits(Field(rec, 2, 7), &batches) && batches != batches_) {
      out_->warnings.push_back(where_ + ": file control: batch count says " + std::to_string(batches) + ", found " +
                               std::to_string(batches_));
    }
    CheckTotals("file control", rec, {14, 21}, {22, 31}, {32, 43}, {44, 55}, file_);
    return Status::Ok();
  }

  void Count(int64_t records, int64_t routing, int64_t tx, int64_t amount) {
    for (Totals* t : {&batch_, &file_}) {
      t->entries_and_addenda += records;
      t->hash = (t->hash + routing) % 10000000000LL;
      // Transaction codes ending in 5-9 are debits; 0-4 credits.
      if (routing != 0) (tx % 10 >= 5 ? t->debit : t->credit) += amount;
    }
  }

  void CheckTotals(const char* what, std::string_view rec, std::pair<size_t, size_t> count,
                   std::pair<size_t, size_t> hash, std::pair<size_t, size_t> debit, std::pair<size_t, size_t> credit,
                   const Totals& t) {
    const std::pair<const char*, std::pair<int64_t, std::pair<size_t, size_t>>> checks[] = {
        {"entry/addenda count", {t.entries_and_addenda, count}},
        {"entry hash", {t.hash, hash}},
        {"total debits", {t.debit, debit}},
        {"total credits", {t.credit, credit}}};
    for (const auto& [label, check] : checks) {
      int64_t stated = 0;
      if (!Digits(Field(rec, check.second.first, check.second.second), &stated) || stated != check.first) {
        out_->warnings.push_back(where_ + ": " + what + ": " + label + " says '" +
                                 std::string(Field(rec, check.second.first, check.second.second)) + "', found " +
                                 std::to_string(check.first));
      }
    }
  }

  struct PendingEntry {
    int64_t tx = 0, amount = 0;
    std::string name, trace;
    uint32_t line = 0;
    std::string raw;
    bool is_return = false;
    std::string reason, original_trace, info;
  };

  // An entry is complete when the next entry or the batch control comes.
  Status FlushEntry() {
    if (!entry_) return Status::Ok();
    PendingEntry e = std::move(*entry_);
    entry_.reset();
    if (!e.is_return) {
      out_->warnings.push_back(name_ + ":" + std::to_string(e.line) + ": entry " + e.trace +
                               " is not a return; NACHA files are read for their returns only");
      return Status::Ok();
    }
    if (e.amount <= 0) {
      Status bad = Status::InvalidInput(name_ + ":" + std::to_string(e.line) + ": field 'amount': a return of nothing");
      if (!options_.skip_bad_records) return bad;
      out_->rejects.push_back(Reject{e.line, e.raw, bad.message()});
      return Status::Ok();
    }
    Reversal r;
    r.reversal_id = "ach-" + e.trace;
    r.kind = ReversalKind::kAchReturn;
    r.original_reference = e.original_trace;
    r.amount_minor = e.amount;
    r.currency = Currency::Find("USD");
    r.value_date = effective_.value_or(Date());
    r.reason_code = e.reason;
    r.text = e.name + " " + e.reason + " " + sec_ + " " + company_ + (e.info.empty() ? "" : " " + e.info);
    r.source_line = e.line;
    out_->batch.reversals.push_back(std::move(r));
    return Status::Ok();
  }

  const std::string& name_;
  const ParseOptions& options_;
  ParsedSettlement* out_;
  std::string where_;
  uint32_t line_ = 0;
  bool seen_header_ = false, in_batch_ = false, done_ = false;
  std::optional<Date> created_, effective_;
  std::string company_, sec_;
  int64_t batches_ = 0;
  Totals batch_, file_;
  std::optional<PendingEntry> entry_;
};

}  // namespace

Result<ParsedSettlement> ParseNacha(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options) {
  (void)fp;  // returns name the original trace, not an account to fingerprint
  ParsedSettlement out;
  out.batch.source_name = name;
  NachaReader reader(name, options, &out);
  size_t pos = 0;
  uint32_t line = 0;
  // Lines end in LF or CRLF; a file with no line ends is cut every 94 bytes.
  const bool unbroken = data.find('\n') == std::string_view::npos;
  while (pos < data.size()) {
    ++line;
    size_t end = unbroken ? std::min(pos + kRecordLength, data.size()) : data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view rec = data.substr(pos, end - pos);
    pos = unbroken ? end : end + 1;
    if (!rec.empty() && rec.back() == '\r') rec.remove_suffix(1);
    if (rec.find_first_not_of(' ') == std::string_view::npos) continue;
    if (rec.size() > kRecordLength) {
      return Status::InvalidInput(name + ":" + std::to_string(line) + ": record is " + std::to_string(rec.size()) +
                                  " characters, NACHA records are 94");
    }
    // Some systems strip trailing blanks: pad back to the fixed width.
    std::string padded(rec);
    padded.resize(kRecordLength, ' ');
    CASHMATCH_RETURN_IF_ERROR(reader.Record(padded, line));
  }
  CASHMATCH_RETURN_IF_ERROR(reader.Finish());
  return out;
}

}  // namespace cashmatch::io
