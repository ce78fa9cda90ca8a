// File: io/src/bai2.cc
//
// BAI2 (Cash Management Balance Reporting Specifications, Version 2) read
// into one SettlementBatch. Credits become Payments, returns become
// Reversals, and every other amount only counts toward the control totals.
// Field reference: tests/corpus/FORMATS.md §2; contract: settlement.h.
//
// A file flows through here in one pass:
//   1. Physical lines are cut into segments. A segment starts at a line
//      start or after '/' + blanks + a known record code and ',' (several
//      records on one line). A line that does not start with a record code
//      continues the record before it (a record broken across lines).
//   2. Segments are gathered into logical records: a record plus its 88
//      continuations and broken-line pieces, one Piece each, as views into
//      the caller's buffer (no copy).
//   3. When the next record starts, the gathered one is interpreted.
//      Headers and trailers drive a state machine (01 → 02 → 03 → 16* → 49
//      … 98 … 99) that also sums the control totals; a 16 is classified by
//      its type code into a Payment, a Reversal or nothing.
//
// Tolerated, because real files do it: no '/' at all; '/' inside references
// and text; `88:` for `88,`; trailing blanks and fixed-length padding; an
// empty slot where an 03 type code would be (blank summary groups, trailing
// commas); control totals that do not add up (a warning, not an error).
//
// Not tolerated (errors naming file, line, record and field): a missing 99,
// records out of order, unknown record codes, bad amounts, dates, funds
// types and currency codes.
#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank_text.h"
#include "cashmatch/engine/money.h"
#include "id_set.h"
#include "parsers.h"
#include "reader_util.h"

namespace cashmatch::io {
namespace {

constexpr int kFileHeader = 1;
constexpr int kGroupHeader = 2;
constexpr int kAccountHeader = 3;
constexpr int kDetail = 16;
constexpr int kAccountTrailer = 49;
constexpr int kContinuation = 88;
constexpr int kGroupTrailer = 98;
constexpr int kFileTrailer = 99;

// When the 01 header gives no physical record length, 80 is the usual one
// (the NWB sample breaks a word at exactly 80 characters).
constexpr size_t kDefaultRecordLength = 80;
// A declared physical record length above this is not believed.
constexpr size_t kRecordLengthMax = 99999;
// Field text quoted in messages is cut to this many characters.
constexpr size_t kQuoteLengthMax = 40;
// The batch's payments are reserved once this many are read, from how
// densely they came (Bai2Parser::ReserveFromSoFar), and never for more than
// kReserveCountMax up front.
constexpr size_t kReserveAfterCount = 1024;
constexpr uint64_t kReserveCountMax = uint64_t{1} << 24;
// Item counts, record counts and distribution counts: at most this many digits.
constexpr size_t kCountDigitsMax = 18;
// ACH return reasons run R01 … R85.
constexpr int kAchReasonMax = 85;

// BAI2 separates words with spaces and tabs only (lines are split first).
bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z'); }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool ParseCount(std::string_view s, uint64_t* out) {
  if (!AllDigits(s) || s.size() > kCountDigitsMax) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  *out = v;
  return true;
}

// YYMMDD, years 2000–2099 (BAI2 has no century).
bool ParseYymmdd(std::string_view s, Date* out) {
  if (s.size() != 6 || !AllDigits(s)) return false;
  auto two = [&](size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); };
  return MakeDate(2000 + two(0), two(2), two(4), out);
}

std::string Quote(std::string_view s) { return QuoteClipped(s, kQuoteLengthMax); }

std::string CodeName(int code) {
  assert(code >= 0);
  assert(code <= 99);
  return std::string{static_cast<char>('0' + code / 10), static_cast<char>('0' + code % 10)};
}

bool IsKnownCode(int code) {
  switch (code) {
    case kFileHeader:
    case kGroupHeader:
    case kAccountHeader:
    case kDetail:
    case kAccountTrailer:
    case kContinuation:
    case kGroupTrailer:
    case kFileTrailer: return true;
    default: return false;
  }
}

// Where a record starts in `s` at `pos`: two digits and ',' ("88:" too, a
// variant seen in the wild), or a whole line of two digits and '/' (a
// record without fields). Returns the code and sets `*width` to the length
// of the prefix, or returns 0. `*unknown` is set for two digits and ','
// that are no BAI2 record code.
int CodeAt(std::string_view s, size_t pos, bool line_start, size_t* width, bool* unknown) {
  *unknown = false;
  if (pos + 3 > s.size() || !IsDigit(s[pos]) || !IsDigit(s[pos + 1])) return 0;
  int code = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  char sep = s[pos + 2];
  bool empty_record = line_start && sep == '/' && pos + 3 == s.size();  // "99/" alone; "16/03/23 …" is text
  bool starts = sep == ',' || (code == kContinuation && sep == ':') || empty_record;
  if (!starts) return 0;
  if (!IsKnownCode(code)) {
    *unknown = sep == ',';
    return 0;
  }
  *width = sep == '/' ? 2 : 3;
  return code;
}

// Finds where each line ends: the first '\r' or '\n'. Each of the two is
// searched with memchr and its position remembered until the scan passes
// it, so a file is scanned about twice in all, whatever its line endings
// (std::string_view::find_first_of would call memchr on the two-character
// set once per byte).
class LineEnds {
 public:
  explicit LineEnds(std::string_view data) : end_(data.data() + data.size()) {}

  // The offset in `rest` (a suffix of the data) of its first '\r' or '\n',
  // or npos.
  size_t Next(std::string_view rest) {
    const char* from = rest.data();
    const char* found = std::min(Find(from, '\r', &next_cr_), Find(from, '\n', &next_lf_));
    return found == end_ ? std::string_view::npos : static_cast<size_t>(found - from);
  }

 private:
  // The first `c` at or after `from` (end_ when none), from the cache when
  // it is still ahead.
  const char* Find(const char* from, char c, const char** cached) const {
    if (*cached != nullptr && *cached >= from) return *cached;
    const void* hit = std::memchr(from, c, static_cast<size_t>(end_ - from));
    *cached = hit == nullptr ? end_ : static_cast<const char*>(hit);
    return *cached;
  }

  const char* end_;
  const char* next_cr_ = nullptr;
  const char* next_lf_ = nullptr;
};

// One piece of a logical record: its own body, an 88, or a line that
// continues it without a record code.
struct Piece {
  std::string_view raw;      // the segment as read, for rejects
  std::string_view content;  // after the record code, without the '/' that ends it
  uint32_t line = 0;
  bool is_88 = false;  // an 88 counts as a record in the trailers' counts; a broken line does not
  // The segment fills the physical record length and has no '/': the text
  // runs straight on into the next piece (a word may be split there).
  bool full = false;
};

struct Record {
  int code = 0;
  uint32_t line = 0;
  std::vector<Piece> pieces;  // [0] is the record's own body

  uint64_t records_count() const {
    uint64_t n = 1;
    for (const Piece& p : pieces) n += p.is_88 ? 1 : 0;
    return n;
  }
};

struct TextPiece {
  std::string_view text;
  bool full = false;
};

// Reads comma-separated fields across a record's pieces: a piece boundary
// is a field boundary (an 88 continues with the next field).
class FieldCursor {
 public:
  explicit FieldCursor(const std::vector<Piece>& pieces) : pieces_(pieces) {
    assert(!pieces.empty());
    line_ = pieces.front().line;
    Enter(0);
  }

  // The next field, or false when the record has no more.
  bool Next(std::string_view* out) {
    while (piece_ < pieces_.size() && !has_field_) Enter(piece_ + 1);
    if (piece_ >= pieces_.size()) return false;
    std::string_view c = pieces_[piece_].content;
    assert(pos_ <= c.size());
    line_ = pieces_[piece_].line;
    size_t comma = c.find(',', pos_);
    if (comma == std::string_view::npos) {
      *out = c.substr(pos_);
      has_field_ = false;
    } else {
      *out = c.substr(pos_, comma - pos_);
      pos_ = comma + 1;
    }
    return true;
  }

  // True when the field just read was the last one of its piece.
  bool AtPieceEnd() const { return !has_field_; }

  // The rest of the record as text: the remainder of the current piece when
  // a field starts there, then every later piece whole (the text field of a
  // 16 runs to the end of the record and through its 88s).
  void RestAsText(std::vector<TextPiece>* out) {
    size_t next = piece_ + 1;
    if (piece_ < pieces_.size() && has_field_) {
      out->push_back(TextPiece{pieces_[piece_].content.substr(pos_), pieces_[piece_].full});
    }
    for (size_t i = next; i < pieces_.size(); ++i) out->push_back(TextPiece{pieces_[i].content, pieces_[i].full});
    piece_ = pieces_.size();
    has_field_ = false;
  }

  // The line of the field read last (for messages).
  uint32_t line() const { return line_; }

 private:
  void Enter(size_t i) {
    piece_ = i;
    pos_ = 0;
    has_field_ = i < pieces_.size() && !pieces_[i].content.empty();
  }

  const std::vector<Piece>& pieces_;
  size_t piece_ = 0;
  size_t pos_ = 0;
  bool has_field_ = false;
  uint32_t line_ = 0;
};

// Text pieces joined with one blank, each trimmed; a piece that filled its
// physical record is glued to the next without one, because the bank cut
// the text at the length limit, not at a word boundary (NWB: "CLIE" + "NT").
// Appends to `*out`, which the caller reuses from one record to the next.
void JoinText(const std::vector<TextPiece>& pieces, std::string* out_text) {
  std::string& out = *out_text;
  bool glue = false;
  for (const TextPiece& p : pieces) {
    std::string_view t = TrimRight(p.text);
    if (!glue || (!t.empty() && IsSpaceOrTab(t.front()))) {
      t = Trim(t);
      glue = false;
    }
    if (t.empty()) continue;
    if (!out.empty() && !glue) out.push_back(' ');
    out.append(t);
    glue = p.full;
  }
}

// The value of a `TAG:` hint in the text (GS "DBNM: TEST INC", Citi
// "BO:11111111 BO1:DOE JO"). A tag starts a piece or follows a blank or a
// ','; its value runs to the next upper-case tag (" XX:") or the piece end.
std::string_view NextTagStart(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (!IsSpaceOrTab(s[i])) continue;
    size_t j = i + 1;
    while (j < s.size() && (IsUpper(s[j]) || (j > i + 1 && IsDigit(s[j])))) ++j;
    size_t len = j - (i + 1);
    if (len >= 2 && j < s.size() && s[j] == ':') return s.substr(0, i);
  }
  return s;
}

// `colon`: the tag is `tag` followed by ':' (a profile label, "DBNM").
std::string_view FindTag(const std::vector<TextPiece>& pieces, std::string_view tag, bool colon = false) {
  for (const TextPiece& p : pieces) {
    std::string_view s = p.text;
    for (size_t pos = s.find(tag); pos != std::string_view::npos; pos = s.find(tag, pos + 1)) {
      if (pos > 0 && !IsSpaceOrTab(s[pos - 1]) && s[pos - 1] != ',') continue;
      size_t start = pos + tag.size();
      if (colon) {
        if (start >= s.size() || s[start] != ':') continue;
        ++start;
      }
      std::string_view value = Trim(NextTagStart(s, start).substr(start));
      if (!value.empty()) return value;
    }
  }
  return {};
}

// The first tag of `role` in the profile's order that has a value.
std::string_view FindRoleTag(const std::vector<TextPiece>& pieces, const BankTextProfile& profile, BankTextRole role) {
  for (const BankTextTag& t : profile.tags) {
    if (t.role != role) continue;
    std::string_view v = FindTag(pieces, t.label, /*colon=*/true);
    if (!v.empty()) return v;
  }
  return {};
}

// An ACH return reason R01 … R85 standing as a word of its own.
std::string FindAchReason(std::string_view text) {
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    if (text[i] != 'R' || !IsDigit(text[i + 1]) || !IsDigit(text[i + 2])) continue;
    if (i > 0 && IsAlnum(text[i - 1])) continue;
    if (i + 3 < text.size() && IsAlnum(text[i + 3])) continue;
    int n = (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
    if (n >= 1 && n <= kAchReasonMax) return std::string(text.substr(i, 3));
  }
  return {};
}

// The reference of the item a return undoes, when the text names it
// (GS: "Return of Client Ref ID: 021000080000030").
std::string FindOriginalReference(std::string_view text) {
  constexpr std::string_view kLabel = "Return of Client Ref ID:";
  size_t p = text.find(kLabel);
  if (p == std::string_view::npos) return {};
  p += kLabel.size();
  while (p < text.size() && IsSpaceOrTab(text[p])) ++p;
  size_t end = text.find_first_of(", \"", p);
  return std::string(text.substr(p, end == std::string_view::npos ? std::string_view::npos : end - p));
}

// An account hint is taken only when it has at least four digits
// (GS also writes control-account names there: "ACHCONTROLINUSD01").
bool LooksLikeAccount(std::string_view s) {
  int digits = 0;
  for (char c : s) digits += IsDigit(c) ? 1 : 0;
  return digits >= 4;
}

// Tags whose value is an account number. The remittance and return texts
// keep the tag but show the number masked: account numbers are never
// stored in clear (domain.h). Routing numbers (DABA, CABA) are not secret.
constexpr std::array<std::string_view, 4> kAccountTags = {"DACT:", "CACT:", "BO:", "Account:"};

// One pass, so that a text full of tags stays linear.
std::string RedactAccounts(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool at_word = i == 0 || IsSpaceOrTab(text[i - 1]) || text[i - 1] == ',';
    std::string_view tag;
    for (std::string_view t : kAccountTags) {
      if (at_word && text.substr(i, t.size()) == t) tag = t;
    }
    if (tag.empty()) {
      out.push_back(text[i++]);
      continue;
    }
    out.append(tag);
    i += tag.size();
    while (i < text.size() && IsSpaceOrTab(text[i])) out.push_back(text[i++]);
    std::string_view token = AccountToken(text.substr(i));
    out.append(LooksLikeAccount(token) ? MaskAccount(token) : std::string(token));
    i += token.size();
  }
  return out;
}

// Returns and rejects: money moving back, never a new customer payment.
// 255/261 are not in the issue's list; they are the same kind of item
// ("Check Return", "ACH Credit Reject" in the GS sample), so a payment
// would let the matcher apply them to invoices.
struct ReturnCode {
  int type_code;
  ReversalKind kind;
};
constexpr std::array<ReturnCode, 7> kReturnCodes = {{
    {255, ReversalKind::kReturnedCheck},  // check posted and returned (credit)
    {257, ReversalKind::kAchReturn},      // individual ACH return item (credit)
    {258, ReversalKind::kAchReturn},      // ACH reversal credit
    {261, ReversalKind::kAchReturn},      // individual rejected credit
    {266, ReversalKind::kReturnedCheck},  // return item (credit)
    {555, ReversalKind::kReturnedCheck},  // deposited item returned (debit)
    {557, ReversalKind::kAchReturn},      // individual ACH return item (debit)
}};

PaymentSource SourceOf(int type_code) {
  switch (type_code) {
    case 195:
    case 196:
    case 206:
    case 208: return PaymentSource::kWire;
    case 142:
    case 165:
    case 166:
    case 169: return PaymentSource::kAch;
    case 115:
    case 116:
    case 175:
    case 301: return PaymentSource::kCheck;
    default: return PaymentSource::kOther;
  }
}

// One 16 record as read. The parser keeps one and reuses it for every
// record, so its vector and string keep their capacity.
struct Detail {
  int type_code = 0;
  int64_t amount_minor = 0;
  std::optional<Date> value_date;  // funds type V
  std::string_view bank_reference;
  std::string_view customer_reference;
  std::vector<TextPiece> text_pieces;
  std::string text;
  // Some text piece holds a ':'. Every tag (DACT:, BO1:, EREF: …) and the
  // return label end with one, so without it there is nothing to redact or
  // look up, and those scans are skipped.
  bool has_colon = false;

  void Clear() {
    type_code = 0;
    amount_minor = 0;
    value_date.reset();
    bank_reference = {};
    customer_reference = {};
    text_pieces.clear();
    text.clear();
    has_colon = false;
  }
};

// Where the parser stands in the file's nesting.
enum class Level : uint8_t { kNone, kFile, kGroup, kAccount, kDone };

const char* LevelName(Level l) {
  switch (l) {
    case Level::kNone: return "before the 01 file header";
    case Level::kFile: return "outside any group";
    case Level::kGroup: return "inside a group but outside any account";
    case Level::kAccount: return "inside an open account";
    case Level::kDone: return "after the 99 file trailer";
  }
  return "";
}

class Bai2Parser {
 public:
  Bai2Parser(const std::string& name, std::string_view data, const Fingerprinter& fp, const ParseOptions& options)
      : name_(name),
        data_(data),
        accounts_(fp),
        options_(options),
        text_policy_(options.bai2_text != nullptr ? *options.bai2_text : DefaultTextPolicy()) {
    out_.batch.source_name = name;
    legacy_ = text_policy_.Find("gs");
    us_ = text_policy_.Find("us");
    if (legacy_ == nullptr) legacy_ = DefaultTextPolicy().Find("gs");
    if (text_policy_.profile != "auto") file_profile_ = text_policy_.Find(text_policy_.profile);
  }

  Result<ParsedSettlement> Run();

 private:
  // Lexing.
  Status ScanLine(std::string_view line, uint32_t line_no);
  Status AddSegment(int code, std::string_view segment, size_t width, uint32_t line_no);
  Status MakePiece(int parent_code, std::string_view segment, size_t width, uint32_t line_no, Piece* out) const;
  Status Dispatch(const Record& r);

  // Records.
  Status OnFileHeader(const Record& r);
  Status OnGroupHeader(const Record& r);
  Status OnAccountHeader(const Record& r);
  Status ReadAccountGroups(FieldCursor& c);
  Status OnDetail(const Record& r);
  Status ParseDetail(const Record& r, Detail* d);
  Status ReadFundsType(FieldCursor& c, int code, std::optional<Date>* value_date);
  Status ReadDistribution(FieldCursor& c, int code);
  Status OnAccountTrailer(const Record& r);
  Status OnGroupTrailer(const Record& r);
  Status OnFileTrailer(const Record& r);
  Status Emit(const Detail& d, uint32_t line);
  const BankTextProfile& ProfileFor(const Detail& d) const;
  void EmitUsText(const Detail& d, const BankTextProfile& profile, Payment* p);
  void SetPayerAccount(std::string_view account, Payment* p);
  void DetectProfile(std::string_view id);

  // Helpers.
  void CountRecord(const Record& r);
  Status ReadTotal(const Record& r, const std::string& context, std::string_view stated, uint32_t line,
                   const MoneySum::Wide& found, std::optional<int64_t>* value);
  Status CheckCount(const Record& r, const std::string& context, const char* field, std::string_view stated,
                    uint32_t line, uint64_t found);
  void ReserveFromSoFar();
  std::string DerivedId();
  std::string UniqueId(std::string_view bank_reference, uint32_t line);
  std::string Where(uint32_t line) const { return name_ + ":" + std::to_string(line); }
  Status FieldError(uint32_t line, int code, std::string_view field, const std::string& detail) const {
    return Status::InvalidInput(Where(line) + ": record " + CodeName(code) + ": field '" + std::string(field) +
                                "': " + detail);
  }
  Status OrderError(const Record& r, const char* rule) const {
    return Status::InvalidInput(Where(r.line) + ": record " + CodeName(r.code) + ": out of order: " + rule +
                                "; here it comes " + LevelName(level_));
  }

  const std::string& name_;
  std::string_view data_;
  AccountMemo accounts_;  // payer accounts: one HMAC per distinct account
  const ParseOptions& options_;
  ParsedSettlement out_;
  // Bank text profiles: the one chosen for the file (by the policy or the
  // header ids; nullptr: per record), the legacy GS/Citi one and "us".
  const Bai2TextPolicy& text_policy_;
  const BankTextProfile* file_profile_ = nullptr;
  const BankTextProfile* legacy_ = nullptr;
  const BankTextProfile* us_ = nullptr;
  BankText us_text_;  // reused from one record to the next

  size_t line_offset_ = 0;  // where the line being scanned starts in data_
  Record pending_;          // the record being gathered; code 0 when none
  uint32_t last_line_ = 0;
  Level level_ = Level::kNone;
  size_t record_length_ = kDefaultRecordLength;

  // File level.
  uint64_t file_records_ = 0;
  uint64_t groups_count_ = 0;
  MoneySum::Wide file_sum_ = 0;  // of the 98 totals
  // Group level.
  Date group_date_;
  const Currency* group_currency_ = nullptr;
  uint64_t group_records_ = 0;
  uint64_t accounts_count_ = 0;
  MoneySum::Wide group_sum_ = 0;  // of the 49 totals
  // Account level.
  const Currency* account_currency_ = nullptr;
  std::string account_mask_;
  uint64_t account_records_ = 0;
  MoneySum account_sum_;  // of every amount in the account

  Detail detail_;              // the 16 being read (reused)
  uint32_t detail_index_ = 0;  // 1-based count of 16 records in the file
  std::string data_hash12_;    // first 12 hex of the file's SHA-256, computed when first needed
  IdSet ids_;
};

// Auto detection: the first profile whose detect ids hold `id` (01 sender,
// then 02 originator) serves the whole file.
void Bai2Parser::DetectProfile(std::string_view id) {
  if (file_profile_ != nullptr || text_policy_.profile != "auto" || id.empty()) return;
  for (const BankTextProfile& p : text_policy_.profiles) {
    for (const std::string& d : p.detect_ids) {
      if (d == id) {
        file_profile_ = &p;
        return;
      }
    }
  }
}

Result<ParsedSettlement> Bai2Parser::Run() {
  if (text_policy_.profile != "auto" && file_profile_ == nullptr) {
    return Status::InvalidInput(name_ + ": BAI2 text profile '" + text_policy_.profile +
                                "' (policy key bai2.profile) is not a profile");
  }
  std::string_view rest = data_;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  uint32_t line_no = 0;
  LineEnds ends(rest);
  while (!rest.empty()) {
    ++line_no;
    size_t end = ends.Next(rest);
    std::string_view line = rest.substr(0, end);
    if (end == std::string_view::npos) {
      rest = {};
    } else {
      size_t skip = (rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n') ? 2 : 1;
      rest.remove_prefix(end + skip);
    }
    line_offset_ = static_cast<size_t>(line.data() - data_.data());
    CASHMATCH_RETURN_IF_ERROR(ScanLine(line, line_no));
  }
  if (pending_.code != 0) CASHMATCH_RETURN_IF_ERROR(Dispatch(pending_));
  if (level_ == Level::kNone) return Status::InvalidInput(name_ + ": empty BAI2 file: no 01 file header");
  if (level_ != Level::kDone) {
    return Status::InvalidInput(Where(last_line_) + ": missing 99 file trailer: the file ends " + LevelName(level_) +
                                " (truncated?)");
  }
  return std::move(out_);
}

Status Bai2Parser::ScanLine(std::string_view line, uint32_t line_no) {
  line = TrimRight(line);
  size_t pos = 0;
  while (pos < line.size() && IsSpaceOrTab(line[pos])) ++pos;
  if (pos == line.size()) return Status::Ok();
  size_t width = 0;
  bool unknown = false;
  int code = CodeAt(line, pos, /*line_start=*/true, &width, &unknown);
  if (unknown) {
    return Status::InvalidInput(Where(line_no) + ": unknown record code " + Quote(line.substr(pos, 2)) +
                                " (expected 01, 02, 03, 16, 49, 88, 98 or 99)");
  }
  while (pos < line.size()) {
    // The segment runs to a '/' followed by blanks and the next record.
    size_t end = line.size();
    size_t next = line.size();
    int next_code = 0;
    size_t next_width = 0;
    for (size_t slash = line.find('/', pos + width); slash != std::string_view::npos;
         slash = line.find('/', slash + 1)) {
      size_t j = slash + 1;
      while (j < line.size() && IsSpaceOrTab(line[j])) ++j;
      bool ignored = false;
      next_code = CodeAt(line, j, /*line_start=*/false, &next_width, &ignored);
      if (next_code != 0) {
        end = slash + 1;
        next = j;
        break;
      }
    }
    CASHMATCH_RETURN_IF_ERROR(AddSegment(code, line.substr(pos, end - pos), width, line_no));
    pos = next;
    code = next_code;
    width = next_width;
  }
  last_line_ = line_no;
  return Status::Ok();
}

// `code` 0: a line that continues the previous record without a code.
Status Bai2Parser::AddSegment(int code, std::string_view segment, size_t width, uint32_t line_no) {
  if (code == 0 || code == kContinuation) {
    if (pending_.code == 0) {
      return Status::InvalidInput(Where(line_no) + (code == 0 ? ": expected a record code (01, 02, 03, 16, 49, 98, "
                                                                "99), got " +
                                                                    Quote(segment)
                                                              : ": record 88: a continuation with no record before "
                                                                "it to continue"));
    }
    Piece piece;
    CASHMATCH_RETURN_IF_ERROR(MakePiece(pending_.code, segment, width, line_no, &piece));
    piece.is_88 = code == kContinuation;
    pending_.pieces.push_back(piece);
    return Status::Ok();
  }
  if (pending_.code != 0) CASHMATCH_RETURN_IF_ERROR(Dispatch(pending_));
  pending_.code = code;
  pending_.line = line_no;
  pending_.pieces.clear();
  Piece piece;
  CASHMATCH_RETURN_IF_ERROR(MakePiece(code, segment, width, line_no, &piece));
  pending_.pieces.push_back(piece);
  return Status::Ok();
}

// A 16 and its continuations keep every '/' but a final one: the text (and
// in the wild, the references) may contain '/'. Any other record ends at
// its first '/'.
Status Bai2Parser::MakePiece(int parent_code, std::string_view segment, size_t width, uint32_t line_no,
                             Piece* out) const {
  assert(width <= segment.size());
  out->raw = segment;
  out->line = line_no;
  std::string_view body = TrimRight(segment.substr(width));
  bool terminated = false;
  if (parent_code == kDetail) {
    terminated = !body.empty() && body.back() == '/';
    out->content = terminated ? body.substr(0, body.size() - 1) : body;
  } else {
    size_t slash = body.find('/');
    terminated = slash != std::string_view::npos;
    out->content = body.substr(0, slash);
    if (terminated && slash + 1 < body.size()) {
      return Status::InvalidInput(
          Where(line_no) + ": record " + CodeName(parent_code) +
          ": unexpected text after the '/' that ends the record: " + Quote(body.substr(slash + 1)));
    }
  }
  out->full = !terminated && TrimRight(segment).size() == record_length_;
  return Status::Ok();
}

Status Bai2Parser::Dispatch(const Record& r) {
  if (level_ == Level::kDone) {
    return Status::InvalidInput(Where(r.line) + ": record " + CodeName(r.code) +
                                ": a record after the 99 file "
                                "trailer");
  }
  switch (r.code) {
    case kFileHeader: return OnFileHeader(r);
    case kGroupHeader: return OnGroupHeader(r);
    case kAccountHeader: return OnAccountHeader(r);
    case kDetail: return OnDetail(r);
    case kAccountTrailer: return OnAccountTrailer(r);
    case kGroupTrailer: return OnGroupTrailer(r);
    case kFileTrailer: return OnFileTrailer(r);
    default: break;
  }
  assert(false && "the scanner only starts records with known codes");
  return Status::InvalidInput(Where(r.line) + ": unknown record code");
}

void Bai2Parser::CountRecord(const Record& r) {
  uint64_t n = r.records_count();
  file_records_ += n;
  if (level_ == Level::kGroup || level_ == Level::kAccount) group_records_ += n;
  if (level_ == Level::kAccount) account_records_ += n;
}

struct Field {
  std::string_view text;
  uint32_t line = 0;
};

// The first N fields of a record, trimmed; missing ones are empty.
template <size_t N>
std::array<Field, N> ReadFields(const Record& r) {
  FieldCursor c(r.pieces);
  std::array<Field, N> out;
  for (Field& f : out) {
    std::string_view text;
    f.line = c.line();
    if (!c.Next(&text)) break;
    f.text = Trim(text);
    f.line = c.line();
  }
  return out;
}

Status Bai2Parser::OnFileHeader(const Record& r) {
  if (level_ != Level::kNone) return OrderError(r, "the 01 file header must be the first record");
  // sender, receiver, creation date, time, file id, physical record length, block size, version
  auto f = ReadFields<8>(r);
  if (!f[5].text.empty()) {
    uint64_t length = 0;
    if (!ParseCount(f[5].text, &length) || length > kRecordLengthMax) {
      return FieldError(f[5].line, r.code, "physical record length", "expected digits, got " + Quote(f[5].text));
    }
    if (length > 0) record_length_ = static_cast<size_t>(length);
  }
  if (!f[7].text.empty() && f[7].text != "2") {
    out_.warnings.push_back(Where(r.line) + ": record 01: version " + Quote(f[7].text) +
                            " is not BAI2 version 2; read as version 2");
  }
  DetectProfile(f[0].text);
  level_ = Level::kFile;
  CountRecord(r);
  return Status::Ok();
}

Status Bai2Parser::OnGroupHeader(const Record& r) {
  if (level_ != Level::kFile) {
    return OrderError(r, "a 02 group header must follow the 01 or the 98 of the group before");
  }
  // ultimate receiver, originator, group status, as-of date, as-of time, currency, as-of-date modifier
  auto f = ReadFields<7>(r);
  if (!ParseYymmdd(f[3].text, &group_date_)) {
    return FieldError(f[3].line, r.code, "as-of date", "expected YYMMDD, got " + Quote(f[3].text));
  }
  group_currency_ = nullptr;
  if (!f[5].text.empty()) {
    group_currency_ = Currency::Find(f[5].text);
    if (group_currency_ == nullptr) {
      return FieldError(f[5].line, r.code, "currency",
                        "unknown currency " + Quote(f[5].text) + ", expected an ISO 4217 code");
    }
  }
  if (f[2].text == "2" || f[2].text == "4") {
    out_.warnings.push_back(Where(r.line) + ": record 02: group status " + std::string(f[2].text) +
                            (f[2].text == "2" ? " (deletion)" : " (test)") + "; its details are loaded all the same");
  }
  DetectProfile(f[1].text);
  level_ = Level::kGroup;
  ++groups_count_;
  group_records_ = 0;
  accounts_count_ = 0;
  group_sum_ = 0;
  CountRecord(r);
  return Status::Ok();
}

Status Bai2Parser::OnAccountHeader(const Record& r) {
  if (level_ != Level::kGroup) {
    return OrderError(r,
                      "an 03 account identifier must come inside a group, after its 02 or the 49 of the "
                      "account before");
  }
  FieldCursor c(r.pieces);
  std::string_view account;
  std::string_view currency;
  if (c.Next(&account) && c.Next(&currency)) currency = Trim(currency);
  account_currency_ = group_currency_ != nullptr ? group_currency_ : Currency::Find("USD");
  if (!currency.empty()) {
    account_currency_ = Currency::Find(currency);
    if (account_currency_ == nullptr) {
      return FieldError(c.line(), r.code, "currency",
                        "unknown currency " + Quote(currency) + ", expected an ISO 4217 code");
    }
  }
  assert(account_currency_ != nullptr);
  account_mask_ = MaskAccount(account);
  level_ = Level::kAccount;
  ++accounts_count_;
  account_records_ = 0;
  account_sum_ = MoneySum();
  CountRecord(r);
  return ReadAccountGroups(c);
}

// Repeated {type code, amount, item count, funds type [+ sub-fields]}. An
// empty type code is a blank slot: at a piece end it is the trailing comma
// some banks write before '/' (SVB, Citi); elsewhere a whole blank group (GS).
Status Bai2Parser::ReadAccountGroups(FieldCursor& c) {
  std::string_view type;
  while (c.Next(&type)) {
    type = Trim(type);
    if (type.empty()) {
      if (c.AtPieceEnd()) continue;
      for (int i = 0; i < 3; ++i) {
        std::string_view blank;
        if (!c.Next(&blank)) break;
        if (!Trim(blank).empty()) {
          return FieldError(c.line(), kAccountHeader, "type code",
                            "missing before " + Quote(Trim(blank)) + " (a blank type code needs a blank group)");
        }
      }
      continue;
    }
    if (type.size() != 3 || !AllDigits(type)) {
      return FieldError(c.line(), kAccountHeader, "type code", "expected 3 digits, got " + Quote(type));
    }
    std::string_view amount;
    if (!c.Next(&amount)) break;
    amount = Trim(amount);
    if (!amount.empty()) {
      auto a = ParseMinorUnits(amount);
      if (!a.ok())
        return FieldError(c.line(), kAccountHeader, "amount",
                          a.status().message() + " (type " + std::string(type) + ")");
      account_sum_.Add(a.value());
    }
    std::string_view count;
    if (!c.Next(&count)) break;
    count = Trim(count);
    uint64_t ignored = 0;
    if (!count.empty() && !ParseCount(count, &ignored)) {
      return FieldError(c.line(), kAccountHeader, "item count", "expected digits, got " + Quote(count));
    }
    std::optional<Date> value_date;
    CASHMATCH_RETURN_IF_ERROR(ReadFundsType(c, kAccountHeader, &value_date));
  }
  return Status::Ok();
}

// Funds type and its sub-fields, which shift every later field: S three
// availability amounts, V value date and time, D a count n then n × {days,
// amount}. The sub-amounts are not part of the control total.
Status Bai2Parser::ReadFundsType(FieldCursor& c, int code, std::optional<Date>* value_date) {
  std::string_view f;
  if (!c.Next(&f)) return Status::Ok();
  f = Trim(f);
  if (f.empty() || f == "0" || f == "1" || f == "2" || f == "Z") return Status::Ok();
  if (f == "S") {
    for (int i = 0; i < 3; ++i) {
      std::string_view a;
      if (!c.Next(&a)) break;
      a = Trim(a);
      if (a.empty()) continue;
      auto r = ParseMinorUnits(a);
      if (!r.ok()) return FieldError(c.line(), code, "availability amount", r.status().message());
    }
    return Status::Ok();
  }
  if (f == "V") {
    std::string_view date;
    if (!c.Next(&date)) return Status::Ok();
    date = Trim(date);
    if (!date.empty()) {
      Date d;
      if (!ParseYymmdd(date, &d)) {
        return FieldError(c.line(), code, "value date", "expected YYMMDD, got " + Quote(date));
      }
      *value_date = d;
    }
    std::string_view time_ignored;  // HHMM or blank; nothing here needs it
    c.Next(&time_ignored);
    return Status::Ok();
  }
  if (f == "D") return ReadDistribution(c, code);
  return FieldError(c.line(), code, "funds type", "expected 0, 1, 2, S, V, D or Z, got " + Quote(f));
}

Status Bai2Parser::ReadDistribution(FieldCursor& c, int code) {
  std::string_view f;
  uint64_t n = 0;
  if (!c.Next(&f) || !ParseCount(Trim(f), &n)) {
    return FieldError(c.line(), code, "distribution count", "expected digits, got " + Quote(Trim(f)));
  }
  // Bounded by the record: every entry consumes two fields or fails.
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view days;
    std::string_view amount;
    if (!c.Next(&days) || !c.Next(&amount)) {
      return FieldError(
          c.line(), code, "distribution",
          "the count says " + std::to_string(n) + " entries but the record ends after " + std::to_string(i));
    }
    uint64_t ignored = 0;
    if (!ParseCount(Trim(days), &ignored)) {
      return FieldError(c.line(), code, "distribution days", "expected digits, got " + Quote(Trim(days)));
    }
    auto a = ParseMinorUnits(Trim(amount));
    if (!a.ok()) return FieldError(c.line(), code, "distribution amount", a.status().message());
  }
  return Status::Ok();
}

Status Bai2Parser::OnDetail(const Record& r) {
  if (level_ != Level::kAccount) {
    return OrderError(r, "a 16 transaction detail must come inside an account, after its 03");
  }
  CountRecord(r);
  ++detail_index_;
  Detail& d = detail_;
  d.Clear();
  Status s = ParseDetail(r, &d);
  if (!s.ok()) {
    if (!options_.skip_bad_records) return s;
    std::string raw;
    for (const Piece& p : r.pieces) {
      if (!raw.empty()) raw.push_back('\n');
      raw.append(p.raw);
    }
    out_.rejects.push_back(Reject{r.line, std::move(raw), s.message()});
    return Status::Ok();
  }
  account_sum_.Add(d.amount_minor);
  return Emit(d, r.line);
}

// type code, amount, funds type [+ sub-fields], bank reference, customer
// reference, text (to the end of the record and through its 88s).
Status Bai2Parser::ParseDetail(const Record& r, Detail* d) {
  FieldCursor c(r.pieces);
  std::string_view f;
  c.Next(&f);
  f = Trim(f);
  if (f.size() != 3 || !AllDigits(f)) {
    return FieldError(c.line(), r.code, "type code", "expected 3 digits, got " + Quote(f));
  }
  d->type_code = (f[0] - '0') * 100 + (f[1] - '0') * 10 + (f[2] - '0');
  f = {};
  c.Next(&f);
  f = Trim(f);
  if (!AllDigits(f)) return FieldError(c.line(), r.code, "amount", "expected digits, got " + Quote(f));
  auto amount = ParseMinorUnits(f);
  if (!amount.ok()) return FieldError(c.line(), r.code, "amount", amount.status().message());
  d->amount_minor = amount.value();
  CASHMATCH_RETURN_IF_ERROR(ReadFundsType(c, r.code, &d->value_date));
  if (c.Next(&f)) {
    d->bank_reference = Trim(f);
    if (c.Next(&f)) d->customer_reference = Trim(f);
  }
  c.RestAsText(&d->text_pieces);
  for (const TextPiece& p : d->text_pieces) d->has_colon = d->has_colon || p.text.find(':') != std::string_view::npos;
  JoinText(d->text_pieces, &d->text);
  if (d->has_colon) d->text = RedactAccounts(d->text);
  return Status::Ok();
}

// Once kReserveAfterCount payments are read, the rest of the file is
// assumed to hold payments as densely as the bytes so far did (plus an
// eighth), and the batch is reserved for them: without it, growing the
// vector moves every payment about once more.
void Bai2Parser::ReserveFromSoFar() {
  const uint64_t read = std::max<uint64_t>(line_offset_, 1);
  const uint64_t expected = uint64_t{out_.batch.payments.size()} * data_.size() / read;
  const size_t count = static_cast<size_t>(std::min<uint64_t>(expected + expected / 8, kReserveCountMax));
  out_.batch.payments.reserve(PaymentsToReserve(options_, count));
  ids_.Reserve(count);
}

// "bai2-" + 12 hex of the file's SHA-256 + "-" + the 1-based detail index:
// the same file always gives the same ids.
std::string Bai2Parser::DerivedId() {
  if (data_hash12_.empty()) data_hash12_ = FileDigestPrefix(data_, options_, 12);
  return "bai2-" + data_hash12_ + "-" + std::to_string(detail_index_);
}

std::string Bai2Parser::UniqueId(std::string_view bank_reference, uint32_t line) {
  std::string id = bank_reference.empty() ? DerivedId() : std::string(bank_reference);
  if (ids_.Insert(id)) return id;
  // A repeated reference: the detail's position makes it unique and stable.
  // Only a reference crafted to equal a candidate gets past the first two,
  // and each such reference blocks one candidate, so the loop is bounded.
  std::string unique = id + "-" + std::to_string(detail_index_);
  if (!ids_.Insert(unique)) {
    std::string derived = DerivedId();
    unique = derived;
    for (size_t k = 1; !ids_.Insert(unique); ++k) {
      assert(k <= ids_.size() + 1);
      unique = derived + "-" + std::to_string(k);
    }
  }
  out_.warnings.push_back(Where(line) + ": record 16: id " + Quote(id) + " repeats an earlier detail; this one is " +
                          Quote(unique));
  return unique;
}

Status Bai2Parser::Emit(const Detail& d, uint32_t line) {
  std::optional<ReversalKind> reversal;
  for (const ReturnCode& rc : kReturnCodes) {
    if (rc.type_code == d.type_code) reversal = rc.kind;
  }
  std::string reason = FindAchReason(d.text);
  if (!reversal && d.type_code >= 400 && d.type_code <= 499 && !reason.empty()) reversal = ReversalKind::kAchReturn;
  bool credit = d.type_code >= 100 && d.type_code <= 399;
  const bool debit = d.type_code >= 400 && d.type_code <= 699;
  if (!reversal && !credit && !debit && d.amount_minor != 0) {
    // Outside the credit and debit ranges (a status code, a loan code, a
    // bank's own 9xx): maybe money in, but nothing says so. Skipped, and
    // said with its amount, not only through a control total.
    out_.warnings.push_back(
        Where(line) + ": record 16: type code " + std::to_string(d.type_code) +
        " is not a credit or debit code cashmatch reads; amount " +
        FormatAmountMinor(d.amount_minor, account_currency_ == nullptr ? 2 : account_currency_->exponent()) +
        " skipped (not applied)");
    return Status::Ok();
  }
  if (!reversal && !credit) return Status::Ok();  // other debits: totals only
  if (d.amount_minor == 0) {
    out_.warnings.push_back(Where(line) + ": record 16: type " + std::to_string(d.type_code) +
                            " with amount 0 is neither a payment nor a return; skipped");
    return Status::Ok();
  }
  Date value_date = d.value_date.value_or(group_date_);
  if (reversal) {
    Reversal rv;
    rv.reversal_id = UniqueId(d.bank_reference, line);
    rv.id_assigned = rv.reversal_id != d.bank_reference;
    rv.kind = *reversal;
    if (d.has_colon) rv.original_reference = FindOriginalReference(d.text);
    rv.amount_minor = d.amount_minor;
    rv.currency = account_currency_;
    rv.value_date = value_date;
    rv.reason_code = std::move(reason);
    rv.text = d.text;
    rv.source_line = line;
    out_.batch.reversals.push_back(std::move(rv));
    return Status::Ok();
  }
  // Built in place at the end of the batch.
  CASHMATCH_RETURN_IF_ERROR(HandOverFullChunk(options_, &out_.batch));
  if (out_.batch.payments.size() == kReserveAfterCount) ReserveFromSoFar();
  Payment& p = out_.batch.payments.emplace_back();
  p.payment_id = UniqueId(d.bank_reference, line);
  p.source = SourceOf(d.type_code);
  p.amount_minor = d.amount_minor;
  p.currency = account_currency_;
  p.value_date = value_date;
  const BankTextProfile& profile = ProfileFor(d);
  if (!profile.whole_text) {
    EmitUsText(d, profile, &p);
  } else {
    if (d.has_colon) {
      p.payer_name = std::string(FindRoleTag(d.text_pieces, profile, BankTextRole::kPayerName));
      std::string_view account = AccountToken(FindRoleTag(d.text_pieces, profile, BankTextRole::kPayerId));
      if (LooksLikeAccount(account)) SetPayerAccount(account, &p);
      p.end_to_end_id = std::string(FindTag(d.text_pieces, "EREF:"));
    }
    p.remittance.reserve(d.customer_reference.size() + 1 + d.text.size());
    p.remittance = d.customer_reference;
    if (!p.remittance.empty() && !d.text.empty()) p.remittance.push_back(' ');
    p.remittance += d.text;
  }
  p.bank_reference = std::string(d.bank_reference);
  p.source_line = line;
  return Status::Ok();
}

void Bai2Parser::SetPayerAccount(std::string_view account, Payment* p) {
  const AccountMemo::Entry& e = accounts_.Get(account);
  p->payer_account_fp = e.fp;
  p->payer_account_mask = e.mask;
}

// The profile for one record: the one the policy names or the file's
// header ids detected; else the legacy GS/Citi reading when the text has
// one of its tags, "us" when it has a US rail label, and the legacy
// reading (the whole text) when it has neither.
const BankTextProfile& Bai2Parser::ProfileFor(const Detail& d) const {
  const bool forced = text_policy_.profile != "auto";
  if (forced && file_profile_ != nullptr) return *file_profile_;
  assert(legacy_ != nullptr);
  if (d.text.empty()) return file_profile_ != nullptr ? *file_profile_ : *legacy_;
  if (d.has_colon) {
    // GS/Citi tags in a file from any bank (the generator writes them in
    // files whose 02 names JPMorgan).
    if (!FindRoleTag(d.text_pieces, *legacy_, BankTextRole::kPayerName).empty() ||
        !FindRoleTag(d.text_pieces, *legacy_, BankTextRole::kPayerId).empty()) {
      return *legacy_;
    }
  }
  if (file_profile_ != nullptr) return *file_profile_;
  // A label stands before ':' or '=', or ends in '#' or is written bare
  // ("CHECK NO"); text with none of ":=#" is read whole without scanning
  // for labels (the matcher's noise patterns still skip a bare check number).
  // (Two memchr scans: find_first_of tests the set at every byte.)
  if (!d.has_colon && d.text.find('=') == std::string::npos && d.text.find('#') == std::string::npos) {
    return *legacy_;
  }
  return us_ != nullptr && HasProfileTag(d.text, *us_) ? *us_ : *legacy_;
}

// A US-profile record: the payer's name and id from their labels, the
// remittance from the remittance labels (and text before any label), RMR
// segments as structured references. Bank and rail data (trace numbers,
// IMAD, the receiver's own name) is left out of the remittance, so no
// pattern reads it as an invoice number.
void Bai2Parser::EmitUsText(const Detail& d, const BankTextProfile& profile, Payment* p) {
  BankText& t = us_text_;
  t.Clear();
  const int exponent = account_currency_ == nullptr ? 2 : account_currency_->exponent();
  ReadBankText(d.text, profile, exponent, &t);
  p->payer_name = t.payer_name;
  if (LooksLikePayerId(t.payer_id)) SetPayerAccount(t.payer_id, p);
  p->references = t.references;
  p->remittance = d.customer_reference;
  AppendWords(d.has_colon ? RedactAccounts(t.remittance) : t.remittance, &p->remittance);
}

// A stated total that is present and differs from the computed one is a
// warning: sanitized and hand-edited files (GS samples) carry wrong ones.
Status Bai2Parser::ReadTotal(const Record& r, const std::string& context, std::string_view stated, uint32_t line,
                             const MoneySum::Wide& found, std::optional<int64_t>* value) {
  if (stated.empty()) return Status::Ok();
  auto v = ParseMinorUnits(stated);
  if (!v.ok()) return FieldError(line, r.code, "control total", v.status().message());
  *value = v.value();
  if (found != MoneySum::Wide(v.value())) {
    out_.warnings.push_back(Where(line) + ": record " + CodeName(r.code) + " (" + context +
                            "): control total expected " + std::string(stated) + ", found " + found.str() +
                            " (minor units)");
  }
  return Status::Ok();
}

Status Bai2Parser::CheckCount(const Record& r, const std::string& context, const char* field, std::string_view stated,
                              uint32_t line, uint64_t found) {
  if (stated.empty()) return Status::Ok();
  uint64_t v = 0;
  if (!ParseCount(stated, &v)) return FieldError(line, r.code, field, "expected digits, got " + Quote(stated));
  if (v != found) {
    out_.warnings.push_back(Where(line) + ": record " + CodeName(r.code) + " (" + context + "): " + field +
                            " expected " + std::to_string(v) + ", found " + std::to_string(found));
  }
  return Status::Ok();
}

Status Bai2Parser::OnAccountTrailer(const Record& r) {
  if (level_ != Level::kAccount) return OrderError(r, "a 49 account trailer must close an account opened by an 03");
  CountRecord(r);
  auto f = ReadFields<2>(r);  // account control total, number of records
  std::string context = "account " + account_mask_;
  std::optional<int64_t> stated;
  CASHMATCH_RETURN_IF_ERROR(ReadTotal(r, context, f[0].text, f[0].line, account_sum_.wide(), &stated));
  CASHMATCH_RETURN_IF_ERROR(CheckCount(r, context, "record count", f[1].text, f[1].line, account_records_));
  // The 98 sums what the 49s say; a blank 49 total stands for the computed one.
  group_sum_ += stated ? MoneySum::Wide(*stated) : account_sum_.wide();
  level_ = Level::kGroup;
  return Status::Ok();
}

Status Bai2Parser::OnGroupTrailer(const Record& r) {
  if (level_ != Level::kGroup) {
    return OrderError(r, "a 98 group trailer must close a group opened by an 02, after the 49 of its last account");
  }
  CountRecord(r);
  auto f = ReadFields<3>(r);  // group control total, number of accounts, number of records
  std::string context = "group " + std::to_string(groups_count_);
  std::optional<int64_t> stated;
  CASHMATCH_RETURN_IF_ERROR(ReadTotal(r, context, f[0].text, f[0].line, group_sum_, &stated));
  CASHMATCH_RETURN_IF_ERROR(CheckCount(r, context, "number of accounts", f[1].text, f[1].line, accounts_count_));
  CASHMATCH_RETURN_IF_ERROR(CheckCount(r, context, "record count", f[2].text, f[2].line, group_records_));
  file_sum_ += stated ? MoneySum::Wide(*stated) : group_sum_;
  level_ = Level::kFile;
  return Status::Ok();
}

Status Bai2Parser::OnFileTrailer(const Record& r) {
  if (level_ != Level::kFile) return OrderError(r, "the 99 file trailer must follow the 98 of the last group");
  CountRecord(r);
  auto f = ReadFields<3>(r);  // file control total, number of groups, number of records
  std::optional<int64_t> stated;
  CASHMATCH_RETURN_IF_ERROR(ReadTotal(r, "file", f[0].text, f[0].line, file_sum_, &stated));
  CASHMATCH_RETURN_IF_ERROR(CheckCount(r, "file", "number of groups", f[1].text, f[1].line, groups_count_));
  CASHMATCH_RETURN_IF_ERROR(CheckCount(r, "file", "record count", f[2].text, f[2].line, file_records_));
  level_ = Level::kDone;
  return Status::Ok();
}

}  // namespace

Result<ParsedSettlement> ParseBai2(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options) {
  Bai2Parser parser(name, data, fp, options);
  return parser.Run();
}

}  // namespace cashmatch::io
