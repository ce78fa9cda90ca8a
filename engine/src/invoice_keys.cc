#include "cashmatch/engine/invoice_keys.h"

#include <algorithm>
#include <cassert>

#include "cashmatch/engine/hints.h"

namespace cashmatch {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsUpper(c) || IsLower(c); }
char Upper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

// Adds the ISO 7064 value of one character to a running mod-97 remainder:
// digits as themselves, letters A=10 … Z=35 (two digits).
int Mod97Step(int rem, char c) {
  if (IsDigit(c)) return (rem * 10 + (c - '0')) % 97;
  const int v = Upper(c) - 'A' + 10;
  return (rem * 100 + v) % 97;
}

constexpr size_t kRfCreditorLengthMax = 21;

// The digit a look-alike letter stands for ('\0' for any other letter).
char LookAlikeDigit(char c) {
  switch (c) {
    case 'O':
    case 'o': return '0';
    case 'I':
    case 'i':
    case 'l': return '1';
    case 'S': return '5';
    case 'B': return '8';
    case 'Z': return '2';
    default: return '\0';
  }
}

// The first letter or digit of `text` at or after `i` (its size if none).
size_t SkipSeparators(std::string_view text, size_t i) {
  while (i < text.size() && !IsAlnum(text[i])) ++i;
  return i;
}

// Whether the alphanumeric segment `seg` is a serial written with
// look-alike letters for some of its digits: one to kLookAlikeRunLettersMax
// look-alikes, each opening the segment or between digits, at least
// kLookAlikeRunDigitsMin digits, and a digit last (a letter at the end is
// a suffix: "4211B").
bool SerialWithLookAlikes(std::string_view seg) {
  size_t letters = 0;
  size_t digits = 0;
  bool leading = true;  // still in the letters that open the segment
  for (size_t k = 0; k < seg.size(); ++k) {
    if (IsDigit(seg[k])) {
      ++digits;
      leading = false;
      continue;
    }
    if (LookAlikeDigit(seg[k]) == '\0') return false;
    if (!leading && (k + 1 == seg.size() || !IsDigit(seg[k + 1]))) return false;
    ++letters;
  }
  return letters >= 1 && letters <= kLookAlikeRunLettersMax && digits >= kLookAlikeRunDigitsMin && IsDigit(seg.back());
}

// `text` with the look-alike letters of its serials read as digits
// (SerialWithLookAlikes, only in segments after the text's first digit);
// false (and `out` untouched) when nothing is folded, the common case.
bool FoldLookAlikes(std::string_view text, std::string* out) {
  bool folded = false;
  bool seen_digit = false;
  for (size_t i = SkipSeparators(text, 0); i < text.size(); i = SkipSeparators(text, i)) {
    size_t j = i;
    bool has_digit = false;
    for (; j < text.size() && IsAlnum(text[j]); ++j) has_digit = has_digit || IsDigit(text[j]);
    const std::string_view seg = text.substr(i, j - i);
    // Letters before the text's first digit are its prefix ("INV", "B"):
    // the tolerant key drops them, and they are never read as digits.
    if (seen_digit && SerialWithLookAlikes(seg)) {
      if (!folded) out->assign(text);
      folded = true;
      for (size_t k = i; k < j; ++k) {
        if (!IsDigit(text[k])) (*out)[k] = LookAlikeDigit(text[k]);
      }
    }
    seen_digit = seen_digit || has_digit;
    i = j;
  }
  return folded;
}

}  // namespace

std::string TolerantInvoiceKey(std::string_view text) {
  std::string out;
  TolerantInvoiceKeyTo(text, &out);
  return out;
}

void TolerantInvoiceKeyTo(std::string_view text, std::string* key) {
  std::string& out = *key;
  out.clear();
  std::string folded;
  if (FoldLookAlikes(text, &folded)) text = folded;
  bool seen_digit = false;
  for (size_t i = SkipSeparators(text, 0); i < text.size(); i = SkipSeparators(text, i)) {
    const bool digits = IsDigit(text[i]);
    size_t j = i;
    while (j < text.size() && IsAlnum(text[j]) && IsDigit(text[j]) == digits) ++j;
    std::string_view run = text.substr(i, j - i);
    i = j;
    if (!digits && !seen_digit) continue;  // the prefix: "INV", "Invoice no"
    if (!out.empty()) out.push_back('-');
    if (digits) {
      seen_digit = true;
      size_t z = 0;
      while (z + 1 < run.size() && run[z] == '0') ++z;
      out.append(run.substr(z));
    } else {
      for (char c : run) out.push_back(Upper(c));
    }
  }
  if (!seen_digit) out.clear();
}

std::string_view TypoBodyKey(std::string_view strict) {
  size_t i = 0;
  while (i < strict.size() && !IsDigit(strict[i])) ++i;
  return strict.substr(i);
}

std::string_view TailDigits(std::string_view tolerant) {
  const size_t dash = tolerant.rfind('-');
  std::string_view last = dash == std::string_view::npos ? tolerant : tolerant.substr(dash + 1);
  if (last.empty() || !IsDigit(last.front())) return {};
  return last;
}

bool IsBareNumber(std::string_view tolerant) {
  return !tolerant.empty() && std::all_of(tolerant.begin(), tolerant.end(), IsDigit);
}

std::vector<std::string> DeletionNeighbourhood(std::string_view body) {
  std::vector<std::string> out;
  if (body.size() < kTypoIndexLengthMin) return out;
  out.reserve(body.size() + 1);
  out.emplace_back(body);
  for (size_t i = 0; i < body.size(); ++i) {
    // Deleting either of two equal neighbours gives the same string: keep
    // the first only.
    if (i > 0 && body[i] == body[i - 1]) continue;
    std::string v;
    v.reserve(body.size() - 1);
    v.append(body.substr(0, i));
    v.append(body.substr(i + 1));
    out.push_back(std::move(v));
  }
  return out;
}

int EditDistanceUpToOne(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return 2;
  size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return 0;
    if (a.substr(i + 1) == b.substr(i + 1)) return 1;  // substitution
    const bool swapped = i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i];
    return swapped && a.substr(i + 2) == b.substr(i + 2) ? 1 : 2;
  }
  // One longer by a character: skipping a[i] must leave the rest equal.
  return a.substr(i + 1) == b.substr(i) ? 1 : 2;
}

std::string PurchaseOrderKey(std::string_view text) {
  std::string key = TolerantInvoiceKey(text);
  return key.empty() ? NormalizeInvoiceNumber(text) : key;
}

bool IsValidRfReference(std::string_view compact) {
  if (compact.size() < 5 || compact.size() > 4 + kRfCreditorLengthMax) return false;
  if (Upper(compact[0]) != 'R' || Upper(compact[1]) != 'F') return false;
  if (!IsDigit(compact[2]) || !IsDigit(compact[3])) return false;
  int rem = 0;
  // The creditor part first, then "RF" and the check digits (ISO 11649).
  for (char c : compact.substr(4)) {
    if (!IsAlnum(c)) return false;
    rem = Mod97Step(rem, c);
  }
  for (char c : compact.substr(0, 4)) rem = Mod97Step(rem, c);
  return rem == 1;
}

std::optional<std::string> RfCreditorPart(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != ' ') compact.push_back(Upper(c));
  }
  if (!IsValidRfReference(compact)) return std::nullopt;
  return compact.substr(4);
}

std::string MakeRfReference(std::string_view creditor) {
  if (creditor.empty() || creditor.size() > kRfCreditorLengthMax) return {};
  if (!std::all_of(creditor.begin(), creditor.end(), IsAlnum)) return {};
  int rem = 0;
  for (char c : creditor) rem = Mod97Step(rem, c);
  for (char c : std::string_view("RF00")) rem = Mod97Step(rem, c);
  const int check = 98 - rem;
  std::string out = "RF";
  out.push_back(static_cast<char>('0' + check / 10));
  out.push_back(static_cast<char>('0' + check % 10));
  for (char c : creditor) out.push_back(Upper(c));
  assert(IsValidRfReference(out));
  return out;
}

}  // namespace cashmatch
