// Payer-name normalization and the similarity rule (payer_name.h).
//
// Two paths give the same tokens: pure-ASCII names (most bank files) are
// folded byte by byte; anything else goes through utf8proc first. For ASCII
// input utf8proc's mapping is the identity but for upper case, so both
// paths agree; payer_name_test checks that they do.
#include "cashmatch/engine/payer_name.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <memory>

namespace cashmatch {
namespace {

// Legal-form words stripped from the end of a name, after initialisms are
// joined ("S.A." is "sa", "L.L.C." is "llc"). Sorted: looked up by binary
// search.
constexpr std::array<std::string_view, 60> kLegalForms = {
    "ab",          "ag",  "aps",     "as",  "asa",  "bhd",    "bv",   "bvba", "cic",          "co",  "company", "corp",
    "corporation", "cv",  "eg",      "ev",  "gbr",  "gesmbh", "gmbh", "inc",  "incorporated", "kft", "kg",      "kgaa",
    "kk",          "lc",  "limited", "llc", "lllp", "llp",    "lp",   "ltd",  "ltda",         "mbh", "nv",      "ohg",
    "oy",          "oyj", "pc",      "plc", "pllc", "pte",    "pty",  "pvt",  "sa",           "sae", "sarl",    "sas",
    "sdn",         "se",  "sl",      "slu", "spa",  "sprl",   "srl",  "sro",  "ug",           "ulc", "zao",     "zrt"};
static_assert(std::is_sorted(kLegalForms.begin(), kLegalForms.end()));

bool IsLegalForm(std::string_view token) { return std::binary_search(kLegalForms.begin(), kLegalForms.end(), token); }

// Letters that have no decomposition, so stripping marks leaves them as
// they are, but that banks commonly write in ASCII. Case is folded first,
// so only the lower-case forms appear.
struct SpelledOut {
  utf8proc_int32_t code_point;
  const char* ascii;
};
constexpr SpelledOut kSpelledOut[] = {
    {0x00E6, "ae"},  // æ
    {0x00F0, "d"},   // ð
    {0x00F8, "o"},   // ø
    {0x00FE, "th"},  // þ
    {0x0111, "d"},   // đ
    {0x0127, "h"},   // ħ
    {0x0131, "i"},   // ı
    {0x0142, "l"},   // ł
    {0x0153, "oe"},  // œ
};

// Options for utf8proc_map: NFKC (compatibility composition), case fold,
// marks stripped (diacritics), default-ignorable code points removed (soft
// hyphens, zero-width joiners), look-alike punctuation lumped to ASCII
// (’ -> ', non-breaking space -> space).
constexpr int kMapOptions = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                            UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_LUMP;

// Collects tokens from code points: letters and digits extend the current
// token, an apostrophe is skipped, anything else ends it.
class Tokenizer {
 public:
  void Ascii(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      current_.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      current_.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c != '\'') {
      Break();
    }
  }

  void CodePoint(utf8proc_int32_t cp) {
    if (cp < 0x80) {
      Ascii(static_cast<char>(cp));
      return;
    }
    for (const SpelledOut& s : kSpelledOut) {
      if (s.code_point == cp) {
        current_ += s.ascii;
        return;
      }
    }
    switch (utf8proc_category(cp)) {
      case UTF8PROC_CATEGORY_LU:
      case UTF8PROC_CATEGORY_LL:
      case UTF8PROC_CATEGORY_LT:
      case UTF8PROC_CATEGORY_LM:
      case UTF8PROC_CATEGORY_LO:
      case UTF8PROC_CATEGORY_ND:
      case UTF8PROC_CATEGORY_NL:
      case UTF8PROC_CATEGORY_NO:
      case UTF8PROC_CATEGORY_MC: {
        utf8proc_uint8_t buf[4];
        const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
        current_.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
        return;
      }
      default: Break();
    }
  }

  void Break() {
    if (!current_.empty()) tokens_.push_back(std::move(current_));
    current_.clear();
  }

  std::vector<std::string> Take() {
    Break();
    return std::move(tokens_);
  }

 private:
  std::string current_;
  std::vector<std::string> tokens_;
};

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// ISO 8859-1 bytes as UTF-8: every byte is the code point of its value.
std::string Latin1ToUtf8(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  for (char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    }
  }
  return out;
}

// Maps valid UTF-8 with utf8proc and feeds the result to `t`; false when
// the input is not valid UTF-8 (nothing is fed then).
bool TokenizeUnicode(std::string_view text, Tokenizer* t) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &mapped, static_cast<utf8proc_option_t>(kMapOptions));
  if (n < 0) return false;
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);
  utf8proc_ssize_t pos = 0;
  while (pos < n) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t step = utf8proc_iterate(mapped + pos, n - pos, &cp);
    assert(step > 0);  // utf8proc's own output is valid UTF-8
    t->CodePoint(cp);
    pos += step;
  }
  return true;
}

// Runs of one-character tokens become one token: "a c m e" -> "acme".
void JoinInitialisms(std::vector<std::string>* tokens) {
  std::vector<std::string> out;
  out.reserve(tokens->size());
  bool last_single = false;
  for (std::string& t : *tokens) {
    const bool single = CodePointCount(t) == 1;
    if (single && last_single) {
      out.back() += t;
    } else {
      out.push_back(std::move(t));
    }
    last_single = single;
  }
  *tokens = std::move(out);
}

// Drops "and", a leading "the" and trailing legal forms, keeping at least
// one token.
void StripNoise(std::vector<std::string>* tokens) {
  std::erase_if(*tokens, [](const std::string& t) { return t == "and"; });
  size_t begin = 0;
  size_t end = tokens->size();
  if (end - begin >= 2 && (*tokens)[begin] == "the") ++begin;
  while (end - begin >= 2 && IsLegalForm((*tokens)[end - 1])) --end;
  tokens->erase(tokens->begin() + static_cast<std::ptrdiff_t>(end), tokens->end());
  tokens->erase(tokens->begin(), tokens->begin() + static_cast<std::ptrdiff_t>(begin));
}

}  // namespace

PayerName NormalizePayerName(std::string_view raw) {
  PayerName out;
  Tokenizer t;
  const bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    for (char c : raw) t.Ascii(c);
  } else if (!TokenizeUnicode(raw, &t)) {
    out.latin1 = true;
    const bool ok = TokenizeUnicode(Latin1ToUtf8(raw), &t);
    assert(ok);  // any byte string is valid Latin-1, and its UTF-8 is valid
    (void)ok;
  }
  std::vector<std::string> tokens = t.Take();
  JoinInitialisms(&tokens);
  StripNoise(&tokens);
  for (const std::string& tok : tokens) {
    if (!out.text.empty()) out.text.push_back(' ');
    out.text += tok;
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  out.tokens = std::move(tokens);
  return out;
}

bool PayerNameLooksCut(std::string_view raw) {
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  if (raw.size() != kNachaCompanyNameLength) return false;
  const char last = raw.back();
  return (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z') || (last >= '0' && last <= '9');
}

int32_t NameSimilarityMilli(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  assert(std::is_sorted(a.begin(), a.end()));
  assert(std::is_sorted(b.begin(), b.end()));
  if (a.empty() || b.empty()) return 0;
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    const int c = a[i].compare(b[j]);
    if (c == 0) ++shared;
    i += c <= 0 ? 1 : 0;
    j += c >= 0 ? 1 : 0;
  }
  return static_cast<int32_t>(2000 * shared / (a.size() + b.size()));
}

std::vector<PayerName> CustomerNames(const Customer& c) {
  std::vector<PayerName> names;
  names.reserve(1 + c.aliases.size());
  names.push_back(NormalizePayerName(c.name));
  for (const std::string& alias : c.aliases) names.push_back(NormalizePayerName(alias));
  std::erase_if(names, [](const PayerName& n) { return n.empty(); });
  return names;
}

std::vector<std::string> CustomerNameTexts(const std::vector<PayerName>& customer_names) {
  std::vector<std::string> texts;
  texts.reserve(customer_names.size());
  for (const PayerName& n : customer_names) texts.push_back(n.text);
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  return texts;
}

int32_t CustomerNameSimilarityMilli(const std::vector<std::string>& payer_tokens,
                                    const std::vector<PayerName>& customer_names) {
  int32_t best = 0;
  for (const PayerName& n : customer_names) best = std::max(best, NameSimilarityMilli(payer_tokens, n.tokens));
  return best;
}

int32_t NameSimilarityBoundMilli(size_t shared, size_t payer_count) {
  assert(shared <= payer_count);
  if (shared == 0) return 0;
  return static_cast<int32_t>(2000 * shared / (payer_count + shared));
}

}  // namespace cashmatch
