// File: cashmatch/engine/date.h
//
// Calendar dates as days since 1970-01-01 (proleptic Gregorian, no time
// zone): the value dates and due dates of receivables have no time of day.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cashmatch/engine/status.h"

namespace cashmatch {

struct Date {
  int32_t days = 0;  // days since 1970-01-01
  auto operator<=>(const Date&) const = default;
};

// Parses "YYYY-MM-DD" strictly (zero-padded, real calendar day).
Result<Date> ParseIsoDate(std::string_view text);
// Builds a date from parts; false when the day does not exist.
bool MakeDate(int year, int month, int day, Date* out);
std::string FormatIsoDate(Date d);

}  // namespace cashmatch
