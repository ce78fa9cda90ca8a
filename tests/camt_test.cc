// ISO 20022 camt.052/053/054 reading: ParseCamt (io/src/readers/camt.cc), called
// directly through the internal parsers.h so that these tests do not depend
// on how ParseSettlement dispatches.
//
// Golden tests: every corpus file under camt053/ and camt054/ is read and
// checked against counts, per-currency totals and fields that were read off
// the XML by hand (the line numbers in the comments point at the source).
// Bad-input tests build a small camt.053 around one changed element and
// check that the error names the file, the line of that element and the
// field. A crash test feeds truncated and mutated corpus files.
#include <gtest/gtest.h>

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

std::string Corpus(const std::string& rel) { return testing_util::ReadCorpus(rel); }

Result<ParsedSettlement> Parse(const std::string& name, std::string_view data, bool skip_bad_records = false) {
  ParseOptions options;
  options.skip_bad_records = skip_bad_records;
  return ParseCamt(name, data, kFp, options);
}

// Parses a corpus file that must read cleanly (rejects would hide entries).
ParsedSettlement ParseCorpus(const std::string& rel) {
  std::string data = Corpus(rel);
  Result<ParsedSettlement> r = Parse(rel, data);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return ParsedSettlement();
  EXPECT_TRUE(r.value().rejects.empty());
  return std::move(r).value();
}

Date D(std::string_view iso) {
  Result<Date> d = ParseIsoDate(iso);
  EXPECT_TRUE(d.ok());
  return d.ok() ? d.value() : Date();
}

bool AnyWarningHas(const ParsedSettlement& p, std::string_view fragment) {
  for (const std::string& w : p.warnings) {
    if (w.find(fragment) != std::string::npos) return true;
  }
  return false;
}

using testing_util::ExpectError;

// 1-based line of the n-th occurrence of `needle` in `doc`.
uint32_t LineOf(const std::string& doc, std::string_view needle, int occurrence = 1) {
  size_t pos = std::string::npos;
  for (int i = 0; i < occurrence; ++i) pos = doc.find(needle, pos == std::string::npos ? 0 : pos + 1);
  EXPECT_NE(pos, std::string::npos) << needle;
  uint32_t line = 1;
  for (size_t i = 0; i < pos && i < doc.size(); ++i) line += doc[i] == '\n' ? 1 : 0;
  return line;
}

std::string At(const std::string& name, uint32_t line) { return name + ":" + std::to_string(line) + ":"; }

// A small camt.053.001.08 around the given entries; one element per line so
// that tests can point at lines.
std::string Statement(const std::string& entries,
                      const std::string& ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08") {
  std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"" + ns + "\">\n";
  return head +
         "<BkToCstmrStmt>\n"
         "<GrpHdr><MsgId>T-1</MsgId><CreDtTm>2024-03-01T10:00:00</CreDtTm></GrpHdr>\n"
         "<Stmt>\n"
         "<Id>S-1</Id>\n"
         "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n" +
         entries + "</Stmt>\n</BkToCstmrStmt>\n</Document>\n";
}

struct EntrySpec {
  std::string amt = "<Amt Ccy=\"EUR\">100.00</Amt>";
  std::string ind = "CRDT";
  std::string extra_head;  // after CdtDbtInd: RvslInd, Sts …
  std::string val_dt = "<ValDt><Dt>2024-03-01</Dt></ValDt>";
  std::string ref = "E-REF";
  std::string details;  // NtryDtls and what follows
};

std::string Entry(const EntrySpec& e) {
  std::string s = "<Ntry>\n" + e.amt + "\n<CdtDbtInd>" + e.ind + "</CdtDbtInd>\n" + e.extra_head +
                  "<BookgDt><Dt>2024-03-01</Dt></BookgDt>\n" + e.val_dt + "\n";
  if (!e.ref.empty()) s += "<AcctSvcrRef>" + e.ref + "</AcctSvcrRef>\n";
  return s + e.details + "</Ntry>\n";
}

std::string Tx(const std::string& body) { return "<TxDtls>\n" + body + "</TxDtls>\n"; }
std::string Details(const std::string& body) { return "<NtryDtls>\n" + body + "</NtryDtls>\n"; }

// ---------------------------------------------------------------------------
// Golden tests over the corpus.

// genkgo v2 minimal (camt.053.001.02): one EUR 8.85 credit (line 91) with a
// single TxDtls that has no AcctSvcrRef, no EndToEndId and the entry has no
// AcctSvcrRef either, so the id is derived from the file. Its SCOR
// reference 4654654654654654 (line 163) is not RF, so it is remittance text.
TEST(CamtCorpus, GenkgoV2MinimalReadsOneCreditWithDerivedIdAndScorRefAsText) {
  const std::string data = Corpus("camt053/camt053.v2.minimal.xml");
  ParsedSettlement p = ParseCorpus("camt053/camt053.v2.minimal.xml");
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 885}}));
  const Payment& pay = p.batch.payments[0];
  EXPECT_EQ(pay.payment_id, "camt-" + Sha256Hex(data).substr(0, 12) + "-1-1");
  EXPECT_EQ(pay.payer_name, "NAME NAME");
  EXPECT_EQ(pay.payer_account_mask, "****8421");
  EXPECT_EQ(pay.payer_account_fp, kFp.Account("NL56AGDH9619008421"));
  EXPECT_EQ(pay.remittance, "4654654654654654");
  EXPECT_TRUE(pay.rf_reference.empty());
  EXPECT_EQ(pay.value_date, D("2015-01-02"));   // ValDt, not BookgDt 2014-12-31
  EXPECT_EQ(pay.source, PaymentSource::kWire);  // proprietary BkTxCd 544 only
  EXPECT_EQ(pay.source_line, 107u);             // the TxDtls
  EXPECT_EQ(pay.fee_minor, 0);
}

// genkgo v8: the same content as camt.053.001.08. The TxDtls says Amt SEK 0
// (line 141) while the entry books EUR 8.85: the entry amount is the money.
// EndToEndId MUELL/FINP/RA12345 is the id (no TxDtls AcctSvcrRef), and the
// entry AcctSvcrRef is the bank reference.
TEST(CamtCorpus, GenkgoV8UsesTheEntryAmountNotTheZeroSekTransactionAmount) {
  ParsedSettlement p = ParseCorpus("camt053/camt053.v8.xml");
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 885}}));
  const Payment& pay = p.batch.payments[0];
  EXPECT_EQ(pay.payment_id, "MUELL/FINP/RA12345");
  EXPECT_EQ(pay.end_to_end_id, "MUELL/FINP/RA12345");
  EXPECT_EQ(pay.bank_reference, "AAAASESS-FP-CN_98765/01");
  EXPECT_EQ(pay.payer_name, "NAME NAME");  // Dbtr/Pty/Nm in v08
  EXPECT_EQ(pay.payer_account_mask, "****8421");
  EXPECT_EQ(pay.value_date, D("2015-01-02"));
  EXPECT_EQ(pay.remittance, "4654654654654654");
  EXPECT_TRUE(AnyWarningHas(p, "SEK 0"));
}

// genkgo multi statement: Stmt 253 has a EUR 8.85 credit (EndToEndId
// 000000001, Ustrd "Transaction Description 1"); Stmt 254 only a 7.00 debit.
// The only party is the creditor, so there is no payer.
TEST(CamtCorpus, GenkgoMultiStatementKeepsTheCreditAndIgnoresTheDebit) {
  ParsedSettlement p = ParseCorpus("camt053/camt053.v2.multi.statement.xml");
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 885}}));
  const Payment* pay = FindPayment(p, "000000001");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(pay->remittance, "Transaction Description 1");
  EXPECT_TRUE(pay->payer_name.empty());
  EXPECT_TRUE(pay->payer_account_fp.empty());
}

// genkgo five decimals: the entry is "8.850" EUR (line 62); the zero in the
// third decimal carries no value, so it is 885 cents.
TEST(CamtCorpus, GenkgoFiveDecimalsReadsTrailingZeroDecimalsExactly) {
  ParsedSettlement p = ParseCorpus("camt053/camt053.v2.five.decimals.xml");
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 885}}));
  EXPECT_EQ(p.batch.payments[0].payment_id, "000000001");
  EXPECT_EQ(p.batch.payments[0].remittance, "Transaction Description");
}

// viafintech v4 (PostFinance, CHF). 13 entries: six plain debits (ignored);
// credits 1000.00 (10 TxDtls, line 245), 620.00 (8 TxDtls, line 960),
// 110.00 (3 returned transfers, line 1525), 24.00 (2 direct debits, line
// 1727), 56.56 (1 direct debit, line 1838) = 24 payments, CHF 1810.56; and
// two debits with RvslInd=true, 6.00 and 15.53 (lines 1907, 2020) = two
// reversals, CHF 21.53.
TEST(CamtCorpus, PostFinanceV4SplitsBatchEntriesIntoOnePaymentPerTxDtls) {
  ParsedSettlement p = ParseCorpus("camt053/valid_example_v4.xml");
  EXPECT_EQ(p.batch.payments.size(), 24u);
  EXPECT_EQ(p.batch.reversals.size(), 2u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"CHF", 181056}}));
  EXPECT_EQ(ReversalTotals(p), (std::map<std::string, int64_t>{{"CHF", 2153}}));

  // First TxDtls of the 1000.00 batch (lines 292-367).
  const Payment* first = FindPayment(p, "160527CH00T3L0GE");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->amount_minor, 10000);
  EXPECT_EQ(first->payer_name, "Hans Kaufmann");
  EXPECT_EQ(first->remittance, "CreditorReference");  // ISR reference: not RF
  EXPECT_EQ(first->value_date, D("2016-05-30"));
  EXPECT_EQ(first->bank_batch_id, "20160530007602769939022000000012");  // Btch has no ids: the entry's ref
  EXPECT_EQ(first->source, PaymentSource::kOther);                      // CNTR/CDPT: cash at the counter
  EXPECT_EQ(first->fee_minor, 0);                                       // its charges say ChrgInclInd=false

  // Third: the only party is the debtor's agent (Credit Suisse), no debtor.
  const Payment* no_debtor = FindPayment(p, "160527CH00T2H28C");
  ASSERT_NE(no_debtor, nullptr);
  EXPECT_EQ(no_debtor->amount_minor, 20000);
  EXPECT_TRUE(no_debtor->payer_name.empty());
  EXPECT_EQ(no_debtor->remittance, "000000000002016030001581632");

  // Four Ustrd lines joined with spaces (lines 1170-1173), IBAN masked.
  const Payment* ustrd = FindPayment(p, "160527CH00T3HDBA");
  ASSERT_NE(ustrd, nullptr);
  EXPECT_EQ(ustrd->amount_minor, 10000);
  EXPECT_EQ(ustrd->remittance, "MUSTER MITTEILUNG 1 MUSTER MITTEILUNG 2 MUSTER MITTEILUNG 3 MUSTER MITTEILUNG 4");
  EXPECT_EQ(ustrd->payer_name, "Rutschmann Pia");
  EXPECT_EQ(ustrd->payer_account_mask, "****1111");
  EXPECT_EQ(ustrd->payer_account_fp, kFp.Account("CH1111111111111111111"));

  // Direct-debit credit (RDDT/PMDD, lines 1753-1794).
  const Payment* dd = FindPayment(p, "TST_201-2091644-9");
  ASSERT_NE(dd, nullptr);
  EXPECT_EQ(dd->amount_minor, 1500);
  EXPECT_EQ(dd->source, PaymentSource::kAch);
  EXPECT_EQ(dd->end_to_end_id, "EndToEnd-CRDBRActSame-1B9C-CHDDBB2");
  EXPECT_EQ(dd->remittance, "Mitteilung 132");
  EXPECT_EQ(dd->value_date, D("2016-04-10"));

  // The 620.00 batch's last TxDtls (lines 1463-1521).
  const Payment* last = FindPayment(p, "160527CH00T3HG80");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->amount_minor, 25000);
  EXPECT_EQ(last->value_date, D("2016-05-27"));

  int other = 0, ach = 0;
  for (const Payment& x : p.batch.payments) {
    other += x.source == PaymentSource::kOther ? 1 : 0;
    ach += x.source == PaymentSource::kAch ? 1 : 0;
  }
  EXPECT_EQ(other, 8);  // 5 + 3 CNTR/CDPT counter deposits
  EXPECT_EQ(ach, 3);    // the three RDDT credits

  // The 110.00 entry (ICDT/RRTN, RtrInf "BEGUENSTIGTER UNBEKANNT") is our own
  // transfer coming back: kept as cash, flagged for a person.
  EXPECT_TRUE(AnyWarningHas(p, "valid_example_v4.xml:1525: Ntry 9: credit is marked as a return"));
  const Payment* returned = FindPayment(p, "160406CH00NKSQ5N");
  ASSERT_NE(returned, nullptr);
  EXPECT_EQ(returned->amount_minor, 4000);
  EXPECT_EQ(returned->payer_name, "Max Mustermann");
}

// The two refunds of direct debits (DBIT, RvslInd=true, RtrInf MD06) go
// back to Bernasconi Maria (6.00, EndToEnd-2B6C-CHDDBB5) and Rutschmann Pia
// (15.53, E2E-1-1-16030913).
TEST(CamtCorpus, PostFinanceV4DebitReversalsBecomeBankReversals) {
  ParsedSettlement p = ParseCorpus("camt053/valid_example_v4.xml");
  const Reversal* r1 = FindReversal(p, "TST_205-2091679-6");
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ(r1->kind, ReversalKind::kBankReversal);
  EXPECT_EQ(r1->amount_minor, 600);
  EXPECT_EQ(r1->currency->code(), "CHF");
  EXPECT_EQ(r1->original_reference, "EndToEnd-2B6C-CHDDBB5");
  EXPECT_EQ(r1->reason_code, "MD06");
  EXPECT_EQ(r1->text, "Lastschrift-Widerspruch durch den Zahlungspflichtigen");
  EXPECT_EQ(r1->value_date, D("2016-04-10"));
  const Reversal* r2 = FindReversal(p, "TST_205-28529-1");
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->amount_minor, 1553);
  EXPECT_EQ(r2->original_reference, "E2E-1-1-16030913");
}

// viafintech v8 (UBS, CHF): two credits, 474.4 (one decimal, line 85) and
// 88.85 (line 171); the EUR 20.97 debit is ignored. TxDtls AcctSvcrRefs
// are the ids; the second pays with RF38000000000000000000552.
TEST(CamtCorpus, UbsV8ReadsUstrdInvoiceAndIso11649Reference) {
  ParsedSettlement p = ParseCorpus("camt053/valid_example_v8.xml");
  ASSERT_EQ(p.batch.payments.size(), 2u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"CHF", 56325}}));
  const Payment* inv = FindPayment(p, "9999181ZC0283079");
  ASSERT_NE(inv, nullptr);
  EXPECT_EQ(inv->amount_minor, 47440);
  EXPECT_EQ(inv->payer_name, "Jon Doe");
  EXPECT_EQ(inv->remittance, "INVOICE R77561");
  EXPECT_EQ(inv->end_to_end_id, "80000004540000100095");
  EXPECT_EQ(inv->bank_reference, "9999181ZC0283079");
  EXPECT_EQ(inv->value_date, D("2023-06-20"));
  const Payment* rf = FindPayment(p, "0123171DO5126811");
  ASSERT_NE(rf, nullptr);
  EXPECT_EQ(rf->amount_minor, 8885);
  EXPECT_EQ(rf->payer_name, "Finanz AG");
  EXPECT_EQ(rf->rf_reference, "RF38000000000000000000552");
  EXPECT_TRUE(rf->remittance.empty());
  EXPECT_EQ(rf->bank_batch_id, "8d8075ce49134553a261033714278400");  // Btch/PmtInfId
}

// viafintech with_batch (ING, EUR): the Btch entry of 3 (line 77) is a
// DEBIT without TxDtls, so it is ignored; two credits 2688.00 (EndToEndId
// GBSXX21170607391766562, Ustrd TERUGGAAF) and 5000.00 (no Refs, no RmtInf:
// the entry's AcctSvcrRef). TxsSummry claims 35 entries: a trimmed fixture.
TEST(CamtCorpus, IngBatchFileIgnoresTheDebitBatchAndReadsTwoCredits) {
  ParsedSettlement p = ParseCorpus("camt053/valid_example_with_batch.xml");
  ASSERT_EQ(p.batch.payments.size(), 2u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 768800}}));
  const Payment* a = FindPayment(p, "GBSXX21170607391766562");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->amount_minor, 268800);
  EXPECT_EQ(a->payer_name, "TEST");
  EXPECT_EQ(a->remittance, "TERUGGAAF");
  EXPECT_EQ(a->payer_account_mask, "****6666");
  EXPECT_EQ(a->bank_reference, "s8ecaaf0f96f492f603167c748a0b1c6");
  EXPECT_EQ(a->value_date, D("2019-06-13"));
  const Payment* b = FindPayment(p, "d36e51a0ff7e4561b11c2b1c5d79d9ea");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->amount_minor, 500000);
  EXPECT_EQ(b->payer_name, "Bedrijf BV");
  EXPECT_TRUE(b->remittance.empty());
  EXPECT_TRUE(b->end_to_end_id.empty());
  EXPECT_FALSE(AnyWarningHas(p, "unitemized"));  // the batch is a debit
  EXPECT_TRUE(AnyWarningHas(p, "TtlNtries: says '35' entries, the record holds 3"));
}

// django-jbank Finland camt.054: four EUR credits adding up to the
// TxsSummry's 7048. Per-document remittance: 6000.54 pays CINV " 9580572"
// (RmtdAmt 6256.7) net of credit notes …9580521 and …9579095 (no
// DuePyblAmt/RmtdAmt, so no amount); 742.45 has a SCOR reference 9544208
// (text) and credit note 9582095. The fourth has no Refs at all.
TEST(CamtCorpus, FinlandCamt054ReadsPerDocumentRemittance) {
  ParsedSettlement p = ParseCorpus("camt054/camt_054_credit_notoification_example_finland.xml");
  ASSERT_EQ(p.batch.payments.size(), 4u);
  EXPECT_EQ(p.batch.reversals.size(), 0u);
  EXPECT_EQ(PaymentTotals(p), (std::map<std::string, int64_t>{{"EUR", 704800}}));
  EXPECT_FALSE(AnyWarningHas(p, "TxsSummry"));  // 4 entries, sum 7048 both check out

  const Payment* first = FindPayment(p, "End To End ID 11");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->amount_minor, 8816);
  EXPECT_EQ(first->payer_name, "SUOMI OY");
  EXPECT_EQ(first->remittance, "9597349");

  const Payment* net = FindPayment(p, "EndToEndId 13");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->amount_minor, 600054);
  EXPECT_EQ(net->payer_name, "DEBTOR FINLAND OY");
  ASSERT_EQ(net->references.size(), 3u);
  EXPECT_EQ(net->references[0].invoice_number, "9580572");
  EXPECT_EQ(net->references[0].amount_minor, std::optional<int64_t>(625670));
  EXPECT_EQ(net->references[1].invoice_number, "00000000000009580521");
  EXPECT_FALSE(net->references[1].amount_minor.has_value());
  EXPECT_EQ(net->references[2].invoice_number, "00000000000009579095");

  const Payment* scor = FindPayment(p, "End to End ID 12");
  ASSERT_NE(scor, nullptr);
  EXPECT_EQ(scor->amount_minor, 74245);
  EXPECT_EQ(scor->remittance, "9544208");
  ASSERT_EQ(scor->references.size(), 1u);
  EXPECT_EQ(scor->references[0].invoice_number, "9582095");

  const Payment* fx = FindPayment(p, "170130313190U60111");  // entry AcctSvcrRef
  ASSERT_NE(fx, nullptr);
  EXPECT_EQ(fx->amount_minor, 21685);  // EUR booked, not the SEK 2082.58 instructed
  EXPECT_EQ(fx->currency->code(), "EUR");
  EXPECT_EQ(fx->payer_name, "Debtor Name");
  EXPECT_NE(fx->remittance.find("PARTIAL PYMT 170124         INV 43459 INV EUR 357"), std::string::npos);
  EXPECT_EQ(fx->remittance.rfind("3131090U20130000", 0), 0u);
}

// Re-reading a file gives the same ids: the contract's stability promise.
TEST(CamtCorpus, EveryCorpusFileReadsTheSameTwice) {
  for (const char* rel :
       {"camt053/camt053.v2.five.decimals.xml", "camt053/camt053.v2.minimal.xml",
        "camt053/camt053.v2.multi.statement.xml", "camt053/camt053.v8.xml", "camt053/valid_example_v4.xml",
        "camt053/valid_example_v8.xml", "camt053/valid_example_with_batch.xml",
        "camt054/camt_054_credit_notoification_example_finland.xml"}) {
    ParsedSettlement a = ParseCorpus(rel);
    ParsedSettlement b = ParseCorpus(rel);
    ASSERT_EQ(a.batch.payments.size(), b.batch.payments.size()) << rel;
    for (size_t i = 0; i < a.batch.payments.size(); ++i) {
      EXPECT_EQ(a.batch.payments[i].payment_id, b.batch.payments[i].payment_id) << rel;
    }
    EXPECT_FALSE(a.batch.payments.empty()) << rel;
    EXPECT_EQ(DetectSettlementFormat(Corpus(rel)), SettlementFormat::kCamt) << rel;
  }
}

// ---------------------------------------------------------------------------
// Bad input: each error names file, line and field; nothing is returned.

TEST(CamtBadInput, TextThatIsNotXmlIsAnErrorWithLine) {
  // pugixml finds no element anywhere and reports the end of the text.
  ExpectError(Parse("x.xml", "hello, this is not XML\n"), {"x.xml:2:", "not well-formed XML", "at byte 23"});
  ExpectError(Parse("x.xml", "<Document>\n<a>\n</b>\n</Document>"), {"x.xml:3:", "not well-formed XML"});
  ExpectError(Parse("x.xml", ""), {"x.xml:", "XML"});
}

TEST(CamtBadInput, TruncatedFileNamesTheLineWhereTheXmlBreaks) {
  std::string data = Corpus("camt053/valid_example_v8.xml");
  std::string cut = data.substr(0, data.find("<Ustrd>INVOICE"));  // ends on line 162
  auto r = Parse("cut.xml", cut);
  ExpectError(r, {"cut.xml:", "not well-formed XML"});
  // pugixml stops at the end of the buffer: the last line of what is left.
  EXPECT_NE(r.status().message().find("cut.xml:162:"), std::string::npos) << r.status().message();
}

TEST(CamtBadInput, UnknownMessageTypeNamesTheNamespace) {
  std::string doc = Statement("", "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08");
  ExpectError(Parse("x.xml", doc),
              {"x.xml:2:", "unknown message type", "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"});
  ExpectError(Parse("p.xml", Statement("", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")),
              {"p.xml:2:", "pain.001.001.03"});
  ExpectError(Parse("n.xml", "<Document><BkToCstmrStmt/></Document>"), {"n.xml:1:", "unknown message type", "''"});
}

TEST(CamtBadInput, RootThatIsNotDocumentIsRejected) {
  ExpectError(Parse("x.xml", "<html><body/></html>"), {"x.xml:1:", "'html'", "not Document"});
}

TEST(CamtBadInput, MissingEntryAmountNamesEntryLineAndField) {
  EntrySpec e;
  e.amt = "<AddtlNtryInf>no amount</AddtlNtryInf>";
  std::string doc = Statement(Entry(EntrySpec()) + Entry(e));
  ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<Ntry>", 2)), "Ntry 2: field 'Amt': missing"});
}

TEST(CamtBadInput, MissingCurrencyAttributeIsNamed) {
  EntrySpec e;
  e.amt = "<Amt>100.00</Amt>";
  std::string doc = Statement(Entry(e));
  ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<Amt>")), "Ntry 1: field 'Amt': missing the Ccy"});
}

TEST(CamtBadInput, AmountThatIsNotAPlainDecimalIsRejected) {
  for (const char* text : {"12,50", "-5.00", "1e3", "", "12.", ".5", "1 000.00"}) {
    EntrySpec e;
    e.amt = std::string("<Amt Ccy=\"EUR\">") + text + "</Amt>";
    std::string doc = Statement(Entry(e));
    ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<Amt ")), "Ntry 1: field 'Amt'"});
  }
}

TEST(CamtBadInput, MoreDecimalsThanTheCurrencyHasIsRejectedNotRounded) {
  EntrySpec eur;
  eur.amt = "<Amt Ccy=\"EUR\">8.851</Amt>";
  ExpectError(Parse("x.xml", Statement(Entry(eur))), {"field 'Amt'", "more than 2 decimals", "EUR"});
  EntrySpec jpy;
  jpy.amt = "<Amt Ccy=\"JPY\">2700.5</Amt>";
  ExpectError(Parse("x.xml", Statement(Entry(jpy))), {"field 'Amt'", "more than 0 decimals", "JPY"});
  EntrySpec jpy_ok;
  jpy_ok.amt = "<Amt Ccy=\"JPY\">2700.00000</Amt>";
  auto ok = Parse("x.xml", Statement(Entry(jpy_ok)));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok.value().batch.payments[0].amount_minor, 2700);
}

TEST(CamtBadInput, UnknownCurrencyIsNamed) {
  EntrySpec e;
  e.amt = "<Amt Ccy=\"XYZ\">10.00</Amt>";
  std::string doc = Statement(Entry(e));
  ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<Amt ")), "field 'Amt'", "unknown currency 'XYZ'"});
}

TEST(CamtBadInput, ImpossibleOrMisformattedDateIsRejected) {
  EntrySpec e;
  e.val_dt = "<ValDt>\n<Dt>2024-02-30</Dt>\n</ValDt>";
  std::string doc = Statement(Entry(e));
  ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<Dt>2024-02-30")), "Ntry 1: field 'ValDt'", "2024-02-30"});
  e.val_dt = "<ValDt><Dt>01.03.2024</Dt></ValDt>";
  ExpectError(Parse("x.xml", Statement(Entry(e))), {"field 'ValDt'", "01.03.2024"});
  e.val_dt = "<ValDt><DtTm>2024-03-0xT10:00:00</DtTm></ValDt>";
  ExpectError(Parse("x.xml", Statement(Entry(e))), {"field 'ValDt'"});
}

TEST(CamtBadInput, BadCreditDebitIndicatorIsRejected) {
  EntrySpec e;
  e.ind = "CREDIT";
  ExpectError(Parse("x.xml", Statement(Entry(e))), {"Ntry 1: field 'CdtDbtInd'", "'CREDIT'"});
}

TEST(CamtBadInput, BatchTransactionWithoutItsOwnAmountNamesTheTxDtls) {
  EntrySpec e;
  e.details = Details(Tx("<Amt Ccy=\"EUR\">60.00</Amt>\n") + Tx("<Refs><EndToEndId>B</EndToEndId></Refs>\n"));
  std::string doc = Statement(Entry(e));
  ExpectError(Parse("x.xml", doc), {At("x.xml", LineOf(doc, "<TxDtls>", 2)), "Ntry 1: TxDtls 2: field 'Amt': missing"});
}

TEST(CamtBadInput, BadReferredDocumentAmountIsAnError) {
  EntrySpec e;
  e.details =
      Details(Tx("<RmtInf><Strd><RfrdDocInf><Nb>INV-1</Nb></RfrdDocInf>\n"
                 "<RfrdDocAmt><RmtdAmt Ccy=\"EUR\">1O0.00</RmtdAmt></RfrdDocAmt></Strd></RmtInf>\n"));
  ExpectError(Parse("x.xml", Statement(Entry(e))), {"field 'RfrdDocAmt/RmtdAmt'", "1O0.00"});
}

// With skip_bad_records the bad entry goes to rejects with its line, an
// excerpt of the record and the same reason an error would give.
TEST(CamtBadInput, SkipBadRecordsRejectsTheEntryAndKeepsTheRest) {
  EntrySpec good1, bad, good2;
  good1.ref = "G-1";
  bad.ref = "BAD";
  bad.amt = "<Amt Ccy=\"EUR\">12,50</Amt>";
  good2.ref = "G-2";
  good2.amt = "<Amt Ccy=\"EUR\">1.00</Amt>";
  std::string doc = Statement(Entry(good1) + Entry(bad) + Entry(good2));
  auto strict = Parse("x.xml", doc);
  ASSERT_FALSE(strict.ok());
  auto r = Parse("x.xml", doc, /*skip_bad_records=*/true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 2u);
  EXPECT_EQ(r.value().batch.payments[0].payment_id, "G-1");
  EXPECT_EQ(r.value().batch.payments[1].payment_id, "G-2");
  ASSERT_EQ(r.value().rejects.size(), 1u);
  const Reject& rej = r.value().rejects[0];
  EXPECT_EQ(rej.line, LineOf(doc, "<Ntry>", 2));
  EXPECT_EQ(rej.record.rfind("<Ntry>", 0), 0u) << rej.record;
  EXPECT_NE(rej.record.find("BAD"), std::string::npos);
  EXPECT_LE(rej.record.size(), 260u);
  EXPECT_EQ(rej.reason, strict.status().message());
}

// Truncations and byte mutations of real files: an error or a result, never
// a crash (ASan/UBSan builds make this meaningful).
TEST(CamtBadInput, TruncatedAndMutatedFilesNeverCrash) {
  std::mt19937 rng(20240301);
  for (const char* rel : {"camt053/valid_example_v4.xml", "camt054/camt_054_credit_notoification_example_finland.xml",
                          "camt053/camt053.v8.xml"}) {
    const std::string data = Corpus(rel);
    for (size_t cut = 0; cut < data.size(); cut += 1 + data.size() / 97) {
      auto r = Parse("t.xml", std::string_view(data).substr(0, cut), true);
      if (r.ok()) {
        EXPECT_LT(r.value().batch.payments.size(), 100u);
      }
    }
    for (int round = 0; round < 60; ++round) {
      std::string m = data;
      for (int k = 0; k < 4; ++k) {
        m[rng() % m.size()] = static_cast<char>("<>/&\"'0.9-A \n\xC3\x00"[rng() % 16]);
      }
      auto r1 = Parse("m.xml", m, false);
      auto r2 = Parse("m.xml", m, true);
      if (r1.ok()) {
        EXPECT_TRUE(r2.ok());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Shapes and rules beyond the corpus.

TEST(CamtShapes, PrefixedElementsAndSchemaLocationAreTolerated) {
  std::string doc =
      "<?xml version=\"1.0\"?>\n"
      "<c:Document xmlns:c=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04 camt.053.001.04.xsd\">\n"
      "<c:BkToCstmrStmt><c:Stmt><c:Ntry><c:Amt Ccy=\"USD\">12.34</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>"
      "<c:Sts>BOOK</c:Sts><c:BookgDt><c:Dt>2024-03-04</c:Dt></c:BookgDt><c:AcctSvcrRef>P-1</c:AcctSvcrRef>"
      "<c:NtryDtls><c:TxDtls><c:RltdPties><c:Dbtr><c:Nm>ACME Corp</c:Nm></c:Dbtr></c:RltdPties>"
      "<c:RmtInf><c:Ustrd>INV-77</c:Ustrd></c:RmtInf></c:TxDtls></c:NtryDtls></c:Ntry></c:Stmt>"
      "</c:BkToCstmrStmt></c:Document>\n";
  auto r = Parse("p.xml", doc);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  const Payment& p = r.value().batch.payments[0];
  EXPECT_EQ(p.payment_id, "P-1");
  EXPECT_EQ(p.amount_minor, 1234);
  EXPECT_EQ(p.payer_name, "ACME Corp");
  EXPECT_EQ(p.remittance, "INV-77");
  EXPECT_EQ(p.value_date, D("2024-03-04"));  // no ValDt: the booking date
}

TEST(CamtShapes, Camt052AndCamt054AreReadLikeAStatement) {
  std::string entry = Entry(EntrySpec());
  std::string rpt = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.08\"><BkToCstmrAcctRpt><Rpt>" +
                    entry + "</Rpt></BkToCstmrAcctRpt></Document>";
  auto r = Parse("r.xml", rpt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments.size(), 1u);
  std::string ntf =
      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.04\"><BkToCstmrDbtCdtNtfctn>"
      "<Ntfctn>" +
      entry + entry + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";
  auto n = Parse("n.xml", ntf);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(n.value().batch.payments.size(), 2u);
  // A camt.053 namespace with a camt.054 body is an error, not an empty file.
  std::string wrong =
      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrDbtCdtNtfctn/>"
      "</Document>";
  ExpectError(Parse("w.xml", wrong), {"w.xml:1:", "BkToCstmrStmt"});
}

// A credit batch booked as one amount with no TxDtls: one payment for the
// total, whose remittance says so (no invoice can be read from it), and a
// warning naming the entry.
TEST(CamtShapes, UnitemizedCreditBatchIsOnePaymentThatCannotAutoMatch) {
  EntrySpec e;
  e.amt = "<Amt Ccy=\"EUR\">4753.74</Amt>";
  e.ref = "BATCH-1";
  e.details = Details("<Btch><PmtInfId>PMT-9</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>\n");
  std::string doc = Statement(Entry(EntrySpec()) + Entry(e));
  auto r = Parse("b.xml", doc);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 2u);
  const Payment& p = r.value().batch.payments[1];
  EXPECT_EQ(p.payment_id, "BATCH-1");
  EXPECT_EQ(p.amount_minor, 475374);
  EXPECT_EQ(p.remittance, "unitemized batch of 3");
  EXPECT_TRUE(p.references.empty());
  EXPECT_EQ(p.bank_batch_id, "PMT-9");
  EXPECT_TRUE(AnyWarningHas(r.value(), At("b.xml", LineOf(doc, "<Ntry>", 2)) + " Ntry 2: batch of 3"));
}

// A batch's TxDtls amounts are the payments; the entry-level charges are
// not any one payer's, a TxDtls's deducted charges (ChrgInclInd=true) are.
TEST(CamtShapes, BatchTransactionsKeepTheirOwnAmountsAndDeductedCharges) {
  EntrySpec e;
  e.amt = "<Amt Ccy=\"EUR\">99.00</Amt>";
  e.details = Details(
      "<Btch><NbOfTxs>2</NbOfTxs></Btch>\n" +
      Tx("<Refs><EndToEndId>A-1</EndToEndId></Refs>\n<Amt Ccy=\"EUR\">60.00</Amt>\n"
         "<Chrgs><Rcrd><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>true</ChrgInclInd></Rcrd>"
         "<Rcrd><Amt Ccy=\"EUR\">0.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>false</ChrgInclInd></Rcrd>"
         "</Chrgs>\n") +
      Tx("<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n<AmtDtls><TxAmt><Amt Ccy=\"EUR\">39.00</Amt></TxAmt>"
         "</AmtDtls>\n"));
  auto r = Parse("c.xml", Statement(Entry(e)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 2u);
  const Payment& a = r.value().batch.payments[0];
  EXPECT_EQ(a.payment_id, "A-1");
  EXPECT_EQ(a.amount_minor, 6000);
  EXPECT_EQ(a.fee_minor, 100);
  const Payment& b = r.value().batch.payments[1];
  EXPECT_EQ(b.payment_id, "E-REF-2");  // NOTPROVIDED: entry reference + index
  EXPECT_TRUE(b.end_to_end_id.empty());
  EXPECT_EQ(b.amount_minor, 3900);
  EXPECT_EQ(b.fee_minor, 0);
  EXPECT_TRUE(r.value().warnings.empty()) << r.value().warnings[0];  // 60 + 39 = 99
}

TEST(CamtShapes, DebitReturnsAreReversalsAndCreditReversalsAreSkipped) {
  EntrySpec rvsl;  // RvslInd on a debit: an earlier credit taken back
  rvsl.ind = "DBIT";
  rvsl.extra_head = "<RvslInd>true</RvslInd>\n";
  rvsl.ref = "R-1";
  EntrySpec rtr;  // a debit with return information, no RvslInd
  rtr.ind = "DBIT";
  rtr.ref = "R-2";
  rtr.details =
      Details(Tx("<Refs><EndToEndId>E2E-ORIG</EndToEndId></Refs>\n"
                 "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>account closed</AddtlInf></RtrInf>\n"));
  EntrySpec out;  // an ordinary debit: money going out
  out.ind = "DBIT";
  EntrySpec back;  // a credit reversing a debit: not a customer's payment
  back.extra_head = "<RvslInd>true</RvslInd>\n";
  std::string doc = Statement(Entry(rvsl) + Entry(rtr) + Entry(out) + Entry(back));
  auto r = Parse("v.xml", doc);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().batch.payments.empty());
  ASSERT_EQ(r.value().batch.reversals.size(), 2u);
  EXPECT_EQ(r.value().batch.reversals[0].reversal_id, "R-1");
  EXPECT_EQ(r.value().batch.reversals[0].amount_minor, 10000);
  const Reversal& ret = r.value().batch.reversals[1];
  EXPECT_EQ(ret.reversal_id, "R-2");
  EXPECT_EQ(ret.kind, ReversalKind::kBankReversal);
  EXPECT_EQ(ret.original_reference, "E2E-ORIG");
  EXPECT_EQ(ret.reason_code, "AC04");
  EXPECT_EQ(ret.text, "account closed");
  EXPECT_TRUE(AnyWarningHas(r.value(), "Ntry 4: credit with RvslInd=true"));
}

TEST(CamtShapes, ZeroAmountsAreSkippedWithAWarning) {
  EntrySpec zero;
  zero.amt = "<Amt Ccy=\"EUR\">0.00</Amt>";
  EntrySpec batch;
  batch.amt = "<Amt Ccy=\"EUR\">5.00</Amt>";
  batch.details = Details(Tx("<Amt Ccy=\"EUR\">5.00</Amt>\n") + Tx("<Amt Ccy=\"EUR\">0</Amt>\n"));
  auto r = Parse("z.xml", Statement(Entry(zero) + Entry(batch)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  EXPECT_EQ(r.value().batch.payments[0].amount_minor, 500);
  EXPECT_TRUE(AnyWarningHas(r.value(), "Ntry 1: amount is zero"));
  EXPECT_TRUE(AnyWarningHas(r.value(), "Ntry 2: TxDtls 2: amount is zero"));
}

TEST(CamtShapes, EntriesThatAreNotBookedAreSkippedWithAWarning) {
  EntrySpec pending;
  pending.extra_head = "<Sts><Cd>PDNG</Cd></Sts>\n";
  auto r = Parse("s.xml", Statement(Entry(pending)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().batch.payments.empty());
  EXPECT_TRUE(AnyWarningHas(r.value(), "Ntry 1: status 'PDNG' is not booked"));
}

TEST(CamtShapes, RfReferenceWithWrongCheckDigitsStaysRemittanceText) {
  EntrySpec e;
  e.details =
      Details(Tx("<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>\n"
                 "<Strd><CdtrRefInf><Ref>RF19539007547034</Ref></CdtrRefInf></Strd></RmtInf>\n"));
  auto r = Parse("f.xml", Statement(Entry(e)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Payment& p = r.value().batch.payments[0];
  EXPECT_EQ(p.rf_reference, "RF18539007547034");  // valid mod 97
  EXPECT_EQ(p.remittance, "RF19539007547034");    // one digit off
  EXPECT_TRUE(AnyWarningHas(r.value(), "check digits"));
}

TEST(CamtShapes, RepeatedIdsAreMadeUniqueAndReported) {
  EntrySpec e;
  e.ref = "";
  e.details = Details(Tx("<Refs><EndToEndId>INV-1</EndToEndId></Refs>\n"));
  auto r = Parse("d.xml", Statement(Entry(e) + Entry(e)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 2u);
  EXPECT_EQ(r.value().batch.payments[0].payment_id, "INV-1");
  EXPECT_EQ(r.value().batch.payments[1].payment_id, "INV-1~2");
  EXPECT_TRUE(AnyWarningHas(r.value(), "id 'INV-1' was already used"));
}

// Issue 14 §3: US banks write the ACH and Fedwire fields into the free text
// of their camt.053. A CCD+ credit whose Ustrd carries the NACHA fields and
// two RMR segments: the payer (its 16-character company name, its
// originator id as the payer account), two references with their amounts,
// and none of the trace number, the receiver's own name or the entry
// description in the remittance.
TEST(CamtUsText, AchFieldsInUstrdNameThePayerAndRmrSegmentsAreReferences) {
  EntrySpec e;
  e.amt = "<Amt Ccy=\"USD\">200.00</Amt>";
  e.details = Details(
      Tx("<RmtInf><Ustrd>ORIG CO NAME:NORTHWIND ANALYT ORIG ID:1234567890 CO ENTRY DESCR:PAYMENT SEC:CTX "
         "TRACE#:021000021234567 IND NAME:OUR COMPANY INC</Ustrd>\n"
         "<Ustrd>ADDENDA:RMR*IV*INV-2026-000123*PI*150.00\\RMR*IV*INV-2026-000124*PI*50.00\\</Ustrd></RmtInf>\n"));
  std::string doc = Statement(Entry(e));
  Result<ParsedSettlement> r = Parse("us.xml", doc);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  const Payment& p = r.value().batch.payments[0];
  EXPECT_EQ(p.payer_name, "NORTHWIND ANALYT");
  EXPECT_EQ(p.payer_account_fp, kFp.Account("1234567890"));
  ASSERT_EQ(p.references.size(), 2u);
  EXPECT_EQ(p.references[0].invoice_number, "INV-2026-000123");
  EXPECT_EQ(p.references[0].amount_minor, 15000);
  EXPECT_EQ(p.references[1].invoice_number, "INV-2026-000124");
  EXPECT_EQ(p.references[1].amount_minor, 5000);
  EXPECT_EQ(p.remittance.find("021000021234567"), std::string::npos) << p.remittance;
  EXPECT_EQ(p.remittance.find("OUR COMPANY"), std::string::npos) << p.remittance;
}

// A Fedwire credit with no RmtInf: the bank put the wire's fields in
// AddtlTxInf. ORG gives the payer's account and name, OBI the remittance,
// IMAD is bank data. The structured debtor, when present, wins over the text.
TEST(CamtUsText, FedwireFieldsInAddtlTxInfGiveThePayerAndTheObiText) {
  EntrySpec e;
  e.amt = "<Amt Ccy=\"USD\">7770.00</Amt>";
  e.details = Details(
      Tx("<AddtlTxInf>ORG:/987654321 GLOBEX CORP OBI:INV-2026-000777 IMAD:20261123MMQFMP9X000123</AddtlTxInf>\n"));
  Result<ParsedSettlement> r = Parse("wire.xml", Statement(Entry(e)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Payment& p = r.value().batch.payments.at(0);
  EXPECT_EQ(p.payer_name, "GLOBEX CORP");
  EXPECT_EQ(p.payer_account_fp, kFp.Account("987654321"));
  EXPECT_EQ(p.remittance, "INV-2026-000777");

  e.details =
      Details(Tx("<RltdPties><Dbtr><Nm>Globex Corporation</Nm></Dbtr></RltdPties>\n"
                 "<AddtlTxInf>ORG:/987654321 GLOBEX CORP OBI:INV-2026-000777</AddtlTxInf>\n"));
  Result<ParsedSettlement> named = Parse("wire.xml", Statement(Entry(e)));
  ASSERT_TRUE(named.ok()) << named.status().message();
  EXPECT_EQ(named.value().batch.payments.at(0).payer_name, "Globex Corporation");
}

// European free text without a US label is read as before, whole.
TEST(CamtUsText, TextWithoutAUsLabelIsRemittanceAsBefore) {
  EntrySpec e;
  e.details = Details(Tx("<RmtInf><Ustrd>Rechnung 2024-118 Kundennr 4711</Ustrd></RmtInf>\n"));
  Result<ParsedSettlement> r = Parse("eu.xml", Statement(Entry(e)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments.at(0).remittance, "Rechnung 2024-118 Kundennr 4711");
}

}  // namespace
}  // namespace cashmatch::io
