// SWIFT MT940 customer statements, read for their incoming money: each
// credit statement line (:61: mark C) becomes a Payment, a reversal of a
// credit (RC) a bank Reversal. Debits (D) are not incoming money and are
// only counted for the balance check; a reversed debit (RD) is skipped with
// a warning.
//
// The text may sit inside SWIFT blocks ({1:…}{2:…}{4: … -}) or behind a
// bank preamble (ABN AMRO: "ABNANL2A\n940\n"). A tag starts a line as
// :NN[a]:; any other line continues the previous tag. A statement ends
// with a line "-" (or "-}").
//
//   :20:  statement reference (kept as the payments' bank_batch_id)
//   :60F: / :60M:  opening balance   C|D YYMMDD CCY amount   (gives the currency)
//   :61:  statement line  YYMMDD [MMDD] C|D|RC|RD [funds code] amount
//                         N|S|F+3 customer-ref [//bank-ref] [\n details]
//         The funds code is one letter (the 3rd of the currency), so "CR"
//         is a credit with funds code R, not a reversal: the mark is read
//         by position and the amount (a digit) must follow it.
//   :86:  information to owner for the :61: before it: free text, the
//         German ?NN subfields (?20-?29 purpose with EREF+/SVWZ+/KREF+,
//         ?31 IBAN, ?32/?33 name) or /EREF/…/REMI/… tags.
//   :62F: / :62M:  closing balance: opening + the lines must give it; when
//         it does not, that is a warning naming both figures.
// Amounts use a comma decimal ("9,49", "15000,").
#include <optional>
#include <utility>
#include <vector>

#include "cashmatch/io/settlement.h"
#include "parsers.h"
#include "reader_util.h"

namespace cashmatch::io {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Trims and folds every run of blanks into one space.
std::string Collapse(std::string_view s) {
  std::string out;
  bool blank = false;
  for (char c : s) {
    if (IsBlankByte(c)) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

bool Digits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<Date> Yymmdd(std::string_view s) {
  int v = 0;
  if (s.size() != 6 || !Digits(s, &v)) return std::nullopt;
  Date d;
  if (!MakeDate(2000 + v / 10000, v / 100 % 100, v % 100, &d)) return std::nullopt;
  return d;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// What the :86: says about one statement line.
struct Info {
  std::string remittance;
  std::string payer_name;
  std::string account;  // in clear: only until it is fingerprinted
  std::string eref;
  std::string reason;  // ?34 return reason
};

// German structured :86: ("166?00GUTSCHRIFT?20EREF+…"): subfields ?NN.
Info ParseGermanInfo(const std::string& text) {
  Info info;
  std::vector<std::pair<int, std::string>> fields;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '?' && i + 2 < text.size() && IsDigit(text[i + 1]) && IsDigit(text[i + 2])) {
      fields.emplace_back((text[i + 1] - '0') * 10 + (text[i + 2] - '0'), std::string());
      i += 3;
      continue;
    }
    if (!fields.empty()) fields.back().second += text[i];
    ++i;
  }
  std::string booking, purpose, name;
  for (const auto& [code, value] : fields) {
    if (code == 0) booking += value;
    if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63)) purpose += value;
    if (code == 31) info.account += value;
    if (code == 32 || code == 33) name += value;
    if (code == 34) info.reason += value;
  }
  info.payer_name = Collapse(name);
  info.account = Collapse(info.account);
  info.reason = Collapse(info.reason);
  // SEPA keywords split the purpose; a keyword may follow text directly
  // because the 27-character subfields are cut anywhere. The keywords
  // themselves are dropped from the remittance, their values kept.
  static constexpr std::string_view kKeys[] = {
      "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+",
      "IBAN+", "BIC+",  "COAS+", "PURP+", "OAMT+", "SQTP+", "MTLG:"};  // MTLG: a bank's own message marker
  std::vector<std::pair<std::string_view, std::string>> pieces{{"", ""}};
  for (size_t i = 0; i < purpose.size();) {
    std::string_view rest = std::string_view(purpose).substr(i);
    bool matched = false;
    for (std::string_view key : kKeys) {
      if (rest.starts_with(key)) {
        pieces.emplace_back(key, std::string());
        i += key.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    pieces.back().second += purpose[i];
    ++i;
  }
  std::string remittance = booking;
  for (const auto& [key, value] : pieces) {
    std::string v = Collapse(value);
    if (key == "EREF+") info.eref = v;
    if (key == "IBAN+" || key == "BIC+" || v.empty()) continue;
    remittance += " " + v;
  }
  info.remittance = Collapse(remittance);
  return info;
}

// Tagged :86: ("/EREF/…//CNTP/…/REMI/USTD//…/").
Info ParseTaggedInfo(const std::string& text) {
  static constexpr std::string_view kKeys[] = {"EREF", "REMI", "USTD",      "STRD",    "NAME", "ORDP", "BENM", "CNTP",
                                               "IBAN", "BIC",  "ADDR",      "MARF",    "CSID", "PREF", "TRCD", "RTRN",
                                               "CREF", "ULTC", "ULTD",      "ULTB",    "PURP", "EXCH", "CHGS", "OCMT",
                                               "IREF", "ISDT", "CDTRREFTP", "CDTRREF", "ISSR", "SVCL", "BUSP", "TXCD"};
  auto key_at = [&](size_t i) -> std::string_view {
    if (text[i] != '/') return {};
    for (std::string_view key : kKeys) {
      if (text.compare(i + 1, key.size(), key) == 0 && i + 1 + key.size() < text.size() &&
          text[i + 1 + key.size()] == '/') {
        return key;
      }
    }
    return {};
  };
  std::vector<std::pair<std::string_view, std::string>> pieces{{"", ""}};
  size_t value_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view key = key_at(i);
    if (key.empty()) continue;
    if (i > value_from) pieces.back().second = text.substr(value_from, i - value_from);
    pieces.emplace_back(key, std::string());
    value_from = i + key.size() + 2;
    i = value_from - 2;  // the closing '/' may open the next key
  }
  if (value_from < text.size()) pieces.back().second = text.substr(value_from);
  Info info;
  std::string remittance, ordp;
  for (auto& [key, raw] : pieces) {
    std::string_view v = raw;
    while (!v.empty() && (v.front() == '/' || IsBlankByte(v.front()))) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '/' || IsBlankByte(v.back()))) v.remove_suffix(1);
    std::string value = Collapse(v);
    if (key == "NAME") info.payer_name = value;
    if (key == "ORDP") ordp = value;
    if (key == "IBAN") info.account = value;
    if (key == "EREF") info.eref = value;
    if (key == "RTRN") info.reason = value;
    if (key == "CNTP") {  // account/BIC/name/city
      std::vector<std::string> parts(1);
      for (char c : value) {
        if (c == '/') {
          parts.emplace_back();
        } else {
          parts.back().push_back(c);
        }
      }
      if (info.account.empty()) info.account = Collapse(parts[0]);
      if (parts.size() > 2 && info.payer_name.empty()) info.payer_name = Collapse(parts[2]);
    }
    if (key.empty() || key == "EREF" || key == "REMI" || key == "USTD" || key == "STRD" || key == "CDTRREF" ||
        key == "PREF" || key == "MARF" || key == "CREF" || key == "IREF" || key == "PURP" || key == "RTRN") {
      if (!value.empty()) remittance += " " + value;
    }
  }
  if (info.payer_name.empty()) info.payer_name = ordp;
  info.remittance = Collapse(remittance);
  return info;
}

Info ParseInfo(const std::vector<std::string>& lines) {
  // Structured forms are cut at fixed widths anywhere, even inside a word
  // or a subfield code: joined without a separator.
  std::string joined;
  for (const std::string& l : lines) joined += l;
  std::string_view trimmed = joined;
  while (!trimmed.empty() && IsBlankByte(trimmed.front())) trimmed.remove_prefix(1);
  if (trimmed.size() >= 4 && IsDigit(trimmed[0]) && IsDigit(trimmed[1]) && IsDigit(trimmed[2]) && trimmed[3] == '?') {
    return ParseGermanInfo(std::string(trimmed));
  }
  if (!trimmed.empty() && trimmed.front() == '/') return ParseTaggedInfo(std::string(trimmed));
  Info info;  // free text: lines are words
  std::string text;
  for (const std::string& l : lines) text += " " + l;
  info.remittance = Collapse(text);
  return info;
}

struct Tag {
  std::string tag;  // "61", "60F"
  std::vector<std::string> lines;
  uint32_t line = 0;

  std::string Raw() const {
    std::string raw = ":" + tag + ":";
    for (size_t i = 0; i < lines.size(); ++i) raw += (i ? "\n" : "") + lines[i];
    return raw;
  }
};

// A :61: waiting for its :86:.
struct StatementLine {
  uint32_t line = 0;
  uint32_t index = 0;  // 1-based among the file's :61: lines
  std::string raw;
  std::string error;  // set when the line was bad and skip_bad_records is on
  char mark = 'C';    // 'C' or 'D'
  bool reversal = false;
  Date value_date;
  int64_t amount = 0;
  std::string type, customer_ref, bank_ref;
  std::optional<Info> info;
};

class Mt940Reader {
 public:
  Mt940Reader(const std::string& name, std::string_view data, const Fingerprinter& fp, const ParseOptions& options,
              ParsedSettlement* out)
      : name_(name), data_(data), fp_(fp), options_(options), out_(out) {}

  Status Line(std::string_view s, uint32_t line) {
    last_line_ = line;
    // SWIFT blocks: drop {1:…}{2:…}{3:{…}}; the text goes on after "{4:".
    while (!s.empty() && s.front() == '{') {
      if (s.starts_with("{4:")) {
        s.remove_prefix(3);
        break;
      }
      size_t depth = 0, i = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '{') ++depth;
        if (s[i] == '}' && --depth == 0) break;
      }
      s = i < s.size() ? s.substr(i + 1) : std::string_view();
    }
    std::string_view trimmed = TrimRight(s);
    if (trimmed == "-" || trimmed.starts_with("-}")) {
      CASHMATCH_RETURN_IF_ERROR(CloseTag());
      return EndStatement(line);
    }
    if (IsTagStart(trimmed)) {
      CASHMATCH_RETURN_IF_ERROR(CloseTag());
      size_t colon = trimmed.find(':', 1);
      tag_ = Tag{std::string(trimmed.substr(1, colon - 1)), {std::string(s.substr(colon + 1))}, line};
      return Status::Ok();
    }
    if (trimmed.empty()) return Status::Ok();
    if (tag_) tag_->lines.emplace_back(s);  // a continuation; outside a tag: a preamble
    return Status::Ok();
  }

  Status Finish() {
    CASHMATCH_RETURN_IF_ERROR(CloseTag());
    if (open_) CASHMATCH_RETURN_IF_ERROR(EndStatement(last_line_));
    if (statements_ == 0) {
      return Status::InvalidInput(name_ + ": no MT940 statement found (expected :20:, :60F:, :61:, :62F: tags)");
    }
    return Status::Ok();
  }

 private:
  static bool IsTagStart(std::string_view s) {
    if (s.size() < 4 || s[0] != ':' || !IsDigit(s[1]) || !IsDigit(s[2])) return false;
    if (s[3] == ':') return true;
    return s.size() >= 5 && IsUpper(s[3]) && s[4] == ':';
  }

  Status Bad(const Tag& t, const char* field, const std::string& why) const {
    return Status::InvalidInput(name_ + ":" + std::to_string(t.line) + ": tag :" + t.tag + ": field '" + field +
                                "': " + why);
  }

  // A bad record other than a :61:: fails the file or goes to the rejects.
  Status Reject(const Tag& t, Status bad) {
    if (bad.ok() || !options_.skip_bad_records) return bad;
    out_->rejects.push_back(io::Reject{t.line, t.Raw(), bad.message()});
    return Status::Ok();
  }

  Status CloseTag() {
    if (!tag_) return Status::Ok();
    Tag t = std::move(*tag_);
    tag_.reset();
    return Process(t);
  }

  Status Process(const Tag& t) {
    if (t.tag != "86") CASHMATCH_RETURN_IF_ERROR(FlushLine());
    if (t.tag == "20") {
      // A new statement without the "-" that ends the one before.
      if (open_ && (closing_ || content_)) CASHMATCH_RETURN_IF_ERROR(EndStatement(t.line));
      open_ = true;
      reference_ = Collapse(t.lines[0]);
      return Status::Ok();
    }
    open_ = true;
    if (t.tag != "25" && !t.tag.starts_with("28")) content_ = true;
    if (t.tag == "60F" || t.tag == "60M") {
      int64_t balance = 0;
      const Currency* ccy = nullptr;
      Status st = Balance(t, &balance, &ccy);
      if (!st.ok()) return Reject(t, st);
      currency_ = ccy;
      opening_ = balance;
      movement_ = 0;
      sums_ok_ = true;
      return Status::Ok();
    }
    if (t.tag == "61") return StartLine(t);
    if (t.tag == "86") {
      if (pending_ && !pending_->info) {
        pending_->info = ParseInfo(t.lines);
        pending_->raw += "\n" + t.Raw();
        return FlushLine();
      }
      return Status::Ok();  // information about the statement as a whole
    }
    if (t.tag == "62F" || t.tag == "62M") {
      closing_ = true;
      int64_t balance = 0;
      const Currency* ccy = nullptr;
      Status st = Balance(t, &balance, &ccy);
      if (st.ok() && currency_ && ccy != currency_) {
        st = Bad(t, "currency",
                 "closing balance in " + std::string(ccy->code()) + ", opening balance in " +
                     std::string(currency_->code()));
      }
      if (!st.ok()) return Reject(t, st);
      CheckClosing(t, balance);
      return Status::Ok();
    }
    return Status::Ok();  // :25: our account, :28C:, :64:, :65: …
  }

  // C|D YYMMDD CCY amount
  Status Balance(const Tag& t, int64_t* balance, const Currency** ccy) const {
    std::string_view s = TrimRight(t.lines[0]);
    if (s.empty() || (s[0] != 'C' && s[0] != 'D'))
      return Bad(t, "mark", "expected C or D, got '" + std::string(s) + "'");
    if (s.size() < 7 || !Yymmdd(s.substr(1, 6))) {
      return Bad(t, "date", "expected a YYMMDD date, got '" + std::string(s.substr(1, 6)) + "'");
    }
    std::string code(s.substr(7, 3));
    *ccy = code.size() == 3 ? Currency::Find(code) : nullptr;
    if (!*ccy) return Bad(t, "currency", "unknown currency '" + code + "'");
    auto amount = Amount(s.substr(std::min<size_t>(s.size(), 10)), (*ccy)->exponent());
    if (!amount.ok()) return Bad(t, "amount", amount.status().message());
    *balance = s[0] == 'D' ? -amount.value() : amount.value();
    return Status::Ok();
  }

  // Digits with one comma decimal: "9,49", "15000,".
  static Result<int64_t> Amount(std::string_view s, int exponent) {
    size_t comma = s.find(',');
    if (s.empty() || comma == 0 || comma == std::string_view::npos ||
        s.find_first_not_of("0123456789,") != std::string_view::npos || s.find(',', comma + 1) != s.npos) {
      return Status::InvalidInput("expected digits with a comma decimal (\"9,49\", \"15000,\"), got '" +
                                  std::string(s) + "'");
    }
    std::string text(s);
    text[comma] = '.';
    return ParseAmountMinor(text, exponent);
  }

  Status StartLine(const Tag& t) {
    StatementLine l;
    l.line = t.line;
    l.index = ++line_count_;
    l.raw = t.Raw();
    Status st = ParseLine(t, &l);
    if (!st.ok()) {
      if (!options_.skip_bad_records) return st;
      l.error = st.message();
    }
    pending_ = std::move(l);
    return Status::Ok();
  }

  Status ParseLine(const Tag& t, StatementLine* l) const {
    std::string_view s = TrimRight(t.lines[0]);
    auto date = Yymmdd(s.substr(0, 6));
    if (!date) return Bad(t, "value date", "expected YYMMDD, got '" + std::string(s.substr(0, 6)) + "'");
    l->value_date = *date;
    size_t p = 6;
    if (p < s.size() && IsDigit(s[p])) {  // entry date MMDD
      int mmdd = 0;
      if (!Digits(s.substr(p, 4), &mmdd) || s.substr(p, 4).size() != 4 || mmdd / 100 < 1 || mmdd / 100 > 12 ||
          mmdd % 100 < 1 || mmdd % 100 > 31) {
        return Bad(t, "entry date", "expected MMDD, got '" + std::string(s.substr(p, 4)) + "'");
      }
      p += 4;
    }
    // The mark, read by position: C, D, RC or RD, then maybe a funds-code
    // letter; the amount (a digit) must come next.
    if (p < s.size() && s[p] == 'R') {
      l->reversal = true;
      ++p;
    }
    if (p >= s.size() || (s[p] != 'C' && s[p] != 'D')) {
      return Bad(t, "mark", "expected C, D, RC or RD, got '" + std::string(s.substr(p, 2)) + "'");
    }
    l->mark = s[p++];
    if (p < s.size() && IsUpper(s[p])) ++p;  // funds code
    if (!currency_) {
      return Bad(t, "currency", "no opening balance (:60F:/:60M:) before this statement line gives a currency");
    }
    size_t amount_end = s.find_first_not_of("0123456789,", p);
    if (amount_end == std::string_view::npos) amount_end = s.size();
    auto amount = Amount(s.substr(p, amount_end - p), currency_->exponent());
    if (!amount.ok()) return Bad(t, "amount", amount.status().message());
    l->amount = amount.value();
    p = amount_end;
    if (p + 4 > s.size() || (s[p] != 'N' && s[p] != 'S' && s[p] != 'F')) {
      return Bad(t, "transaction type",
                 "expected N, S or F and three characters, got '" + std::string(s.substr(p, 4)) + "'");
    }
    l->type = std::string(s.substr(p, 4));
    p += 4;
    std::string_view refs = s.substr(p);
    size_t slashes = refs.find("//");
    l->customer_ref = Collapse(refs.substr(0, slashes));
    if (slashes != std::string_view::npos) l->bank_ref = Collapse(refs.substr(slashes + 2));
    if (l->customer_ref.empty()) return Bad(t, "reference", "no customer reference (NONREF when there is none)");
    return Status::Ok();
  }

  std::string DerivedId(uint32_t index) {
    if (digest_.empty()) digest_ = FileDigestPrefix(data_, options_, 12);
    return "mt940-" + digest_ + "-" + std::to_string(index);
  }

  void Move(int64_t signed_amount) {
    if (__builtin_add_overflow(movement_, signed_amount, &movement_)) sums_ok_ = false;
  }

  Status FlushLine() {
    if (!pending_) return Status::Ok();
    StatementLine l = std::move(*pending_);
    pending_.reset();
    if (!l.error.empty()) {
      sums_ok_ = false;  // a rejected line: the balance cannot be checked
      out_->rejects.push_back(io::Reject{l.line, l.raw, l.error});
      return Status::Ok();
    }
    const bool credit = l.mark == 'C';
    Move(credit != l.reversal ? l.amount : -l.amount);
    if (l.mark == 'D' && !l.reversal) return Status::Ok();  // money out
    const std::string where = name_ + ":" + std::to_string(l.line);
    if (l.reversal && l.mark == 'D') {
      out_->warnings.push_back(where + ": tag :61: reversal of a debit (RD) skipped: not a payment to apply");
      return Status::Ok();
    }
    if (l.amount == 0) {  // nothing was paid: a 0,00 line is not a payment (nor a reversal) to apply
      out_->warnings.push_back(where + ": tag :61: credit of 0 skipped: nothing to apply");
      return Status::Ok();
    }
    Info info = l.info.value_or(Info());
    const bool has_bank_ref = !l.bank_ref.empty() && l.bank_ref != "NONREF";
    const bool has_customer_ref = l.customer_ref != "NONREF";
    const std::string id = has_bank_ref                      ? l.bank_ref
                           : has_customer_ref && !l.reversal ? l.customer_ref
                                                             : DerivedId(l.index);
    std::string fp, mask;
    if (!info.account.empty()) {
      fp = fp_.Account(info.account);
      mask = MaskAccount(info.account);
      info.remittance =
          ReplaceAll(ReplaceAll(info.remittance, info.account, mask), NormalizeAccount(info.account), mask);
      info.account.clear();
    }
    if (l.reversal) {  // RC: a credit taken back
      Reversal r;
      r.reversal_id = id;
      reversal_ids_.Claim(&r.reversal_id, l.line, where, &out_->warnings);
      r.id_assigned = !has_bank_ref;
      r.kind = ReversalKind::kBankReversal;
      r.original_reference = has_customer_ref ? l.customer_ref : has_bank_ref ? l.bank_ref : std::string();
      r.amount_minor = l.amount;
      r.currency = currency_;
      r.value_date = l.value_date;
      r.reason_code = info.reason;
      r.text = info.remittance;
      r.source_line = l.line;
      out_->batch.reversals.push_back(std::move(r));
      return Status::Ok();
    }
    Payment p;
    p.payment_id = id;
    payment_ids_.Claim(&p.payment_id, l.line, where, &out_->warnings);
    p.source = PaymentSource::kWire;
    p.amount_minor = l.amount;
    p.currency = currency_;
    p.value_date = l.value_date;
    p.payer_name = info.payer_name;
    p.payer_account_fp = fp;
    p.payer_account_mask = mask;
    p.remittance = info.remittance;
    p.bank_batch_id = reference_;
    p.source_line = l.line;
    if (has_bank_ref) p.bank_reference = l.bank_ref;
    if (info.eref != "NOTPROVIDED") p.end_to_end_id = info.eref;
    CASHMATCH_RETURN_IF_ERROR(HandOverFullChunk(options_, &out_->batch));
    out_->batch.payments.push_back(std::move(p));
    return Status::Ok();
  }

  void CheckClosing(const Tag& t, int64_t closing) {
    if (!currency_ || !sums_ok_) return;
    int64_t expected = 0;
    if (__builtin_add_overflow(opening_, movement_, &expected)) return;
    if (expected == closing) return;
    const int e = currency_->exponent();
    out_->warnings.push_back(name_ + ":" + std::to_string(t.line) + ": tag :" + t.tag + ": closing balance " +
                             FormatAmountMinor(closing, e) + " " + std::string(currency_->code()) +
                             " does not equal opening " + FormatAmountMinor(opening_, e) +
                             " plus the statement lines, " + FormatAmountMinor(expected, e));
  }

  Status EndStatement(uint32_t line) {
    CASHMATCH_RETURN_IF_ERROR(FlushLine());
    if (!open_) return Status::Ok();
    if (!closing_) {
      return Status::InvalidInput(name_ + ":" + std::to_string(line) + ": tag :62F: field 'closing balance': " +
                                  "truncated statement '" + reference_ + "': no closing balance (:62F:/:62M:)");
    }
    ++statements_;
    open_ = closing_ = content_ = false;
    currency_ = nullptr;
    opening_ = movement_ = 0;
    sums_ok_ = true;
    reference_.clear();
    return Status::Ok();
  }

  const std::string& name_;
  std::string_view data_;
  const Fingerprinter& fp_;
  const ParseOptions& options_;
  ParsedSettlement* out_;
  std::optional<Tag> tag_;
  std::optional<StatementLine> pending_;
  uint32_t last_line_ = 0, line_count_ = 0, statements_ = 0;
  bool open_ = false, closing_ = false, content_ = false, sums_ok_ = true;
  const Currency* currency_ = nullptr;
  int64_t opening_ = 0, movement_ = 0;
  std::string reference_, digest_;
  UniqueIds payment_ids_, reversal_ids_;  // a transaction reference may repeat in a statement
};

}  // namespace

Result<ParsedSettlement> ParseMt940(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                    const ParseOptions& options) {
  ParsedSettlement out;
  out.batch.source_name = name;
  Mt940Reader reader(name, data, fp, options, &out);
  size_t pos = 0;
  uint32_t line = 0;
  while (pos < data.size()) {
    ++line;
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view text = data.substr(pos, end - pos);
    pos = end + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    CASHMATCH_RETURN_IF_ERROR(reader.Line(text, line));
  }
  CASHMATCH_RETURN_IF_ERROR(reader.Finish());
  return out;
}

}  // namespace cashmatch::io
