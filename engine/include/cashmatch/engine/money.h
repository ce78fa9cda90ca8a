// File: cashmatch/engine/money.h
//
// Money is a signed 64-bit count of minor units plus a currency. There is no
// floating point anywhere near an amount. Sums over many lines go through
// MoneySum, an overflow-checked 128-bit accumulator (Boost.Multiprecision
// checked_int128_t) that is narrowed back to int64 only with a check.
//
// Example:
//   auto r = ParseAmountMinor("1,234.50", usd->exponent());  // 123450
//   std::string s = FormatAmountMinor(123450, 2);            // "1234.50"
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/status.h"

namespace cashmatch {

struct Money {
  int64_t amount_minor = 0;
  const Currency* currency = nullptr;

  bool operator==(const Money& o) const { return amount_minor == o.amount_minor && currency == o.currency; }
};

// Parses decimal text in major units into minor units, exactly.
// Accepts: optional sign, digits with optional thousands separators in
// groups of three ("1,234,567.89"), an optional '.' with at most `exponent`
// decimals ("1234.5" -> 123450 at exponent 2). Surrounding blanks are ignored.
// Rejects: empty text, garbage, misplaced separators, more decimals than the
// currency has (no silent rounding), and values outside int64.
Result<int64_t> ParseAmountMinor(std::string_view text, int exponent);

// Parses a plain integer count of minor units (e.g. BAI2's implied decimals,
// Stripe's API amounts): optional sign, digits only.
Result<int64_t> ParseMinorUnits(std::string_view text);

// Formats minor units as decimal major-unit text: "-0.01", "1234.50", "500".
// No thousands separators, so the output parses back to the same value.
std::string FormatAmountMinor(int64_t amount_minor, int exponent);

inline std::string FormatMoney(const Money& m) { return FormatAmountMinor(m.amount_minor, m.currency->exponent()); }

// Overflow-checked accumulator. Adding past 128 bits throws (programmer
// error: impossible with int64 inputs in practice); narrowing to int64 is
// checked and reported as a Status.
class MoneySum {
 public:
  using Wide = boost::multiprecision::checked_int128_t;
  void Add(int64_t amount_minor) { total_ += amount_minor; }
  void Sub(int64_t amount_minor) { total_ -= amount_minor; }
  const Wide& wide() const { return total_; }
  bool FitsInt64() const;
  // The total as int64; an error when it does not fit.
  Result<int64_t> ToInt64() const;
  // Exact decimal text of the (possibly wider than int64) total.
  std::string Format(int exponent) const;

 private:
  Wide total_ = 0;
};

}  // namespace cashmatch
