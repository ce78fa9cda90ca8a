#include "cashmatch/engine/date.h"

#include <cassert>
#include <cstdio>

namespace cashmatch {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d (Howard Hinnant's civil-from-days inverse).
int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

void CivilFromDays(int32_t z, int* y, int* m, int* d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe) + era * 400 + (*m <= 2);
}

}  // namespace

bool MakeDate(int year, int month, int day, Date* out) {
  if (year < 1900 || year > 9999 || month < 1 || month > 12) return false;
  if (day < 1 || day > DaysInMonth(year, month)) return false;
  out->days = DaysFromCivil(year, month, day);
  return true;
}

Result<Date> ParseIsoDate(std::string_view s) {
  auto bad = [&] { return Status::InvalidInput("expected a date YYYY-MM-DD, got '" + std::string(s) + "'"); };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return bad();
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = 0; i < lens[p]; ++i) {
      char c = s[starts[p] + i];
      if (c < '0' || c > '9') return bad();
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  Date d;
  if (!MakeDate(parts[0], parts[1], parts[2], &d)) return bad();
  return d;
}

std::string FormatIsoDate(Date date) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(date.days, &y, &m, &d);
  // Years are bounded to 1900..9999 by MakeDate, so four digits suffice.
  std::string out = std::to_string(y);
  out.push_back('-');
  if (m < 10) out.push_back('0');
  out += std::to_string(m);
  out.push_back('-');
  if (d < 10) out.push_back('0');
  out += std::to_string(d);
  return out;
}

}  // namespace cashmatch
