// File: io/src/readers/reader_util.h
//
// Internal: the small text helpers every settlement reader (and the book
// CSV reader) shares, so that "blank", "trimmed", "a valid id" and "valid
// text" mean the same in every format.
//
// Example:
//   std::string_view v = Trim(field);
//   if (const char* why = IdProblem(v)) return Status::InvalidInput(where + ": " + why);
//   AppendValidUtf8(raw_name, &payment.payer_name);
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cashmatch/io/digest.h"
#include "cashmatch/io/settlement.h"
#include "id_set.h"

namespace cashmatch::io {

// Space, tab, CR and LF: what the formats call blank around a field.
inline bool IsBlankByte(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsBlankByte(s.front())) s.remove_prefix(1);
  return s;
}
inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsBlankByte(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view Trim(std::string_view s) { return TrimRight(TrimLeft(s)); }

// True when `s` holds nothing but blanks.
inline bool IsBlank(std::string_view s) { return TrimLeft(s).empty(); }

// "ab" -> "ab", "\"a\"\"b\"" -> "a\"b": one field's surrounding double
// quotes removed and doubled quotes inside made single. A field without
// surrounding quotes is returned as it is.
inline std::string Unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  out.reserve(s.size() - 2);
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == '"' && i + 2 < s.size() && s[i + 1] == '"') ++i;
  }
  return out;
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence; a
// cut text ends in "...".
inline std::string Clip(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

// Text from the file echoed into a message: in single quotes, clipped.
inline std::string QuoteClipped(std::string_view s, size_t max) { return "'" + Clip(s, max) + "'"; }

// The length of the well-formed UTF-8 sequence at s[i] (1 to 4), or 0 when
// the bytes there are not one (a stray continuation byte, an overlong form,
// a surrogate, a code point above U+10FFFF, a cut sequence). `*cp` gets the
// code point.
inline size_t Utf8SequenceAt(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t lead = b(0);
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  size_t n = 0;
  uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    n = 2, min = 0x80, *cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, min = 0x800, *cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, *cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(k) & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return n;
}

inline bool IsValidUtf8(std::string_view s) {
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceAt(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `s` with every byte that does not start a well-formed UTF-8 sequence
// replaced by U+FFFD, so that names and remittance text from a bank in
// Latin-1 (or a cut multi-byte character) still export as valid JSON.
inline std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceAt(s, i, &cp);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Makes `*s` valid UTF-8 in place (see ToValidUtf8); true when it changed.
inline bool MakeValidUtf8(std::string* s) {
  if (IsValidUtf8(*s)) return false;
  *s = ToValidUtf8(*s);
  return true;
}

// Ids (payment ids, bank references, invoice and customer ids, Stripe
// ids) are printable UTF-8: no C0 or C1 control character, no DEL. They
// become ledger keys and export fields, where a NUL or an invalid byte
// would break both. Returns nullptr for a valid id, else why it is not.
inline const char* IdProblem(std::string_view id) {
  uint32_t cp = 0;
  for (size_t i = 0; i < id.size();) {
    const size_t n = Utf8SequenceAt(id, i, &cp);
    if (n == 0) return "an id must be valid UTF-8";
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
      return cp == 0 ? "an id must not contain a NUL character" : "an id must not contain a control character";
    }
    i += n;
  }
  return nullptr;
}

// The first `hex_count` hex digits of the file's SHA-256, for ids derived
// from the file: the caller's digest when it passed one (the pipeline hashes
// every file once, for the batch's identity), else computed here.
inline std::string FileDigestPrefix(std::string_view data, const ParseOptions& options, size_t hex_count) {
  if (!options.sha256_hex.empty()) return options.sha256_hex.substr(0, hex_count);
  return Sha256Hex(data).substr(0, hex_count);
}

// The ids of one file's records, made unique the way bank statements need:
// a statement may carry the same reference twice (two credits with one
// bank reference), and both are real money. The second becomes "<id>~2"
// (then ~3 …), stable for the same file, with a warning naming both lines.
// Formats whose ids must never repeat (NDJSON, Stripe) use IdSet directly
// and fail instead.
//
// Thread safety: none; one per parse.
class UniqueIds {
 public:
  void Reserve(size_t count) { ids_.Reserve(count); }

  // `*id` as it is, or a new unique one with a warning in `*warnings`
  // ("<where>: id 'X' was already used on line 4; this one is 'X~2'").
  void Claim(std::string* id, uint32_t line, const std::string& where, std::vector<std::string>* warnings) {
    uint32_t first_line = 0;
    if (ids_.Insert(*id, line, &first_line)) return;
    // next_ remembers where each repeated id's suffixes stand, so a file
    // that repeats one id n times costs O(n), not O(n^2).
    uint32_t& n = next_.emplace(*id, 2).first->second;
    std::string candidate;
    do {
      candidate = *id + "~" + std::to_string(n++);
    } while (!ids_.Insert(candidate, line));
    warnings->push_back(where + ": id '" + *id + "' was already used on line " + std::to_string(first_line) +
                        "; this one is '" + candidate + "'");
    *id = std::move(candidate);
  }

 private:
  IdSet ids_;
  std::unordered_map<std::string, uint32_t> next_;
};

}  // namespace cashmatch::io
