// The rail fields US banks print in free text: see bank_text.h.
#include "bank_text.h"

#include <algorithm>
#include <array>

#include "cashmatch/engine/money.h"
#include "reader_util.h"

namespace cashmatch::io {
namespace {

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// A label may start after these (a word start).
bool IsLabelBoundary(char c) { return IsSpaceOrTab(c) || c == ',' || c == '\\' || c == ';'; }

// Where `label` ends when it is written at s[i] (letters in any case, a
// blank in the label matching one or more blanks), or npos.
size_t MatchLabel(std::string_view s, size_t i, std::string_view label) {
  size_t j = i;
  for (size_t k = 0; k < label.size(); ++k) {
    if (label[k] == ' ') {
      if (j >= s.size() || !IsSpaceOrTab(s[j])) return std::string_view::npos;
      while (j < s.size() && IsSpaceOrTab(s[j])) ++j;
      continue;
    }
    if (j >= s.size() || Upper(s[j]) != label[k]) return std::string_view::npos;
    ++j;
  }
  return j;
}

struct TagHit {
  const BankTextTag* tag = nullptr;
  size_t value_begin = 0;
  bool bare = false;  // written without ':' or '=': its value is one word
};

// The longest label of `profile` written at s[i], followed by ':' or '='
// (blanks allowed before it), or standing bare when it has several words
// or ends in '#'.
bool TagAt(std::string_view s, size_t i, const BankTextProfile& profile, TagHit* hit) {
  size_t best_length = 0;
  for (const BankTextTag& t : profile.tags) {
    if (t.label.empty() || t.label.size() <= best_length || Upper(s[i]) != t.label[0]) continue;
    size_t j = MatchLabel(s, i, t.label);
    if (j == std::string_view::npos) continue;
    const bool ends_hash = t.label.back() == '#';
    if (!ends_hash && j < s.size() && IsAlnum(s[j])) continue;  // a longer word
    size_t k = j;
    while (k < s.size() && IsSpaceOrTab(s[k])) ++k;
    if (k < s.size() && (s[k] == ':' || s[k] == '=')) {
      *hit = TagHit{&t, k + 1, false};
    } else if (ends_hash || t.label.find(' ') != std::string::npos) {
      *hit = TagHit{&t, k, true};
    } else {
      continue;
    }
    best_length = t.label.size();
  }
  return best_length > 0;
}

// X12 820 RMR segments in `value` ("RMR*IV*INV-1*PI*100.00\"): an invoice
// qualifier (IV, OI) gives a reference with its paid amount (RMR04); any
// other qualifier ("PO") is left as words for the patterns. Text outside
// the segments is remittance.
void ReadRmrSegments(std::string_view value, int exponent, BankText* out) {
  constexpr std::string_view kRmr = "RMR*";
  size_t pos = 0;
  while (pos < value.size()) {
    size_t at = value.find(kRmr, pos);
    AppendWords(value.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos), &out->remittance);
    if (at == std::string_view::npos) return;
    size_t end = value.find_first_of("\\~", at);
    size_t next = value.find(kRmr, at + kRmr.size());
    end = std::min(end, next);
    std::string_view seg = value.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    std::array<std::string_view, 6> e{};
    size_t n = 0;
    for (size_t b = 0; n < e.size();) {
      size_t star = seg.find('*', b);
      e[n++] = Trim(seg.substr(b, star == std::string_view::npos ? std::string_view::npos : star - b));
      if (star == std::string_view::npos) break;
      b = star + 1;
    }
    if ((e[1] == "IV" || e[1] == "OI") && !e[2].empty()) {
      RemittanceRef ref;
      ref.invoice_number = std::string(e[2]);
      if (!e[4].empty()) {
        auto amount = ParseAmountMinor(e[4], exponent);
        if (amount.ok()) ref.amount_minor = amount.value();
      }
      out->references.push_back(std::move(ref));
    } else {
      AppendWords(e[1], &out->remittance);
      AppendWords(e[2], &out->remittance);
    }
    if (end == std::string_view::npos) return;
    pos = end == next ? end : end + 1;
  }
}

void FileValue(const BankTextTag* tag, std::string_view value, int exponent, BankText* out) {
  value = Trim(value);
  const BankTextRole role = tag == nullptr ? BankTextRole::kRemittance : tag->role;
  switch (role) {
    case BankTextRole::kPayerName: {
      // Fedwire: "ORG:/123456789 ACME CORP" — the payer's account, then the name.
      if (!value.empty() && value.front() == '/') {
        std::string_view account = AccountToken(value.substr(1));
        if (out->payer_id.empty()) out->payer_id = account;
        value = Trim(value.substr(1 + account.size()));
      }
      if (out->payer_name.empty()) out->payer_name = std::string(value);
      return;
    }
    case BankTextRole::kPayerId: {
      if (!value.empty() && value.front() == '/') value.remove_prefix(1);
      if (out->payer_id.empty()) out->payer_id = AccountToken(value);
      return;
    }
    case BankTextRole::kRemittance: AppendWords(value, &out->remittance); return;
    case BankTextRole::kStructuredRefs: ReadRmrSegments(value, exponent, out); return;
    case BankTextRole::kIgnore: return;
  }
}

}  // namespace

const Bai2TextPolicy& DefaultTextPolicy() {
  static const Bai2TextPolicy kDefault;
  return kDefault;
}

const BankTextProfile* UsTextProfile(const Bai2TextPolicy* policy) {
  const Bai2TextPolicy& p = policy != nullptr ? *policy : DefaultTextPolicy();
  if (p.profile != "auto") {
    const BankTextProfile* chosen = p.Find(p.profile);
    if (chosen != nullptr && !chosen->whole_text) return chosen;
  }
  const BankTextProfile* us = p.Find("us");
  return us != nullptr ? us : DefaultTextPolicy().Find("us");
}

std::string_view AccountToken(std::string_view s) {
  size_t end = 0;
  while (end < s.size() && (IsAlnum(s[end]) || s[end] == '-')) ++end;
  return s.substr(0, end);
}

void AppendWords(std::string_view v, std::string* out) {
  v = Trim(v);
  if (v.empty()) return;
  if (!out->empty()) out->push_back(' ');
  out->append(v);
}

// Cuts `text` at the labels of `profile`. A label written bare keeps one
// word; the words after it go back to the remittance.
void ReadBankText(std::string_view text, const BankTextProfile& profile, int exponent, BankText* out) {
  const BankTextTag* current = nullptr;
  size_t value_begin = 0;
  bool bare = false;
  auto flush = [&](size_t end) {
    std::string_view v = text.substr(value_begin, end - value_begin);
    if (bare) {
      v = Trim(v);
      size_t space = 0;
      while (space < v.size() && !IsSpaceOrTab(v[space])) ++space;
      FileValue(current, v.substr(0, space), exponent, out);
      FileValue(nullptr, v.substr(space), exponent, out);
      return;
    }
    FileValue(current, v, exponent, out);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && !IsLabelBoundary(text[i - 1])) continue;
    TagHit hit;
    if (!TagAt(text, i, profile, &hit)) continue;
    flush(i);
    current = hit.tag;
    value_begin = hit.value_begin;
    bare = hit.bare;
    i = hit.value_begin == 0 ? 0 : hit.value_begin - 1;
  }
  flush(text.size());
}

// Whether `text` carries any label of `profile` (auto detection per record).
bool HasProfileTag(std::string_view text, const BankTextProfile& profile) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && !IsLabelBoundary(text[i - 1])) continue;
    TagHit hit;
    if (TagAt(text, i, profile, &hit)) return true;
  }
  return false;
}

// A payer id is taken when it has at least four letters or digits.
bool LooksLikePayerId(std::string_view s) {
  int n = 0;
  for (char c : s) n += IsAlnum(c) ? 1 : 0;
  return n >= 4;
}

}  // namespace cashmatch::io
