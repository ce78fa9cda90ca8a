// Stripe balance transactions: the corpus files read to values taken from
// reading them, a generated payout listing applied end to end (charges pay
// their invoices at gross, refunds reopen them, fees are fees), Stripe's
// exponent table, and the payout's net check.
#include <gtest/gtest.h>

#include "cashmatch/io/csv.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::TempDir;

const Fingerprinter kFp(std::string(32, 'k'));

Result<ParsedSettlement> ParseCorpus(const std::string& file, SettlementFormat format = SettlementFormat::kAuto) {
  std::string path = std::string(CASHMATCH_CORPUS_DIR) + "/stripe/" + file;
  auto data = ReadFile(path);
  EXPECT_TRUE(data.ok()) << data.status().message();
  if (!data.ok()) return data.status();
  return ParseSettlement(path, data.value(), format, kFp, ParseOptions());
}

TEST(StripeCorpus, ChargeBalanceTransactionIsOnePaymentAtGrossWithItsFee) {
  // amount 2000, fee 88 (one stripe_fee), net 1912, source ch_…0001, usd,
  // created 1557995177 = 2019-05-16 UTC.
  auto r = ParseCorpus("balance_transaction_txn_fake_ch_fakefakefakefakefake0001.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  ASSERT_EQ(b.payments.size(), 1u);
  EXPECT_TRUE(b.reversals.empty());
  EXPECT_FALSE(b.payout.has_value());
  const Payment& p = b.payments[0];
  EXPECT_EQ(p.payment_id, "ch_fakefakefakefakefake0001");
  EXPECT_EQ(p.amount_minor, 2000);
  EXPECT_EQ(p.fee_minor, 88);
  EXPECT_EQ(p.currency, Currency::Find("USD"));
  EXPECT_EQ(FormatIsoDate(p.value_date), "2019-05-16");
  EXPECT_EQ(p.source, PaymentSource::kStripe);
  EXPECT_EQ(p.bank_reference, "txn_fake_ch_fakefakefakefakefake0001");
}

TEST(StripeCorpus, PreBasilChargeObjectCarriesItsInvoiceAndCustomer) {
  // charge ch_…0001: amount 2000 usd, customer cus_6lsBvm5rJ0zyHc,
  // invoice in_…0001, billing name alex-nesnes@hotmail.fr.
  auto r = ParseCorpus("charge_ch_fakefakefakefakefake0001.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  const Payment& p = r.value().batch.payments[0];
  EXPECT_EQ(p.payment_id, "ch_fakefakefakefakefake0001");
  EXPECT_EQ(p.amount_minor, 2000);
  EXPECT_EQ(p.stripe_invoice_id, "in_fakefakefakefakefake0001");
  EXPECT_EQ(p.stripe_customer_id, "cus_6lsBvm5rJ0zyHc");
  EXPECT_EQ(p.payer_name, "alex-nesnes@hotmail.fr");
}

TEST(StripeCorpus, DisputeWithdrawalReversesTheChargeAndBooksTheDisputeFee) {
  // amount -1000, fee 1500 ("Dispute fee"), net -2500, source dp_…,
  // description "Chargeback withdrawal for ch_1JHRCWJSZQVUcJYgOCavbxio".
  auto r = ParseCorpus("dispute_txn_fakefakefakefake01.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  EXPECT_TRUE(b.payments.empty());
  ASSERT_EQ(b.reversals.size(), 1u);
  EXPECT_EQ(b.reversals[0].kind, ReversalKind::kStripeDispute);
  EXPECT_EQ(b.reversals[0].amount_minor, 1000);
  EXPECT_EQ(b.reversals[0].original_payment_id, "ch_1JHRCWJSZQVUcJYgOCavbxio");
  EXPECT_EQ(b.reversals[0].reversal_id, "dp_1JHRCWJSZQVUcJYgEHzUiuvb");
  EXPECT_EQ(b.standalone_fees_minor.at("USD"), 1500);
}

TEST(StripeCorpus, AnInvoiceObjectIsNotASettlementAndSaysSo) {
  auto r = ParseCorpus("invoice_in_fakefakefakefakefake0001.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().batch.payments.empty());
  ASSERT_EQ(r.value().warnings.size(), 1u);
  EXPECT_NE(r.value().warnings[0].find("'invoice' is not a settlement record"), std::string::npos);
}

TEST(StripeCorpus, TheApiFixturesFileIsRejectedCleanly) {
  // fixtures3.json is Stripe's catalogue of example objects under
  // "resources", not a listing: a clear error, not a crash or a guess.
  auto r = ParseCorpus("fixtures3.json", SettlementFormat::kStripeJson);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fixtures3.json:1: field 'object'"), std::string::npos) << r.status().message();
}

// A payout listing as GET /v1/balance_transactions?payout=po_… returns it:
// `charges` charges of 100.00 (fee 3.20) each paying in_<i>, `refunds`
// refunds of the first charges with the source expanded, three stripe_fee
// lines of 1.00, and the payout's own BT.
std::string PayoutListing(int charges, int refunds, int64_t payout_adjust = 0) {
  std::string data = R"({"object":"list","url":"/v1/balance_transactions","has_more":false,"data":[)";
  int64_t net = 0;
  auto add = [&](const std::string& bt) {
    if (data.back() != '[') data += ",";
    data += bt;
  };
  for (int i = 0; i < charges; ++i) {
    std::string n = std::to_string(i);
    add(R"({"id":"txn_c)" + n +
        R"(","object":"balance_transaction","amount":10000,"fee":320,"net":9680,"currency":"usd","created":1764000000,"type":"charge","reporting_category":"charge","exchange_rate":null,"source":{"id":"ch_)" +
        n + R"(","object":"charge","amount":10000,"currency":"usd","customer":"cus_1","invoice":"in_)" + n + R"("}})");
    net += 9680;
  }
  for (int i = 0; i < refunds; ++i) {
    std::string n = std::to_string(i);
    add(R"({"id":"txn_r)" + n +
        R"(","object":"balance_transaction","amount":-10000,"fee":0,"net":-10000,"currency":"usd","created":1764050000,"type":"refund","reporting_category":"refund","source":{"id":"re_)" +
        n + R"(","object":"refund","charge":"ch_)" + n + R"("}})");
    net -= 10000;
  }
  for (int i = 0; i < 3; ++i) {
    add(R"({"id":"txn_f)" + std::to_string(i) +
        R"(","object":"balance_transaction","amount":-100,"fee":0,"net":-100,"currency":"usd","created":1764060000,"type":"stripe_fee","reporting_category":"fee","source":null})");
    net -= 100;
  }
  add(R"({"id":"txn_po","object":"balance_transaction","amount":)" + std::to_string(-(net + payout_adjust)) +
      R"(,"fee":0,"net":)" + std::to_string(-(net + payout_adjust)) +
      R"(,"currency":"usd","created":1764100000,"available_on":1764115200,"type":"payout","reporting_category":"payout","source":"po_1"})");
  return data + "]}";
}

TEST(StripePayout, ListingBecomesOneBatchWhoseNetMatchesThePayout) {
  auto r = ParseSettlement("po.json", PayoutListing(50, 2), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  ASSERT_TRUE(b.payout.has_value());
  EXPECT_EQ(b.payout->payout_id, "po_1");
  EXPECT_EQ(b.payout->amount_minor, 50 * 9680 - 2 * 10000 - 300);
  EXPECT_EQ(b.payments.size(), 50u);
  EXPECT_EQ(b.reversals.size(), 2u);
  EXPECT_EQ(b.reversals[1].original_payment_id, "ch_1");
  EXPECT_EQ(b.standalone_fees_minor.at("USD"), 300);
  EXPECT_EQ(b.payments[7].stripe_invoice_id, "in_7");
}

TEST(StripePayout, ANetThatDoesNotAddUpIsAnErrorNamingBothFigures) {
  auto r = ParseSettlement("po.json", PayoutListing(3, 0, 1), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("payout po_1 pays 287.41 USD but the net of its balance transactions is 287.40"),
            std::string::npos)
      << r.status().message();
}

TEST(StripePayout, FiftyChargesTwoRefundsAndFeesAppliedEndToEnd) {
  TempDir tmp;
  auto ledger = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(ledger.ok());
  std::string invoices = "invoice_id,number,customer_id,currency,amount_total,due_date,stripe_invoice_id\n";
  for (int i = 0; i < 50; ++i) {
    invoices += "I" + std::to_string(i) + ",INV-S-" + std::to_string(1000 + i) + ",C1,USD,100.00,2026-11-30,in_" +
                std::to_string(i) + "\n";
  }
  ASSERT_TRUE(LoadBookFiles(*ledger.value(),
                            tmp.Write("c.csv", "customer_id,name,stripe_customer_ids\nC1,Hooli,cus_1\n"),
                            tmp.Write("i.csv", invoices))
                  .ok());
  Policy policy;
  auto ex = HintExtractor::Create(policy);
  std::string file = tmp.Write("po.json", PayoutListing(50, 2));
  auto r = ApplyPaymentFile(*ledger.value(), file, policy, *ex.value(), MatchOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().batch.batch_id, "b-po_1");
  EXPECT_EQ(r.value().applied_count, 50u);
  // The two refunded charges' invoices are open again; the rest settled.
  EXPECT_EQ(ledger.value()->GetInvoice("I0").value()->amount_open_minor, 10000);
  EXPECT_EQ(ledger.value()->GetInvoice("I1").value()->amount_open_minor, 10000);
  EXPECT_EQ(ledger.value()->GetInvoice("I2").value()->amount_open_minor, 0);
  EXPECT_EQ(ledger.value()->GetPayment("ch_0").value()->status, PaymentStatus::kReturned);
  VerifyReport report;
  Status s = ledger.value()->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.message();
  // The same payout again, even re-fetched into another file, is a no-op.
  auto again = ApplyPaymentFile(*ledger.value(), tmp.Write("po-again.json", PayoutListing(50, 2) + "\n"), policy,
                                *ex.value(), MatchOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().already_applied);
}

// Scenario 9: a Stripe payout of 50 charges, 2 refunds and fees, and the
// bank line that brought its net. A ledger with the 50 invoices the charges
// pay (in_0 … in_49, 100.00 each) and helpers to apply files to it.
class StripePayoutLedger : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Ledger::Open(tmp_.Join("ledger"), Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    std::string invoices = "invoice_id,number,customer_id,currency,amount_total,due_date,stripe_invoice_id\n";
    for (int i = 0; i < 50; ++i) {
      invoices += "I" + std::to_string(i) + ",INV-S-" + std::to_string(1000 + i) + ",C1,USD,100.00,2026-11-30,in_" +
                  std::to_string(i) + "\n";
    }
    ASSERT_TRUE(LoadBookFiles(*ledger_, tmp_.Write("c.csv", "customer_id,name,stripe_customer_ids\nC1,Hooli,cus_1\n"),
                              tmp_.Write("i.csv", invoices))
                    .ok());
    auto ex = HintExtractor::Create(policy_);
    ASSERT_TRUE(ex.ok());
    extractor_ = std::move(ex).value();
  }

  ApplyResult Apply(const std::string& name, const std::string& content) {
    auto r = ApplyPaymentFile(*ledger_, tmp_.Write(name, content), policy_, *extractor_, MatchOptions());
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : ApplyResult();
  }

  // A BAI2 file whose one credit (ACH settlement, 165) is the payout's net
  // amount as the bank shows it, on `yymmdd`.
  static std::string BankLine(int64_t amount_minor, const std::string& yymmdd, const std::string& text) {
    const std::string a = std::to_string(amount_minor);
    return "01,BANK,US," + yymmdd + ",0800,1,,,2/\n02,US,BANK,1," + yymmdd +
           ",,USD,2/\n03,1234567890,USD,010,0,,/\n"
           "16,165," +
           a + ",0,BR-PO-1,," + text + "/\n49," + a + ",3/\n98," + a + ",1,5/\n99," + a + ",1,7/\n";
  }

  std::vector<Event> EventsSince(uint64_t seq) { return testing_util::EventsSince(*ledger_, seq); }

  static std::vector<Event> OfType(const std::vector<Event>& events, EventType type) {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  VerifyReport ExpectBooksBalance() {
    VerifyReport report;
    Status s = ledger_->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
    return report;
  }

  // 50 × 96.80 − 2 × 100.00 − 3 × 1.00
  static constexpr int64_t kPayoutNet = 50 * 9680 - 2 * 10000 - 300;
  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
  std::unique_ptr<HintExtractor> extractor_;
};

TEST_F(StripePayoutLedger, ChargesPayTheirInvoicesFeesAreBookedAndTheBankLineIsLinkedToThePayout) {
  ApplyResult listing = Apply("po.json", PayoutListing(50, 2));
  EXPECT_EQ(listing.applied_count, 50u);
  std::vector<Event> ev = EventsSince(0);
  // Each charge's fee is a fee on that charge, not a short payment: its
  // invoice was applied the full 100.00 and settled.
  std::vector<Event> fees = OfType(ev, EventType::kFee);
  ASSERT_EQ(fees.size(), 51u);
  int64_t fee_total = 0;
  for (const Event& f : fees) fee_total += f.amount_minor;
  EXPECT_EQ(fee_total, 50 * 320 + 300);
  EXPECT_EQ(fees[0].payment_id, "ch_0");
  EXPECT_EQ(fees[0].rule, "stripe_fee");
  EXPECT_EQ(fees.back().payment_id, "po_1");  // the three stripe_fee lines, on the payout's trail
  EXPECT_EQ(fees.back().amount_minor, 300);
  EXPECT_TRUE(OfType(ev, EventType::kWrittenOff).empty());
  EXPECT_EQ(ledger_->GetInvoice("I7").value()->amount_open_minor, 0);
  EXPECT_EQ(ledger_->GetInvoice("I0").value()->amount_open_minor, 10000);  // refunded
  VerifyReport after_listing = ExpectBooksBalance();
  EXPECT_EQ(after_listing.totals["USD"].fees_minor, 50 * 320 + 300);
  EXPECT_EQ(after_listing.totals["USD"].received_minor, 50 * 10000);

  // The bank line the next morning: the payout's money, not a 51st payment.
  const uint64_t before = ledger_->last_seq();
  ApplyResult bank = Apply("bank.bai", BankLine(kPayoutNet, "251127", "STRIPE TRANSFER"));
  EXPECT_EQ(bank.exception_count, 0u);
  std::vector<Event> linked = EventsSince(before);
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_EQ(linked[0].type, EventType::kPayoutMatched);
  EXPECT_EQ(linked[0].payment_id, "BR-PO-1");
  EXPECT_EQ(linked[0].amount_minor, kPayoutNet);
  EXPECT_EQ(linked[0].signals.front(), "payout=po_1");
  EXPECT_EQ(ledger_->GetPayment("BR-PO-1").value()->status, PaymentStatus::kPayout);
  VerifyReport after_bank = ExpectBooksBalance();
  EXPECT_EQ(after_bank.totals["USD"].received_minor, 50 * 10000);  // nothing received twice
  EXPECT_EQ(after_bank.totals["USD"].payout_lines_minor, kPayoutNet);
}

TEST_F(StripePayoutLedger, BankLineBeforeItsListingWaitsAndIsLinkedWhenTheListingArrives) {
  ApplyResult bank = Apply("bank.bai", BankLine(kPayoutNet, "251126", "STRIPE PAYOUT"));
  EXPECT_EQ(bank.exception_count, 1u);
  PaymentRecord waiting = *ledger_->GetPayment("BR-PO-1").value();
  EXPECT_EQ(waiting.reason, ExceptionReason::kPayoutPending);
  EXPECT_EQ(waiting.exception_minor, 0);  // not customer cash in review
  ExpectBooksBalance();

  const uint64_t before = ledger_->last_seq();
  Apply("po.json", PayoutListing(50, 2));
  std::vector<Event> linked = OfType(EventsSince(before), EventType::kPayoutMatched);
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_EQ(linked[0].payment_id, "BR-PO-1");
  EXPECT_EQ(ledger_->GetPayment("BR-PO-1").value()->status, PaymentStatus::kPayout);
  ExpectBooksBalance();
}

TEST_F(StripePayoutLedger, ABankLineOfAnotherAmountOrTooFarInTimeIsNotLinked) {
  Apply("po.json", PayoutListing(50, 2));
  Apply("off-by-a-cent.bai", BankLine(kPayoutNet + 1, "251126", "STRIPE TRANSFER"));
  EXPECT_EQ(ledger_->GetPayment("BR-PO-1").value()->reason, ExceptionReason::kPayoutPending);
  // A second bank line of the right amount, but weeks after the payout's
  // arrival (2025-11-26): not the same money.
  std::string late = BankLine(kPayoutNet, "251220", "STRIPE TRANSFER");
  late.replace(late.find("BR-PO-1"), 7, "BR-PO-2");
  Apply("late.bai", late);
  EXPECT_EQ(ledger_->GetPayment("BR-PO-2").value()->reason, ExceptionReason::kPayoutPending);
  ExpectBooksBalance();
}

TEST(StripeAmounts, StripesExponentTableIsNotIsos) {
  auto bt = [](const std::string& ccy, int64_t amount) {
    return R"({"id":"txn_1","object":"balance_transaction","amount":)" + std::to_string(amount) +
           R"(,"fee":0,"currency":")" + ccy + R"(","created":1764000000,"type":"charge","source":"ch_1"})";
  };
  auto isk = ParseSettlement("t.json", bt("isk", 12300), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(isk.ok()) << isk.status().message();
  EXPECT_EQ(isk.value().batch.payments[0].amount_minor, 123);  // ISK: 2 decimals at Stripe, 0 in ISO
  auto bad_isk = ParseSettlement("t.json", bt("isk", 12345), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_FALSE(bad_isk.ok());
  EXPECT_NE(bad_isk.status().message().find("field 'amount'"), std::string::npos) << bad_isk.status().message();
  auto jpy = ParseSettlement("t.json", bt("jpy", 500), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(jpy.ok());
  EXPECT_EQ(jpy.value().batch.payments[0].amount_minor, 500);
  auto xyz = ParseSettlement("t.json", bt("xyz", 500), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_FALSE(xyz.ok());
  EXPECT_NE(xyz.status().message().find("t.json:1: balance transaction txn_1: field 'currency'"), std::string::npos)
      << xyz.status().message();
}

TEST(StripeNdjson, OneObjectPerLineWithTheNewerInvoicePaymentLink) {
  std::string data =
      R"({"id":"txn_1","object":"balance_transaction","amount":2500,"fee":0,"currency":"usd","created":1764000000,"type":"payment","source":"py_9"})"
      "\n"
      R"({"id":"inpay_1","object":"invoice_payment","invoice":"in_77","payment":{"type":"charge","charge":"py_9"}})"
      "\n";
  auto r = ParseSettlement("bt.ndjson", data, SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().batch.payments.size(), 1u);
  EXPECT_EQ(r.value().batch.payments[0].stripe_invoice_id, "in_77");
}

TEST(StripeBadInput, TruncatedAndMalformedListingsAreNamedErrors) {
  std::string listing = PayoutListing(2, 0);
  auto truncated = ParseSettlement("po.json", listing.substr(0, listing.size() / 2), SettlementFormat::kStripeJson, kFp,
                                   ParseOptions());
  EXPECT_FALSE(truncated.ok());
  auto no_amount = ParseSettlement(
      "bt.ndjson", R"({"id":"txn_1","object":"balance_transaction","currency":"usd","type":"charge","source":"ch_1"})",
      SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_FALSE(no_amount.ok());
  EXPECT_NE(no_amount.status().message().find("bt.ndjson:1: balance transaction txn_1: field 'amount': required"),
            std::string::npos)
      << no_amount.status().message();
  ParseOptions skip;
  skip.skip_bad_records = true;
  std::string two =
      R"({"id":"txn_1","object":"balance_transaction","currency":"usd","type":"charge","source":"ch_1"})"
      "\n"
      R"({"id":"txn_2","object":"balance_transaction","amount":100,"fee":0,"currency":"usd","created":1764000000,"type":"charge","source":"ch_2"})"
      "\n";
  auto skipped = ParseSettlement("bt.ndjson", two, SettlementFormat::kAuto, kFp, skip);
  ASSERT_TRUE(skipped.ok()) << skipped.status().message();
  EXPECT_EQ(skipped.value().rejects.size(), 1u);
  EXPECT_EQ(skipped.value().batch.payments.size(), 1u);
  for (size_t n = 0; n < listing.size(); n += 7) {
    // Every prefix: a value or a clean error, never a crash.
    (void)ParseSettlement("po.json", listing.substr(0, n), SettlementFormat::kStripeJson, kFp, ParseOptions());
  }
}

// Regression (found by fuzz_stripe_json): malformed JSON inside an expanded
// object used to be stepped over, and the parser then used a simdjson
// iterator that was no longer valid. Now it is a clean error.
TEST(StripeBadInput, MalformedJsonInsideANestedObjectIsAnErrorNotUndefinedBehaviour) {
  auto data = ReadFile(std::string(CASHMATCH_CORPUS_DIR) + "/stripe/charge_ch_fakefakefakefakefake0001.json");
  ASSERT_TRUE(data.ok());
  std::string broken = data.value();
  size_t at = broken.find("\"email\": null");
  ASSERT_NE(at, std::string::npos);
  broken.replace(at, 14, "\"email\"payment_intent: null");
  for (bool skip : {false, true}) {
    ParseOptions options;
    options.skip_bad_records = skip;
    auto r = ParseSettlement("charge.json", broken, SettlementFormat::kStripeJson, kFp, options);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace cashmatch::io
