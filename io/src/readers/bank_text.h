// File: io/src/readers/bank_text.h
//
// Internal: the rail fields US banks print in free text — BAI2 16/88 text,
// and the Ustrd / AddtlTxInf / AddtlNtryInf of their camt.053 — read by a
// bank text profile (Policy::bai2, docs/policy.md "[bai2]"): "ORIG CO
// NAME:ACME CORP ORIG ID:1234567890 ... TRACE#:021000021234567
// ADDENDA:RMR*IV*INV-1*PI*100.00\". The text is cut at each label of the
// profile; each value runs to the next label and is filed by the label's
// role (payer name, payer id, remittance, X12 RMR segments, ignored). Text
// before the first label is remittance.
//
// Example:
//   BankText t;
//   if (HasProfileTag(text, profile)) ReadBankText(text, profile, 2, &t);
//   // t.payer_name "ACME CORP", t.payer_id "1234567890", t.references ...
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch::io {

// What a profile's text says, by role. `payer_id` views the text read.
struct BankText {
  std::string payer_name;
  std::string_view payer_id;
  std::string remittance;
  std::vector<RemittanceRef> references;

  void Clear() {
    payer_name.clear();
    payer_id = {};
    remittance.clear();
    references.clear();
  }
};

// The built-in profiles, for a parse without a policy.
const Bai2TextPolicy& DefaultTextPolicy();

// The profile that reads US rail fields in a format's free text (camt.053):
// the one the policy names when it cuts text at labels, else "us".
const BankTextProfile* UsTextProfile(const Bai2TextPolicy* policy);

// Cuts `text` at the labels of `profile` and files each value in `*out`
// (appending; the caller clears). A label written bare keeps one word; the
// words after it go back to the remittance. `exponent`: the currency's, for
// the amounts of RMR segments.
void ReadBankText(std::string_view text, const BankTextProfile& profile, int exponent, BankText* out);

// Whether `text` carries any label of `profile`.
bool HasProfileTag(std::string_view text, const BankTextProfile& profile);

// A payer id is taken when it has at least four letters or digits.
bool LooksLikePayerId(std::string_view s);

// An account number token at the start of `s`: letters, digits and '-'.
std::string_view AccountToken(std::string_view s);

// Appends `v`, trimmed, to `*out` with one blank between words.
void AppendWords(std::string_view v, std::string* out);

}  // namespace cashmatch::io
