// File: cashmatch/engine/payer_name.h
//
// Payer names reduced to what identifies a company, and the one similarity
// rule that compares them. The ledger (candidate search in LoadBook) and
// the matcher (OpenBook's name index, IdentifyPayer) both call these
// functions, so "similar enough" means the same thing everywhere.
//
//   PayerName a = NormalizePayerName("ACME CORPORATION INC");  // a.text == "acme"
//   PayerName b = NormalizePayerName("Acme Corp.");            // b.text == "acme"
//   NameSimilarityMilli(a.tokens, b.tokens) == 1000
//
// Normalization, in order:
//   1. Unicode: NFKC, case fold, combining marks stripped, default-ignorable
//      code points dropped, look-alike punctuation and spaces lumped to
//      ASCII (utf8proc); a few letters with no decomposition are spelled
//      out (ø -> o, æ -> ae, ł -> l …). Input that is not valid UTF-8 is
//      read as ISO 8859-1 (each byte one code point), so a Latin-1 bank
//      file still matches and nothing ever fails; `latin1` says it happened.
//   2. Tokens: runs of letters and digits; an apostrophe joins
//      ("McDonald's" -> "mcdonalds"); everything else separates. A run of
//      one-character tokens is one initialism ("A.C.M.E." -> "acme",
//      "S.A." -> "sa"). "and" (and "&") is dropped everywhere.
//   3. Legal forms: a leading "the" and trailing legal-form tokens (inc,
//      corp, llc, ltd, gmbh, sa, bv, plc, pty, kg …; see kLegalForms in
//      payer_name.cc) are stripped, repeatedly ("Acme Holdings GmbH & Co.
//      KG" -> "acme holdings"), but never the last token: "The Company"
//      is "company". Only a name without letters or digits normalizes to
//      nothing.
//
// Similarity: the Dice coefficient of the two token sets,
// 2·|A ∩ B| / (|A| + |B|), in thousandths rounded down. Order and repeats
// do not matter ("Logistics Acme" = "Acme Logistics"); a missing or extra
// word costs in proportion to the name's length. Integer arithmetic only.
//
// Exact names and cut names: the similarity search skips words too common
// to search (NameSearchInconclusive), so in a book of 40,000 "… Analytics
// LLC" customers a payer written exactly as one of them would find no one.
// So the matcher first looks the payer's normalized text (PayerName::text)
// up as a whole: one customer whose name or alias normalizes to exactly
// that text is the payer, however common its words; two are ambiguous.
// A name the rail cut short (PayerNameLooksCut: NACHA company names are 16
// characters, "NORTHWIND ANALYT") is also looked up as a prefix of the
// customers' normalized names: exactly one customer starting with it is
// the payer. Both the ledger (a sorted index key per normalized name) and
// OpenBook answer these lookups, with the same rule (book.h, NameMatchBy).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"

namespace cashmatch {

struct PayerName {
  // Distinct tokens, sorted: what similarity compares and indexes key on.
  std::vector<std::string> tokens;
  // The tokens in the order written, joined by one space: for people
  // (signals, messages) and tests. Empty when the name has no token.
  std::string text;
  // The input was not valid UTF-8 and was read as ISO 8859-1.
  bool latin1 = false;

  bool empty() const { return tokens.empty(); }
};

// Normalizes a payer's or customer's name. Never fails.
PayerName NormalizePayerName(std::string_view raw);

// The length at which the ACH rail cuts the originator's company name.
inline constexpr size_t kNachaCompanyNameLength = 16;

// Whether a payer name as the bank gave it looks cut short by the rail:
// exactly kNachaCompanyNameLength bytes once trailing spaces are dropped,
// ending in a letter or digit (a name that ends in "." or ")" there was
// complete). Such a name is also looked up by prefix.
bool PayerNameLooksCut(std::string_view raw);

// Dice coefficient of two sorted, distinct token lists (PayerName::tokens),
// in [0, 1000]. 0 when either is empty.
int32_t NameSimilarityMilli(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The customer's name and each alias, normalized; names that normalize to
// nothing are left out.
std::vector<PayerName> CustomerNames(const Customer& c);

// The distinct texts (PayerName::text) of a customer's names, sorted: the
// keys it is found by as an exact or prefix name, in the ledger and in
// OpenBook.
std::vector<std::string> CustomerNameTexts(const std::vector<PayerName>& customer_names);

// The best similarity of a payer's tokens to any of a customer's names.
int32_t CustomerNameSimilarityMilli(const std::vector<std::string>& payer_tokens,
                                    const std::vector<PayerName>& customer_names);

// The acceptance rule: a customer is a candidate payer when its similarity
// reaches the policy's minimum (Policy::name_similarity_min_milli). The
// ledger loads invoices only for such customers; the matcher identifies a
// payer only when exactly one customer has the best accepted similarity.
inline bool NameSimilarityAccepted(int32_t similarity_milli, int32_t min_milli) {
  return similarity_milli > 0 && similarity_milli >= min_milli;
}

// The highest similarity a customer could reach through `shared` tokens
// alone when the payer has `payer_count` tokens: that customer's name is
// exactly those tokens. The ledger uses it to tell whether customers it did
// not look at (their only shared words were too common to search) could
// tie with the best one it found.
int32_t NameSimilarityBoundMilli(size_t shared, size_t payer_count);

// The verdict of a bounded name search. A search reads the customers of
// each payer token except tokens too common to read (`unsearched` of the
// payer's `payer_count` tokens); a customer it did not read shares only
// unsearched tokens, so it scores at most NameSimilarityBoundMilli. When
// that bound is accepted and reaches the best score read, an unread
// customer could tie with or beat the best: the search cannot identify
// anyone. Both the ledger's search and OpenBook's index apply this rule.
inline bool NameSearchInconclusive(size_t unsearched, size_t payer_count, int32_t best_milli, int32_t min_milli) {
  const int32_t bound = NameSimilarityBoundMilli(unsearched, payer_count);
  return NameSimilarityAccepted(bound, min_milli) && bound >= best_milli;
}

}  // namespace cashmatch
