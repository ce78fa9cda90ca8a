#include "cashmatch/engine/money.h"

#include "wide.h"

#include <cassert>
#include <limits>

namespace cashmatch {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Accumulates a non-negative magnitude in 128 bits so that int64 overflow
// is detected before it can happen.
struct Magnitude {
  u128 value = 0;
  bool overflow = false;
  void PushDigit(char c) {
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > (static_cast<u128>(1) << 64)) overflow = true;
  }
};

Result<int64_t> ApplySign(const Magnitude& m, bool negative, std::string_view text) {
  const u128 kMaxPos = static_cast<u128>(std::numeric_limits<int64_t>::max());
  if (m.overflow || m.value > kMaxPos + (negative ? 1 : 0)) {
    return Status::InvalidInput("amount '" + std::string(text) + "' is out of range");
  }
  if (negative) return static_cast<int64_t>(-static_cast<i128>(m.value));
  return static_cast<int64_t>(m.value);
}

}  // namespace

Result<int64_t> ParseAmountMinor(std::string_view raw, int exponent) {
  assert(exponent >= 0);
  assert(exponent <= 6);
  std::string_view s = Trim(raw);
  auto bad = [&](const char* why) { return Status::InvalidInput("amount '" + std::string(raw) + "' " + why); };
  if (s.empty()) return bad("is empty");
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view whole = dot == std::string_view::npos ? s : s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad("has no digits");
  if (dot != std::string_view::npos && frac.empty() && whole.empty()) return bad("has no digits");

  Magnitude m;
  // Whole part: digits, optionally grouped by ',' in threes ("1,234,567").
  bool grouped = whole.find(',') != std::string_view::npos;
  size_t since_sep = 0;
  bool first_group = true;
  for (char c : whole) {
    if (c == ',') {
      if (since_sep == 0 || (first_group ? since_sep > 3 : since_sep != 3)) return bad("has a misplaced ','");
      first_group = false;
      since_sep = 0;
      continue;
    }
    if (!IsDigit(c)) return bad("is not a decimal number");
    m.PushDigit(c);
    ++since_sep;
  }
  if (grouped && since_sep != 3) return bad("has a misplaced ','");
  if (whole.empty() && dot == std::string_view::npos) return bad("has no digits");

  if (frac.find_first_not_of("0123456789") != std::string_view::npos) return bad("is not a decimal number");
  if (frac.size() > static_cast<size_t>(exponent)) {
    // Trailing zeros beyond the exponent carry no value ("12.500" in USD)
    // but anything else would need rounding, which money never does.
    std::string_view extra = frac.substr(static_cast<size_t>(exponent));
    if (extra.find_first_not_of('0') != std::string_view::npos) {
      return bad(("has more than " + std::to_string(exponent) + " decimals").c_str());
    }
    frac = frac.substr(0, static_cast<size_t>(exponent));
  }
  if (dot != std::string_view::npos && whole.empty() && frac.empty() && exponent == 0) {
    return bad("has no digits");
  }
  for (char c : frac) m.PushDigit(c);
  for (size_t i = frac.size(); i < static_cast<size_t>(exponent); ++i) m.PushDigit('0');
  return ApplySign(m, negative, raw);
}

Result<int64_t> ParseMinorUnits(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.empty()) return Status::InvalidInput("amount '" + std::string(raw) + "' is empty");
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return Status::InvalidInput("amount '" + std::string(raw) + "' has no digits");
  Magnitude m;
  for (char c : s) {
    if (!IsDigit(c)) return Status::InvalidInput("amount '" + std::string(raw) + "' is not an integer");
    m.PushDigit(c);
  }
  return ApplySign(m, negative, raw);
}

namespace {
std::string FormatMagnitude(u128 mag, bool negative, int exponent) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  while (digits.size() <= static_cast<size_t>(exponent)) digits.push_back('0');
  std::string out;
  out.reserve(digits.size() + 2);
  if (negative) out.push_back('-');
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (exponent > 0 && i == static_cast<size_t>(exponent)) out.push_back('.');
  }
  return out;
}
}  // namespace

std::string FormatAmountMinor(int64_t amount_minor, int exponent) {
  assert(exponent >= 0);
  bool negative = amount_minor < 0;
  u128 mag = negative ? static_cast<u128>(-static_cast<i128>(amount_minor)) : static_cast<u128>(amount_minor);
  return FormatMagnitude(mag, negative, exponent);
}

bool MoneySum::FitsInt64() const {
  return total_ >= Wide(std::numeric_limits<int64_t>::min()) && total_ <= Wide(std::numeric_limits<int64_t>::max());
}

Result<int64_t> MoneySum::ToInt64() const {
  if (!FitsInt64()) return Status::InvalidInput("sum " + total_.str() + " does not fit in 64 bits");
  return total_.convert_to<int64_t>();
}

std::string MoneySum::Format(int exponent) const {
  bool negative = total_ < 0;
  Wide mag_wide = negative ? Wide(-total_) : total_;
  // checked_int128_t holds magnitudes up to 2^128-1, so it fits u128.
  u128 mag = 0;
  std::string dec = mag_wide.str();
  for (char c : dec) mag = mag * 10 + static_cast<unsigned>(c - '0');
  return FormatMagnitude(mag, negative, exponent);
}

}  // namespace cashmatch
