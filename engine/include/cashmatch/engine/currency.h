// File: cashmatch/engine/currency.h
//
// ISO 4217 currencies and their minor-unit exponents (USD 2, JPY 0, KWD 3).
// The table is static and immutable: safe to read from any thread.
// Stripe's own exponent table (ISK is 2 there) belongs to the Stripe parser,
// not here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cashmatch {

class Currency {
 public:
  // Looks a code up case-insensitively ("usd" and "USD" are the same).
  // Returns nullptr for a code that is not an active ISO 4217 currency.
  static const Currency* Find(std::string_view code);

  std::string_view code() const { return std::string_view(code_, 3); }
  // Number of decimal digits in the minor unit: 10^exponent minor = 1 major.
  int exponent() const { return exponent_; }
  // Position in the static table: a compact, stable id for encodings.
  uint16_t index() const { return index_; }
  static const Currency* FromIndex(uint16_t index);
  static size_t Count();

  char code_[3];
  uint8_t exponent_;
  uint16_t index_;
};

}  // namespace cashmatch
