// SWIFT MT940: the two corpus statements read to values taken from reading
// the files by hand, a small statement built here for every kind of
// statement line (C, CR with funds code, RC, RD, D) and the bad-input cases.
#include <gtest/gtest.h>

#include <map>

#include "../io/src/readers/parsers.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::io {
namespace {

const Fingerprinter kFp(std::string(32, 'k'));
const std::string kDir = std::string(CASHMATCH_CORPUS_DIR) + "/mt940/";

Date Ymd(int y, int m, int d) {
  Date out;
  EXPECT_TRUE(MakeDate(y, m, d, &out));
  return out;
}

std::map<std::string, int64_t> Totals(const SettlementBatch& b) {
  std::map<std::string, int64_t> t;
  for (const Payment& p : b.payments) t[std::string(p.currency->code())] += p.amount_minor;
  return t;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Mt940Corpus, SepaSnippetEightCreditsCrIsNotAReversal) {
  // Statement 1 (:60F: C 766656,49 EUR): three CR credits (R is the funds
  // code, EUR's 3rd letter) 50990,05 / 154551,93 / 154551,93 and one DR
  // 1500,00 -> 1125250,40 = :62F: C1125250,4, no warning. Statement 2
  // (:60F: D 1970431,87): DR 0,08, CR 335,33, CR 15000, CR 15000,05,
  // CR 125004,88, CR 915311,55, DR 3572569,03 gives D 4472349,17 but :62F:
  // says D 4472049,09: one warning. Credits: 8, sum 1430745,72 EUR.
  const std::string file = kDir + "sepa_snippet.sta";
  auto data = ReadFile(file);
  ASSERT_TRUE(data.ok()) << data.status().message();
  auto r = ParseMt940(file, data.value(), kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  ASSERT_EQ(b.payments.size(), 8u);
  EXPECT_TRUE(b.reversals.empty());
  EXPECT_TRUE(r.value().rejects.empty());
  EXPECT_EQ(Totals(b), (std::map<std::string, int64_t>{{"EUR", 143074572}}));
  ASSERT_EQ(r.value().warnings.size(), 1u);
  const std::string& w = r.value().warnings[0];
  EXPECT_TRUE(Contains(w, file + ":55:")) << w;
  EXPECT_TRUE(Contains(w, "-4472049.09")) << w;
  EXPECT_TRUE(Contains(w, "-4472349.17")) << w;

  // Line 5: CR50990,05 NTRF NONREF//0724710333343453; ?31 DE1450880|0500194785000
  // wrapped, ?32KARL?33 "        KAUFMANN", EREF "EndToEndId TFNR 22 004" + ?21 " 00001".
  const Payment& p0 = b.payments[0];
  EXPECT_EQ(p0.payment_id, "0724710333343453");
  EXPECT_EQ(p0.bank_reference, "0724710333343453");
  EXPECT_EQ(p0.amount_minor, 5099005);
  EXPECT_EQ(p0.currency, Currency::Find("EUR"));
  EXPECT_EQ(p0.value_date, Ymd(2007, 9, 7));
  EXPECT_EQ(p0.source_line, 5u);
  EXPECT_EQ(p0.source, PaymentSource::kWire);
  EXPECT_EQ(p0.payer_name, "KARL KAUFMANN");
  EXPECT_EQ(p0.payer_account_mask, "****5000");
  EXPECT_EQ(p0.payer_account_fp, kFp.Account("DE14508800500194785000"));
  EXPECT_EQ(p0.end_to_end_id, "EndToEndId TFNR 22 004 00001");
  EXPECT_TRUE(Contains(p0.remittance, "Verw CTSc-01 BC-PPP TFNr 22 004")) << p0.remittance;
  EXPECT_FALSE(Contains(p0.remittance, "?2")) << p0.remittance;
  EXPECT_EQ(p0.bank_batch_id, "T089414086000001");

  // Line 10: ?21SVWZ+Strukturier|ter Verwend?22ungszweck 30030004 DE, ?32Quentin Quast.
  const Payment& p1 = b.payments[1];
  EXPECT_EQ(p1.payment_id, "0724710324647450");
  EXPECT_EQ(p1.amount_minor, 15455193);
  EXPECT_EQ(p1.payer_name, "Quentin Quast");
  EXPECT_EQ(p1.payer_account_fp, kFp.Account("DE03508800500194791600"));
  EXPECT_EQ(p1.end_to_end_id, "TFNR 0300300004");
  EXPECT_TRUE(Contains(p1.remittance, "Strukturierter Verwendungszweck 30030004 DE")) << p1.remittance;

  // Line 32: a RETOURE credit (GVC 159) CR335,33 ref "TFNr 44001 MSGID//0724710351063401".
  const Payment& p3 = b.payments[3];
  EXPECT_EQ(p3.payment_id, "0724710351063401");
  EXPECT_EQ(p3.amount_minor, 33533);
  EXPECT_EQ(p3.value_date, Ymd(2007, 9, 4));
  EXPECT_EQ(p3.end_to_end_id, "TFNR 44001 00001");
  EXPECT_TRUE(p3.payer_name.empty());
  EXPECT_TRUE(p3.payer_account_fp.empty());
  EXPECT_TRUE(Contains(p3.remittance, "RETOURE")) << p3.remittance;

  // Line 35: "15000," is 15000.00.
  EXPECT_EQ(b.payments[4].payment_id, "0724710345316110");
  EXPECT_EQ(b.payments[4].amount_minor, 1500000);

  // Line 38: name ?32/?33 cut mid-word ("B" | "eginn"), SVWZ+ cut at the line end.
  const Payment& p5 = b.payments[5];
  EXPECT_EQ(p5.amount_minor, 1500005);
  EXPECT_EQ(p5.payer_name, "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx");
  EXPECT_EQ(p5.payer_account_mask, "****1105");
  EXPECT_EQ(p5.end_to_end_id, "EndToEndIdTFNR2000100001");
  EXPECT_TRUE(Contains(p5.remittance, "TO 13 TFNr 20001 Eingangskanal Mint Unstrukturierter Verwendungszweck"))
      << p5.remittance;

  // Line 45: no EREF.
  EXPECT_EQ(b.payments[6].amount_minor, 12500488);
  EXPECT_TRUE(b.payments[6].end_to_end_id.empty());
  EXPECT_TRUE(Contains(b.payments[6].remittance, "TO13 TF20005 MINT")) << b.payments[6].remittance;

  // Line 50: bank reference with a letter.
  EXPECT_EQ(b.payments[7].payment_id, "R724710351063405");
  EXPECT_EQ(b.payments[7].amount_minor, 91531155);
  EXPECT_EQ(b.payments[7].source_line, 50u);

  // No account in clear anywhere.
  for (const Payment& p : b.payments) {
    EXPECT_FALSE(Contains(p.remittance, "0194785000")) << p.remittance;
    EXPECT_FALSE(Contains(p.remittance, "43921105")) << p.remittance;
  }
}

TEST(Mt940Corpus, AbnAmroDebitsOnlyAndBalancesThatDoNotAddUp) {
  // Two statements behind the ABNANL2A/940 preamble, only D lines (ten of
  // them: 9, 11,59 … 141,48 and 9,49, 15,): no incoming money. Statement 1
  // 3236,28 - 321,44 = 2914,84 but :62F: 876,84 (line 27); statement 2
  // (:60M:/:62M:) 2876,84 - 24,49 = 2852,35 but :62M: 1849,75 (line 40).
  const std::string file = kDir + "abnamro.sta";
  auto data = ReadFile(file);
  ASSERT_TRUE(data.ok()) << data.status().message();
  auto r = ParseMt940(file, data.value(), kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().batch.payments.empty());
  EXPECT_TRUE(r.value().batch.reversals.empty());
  EXPECT_TRUE(r.value().rejects.empty());
  ASSERT_EQ(r.value().warnings.size(), 2u);
  const auto& w = r.value().warnings;
  EXPECT_TRUE(Contains(w[0], file + ":27: tag :62F:")) << w[0];
  EXPECT_TRUE(Contains(w[0], "876.84")) << w[0];
  EXPECT_TRUE(Contains(w[0], "2914.84")) << w[0];
  EXPECT_TRUE(Contains(w[1], file + ":40: tag :62M:")) << w[1];
  EXPECT_TRUE(Contains(w[1], "1849.75")) << w[1];
  EXPECT_TRUE(Contains(w[1], "2852.35")) << w[1];
}

// 100 + 50 (CR, funds code) + 25 (C, no entry date) - 10 (RC) + 5 (RD) - 1 (D) = 169.
const std::string kStatement =
    ":20:REF1\n"                                                        // 1
    ":25:NL00BANK0123456789\n"                                          // 2
    ":60F:C240101EUR100,00\n"                                           // 3
    ":61:2401020102CR50,00NTRFINV-1001//BANKREF1\n"                     // 4
    ":86:/EREF/E2E-1//NAME/ACME BV//IBAN/NL91ABNA0417164300//REMI/U\n"  // 5
    "STD//INV-1001 NL91ABNA0417164300/\n"                               // 6
    ":61:240103C25,NMSCNONREF\n"                                        // 7
    ":86:free text\n"                                                   // 8
    "payment  for INV-1002\n"                                           // 9
    ":61:240104RC10,NTRFINV-0999//BANKREF2\n"                           // 10
    ":86:returned\n"                                                    // 11
    ":61:240104RD5,NTRFNONREF\n"                                        // 12
    ":61:240105D1,NTRFNONREF\n"                                         // 13
    ":62F:C240105EUR169,00\n"                                           // 14
    "-\n";                                                              // 15

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(Mt940Lines, CreditsReversalsAndDebits) {
  auto r = ParseMt940("t.sta", kStatement, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  ASSERT_EQ(b.payments.size(), 2u);
  const Payment& p0 = b.payments[0];
  EXPECT_EQ(p0.payment_id, "BANKREF1");
  EXPECT_EQ(p0.amount_minor, 5000);
  EXPECT_EQ(p0.value_date, Ymd(2024, 1, 2));
  EXPECT_EQ(p0.payer_name, "ACME BV");
  EXPECT_EQ(p0.payer_account_mask, "****4300");
  EXPECT_EQ(p0.payer_account_fp, kFp.Account("NL91ABNA0417164300"));
  EXPECT_EQ(p0.end_to_end_id, "E2E-1");
  EXPECT_TRUE(Contains(p0.remittance, "INV-1001")) << p0.remittance;
  EXPECT_TRUE(Contains(p0.remittance, "****4300")) << p0.remittance;
  EXPECT_FALSE(Contains(p0.remittance, "0417164300")) << p0.remittance;

  const Payment& p1 = b.payments[1];
  EXPECT_EQ(p1.payment_id, "mt940-" + Sha256Hex(kStatement).substr(0, 12) + "-2");
  EXPECT_TRUE(p1.bank_reference.empty());
  EXPECT_EQ(p1.amount_minor, 2500);
  EXPECT_EQ(p1.value_date, Ymd(2024, 1, 3));
  EXPECT_EQ(p1.remittance, "free text payment for INV-1002");
  EXPECT_EQ(p1.source_line, 7u);

  ASSERT_EQ(b.reversals.size(), 1u);
  const Reversal& rv = b.reversals[0];
  EXPECT_EQ(rv.kind, ReversalKind::kBankReversal);
  EXPECT_EQ(rv.reversal_id, "BANKREF2");
  EXPECT_EQ(rv.original_reference, "INV-0999");
  EXPECT_EQ(rv.amount_minor, 1000);
  EXPECT_EQ(rv.text, "returned");
  EXPECT_EQ(rv.source_line, 10u);

  // The balance adds up; the only warning is the skipped RD.
  ASSERT_EQ(r.value().warnings.size(), 1u);
  EXPECT_TRUE(Contains(r.value().warnings[0], "t.sta:12:")) << r.value().warnings[0];
  EXPECT_TRUE(Contains(r.value().warnings[0], "RD")) << r.value().warnings[0];

  // Re-reading gives the same ids.
  auto again = ParseMt940("t.sta", kStatement, kFp, ParseOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().batch.payments[1].payment_id, p1.payment_id);
}

TEST(Mt940Lines, SwiftBlocksAreTolerated) {
  const std::string wrapped = "{1:F01ABNANL2AXXX0000000000}{2:O9401200240105ABNANL2AXXX00000000002401051200N}{4:\n" +
                              kStatement.substr(0, kStatement.size() - 2) + "-}{5:{CHK:123456789ABC}}\n";
  auto r = ParseMt940("t.sta", wrapped, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments.size(), 2u);
  EXPECT_EQ(r.value().batch.reversals.size(), 1u);
  EXPECT_EQ(r.value().warnings.size(), 1u);
}

TEST(Mt940Lines, ClosingBalanceMismatchIsAWarningNamingBothFigures) {
  auto r = ParseMt940("t.sta", Replace(kStatement, "EUR169,00", "EUR170,00"), kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().warnings.size(), 2u);
  const std::string& w = r.value().warnings[1];
  EXPECT_TRUE(Contains(w, "t.sta:14: tag :62F:")) << w;
  EXPECT_TRUE(Contains(w, "170.00")) << w;
  EXPECT_TRUE(Contains(w, "169.00")) << w;
}

void ExpectError(const std::string& data, const std::string& where) {
  auto r = ParseMt940("t.sta", data, kFp, ParseOptions());
  ASSERT_FALSE(r.ok()) << where;
  EXPECT_TRUE(Contains(r.status().message(), where)) << r.status().message();
}

TEST(Mt940Bad, EachErrorNamesFileLineTagAndField) {
  ExpectError(Replace(kStatement, "C240101EUR", "C240101XXX"),
              "t.sta:3: tag :60F: field 'currency': unknown currency 'XXX'");
  ExpectError(Replace(kStatement, "C240101EUR", "C241301EUR"), "t.sta:3: tag :60F: field 'date'");
  ExpectError(Replace(kStatement, "2401020102CR", "2402300102CR"), "t.sta:4: tag :61: field 'value date'");
  ExpectError(Replace(kStatement, "2401020102CR", "2401021302CR"), "t.sta:4: tag :61: field 'entry date'");
  ExpectError(Replace(kStatement, "CR50,00", "CR50.00"), "t.sta:4: tag :61: field 'amount'");
  ExpectError(Replace(kStatement, "CR50,00", "CR50,001"), "t.sta:4: tag :61: field 'amount'");
  ExpectError(Replace(kStatement, "CR50,00", "XR50,00"), "t.sta:4: tag :61: field 'mark'");
  ExpectError(Replace(kStatement, "C25,NMSC", "C25,XMSC"), "t.sta:7: tag :61: field 'transaction type'");
  ExpectError(Replace(kStatement, ":60F:C240101EUR100,00\n", ""),
              "t.sta:3: tag :61: field 'currency': no opening balance");
  ExpectError(Replace(kStatement, ":62F:C240105EUR169,00\n", ""), "t.sta:14: tag :62F: field 'closing balance'");
  ExpectError(kStatement.substr(0, kStatement.find(":62F:")), "field 'closing balance'");
  ExpectError(Replace(kStatement, "C240105EUR169", "C240105USD169"), "t.sta:14: tag :62F: field 'currency'");
  ExpectError("", "t.sta: no MT940 statement");
  ExpectError("ABNANL2A\n940\n", "t.sta: no MT940 statement");
}

TEST(Mt940Bad, SkipBadRecordsRejectsTheLineWithItsInformation) {
  ParseOptions skip;
  skip.skip_bad_records = true;
  auto r = ParseMt940("t.sta", Replace(kStatement, "CR50,00", "CR5O,00"), kFp, skip);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().rejects.size(), 1u);
  const Reject& j = r.value().rejects[0];
  EXPECT_EQ(j.line, 4u);
  EXPECT_TRUE(Contains(j.reason, "t.sta:4: tag :61: field 'amount'")) << j.reason;
  EXPECT_TRUE(Contains(j.record, ":61:2401020102CR5O,00")) << j.record;
  EXPECT_TRUE(Contains(j.record, ":86:/EREF/E2E-1")) << j.record;
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  EXPECT_EQ(r.value().batch.payments[0].amount_minor, 2500);
  EXPECT_EQ(r.value().batch.reversals.size(), 1u);
  // With a line missing, the closing balance is not checked: only the RD warning.
  EXPECT_EQ(r.value().warnings.size(), 1u);

  // An unknown currency: the balance is rejected, and so is every line it would have priced.
  auto c = ParseMt940("t.sta", Replace(kStatement, "C240101EUR", "C240101XXX"), kFp, skip);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().rejects.size(), 6u);
  EXPECT_TRUE(c.value().batch.payments.empty());
}

TEST(Mt940Bad, EveryPrefixNeverCrashes) {
  std::vector<std::string> inputs = {kStatement};
  for (const char* f : {"sepa_snippet.sta", "abnamro.sta"}) {
    auto data = ReadFile(kDir + f);
    ASSERT_TRUE(data.ok());
    inputs.push_back(data.value());
  }
  ParseOptions skip;
  skip.skip_bad_records = true;
  for (const std::string& in : inputs) {
    for (size_t n = 0; n <= in.size(); ++n) {
      std::string_view prefix(in.data(), n);
      auto strict = ParseMt940("p.sta", prefix, kFp, ParseOptions());
      auto lax = ParseMt940("p.sta", prefix, kFp, skip);
      if (!strict.ok()) {
        EXPECT_FALSE(strict.status().message().empty());
      }
      (void)lax;
    }
  }
}

}  // namespace
}  // namespace cashmatch::io
