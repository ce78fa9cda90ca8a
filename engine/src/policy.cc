#include "cashmatch/engine/policy.h"

#include "wide.h"

#include <algorithm>
#include <cassert>

namespace cashmatch {

const char* BankTextRoleName(BankTextRole r) {
  switch (r) {
    case BankTextRole::kPayerName: return "payer_name";
    case BankTextRole::kPayerId: return "payer_id";
    case BankTextRole::kRemittance: return "remittance";
    case BankTextRole::kStructuredRefs: return "structured_refs";
    case BankTextRole::kIgnore: return "ignore";
  }
  return "ignore";
}

bool ParseBankTextRole(std::string_view text, BankTextRole* out) {
  for (BankTextRole r : {BankTextRole::kPayerName, BankTextRole::kPayerId, BankTextRole::kRemittance,
                         BankTextRole::kStructuredRefs, BankTextRole::kIgnore}) {
    if (text == BankTextRoleName(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

namespace {

using R = BankTextRole;

// GS ("DBNM: TEST INC", "DACT: …") and Citi ("BO:11111111 BO1:DOE JO"):
// name and account from the tags, the whole text is the remittance.
std::vector<BankTextTag> LegacyTags() {
  return {{"DBNM", R::kPayerName}, {"BO1", R::kPayerName}, {"DACT", R::kPayerId}, {"BO", R::kPayerId}};
}

// What US banks print in the 16/88 text: the NACHA fields of an ACH CCD,
// CTX or PPD entry, the Fedwire/CHIPS tags and the lockbox fields. The
// receiver (IND NAME, BNF) is us; trace numbers and wire ids are never
// references.
std::vector<BankTextTag> UsTags() {
  return {
      // ACH
      {"ORIG CO NAME", R::kPayerName},
      {"ORIG ID", R::kPayerId},
      {"ORIG CO ID", R::kPayerId},
      {"CO ENTRY DESCR", R::kIgnore},
      {"CO DESCR", R::kIgnore},
      {"DESCR", R::kIgnore},
      {"DESC DATE", R::kIgnore},
      {"CO DISCRETIONARY", R::kIgnore},
      {"SEC", R::kIgnore},
      {"TRACE#", R::kIgnore},
      {"TRACE NO", R::kIgnore},
      {"TRACE", R::kIgnore},
      {"EED", R::kIgnore},
      {"IND ID", R::kIgnore},
      {"IND NAME", R::kIgnore},
      {"ADDENDA", R::kStructuredRefs},
      {"ADDENDA INFO", R::kStructuredRefs},
      {"PMT DET", R::kStructuredRefs},
      {"PMT INFO", R::kStructuredRefs},
      {"RMT", R::kStructuredRefs},
      {"REMARK", R::kRemittance},
      // Fedwire / CHIPS
      {"ORG", R::kPayerName},
      {"ORIGINATOR", R::kPayerName},
      {"B/O", R::kPayerName},
      {"BY ORDER OF", R::kPayerName},
      {"OBI", R::kStructuredRefs},
      {"OGB", R::kIgnore},
      {"ORIG BANK", R::kIgnore},
      {"BBI", R::kIgnore},
      {"BNF", R::kIgnore},
      {"BENEFICIARY", R::kIgnore},
      {"IMAD", R::kIgnore},
      {"OMAD", R::kIgnore},
      {"REF", R::kIgnore},
      {"TRN", R::kIgnore},
      {"FED REF", R::kIgnore},
      {"SND BK", R::kIgnore},
      // Lockbox
      {"CHECK NO", R::kIgnore},
      {"CHECK #", R::kIgnore},
      {"CHK#", R::kIgnore},
      {"CHK NO", R::kIgnore},
      {"REMITTER", R::kPayerName},
      {"MICR ACCT", R::kPayerId},
      {"MICR", R::kPayerId},
      {"LOCKBOX", R::kIgnore},
      {"BATCH", R::kIgnore},
      {"INVOICE", R::kRemittance},
      {"INV", R::kRemittance},
  };
}

BankTextProfile Profile(std::string name, std::vector<std::string> ids, bool whole_text,
                        std::vector<BankTextTag> tags) {
  return BankTextProfile{std::move(name), std::move(ids), whole_text, std::move(tags)};
}

}  // namespace

// The bank profiles share the US table (their published BAI2 text uses the
// rail's own field names); they differ in the ids that detect them, and a
// policy file may add labels to one bank only. Ids: ABA routing numbers
// and BICs as banks write them in the 01 sender / 02 originator fields.
Bai2TextPolicy::Bai2TextPolicy() {
  profiles.push_back(Profile("gs", {"026015079", "GSCRUS33"}, true, LegacyTags()));
  profiles.push_back(Profile("citi", {"021000089", "CITIUS33", "CITIDIRECT"}, true, LegacyTags()));
  profiles.push_back(Profile("us", {}, false, UsTags()));
  profiles.push_back(Profile("jpmorgan", {"021000021", "CHASUS33"}, false, UsTags()));
  profiles.push_back(Profile("bofa", {"026009593", "121000358", "BOFAUS3N"}, false, UsTags()));
  profiles.push_back(Profile("wells_fargo", {"121000248", "091000019", "WFBIUS6S"}, false, UsTags()));
  profiles.push_back(Profile("pnc", {"043000096", "PNCCUS33"}, false, UsTags()));
  profiles.push_back(Profile("svb", {"121140399", "SVBKUS6S"}, false, UsTags()));
}

const BankTextProfile* Bai2TextPolicy::Find(std::string_view name) const {
  for (const BankTextProfile& p : profiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

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
