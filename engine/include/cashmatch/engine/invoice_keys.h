// File: cashmatch/engine/invoice_keys.h
//
// The keys an invoice number is found by. Payers rarely write a number as
// it was printed: "INV-2026-004211" comes back as "inv 2026 4211",
// "INV2026004211", "2026/004211", "#4211", or with one character wrong. Each
// key forgives more than the one before, and the matcher tries them in
// this order (engine/README.md, "Resolve"):
//
//   strict    NormalizeInvoiceNumber (hints.h): ASCII letters upper-cased,
//             everything but letters and digits dropped. "INV2026004211".
//             Unique per invoice in the ledger.
//   tolerant  TolerantInvoiceKey: the alphanumeric runs (a run also ends
//             where letters meet digits), the letters before the first
//             digit dropped, leading zeros stripped, joined by '-'.
//             "2026-4211" for all of the forms above except the glued one.
//             Look-alike letters opening a serial are read as the digits
//             they resemble first (O/o -> 0, I/i/l -> 1, S -> 5, B -> 8,
//             Z -> 2), so "INV-2026-O18143" and "INV-2026-018143" share
//             "2026-18143"; the rule is at kLookAlikeRunDigitsMin below.
//             Two invoices may share it (INV-2026-7 and CN-2026-7): then it
//             names neither, and the payer's text goes to a person.
//   body      TypoBodyKey: the strict key without its leading letters,
//             zeros kept. "2026004211". It catches the glued form without
//             its prefix, and typos are measured on it, because a payer who
//             mistypes usually copied the number as printed.
//   tail      TailDigits: the last digit run of the tolerant key, "4211".
//             A bare "#4211" is resolved only among the open invoices of a
//             customer identified otherwise, and only when one matches.
//
// A typo is one edit of the body (Damerau: one substitution, insertion,
// deletion, or swap of two neighbours). The ledger finds candidates through
// deletion neighbourhoods (DeletionNeighbourhood): two strings are at most
// one edit apart only if the neighbourhoods of the two share a string, so a
// lookup costs a few index seeks, never a scan.
//
// Pure functions over ASCII; other bytes are separators.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cashmatch {

// Look-alike letters in a number. A payer retyping a zero-padded serial
// writes "INV-2026-O18143" for INV-2026-018143. The tolerant key reads such
// letters as the digits they resemble only when all of these hold, so
// letter prefixes and genuinely alphanumeric numbers keep their letters:
//   - the letters come after the text's first digit: the letters before it
//     are the prefix ("INV", "BOS", "LIZ", the "B" of "B12345"), which the
//     tolerant key drops anyway;
//   - in their segment (a maximal run of letters and digits) there are one
//     to kLookAlikeRunLettersMax look-alikes (O o I i l S B Z), each opening
//     the segment or standing between two digits, at least
//     kLookAlikeRunDigitsMin digits, and a digit last. So "O18143",
//     "OO0149" and "0O7305" fold; "A1B2", "1X245", "4211B" (a suffix) do
//     not.
// So "INV-2026-B123" is read as "INV-2026-8123": an invoice truly numbered
// so shares its tolerant key with the one numbered 8123, and then the
// tolerant key names neither (the strict key still tells them apart).
inline constexpr size_t kLookAlikeRunDigitsMin = 3;
inline constexpr size_t kLookAlikeRunLettersMax = 2;

// "INV-2026-004211" -> "2026-4211"; "" when the text has no digit.
std::string TolerantInvoiceKey(std::string_view text);
// The same into `out` (cleared first), for callers that reuse a buffer.
void TolerantInvoiceKeyTo(std::string_view text, std::string* out);

// The strict key without its leading letters: "INV2026004211" ->
// "2026004211"; "" when it has no digit. Takes a strict key.
std::string_view TypoBodyKey(std::string_view strict);

// The last run of the tolerant key when it is digits: "2026-4211" -> "4211";
// "2026-4211-A" -> "" (a suffix letter is part of the number).
std::string_view TailDigits(std::string_view tolerant);

// Whether a tolerant key is one run of digits ("4211"): a bare number, which
// names an invoice only by its tail.
bool IsBareNumber(std::string_view tolerant);

// Bodies shorter than this are not looked up by typo: one edit away from a
// four-digit number is a tenth of any sequential book. Queries use the
// query minimum; the index holds bodies from one character less, so that a
// query with one character too many still finds its invoice.
inline constexpr size_t kTypoQueryLengthMin = 6;
inline constexpr size_t kTypoIndexLengthMin = kTypoQueryLengthMin - 1;

// The body itself and every distinct string one deletion away from it,
// the body first, then by position. Empty when the body is shorter than
// kTypoIndexLengthMin.
std::vector<std::string> DeletionNeighbourhood(std::string_view body);

// 0 when equal, 1 when one Damerau edit apart (optimal string alignment),
// 2 for anything further.
int EditDistanceUpToOne(std::string_view a, std::string_view b);

// Purchase-order numbers are found by their tolerant key ("PO-000881" and
// "881" are one), or their strict key when they have no digit.
std::string PurchaseOrderKey(std::string_view text);

// ISO 11649 creditor reference: "RF" + two check digits + 1 to 21
// alphanumerics, checked mod 97 (ISO 7064). `compact` has no spaces; case
// is ignored.
bool IsValidRfReference(std::string_view compact);
// The creditor part of a valid reference ("RF18539007547034" ->
// "539007547034"), spaces ignored; nullopt when the checksum fails or the
// text is not an RF reference.
std::optional<std::string> RfCreditorPart(std::string_view text);
// The reference with its check digits for a creditor part (for tests and
// the generator): "539007547034" -> "RF18539007547034". Empty when the
// part is not 1-21 alphanumerics.
std::string MakeRfReference(std::string_view creditor);

}  // namespace cashmatch
