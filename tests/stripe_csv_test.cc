// Stripe's payout reconciliation report (itemized CSV). No real export is
// public (corpus SOURCES.md), so the files here are built from the report's
// documented columns: major-unit decimal strings, columns by header name,
// a BOM and CRLF tolerated.
#include <gtest/gtest.h>

#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

const Fingerprinter kFp(std::string(32, 'k'));

constexpr char kReport[] =
    "\xEF\xBB\xBF"
    "automatic_payout_id,balance_transaction_id,created_utc,reporting_category,currency,gross,fee,net,"
    "charge_id,source_id,invoice_id,invoice_number,customer_id,customer_name,description\r\n"
    "po_9,txn_1,2026-11-20 10:00:00,charge,usd,1200.00,35.10,1164.90,ch_1,ch_1,in_1,INV-2026-000001,cus_1,"
    "\"Acme, Inc.\",Subscription\r\n"
    "po_9,txn_2,2026-11-20 11:00:00,charge,usd,80.00,2.62,77.38,ch_2,ch_2,,INV-2026-000002,cus_2,Globex,\r\n"
    "po_9,txn_3,2026-11-21 09:00:00,refund,usd,-80.00,0.00,-80.00,ch_2,re_1,,,cus_2,Globex,Refund\r\n"
    "po_9,txn_4,2026-11-21 09:30:00,fee,usd,-5.00,0.00,-5.00,,,,,,,Billing fee\r\n";

TEST(StripeCsv, ItemizedReportBecomesOnePayoutBatch) {
  EXPECT_EQ(DetectSettlementFormat(kReport), SettlementFormat::kStripeCsv);
  auto r = ParseSettlement("recon.csv", kReport, SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  ASSERT_EQ(b.payments.size(), 2u);
  const Payment& p = b.payments[0];
  EXPECT_EQ(p.payment_id, "ch_1");
  EXPECT_EQ(p.amount_minor, 120000);  // gross, in minor units
  EXPECT_EQ(p.fee_minor, 3510);
  EXPECT_EQ(p.payer_name, "Acme, Inc.");
  EXPECT_EQ(p.stripe_invoice_id, "in_1");
  ASSERT_EQ(p.references.size(), 1u);
  EXPECT_EQ(p.references[0].invoice_number, "INV-2026-000001");
  EXPECT_EQ(FormatIsoDate(p.value_date), "2026-11-20");
  ASSERT_EQ(b.reversals.size(), 1u);
  EXPECT_EQ(b.reversals[0].original_payment_id, "ch_2");
  EXPECT_EQ(b.reversals[0].amount_minor, 8000);
  EXPECT_EQ(b.standalone_fees_minor.at("USD"), 500);
  ASSERT_TRUE(b.payout.has_value());
  EXPECT_EQ(b.payout->payout_id, "po_9");
  EXPECT_EQ(b.payout->amount_minor, 116490 + 7738 - 8000 - 500);
}

TEST(StripeCsv, ZeroDecimalCurrenciesAreMajorUnitsToo) {
  std::string report = "reporting_category,currency,gross,fee,net,charge_id\ncharge,jpy,500,0,500,ch_j\n";
  auto r = ParseSettlement("recon.csv", report, SettlementFormat::kStripeCsv, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.payments[0].amount_minor, 500);
  EXPECT_FALSE(r.value().batch.payout.has_value());  // no payout column: keyed by the file's content
}

TEST(StripeCsv, BadRowsAreNamedAndCanBeSkipped) {
  const std::string head = "reporting_category,currency,gross,fee,net,charge_id\n";
  auto parse = [](const std::string& text, bool skip = false) {
    ParseOptions o;
    o.skip_bad_records = skip;
    return ParseSettlement("recon.csv", text, SettlementFormat::kStripeCsv, kFp, o);
  };
  auto bad_amount = parse(head + "charge,usd,12.345,0,12.345,ch_1\n");
  ASSERT_FALSE(bad_amount.ok());
  EXPECT_NE(bad_amount.status().message().find("recon.csv:2: field 'gross'"), std::string::npos)
      << bad_amount.status().message();
  auto bad_net = parse(head + "charge,usd,10.00,1.00,8.00,ch_1\n");
  ASSERT_FALSE(bad_net.ok());
  EXPECT_NE(bad_net.status().message().find("field 'net'"), std::string::npos);
  auto bad_ccy = parse(head + "charge,xyz,10.00,0,10.00,ch_1\n");
  ASSERT_FALSE(bad_ccy.ok());
  EXPECT_NE(bad_ccy.status().message().find("recon.csv:2: field 'currency'"), std::string::npos);
  auto missing = parse("currency,gross,net\nusd,1.00,1.00\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing required column 'reporting_category'"), std::string::npos);
  auto skipped = parse(head + "charge,usd,oops,0,1.00,ch_1\ncharge,usd,1.00,0,1.00,ch_2\n", true);
  ASSERT_TRUE(skipped.ok()) << skipped.status().message();
  EXPECT_EQ(skipped.value().rejects.size(), 1u);
  EXPECT_EQ(skipped.value().batch.payments.size(), 1u);
}

TEST(StripeCsv, ChargesMatchTheirInvoicesByNumberEndToEnd) {
  testing_util::TempDir tmp;
  auto ledger = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE(LoadBookFiles(*ledger.value(), tmp.Write("c.csv", "customer_id,name\nC1,Acme\nC2,Globex\n"),
                            tmp.Write("i.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I1,INV-2026-000001,C1,USD,1200.00,2026-11-30\n"
                                      "I2,INV-2026-000002,C2,USD,80.00,2026-11-30\n"))
                  .ok());
  Policy policy;
  auto ex = HintExtractor::Create(policy);
  auto r = ApplyPaymentFile(*ledger.value(), tmp.Write("recon.csv", kReport), policy, *ex.value(), MatchOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.batch_id, "b-po_9");
  EXPECT_EQ(r.value().applied_count, 2u);
  EXPECT_EQ(ledger.value()->GetInvoice("I1").value()->amount_open_minor, 0);
  EXPECT_EQ(ledger.value()->GetInvoice("I2").value()->amount_open_minor, 8000);  // refunded: open again
  VerifyReport report;
  Status s = ledger.value()->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace cashmatch::io
