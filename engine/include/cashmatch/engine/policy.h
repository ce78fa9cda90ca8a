// File: cashmatch/engine/policy.h
//
// The matching policy: thresholds, tolerances, invoice-number patterns and
// limits. Every field has a default that an AR team can live with; the
// policy file (TOML, loaded by io/policy_toml.h) overrides any of them.
// Scores are integers in thousandths ([0, 1000] is [0, 1]) and percentages
// are integers in parts per million, so nothing here is floating point.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"

namespace cashmatch {

// Policy::name_similarity_min_milli's default, also BookRequest's.
inline constexpr int32_t kNameSimilarityMinMilliDefault = 800;

// A short payment is written off when the shortfall is at most
// max(absolute for the currency, percent of the amount due).
struct Tolerance {
  // Absolute tolerance per currency code, in minor units.
  // Default: USD/EUR/GBP/CAD 25.00 — a typical incoming wire fee.
  std::map<std::string, int64_t> absolute_minor;
  // Percent of the amount due, in parts per million (5000 = 0.5%).
  // Default: 0 — only the absolute tolerance applies.
  int64_t percent_ppm = 0;
};

// What a labelled field in a bank's free text (BAI2 16/88 text) is. The
// reader files each value by its role; see docs/policy.md "[bai2]".
enum class BankTextRole : uint8_t {
  kPayerName = 0,       // the payer's name (ACH ORIG CO NAME, Fedwire ORG)
  kPayerId = 1,         // a stable payer identifier: fingerprinted like a bank account
  kRemittance = 2,      // free remittance text, read for invoice numbers
  kStructuredRefs = 3,  // X12 820 RMR segments (each a reference with its amount), else free text
  kIgnore = 4,          // bank and rail data that is never a reference (trace, IMAD, us as receiver)
};
const char* BankTextRoleName(BankTextRole r);
bool ParseBankTextRole(std::string_view text, BankTextRole* out);

// One label: upper-case words as the bank prints them, without the
// separator ("ORIG CO NAME", "TRACE#", "B/O"). In the text a label starts a
// word and is followed by ':' or '=' (blanks allowed around it); a label of
// several words or ending in '#' may also stand bare ("CHECK NO 100418").
// Its value runs to the next label of the profile.
struct BankTextTag {
  std::string label;
  BankTextRole role = BankTextRole::kIgnore;
};

struct BankTextProfile {
  std::string name;  // "jpmorgan", "gs" …
  // BAI2 01 sender or 02 originator ids (routing numbers, BICs) that select
  // this profile when the policy says profile = "auto".
  std::vector<std::string> detect_ids;
  // The legacy GS/Citi reading: only payer name and payer id are taken from
  // the tags and the whole text stays the remittance (accounts masked).
  // False: the text is split by its labels and only remittance and
  // structured_refs values are remittance.
  bool whole_text = false;
  std::vector<BankTextTag> tags;
};

// How the BAI2 reader reads the free text of a 16 record.
struct Bai2TextPolicy {
  // "auto": per record, GS/Citi tags (DBNM:, BO:) → "gs"; else the profile whose detect_ids name the 01 sender
  // or 02 originator; else "us" when the text has a US rail label (ORIG CO NAME:, OBI:, TRACE# …), else
  // "gs" (the whole text). A profile name forces that profile for every record. Default: "auto".
  // (docs/policy.md "BAI2 bank text")
  std::string profile = "auto";
  // Built-in: gs, citi (whole_text), us, jpmorgan, bofa, wells_fargo, pnc,
  // svb (ACH CCD/CTX/PPD, Fedwire/CHIPS and lockbox labels). The policy
  // file may add labels to a profile or add profiles.
  std::vector<BankTextProfile> profiles;

  Bai2TextPolicy();
  const BankTextProfile* Find(std::string_view name) const;
};

struct Policy {
  // Score at or above which a proposal is applied without a person.
  // Default: 900 (0.90). Higher: fewer auto-applications, more review.
  int32_t auto_apply_score_milli = 900;
  // Score at or above which a proposal goes to review rather than being
  // reported as unmatched. Default: 600 (0.60).
  int32_t review_score_milli = 600;
  // Payer-name similarity (payer_name.h: Dice of the token sets) at or
  // above which a customer can be identified by the payer's name alone.
  // A proposal for a customer found by name is scored times the
  // similarity, so with the default auto line only an exact match of the
  // normalized names applies without a person. Lower: more names found,
  // more of them reviewed. Default: 800 (0.80).
  int32_t name_similarity_min_milli = kNameSimilarityMinMilliDefault;
  // Paid share of an invoice above which a partial payment softens dunning
  // (courtesy cadence only), in ppm. Default: 900000 (90%).
  int64_t soften_paid_share_ppm = 900000;
  // Whether a payment may settle an invoice partly. Default: true.
  bool allow_partial = true;
  // What a payment from a known customer with no usable reference does when
  // no set of open invoices fits its amount: kNone leaves it on account;
  // kOldestFirst / kPastDueFirst fill the open invoices in that order (the
  // last one partly), as many ERPs do, and only when allow_partial is set.
  // Default: kNone.
  enum class Fallback : uint8_t { kNone = 0, kOldestFirst = 1, kPastDueFirst = 2 };
  Fallback fallback = Fallback::kNone;

  // Tolerance used when no source-specific one is given.
  Tolerance default_tolerance;
  // Per-source overrides, keyed by PaymentSource name ("wire", "ach" …).
  std::map<std::string, Tolerance> source_tolerance;

  // RE2 regular expressions (case-insensitive) that find invoice numbers in
  // free remittance text; with a capturing group, the group is the number.
  // Default: "INV-2026-004211"-style numbers (any 2-5 letter prefix; the
  // last group may hold letters after its first digit, as a mistyped
  // "INV-2026-0042I1" or a suffixed "INV-2026-4211A" does, and may start
  // with one or two look-alike letters before a digit, as "INV-2026-O18143"
  // with the letter O for a zero: invoice_keys.h reads them as digits),
  // labelled numbers ("Invoice no. 2026-4211", "inv# 4211") and bare
  // "#4211" (resolved only within the identified customer's invoices).
  std::vector<std::string> invoice_number_patterns = {
      R"(\b[A-Za-z]{2,5}[- ]?\d{2,4}[- ]?[OIlSBZ]{0,2}\d[0-9A-Za-z]{1,7}\b)",
      R"(\binv(?:oice)?\.?\s*(?:no|nr|num|number)?\.?\s*[:#]?\s*(\d{2,4}[-/ ]\d{2,8}|\d{3,12})\b)",
      R"(#\s?(\d{3,12})\b)",
  };
  // RE2 regular expressions (case-insensitive) that find purchase-order
  // numbers, matched against the invoices' po_number. Read before the
  // invoice patterns, so "PO 4500012345" is not also taken for an invoice.
  // Default: "PO 4500012345", "P.O. #88123", "PO-ACME-4471", "PO number: 7781".
  std::vector<std::string> po_number_patterns = {
      R"(\bp\.?o\b\.?\s*(?:no|nr|num|number)?\.?\s*[:#-]?\s*([A-Za-z0-9][A-Za-z0-9/-]{1,18}[0-9])\b)",
  };

  // RE2 regular expressions (case-insensitive) for text that looks like an
  // invoice number but is bank or payment data: check numbers, account
  // numbers, trace and wire ids, amounts. Their matches are read first and
  // never become references, so "CHECK NO 100418" is not invoice
  // "NO 100418". An empty array turns this off.
  // Default: "CHECK NO 100418", "CHK# 100418", "ACCT 792851897599",
  // "TRACE# 021000021234567", "IMAD: …", "TRN …", "AMT 186.78".
  std::vector<std::string> noise_patterns = {
      R"(\b(?:check|chk|cheque|chq)\s*(?:no|nr|num|number)?\.?\s*[:#=]?\s*\d+\b)",
      R"(\b(?:acct|account|a/c)\.?\s*(?:no|nr|num|number)?\.?\s*[:#=]?\s*[0-9X*][0-9X*-]{3,}\b)",
      R"(\b(?:trace|trn|imad|omad)\s*(?:no|nr|num|number)?\.?\s*[:#=]?\s*[0-9A-Za-z]*\d[0-9A-Za-z]*)",
      R"(\b(?:amt|amount)\s*[:=]?\s*\$?\s*\d[0-9,]*(?:\.\d{1,3})?)",
  };

  // Bounds (TigerBeetle: every loop has a fixed upper bound).
  // Most open invoices considered for one payment. Default: 64.
  int32_t candidates_count_max = 64;
  // Most invoices one payment may settle through a subset search. Default: 12.
  int32_t set_size_max = 12;
  // Most references taken from one payment's remittance. Default: 256.
  int32_t references_count_max = 256;

  // Bank text profiles for BAI2 (docs/policy.md "[bai2]").
  Bai2TextPolicy bai2;

  Policy();
  // The tolerance for a payment source: its override, else the default.
  const Tolerance& ToleranceFor(PaymentSource source) const;
  // The largest shortfall written off for `due_minor` in `currency`.
  int64_t ShortfallAllowedMinor(PaymentSource source, const Currency* currency, int64_t due_minor) const;
};

}  // namespace cashmatch
