// What every settlement reader's output must satisfy whatever the format
// (io/src/readers/batch_checks.cc), and the book CSV ids: each test feeds
// one adversarial input through the public entry point (ParseSettlement,
// the book CSV readers) and checks the clear error or the warning and the
// cleaned batch, never a crash further on.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cashmatch/engine/hints.h"
#include "cashmatch/io/book_csv.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/payments_ndjson.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

const Fingerprinter kFp(std::string(32, 'k'));

Result<ParsedSettlement> Parse(const std::string& name, std::string_view data,
                               SettlementFormat format = SettlementFormat::kAuto, bool skip = false) {
  ParseOptions options;
  options.skip_bad_records = skip;
  return ParseSettlement(name, data, format, kFp, options);
}

using testing_util::ExpectError;

std::string AllWarnings(const ParsedSettlement& p) {
  std::string out;
  for (const std::string& w : p.warnings) out += w + "\n";
  return out;
}

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

const char kNdjsonOk[] = R"({"payment_id":"P1","amount":"10.00","currency":"USD","value_date":"2026-01-02"})";

std::string Bai2(const std::string& detail) {
  return "01,SENDER,RECEIVER,230101,1200,1,,,2/\n"
         "02,RECEIVER,BANK,1,230101,,USD,2/\n"
         "03,12345678,USD,010,1000,,/\n" +
         detail +
         "\n"
         "49,2250,3/\n"
         "98,2250,1,5/\n"
         "99,2250,1,7/\n";
}

std::string Camt(const std::string& tx_body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n"
         "<BkToCstmrStmt>\n"
         "<GrpHdr><MsgId>T-1</MsgId><CreDtTm>2024-03-01T10:00:00</CreDtTm></GrpHdr>\n"
         "<Stmt>\n<Id>S-1</Id>\n"
         "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
         "<Ntry>\n<Amt Ccy=\"EUR\">100.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n"
         "<Sts><Cd>BOOK</Cd></Sts>\n"
         "<BookgDt><Dt>2024-03-01</Dt></BookgDt>\n<ValDt><Dt>2024-03-01</Dt></ValDt>\n"
         "<AcctSvcrRef>E-REF</AcctSvcrRef>\n"
         "<NtryDtls>\n<TxDtls>\n" +
         tx_body + "</TxDtls>\n</NtryDtls>\n</Ntry>\n</Stmt>\n</BkToCstmrStmt>\n</Document>\n";
}

// ---- Item 6 of issue 12: amounts that reached asserts ----

// A remitted amount of 0 or below for a reference reached the matcher's
// assert(amount > 0). It is dropped with a warning; the reference stays.
TEST(ReaderChecks, NdjsonReferenceAmountZeroOrNegativeIsDroppedWithAWarning) {
  const std::string data =
      R"({"payment_id":"P1","amount":"10.00","currency":"USD","value_date":"2026-01-02",)"
      R"("references":[{"invoice_number":"INV-1","amount":"0.00"},{"invoice_number":"INV-2","amount":"-5.00"},)"
      R"({"invoice_number":"INV-3","amount":"10.00"}]})";
  auto r = Parse("p.ndjson", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Payment& p = r.value().batch.payments.at(0);
  ASSERT_EQ(p.references.size(), 3u);
  EXPECT_FALSE(p.references[0].amount_minor.has_value());
  EXPECT_FALSE(p.references[1].amount_minor.has_value());
  EXPECT_EQ(p.references[2].amount_minor, 1000);
  const std::string w = AllWarnings(r.value());
  EXPECT_TRUE(Contains(w, "p.ndjson:1: payment P1: the amount 0.00 given for reference 'INV-1'")) << w;
  EXPECT_TRUE(Contains(w, "the amount -5.00 given for reference 'INV-2' is not positive")) << w;
}

// camt amounts are unsigned in the schema: a negative one is already a
// clear error; a 0.00 RmtdAmt reached the matcher and is dropped now.
TEST(ReaderChecks, CamtRemittedAmountZeroIsDroppedAndNegativeIsAnError) {
  auto camt = [](const char* amount) {
    return Camt(
        "<RmtInf><Strd><RfrdDocInf><Nb>INV-1</Nb></RfrdDocInf>\n"
        "<RfrdDocAmt><RmtdAmt Ccy=\"EUR\">" +
        std::string(amount) + "</RmtdAmt></RfrdDocAmt></Strd></RmtInf>\n");
  };
  auto r = Parse("s.xml", camt("0.00"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Payment& p = r.value().batch.payments.at(0);
  ASSERT_EQ(p.references.size(), 1u);
  EXPECT_EQ(p.references[0].invoice_number, "INV-1");
  EXPECT_FALSE(p.references[0].amount_minor.has_value());
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "the amount 0.00 given for reference 'INV-1'"))
      << AllWarnings(r.value());
  ExpectError(Parse("s.xml", camt("-40.00")), {"s.xml:18:", "field 'RfrdDocAmt/RmtdAmt'", "-40.00"});
}

constexpr char kStripeCsvHeader[] =
    "automatic_payout_id,balance_transaction_id,created_utc,reporting_category,currency,gross,fee,net,"
    "charge_id,source_id\n";

// A payout listing of one refund nets to a debit: Stripe takes money from
// the bank account. The payout hit an assert in the ledger's payout keys;
// it is now booked without a bank-line link, with a warning.
TEST(ReaderChecks, StripeCsvOfOneRefundIsADebitPayoutBookedUnlinked) {
  const std::string data =
      std::string(kStripeCsvHeader) + "po_1,txn_1,2026-11-21,refund,usd,-80.00,0.00,-80.00,ch_2,re_1\n";
  auto r = Parse("recon.csv", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r.value().batch.payout.has_value());
  EXPECT_EQ(r.value().batch.reversals.size(), 1u);
  const std::string w = AllWarnings(r.value());
  EXPECT_TRUE(Contains(w, "Stripe payout po_1 is a debit of 80.00 USD")) << w;
}

TEST(ReaderChecks, StripeCsvChargeWithFeeAboveGrossIsADebitPayoutBookedUnlinked) {
  const std::string data =
      std::string(kStripeCsvHeader) + "po_2,txn_1,2026-11-21,charge,usd,1.00,2.50,-1.50,ch_1,ch_1\n";
  auto r = Parse("recon.csv", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r.value().batch.payout.has_value());
  EXPECT_EQ(r.value().batch.payments.size(), 1u);
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "po_2 is a debit of 1.50 USD")) << AllWarnings(r.value());
}

TEST(ReaderChecks, StripeJsonPayoutWhoseNetIsNegativeIsBookedUnlinked) {
  // A payout BT of +30.00 (money into the Stripe balance from the bank)
  // after a refund of 30.00: the listing's net is a debit.
  const std::string data =
      R"({"object":"list","data":[)"
      R"({"id":"txn_r","object":"balance_transaction","amount":-3000,"fee":0,"net":-3000,"currency":"usd",)"
      R"("type":"refund","reporting_category":"refund","source":"re_1","created":1767225600},)"
      R"({"id":"txn_p","object":"balance_transaction","amount":3000,"fee":0,"net":3000,"currency":"usd",)"
      R"("type":"payout","reporting_category":"payout","source":"po_3","created":1767225600}]})";
  auto r = Parse("bt.json", data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r.value().batch.payout.has_value());
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "po_3 is a debit of 30.00 USD")) << AllWarnings(r.value());
}

// ---- Item 3 of issue 12: a NUL or control byte in an id ----

TEST(ReaderChecks, NdjsonNulInPaymentIdIsAnErrorNamingLineAndField) {
  const std::string data = std::string(kNdjsonOk) + "\n" +
                           R"({"payment_id":"P\u00002","amount":"1.00","currency":"USD","value_date":"2026-01-02"})";
  ExpectError(Parse("p.ndjson", data), {"p.ndjson:2: field 'payment_id'", "NUL"});
  ExpectError(ParsePaymentsNdjson("p.ndjson", data, kFp, nullptr), {"p.ndjson:2: field 'payment_id'", "NUL"});
}

TEST(ReaderChecks, NdjsonControlCharacterInReferenceIsRejectedWhenSkipping) {
  const std::string bad = R"({"payment_id":"P2","amount":"1.00","currency":"USD","value_date":"2026-01-02",)"
                          R"("references":[{"invoice_number":"INV\u001b1"}]})";
  auto r = Parse("p.ndjson", std::string(kNdjsonOk) + "\n" + bad + "\n", SettlementFormat::kAuto, true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  ASSERT_EQ(r.value().rejects.size(), 1u);
  EXPECT_EQ(r.value().rejects[0].line, 2u);
  EXPECT_EQ(r.value().rejects[0].record, bad);
  EXPECT_TRUE(Contains(r.value().rejects[0].reason, "field 'references[0].invoice_number'"))
      << r.value().rejects[0].reason;
}

TEST(ReaderChecks, Bai2RawNulByteInBankReferenceIsAnError) {
  const std::string data = Bai2(std::string("16,142,2250,0,REF\0X,CUST1,PAYMENT/", 34));
  ExpectError(Parse("x.bai2", data), {"x.bai2:4: field 'payment_id'", "NUL"});
}

TEST(ReaderChecks, Bai2InvalidUtf8InBankReferenceIsAnError) {
  ExpectError(Parse("x.bai2", Bai2("16,142,2250,0,REF\xff,CUST1,PAYMENT/")), {"x.bai2:4: field 'payment_id'", "UTF-8"});
}

TEST(ReaderChecks, CustomersCsvNulInCustomerIdIsAnError) {
  const std::string data = std::string("customer_id,name\nC1,Acme\nC\0002,Globex\n", 36);
  ExpectError(ParseCustomersCsv("customers.csv", data, kFp, nullptr), {"customers.csv:3", "customer_id", "NUL"});
}

TEST(ReaderChecks, InvoicesCsvControlCharacterInInvoiceIdIsAnError) {
  const std::string data =
      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
      "I\x01,INV-1,C1,USD,10.00,2026-01-31\n";
  ExpectError(ParseInvoicesCsv("invoices.csv", data, nullptr), {"invoices.csv:2", "invoice_id", "control character"});
}

// ---- An empty settlement file: a day without transactions ----

TEST(ReaderChecks, EmptyOrBlankFileIsABatchOfZeroPaymentsInAnyFormat) {
  for (std::string data : {std::string(), std::string("  \n\r\n\t"), std::string("\xEF\xBB\xBF\n")}) {
    for (SettlementFormat f : {SettlementFormat::kAuto, SettlementFormat::kBai2, SettlementFormat::kCamt,
                               SettlementFormat::kNdjson, SettlementFormat::kStripeCsv, SettlementFormat::kMt940,
                               SettlementFormat::kNacha, SettlementFormat::kStripeJson}) {
      auto r = Parse("day.txt", data, f);
      ASSERT_TRUE(r.ok()) << SettlementFormatName(f) << ": " << r.status().message();
      EXPECT_TRUE(r.value().batch.payments.empty());
      EXPECT_TRUE(r.value().batch.reversals.empty());
      EXPECT_EQ(r.value().batch.source_name, "day.txt");
    }
  }
}

// ---- Concerns of issue 12 ----

// A well-formedness check written for the test, independent of the code's.
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

const std::string kMt940 =
    ":20:REF1\n"
    ":25:NL00BANK0123456789\n"
    ":60F:C240101EUR100,00\n"
    ":61:2401020102CR50,00NTRFINV-1001//BANKREF1\n"
    ":86:/NAME/M\xfcller GmbH//REMI/INV-1001/\n"
    ":61:2401020102CR20,00NTRFINV-1002//BANKREF1\n"
    ":86:/NAME/ACME//REMI/INV-1002/\n"
    ":61:2401030103CR0,00NTRFINV-1003//BANKREF3\n"
    ":62F:C240103EUR170,00\n"
    "-\n";

TEST(ReaderChecks, Mt940SameTransactionReferenceTwiceGetsAUniqueIdAndAWarning) {
  auto r = Parse("t.sta", kMt940);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& payments = r.value().batch.payments;
  ASSERT_EQ(payments.size(), 2u);
  EXPECT_EQ(payments[0].payment_id, "BANKREF1");
  EXPECT_EQ(payments[1].payment_id, "BANKREF1~2");
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "t.sta:6: id 'BANKREF1' was already used on line 4"))
      << AllWarnings(r.value());
}

TEST(ReaderChecks, Mt940ZeroAmountCreditIsSkippedWithAWarning) {
  auto r = Parse("t.sta", kMt940);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const Payment& p : r.value().batch.payments) EXPECT_NE(p.amount_minor, 0);
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "t.sta:8: tag :61: credit of 0 skipped")) << AllWarnings(r.value());
}

TEST(ReaderChecks, Mt940Latin1PayerNameBecomesValidUtf8) {
  auto r = Parse("t.sta", kMt940);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments.at(0).payer_name, "M\xEF\xBF\xBDller GmbH");
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "replaced by U+FFFD")) << AllWarnings(r.value());
}

TEST(ReaderChecks, Bai2InvalidUtf8InRemittanceBecomesValidUtf8) {
  auto r = Parse("x.bai2", Bai2("16,142,2250,0,REF1,CUST1,PAYMENT F\xe9\xe9 \xc3/"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string& text = r.value().batch.payments.at(0).remittance;
  EXPECT_TRUE(ValidUtf8(text)) << text;
  EXPECT_TRUE(Contains(text, "F\xEF\xBF\xBD\xEF\xBF\xBD")) << text;
}

TEST(ReaderChecks, Bai2CreditWithUnknownTypeCodeIsReportedWithItsAmount) {
  auto r = Parse("x.bai2", Bai2("16,950,2250,0,REF1,CUST1,PAYMENT/"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().batch.payments.empty());
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "x.bai2:4: record 16: type code 950 is not a credit or debit code"))
      << AllWarnings(r.value());
  EXPECT_TRUE(Contains(AllWarnings(r.value()), "amount 22.50 skipped")) << AllWarnings(r.value());
}

TEST(ReaderChecks, CamtCharacterReferenceToNulIsAnError) {
  const std::string data = Camt("<Refs><EndToEndId>AB&#0;CD</EndToEndId></Refs>\n");
  ExpectError(Parse("s.xml", data), {"s.xml:17:", "'&#0;'", "control character"});
  ExpectError(Parse("s.xml", Camt("<Refs><EndToEndId>AB&#x1;CD</EndToEndId></Refs>\n")), {"'&#x1;'"});
}

// A camt name in Latin-1 bytes (a declared UTF-8 document that is not)
// reached the export as invalid UTF-8: the whole export is valid UTF-8 now.
TEST(ReaderChecks, CamtLatin1NameKeepsTheExportValidUtf8) {
  const std::string data = Camt(
      "<RltdPties><Dbtr><Nm>M\xfcller \xff GmbH</Nm></Dbtr></RltdPties>\n"
      "<RmtInf><Ustrd>Rechnung INV-2026-000001</Ustrd></RmtInf>\n");
  testing_util::TempDir tmp;
  auto ledger = Ledger::Open(tmp.Join("ledger"), testing_util::Creating());
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE(LoadBookFiles(*ledger.value(), tmp.Write("c.csv", "customer_id,name\nC1,Acme\n"),
                            tmp.Write("i.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I1,INV-2026-000009,C1,EUR,100.00,2024-03-31\n"))
                  .ok());
  Policy policy;
  auto ex = HintExtractor::Create(policy);
  auto r = ApplyPaymentFile(*ledger.value(), tmp.Write("s.xml", data), policy, *ex.value(), MatchOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string exported;
  Status s = ledger.value()->ForEachEvent(0, [&](const Event& e) {
    exported += EventToJson(e) + "\n";
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(exported.empty());
  EXPECT_TRUE(ValidUtf8(exported)) << exported;
}

TEST(ReaderChecks, StripeJsonNetThatIsNotAmountMinusFeeNamesTheBalanceTransaction) {
  const std::string data =
      R"({"object":"list","data":[)"
      R"({"id":"txn_c","object":"balance_transaction","amount":1000,"fee":30,"net":990,"currency":"usd",)"
      R"("type":"charge","reporting_category":"charge","source":"ch_1","created":1767225600}]})";
  ExpectError(Parse("bt.json", data), {"balance transaction txn_c", "field 'net'", "990", "1000", "30"});
}

}  // namespace
}  // namespace cashmatch::io

namespace cashmatch::io {
namespace {

// ---- One list of formats (issue 11) ----

std::string ReadSource(const std::string& rel) { return testing_util::ReadCorpus("../../" + rel); }

// The CLI's --format check takes exactly the table's names, and every
// format but "auto" has a fuzz target: fuzz/CMakeLists.txt makes one per
// table row written as `{SettlementFormat::kX, "name"},` on its own line,
// and tools/fuzz.sh runs fuzz_<name>.
TEST(SettlementFormatTable, EveryFormatRoundTripsAndHasAFuzzTarget) {
  const std::string table_source = ReadSource("io/src/readers/settlement.cc");
  const std::string fuzz_script = ReadSource("tools/fuzz.sh");
  ASSERT_FALSE(table_source.empty());
  ASSERT_EQ(SettlementFormats().size(), 8u);
  for (const SettlementFormatInfo& f : SettlementFormats()) {
    SettlementFormat parsed;
    ASSERT_TRUE(ParseSettlementFormat(f.name, &parsed)) << f.name;
    EXPECT_EQ(parsed, f.format);
    EXPECT_STREQ(SettlementFormatName(f.format), f.name);
    EXPECT_TRUE(Contains(SettlementFormatNames(), f.name));
    const std::string row = ", \"" + std::string(f.name) + "\"},\n";
    EXPECT_TRUE(Contains(table_source, row)) << "the row of " << f.name << " is not in the form CMake reads";
    if (std::string_view(f.name) == "auto") continue;
    std::string target = "fuzz_" + std::string(f.name);
    std::replace(target.begin(), target.end(), '-', '_');
    EXPECT_TRUE(Contains(fuzz_script, "run " + target + " ")) << target << " is not run by tools/fuzz.sh";
  }
}

}  // namespace
}  // namespace cashmatch::io
