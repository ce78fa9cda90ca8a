// BAI2 reading (io/src/bai2.cc).
//
// Golden tests: every file under corpus/bai2/ is read and checked against
// counts, per-currency totals and fields worked out by hand from the file
// (the comments show the arithmetic and the lines it comes from); none of
// the expected values was copied from the parser's output. Control totals
// are checked by the parser: files whose totals add up must give no
// warning, the two GS samples whose totals were edited must warn.
// Scenario tests pin down the lexical rules on small files built here, and
// bad-input tests check that each error names file:line, record and field.
//
// ParseBai2 is called directly (declared in io/src/readers/parsers.h) so that these
// tests do not depend on the dispatcher's wiring.
#include <gtest/gtest.h>

#include <set>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "../io/src/readers/parsers.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::FindPayment;
using testing_util::FindReversal;
using testing_util::PaymentTotals;
using testing_util::ReversalTotals;

const Fingerprinter kFp(std::string(32, 'k'));

std::string Corpus(const std::string& file) { return testing_util::ReadCorpus("bai2/" + file); }

Result<ParsedSettlement> Parse(const std::string& name, std::string_view data, bool skip_bad_records = false) {
  ParseOptions options;
  options.skip_bad_records = skip_bad_records;
  return ParseBai2(name, data, kFp, options);
}

// A corpus file that must read without error and without rejects.
ParsedSettlement ParseCorpus(const std::string& file) {
  std::string data = Corpus(file);
  Result<ParsedSettlement> r = Parse(file, data);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return ParsedSettlement();
  EXPECT_TRUE(r.value().rejects.empty());
  return std::move(r).value();
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

bool HasWarning(const ParsedSettlement& p, std::string_view needle) {
  for (const std::string& w : p.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string AllWarnings(const ParsedSettlement& p) {
  std::string out;
  for (const std::string& w : p.warnings) out += w + "\n";
  return out;
}

Date D(std::string_view iso) {
  Result<Date> d = ParseIsoDate(iso);
  EXPECT_TRUE(d.ok()) << iso;
  return d.ok() ? d.value() : Date();
}

// The id the contract derives for a detail without a bank reference.
std::string DerivedId(std::string_view data, int detail_index) {
  return "bai2-" + Sha256Hex(data).substr(0, 12) + "-" + std::to_string(detail_index);
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// ---------------------------------------------------------------------------
// Corpus goldens

// sample1: CAD, 17 details of which 5 are 108 credits (details 4, 5, 6 in
// the first account, 12, 13 in the second): 203500 + 2500 + 2500 + 11500 +
// 100000 = 320000. The 409 debits ("RETURNED CHEQUE" …) carry no R-code,
// so no reversal. No bank references: ids are derived. Funds type V gives
// the value dates 060316 / 060317. 49s: 834000 and 446000 (status and
// summary amounts in the 03+88 plus the details), 98/99 1280000: all right.
TEST(Bai2Corpus, Sample1CadHasFiveCreditsTotalling3200WithValueDatesFromFundsTypeV) {
  std::string data = Corpus("sample1.txt");
  ParsedSettlement p = ParseCorpus("sample1.txt");
  EXPECT_EQ(p.batch.payments.size(), 5u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"CAD", 320000}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* tfr = FindPayment(p, DerivedId(data, 4));
  ASSERT_NE(tfr, nullptr);
  EXPECT_EQ(tfr->amount_minor, 203500);
  EXPECT_EQ(tfr->currency->code(), "CAD");
  EXPECT_EQ(tfr->value_date, D("2006-03-16"));
  EXPECT_EQ(tfr->remittance, "TFR 1020 0345678");  // padding blanks trimmed
  EXPECT_EQ(tfr->bank_reference, "");
  EXPECT_EQ(tfr->source, PaymentSource::kOther);
  EXPECT_EQ(tfr->source_line, 8u);

  const Payment* montreal = FindPayment(p, DerivedId(data, 13));
  ASSERT_NE(montreal, nullptr);
  EXPECT_EQ(montreal->amount_minor, 100000);
  EXPECT_EQ(montreal->value_date, D("2006-03-17"));
  EXPECT_EQ(montreal->remittance, "MONTREAL");
}

// sample2: no currency anywhere, so USD. Credits: 115 450000 (S with three
// availability amounts), 115 500000 (S, text LOCK BOX NO.68751), 218
// 20000000 (V 040622, bank ref SP4738, customer ref YRC065321, text only in
// the 88), 195 10000000 (funds type 1). Sum 30950000. The 03s spread over
// 88s, a negative opening balance and a D distribution must all be read
// for the 49/98/99 totals (9150000, 4000000, … 345450000) to check out.
TEST(Bai2Corpus, Sample2SpecExampleHasFourUsdCreditsTotalling309500AndConsistentTotals) {
  std::string data = Corpus("sample2.txt");
  ParsedSettlement p = ParseCorpus("sample2.txt");
  EXPECT_EQ(p.batch.payments.size(), 4u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"USD", 30950000}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* lc = FindPayment(p, "SP4738");
  ASSERT_NE(lc, nullptr);
  EXPECT_EQ(lc->amount_minor, 20000000);
  EXPECT_EQ(lc->value_date, D("2004-06-22"));
  EXPECT_EQ(lc->remittance, "YRC065321 PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO");
  EXPECT_EQ(lc->bank_reference, "SP4738");

  const Payment* lockbox1 = FindPayment(p, DerivedId(data, 1));
  ASSERT_NE(lockbox1, nullptr);
  EXPECT_EQ(lockbox1->amount_minor, 450000);
  EXPECT_EQ(lockbox1->source, PaymentSource::kCheck);
  EXPECT_EQ(lockbox1->value_date, D("2004-06-20"));  // group as-of date
  EXPECT_EQ(lockbox1->remittance, "");

  const Payment* lockbox2 = FindPayment(p, DerivedId(data, 2));
  ASSERT_NE(lockbox2, nullptr);
  EXPECT_EQ(lockbox2->remittance, "LOCK BOX NO.68751");

  const Payment* wire = FindPayment(p, DerivedId(data, 4));
  ASSERT_NE(wire, nullptr);
  EXPECT_EQ(wire->amount_minor, 10000000);
  EXPECT_EQ(wire->source, PaymentSource::kWire);
}

// sample3: USD from the 02. 26 details; the 142 and 195 credits are
// 2500+500+100 (account 1, two on one line), 2500+600+600 (account 8, the
// first broken across a newline), 215+105 (account 9), 13855+11521+4783+
// 2347+87 (account 10): 13 payments, 39713. The 451 debits have no R-code.
// Every 49 (-1600, 0, -222812, 394188, 2515864, -291260, 114060 …) and the
// 98/99 2508440 with 72/74 records add up once the records sharing a line
// are separated.
TEST(Bai2Corpus, Sample3MessyLayoutHasThirteenUsdCreditsTotalling397_13AndConsistentTotals) {
  std::string data = Corpus("sample3.txt");
  ParsedSettlement p = ParseCorpus("sample3.txt");
  EXPECT_EQ(p.batch.payments.size(), 13u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"USD", 39713}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* paypal = FindPayment(p, DerivedId(data, 1));
  ASSERT_NE(paypal, nullptr);
  EXPECT_EQ(paypal->amount_minor, 2500);
  EXPECT_EQ(paypal->source, PaymentSource::kAch);
  EXPECT_EQ(paypal->remittance, "TRANSFER   PAYPAL             PPD");
  EXPECT_EQ(paypal->value_date, D("2022-09-19"));
  const Payment* second_on_line = FindPayment(p, DerivedId(data, 2));
  ASSERT_NE(second_on_line, nullptr);
  EXPECT_EQ(second_on_line->amount_minor, 500);
  EXPECT_EQ(second_on_line->remittance, "TRANSFER   MSPBNA BANK        PPD");
  EXPECT_EQ(second_on_line->source_line, 3u);

  // Lines 19-21: a 16 broken across a newline without an 88, then an 88.
  const Payment* broken = FindPayment(p, DerivedId(data, 9));
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->amount_minor, 2500);
  EXPECT_EQ(broken->remittance, "111111     ACH_SETL           1111111111 111111111111111 1111111111");

  // Lines 39-40: the wire's address continues in an 88.
  const Payment* wire = FindPayment(p, DerivedId(data, 19));
  ASSERT_NE(wire, nullptr);
  EXPECT_EQ(wire->amount_minor, 13855);
  EXPECT_EQ(wire->source, PaymentSource::kWire);
  EXPECT_EQ(wire->remittance,
            "Wire Transfer Credit          VISA INTERNATIONAL            900 METRO CENTER BLVD "
            "FOSTER CITY       CA 94404");
}

// sample4 (GS): credits 195 1125 + 195 50050 + 175 527 + 275 337686 + 165
// 5000 = 394388 become payments. Returns: 557 200000 (R02), 257 60000
// (R02), 266 1912, and the credits 261 143500 ("ACH Credit Reject") and 255
// 931 ("Check Return"): 5 reversals, 406343. The debits 447, 451, 495, 475
// are not payments. The second account's 49 says -1260161341762 over 26
// records; its amounts sum to 6865898 + 1912 + 60000 + 143500 + 928650 =
// 7999960 over 18 records (03, three 16s with 3+7+3 88s, 49).
TEST(Bai2Corpus, Sample4GoldmanHasFiveCreditsFiveReturnsAndWarnsAboutEditedTotals) {
  ParsedSettlement p = ParseCorpus("sample4-continuations-newline-delimited.txt");
  EXPECT_EQ(p.batch.payments.size(), 5u);
  EXPECT_EQ(p.batch.reversals.size(), 5u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"USD", 394388}}));
  EXPECT_EQ(ReversalTotals(p), (std::map<std::string, int64_t>{{"USD", 406343}}));

  EXPECT_TRUE(HasWarning(p, "sample4-continuations-newline-delimited.txt:22: record 49")) << AllWarnings(p);
  EXPECT_TRUE(HasWarning(p, "control total expected -1260161341762, found 7999960")) << AllWarnings(p);
  EXPECT_TRUE(HasWarning(p, "record count expected 26, found 18")) << AllWarnings(p);
  // Third account (lines 23-110): 88 records where the 49 says 8.
  EXPECT_TRUE(HasWarning(p, "record count expected 8, found 88")) << AllWarnings(p);
  EXPECT_TRUE(HasWarning(p, "number of accounts expected 4, found 5")) << AllWarnings(p);

  const Payment* rtp = FindPayment(p, "GI2228400005800");
  ASSERT_NE(rtp, nullptr);
  EXPECT_EQ(rtp->amount_minor, 50050);
  EXPECT_EQ(rtp->source, PaymentSource::kWire);
  EXPECT_EQ(rtp->payer_name, "SAMPLE INC");        // DBNM
  EXPECT_EQ(rtp->payer_account_mask, "****2205");  // DACT 02122056789012205
  EXPECT_EQ(rtp->payer_account_fp, kFp.Account("02122056789012205"));
  EXPECT_EQ(rtp->end_to_end_id, "RTR60880840833");
  EXPECT_EQ(rtp->value_date, D("2023-09-06"));
  EXPECT_TRUE(StartsWith(rtp->remittance, "RTR60880840833 RTP Incoming,From: SAMPLE INC, Remittance Info: "))
      << rtp->remittance;
  EXPECT_TRUE(Contains(rtp->remittance, "REMI: Test Remittance")) << rtp->remittance;

  // No DBNM here; the debtor account is masked in the remittance too.
  const Payment* wire = FindPayment(p, "GI2229300000187");
  ASSERT_NE(wire, nullptr);
  EXPECT_EQ(wire->amount_minor, 1125);
  EXPECT_EQ(wire->payer_name, "");
  EXPECT_EQ(wire->payer_account_mask, "****2423");
  EXPECT_TRUE(Contains(wire->remittance, "DACT: ****2423")) << wire->remittance;
  EXPECT_FALSE(Contains(wire->remittance, "8348572423")) << wire->remittance;

  const Payment* check = FindPayment(p, "SX22293073766088");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->source, PaymentSource::kCheck);
  EXPECT_EQ(check->amount_minor, 527);

  // "DACT: ACHCONTROLINUSD01" is a control-account name, not an account number.
  const Payment* ach = FindPayment(p, "SPB2321284264201");
  ASSERT_NE(ach, nullptr);
  EXPECT_EQ(ach->source, PaymentSource::kAch);
  EXPECT_EQ(ach->payer_account_fp, "");
  EXPECT_TRUE(StartsWith(ach->remittance, "AB-GS-DDFILEAB0001-DDBAB0001 ACH Debit Collection,")) << ach->remittance;

  const Reversal* r557 = FindReversal(p, "SB2322600000214");
  ASSERT_NE(r557, nullptr);
  EXPECT_EQ(r557->kind, ReversalKind::kAchReturn);
  EXPECT_EQ(r557->amount_minor, 200000);
  EXPECT_EQ(r557->reason_code, "R02");
  EXPECT_EQ(r557->original_reference, "021000080000030");
  EXPECT_TRUE(Contains(r557->text, "ACH Credit Receipt Return")) << r557->text;

  const Reversal* r257 = FindReversal(p, "SB2225800001203");
  ASSERT_NE(r257, nullptr);
  EXPECT_EQ(r257->amount_minor, 60000);
  EXPECT_EQ(r257->reason_code, "R02");
  EXPECT_EQ(r257->original_reference, "028000020000335");

  const Reversal* r266 = FindReversal(p, "GI2118700002010");
  ASSERT_NE(r266, nullptr);
  EXPECT_EQ(r266->kind, ReversalKind::kReturnedCheck);
  EXPECT_EQ(r266->amount_minor, 1912);
  EXPECT_EQ(r266->reason_code, "");

  const Reversal* r255 = FindReversal(p, "SC2134800001999");
  ASSERT_NE(r255, nullptr);
  EXPECT_EQ(r255->kind, ReversalKind::kReturnedCheck);
  EXPECT_EQ(r255->amount_minor, 931);

  const Reversal* r261 = FindReversal(p, "SB2322600000404");
  ASSERT_NE(r261, nullptr);
  EXPECT_EQ(r261->amount_minor, 143500);
}

// sample5: sample4 plus a 195 of 3797999624, a 698 fee (debit) and a 354
// interest credit of 1764: 7 payments, 394388 + 3797999624 + 1764 =
// 3798395776. Same 5 returns. '/' inside customer references and text
// must not end the record; `88:EREF` continues the 255's text. The third
// account now runs over lines 23-118 = 96 records.
TEST(Bai2Corpus, Sample5SlashesInReferencesAndColonContinuationStillGiveSevenCredits) {
  ParsedSettlement p = ParseCorpus("sample5-issue113.txt");
  EXPECT_EQ(p.batch.payments.size(), 7u);
  EXPECT_EQ(p.batch.reversals.size(), 5u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"USD", 3798395776}}));
  EXPECT_EQ(ReversalTotals(p), (std::map<std::string, int64_t>{{"USD", 406343}}));
  EXPECT_TRUE(HasWarning(p, "control total expected -1260161341762, found 7999960")) << AllWarnings(p);
  EXPECT_TRUE(HasWarning(p, "record count expected 8, found 96")) << AllWarnings(p);

  const Payment* ach = FindPayment(p, "SPB2321284264201");
  ASSERT_NE(ach, nullptr);
  EXPECT_TRUE(StartsWith(ach->remittance,
                         "AB/GS/DDFILEAB0001/DDBAB0001 ACH Debit Collection,Entry Description: "
                         "BILL PMT; -, SEC: CCD, Client Ref ID: AB/GS/DDFILEAB0001/DDBAB0001,"))
      << ach->remittance;
  EXPECT_EQ(ach->end_to_end_id, "AB/GS/DDFILEAB0001/DDBAB0001");

  const Payment* big = FindPayment(p, "GI2323300007089");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->amount_minor, 3797999624);
  EXPECT_EQ(big->payer_name, "TEST AND COMPANY");
  EXPECT_EQ(big->payer_account_mask, "****0427");

  const Payment* interest = FindPayment(p, "SBD85710_20230731_0021");
  ASSERT_NE(interest, nullptr);
  EXPECT_EQ(interest->amount_minor, 1764);
  EXPECT_EQ(interest->source, PaymentSource::kOther);
  EXPECT_TRUE(Contains(interest->remittance, "Period: Jul 1, 2023 to Jul 31, 2023")) << interest->remittance;

  const Reversal* check_return = FindReversal(p, "SC2134800001999");
  ASSERT_NE(check_return, nullptr);
  EXPECT_TRUE(Contains(check_return->text, "EREF: 07370568132")) << check_return->text;
}

// citi: one 191 of "001" = 0.01 GBP, V 150715 with a blank time, bank ref
// 1234567890, customer ref RP12312312312312, text only in seven TAG:value
// 88s. "BO:11111111 BO1:DOE JO" is "by order of": the payer. Totals
// 10000 + 10000 + 1 = 20001 over 10/12/14 records: right.
TEST(Bai2Corpus, CitiExampleHasOneGbpPennyFromDoeJoWithAccountMasked) {
  ParsedSettlement p = ParseCorpus("citi_example.bai2");
  EXPECT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"GBP", 1}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* pay = FindPayment(p, "1234567890");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(pay->currency->exponent(), 2);
  EXPECT_EQ(pay->value_date, D("2015-07-15"));
  EXPECT_EQ(pay->payer_name, "DOE JO");
  EXPECT_EQ(pay->payer_account_mask, "****1111");
  EXPECT_EQ(pay->payer_account_fp, kFp.Account("11111111"));
  EXPECT_TRUE(StartsWith(pay->remittance, "RP12312312312312 FR:FP SIP INCOMING ENDT:20150715 TRID:"))
      << pay->remittance;
  EXPECT_TRUE(Contains(pay->remittance, "BO:****1111 BO1:DOE JO")) << pay->remittance;
  EXPECT_TRUE(Contains(pay->remittance, "A1234BC 22/03/66")) << pay->remittance;
}

// nwb: 03 currency GBP (the 02's is blank). Five 16s with empty funds
// type and refs, text in 88s; only the 399 of 89 is a credit. Its text is
// cut mid-word at 80 characters ("…-5373 CLIE" + "NT SECCY AC TFR").
// Totals: 36521 + 3×33845 + 2765 + 89 + 971 + 100 + 123 + 1571 + 89 = 143764.
TEST(Bai2Corpus, NwbExampleHasOneGbpCreditWhoseWordSplitAcross88sIsRejoined) {
  std::string data = Corpus("nwb_example.bai2");
  ParsedSettlement p = ParseCorpus("nwb_example.bai2");
  EXPECT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"GBP", 89}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* pay = FindPayment(p, DerivedId(data, 5));
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(pay->value_date, D("2009-12-16"));
  EXPECT_EQ(pay->remittance,
            "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIENT SECCY AC TFR");
  EXPECT_EQ(pay->source_line, 13u);
}

// svb: two groups for one account, each with one 142 ACH credit whose text
// is only in an 88: 490196 (ref 172629, as of 220201) + 905800 (ref
// 150675, as of 220202) = 1395996. 49s 138884258 / 143145938 count the
// 88s (7 records); 99 has no '/'.
TEST(Bai2Corpus, SvbExampleHasTwoUsdAchCreditsTotalling13959_96) {
  ParsedSettlement p = ParseCorpus("svb_us_example.bai2");
  EXPECT_EQ(p.batch.payments.size(), 2u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"USD", 1395996}}));
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);

  const Payment* first = FindPayment(p, "172629");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->amount_minor, 490196);
  EXPECT_EQ(first->source, PaymentSource::kAch);
  EXPECT_EQ(first->value_date, D("2022-02-01"));
  EXPECT_EQ(first->remittance, "SOME PAYMENT ACH OFFSET");
  const Payment* second = FindPayment(p, "150675");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->amount_minor, 905800);
  EXPECT_EQ(second->value_date, D("2022-02-02"));
}

// Two accounts with nothing but an account number and blank 49 totals; the
// 98/99 totals of 0 and record counts 2/6/8 are right.
TEST(Bai2Corpus, BlankAccountTrailerAmountsReadAsNoAmountWithoutWarnings) {
  ParsedSettlement p = ParseCorpus("account_trailer_amount_blank_example.bai2");
  EXPECT_EQ(p.batch.payments.size(), 0u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);
}

TEST(Bai2Corpus, EveryCorpusFileIsDetectedAsBai2) {
  for (const char* file : {"sample1.txt", "sample2.txt", "sample3.txt", "sample4-continuations-newline-delimited.txt",
                           "sample5-issue113.txt", "citi_example.bai2", "nwb_example.bai2", "svb_us_example.bai2",
                           "account_trailer_amount_blank_example.bai2"}) {
    EXPECT_EQ(DetectSettlementFormat(Corpus(file)), SettlementFormat::kBai2) << file;
  }
}

// Reading twice gives the same ids (derived ids depend on content only).
TEST(Bai2Corpus, ReReadingGivesTheSameIds) {
  ParsedSettlement a = ParseCorpus("sample3.txt");
  ParsedSettlement b = ParseCorpus("sample3.txt");
  ASSERT_EQ(a.batch.payments.size(), b.batch.payments.size());
  for (size_t i = 0; i < a.batch.payments.size(); ++i) {
    EXPECT_EQ(a.batch.payments[i].payment_id, b.batch.payments[i].payment_id);
  }
}

// ---------------------------------------------------------------------------
// Scenarios on small files

// A clean file: 03 1000 + 16 1250 + 16 500 = 2750; 49 counts 03, 16, 88,
// 16, 49 = 5; 98 counts 7; 99 counts 9.
std::vector<std::string> CleanFile() {
  return {
      "01,SENDER,RECEIVER,230101,1200,1,,,2/",
      "02,RECEIVER,BANK,1,230101,,USD,2/",
      "03,12345678,USD,010,1000,,/",
      "16,142,1250,0,REF1,CUST1,PAYMENT INV-1/",
      "88,MORE TEXT",
      "16,195,500,0,REF2,,WIRE INV-2/",
      "49,2750,5/",
      "98,2750,1,7/",
      "99,2750,1,9/",
  };
}

TEST(Bai2Scenario, CleanFileHasTwoPaymentsAndNoWarnings) {
  auto r = Parse("x.bai2", Joined(CleanFile()));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ParsedSettlement& p = r.value();
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);
  ASSERT_EQ(p.batch.payments.size(), 2u);
  EXPECT_EQ(p.batch.payments[0].payment_id, "REF1");
  EXPECT_EQ(p.batch.payments[0].remittance, "CUST1 PAYMENT INV-1 MORE TEXT");
  EXPECT_EQ(p.batch.payments[0].value_date, D("2023-01-01"));
  EXPECT_EQ(p.batch.payments[1].payment_id, "REF2");
  EXPECT_EQ(p.batch.payments[1].remittance, "WIRE INV-2");
  EXPECT_EQ(p.batch.source_name, "x.bai2");
}

TEST(Bai2Scenario, CrlfLineEndsAndByteOrderMarkAreAccepted) {
  std::string data = "\xEF\xBB\xBF";
  for (const std::string& l : CleanFile()) data += l + "\r\n";
  auto r = Parse("x.bai2", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments.size(), 2u);
  EXPECT_TRUE(r.value().warnings.empty()) << AllWarnings(r.value());
}

TEST(Bai2Scenario, WrongControlTotalIsAWarningNamingFileLineExpectedAndFound) {
  auto lines = CleanFile();
  lines[6] = "49,2751,5/";
  auto r = Parse("x.bai2", Joined(lines));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(HasWarning(r.value(), "x.bai2:7: record 49 (account ****5678): control total expected 2751, found 2750"))
      << AllWarnings(r.value());
  // The 98 checks the 49 as written: 2751 against its own 2750.
  EXPECT_TRUE(HasWarning(r.value(), "x.bai2:8: record 98")) << AllWarnings(r.value());
  EXPECT_EQ(r.value().batch.payments.size(), 2u);
}

// Funds types S (3 amounts), V (date, time) and D (n, then n pairs) shift
// the bank reference; an 88 may continue a 16's fields before its text.
TEST(Bai2Scenario, FundsTypeSubFieldsShiftTheReferences) {
  std::string data = Joined({
      "01,S,R,230101,1200,1,,,2/",
      "02,R,B,1,230101,,USD,2/",
      "03,1,USD/",
      "16,142,1000,S,500,300,200,REFS,CUSTS,TEXT S/",
      "16,142,1000,V,230105,1200,REFV,,TEXT V/",
      "16,142,1000,D,2,0,600,1,400,REFD,,TEXT D/",
      "16,142,1000,S,500/",
      "88,300,200,REFC,CUSTC,TEXT C/",
      "49,4000,7/",
      "98,4000,1,9/",
      "99,4000,1,11/",
  });
  auto r = Parse("f.bai2", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ParsedSettlement& p = r.value();
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);
  ASSERT_EQ(p.batch.payments.size(), 4u);
  EXPECT_EQ(p.batch.payments[0].payment_id, "REFS");
  EXPECT_EQ(p.batch.payments[0].remittance, "CUSTS TEXT S");
  EXPECT_EQ(p.batch.payments[1].payment_id, "REFV");
  EXPECT_EQ(p.batch.payments[1].value_date, D("2023-01-05"));
  EXPECT_EQ(p.batch.payments[2].payment_id, "REFD");
  EXPECT_EQ(p.batch.payments[2].remittance, "TEXT D");
  EXPECT_EQ(p.batch.payments[3].payment_id, "REFC");
  EXPECT_EQ(p.batch.payments[3].remittance, "CUSTC TEXT C");
}

// Text keeps ',' and '/'; records without '/' and several per line;
// `88:` continues; text after '/' that is not a record stays text.
TEST(Bai2Scenario, SlashesCommasAndSeveralRecordsPerLineAreRead) {
  std::string data = Joined({
      "01,S,R,230101,1200,1,,,2/   02,R,B,1,230101,,EUR,2/",
      "03,1,,010,0,,/",
      "16,142,100,0,REF/1,C/2,paid 08/18/23, INV 7/ thanks",
      "88:INV-8/",
      "16,142,200,Z,REF2,,X/ 16,142,300,Z,REF3,,Y/  49,600,6/",
      "98,600,1,8/",
      "99,600,1,10",
  });
  auto r = Parse("s.bai2", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ParsedSettlement& p = r.value();
  EXPECT_TRUE(p.warnings.empty()) << AllWarnings(p);
  ASSERT_EQ(p.batch.payments.size(), 3u);
  EXPECT_EQ(p.batch.payments[0].payment_id, "REF/1");
  EXPECT_EQ(p.batch.payments[0].remittance, "C/2 paid 08/18/23, INV 7/ thanks INV-8");
  EXPECT_EQ(p.batch.payments[0].currency->code(), "EUR");  // from the 02
  EXPECT_EQ(p.batch.payments[1].payment_id, "REF2");
  EXPECT_EQ(p.batch.payments[2].payment_id, "REF3");
  EXPECT_EQ(p.batch.payments[2].source_line, 5u);
}

// A 451 debit whose text has an R-code is an ACH return; "R1234" and
// "BR01" are not R-codes; other debits are only totals.
TEST(Bai2Scenario, DebitWithAnRCodeIsAnAchReturnOtherDebitsAreIgnored) {
  std::string data = Joined({
      "01,S,R,230101,1200,1,,,2/",
      "02,R,B,1,230101,,USD,2/",
      "03,1,USD/",
      "16,451,700,0,RET1,,ACH RETURN R01 INSUFFICIENT FUNDS/",
      "16,451,800,0,DEB1,,PAYMENT R1234 BR01/",
      "16,555,900,0,,,DEPOSITED ITEM RETURNED/",
      "49,2400,5/",
      "98,2400,1,7/",
      "99,2400,1,9/",
  });
  auto r = Parse("r.bai2", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ParsedSettlement& p = r.value();
  EXPECT_EQ(p.batch.payments.size(), 0u);
  ASSERT_EQ(p.batch.reversals.size(), 2u);
  EXPECT_EQ(p.batch.reversals[0].reversal_id, "RET1");
  EXPECT_EQ(p.batch.reversals[0].kind, ReversalKind::kAchReturn);
  EXPECT_EQ(p.batch.reversals[0].reason_code, "R01");
  EXPECT_EQ(p.batch.reversals[0].amount_minor, 700);
  EXPECT_EQ(p.batch.reversals[1].reversal_id, DerivedId(data, 3));
  EXPECT_EQ(p.batch.reversals[1].kind, ReversalKind::kReturnedCheck);
  EXPECT_EQ(p.batch.reversals[1].reason_code, "");
}

TEST(Bai2Scenario, RepeatedBankReferenceGetsAUniqueIdAndAWarning) {
  auto lines = CleanFile();
  lines[5] = "16,195,500,0,REF1,,WIRE INV-2/";
  auto r = Parse("d.bai2", Joined(lines));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 2u);
  EXPECT_EQ(r.value().batch.payments[1].payment_id, "REF1-2");
  EXPECT_EQ(r.value().batch.payments[1].bank_reference, "REF1");
  EXPECT_TRUE(HasWarning(r.value(), "d.bai2:6: record 16: id 'REF1' repeats")) << AllWarnings(r.value());
}

// Ids are checked for repeats in a flat hash set that grows as the file is
// read and is reserved after the first thousand details: 3,000 details,
// the last thousand repeating the references of the first, must keep the
// first 2,000 ids as given and give each repeat its position.
TEST(Bai2Scenario, ManyRepeatedReferencesStayUniqueAcrossTheIdSetGrowing) {
  std::string data = "01,BANK,CUST,261124,0800,1,80,10,2/\n02,CUST,BANK,1,261124,0800,USD,2/\n03,0123456789,USD/\n";
  for (int i = 0; i < 3000; ++i) data += "16,142,100,0,REF" + std::to_string(i % 2000) + ",,ACH CREDIT/\n";
  data += "49,,/\n98,,,/\n99,,,/\n";
  auto r = Parse("many.bai2", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& payments = r.value().batch.payments;
  ASSERT_EQ(payments.size(), 3000u);
  std::set<std::string> ids;
  for (int i = 0; i < 3000; ++i) {
    const std::string ref = "REF" + std::to_string(i % 2000);
    EXPECT_EQ(payments[i].payment_id, i < 2000 ? ref : ref + "-" + std::to_string(i + 1));
    ids.insert(payments[i].payment_id);
  }
  EXPECT_EQ(ids.size(), 3000u);
}

TEST(Bai2Scenario, JpyAmountsAreWholeUnits) {
  auto lines = CleanFile();
  lines[2] = "03,12345678,JPY,010,1000,,/";
  auto r = Parse("j.bai2", Joined(lines));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments[0].currency->code(), "JPY");
  EXPECT_EQ(r.value().batch.payments[0].amount_minor, 1250);  // ¥1250
}

// ---------------------------------------------------------------------------
// Bad input

std::string ErrorOf(const std::vector<std::string>& lines, bool skip = false) {
  auto r = Parse("x.bai2", Joined(lines), skip);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.status().message();
}

TEST(Bai2BadInput, DecimalPointInAmountNamesFileLineRecordAndField) {
  auto lines = CleanFile();
  lines[3] = "16,142,12.50,0,REF1,CUST1,PAYMENT/";
  EXPECT_EQ(ErrorOf(lines), "x.bai2:4: record 16: field 'amount': expected digits, got '12.50'");
}

TEST(Bai2BadInput, AmountWithTooManyDigitsIsOutOfRange) {
  auto lines = CleanFile();
  lines[3] = "16,142,99999999999999999999,0,REF1,CUST1,PAYMENT/";
  std::string msg = ErrorOf(lines);
  EXPECT_TRUE(StartsWith(msg, "x.bai2:4: record 16: field 'amount': ")) << msg;
  EXPECT_TRUE(Contains(msg, "out of range")) << msg;
}

TEST(Bai2BadInput, MissingFileTrailerIsAnError) {
  auto lines = CleanFile();
  lines.pop_back();
  std::string msg = ErrorOf(lines);
  EXPECT_TRUE(StartsWith(msg, "x.bai2:8: missing 99 file trailer")) << msg;
  // Structural: skipping bad records does not help.
  EXPECT_TRUE(StartsWith(ErrorOf(lines, /*skip=*/true), "x.bai2:8: missing 99")) << msg;
}

TEST(Bai2BadInput, TruncatedInsideAnAccountIsAnError) {
  auto lines = CleanFile();
  lines.resize(5);
  std::string msg = ErrorOf(lines);
  EXPECT_TRUE(StartsWith(msg, "x.bai2:5: missing 99 file trailer: the file ends inside an open account")) << msg;
}

TEST(Bai2BadInput, DetailBeforeAnyAccountIsOutOfOrder) {
  std::vector<std::string> lines = CleanFile();
  lines.erase(lines.begin() + 2);  // drop the 03
  std::string msg = ErrorOf(lines, /*skip=*/true);
  EXPECT_TRUE(StartsWith(msg, "x.bai2:3: record 16: out of order")) << msg;
}

TEST(Bai2BadInput, AccountBeforeGroupHeaderIsOutOfOrder) {
  std::vector<std::string> lines = CleanFile();
  std::swap(lines[1], lines[2]);
  std::string msg = ErrorOf(lines);
  EXPECT_TRUE(StartsWith(msg, "x.bai2:2: record 03: out of order")) << msg;
}

TEST(Bai2BadInput, UnknownCurrencyIsNamed) {
  auto lines = CleanFile();
  lines[2] = "03,12345678,XYZ,010,1000,,/";
  EXPECT_EQ(ErrorOf(lines), "x.bai2:3: record 03: field 'currency': unknown currency 'XYZ', expected an ISO 4217 code");
  lines = CleanFile();
  lines[1] = "02,RECEIVER,BANK,1,230101,,US$,2/";
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:2: record 02: field 'currency': unknown currency 'US$'"));
}

TEST(Bai2BadInput, UnknownRecordCodeIsNamed) {
  auto lines = CleanFile();
  lines.insert(lines.begin() + 4, "17,142,100/");
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:5: unknown record code '17'"));
}

TEST(Bai2BadInput, BadFundsTypeDateAndDistributionAreNamed) {
  auto lines = CleanFile();
  lines[3] = "16,142,1250,X,REF1,CUST1,PAYMENT/";
  EXPECT_EQ(ErrorOf(lines), "x.bai2:4: record 16: field 'funds type': expected 0, 1, 2, S, V, D or Z, got 'X'");
  lines[3] = "16,142,1250,V,231399,,REF1,CUST1,PAYMENT/";
  EXPECT_EQ(ErrorOf(lines), "x.bai2:4: record 16: field 'value date': expected YYMMDD, got '231399'");
  lines[3] = "16,142,1250,D,999999999/";
  lines[4] = "88,0,5";
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:5: record 16: field 'distribution': the count says 999999999"));
  lines = CleanFile();
  lines[1] = "02,RECEIVER,BANK,1,230231,,USD,2/";
  EXPECT_EQ(ErrorOf(lines), "x.bai2:2: record 02: field 'as-of date': expected YYMMDD, got '230231'");
}

TEST(Bai2BadInput, OtherStructuralErrors) {
  EXPECT_TRUE(StartsWith(ErrorOf({}), "x.bai2: empty BAI2 file"));
  EXPECT_TRUE(StartsWith(ErrorOf({"88,TEXT"}), "x.bai2:1: record 88: a continuation with no record"));
  EXPECT_TRUE(StartsWith(ErrorOf({"HELLO"}), "x.bai2:1: expected a record code"));
  auto lines = CleanFile();
  lines.push_back("02,RECEIVER,BANK,1,230101,,USD,2/");
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:10: record 02: a record after the 99 file trailer"));
  lines = CleanFile();
  lines[6] = "49,2750,5/junk";
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:7: record 49: unexpected text after the '/'"));
  lines = CleanFile();
  lines[0] = "02,RECEIVER,BANK,1,230101,,USD,2/";
  EXPECT_TRUE(StartsWith(ErrorOf(lines), "x.bai2:1: record 02: out of order"));
}

// With skip_bad_records the bad 16 and its 88 go to rejects with the same
// reason an error would give; the rest loads. The rejected amount is then
// missing from the account, so the 49 warns.
TEST(Bai2BadInput, SkipBadRecordsRejectsTheDetailWithItsContinuationAndKeepsTheRest) {
  auto lines = CleanFile();
  lines[3] = "16,142,12.50,0,REF1,CUST1,PAYMENT/";
  auto r = Parse("x.bai2", Joined(lines), /*skip=*/true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ParsedSettlement& p = r.value();
  ASSERT_EQ(p.rejects.size(), 1u);
  EXPECT_EQ(p.rejects[0].line, 4u);
  EXPECT_EQ(p.rejects[0].record, "16,142,12.50,0,REF1,CUST1,PAYMENT/\n88,MORE TEXT");
  EXPECT_EQ(p.rejects[0].reason, "x.bai2:4: record 16: field 'amount': expected digits, got '12.50'");
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.payments[0].payment_id, "REF2");
  EXPECT_TRUE(HasWarning(p, "x.bai2:7: record 49 (account ****5678): control total expected 2750, found 1500"))
      << AllWarnings(p);
  EXPECT_FALSE(HasWarning(p, "record count")) << AllWarnings(p);
}

// Truncations and byte mutations of every corpus file: never a crash or
// an out-of-bounds read (run under ASan/UBSan), always a value or an error.
TEST(Bai2BadInput, TruncatedAndMutatedCorpusFilesNeverCrash) {
  std::mt19937 rng(20240601);
  const char kBytes[] = "0123456789,/:+- \n\rSVDZ8";
  for (const char* file : {"sample1.txt", "sample2.txt", "sample3.txt", "sample4-continuations-newline-delimited.txt",
                           "sample5-issue113.txt", "citi_example.bai2", "nwb_example.bai2", "svb_us_example.bai2",
                           "account_trailer_amount_blank_example.bai2"}) {
    std::string data = Corpus(file);
    for (size_t cut = 0; cut <= data.size(); cut += 7) {
      auto r = Parse(file, std::string_view(data).substr(0, cut), /*skip=*/cut % 2 == 0);
      if (!r.ok()) {
        EXPECT_FALSE(r.status().message().empty());
      }
    }
    for (int round = 0; round < 300; ++round) {
      std::string m = data;
      for (int k = 0; k < 3; ++k) {
        m[rng() % m.size()] = kBytes[rng() % (sizeof(kBytes) - 1)];
      }
      auto r = Parse(file, m, /*skip=*/round % 2 == 0);
      if (!r.ok()) {
        EXPECT_FALSE(r.status().message().empty());
      }
    }
  }
}

}  // namespace
}  // namespace cashmatch::io
