#include "cashmatch/engine/policy.h"

#include "wide.h"

#include <algorithm>
#include <cassert>

namespace cashmatch {

Policy::Policy() {
  // A typical incoming wire fee; see the field comment in policy.h.
  for (const char* code : {"USD", "EUR", "GBP", "CAD"}) default_tolerance.absolute_minor[code] = 2500;
}

const Tolerance& Policy::ToleranceFor(PaymentSource source) const {
  auto it = source_tolerance.find(PaymentSourceName(source));
  return it == source_tolerance.end() ? default_tolerance : it->second;
}

int64_t Policy::ShortfallAllowedMinor(PaymentSource source, const Currency* currency, int64_t due_minor) const {
  assert(currency != nullptr);
  assert(due_minor >= 0);
  const Tolerance& tol = ToleranceFor(source);
  int64_t absolute = 0;
  auto it = tol.absolute_minor.find(std::string(currency->code()));
  if (it != tol.absolute_minor.end()) absolute = it->second;
  // Percent of the amount due, rounded down: a tolerance never grows by
  // rounding. 128-bit intermediate: due * ppm cannot overflow.
  i128 pct = static_cast<i128>(due_minor) * tol.percent_ppm / 1000000;
  return std::max<int64_t>(absolute, static_cast<int64_t>(pct));
}

}  // namespace cashmatch
